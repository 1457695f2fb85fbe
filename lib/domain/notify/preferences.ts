import * as z from 'zod';
import { SEVERITIES, type Severity } from '../alert';
import { WEEKDAYS, type Weekday } from '../oncall/schedule';
import { dayHoursSchema, isCoveredAt, weeklyCalendar } from '../sla/calendar';
import { dateOfDayNumber, dayNumber, hhmmSchema, instantOfWallTime, minutesOfDay, timeZoneSchema, wallTime } from '../../util/zoned-time';
import { NOTIFICATION_KINDS, type NotificationKind } from './templates';

/**
 * Per-user notification preferences: which channels each kind of event uses, and
 * quiet hours in the user's time zone during which interrupting channels wait (critical incidents
 * never wait). Plus the retry schedule of every outbound delivery (SES, Slack, Teams, webhooks).
 */

/**
 * A user's channels: `email` (SES), `slack` / `teams` (mentioned in the company's channel through its
 * incoming webhook or Slack app, when the company has one), `sms` / `voice` (AWS End User Messaging, to
 * the user's verified number), `dashboard` (the live feed: silent, never held back).
 */
export const USER_CHANNELS = ['email', 'slack', 'teams', 'sms', 'voice', 'dashboard'] as const;
export type UserChannel = (typeof USER_CHANNELS)[number];

/** Channels that ring a phone. */
export const PHONE_CHANNELS = ['voice', 'sms'] as const;
export type PhoneChannel = (typeof PHONE_CHANNELS)[number];

/** The kinds that page: someone must act on the incident now. */
export const PAGING_KINDS: ReadonlySet<NotificationKind> = new Set(['assignment', 'sla-breach', 'escalation']);

/**
 * By default a critical incident calls, then texts; a high one texts; the rest never rings a phone (their
 * kinds' channels still apply). Only with a verified number.
 */
export const DEFAULT_PAGING: Readonly<Partial<Record<Severity, readonly PhoneChannel[]>>> = {
  critical: ['voice', 'sms'],
  high: ['sms'],
};

/** Interrupting for what needs someone now, the dashboard for what is only news. */
export const DEFAULT_CHANNELS: Readonly<Record<NotificationKind, readonly UserChannel[]>> = {
  assignment: ['email', 'slack', 'dashboard'],
  'sla-warning': ['email', 'slack', 'dashboard'],
  'sla-breach': ['email', 'slack', 'teams', 'dashboard'],
  escalation: ['email', 'slack', 'teams', 'dashboard'],
  'approval-request': ['email', 'slack', 'dashboard'],
  'remediation-result': ['dashboard'],
  resolved: ['dashboard'],
  /** A tenant's maintenance window starting or ending, to its admins: on by default, never urgent (quiet hours hold it back). */
  maintenance: ['email', 'dashboard'],
  /** A client asks to be called about an incident: a person must hear of it, as of an assignment. */
  'callback-request': ['email', 'slack', 'dashboard'],
};

export const quietHoursSchema = z
  .object({
    /** Local start and end; overnight when `to` is earlier than `from` (22:00 to 07:00). */
    from: hhmmSchema,
    to: hhmmSchema,
    /** The days a quiet period starts on (every day when absent). */
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
  })
  .strict()
  .refine((quiet) => quiet.from !== quiet.to, { message: 'Quiet hours need a start and an end that differ', path: ['to'] });
export type QuietHours = z.infer<typeof quietHoursSchema>;

export const notificationPreferencesSchema = z
  .object({
    userId: z.string().min(1),
    timeZone: timeZoneSchema.default('UTC'),
    /** Per kind; kinds left out use DEFAULT_CHANNELS, an empty list turns the kind off. */
    channels: z.partialRecord(z.enum(NOTIFICATION_KINDS), z.array(z.enum(USER_CHANNELS)).max(USER_CHANNELS.length)).default({}),
    quietHours: quietHoursSchema.optional(),
    /**
     * Per severity, the phone channels of the paging kinds (assignment, SLA breach, escalation), on top of
     * the kinds' own channels; severities left out use DEFAULT_PAGING, an empty list rings no phone.
     */
    paging: z.partialRecord(z.enum(SEVERITIES), z.array(z.enum(PHONE_CHANNELS)).max(PHONE_CHANNELS.length)).default({}),
    /**
     * When the person works, per weekday in `timeZone` (days left out are days off); absent: any time. An
     * escalation level set to reach only people at work passes over someone outside these hours.
     */
    workingHours: z.partialRecord(z.enum(WEEKDAYS), dayHoursSchema).optional(),
  })
  .strict();
export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;

/** Whether the person is at work at an instant by their working hours (always, when they set none). */
export function isAtWork(preferences: Pick<NotificationPreferences, 'timeZone' | 'workingHours'>, instant: Date): boolean {
  const hours = preferences.workingHours;
  if (!hours) return true;
  return isCoveredAt(instant.getTime(), weeklyCalendar(preferences.timeZone, hours));
}

export interface ChannelDecision {
  /** Send on these now. */
  channels: UserChannel[];
  /** Held back by quiet hours: send (or digest) at `deferUntil`. */
  deferred: UserChannel[];
  deferUntil: string | null;
  reason: string;
}

/** When a quiet period covering the instant ends, or null when the instant is not in quiet hours. */
export function quietUntil(quiet: QuietHours, timeZone: string, instant: Date): number | null {
  const wall = wallTime(instant.getTime(), timeZone);
  const now = wall.hour * 60 + wall.minute;
  const from = minutesOfDay(quiet.from);
  const to = minutesOfDay(quiet.to);
  const days: readonly Weekday[] = quiet.days ?? WEEKDAYS;
  const today = WEEKDAYS[wall.weekday - 1] as Weekday;
  const yesterday = WEEKDAYS[(wall.weekday + 5) % 7] as Weekday;
  const todayNumber = dayNumber(wall.year, wall.month, wall.day);
  const endOn = (day: number) => instantOfWallTime({ ...dateOfDayNumber(day), hour: Math.floor(to / 60), minute: to % 60 }, timeZone);
  if (to > from) return days.includes(today) && now >= from && now < to ? endOn(todayNumber) : null;
  if (days.includes(today) && now >= from) return endOn(todayNumber + 1);
  if (days.includes(yesterday) && now < to) return endOn(todayNumber);
  return null;
}

/**
 * The channels to use for an event now, and those quiet hours hold back. Only a critical incident breaks
 * through quiet hours; a notification about no incident (maintenance) comes with severity `info`
 * (templates.ts's `notificationScope`).
 */
export function channelsFor(
  preferences: NotificationPreferences,
  event: { kind: NotificationKind; severity: Severity },
  instant: Date,
): ChannelDecision {
  const paging = PAGING_KINDS.has(event.kind) ? (preferences.paging[event.severity] ?? DEFAULT_PAGING[event.severity] ?? []) : [];
  const wanted = [...(preferences.channels[event.kind] ?? DEFAULT_CHANNELS[event.kind]), ...paging];
  const unique = USER_CHANNELS.filter((channel) => wanted.includes(channel));
  if (unique.length === 0) return { channels: [], deferred: [], deferUntil: null, reason: `${event.kind} notifications are off` };
  const until = preferences.quietHours ? quietUntil(preferences.quietHours, preferences.timeZone, instant) : null;
  if (until === null) return { channels: unique, deferred: [], deferUntil: null, reason: 'per preferences' };
  if (event.severity === 'critical') {
    return { channels: unique, deferred: [], deferUntil: null, reason: 'quiet hours, but critical incidents always notify' };
  }
  const now = unique.filter((channel) => channel === 'dashboard');
  const deferred = unique.filter((channel) => channel !== 'dashboard');
  return {
    channels: now,
    deferred,
    deferUntil: deferred.length > 0 ? new Date(until).toISOString() : null,
    reason: `quiet hours until ${preferences.quietHours?.to} ${preferences.timeZone}`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Retries

export const retryPolicySchema = z
  .object({
    /** Deliveries tried at most (the first one included). */
    maxAttempts: z.number().int().min(1).max(20).default(6),
    /** The first retry waits between half of this and this. */
    baseDelayMs: z.number().int().min(1).max(600_000).default(2_000),
    /** No wait is longer than this. */
    maxDelayMs: z.number().int().min(1).max(3_600_000).default(300_000),
    /** A receiver's Retry-After is honoured up to this long. */
    maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(900_000),
  })
  .strict();
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = retryPolicySchema.parse({});

/**
 * The bounds of the wait after failed attempt `attempt` (1 = the first delivery failed): exponential,
 * doubling from `baseDelayMs`, capped at `maxDelayMs`, with "equal jitter" (between half the
 * exponential value and all of it, so retries of many deliveries spread out but none comes back at
 * once). Null when no attempt is left.
 */
export function retryDelays(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): { minMs: number; maxMs: number } | null {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt >= policy.maxAttempts) return null;
  const maxMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { minMs: Math.floor(maxMs / 2), maxMs };
}

/** One wait within `retryDelays`, at least the receiver's Retry-After (bounded); null when done. */
export function retryDelayMs(
  attempt: number,
  options: { random?: () => number; retryAfterSeconds?: number; policy?: RetryPolicy } = {},
): number | null {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const bounds = retryDelays(attempt, policy);
  if (!bounds) return null;
  const random = Math.min(1, Math.max(0, (options.random ?? Math.random)()));
  const jittered = Math.round(bounds.minMs + random * (bounds.maxMs - bounds.minMs));
  const retryAfter = Math.min(policy.maxRetryAfterMs, Math.max(0, (options.retryAfterSeconds ?? 0) * 1000));
  return Math.max(jittered, retryAfter);
}

/** Whether a failed delivery is worth retrying: network errors, 408, 425, 429 and 5xx are; other 4xx are not. */
export function isRetryable(failure: { status?: number }): boolean {
  const { status } = failure;
  if (status === undefined) return true;
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
