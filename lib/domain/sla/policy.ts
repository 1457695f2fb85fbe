import * as z from 'zod';
import { SEVERITIES, type Severity } from '../alert';
import type { IncidentStatus } from '../incident-status';
import { coveredIntervals, DEFAULT_SERVICE_CALENDAR, serviceCalendarSchema, type ServiceCalendar } from './calendar';

/**
 * SLA policy, deadlines, the pausable SLA clock and the one-time timers.
 *
 * Every incident has two clocks that start at `openedAt`: response (until someone acknowledges it)
 * and resolution (until it is resolved). A clock pauses while the incident waits on the client; the
 * paused time does not count, so its deadlines move later by it. A severity whose target runs in business
 * hours counts only the time the policy's service calendar covers (./calendar.ts). Warnings and breaches are one-time
 * timers (EventBridge Scheduler in AWS) created from `timersFor`; whatever fires re-checks the
 * incident with `evaluateTimer` first, so a late, early, repeated or out-of-date firing does nothing.
 */

const MINUTE_MS = 60_000;
/** Deadlines recomputed from the same inputs agree to the millisecond; this only absorbs rounding. */
const SAME_INSTANT_MS = 1_000;

const minutes = z
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 90);

/** Whether a target's minutes run around the clock or only in the service calendar's business hours. */
export const SLA_COVERAGES = ['24x7', 'business-hours'] as const;
export type SlaCoverage = (typeof SLA_COVERAGES)[number];

export const slaTargetSchema = z
  .object({
    /** Minutes from opening to the first acknowledgement. */
    responseMinutes: minutes,
    /** Minutes from opening to resolution. */
    resolutionMinutes: minutes,
    /** `business-hours`: both windows count only the time the policy's calendar covers. */
    coverage: z.enum(SLA_COVERAGES).default('24x7'),
  })
  .strict()
  .refine((target) => target.resolutionMinutes >= target.responseMinutes, {
    message: 'The resolution window cannot be shorter than the response window',
    path: ['resolutionMinutes'],
  });
export type SlaTarget = z.infer<typeof slaTargetSchema>;

/**
 * The default targets. `info` is ours: 72 h to respond (an informational incident opened on a
 * Friday evening is looked at after a long weekend, without anyone paged at night) and 7 days to
 * resolve (nothing stays open forever, and the SLA compliance KPI still counts it).
 */
export const DEFAULT_SLA_TARGETS: Readonly<Record<Severity, SlaTarget>> = {
  critical: { responseMinutes: 30, resolutionMinutes: 4 * 60, coverage: '24x7' },
  high: { responseMinutes: 2 * 60, resolutionMinutes: 8 * 60, coverage: '24x7' },
  medium: { responseMinutes: 8 * 60, resolutionMinutes: 24 * 60, coverage: '24x7' },
  low: { responseMinutes: 24 * 60, resolutionMinutes: 48 * 60, coverage: '24x7' },
  info: { responseMinutes: 72 * 60, resolutionMinutes: 7 * 24 * 60, coverage: '24x7' },
};

export const DEFAULT_SLA_WARNING = { leadMinutes: 30, shortWindowFraction: 0.8 } as const;

export const slaWarningSchema = z
  .object({
    /** Warn this long before a deadline... */
    leadMinutes: z.number().int().min(1).max(1440).default(DEFAULT_SLA_WARNING.leadMinutes),
    /** ...but never before this fraction of the window has gone (a 30-minute window warns at 24 minutes). */
    shortWindowFraction: z.number().gt(0).lt(1).default(DEFAULT_SLA_WARNING.shortWindowFraction),
  })
  .strict();

const targetsShape = Object.fromEntries(
  SEVERITIES.map((severity) => [severity, slaTargetSchema.default({ ...DEFAULT_SLA_TARGETS[severity] })]),
) as { [S in Severity]: z.ZodDefault<typeof slaTargetSchema> };

/** A tenant's SLA policy; every part defaults, so `{}` is the default policy. */
export const slaPolicySchema = z
  .object({
    targets: z
      .object(targetsShape)
      .strict()
      .default(() => structuredClone(DEFAULT_SLA_TARGETS) as Record<Severity, SlaTarget>),
    warning: slaWarningSchema.default({ ...DEFAULT_SLA_WARNING }),
    /** The business hours and holidays the `business-hours` targets count in (and the reports' time zone). */
    calendar: serviceCalendarSchema.default(() => structuredClone(DEFAULT_SERVICE_CALENDAR)),
  })
  .strict();
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

export const DEFAULT_SLA_POLICY: SlaPolicy = slaPolicySchema.parse({});

// ---------------------------------------------------------------------------------------------------
// The clock: pause intervals

export const pauseIntervalSchema = z
  .object({
    from: z.iso.datetime(),
    /** Absent while the clock is paused. */
    to: z.iso.datetime().optional(),
    /** Why it waits ("waiting on the client to approve the maintenance window"). */
    reason: z.string().max(500).optional(),
  })
  .strict()
  .refine((pause) => pause.to === undefined || Date.parse(pause.to) >= Date.parse(pause.from), {
    message: 'A pause cannot end before it starts',
    path: ['to'],
  });
export type PauseInterval = z.infer<typeof pauseIntervalSchema>;

/** The pause intervals of an incident's SLA clock, oldest first; only the last may be open. */
export const slaClockSchema = z
  .object({ pauses: z.array(pauseIntervalSchema).max(200).default([]) })
  .strict()
  .refine((clock) => clock.pauses.every((pause, index) => pause.to !== undefined || index === clock.pauses.length - 1), {
    message: 'Only the last pause may be open',
    path: ['pauses'],
  });
export type SlaClock = z.infer<typeof slaClockSchema>;

export const EMPTY_CLOCK: SlaClock = { pauses: [] };

export function isPaused(clock: SlaClock | undefined): boolean {
  const last = clock?.pauses.at(-1);
  return last !== undefined && last.to === undefined;
}

/** Pauses the clock at `at`; pausing a paused clock changes nothing. */
export function pauseClock(clock: SlaClock, at: Date, reason?: string): SlaClock {
  if (isPaused(clock)) return clock;
  const lastEnd = clock.pauses.at(-1)?.to;
  // Pauses never overlap: one cannot start before the previous ended.
  const from = lastEnd && Date.parse(lastEnd) > at.getTime() ? lastEnd : at.toISOString();
  return { pauses: [...clock.pauses, { from, ...(reason ? { reason } : {}) }] };
}

/** Resumes the clock at `at`; resuming a running clock changes nothing. */
export function resumeClock(clock: SlaClock, at: Date): SlaClock {
  const last = clock.pauses.at(-1);
  if (!last || last.to !== undefined) return clock;
  const to = Date.parse(last.from) > at.getTime() ? last.from : at.toISOString();
  return { pauses: [...clock.pauses.slice(0, -1), { ...last, to }] };
}

/** Pause intervals as [from, to) milliseconds, clipped to start no earlier than `openedMs`, in order. */
function intervals(clock: SlaClock | undefined, openedMs: number): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  for (const pause of clock?.pauses ?? []) {
    const from = Math.max(openedMs, Date.parse(pause.from));
    const to = pause.to === undefined ? Number.POSITIVE_INFINITY : Date.parse(pause.to);
    if (to > from) result.push([from, to]);
  }
  return result.sort((a, b) => a[0] - b[0]);
}

/**
 * The stretches in which SLA time runs, from opening on, in order: the time the coverage counts (always,
 * or a service calendar's business hours) less the pauses. Ends at the start of a pause still open (the
 * rest is not known until the clock resumes), or where the calendar's horizon ends.
 */
function* runningStretches(clock: SlaClock | undefined, openedAt: string, calendar?: ServiceCalendar): Generator<[number, number]> {
  const opened = Date.parse(openedAt);
  const pauses = intervals(clock, opened);
  const covered: Iterable<[number, number]> = calendar ? coveredIntervals(opened, calendar) : [[opened, Number.POSITIVE_INFINITY]];
  let next = 0;
  for (const [start, end] of covered) {
    let cursor = start;
    while (cursor < end) {
      while (next < pauses.length && (pauses[next] as [number, number])[1] <= cursor) next++;
      const pause = pauses[next];
      if (!pause || pause[0] >= end) {
        yield [cursor, end];
        break;
      }
      if (pause[0] > cursor) yield [cursor, pause[0]];
      if (pause[1] === Number.POSITIVE_INFINITY) return;
      cursor = pause[1];
    }
  }
}

/** Effective SLA time gone at `nowMs`: the covered time since opening (all of it for 24x7) less the paused time. */
export function elapsedMs(clock: SlaClock | undefined, openedAt: string, nowMs: number, calendar?: ServiceCalendar): number {
  let total = 0;
  for (const [start, end] of runningStretches(clock, openedAt, calendar)) {
    if (start >= nowMs) break;
    total += Math.min(end, nowMs) - start;
  }
  return total;
}

/**
 * The instant at which `effectiveMs` of SLA time will have gone, in covered time (a calendar's business
 * hours, or always) with every pause before it added; null when that moment falls in a pause that is
 * still open (it is not known until the clock resumes) or beyond the calendar's horizon. Time that fits
 * exactly ends a stretch there: 4 business hours from 14:00 end at 18:00, not at the next opening.
 */
export function instantAfter(
  clock: SlaClock | undefined,
  openedAt: string,
  effectiveMs: number,
  calendar?: ServiceCalendar,
): number | null {
  let remaining = effectiveMs;
  for (const [start, end] of runningStretches(clock, openedAt, calendar)) {
    if (end - start >= remaining) return start + remaining;
    remaining -= end - start;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Deadlines

export const SLA_CLOCKS = ['response', 'resolution'] as const;
export type SlaClockKind = (typeof SLA_CLOCKS)[number];

export interface SlaSubject {
  severity: Severity;
  openedAt: string;
  /** The incident's SLA clock; absent means never paused. */
  clock?: SlaClock;
}

export interface Deadlines {
  responseMinutes: number;
  resolutionMinutes: number;
  /** Null while the clock is paused in a way that leaves the deadline unknown. */
  responseBy: string | null;
  resolutionBy: string | null;
}

export function targetFor(policy: SlaPolicy, severity: Severity): SlaTarget {
  return policy.targets[severity] ?? DEFAULT_SLA_TARGETS[severity];
}

/** The calendar a severity's clocks count in: none (always) for 24x7 targets. */
export function calendarFor(policy: SlaPolicy, severity: Severity): ServiceCalendar | undefined {
  return targetFor(policy, severity).coverage === 'business-hours' ? (policy.calendar ?? DEFAULT_SERVICE_CALENDAR) : undefined;
}

function windowMinutes(target: SlaTarget, clock: SlaClockKind): number {
  return clock === 'response' ? target.responseMinutes : target.resolutionMinutes;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Response and resolution deadlines of an incident: its targets in covered time, shifted by its pauses. */
export function deadlinesFor(incident: SlaSubject, policy: SlaPolicy = DEFAULT_SLA_POLICY): Deadlines {
  const target = targetFor(policy, incident.severity);
  const calendar = calendarFor(policy, incident.severity);
  return {
    responseMinutes: target.responseMinutes,
    resolutionMinutes: target.resolutionMinutes,
    responseBy: iso(instantAfter(incident.clock, incident.openedAt, target.responseMinutes * MINUTE_MS, calendar)),
    resolutionBy: iso(instantAfter(incident.clock, incident.openedAt, target.resolutionMinutes * MINUTE_MS, calendar)),
  };
}

/**
 * When to warn, in SLA minutes after opening: `leadMinutes` before the deadline, or at
 * `shortWindowFraction` of the window when that is later (short windows): 30 min -> 24, 2 h -> 96,
 * 4 h -> 210, 8 h -> 450.
 */
export function warningAfterMinutes(window: number, warning: SlaPolicy['warning'] = DEFAULT_SLA_WARNING): number {
  return Math.max(window - warning.leadMinutes, window * warning.shortWindowFraction);
}

// ---------------------------------------------------------------------------------------------------
// Timers

export const SLA_TIMER_KINDS = ['response-warning', 'response-breach', 'resolution-warning', 'resolution-breach'] as const;
export type SlaTimerKind = (typeof SLA_TIMER_KINDS)[number];

const TIMER_CLOCK: Record<SlaTimerKind, SlaClockKind> = {
  'response-warning': 'response',
  'response-breach': 'response',
  'resolution-warning': 'resolution',
  'resolution-breach': 'resolution',
};
export const clockOfTimer = (kind: SlaTimerKind): SlaClockKind => TIMER_CLOCK[kind];
export const isBreachTimer = (kind: SlaTimerKind): boolean => kind.endsWith('-breach');

/** A one-time timer to create; also the payload the scheduler hands back when it fires. */
export const slaTimerSchema = z
  .object({
    kind: z.enum(SLA_TIMER_KINDS),
    /** When to fire: `dueAt`, or now when that has already passed. */
    at: z.iso.datetime(),
    /** The instant this timer stands for (the warning time or the deadline): what `evaluateTimer` re-checks. */
    dueAt: z.iso.datetime(),
    /** The deadline of its clock. */
    deadline: z.iso.datetime(),
  })
  .strict();
export type SlaTimer = z.infer<typeof slaTimerSchema>;

/** What the SLA timers need to know about an incident, as it is now. */
export interface SlaIncident extends SlaSubject {
  status: IncidentStatus;
  acknowledgedAt?: string;
  /** The first action of a person on it (acknowledge, assign, note, resolve, an approval decision): it meets the response clock. */
  respondedAt?: string;
  resolvedAt?: string;
  /** Timer kinds already acted on (recorded with a conditional write when the action is taken). */
  slaHandled?: readonly SlaTimerKind[];
}

function dueAtOf(incident: SlaSubject, policy: SlaPolicy, kind: SlaTimerKind): { dueAt: number | null; deadline: number | null } {
  const target = targetFor(policy, incident.severity);
  const calendar = calendarFor(policy, incident.severity);
  const window = windowMinutes(target, clockOfTimer(kind));
  const deadline = instantAfter(incident.clock, incident.openedAt, window * MINUTE_MS, calendar);
  if (isBreachTimer(kind)) return { dueAt: deadline, deadline };
  const warnAfter = warningAfterMinutes(window, policy.warning);
  return { dueAt: instantAfter(incident.clock, incident.openedAt, Math.round(warnAfter * MINUTE_MS), calendar), deadline };
}

/** Why a timer kind no longer applies to an incident, or undefined when it still does. */
function settled(incident: SlaIncident, kind: SlaTimerKind): 'resolved' | 'acknowledged' | undefined {
  if (incident.status === 'resolved' || incident.status === 'merged' || incident.resolvedAt) return 'resolved';
  if (clockOfTimer(kind) === 'response' && (incident.status === 'acknowledged' || incident.acknowledgedAt || incident.respondedAt)) {
    return 'acknowledged';
  }
  return undefined;
}

/**
 * The one-time timers an incident needs now: a warning and a breach per clock still running, none
 * for a clock already met (acknowledged / resolved), already acted on, or paused past its deadline
 * (created again on resume). A warning whose deadline has passed is left out (the breach covers
 * it); a timer due in the past fires at once (`at` = now). Call it whenever the incident's severity,
 * pauses or status change, and upsert the timers by `timerName` (the same name replaces the old).
 */
export function timersFor(incident: SlaIncident, policy: SlaPolicy, now: Date): SlaTimer[] {
  const timers: SlaTimer[] = [];
  const nowMs = now.getTime();
  for (const kind of SLA_TIMER_KINDS) {
    if (settled(incident, kind) || incident.slaHandled?.includes(kind)) continue;
    const { dueAt, deadline } = dueAtOf(incident, policy, kind);
    if (dueAt === null || deadline === null) continue;
    if (!isBreachTimer(kind) && deadline <= nowMs) continue;
    timers.push({
      kind,
      at: new Date(Math.max(dueAt, nowMs)).toISOString(),
      dueAt: new Date(dueAt).toISOString(),
      deadline: new Date(deadline).toISOString(),
    });
  }
  return timers;
}

/** A stable schedule name per incident and kind (1-64 of [0-9A-Za-z-_.], as EventBridge Scheduler wants). */
export function timerName(incidentId: string, kind: SlaTimerKind): string {
  const safe = incidentId.replace(/[^0-9A-Za-z_.-]/g, '_');
  return `sla-${kind}-${safe}`.slice(0, 64);
}

export type NothingReason =
  /** Resolved (or merged into another incident): no clock runs. */
  | 'resolved'
  /** A response timer after the acknowledgement (or another action of a person). */
  | 'acknowledged'
  /** The clock is paused (new timers are created on resume). */
  | 'paused'
  /** This warning was already sent (a repeated firing). */
  | 'already-warned'
  /** This breach was already escalated (a repeated firing). */
  | 'already-escalated'
  /** The deadline moved (severity, policy or pauses changed) since this timer was made. */
  | 'stale'
  /** Fired before its time. */
  | 'not-due'
  /** A warning firing after its deadline: the breach takes over. */
  | 'too-late';

export type TimerDecision =
  | {
      action: 'warn' | 'breach';
      kind: SlaTimerKind;
      clock: SlaClockKind;
      deadline: string;
      /** Negative once past the deadline. */
      remainingMs: number;
    }
  | {
      action: 'nothing';
      kind: SlaTimerKind;
      reason: NothingReason;
      detail: string;
      /** When the right timer for this kind is due (for 'not-due' and 'stale'): re-arm it if missing. */
      reschedule?: SlaTimer;
    };

/**
 * What a firing timer must do, decided from the incident as it is now (read it fresh, then act with
 * a conditional write that adds the kind to `slaHandled`). Every firing that is late, early,
 * repeated, outdated, or about an acknowledged, paused or resolved incident answers 'nothing'.
 */
export function evaluateTimer(timer: SlaTimer, incident: SlaIncident, policy: SlaPolicy, now: Date): TimerDecision {
  const { kind } = timer;
  const nothing = (reason: NothingReason, detail: string, reschedule?: SlaTimer): TimerDecision => ({
    action: 'nothing',
    kind,
    reason,
    detail,
    ...(reschedule ? { reschedule } : {}),
  });
  const done = settled(incident, kind);
  if (done === 'resolved') return nothing('resolved', `the incident is ${incident.status}`);
  if (done === 'acknowledged') return nothing('acknowledged', 'a person responded to the incident');
  if (incident.slaHandled?.includes(kind)) {
    return isBreachTimer(kind)
      ? nothing('already-escalated', `${kind} was already escalated`)
      : nothing('already-warned', `${kind} was already sent`);
  }
  const { dueAt, deadline } = dueAtOf(incident, policy, kind);
  // A time that falls in a pause still open is not known yet (a time before the pause still counts).
  if (dueAt === null || deadline === null) return nothing('paused', 'the SLA clock is paused');
  const nowMs = now.getTime();
  const current: SlaTimer = {
    kind,
    at: new Date(Math.max(dueAt, nowMs)).toISOString(),
    dueAt: new Date(dueAt).toISOString(),
    deadline: new Date(deadline).toISOString(),
  };
  if (Math.abs(Date.parse(timer.dueAt) - dueAt) > SAME_INSTANT_MS) {
    return nothing('stale', `the ${clockOfTimer(kind)} timer is now due at ${current.dueAt}, not ${timer.dueAt}`, current);
  }
  if (nowMs < dueAt - SAME_INSTANT_MS) return nothing('not-due', `due at ${current.dueAt}`, current);
  if (!isBreachTimer(kind) && nowMs >= deadline)
    return nothing('too-late', `the ${clockOfTimer(kind)} deadline ${current.deadline} has passed`);
  return {
    action: isBreachTimer(kind) ? 'breach' : 'warn',
    kind,
    clock: clockOfTimer(kind),
    deadline: current.deadline,
    remainingMs: deadline - nowMs,
  };
}
