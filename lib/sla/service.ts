import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Timers, TimerRequest } from '../aws/scheduler';
import type { Severity } from '../domain/alert';
import {
  AUTOMATION_ACTOR,
  INCIDENT_STATUSES,
  type Incident,
  type IncidentSla,
  type IncidentStatus,
  type PendingTimer,
  type TimelineEntry,
} from '../domain/incident';
import {
  nextEscalation,
  resolveTargets,
  startEscalation,
  type BreachKind,
  type EscalationPolicy,
  type EscalationState,
  type EscalationLevel,
  type EscalationStep,
} from '../domain/escalation/policy';
import { isAtWork } from '../domain/notify/preferences';
import { DETAIL_TYPES, domainEvent, type NewDomainEvent, type SlaNotificationPayload } from '../domain/events';
import { isHeld, type MaintenanceHold } from '../domain/maintenance/hold';
import { holdOf } from '../maintenance/holds';
import { addCorrelationKeys, countMetric, logger } from '../observability';
import { recordAudit } from '../store/audit';
import { getNotificationPreferences } from '../store/oncall';
import { IncidentStateError } from '../store/incident-actions';
import { escalationPolicies, getIncident, slaPolicies, writeIncidentSla, type SlaWrite } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { listUsers, type StoredUser } from '../store/users';
import {
  deadlinesFor,
  EMPTY_CLOCK,
  targetFor,
  evaluateTimer,
  pauseClock,
  resumeClock,
  slaTimerSchema,
  timerName,
  timersFor,
  type SlaClock,
  type SlaClockKind,
  type SlaIncident,
  type SlaPolicy,
  type SlaTimer,
  type SlaTimerKind,
} from '../domain/sla/policy';

/**
 * The SLA clocks and escalation chain of incidents, around the pure policies (lib/domain/sla/policy.ts,
 * lib/domain/escalation/policy.ts), on one-time timers (EventBridge Scheduler in AWS, the local emulator on
 * the local stack). IncidentOpened starts the clocks (`startSla`); IncidentUpdated / IncidentResolved
 * bring the timers in line with the incident (`onIncidentChanged`: an acknowledgement deletes the
 * response timers and stops the escalation, a resolution deletes everything); every timer lands in
 * `handleTimer`, which re-reads the incident and acts at most once (warn, breach and start the
 * escalation, move the escalation one level), or does nothing and says why.
 *
 * Every change is one conditional write on the incident (status and SLA version), so a repeated,
 * late or racing firing cannot act twice. Timers a change needs are created before that write (a
 * timer whose write then lost finds nothing to do when it fires) and timers it ends are deleted after
 * (a failed delete leaves a timer that finds nothing to do).
 */

/** Whom the SLA service asks to tell (implemented by lib/notify/deliver.ts). */
export interface SlaNotification {
  tenantId: string;
  incidentId: string;
  kind: 'sla-warning' | 'sla-breach' | 'escalation';
  /**
   * `userIds` is complete: every user the level's targets name (assignee, on-call, named users and the
   * members of the roles). `roles` repeats which roles the level named (for role-wide channels, such as
   * the company's Slack channel); expanding them again gives no one new.
   */
  recipients: { userIds: string[]; roles: string[] };
  details: SlaNotificationDetails;
}

export interface SlaNotificationDetails {
  /** The same for a retried handler: deliver once per key. */
  dedupKey: string;
  /** When it happened. */
  at: string;
  /** The incident's correlation id (its opening alert's), onto the delivery records. */
  correlationId?: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  assetRef: string;
  openedAt: string;
  priority: number;
  /** For warnings and breaches: which clock, and its deadline. */
  clock?: SlaClockKind;
  deadline?: string;
  /** The 1-based escalation level notified, of `levelCount` (breaches and escalations). */
  level?: number;
  levelCount?: number;
  reason: string;
  /** Targets of the level that named nobody ("nobody is on call"). */
  unresolved?: string[];
}

export interface SlaDeps {
  table: TableRef;
  now: () => Date;
  timers: Timers;
  notify: (request: SlaNotification) => Promise<void>;
  /** Who is on call in a tenant's schedule (its default one when scheduleId is undefined); nobody when absent. */
  onCall?: (tenantId: string, scheduleId: string | undefined, at: Date) => Promise<string | null>;
}

/** What a timer carries (the schedule's Input): the timer function parses it with this. */
export const slaTimerEventSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('sla'),
      tenantId: z.string().min(1),
      incidentId: z.string().min(1),
      /** The schedule's name. */
      name: z.string().min(1).max(64),
      timer: slaTimerSchema,
    })
    .strict(),
  z
    .object({
      type: z.literal('escalation'),
      tenantId: z.string().min(1),
      incidentId: z.string().min(1),
      name: z.string().min(1).max(64),
      /** The level that was notified and waits for an acknowledgement. */
      level: z.number().int().min(0),
      /** When the level's wait ends. */
      at: z.iso.datetime(),
    })
    .strict(),
]);
export type SlaTimerEvent = z.infer<typeof slaTimerEventSchema>;

const AUTOMATION = 'automation';
const SAME_INSTANT_MS = 1_000;
const ATTEMPTS = 4;
const OPEN: readonly IncidentStatus[] = ['open'];
const ACTIVE: readonly IncidentStatus[] = ['open', 'acknowledged'];

// ---------------------------------------------------------------------------------------------------
// Schedule names

/** The incident's part of a schedule name: its id (a ULID) when plain and short, else a digest of it. */
function nameId(incidentId: string): string {
  return /^[0-9A-Za-z_.-]{1,26}$/.test(incidentId) ? incidentId : createHash('sha256').update(incidentId).digest('hex').slice(0, 26);
}

/** 8 characters of Scheduler's name alphabet (base64url is within [0-9A-Za-z_-]). */
function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 8);
}

/**
 * The schedule of an SLA timer: `timerName` (stable per incident and kind) plus a hash of the instant
 * it stands for, so a moved deadline is a new schedule (created before the old one is deleted) and
 * creating the same one again is a no-op. `retry` makes a fresh name for re-arming the same instant
 * (a timer that fired early). At most 58 characters for a ULID id.
 */
export function slaScheduleName(incidentId: string, kind: SlaTimerKind, dueAt: string, retry?: Date): string {
  return `${timerName(nameId(incidentId), kind)}.${shortHash(`${dueAt}${retry ? `|${retry.toISOString()}` : ''}`)}`;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function isResolved(incident: Incident): boolean {
  return incident.status === 'resolved' || incident.status === 'merged' || Boolean(incident.resolvedAt);
}

function isAcknowledged(incident: Incident): boolean {
  return incident.status === 'acknowledged' || Boolean(incident.acknowledgedAt);
}

function slaView(incident: Incident, sla: Pick<IncidentSla, 'clock' | 'handled'>): SlaIncident {
  return {
    severity: incident.severity,
    openedAt: incident.openedAt,
    clock: sla.clock,
    status: incident.status,
    ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
    ...(incident.respondedAt ? { respondedAt: incident.respondedAt } : {}),
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    slaHandled: sla.handled,
  };
}

const sameInstant = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) <= SAME_INSTANT_MS;

function deadlineFields(incident: Incident, clock: SlaClock, policy: SlaPolicy) {
  const deadlines = deadlinesFor({ severity: incident.severity, openedAt: incident.openedAt, clock }, policy);
  return {
    responseMinutes: deadlines.responseMinutes,
    resolutionMinutes: deadlines.resolutionMinutes,
    coverage: targetFor(policy, incident.severity).coverage,
    responseDueAt: deadlines.responseBy,
    resolutionDueAt: deadlines.resolutionBy,
  };
}

function slaTimerRequest(incident: Incident, name: string, timer: SlaTimer): TimerRequest {
  const payload: SlaTimerEvent = { type: 'sla', tenantId: incident.tenantId, incidentId: incident.id, name, timer };
  return { name, at: new Date(timer.at), payload };
}

function escalationTimerRequest(incident: Incident, timer: NonNullable<EscalationState['timer']>): TimerRequest {
  const payload: SlaTimerEvent = {
    type: 'escalation',
    tenantId: incident.tenantId,
    incidentId: incident.id,
    name: timer.name,
    level: timer.level,
    at: timer.at,
  };
  return { name: timer.name, at: new Date(timer.at), payload };
}

interface TimerPlan {
  timers: IncidentSla['timers'];
  create: TimerRequest[];
  remove: string[];
}

/**
 * The SLA timers the incident needs now (`timersFor`) against those it has: a pending timer for the
 * same instant is kept, any other is created, and pending ones no longer wanted are removed.
 */
function planTimers(incident: Incident, sla: Pick<IncidentSla, 'clock' | 'handled' | 'timers'>, policy: SlaPolicy, now: Date): TimerPlan {
  const timers: IncidentSla['timers'] = {};
  const create: TimerRequest[] = [];
  const keep = new Set<string>();
  for (const timer of timersFor(slaView(incident, sla), policy, now)) {
    const current = sla.timers[timer.kind];
    if (current && sameInstant(current.dueAt, timer.dueAt)) {
      timers[timer.kind] = current;
      keep.add(current.name);
      continue;
    }
    const name = slaScheduleName(incident.id, timer.kind, timer.dueAt);
    timers[timer.kind] = { name, at: timer.at, dueAt: timer.dueAt, deadline: timer.deadline };
    create.push(slaTimerRequest(incident, name, timer));
    keep.add(name);
  }
  const remove = Object.values(sla.timers)
    .filter((timer): timer is PendingTimer => Boolean(timer) && !keep.has(timer!.name))
    .map((timer) => timer.name);
  return { timers, create, remove };
}

async function createTimers(deps: SlaDeps, timers: readonly TimerRequest[]): Promise<void> {
  await Promise.all(timers.map((timer) => deps.timers.create(timer)));
}

/** After the write: a timer that cannot be deleted fires later and finds nothing to do. */
async function deleteTimers(deps: SlaDeps, names: readonly string[]): Promise<void> {
  await Promise.all(
    [...new Set(names)].map((name) =>
      deps.timers
        .delete(name)
        .catch((error: unknown) => logger.warn('Could not delete an SLA timer', { name, error: (error as Error).message })),
    ),
  );
}

/**
 * The notification a timer's outcome calls for, carried by its event (SlaWarning, IncidentEscalated)
 * rather than sent after the write: the event commits with the change, so a crash after the write
 * cannot lose the page. The sla function sends it when the event arrives (`sendSlaNotification`).
 */
function notificationOf(request: Omit<SlaNotification, 'tenantId' | 'incidentId'>): SlaNotificationPayload {
  return { kind: request.kind, recipients: request.recipients, details: request.details as unknown as SlaNotificationPayload['details'] };
}

/**
 * Sends the notification an SLA event carries. Deliveries are recorded per recipient and channel under
 * the notification's dedup key, so a redelivered event does not page twice.
 */
export async function sendSlaNotification(
  deps: Pick<SlaDeps, 'notify'>,
  event: { tenantId: string; incidentId: string; notification?: SlaNotificationPayload },
): Promise<{ sent: boolean; reason?: string }> {
  const { notification } = event;
  if (!notification) return { sent: false, reason: 'no notification' };
  if (notification.recipients.userIds.length === 0 && notification.recipients.roles.length === 0) {
    logger.warn('SLA notification with nobody to tell', {
      tenantId: event.tenantId,
      incidentId: event.incidentId,
      kind: notification.kind,
    });
    return { sent: false, reason: 'nobody to tell' };
  }
  await deps.notify({
    tenantId: event.tenantId,
    incidentId: event.incidentId,
    kind: notification.kind,
    recipients: notification.recipients,
    details: notification.details as unknown as SlaNotificationDetails,
  });
  return { sent: true };
}

function details(
  incident: Incident,
  at: Date,
  dedupKey: string,
  rest: Omit<SlaNotificationDetails, 'dedupKey' | 'at' | 'title' | 'severity' | 'status' | 'assetRef' | 'openedAt' | 'priority'>,
): SlaNotificationDetails {
  return {
    dedupKey,
    at: at.toISOString(),
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    assetRef: incident.assetRef,
    openedAt: incident.openedAt,
    priority: incident.priority?.score ?? 0,
    ...traceOf(incident),
    ...rest,
  };
}

/** The incident's correlation id, for the events and notifications about it. */
function traceOf(incident: Pick<Incident, 'correlationId'>): { correlationId?: string } {
  return incident.correlationId ? { correlationId: incident.correlationId } : {};
}

function minutesText(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`;
}

// ---------------------------------------------------------------------------------------------------
// Recipients

interface Recipients {
  userIds: string[];
  roles: string[];
  unresolved: string[];
}

/** A level's targets, and whether it reaches only the people at work. */
type LevelTargets = Pick<EscalationLevel, 'targets' | 'onlyAtWork'>;
type Resolver = (level: LevelTargets) => Promise<Recipients>;

/** The level a step notifies, as the policy has it. */
function notifiedLevel(policy: EscalationPolicy, notify: NonNullable<EscalationStep['notify']>): LevelTargets {
  return { targets: notify.targets, onlyAtWork: policy.levels[notify.level]?.onlyAtWork };
}

/** The users at work at `at` by their own working hours (read once per user), and how many were not. */
async function atWork(deps: SlaDeps, userIds: readonly string[], at: Date): Promise<{ userIds: string[]; away: number }> {
  const present = await Promise.all(
    userIds.map(async (userId) => isAtWork((await getNotificationPreferences(deps.table, userId)).preferences, at)),
  );
  const kept = userIds.filter((_userId, index) => present[index]);
  return { userIds: kept, away: userIds.length - kept.length };
}

/** Resolves a level's targets for one incident: users read once, on-call asked once per schedule. */
function resolverFor(deps: SlaDeps, incident: Incident, at: Date): Resolver {
  let users: Promise<StoredUser[]> | undefined;
  const onCall = new Map<string, string | null>();
  return async ({ targets, onlyAtWork }) => {
    // The directory: for the roles' members, and to leave out anyone who is now a client's viewer (a user or
    // on-call member named before their role changed): the client is never paged for the MSP's work.
    const directory = await (users ??= listUsers(deps.table));
    const clients = new Set(directory.filter((user) => user.role === 'client_viewer').map((user) => user.id));
    for (const target of targets) {
      if (target.kind !== 'on-call') continue;
      const key = target.scheduleId ?? '';
      if (!onCall.has(key)) onCall.set(key, deps.onCall ? await deps.onCall(incident.tenantId, target.scheduleId, at) : null);
    }
    const resolved = resolveTargets(targets, {
      assigneeId: incident.assignee?.userId ?? null,
      onCall: (scheduleId) => onCall.get(scheduleId ?? '') ?? null,
      usersWithRole: (role) =>
        directory
          .filter((user) => user.role === role && (role === 'msp_admin' || user.tenantIds.includes(incident.tenantId)))
          .map((user) => user.id),
    });
    const roles = [...new Set(targets.flatMap((target) => (target.kind === 'role' ? [target.role] : [])))];
    const staff = resolved.userIds.filter((userId) => !clients.has(userId));
    if (!onlyAtWork) return { userIds: staff, roles, unresolved: resolved.unresolved };
    const present = await atWork(deps, staff, at);
    const away = present.away > 0 ? [`${present.away} outside their working hours`] : [];
    return { userIds: present.userIds, roles, unresolved: [...resolved.unresolved, ...away] };
  };
}

interface Advanced {
  step: EscalationStep;
  /** Whom the final step notifies (null when it notifies nobody). */
  recipients: Recipients | null;
  /** Levels passed over because their targets named nobody. */
  skipped: string[];
}

/** Applies a step; a level whose targets name nobody is passed over at once (its wait would only delay the next). */
async function advance(step: EscalationStep, policy: EscalationPolicy, resolve: Resolver, at: string): Promise<Advanced> {
  let current = step;
  const skipped: string[] = [];
  for (let guard = 0; guard <= policy.levels.length; guard++) {
    if (!current.notify) return { step: current, recipients: null, skipped };
    const recipients = await resolve(notifiedLevel(policy, current.notify));
    if (recipients.userIds.length > 0 || current.state.status !== 'active') return { step: current, recipients, skipped };
    skipped.push(`level ${current.notify.level + 1} named nobody (${recipients.unresolved.join(', ') || 'no targets'})`);
    const next = nextEscalation(current.state, { type: 'unacknowledged-timeout', level: current.state.level, at }, policy);
    if (!next.changed) return { step: current, recipients, skipped };
    current = next;
  }
  return { step: current, recipients: null, skipped };
}

function escalationReason(advanced: Advanced): string {
  return [...advanced.skipped, advanced.step.reason].join('; ');
}

// ---------------------------------------------------------------------------------------------------
// Start

export type SlaStartOutcome =
  | { kind: 'started'; responseDueAt: string | null; resolutionDueAt: string | null; timers: string[] }
  | { kind: 'skipped'; reason: string; timers?: string[] };

/**
 * IncidentOpened: the deadlines from the tenant's policy and the incident's severity, kept on the
 * incident, and the warning and breach timers of both clocks. Idempotent: a repeat finds the SLA
 * started and only makes sure its future timers exist.
 */
export async function startSla(deps: SlaDeps, tenantId: string, incidentId: string): Promise<SlaStartOutcome> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const incident = await getIncident(deps.table, tenantId, incidentId);
    if (!incident) return { kind: 'skipped', reason: 'no such incident' };
    const now = deps.now();
    if (incident.sla) {
      // A repeat: make sure the timers still to come exist (creating one that exists changes nothing).
      const requests = (Object.entries(incident.sla.timers) as Array<[SlaTimerKind, PendingTimer | undefined]>).flatMap(([kind, timer]) =>
        timer && Date.parse(timer.at) > now.getTime()
          ? [slaTimerRequest(incident, timer.name, { kind, at: timer.at, dueAt: timer.dueAt, deadline: timer.deadline })]
          : [],
      );
      await createTimers(deps, requests);
      return { kind: 'skipped', reason: 'already started', timers: requests.map((request) => request.name) };
    }
    if (isResolved(incident)) return { kind: 'skipped', reason: `the incident is ${incident.status}` };
    const { policy } = await slaPolicies.get(deps.table, tenantId);
    // Opened inside a maintenance window that pauses the clocks: they start paused from the opening.
    const hold = await holdOf(deps, incident);
    const clock = hold?.effects.slaClocks === 'paused' ? maintenanceClock(incident, hold) : EMPTY_CLOCK;
    const plan = planTimers(incident, { clock, handled: [], timers: {} }, policy, now);
    const sla: SlaWrite['sla'] = {
      ...deadlineFields(incident, clock, policy),
      clock,
      handled: [],
      timers: plan.timers,
      warnedAt: {},
      breachedAt: {},
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await createTimers(deps, plan.create);
    if (await writeIncidentSla(deps.table, tenantId, incidentId, { expectedVersion: 0, sla, statuses: ACTIVE, now })) {
      return {
        kind: 'started',
        responseDueAt: sla.responseDueAt,
        resolutionDueAt: sla.resolutionDueAt,
        timers: plan.create.map((timer) => timer.name),
      };
    }
    // Started by a concurrent delivery, or resolved meanwhile: read again (the timers made are the same names, or find nothing to do).
  }
  return { kind: 'skipped', reason: 'the incident kept changing' };
}

// ---------------------------------------------------------------------------------------------------
// Changes

export type SlaChangeOutcome =
  | { kind: 'updated'; created: string[]; deleted: string[]; escalation?: string }
  | { kind: 'unchanged'; reason: string }
  | { kind: 'skipped'; reason: string }
  | SlaStartOutcome;

/**
 * IncidentUpdated / IncidentResolved: brings the timers in line with the incident. Acknowledged: the
 * response timers are deleted and the escalation stops; resolved (or merged): every timer is deleted
 * and the escalation ends; a new severity, policy or pause moves the deadlines and replaces the timers.
 */
export async function onIncidentChanged(deps: SlaDeps, tenantId: string, incidentId: string): Promise<SlaChangeOutcome> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const incident = await getIncident(deps.table, tenantId, incidentId);
    if (!incident) return { kind: 'skipped', reason: 'no such incident' };
    if (!incident.sla) {
      // IncidentOpened not handled yet (or lost): start now.
      if (!isResolved(incident)) return startSla(deps, tenantId, incidentId);
      return { kind: 'skipped', reason: 'no SLA' };
    }
    const now = deps.now();
    const { sla } = incident;
    const { policy } = await slaPolicies.get(deps.table, tenantId);

    let escalation: EscalationState | undefined;
    let escalationStep: EscalationStep | undefined;
    if (incident.escalation) {
      const event = isResolved(incident)
        ? ({ type: 'resolved', at: now.toISOString() } as const)
        : isAcknowledged(incident)
          ? ({ type: 'acknowledged', at: now.toISOString(), ...(incident.acknowledgedBy ? { by: incident.acknowledgedBy } : {}) } as const)
          : undefined;
      if (event) {
        const { policy: escalationPolicy } = await escalationPolicies.get(deps.table, tenantId);
        const step = nextEscalation(incident.escalation, event, escalationPolicy);
        if (step.changed) {
          escalationStep = step;
          escalation = step.state;
        }
      }
    }

    const plan = planTimers(incident, sla, policy, now);
    const deadlines = deadlineFields(incident, sla.clock, policy);
    const moved = (Object.keys(deadlines) as Array<keyof typeof deadlines>).some((field) => deadlines[field] !== sla[field]);
    if (!escalation && !moved && plan.create.length === 0 && plan.remove.length === 0)
      return { kind: 'unchanged', reason: 'the timers match the incident' };

    await createTimers(deps, plan.create);
    const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
      expectedVersion: sla.version,
      sla: { ...sla, ...deadlines, timers: plan.timers, updatedAt: now.toISOString() },
      ...(escalation ? { escalation } : {}),
      statuses: INCIDENT_STATUSES,
      now,
    });
    if (!written) continue;
    const deleted = [...plan.remove, ...(escalationStep?.cancelTimer ? [escalationStep.cancelTimer.name] : [])];
    await deleteTimers(deps, deleted);
    return {
      kind: 'updated',
      created: plan.create.map((timer) => timer.name),
      deleted,
      ...(escalationStep ? { escalation: escalationStep.reason } : {}),
    };
  }
  return { kind: 'skipped', reason: 'the incident kept changing' };
}

export type SlaClockOutcome =
  { changed: false; reason: string } | { changed: true; responseDueAt: string | null; resolutionDueAt: string | null };

/**
 * Pauses the SLA clock while the incident waits on the client: the paused time does not count, so
 * the deadlines move later by it; the timers are deleted until the clock resumes. Throws
 * IncidentStateError when the incident is not open or acknowledged (or has no SLA yet).
 */
export async function pauseSla(
  deps: SlaDeps,
  tenantId: string,
  incidentId: string,
  request: { actor: string; reason?: string },
): Promise<SlaClockOutcome> {
  return changeClock(
    deps,
    tenantId,
    incidentId,
    request.actor,
    (clock, now) => pauseClock(clock, now, request.reason),
    () => ({
      type: 'sla-paused',
      reason: `SLA clock paused by ${request.actor}${request.reason ? `: ${request.reason}` : ''}`,
    }),
  );
}

/** Resumes a paused SLA clock: deadlines later by the pause, timers created again. */
export async function resumeSla(deps: SlaDeps, tenantId: string, incidentId: string, request: { actor: string }): Promise<SlaClockOutcome> {
  return changeClock(
    deps,
    tenantId,
    incidentId,
    request.actor,
    (clock, now) => resumeClock(clock, now),
    (sla) => ({
      type: 'sla-resumed',
      reason: `SLA clock resumed by ${request.actor}; resolution due ${sla.resolutionDueAt ?? 'when the clock runs again'}`,
    }),
  );
}

/** The reason on a pause made by a maintenance hold (a person's pause has another, and is left alone). */
const MAINTENANCE_PAUSE = 'maintenance: ';

function maintenancePauseReason(hold: MaintenanceHold): string {
  return `${MAINTENANCE_PAUSE}${hold.name}`.slice(0, 200);
}

/**
 * The clock of an incident that opened in a window pausing the clocks: paused from its opening, and, when
 * the hold has ended already (the window was over before the clock started, or an alert from outside came
 * first), running again from the earlier of the window's end and the hold's.
 */
function maintenanceClock(incident: Incident, hold: MaintenanceHold): SlaClock {
  const paused = pauseClock(EMPTY_CLOCK, new Date(incident.openedAt), maintenancePauseReason(hold));
  if (!hold.liftedAt) return paused;
  return resumeClock(paused, new Date(Math.min(Date.parse(hold.until), Date.parse(hold.liftedAt))));
}

/**
 * The incident's maintenance hold changed: a hold in force that pauses the clocks pauses it now (a silence
 * made on a firing incident); a lifted hold resumes a clock its window paused, so the clocks run from the
 * window's end. A clock a person paused is theirs to resume.
 */
export async function followMaintenance(deps: SlaDeps, tenantId: string, incidentId: string): Promise<SlaClockOutcome> {
  const incident = await getIncident(deps.table, tenantId, incidentId);
  const hold = incident?.maintenance;
  if (!incident?.sla || !hold || isResolved(incident)) return { changed: false, reason: 'no clock to move' };
  if (!hold.liftedAt) {
    if (hold.effects.slaClocks !== 'paused') return { changed: false, reason: 'the window keeps the clocks running' };
    return changeClock(
      deps,
      tenantId,
      incidentId,
      AUTOMATION_ACTOR,
      (clock, now) => pauseClock(clock, now, maintenancePauseReason(hold)),
      () => ({ type: 'sla-paused', reason: `SLA clock paused for maintenance "${hold.name}"` }),
    );
  }
  const open = incident.sla.clock.pauses.at(-1);
  if (!open || open.to !== undefined || !open.reason?.startsWith(MAINTENANCE_PAUSE))
    return { changed: false, reason: 'no maintenance pause to end' };
  return changeClock(
    deps,
    tenantId,
    incidentId,
    AUTOMATION_ACTOR,
    (clock, now) => resumeClock(clock, now),
    (sla) => ({
      type: 'sla-resumed',
      reason: `SLA clock resumed after maintenance "${hold.name}"; resolution due ${sla.resolutionDueAt ?? 'when the clock runs again'}`,
    }),
  );
}

async function changeClock(
  deps: SlaDeps,
  tenantId: string,
  incidentId: string,
  actor: string,
  change: (clock: SlaClock, now: Date) => SlaClock,
  entry: (sla: SlaWrite['sla']) => Pick<TimelineEntry, 'type' | 'reason'>,
): Promise<SlaClockOutcome> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const incident = await getIncident(deps.table, tenantId, incidentId);
    if (!incident || !incident.sla || isResolved(incident)) throw new IncidentStateError('the incident has no running SLA clock');
    const now = deps.now();
    const clock = change(incident.sla.clock, now);
    if (clock === incident.sla.clock) return { changed: false, reason: 'the clock is already in that state' };
    const { policy } = await slaPolicies.get(deps.table, tenantId);
    const plan = planTimers(incident, { ...incident.sla, clock }, policy, now);
    const sla: SlaWrite['sla'] = {
      ...incident.sla,
      ...deadlineFields(incident, clock, policy),
      clock,
      timers: plan.timers,
      updatedAt: now.toISOString(),
    };
    await createTimers(deps, plan.create);
    const kind = entry(sla).type;
    const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
      expectedVersion: incident.sla.version,
      sla,
      statuses: ACTIVE,
      entries: [{ at: now.toISOString(), actor, ...entry(sla) }],
      // Pausing or resuming the clock is a person's action on the incident: a response to it.
      ...(actor === AUTOMATION_ACTOR ? {} : { respondedBy: actor }),
      events: [
        domainEvent(DETAIL_TYPES.incidentUpdated, {
          tenantId,
          incidentId,
          decision: kind === 'sla-paused' ? 'sla-paused' : 'sla-resumed',
          actor,
          responseDueAt: sla.responseDueAt,
          resolutionDueAt: sla.resolutionDueAt,
          ...traceOf(incident),
        }),
      ],
      now,
    });
    if (!written) continue;
    await deleteTimers(deps, plan.remove);
    return { changed: true, responseDueAt: sla.responseDueAt, resolutionDueAt: sla.resolutionDueAt };
  }
  throw new IncidentStateError('the incident kept changing');
}

// ---------------------------------------------------------------------------------------------------
// Timers firing

export type TimerOutcome = (
  | { action: 'warned'; kind: SlaTimerKind; clock: SlaClockKind; deadline: string; notified: string[] }
  | { action: 'breached'; kind: SlaTimerKind; clock: SlaClockKind; deadline: string; level: number; notified: string[] }
  | { action: 'escalated'; level: number; notified: string[] }
  | { action: 'exhausted'; level: number }
  | { action: 'nothing'; reason: string; detail: string; rearmed?: string }
) & {
  /** How late it ran: now minus the instant the timer stands for (the SLA timer lag metric). */
  lagMs: number;
};

/**
 * A timer fired (the Scheduler target). Re-reads the incident and acts at most once: a warning (timeline,
 * SlaWarning, the assignee or on-call told), a breach (marked, timeline, SlaBreached, the escalation
 * started or moved), an escalation step (the next level told, IncidentEscalated, its timer). A late,
 * early, repeated or outdated firing, or one about an acknowledged or resolved incident, does nothing
 * and says why (an early or outdated one re-arms the right timer when it is missing).
 */
export async function handleTimer(deps: SlaDeps, event: unknown): Promise<TimerOutcome> {
  const parsed = slaTimerEventSchema.parse(event);
  const outcome = parsed.type === 'sla' ? await slaTimerFired(deps, parsed) : await escalationTimerFired(deps, parsed);
  // An automated action is audited (the warnings are news, not actions: timeline and event only).
  if (outcome.action === 'breached' || outcome.action === 'escalated' || outcome.action === 'exhausted') {
    await recordAudit(deps.table, {
      at: deps.now().toISOString(),
      tenantId: parsed.tenantId,
      actor: { type: 'system', name: 'sla' },
      action: outcome.action === 'breached' ? 'sla.breach' : outcome.action === 'escalated' ? 'incident.escalate' : 'escalation.exhaust',
      resource: { type: 'incident', id: parsed.incidentId },
      summary: {
        after: {
          ...(outcome.action === 'breached' ? { clock: outcome.clock, deadline: outcome.deadline } : {}),
          level: outcome.level,
          ...('notified' in outcome ? { notified: outcome.notified } : {}),
        },
      },
    });
  }
  return outcome;
}

/** The outcome of a firing that does nothing (and why), with how late it fired. */
function nothingOutcome(lagMs: number) {
  return (reason: string, detail: string, rearmed?: string): TimerOutcome => ({
    action: 'nothing',
    reason,
    detail,
    lagMs,
    ...(rearmed ? { rearmed } : {}),
  });
}

type SlaEvent = Extract<SlaTimerEvent, { type: 'sla' }>;
type EscalationEvent = Extract<SlaTimerEvent, { type: 'escalation' }>;

async function slaTimerFired(deps: SlaDeps, event: SlaEvent): Promise<TimerOutcome> {
  const { tenantId, incidentId, timer } = event;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const now = deps.now();
    const lagMs = now.getTime() - Date.parse(timer.dueAt);
    const nothing = nothingOutcome(lagMs);
    const incident = await getIncident(deps.table, tenantId, incidentId);
    if (!incident) return nothing('no-incident', 'the incident does not exist');
    // A timer's event names no correlation id: the incident has it (its opening alert's).
    addCorrelationKeys({ correlationId: incident.correlationId, tenantId });
    const { sla } = incident;
    if (!sla) return nothing('no-sla', 'the incident has no SLA');
    const quietUntil = maintenanceQuietUntil(incident, now);
    if (quietUntil) {
      // In a window that pages no one: the warning or breach waits for the window's end, when it is due again.
      const name = slaScheduleName(incidentId, timer.kind, timer.dueAt, now);
      const deferred = { ...timer, at: quietUntil };
      await createTimers(deps, [slaTimerRequest(incident, name, deferred)]);
      const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
        expectedVersion: sla.version,
        sla: {
          ...sla,
          timers: { ...sla.timers, [timer.kind]: { name, at: quietUntil, dueAt: timer.dueAt, deadline: timer.deadline } },
          updatedAt: now.toISOString(),
        },
        statuses: ACTIVE,
        now,
      });
      if (!written) continue;
      return nothing('in-maintenance', `"${incident.maintenance?.name}" pages no one: waits until ${quietUntil}`, name);
    }
    const { policy } = await slaPolicies.get(deps.table, tenantId);
    const decision = evaluateTimer(timer, slaView(incident, sla), policy, now);

    if (decision.action === 'nothing') {
      const { reschedule } = decision;
      const recorded = sla.timers[timer.kind];
      if (!reschedule || (recorded && recorded.name !== event.name && sameInstant(recorded.dueAt, reschedule.dueAt)))
        return nothing(decision.reason, decision.detail);
      // Early, or outdated with its replacement missing: arm the right one (a fresh name: this one is being deleted).
      let name = slaScheduleName(incidentId, timer.kind, reschedule.dueAt);
      if (name === event.name) name = slaScheduleName(incidentId, timer.kind, reschedule.dueAt, now);
      await createTimers(deps, [slaTimerRequest(incident, name, reschedule)]);
      const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
        expectedVersion: sla.version,
        sla: { ...sla, timers: { ...sla.timers, [timer.kind]: { ...reschedule, name } }, updatedAt: now.toISOString() },
        statuses: ACTIVE,
        now,
      });
      if (!written) continue;
      if (recorded && recorded.name !== event.name && recorded.name !== name) await deleteTimers(deps, [recorded.name]);
      return nothing(decision.reason, decision.detail, name);
    }

    const { clock, deadline, kind } = decision;
    const response = clock === 'response';
    const { [kind]: _done, ...timers } = sla.timers;
    const leftover = sla.timers[kind] && sla.timers[kind]!.name !== event.name ? [sla.timers[kind]!.name] : [];
    const base = { ...sla, handled: [...sla.handled, kind], timers, updatedAt: now.toISOString() };
    const resolve = resolverFor(deps, incident, now);
    const { policy: escalationPolicy } = await escalationPolicies.get(deps.table, tenantId);
    const guard = { statuses: response ? OPEN : ACTIVE, unacknowledged: response };

    if (decision.action === 'warn') {
      const reason = `${clock} SLA at risk: ${minutesText(decision.remainingMs)} left (due ${deadline})`;
      const { recipients, level } = await warningRecipients(incident, escalationPolicy, resolve);
      const notification = notificationOf({
        kind: 'sla-warning',
        recipients: { userIds: recipients.userIds, roles: recipients.roles },
        details: details(incident, now, `${incidentId}:${kind}`, {
          clock,
          deadline,
          level: level + 1,
          levelCount: escalationPolicy.levels.length,
          reason,
          ...(recipients.unresolved.length ? { unresolved: recipients.unresolved } : {}),
        }),
      });
      const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
        expectedVersion: sla.version,
        sla: { ...base, warnedAt: { ...sla.warnedAt, [clock]: now.toISOString() } },
        ...guard,
        entries: [{ at: now.toISOString(), type: 'sla-warning', actor: AUTOMATION, reason }],
        events: [
          domainEvent(DETAIL_TYPES.slaWarning, {
            tenantId,
            incidentId,
            clock,
            deadline,
            remainingMs: decision.remainingMs,
            notification,
            ...traceOf(incident),
          }),
        ],
        now,
      });
      if (!written) continue;
      await deleteTimers(deps, leftover);
      return { action: 'warned', kind, clock, deadline, notified: recipients.userIds, lagMs };
    }

    // A breach: marked once, and the escalation started (its first level now) or moved one level.
    const at = now.toISOString();
    const prior = incident.escalation;
    let step: EscalationStep;
    if (!prior || prior.status === 'resolved') {
      // The breach starts the chain (a reopened incident's ended chain starts again): level 1 now.
      const started = startEscalation(incidentId, escalationPolicy, at);
      const acknowledged = isAcknowledged(incident);
      const reason = `${clock} SLA breached: escalation started, level 1 notified`;
      step = {
        ...started,
        state: {
          ...started.state,
          breaches: [kind as BreachKind],
          history: started.state.history.map((entry) => ({ ...entry, event: kind, reason })),
          // An acknowledged incident (a resolution breach) is told, without waiting for an acknowledgement again.
          ...(acknowledged ? { status: 'acknowledged' as const, timer: null } : {}),
        },
        notify: started.notify && { ...started.notify, reason, as: 'sla-breach' },
        timer: acknowledged ? null : started.timer,
        reason,
      };
    } else {
      step = nextEscalation(prior, { type: 'breach', kind: kind as BreachKind, at }, escalationPolicy);
    }
    const advanced = await advance(step, escalationPolicy, resolve, at);
    const final = advanced.step.changed ? advanced.step.state : prior;
    const newTimer = final?.timer && final.timer.name !== prior?.timer?.name ? final.timer : null;
    const breachReason = `${clock} SLA breached: ${response ? 'not acknowledged' : 'not resolved'} by ${deadline}`;
    const entries: Array<Omit<TimelineEntry, 'id'>> = [{ at, type: 'sla-breached', actor: AUTOMATION, reason: breachReason }];
    if (advanced.step.changed && advanced.recipients)
      entries.push({ at, type: 'incident-escalated', actor: AUTOMATION, reason: escalationReason(advanced).slice(0, 300) });
    if (newTimer) await createTimers(deps, [escalationTimerRequest(incident, newTimer)]);
    const level = (final?.level ?? 0) + 1;
    const recipients = advanced.recipients;
    const escalates = advanced.step.changed && recipients;
    const events: NewDomainEvent[] = [
      domainEvent(DETAIL_TYPES.slaBreached, { tenantId, incidentId, clock, deadline, breachedAt: at, ...traceOf(incident) }),
    ];
    if (escalates)
      events.push(
        domainEvent(DETAIL_TYPES.incidentEscalated, {
          tenantId,
          incidentId,
          level,
          levelCount: escalationPolicy.levels.length,
          reason: escalationReason(advanced).slice(0, 4000),
          notified: recipients.userIds,
          notification: notificationOf({
            kind: 'sla-breach',
            recipients: { userIds: recipients.userIds, roles: recipients.roles },
            details: details(incident, now, `${incidentId}:${kind}`, {
              clock,
              deadline,
              level,
              levelCount: escalationPolicy.levels.length,
              reason: `${breachReason}; ${escalationReason(advanced)}`,
              ...(recipients.unresolved.length ? { unresolved: recipients.unresolved } : {}),
            }),
          }),
          ...traceOf(incident),
        }),
      );
    const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
      expectedVersion: sla.version,
      sla: { ...base, breachedAt: { ...sla.breachedAt, [clock]: at } },
      ...(final ? { escalation: final } : {}),
      ...guard,
      entries,
      events,
      now,
    });
    if (!written) continue;
    const obsolete = prior?.timer && prior.timer.name !== final?.timer?.name ? [prior.timer.name] : [];
    await deleteTimers(deps, [...leftover, ...obsolete]);
    countMetric('SlaBreaches');
    if (escalates) countMetric('Escalations');
    return { action: 'breached', kind, clock, deadline, level, notified: recipients?.userIds ?? [], lagMs };
  }
  return {
    action: 'nothing',
    reason: 'conflict',
    detail: 'the incident kept changing',
    lagMs: deps.now().getTime() - Date.parse(timer.dueAt),
  };
}

/**
 * IncidentEscalated for a step the chain took: the level told (with the notification its recipients get,
 * deduplicated by `dedupKey`), or none when the chain ran out.
 */
function escalatedEvent(
  incident: Incident,
  now: Date,
  step: { level: number; levelCount: number; reason: string; recipients: Recipients | null; dedupKey: string; exhausted: boolean },
): NewDomainEvent {
  const { level, levelCount, reason, recipients } = step;
  return domainEvent(DETAIL_TYPES.incidentEscalated, {
    tenantId: incident.tenantId,
    incidentId: incident.id,
    level,
    levelCount,
    reason: reason.slice(0, 4000),
    notified: recipients?.userIds ?? [],
    ...(step.exhausted ? { exhausted: true } : {}),
    ...(recipients
      ? {
          notification: notificationOf({
            kind: 'escalation',
            recipients: { userIds: recipients.userIds, roles: recipients.roles },
            details: details(incident, now, step.dedupKey, {
              level,
              levelCount,
              reason,
              ...(recipients.unresolved.length ? { unresolved: recipients.unresolved } : {}),
            }),
          }),
        }
      : {}),
    ...traceOf(incident),
  });
}

export type EscalationRequestOutcome = { action: 'escalated'; level: number; notified: string[] } | { action: 'nothing'; reason: string };

/**
 * EscalationRequested: a person passes the incident on now. The chain moves one level (it starts, for
 * an incident that has not breached yet; a first level naming only the requester is passed over), that
 * level is told, and its acknowledgement timer replaces the pending one. The last level stays where it is.
 */
export async function escalateOnRequest(
  deps: SlaDeps,
  tenantId: string,
  incidentId: string,
  request: { actor: string; requesterId: string },
): Promise<EscalationRequestOutcome> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const now = deps.now();
    const at = now.toISOString();
    const incident = await getIncident(deps.table, tenantId, incidentId);
    if (!incident) return { action: 'nothing', reason: 'the incident does not exist' };
    if (isResolved(incident)) return { action: 'nothing', reason: `the incident is ${incident.status}` };
    if (!incident.sla) return { action: 'nothing', reason: 'the incident has no SLA clock yet' };
    const { policy } = await escalationPolicies.get(deps.table, tenantId);
    const resolve = resolverFor(deps, incident, now);
    const prior = incident.escalation;
    let step: EscalationStep;
    if (prior && prior.status !== 'resolved') {
      step = nextEscalation(prior, { type: 'requested', at, by: request.actor }, policy);
    } else {
      step = startEscalation(incidentId, policy, at);
      const first = await resolve(step.notify ? notifiedLevel(policy, step.notify) : { targets: [] });
      // Whoever asks wants someone else: a first level that names only them is passed over.
      if (first.userIds.every((userId) => userId === request.requesterId))
        step = nextEscalation(step.state, { type: 'requested', at, by: request.actor }, policy);
    }
    if (!step.changed) return { action: 'nothing', reason: step.reason };
    const advanced = await advance(step, policy, resolve, at);
    const final = advanced.step.state;
    const recipients = advanced.recipients;
    const reason = escalationReason(advanced);
    if (final.timer) await createTimers(deps, [escalationTimerRequest(incident, final.timer)]);
    const level = final.level + 1;
    const levelCount = policy.levels.length;
    const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
      expectedVersion: incident.sla.version,
      sla: { ...incident.sla, updatedAt: at },
      statuses: ACTIVE,
      now,
      escalation: final,
      entries: [{ at, type: 'incident-escalated', actor: request.actor, reason: reason.slice(0, 300) }],
      events: [
        escalatedEvent(incident, now, {
          level,
          levelCount,
          reason,
          recipients,
          dedupKey: `${incidentId}:requested:${at}`,
          exhausted: final.status === 'exhausted',
        }),
      ],
    });
    if (!written) continue;
    const obsolete = prior?.timer && prior.timer.name !== final.timer?.name ? [prior.timer.name] : [];
    await deleteTimers(deps, obsolete);
    countMetric('Escalations');
    return { action: 'escalated', level, notified: recipients?.userIds ?? [] };
  }
  return { action: 'nothing', reason: 'the incident kept changing' };
}

/**
 * When a timer held back by the incident's maintenance hold fires again: a minute after the window's end
 * (by then the end has lifted the hold, or moved it to a window that covers it on), or undefined when no
 * hold keeps the incident quiet.
 */
function maintenanceQuietUntil(incident: Incident, now: Date): string | undefined {
  const hold = incident.maintenance;
  if (!isHeld(hold) || hold.effects.notify) return undefined;
  return new Date(Math.max(Date.parse(hold.until), now.getTime()) + 60_000).toISOString();
}

/** A warning goes to whoever holds the incident now: the current escalation level (the first before any), or the next level naming someone. */
async function warningRecipients(
  incident: Incident,
  policy: EscalationPolicy,
  resolve: Resolver,
): Promise<{ recipients: Recipients; level: number }> {
  const from =
    incident.escalation && incident.escalation.status !== 'resolved' ? Math.min(incident.escalation.level, policy.levels.length - 1) : 0;
  let first: Recipients | undefined;
  for (let level = from; level < policy.levels.length; level++) {
    const recipients = await resolve(policy.levels[level]!);
    first ??= recipients;
    if (recipients.userIds.length > 0) return { recipients, level };
  }
  return { recipients: first ?? { userIds: [], roles: [], unresolved: [] }, level: from };
}

async function escalationTimerFired(deps: SlaDeps, event: EscalationEvent): Promise<TimerOutcome> {
  const { tenantId, incidentId } = event;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const now = deps.now();
    const lagMs = now.getTime() - Date.parse(event.at);
    const nothing = nothingOutcome(lagMs);
    const incident = await getIncident(deps.table, tenantId, incidentId);
    if (!incident) return nothing('no-incident', 'the incident does not exist');
    // A timer's event names no correlation id: the incident has it (its opening alert's).
    addCorrelationKeys({ correlationId: incident.correlationId, tenantId });
    const state = incident.escalation;
    if (!state || !incident.sla) return nothing('no-escalation', 'the incident has no escalation');
    if (isResolved(incident)) return nothing('resolved', `the incident is ${incident.status}`);
    if (isAcknowledged(incident)) return nothing('acknowledged', 'the incident was acknowledged');
    if (state.status !== 'active') return nothing('not-active', `the escalation is ${state.status}`);
    if (!state.timer || state.timer.name !== event.name || state.level !== event.level)
      return nothing('stale', `the escalation is at level ${state.level + 1}${state.timer ? `, waiting on ${state.timer.name}` : ''}`);
    const sla = { ...incident.sla, updatedAt: now.toISOString() };
    const guard = { expectedVersion: incident.sla.version, sla, statuses: OPEN, unacknowledged: true, now };

    const quietUntil = maintenanceQuietUntil(incident, now);
    if (quietUntil) {
      // The next level waits for the end of the window that pages no one.
      const timer = { ...state.timer, at: quietUntil, name: `${state.timer.name.slice(0, 55)}.${shortHash(now.toISOString())}` };
      await createTimers(deps, [escalationTimerRequest(incident, timer)]);
      if (!(await writeIncidentSla(deps.table, tenantId, incidentId, { ...guard, escalation: { ...state, timer } }))) continue;
      return nothing('in-maintenance', `"${incident.maintenance?.name}" pages no one: waits until ${quietUntil}`, timer.name);
    }

    if (now.getTime() < Date.parse(state.timer.at) - SAME_INSTANT_MS) {
      // Fired early: wait again under a fresh name (this schedule is being deleted).
      const timer = { ...state.timer, name: `${state.timer.name.slice(0, 55)}.${shortHash(now.toISOString())}` };
      await createTimers(deps, [escalationTimerRequest(incident, timer)]);
      if (!(await writeIncidentSla(deps.table, tenantId, incidentId, { ...guard, escalation: { ...state, timer } }))) continue;
      return nothing('not-due', `due at ${state.timer.at}`, timer.name);
    }

    const { policy } = await escalationPolicies.get(deps.table, tenantId);
    const step = nextEscalation(state, { type: 'unacknowledged-timeout', level: event.level, at: now.toISOString() }, policy);
    if (!step.changed) return nothing('stale', step.reason);
    const advanced = await advance(step, policy, resolverFor(deps, incident, now), now.toISOString());
    const final = advanced.step.state;
    const reason = escalationReason(advanced);
    if (final.timer) await createTimers(deps, [escalationTimerRequest(incident, final.timer)]);
    const level = final.level + 1;
    const levelCount = policy.levels.length;
    const recipients = advanced.recipients;
    const written = await writeIncidentSla(deps.table, tenantId, incidentId, {
      ...guard,
      escalation: final,
      entries: [{ at: now.toISOString(), type: 'incident-escalated', actor: AUTOMATION, reason: reason.slice(0, 300) }],
      events: [
        escalatedEvent(incident, now, {
          level,
          levelCount,
          reason,
          recipients,
          dedupKey: `${incidentId}:${event.name}`,
          exhausted: final.status === 'exhausted',
        }),
      ],
    });
    if (!written) continue;
    if (!recipients) return { action: 'exhausted', level, lagMs };
    countMetric('Escalations');
    return { action: 'escalated', level, notified: recipients.userIds, lagMs };
  }
  return {
    action: 'nothing',
    reason: 'conflict',
    detail: 'the incident kept changing',
    lagMs: deps.now().getTime() - Date.parse(event.at),
  };
}
