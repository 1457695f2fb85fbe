import * as z from 'zod';
import { escalationStateSchema, type EscalationState } from './escalation/policy';
import {
  SLA_CLOCKS,
  SLA_COVERAGES,
  SLA_TIMER_KINDS,
  slaClockSchema,
  type SlaClock,
  type SlaClockKind,
  type SlaCoverage,
  type SlaTimerKind,
} from './sla/policy';
import { ALERT_STATUSES, SEVERITIES, type Severity } from './alert';
import { entitySchema, timestamp, type ShapeOf } from './entity-schema';
import { INCIDENT_STATUSES, type IncidentStatus } from './incident-status';
import { NOTE_VISIBILITIES, type NoteVisibility } from './incident-actions';
import { maintenanceHoldSchema, type MaintenanceHold } from './maintenance/hold';

// The statuses have a module of their own so that the SLA policy, which this model refers to, can use them too.
export { INCIDENT_STATUSES, type IncidentStatus };

/** Who acts when the system acts on its own: routing an incident, resolving it after a successful runbook. */
export const AUTOMATION_ACTOR = 'automation';

/** The parts of a priority score, each shown to the operator. */
export interface PriorityParts {
  /** Base from the worst severity seen. */
  severity: number;
  /** A critical asset is involved. */
  criticalAsset: number;
  /** Many notifications: the problem keeps reporting. */
  repeat: number;
  /** Several tools see it: it is not one noisy check. */
  multiTool: number;
  /** Assets depending on the root, directly or not. */
  blastRadius: number;
  /** Negative: an incident quiet for hours matters less than a live one. */
  ageDecay: number;
}

export interface Priority {
  score: number;
  parts: PriorityParts;
}

export interface Incident {
  id: string;
  tenantId: string;
  /** The correlation id of the alert that opened it (lib/domain/correlation/engine.ts): its SLA events and notifications carry it. */
  correlationId?: string;
  status: IncidentStatus;
  title: string;
  severity: Severity;
  priority: Priority;
  /** The root asset (the upstream cause of a cascade), or null when the inventory does not know it. */
  rootAssetId: string | null;
  /** The root asset as the tools name it. */
  assetRef: string;
  /** Same as rootAssetId (kept for filters by asset). */
  assetId: string | null;
  signatures: string[];
  sources: string[];
  /** Distinct alerts (fingerprints) in the incident. */
  alertCount: number;
  /** Firing notifications of those alerts, repeats included and resolutions not (absent on incidents stored before it was kept). */
  occurrences?: number;
  reopenCount: number;
  openedAt: string;
  lastEventAt: string;
  /** Set while all its alerts have resolved and the grace period runs. */
  resolvesAt?: string;
  resolvedAt?: string;
  /** For a merged incident: the one that absorbed it. */
  mergedInto?: string;
  /** Incidents merged into this one: their alerts are this incident's too. */
  absorbed?: string[];
  /** The correlation scope holding its state (operator resolve and reopen go through it). */
  scope?: string;
  /** The first acknowledgement (a reopened incident acknowledged again keeps it). */
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  /**
   * The first action a person took on it (acknowledge, assign, note, resolve or reopen, an approval
   * decision), kept once: the response SLA KPI measures it (docs/kpis.md). Routing and runbooks never set it.
   */
  respondedAt?: string;
  respondedBy?: string;
  assignee?: { userId: string; name: string } | null;
  /** How an operator closed it (null once reopened). */
  resolutionCode?: string | null;
  resolvedBy?: string | null;
  /** The remediation decision, once made. */
  decision?: IncidentDecision;
  /** The latest runbook execution's summary. */
  remediation?: IncidentRemediation;
  /** The SLA clocks, deadlines and pending timers (lib/sla/service.ts), from the moment they start. */
  sla?: IncidentSla;
  /** The escalation chain, once an SLA breach started it (lib/domain/escalation/policy.ts). */
  escalation?: EscalationState;
  /**
   * Set when the incident opened inside a maintenance window or was silenced (lib/maintenance/): while
   * the hold is in force it pages no one and its clocks and automation follow the window's effects; once
   * lifted it stays as the record (the KPIs count such incidents apart).
   */
  maintenance?: MaintenanceHold;
  /** Set when the repair sweep (lib/repair/sweep.ts) had to ask for something its events should have given it. */
  repair?: { attempts: number; requestedAt: string };
  /** Wall-clock time the service created the incident (openedAt is the first alert's event time). */
  createdAt: string;
  updatedAt: string;
}

/** The decision as the incident keeps it (lib/domain/remediation/decision.ts RemediationDecision, plus when and the advice shown). */
export interface IncidentDecision {
  action: 'auto_execute' | 'approval_required' | 'route_to_technician';
  runbookId?: string;
  risk?: 'low' | 'medium' | 'high';
  params?: Record<string, string | number>;
  reasons: string[];
  confidence: number;
  dryRun: boolean;
  adviceUsed: boolean;
  /** The AI advice shown to operators (or why there is none). */
  advice?: { summary: string; likelyRootCause: string; suggestedRunbookId: string | null; confidence: number } | { unavailable: string };
  policyApplied: Record<string, unknown>;
  approval?: { requiredRole: 'company_admin' | 'msp_admin'; expiresAt: string };
  decidedAt: string;
  /**
   * The execution this decision starts (its id is chosen with the decision, so a retry after a crash
   * finds it instead of starting a second one).
   */
  executionId?: string;
  /** The root asset the decision was taken for: when the incident's root moves, it is decided again. */
  rootAssetId?: string | null;
  /** How many times it was decided (1 for the first decision). */
  revision?: number;
}

export interface IncidentRemediation {
  executionId: string;
  runbookId: string;
  state: string;
  outcome?: string;
  output?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}

/** A one-time schedule waiting to fire for an incident (EventBridge Scheduler in AWS). */
export interface PendingTimer {
  name: string;
  /** When it fires. */
  at: string;
  /** The instant it stands for (a warning time or a deadline). */
  dueAt: string;
  /** The deadline of its clock. */
  deadline: string;
}

/**
 * The SLA of an incident, kept with it by lib/sla/service.ts. Every write names the
 * version it read, so two firings or a firing racing an operator's change never both act.
 */
export interface IncidentSla {
  version: number;
  /** The windows that applied when the deadlines were last computed (the tenant's policy for the severity). */
  responseMinutes: number;
  resolutionMinutes: number;
  /** Whether those minutes run 24x7 or only in the service calendar's business hours (absent on incidents older than calendars: 24x7). */
  coverage?: SlaCoverage;
  /** Null while the clock is paused past the deadline (known again when it resumes). */
  responseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The pause intervals of the clock (time waiting on the client does not count). */
  clock: SlaClock;
  /** Timer kinds already acted on: a warning is sent once, a breach escalated once. */
  handled: SlaTimerKind[];
  /** The schedules pending, per timer kind. */
  timers: Partial<Record<SlaTimerKind, PendingTimer>>;
  warnedAt: Partial<Record<SlaClockKind, string>>;
  /** When each clock breached: a response or resolution SLA missed. */
  breachedAt: Partial<Record<SlaClockKind, string>>;
  startedAt: string;
  updatedAt: string;
}

export interface IncidentAlert {
  alertId: string;
  signature: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  source: string;
  assetRef: string;
  assetId: string | null;
  category: string;
  message: string;
  occurredAt: string;
  /** Why this alert joined the incident, in words an operator reads. */
  reason: string;
  /** The hash of its dedup key: notifications of one alert share it (absent on memberships stored before it was kept). */
  fingerprint?: string;
  /** The row it belongs to when not its own fingerprint's: another tool's resolution of a condition the incident holds. */
  row?: string;
  /** The order it was written in (as a timeline entry's `seq`). */
  seq?: string;
}

export const TIMELINE_TYPES = [
  'incident-acknowledged',
  'incident-assigned',
  'note',
  'incident-opened',
  'alert-joined',
  'alert-resolved',
  'alert-ended',
  'resolution-pending',
  'incident-resolved',
  'incident-reopened',
  'incident-merged',
  'root-changed',
  'remediation-decided',
  'approval-requested',
  'approval-decided',
  'execution-started',
  'execution-finished',
  'incident-routed',
  'sla-warning',
  'sla-breached',
  'incident-escalated',
  'sla-paused',
  'sla-resumed',
  'maintenance-started',
  'maintenance-ended',
] as const;

export interface TimelineEntry {
  id: string;
  at: string;
  type: (typeof TIMELINE_TYPES)[number];
  alertId?: string;
  /** The user behind an operator entry (acknowledgement, assignment, note, manual resolve or reopen). */
  actor?: string;
  /** The other incident of a merge. */
  incidentId?: string;
  reason: string;
  /** A note's readers; absent is `internal` (every note written before clients could read any). */
  visibility?: NoteVisibility;
  /**
   * The order it was written in (lib/store/incidents.ts writeStamps): entries of one instant sort by it, so a
   * cause comes before its effect whatever their event times' milliseconds say.
   */
  seq?: string;
}

// ---------------------------------------------------------------------------------------------------
// The schemas of the stored incident, its alerts and its timeline: every read of them is checked.

const priorityPartsSchema = entitySchema<PriorityParts>({
  severity: z.number(),
  criticalAsset: z.number(),
  repeat: z.number(),
  multiTool: z.number(),
  blastRadius: z.number(),
  ageDecay: z.number(),
});

const prioritySchema = entitySchema<Priority>({ score: z.number(), parts: priorityPartsSchema });

const paramsSchema = z.record(z.string(), z.union([z.string(), z.number()]));

const adviceSchema = z.union([
  z.object({ summary: z.string(), likelyRootCause: z.string(), suggestedRunbookId: z.string().nullable(), confidence: z.number() }),
  z.object({ unavailable: z.string() }),
]);

const incidentDecisionSchema = entitySchema<IncidentDecision>({
  action: z.enum(['auto_execute', 'approval_required', 'route_to_technician']),
  runbookId: z.string().optional(),
  risk: z.enum(['low', 'medium', 'high']).optional(),
  params: paramsSchema.optional(),
  reasons: z.array(z.string()),
  confidence: z.number(),
  dryRun: z.boolean(),
  adviceUsed: z.boolean(),
  advice: adviceSchema.optional(),
  policyApplied: z.record(z.string(), z.unknown()),
  approval: z.object({ requiredRole: z.enum(['company_admin', 'msp_admin']), expiresAt: timestamp }).optional(),
  decidedAt: timestamp,
  executionId: z.string().optional(),
  rootAssetId: z.string().nullable().optional(),
  revision: z.number().int().optional(),
});

const incidentRemediationSchema = entitySchema<IncidentRemediation>({
  executionId: z.string(),
  runbookId: z.string(),
  state: z.string(),
  outcome: z.string().optional(),
  output: z.string().optional(),
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
  durationMs: z.number().optional(),
});

const pendingTimerSchema = entitySchema<PendingTimer>({ name: z.string(), at: timestamp, dueAt: timestamp, deadline: timestamp });

/** A record keyed by some of an enum's values (z.record with an enum key wants them all). */
const partialRecord = <K extends string, V extends z.ZodType>(keys: readonly [K, ...K[]], value: V) => z.partialRecord(z.enum(keys), value);

const incidentSlaSchema = entitySchema<IncidentSla>({
  version: z.number().int(),
  responseMinutes: z.number(),
  resolutionMinutes: z.number(),
  coverage: z.enum(SLA_COVERAGES).optional(),
  responseDueAt: timestamp.nullable(),
  resolutionDueAt: timestamp.nullable(),
  clock: slaClockSchema,
  handled: z.array(z.enum(SLA_TIMER_KINDS)),
  timers: partialRecord(SLA_TIMER_KINDS, pendingTimerSchema),
  warnedAt: partialRecord(SLA_CLOCKS, timestamp),
  breachedAt: partialRecord(SLA_CLOCKS, timestamp),
  startedAt: timestamp,
  updatedAt: timestamp,
});

/** The incident's properties and their schemas: a read that projects some of them parses with those (pickShape). */
export const incidentShape: ShapeOf<Incident> = {
  id: z.string().min(1),
  tenantId: z.string().min(1),
  correlationId: z.string().optional(),
  status: z.enum(INCIDENT_STATUSES),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  priority: prioritySchema,
  rootAssetId: z.string().nullable(),
  assetRef: z.string(),
  assetId: z.string().nullable(),
  signatures: z.array(z.string()),
  sources: z.array(z.string()),
  alertCount: z.number().int(),
  occurrences: z.number().int().optional(),
  reopenCount: z.number().int(),
  openedAt: timestamp,
  lastEventAt: timestamp,
  resolvesAt: timestamp.optional(),
  resolvedAt: timestamp.optional(),
  mergedInto: z.string().optional(),
  absorbed: z.array(z.string()).optional(),
  scope: z.string().optional(),
  acknowledgedAt: timestamp.optional(),
  acknowledgedBy: z.string().optional(),
  respondedAt: timestamp.optional(),
  respondedBy: z.string().optional(),
  assignee: z.object({ userId: z.string(), name: z.string() }).nullable().optional(),
  resolutionCode: z.string().nullable().optional(),
  resolvedBy: z.string().nullable().optional(),
  decision: incidentDecisionSchema.optional(),
  remediation: incidentRemediationSchema.optional(),
  sla: incidentSlaSchema.optional(),
  escalation: escalationStateSchema.optional(),
  maintenance: maintenanceHoldSchema.optional(),
  repair: z.object({ attempts: z.number().int(), requestedAt: timestamp }).optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
};

export const incidentSchema = entitySchema<Incident>(incidentShape);

export const incidentAlertSchema = entitySchema<IncidentAlert>({
  alertId: z.string().min(1),
  signature: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(ALERT_STATUSES),
  source: z.string(),
  assetRef: z.string(),
  assetId: z.string().nullable(),
  category: z.string(),
  message: z.string(),
  occurredAt: timestamp,
  reason: z.string(),
  fingerprint: z.string().optional(),
  row: z.string().optional(),
  seq: z.string().optional(),
});

export const timelineEntrySchema = entitySchema<TimelineEntry>({
  id: z.string().min(1),
  at: timestamp,
  type: z.enum(TIMELINE_TYPES),
  alertId: z.string().optional(),
  actor: z.string().optional(),
  incidentId: z.string().optional(),
  reason: z.string(),
  visibility: z.enum(NOTE_VISIBILITIES).optional(),
  seq: z.string().optional(),
});

const SEVERITY_BASE: Record<Severity, number> = { critical: 50, high: 38, medium: 25, low: 12, info: 5 };

export interface PriorityInput {
  severity: Severity;
  /** Firing notifications (a resolution is not a reason for more attention). */
  occurrences: number;
  sources: string[];
  lastEventAt: string;
  status: string;
  /** Whether any asset of the incident is flagged critical. */
  critical: boolean;
  /** Assets that depend on the root, directly or not. */
  dependents: number;
}

/**
 * Priority 0-100: severity base (5-50) + critical asset (15) + repeats (firing notifications, up to 10, logarithmic) +
 * several tools (5 a tool beyond the first, up to 10) + blast radius (3 a dependent asset, up to 15)
 * - age decay (2 an hour since the last event while it is quiet, up to 20; none once resolved).
 */
export function priorityOf(incident: PriorityInput, now: Date): Priority {
  const quietHours = Math.max(0, (now.getTime() - Date.parse(incident.lastEventAt)) / 3_600_000);
  const parts: PriorityParts = {
    severity: SEVERITY_BASE[incident.severity],
    criticalAsset: incident.critical ? 15 : 0,
    repeat: Math.min(10, Math.round(Math.log2(Math.max(1, incident.occurrences)) * 2)),
    multiTool: Math.min(10, Math.max(0, incident.sources.length - 1) * 5),
    blastRadius: Math.min(15, incident.dependents * 3),
    ageDecay: incident.status === 'resolved' ? 0 : -Math.min(20, Math.floor(quietHours * 2)),
  };
  const total = Object.values(parts).reduce((sum, part) => sum + part, 0);
  return { score: Math.max(0, Math.min(100, total)), parts };
}
