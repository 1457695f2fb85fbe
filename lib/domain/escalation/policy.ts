import * as z from 'zod';

/**
 * Escalation chains: ordered levels (assigned technician -> company admin -> MSP
 * admin), each notified in turn. A level waits `delayMinutes` for an acknowledgement, then the next
 * one is notified; an SLA breach also moves one level at once; acknowledging stops the waiting, and
 * resolving ends the chain. Driven by one-time timers (EventBridge Scheduler), never by polling.
 *
 * `nextEscalation` is a pure state transition: applying the same event twice changes nothing the
 * second time (a timer fired twice, a breach reported twice, an acknowledgement clicked twice).
 */

const MINUTE_MS = 60_000;

export const ESCALATION_ROLES = ['company_admin', 'msp_admin'] as const;

export const escalationTargetSchema = z.discriminatedUnion('kind', [
  /** The incident's assignee. */
  z.object({ kind: z.literal('assignee') }).strict(),
  /** Whoever is on call in a schedule (the tenant's default schedule when none is named). */
  z.object({ kind: z.literal('on-call'), scheduleId: z.string().min(1).optional() }).strict(),
  /** Every user with the role for the incident's company (MSP admins: for every company). */
  z.object({ kind: z.literal('role'), role: z.enum(ESCALATION_ROLES) }).strict(),
  /** One named user. */
  z.object({ kind: z.literal('user'), userId: z.string().min(1) }).strict(),
]);
export type EscalationTarget = z.infer<typeof escalationTargetSchema>;

export const escalationLevelSchema = z
  .object({
    targets: z.array(escalationTargetSchema).min(1).max(10),
    /** How long this level has to acknowledge before the next level is notified. */
    delayMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    /**
     * Reach only the people at work by their own working hours and time zone (their notification
     * preferences); a level that then names nobody is passed over at once, like one naming nobody at all.
     */
    onlyAtWork: z.boolean().optional(),
  })
  .strict();
export type EscalationLevel = z.infer<typeof escalationLevelSchema>;

export const escalationPolicySchema = z
  .object({
    id: z.string().min(1).default('default'),
    name: z.string().min(1).max(100).default('Default escalation'),
    levels: z.array(escalationLevelSchema).min(1).max(10),
  })
  .strict();
export type EscalationPolicy = z.infer<typeof escalationPolicySchema>;

/** Assignee (or the on-call technician when nobody is assigned), then company admins, then MSP admins. */
export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = escalationPolicySchema.parse({
  levels: [
    { targets: [{ kind: 'assignee' }, { kind: 'on-call' }], delayMinutes: 15 },
    { targets: [{ kind: 'role', role: 'company_admin' }], delayMinutes: 30 },
    { targets: [{ kind: 'role', role: 'msp_admin' }], delayMinutes: 60 },
  ],
});

export const BREACH_KINDS = ['response-breach', 'resolution-breach'] as const;
export type BreachKind = (typeof BREACH_KINDS)[number];

export const ESCALATION_STATUSES = ['active', 'acknowledged', 'resolved', 'exhausted'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

export const escalationTimerSchema = z
  .object({
    /** The level that was notified and waits; the timer's firing is 'unacknowledged-timeout' for it. */
    level: z.number().int().min(0),
    at: z.iso.datetime(),
    name: z.string().min(1).max(64),
  })
  .strict();
export type EscalationTimer = z.infer<typeof escalationTimerSchema>;

/** Kept with the incident; every transition returns a new one. */
export const escalationStateSchema = z
  .object({
    incidentId: z.string().min(1),
    policyId: z.string().min(1),
    /** The index of the level notified last (0 = the first). */
    level: z.number().int().min(0),
    status: z.enum(ESCALATION_STATUSES),
    /** Breaches already escalated (each moves the chain once). */
    breaches: z.array(z.enum(BREACH_KINDS)).default([]),
    /** The pending timer, if any. */
    timer: escalationTimerSchema.nullable(),
    history: z
      .array(z.object({ at: z.iso.datetime(), level: z.number().int(), event: z.string(), reason: z.string() }).strict())
      .default([]),
    updatedAt: z.iso.datetime(),
  })
  .strict();
export type EscalationState = z.infer<typeof escalationStateSchema>;

export type EscalationEvent =
  | { type: 'breach'; kind: BreachKind; at: string }
  /** The timer armed for `level` fired without an acknowledgement. */
  | { type: 'unacknowledged-timeout'; level: number; at: string }
  | { type: 'acknowledged'; at: string; by?: string }
  | { type: 'resolved'; at: string }
  /** A person asked to pass the incident on now (from a page, Slack or the API) rather than wait for the timer. */
  | { type: 'requested'; at: string; by: string };

export interface EscalationStep {
  state: EscalationState;
  /** False when the event changed nothing (repeated, stale, or after the end). */
  changed: boolean;
  /** Whom to tell now (resolve them with `resolveTargets`), and as what; null when nobody. */
  notify: { level: number; targets: EscalationTarget[]; as: 'escalation' | 'sla-breach'; reason: string } | null;
  /** The timer to create (replacing any pending one); null when none should be pending. */
  timer: EscalationTimer | null;
  /** The pending timer to delete, when there was one and it is no longer wanted or is replaced. */
  cancelTimer: EscalationTimer | null;
  reason: string;
}

/** A stable schedule name per incident and level (EventBridge Scheduler: 1-64 of [0-9A-Za-z-_.]). */
export function escalationTimerName(incidentId: string, level: number): string {
  return `esc-${level}-${incidentId.replace(/[^0-9A-Za-z_.-]/g, '_')}`.slice(0, 64);
}

function levelAt(policy: EscalationPolicy, index: number): EscalationLevel {
  const level = policy.levels[index];
  if (!level) throw new Error(`Escalation policy ${policy.id} has no level ${index + 1}`);
  return level;
}

function armTimer(state: Pick<EscalationState, 'incidentId'>, policy: EscalationPolicy, level: number, at: string): EscalationTimer | null {
  // The last level has nobody after it: no timer.
  if (level >= policy.levels.length - 1) return null;
  return {
    level,
    at: new Date(Date.parse(at) + levelAt(policy, level).delayMinutes * MINUTE_MS).toISOString(),
    name: escalationTimerName(state.incidentId, level),
  };
}

const label = (index: number) => `level ${index + 1}`;

/** Starts the chain when an incident opens (or is reopened): notifies level 1 and arms its timer. */
export function startEscalation(incidentId: string, policy: EscalationPolicy, at: string): EscalationStep {
  const reason = `incident opened: ${label(0)} notified`;
  const timer = armTimer({ incidentId }, policy, 0, at);
  const state: EscalationState = {
    incidentId,
    policyId: policy.id,
    level: 0,
    status: 'active',
    breaches: [],
    timer,
    history: [{ at, level: 0, event: 'start', reason }],
    updatedAt: at,
  };
  return {
    state,
    changed: true,
    notify: { level: 0, targets: levelAt(policy, 0).targets, as: 'escalation', reason },
    timer,
    cancelTimer: null,
    reason,
  };
}

/** The state after one event, whom to notify and which timer to (re)create or delete. */
export function nextEscalation(state: EscalationState, event: EscalationEvent, policy: EscalationPolicy): EscalationStep {
  const unchanged = (reason: string): EscalationStep => ({ state, changed: false, notify: null, timer: null, cancelTimer: null, reason });
  const last = policy.levels.length - 1;
  const record = (level: number, reason: string) => [...state.history, { at: event.at, level, event: eventName(event), reason }].slice(-50);

  switch (event.type) {
    case 'resolved': {
      if (state.status === 'resolved') return unchanged('already resolved');
      const reason = 'incident resolved: escalation ended';
      return {
        state: { ...state, status: 'resolved', timer: null, history: record(state.level, reason), updatedAt: event.at },
        changed: true,
        notify: null,
        timer: null,
        cancelTimer: state.timer,
        reason,
      };
    }
    case 'acknowledged': {
      if (state.status === 'resolved') return unchanged('already resolved');
      if (state.status === 'acknowledged') return unchanged('already acknowledged');
      const reason = `acknowledged${event.by ? ` by ${event.by}` : ''} at ${label(state.level)}: escalation stopped`;
      return {
        state: { ...state, status: 'acknowledged', timer: null, history: record(state.level, reason), updatedAt: event.at },
        changed: true,
        notify: null,
        timer: null,
        cancelTimer: state.timer,
        reason,
      };
    }
    case 'unacknowledged-timeout': {
      if (state.status !== 'active') return unchanged(`escalation is ${state.status}`);
      if (event.level !== state.level) return unchanged(`stale timer for ${label(event.level)}; the chain is at ${label(state.level)}`);
      if (state.level >= last) {
        const reason = `${label(state.level)} did not acknowledge and is the last level`;
        return {
          state: { ...state, status: 'exhausted', timer: null, history: record(state.level, reason), updatedAt: event.at },
          changed: true,
          notify: null,
          timer: null,
          cancelTimer: null,
          reason,
        };
      }
      const level = state.level + 1;
      const reason = `not acknowledged within ${levelAt(policy, state.level).delayMinutes} min at ${label(state.level)}: ${label(level)} notified`;
      const timer = armTimer(state, policy, level, event.at);
      return {
        state: { ...state, level, timer, history: record(level, reason), updatedAt: event.at },
        changed: true,
        notify: { level, targets: levelAt(policy, level).targets, as: 'escalation', reason },
        timer,
        // The fired timer is gone already; nothing else is pending.
        cancelTimer: null,
        reason,
      };
    }
    case 'requested': {
      if (state.status === 'resolved') return unchanged('already resolved');
      if (state.level >= last) return unchanged(`already at ${label(state.level)}, the last level`);
      const level = state.level + 1;
      const reason = `escalated by ${event.by} at ${label(state.level)}: ${label(level)} notified`;
      // An acknowledged incident keeps no acknowledgement timer (the next level is told, nobody waits on it).
      const status = state.status === 'acknowledged' ? 'acknowledged' : 'active';
      const timer = status === 'active' ? armTimer(state, policy, level, event.at) : null;
      return {
        state: { ...state, level, status, timer, history: record(level, reason), updatedAt: event.at },
        changed: true,
        notify: { level, targets: levelAt(policy, level).targets, as: 'escalation', reason },
        timer,
        cancelTimer: state.timer,
        reason,
      };
    }
    case 'breach': {
      if (state.status === 'resolved') return unchanged('already resolved');
      if (state.breaches.includes(event.kind)) return unchanged(`${event.kind} already escalated`);
      if (event.kind === 'response-breach' && state.status === 'acknowledged') return unchanged('acknowledged before the response breach');
      const breaches = [...state.breaches, event.kind];
      const clock = event.kind === 'response-breach' ? 'response' : 'resolution';
      if (state.level >= last) {
        // Nobody above: tell the last level about the breach, stay there.
        const reason = `${clock} SLA breached at the last level (${label(state.level)})`;
        return {
          state: { ...state, breaches, history: record(state.level, reason), updatedAt: event.at },
          changed: true,
          notify: { level: state.level, targets: levelAt(policy, state.level).targets, as: 'sla-breach', reason },
          timer: null,
          cancelTimer: null,
          reason,
        };
      }
      const level = state.level + 1;
      const reason = `${clock} SLA breached: ${label(level)} notified`;
      // An acknowledged incident keeps no acknowledgement timer; an active one waits at the new level.
      const timer = state.status === 'active' ? armTimer(state, policy, level, event.at) : null;
      return {
        state: { ...state, level, breaches, timer, history: record(level, reason), updatedAt: event.at },
        changed: true,
        notify: { level, targets: levelAt(policy, level).targets, as: 'escalation', reason },
        timer,
        cancelTimer: state.timer,
        reason,
      };
    }
  }
}

function eventName(event: EscalationEvent): string {
  return event.type === 'breach' ? event.kind : event.type;
}

export interface TargetDirectory {
  assigneeId?: string | null;
  /** Who is on call in a schedule (the tenant's default when undefined), or null. */
  onCall: (scheduleId: string | undefined) => string | null;
  /** The users with a role for the incident's company. */
  usersWithRole: (role: (typeof ESCALATION_ROLES)[number]) => readonly string[];
}

/**
 * The users a level's targets name, without duplicates, and which targets named nobody. When no user
 * is found, the caller moves on at once (fires 'unacknowledged-timeout' for the level itself).
 */
export function resolveTargets(
  targets: readonly EscalationTarget[],
  directory: TargetDirectory,
): { userIds: string[]; unresolved: string[] } {
  const userIds: string[] = [];
  const unresolved: string[] = [];
  const add = (userId: string) => {
    if (!userIds.includes(userId)) userIds.push(userId);
  };
  for (const target of targets) {
    switch (target.kind) {
      case 'assignee':
        if (directory.assigneeId) add(directory.assigneeId);
        else unresolved.push('nobody is assigned');
        break;
      case 'on-call': {
        const userId = directory.onCall(target.scheduleId);
        if (userId) add(userId);
        else unresolved.push(`nobody is on call${target.scheduleId ? ` in ${target.scheduleId}` : ''}`);
        break;
      }
      case 'role': {
        const users = directory.usersWithRole(target.role);
        if (users.length === 0) unresolved.push(`no ${target.role}`);
        users.forEach(add);
        break;
      }
      case 'user':
        add(target.userId);
        break;
    }
  }
  return { userIds, unresolved };
}
