/** An incident's lifecycle: open until acknowledged by a person, resolved (and reopened), or merged into another. */
export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved', 'merged'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Open or acknowledged: an incident someone may still act on (not resolved, not merged into another). */
export function isActiveIncident(incident: { status: IncidentStatus }): boolean {
  return incident.status === 'open' || incident.status === 'acknowledged';
}
