/** One event pushed by the realtime API: the EventBridge detail-type, its time and detail. */
export interface LiveEvent {
  type: string;
  at: string;
  tenantId: string;
  incidentId?: string;
  [field: string]: unknown;
}
