import type { Severity } from './alert';

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface PriorityParts {
  severity: number;
  repeat: number;
  multiTool: number;
}

export interface Priority {
  score: number;
  parts: PriorityParts;
}

export interface Incident {
  id: string;
  tenantId: string;
  status: IncidentStatus;
  title: string;
  severity: Severity;
  priority: Priority;
  assetId: string | null;
  assetRef: string;
  signatures: string[];
  sources: string[];
  alertCount: number;
  openedAt: string;
  lastEventAt: string;
  resolvedAt?: string;
  /** Wall-clock time the service created the incident (openedAt is the first alert's event time). */
  createdAt: string;
  updatedAt: string;
}

export interface IncidentAlert {
  alertId: string;
  signature: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  source: string;
  assetRef: string;
  message: string;
  occurredAt: string;
  /** Why this alert joined the incident, in words an operator reads. */
  reason: string;
}

export interface TimelineEntry {
  id: string;
  at: string;
  type: 'incident-opened' | 'alert-joined' | 'alert-resolved' | 'incident-resolved';
  alertId?: string;
  reason: string;
}

const SEVERITY_BASE: Record<Severity, number> = { critical: 60, high: 45, medium: 30, low: 15, info: 5 };

/** Priority 0-100 with its parts shown (severity base, repeats, several tools seeing it). */
export function priorityOf(incident: { severity: Severity; alertCount: number; sources: string[] }): Priority {
  const parts: PriorityParts = {
    severity: SEVERITY_BASE[incident.severity],
    repeat: Math.min(10, Math.max(0, incident.alertCount - 1)),
    multiTool: incident.sources.length > 1 ? 10 : 0,
  };
  const score = Math.max(0, Math.min(100, parts.severity + parts.repeat + parts.multiTool));
  return { score, parts };
}
