/** An incident's lifecycle: open until acknowledged by a person, resolved (and reopened), or merged into another. */
export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved', 'merged'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
