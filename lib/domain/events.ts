import * as z from 'zod';

/**
 * Domain events: each detail-type has a constant and a zod contract of its detail, here and nowhere
 * else. Events are written to the table's outbox in the same transaction as the state change they
 * announce (lib/store/outbox.ts) and reach the EventBridge bus from the table's stream
 * (lib/relay/stream-relay.ts); no code publishes to the bus after a commit. Delivery is at least once:
 * every consumer skips an event id it has handled (lib/store/event-receipts.ts).
 *
 * Every event names its tenant (how the WebSocket fan-out scopes what it pushes) and its incident, and
 * carries the correlation id of the request behind it when there is one.
 */
/** The `source` of every product event on the bus (the rules in functions/catalog.ts match it). */
export const EVENT_SOURCE = 'alert-whisperer';

export const DETAIL_TYPES = {
  incidentOpened: 'IncidentOpened',
  incidentUpdated: 'IncidentUpdated',
  incidentResolved: 'IncidentResolved',
  /** Someone (or routing) assigned the incident: the assignee is notified. */
  incidentAssigned: 'IncidentAssigned',
  /** An operator asked to pause or resume an incident's SLA clock (the sla function moves the timers). */
  slaPauseRequested: 'SlaPauseRequested',
  slaResumeRequested: 'SlaResumeRequested',
  /** A person asked to pass the incident to the next escalation level now (the sla function notifies it). */
  escalationRequested: 'EscalationRequested',
  /** A client's viewer asked the MSP to call back about the incident: its assignee (or the company's admins) is notified. */
  callbackRequested: 'CallbackRequested',
  remediationDecided: 'RemediationDecided',
  approvalRequested: 'ApprovalRequested',
  approvalDecided: 'ApprovalDecided',
  executionStarted: 'ExecutionStarted',
  executionFinished: 'ExecutionFinished',
  slaWarning: 'SlaWarning',
  slaBreached: 'SlaBreached',
  incidentEscalated: 'IncidentEscalated',
  /** The repair sweep found an open incident missing what its events should have given it (SLA clocks, a decision, its execution). */
  incidentRepairRequested: 'IncidentRepairRequested',
  /** An occurrence of a maintenance window (or a silence) began or ended: the tenant's admins are told; integrations may follow. */
  maintenanceStarted: 'MaintenanceStarted',
  maintenanceEnded: 'MaintenanceEnded',
  /** A window was created or changed: the sla function schedules its next occurrence's timers. */
  maintenanceScheduled: 'MaintenanceScheduled',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

const id = z.string().min(1).max(256);
const text = z.string().max(4000);
const iso = z.iso.datetime({ offset: true });

/** What every event's detail carries. `eventId` is set when the event is written to the outbox. */
const base = {
  tenantId: id,
  incidentId: id,
  /** Unique per event (a ULID): consumers skip an id they have handled; notifications use it as their delivery id. */
  eventId: id,
  /** The request behind it (an alert's webhook, an operator's API call), carried from step to step. */
  correlationId: id.optional(),
};

/** How correlation changed an incident (the dashboard's live feed words it). */
export const INCIDENT_CHANGES = ['open', 'join', 'reopen', 'resolve-alert', 'merged', 'absorbed', 'root-changed', 'resolve'] as const;

/** Correlation's view of one incident change: the alerts it took and whether its root moved. */
const correlationChange = {
  /** The last alert that changed it (absent when no alert did: an operator, the settle sweep). */
  alertId: id.optional(),
  /** Every alert of this commit that joined or resolved on it. */
  alertIds: z.array(id).max(100).optional(),
  reason: text.optional(),
};

const personOrSystem = z.string().min(1).max(320);
const recipientsSchema = z.object({ userIds: z.array(id).max(100), roles: z.array(z.string().max(64)).max(10) });

/**
 * An SLA notification decided when a timer fired (who is told, and what), carried by the event so that
 * sending it survives a crash after the write: the sla function sends it when the event arrives.
 */
export const slaNotificationSchema = z.object({
  kind: z.enum(['sla-warning', 'sla-breach', 'escalation']),
  recipients: recipientsSchema,
  details: z.looseObject({ dedupKey: z.string().min(1).max(300), at: iso }),
});
export type SlaNotificationPayload = z.infer<typeof slaNotificationSchema>;

/**
 * What an open incident can be asked to get again: the repair sweep asks for the first three when they
 * are missing; `assignee` when its technician left (lib/oncall/release.ts), so routing picks another.
 */
export const REPAIRABLE = ['sla', 'decision', 'execution', 'assignee'] as const;
export type Repairable = (typeof REPAIRABLE)[number];

/**
 * A maintenance window's occurrence starting or ending. It is about a window, not an incident: its
 * `incidentId` is the window's id prefixed `maintenance:` (every event names an incident; no incident
 * id has that form), so the live updates and receipts that key on it work unchanged.
 */
const maintenanceEvent = z
  .object({
    ...base,
    windowId: id,
    name: z.string().max(200),
    kind: z.enum(['window', 'silence']),
    startsAt: iso,
    endsAt: iso,
    /** Why it ended (its time came, ended early by a person, the silenced incident resolved). */
    reason: text.optional(),
    /** Incidents still firing that got the normal treatment when it ended. */
    released: z.array(id).max(1000).optional(),
  })
  .strict();

export const EVENT_CONTRACTS = {
  [DETAIL_TYPES.incidentOpened]: z.object({ ...base, ...correlationChange, decision: z.literal('open') }).strict(),
  [DETAIL_TYPES.incidentUpdated]: z
    .object({
      ...base,
      ...correlationChange,
      decision: z.enum([...INCIDENT_CHANGES, 'acknowledged', 'sla-paused', 'sla-resumed', 'maintenance-started', 'maintenance-ended']),
      /** The incident's root asset moved to another asset (remediation decides again). */
      rootChanged: z.boolean().optional(),
      /** This incident was merged into that one. */
      mergedInto: id.optional(),
      /** Incidents merged into this one by this change (remediation decides again). */
      absorbed: z.array(id).max(100).optional(),
      actor: personOrSystem.optional(),
      status: z.string().max(32).optional(),
      responseDueAt: iso.nullable().optional(),
      resolutionDueAt: iso.nullable().optional(),
    })
    .strict(),
  [DETAIL_TYPES.incidentResolved]: z
    .object({
      ...base,
      ...correlationChange,
      decision: z.enum(['resolve', 'settled', 'resolve-alert']).optional(),
      actor: personOrSystem.optional(),
    })
    .strict(),
  [DETAIL_TYPES.incidentAssigned]: z
    .object({
      ...base,
      assignee: z.object({ userId: id, name: z.string().max(200) }),
      assignedBy: personOrSystem,
      reasons: z.array(text).max(20),
    })
    .strict(),
  [DETAIL_TYPES.slaPauseRequested]: z.object({ ...base, actor: personOrSystem, reason: text.optional() }).strict(),
  [DETAIL_TYPES.slaResumeRequested]: z.object({ ...base, actor: personOrSystem }).strict(),
  [DETAIL_TYPES.escalationRequested]: z.object({ ...base, actor: personOrSystem, requesterId: id }).strict(),
  [DETAIL_TYPES.callbackRequested]: z
    .object({
      ...base,
      /** The requester's display name. */
      requestedBy: z.string().max(200),
      /** Where to call (E.164), when they gave a number. */
      phone: z.string().max(32).optional(),
      message: z.string().max(1000),
    })
    .strict(),
  [DETAIL_TYPES.remediationDecided]: z
    .object({
      ...base,
      action: z.enum(['auto_execute', 'approval_required', 'route_to_technician']),
      runbookId: id.nullable().optional(),
      /** Set when the decision replaces an earlier one (the incident's root changed, or incidents merged). */
      revised: z.boolean().optional(),
    })
    .strict(),
  [DETAIL_TYPES.approvalRequested]: z
    .object({
      ...base,
      approvalId: id,
      runbookId: id,
      risk: z.enum(['low', 'medium', 'high']),
      requiredRole: z.enum(['company_admin', 'msp_admin']),
      expiresAt: iso,
    })
    .strict(),
  [DETAIL_TYPES.approvalDecided]: z
    .object({ ...base, approvalId: id, state: z.enum(['approved', 'rejected', 'expired', 'cancelled']) })
    .strict(),
  [DETAIL_TYPES.executionStarted]: z.object({ ...base, executionId: id, runbookId: id }).strict(),
  [DETAIL_TYPES.executionFinished]: z
    .object({ ...base, executionId: id, runbookId: id, state: z.enum(['succeeded', 'failed', 'rejected', 'expired']) })
    .strict(),
  [DETAIL_TYPES.slaWarning]: z
    .object({
      ...base,
      clock: z.enum(['response', 'resolution']),
      deadline: iso,
      remainingMs: z.number(),
      notification: slaNotificationSchema.optional(),
    })
    .strict(),
  [DETAIL_TYPES.slaBreached]: z.object({ ...base, clock: z.enum(['response', 'resolution']), deadline: iso, breachedAt: iso }).strict(),
  [DETAIL_TYPES.incidentEscalated]: z
    .object({
      ...base,
      level: z.number().int().min(1),
      levelCount: z.number().int().min(1),
      reason: text,
      notified: z.array(id).max(100),
      exhausted: z.boolean().optional(),
      notification: slaNotificationSchema.optional(),
    })
    .strict(),
  [DETAIL_TYPES.incidentRepairRequested]: z
    .object({ ...base, missing: z.array(z.enum(REPAIRABLE)).min(1), attempt: z.number().int().min(1) })
    .strict(),
  [DETAIL_TYPES.maintenanceStarted]: maintenanceEvent,
  [DETAIL_TYPES.maintenanceEnded]: maintenanceEvent,
  [DETAIL_TYPES.maintenanceScheduled]: maintenanceEvent,
} as const satisfies Record<DetailType, z.ZodType>;

export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_CONTRACTS)[T]>;
/** What a producer supplies: the detail without its event id (the outbox assigns it). */
export type NewEventDetail<T extends DetailType> = Omit<EventDetail<T>, 'eventId'>;

/** An event as produced, before it is written (no id yet). */
export type NewDomainEvent = { [T in DetailType]: { detailType: T; detail: NewEventDetail<T> } }[DetailType];
/** An event as written and delivered. */
export type DomainEvent = { [T in DetailType]: { detailType: T; detail: EventDetail<T> } }[DetailType];

/** Builds an event, typed by its detail-type. */
export function domainEvent<T extends DetailType>(detailType: T, detail: NewEventDetail<T>): NewDomainEvent {
  return { detailType, detail } as NewDomainEvent;
}

export function isDetailType(value: unknown): value is DetailType {
  return typeof value === 'string' && Object.hasOwn(EVENT_CONTRACTS, value);
}

/** The event checked against its contract (throws a ZodError naming the field that does not fit). */
export function parseDomainEvent(detailType: string, detail: unknown): DomainEvent {
  if (!isDetailType(detailType)) throw new Error(`Unknown detail-type ${JSON.stringify(detailType)}`);
  return { detailType, detail: EVENT_CONTRACTS[detailType].parse(detail) } as DomainEvent;
}

/** An EventBridge event as a consumer receives it (only the fields the consumers read). */
export interface BusEvent {
  id?: string;
  'detail-type': string;
  time?: string;
  detail: unknown;
}

/** A bus event parsed by its detail-type's contract. */
export function parseBusEvent(event: BusEvent): DomainEvent {
  return parseDomainEvent(event['detail-type'], event.detail);
}

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
