import * as z from 'zod';

/**
 * Domain events on the EventBridge bus (STYLE habit 3): each detail-type has a constant and a zod
 * contract. Every event names its tenant, which is how the WebSocket fan-out scopes what it pushes.
 */
export const DETAIL_TYPES = {
  incidentOpened: 'IncidentOpened',
  incidentUpdated: 'IncidentUpdated',
  incidentResolved: 'IncidentResolved',
  /** Someone (or routing) assigned the incident: the assignee is notified. */
  incidentAssigned: 'IncidentAssigned',
  /** An operator asked to pause or resume an incident's SLA clock (the sla function moves the timers). */
  slaPauseRequested: 'SlaPauseRequested',
  slaResumeRequested: 'SlaResumeRequested',
  remediationDecided: 'RemediationDecided',
  approvalRequested: 'ApprovalRequested',
  approvalDecided: 'ApprovalDecided',
  executionStarted: 'ExecutionStarted',
  executionFinished: 'ExecutionFinished',
  slaWarning: 'SlaWarning',
  slaBreached: 'SlaBreached',
  incidentEscalated: 'IncidentEscalated',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export const domainEventDetailSchema = z.looseObject({
  tenantId: z.string().min(1),
  incidentId: z.string().optional(),
  alertId: z.string().optional(),
});

export interface DomainEvent {
  detailType: DetailType;
  detail: z.infer<typeof domainEventDetailSchema>;
}

/** Publishes domain events (EventBridge PutEvents in AWS and on the local stack). */
export type PublishEvents = (events: DomainEvent[]) => Promise<void>;

/**
 * The correlation id an event's detail carries (the id of the request that brought its alert, passed on
 * by each step: incident events, remediation, execution, notifications), if any.
 */
export function correlationIdOfDetail(detail: unknown): string | undefined {
  const value = (detail as { correlationId?: unknown } | null | undefined)?.correlationId;
  return typeof value === 'string' && value ? value : undefined;
}

/** The same for a whole EventBridge event (anything else has none). */
export function correlationIdOfEvent(event: unknown): string | undefined {
  return event && typeof event === 'object' && 'detail' in event ? correlationIdOfDetail(event.detail) : undefined;
}

/** The tenant an EventBridge event's detail names, if any (for logs and trace annotations, before validation). */
export function tenantIdOfEvent(event: unknown): string | undefined {
  const detail = event && typeof event === 'object' && 'detail' in event ? (event.detail as { tenantId?: unknown } | null) : undefined;
  const value = detail?.tenantId;
  return typeof value === 'string' && value ? value : undefined;
}
