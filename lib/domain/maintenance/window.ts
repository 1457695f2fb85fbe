import * as z from 'zod';
import type { Severity } from '../alert';
import { entitySchema, timestamp } from '../entity-schema';
import { timeZoneSchema } from '../../util/zoned-time';
import { WINDOW_KINDS, windowEffectsSchema, type MaintenanceHold, type WindowEffects } from './hold';

/**
 * Maintenance windows and silences: planned work (a patch night, a reboot) during which a tenant's
 * alerts are still stored and correlated, but the incidents they open page no one, pause their SLA
 * clocks and run no automation unless the window allows it. A silence is the same thing made from one
 * incident, scoped to its alerts, that may end when the incident resolves.
 *
 * This module is pure: the window's shape, when its occurrences are, which alerts it covers, and
 * whether an incident is held by one. The service (lib/maintenance/) stores, schedules and applies them.
 */

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
const MATCHER_FIELD = /^(signature|source|severity|label\.[A-Za-z0-9_.:/-]{1,100})$/;
const MAX_ONE_OFF_MS = 31 * 86_400_000;

/**
 * A regular expression given by a tenant runs in the service on every alert. A repeated group that can
 * match the same text in more than one way, because it holds a repetition or an alternation ("(a+)+",
 * "(a|aa)+"), can take exponential time on a crafted alert; such patterns and back-references are
 * refused (Alertmanager avoids the problem with RE2, which Node does not have).
 */
function regexProblem(value: string): string | null {
  try {
    new RegExp(value);
  } catch {
    return 'Not a valid regular expression';
  }
  if (/\\[1-9]|\\k</.test(value)) return 'Back-references are not allowed';
  if (repeatedAmbiguousGroup(value)) return 'A repeated group may not hold a repetition or an alternation (it can take exponential time)';
  return null;
}

/** Whether a repeated group holds a quantifier, an alternation or another group. */
function repeatedAmbiguousGroup(pattern: string): boolean {
  const starts: number[] = [];
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') {
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') starts.push(index);
    else if (char === ')') {
      const start = starts.pop() ?? 0;
      // Only repetition multiplies the ways to match ('?' makes a group optional, once).
      if (!/[+*{]/.test(pattern[index + 1] ?? '')) continue;
      const inside = pattern
        .slice(start + 1, index)
        .replace(/^\?(?:[:=!]|<[=!]|<[A-Za-z]\w*>)/, '')
        .replace(/\\./g, '')
        .replace(/\[[^\]]*\]/g, 'x');
      if (/[+*?{|(]/.test(inside)) return true;
    }
  }
  return false;
}

export const matcherSchema = z
  .object({
    field: z.string().max(106).regex(MATCHER_FIELD, 'signature, source, severity or label.<name>'),
    op: z.enum(MATCHER_OPS),
    value: z.string().max(200),
  })
  .strict()
  .superRefine((matcher, context) => {
    if (matcher.op !== '=~' && matcher.op !== '!~') return;
    const problem = regexProblem(matcher.value);
    if (problem) context.addIssue({ code: 'custom', path: ['value'], message: problem });
  });
export type Matcher = z.infer<typeof matcherSchema>;

export const windowScopeSchema = z
  .object({
    /** The assets it covers (all of the tenant's when none are named). */
    assetIds: z.array(z.string().min(1).max(200)).max(200).optional(),
    /** Also the assets that depend on those, directly or not (the inventory's topology). */
    includeDependents: z.boolean().optional(),
    /** Every matcher must hold for an alert to be covered. */
    matchers: z.array(matcherSchema).max(20).optional(),
  })
  .strict();
export type WindowScope = z.infer<typeof windowScopeSchema>;

/**
 * A recurrence as stored. The request schema (recurrence.ts, `recurrenceRequestSchema`) also checks the
 * rule with the rrule package; what is stored was checked when it was written, and every reader works
 * from the occurrences stored with it (`occurrences`), so no reader needs the rule package.
 */
export const recurrenceSchema = z
  .object({
    /** An RFC 5545 rule without DTSTART, e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2 (minutes not given are 0). */
    rrule: z.string().min(6).max(300),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    /** The IANA zone the rule's hours are in (the window keeps local time across DST changes). */
    timeZone: timeZoneSchema,
  })
  .strict();
export type Recurrence = z.infer<typeof recurrenceSchema>;

/** An occurrence as stored and shown: ISO instants. */
export const occurrenceSchema = z.object({ startsAt: timestamp, endsAt: timestamp }).strict();
export type StoredOccurrence = z.infer<typeof occurrenceSchema>;

export interface MaintenanceWindow {
  id: string;
  tenantId: string;
  kind: (typeof WINDOW_KINDS)[number];
  name: string;
  reason: string;
  scope: WindowScope;
  /** A one-off window: from, to. */
  startsAt?: string;
  endsAt?: string;
  /** A recurring window (instead of startsAt/endsAt). */
  recurrence?: Recurrence;
  /**
   * A recurring window's occurrences from a day before it was last written to two months after (at least
   * the next two), expanded from the rule when the window is written and again at the end of each
   * occurrence (lib/maintenance/windows.ts). Readers check alerts against these.
   */
  occurrences?: StoredOccurrence[];
  effects: WindowEffects;
  /** A silence: the incident it was made from, and whether it ends when that incident resolves. */
  incidentId?: string;
  endWhenResolved?: boolean;
  /** Ended early: a one-off window ends; a recurring one ends the occurrence it was in, later ones still come. */
  endedAt?: string;
  endedBy?: string;
  /** The start (ISO) of the last occurrence announced as started, and of the last one finished: each is done once. */
  startedOccurrence?: string;
  endedOccurrence?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  version: number;
}

export const maintenanceWindowSchema = entitySchema<MaintenanceWindow>({
  id: z.string().min(1),
  tenantId: z.string().min(1),
  kind: z.enum(WINDOW_KINDS),
  name: z.string(),
  reason: z.string(),
  scope: windowScopeSchema,
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  recurrence: recurrenceSchema.optional(),
  occurrences: z.array(occurrenceSchema).max(400).optional(),
  effects: windowEffectsSchema,
  incidentId: z.string().optional(),
  endWhenResolved: z.boolean().optional(),
  endedAt: timestamp.optional(),
  endedBy: z.string().optional(),
  startedOccurrence: timestamp.optional(),
  endedOccurrence: timestamp.optional(),
  createdAt: timestamp,
  createdBy: z.string(),
  updatedAt: timestamp,
  updatedBy: z.string(),
  version: z.number().int().min(1),
});

/** What a window's timing must satisfy, wherever it is given (create, change). */
export function timingProblem(window: Pick<MaintenanceWindow, 'startsAt' | 'endsAt' | 'recurrence'>): string | null {
  if (window.recurrence) {
    if (window.startsAt || window.endsAt) return 'Give either startsAt and endsAt, or a recurrence, not both';
    return null;
  }
  if (!window.startsAt || !window.endsAt) return 'startsAt and endsAt are required (or a recurrence)';
  const span = Date.parse(window.endsAt) - Date.parse(window.startsAt);
  if (span <= 0) return 'endsAt must be after startsAt';
  if (span > MAX_ONE_OFF_MS) return 'A one-off window lasts at most 31 days (use a recurrence for regular work)';
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Occurrences

export interface Occurrence {
  /** Epoch milliseconds. */
  start: number;
  end: number;
}

type Timing = Pick<MaintenanceWindow, 'startsAt' | 'endsAt' | 'recurrence' | 'occurrences' | 'endedAt'>;

/** An occurrence cut short by an early end that falls inside it. */
function cut(occurrence: Occurrence, endedAt: string | undefined): Occurrence {
  const ended = endedAt ? Date.parse(endedAt) : Number.NaN;
  return ended > occurrence.start && ended < occurrence.end ? { start: occurrence.start, end: ended } : occurrence;
}

const isWithin = (occurrence: Occurrence, at: number) => at >= occurrence.start && at < occurrence.end;

/**
 * The window's occurrences that overlap `[fromMs, toMs)`, in time order, each cut short by an early end.
 * A one-off window ended early has no occurrence after its end; a recurring one loses only the rest of
 * the occurrence it was ended in.
 */
export function occurrencesBetween(window: Timing, fromMs: number, toMs: number): Occurrence[] {
  let raw: Occurrence[];
  if (window.recurrence) {
    raw = (window.occurrences ?? []).map((occurrence) => ({ start: Date.parse(occurrence.startsAt), end: Date.parse(occurrence.endsAt) }));
  } else {
    if (!window.startsAt || !window.endsAt) return [];
    raw = [{ start: Date.parse(window.startsAt), end: Date.parse(window.endsAt) }];
    if (window.endedAt && Date.parse(window.endedAt) <= raw[0]!.start) return [];
  }
  return raw
    .map((occurrence) => cut(occurrence, window.endedAt))
    .filter((occurrence) => occurrence.end > fromMs && occurrence.start < toMs);
}

/** The occurrence `at` falls in, or null. */
export function occurrenceAt(window: Timing, at: number): Occurrence | null {
  return occurrencesBetween(window, at, at + 1).find((occurrence) => isWithin(occurrence, at)) ?? null;
}

/** The first occurrence that has not ended by `after` (the current one, or the next), or null. */
export function nextOccurrence(window: Timing, after: number): Occurrence | null {
  return occurrencesBetween(window, after, Number.MAX_SAFE_INTEGER).find((occurrence) => occurrence.end > after) ?? null;
}

export type WindowPhase = 'active' | 'upcoming' | 'past';

/** Active now, still to come, or over (a recurring window is past only when its rule has nothing left). */
export function windowPhase(window: Timing, now: number): WindowPhase {
  const next = nextOccurrence(window, now);
  if (!next) return 'past';
  return next.start <= now ? 'active' : 'upcoming';
}

// ---------------------------------------------------------------------------------------------------
// Coverage

/** The fields of an alert a window looks at. */
export interface CoverableAlert {
  assetId: string | null;
  signature: string;
  source: string;
  severity: Severity;
  labels?: Record<string, string>;
  occurredAt: string;
}

function fieldValue(alert: CoverableAlert, field: string): string | undefined {
  if (field === 'signature') return alert.signature;
  if (field === 'source') return alert.source;
  if (field === 'severity') return alert.severity;
  return alert.labels?.[field.slice('label.'.length)];
}

const compiled = new Map<string, RegExp>();

/** A matcher's regular expression matches the whole value, as Alertmanager's do. */
function anchored(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

export function matches(matcher: Matcher, alert: CoverableAlert): boolean {
  const value = fieldValue(alert, matcher.field) ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return anchored(matcher.value).test(value);
    case '!~':
      return !anchored(matcher.value).test(value);
  }
}

/**
 * Whether the window's scope takes in the alert, whatever the time. `assets` is the scope's asset set
 * with its dependents already added (`scopeAssets`), or undefined when the scope names no assets.
 */
export function scopeCovers(scope: WindowScope, assets: ReadonlySet<string> | undefined, alert: CoverableAlert): boolean {
  if (assets && !(alert.assetId && assets.has(alert.assetId))) return false;
  return (scope.matchers ?? []).every((matcher) => matches(matcher, alert));
}

/** The scope's assets and, when asked, every asset that depends on one of them (directly or not). */
export function scopeAssets(scope: WindowScope, dependsOn: ReadonlyMap<string, readonly string[]>): Set<string> | undefined {
  if (!scope.assetIds?.length) return undefined;
  const assets = new Set(scope.assetIds);
  if (!scope.includeDependents) return assets;
  const dependents = new Map<string, string[]>();
  for (const [asset, upstream] of dependsOn)
    for (const parent of upstream) dependents.set(parent, [...(dependents.get(parent) ?? []), asset]);
  const queue = [...assets];
  while (queue.length > 0) {
    for (const child of dependents.get(queue.shift() as string) ?? []) {
      if (assets.has(child)) continue;
      assets.add(child);
      queue.push(child);
    }
  }
  return assets;
}

/** A window ready to be checked against alerts: its scope's assets resolved once. */
export interface ResolvedWindow {
  window: MaintenanceWindow;
  assets: ReadonlySet<string> | undefined;
}

/** The occurrence of a window covering the alert at the time it happened, or null. */
export function coveringOccurrence(resolved: ResolvedWindow, alert: CoverableAlert, at = Date.parse(alert.occurredAt)): Occurrence | null {
  if (!scopeCovers(resolved.window.scope, resolved.assets, alert)) return null;
  return occurrenceAt(resolved.window, at);
}

// ---------------------------------------------------------------------------------------------------
// Holding an incident

/**
 * The window holding an incident whose alerts are all covered, each at the time it happened (a late
 * alert from inside a window stays quiet); null when any alert is not. With `at`, every alert is
 * checked at that instant instead (is the incident still covered now?). Of the windows covering the
 * latest alert, the one that lasts longest holds it.
 */
export function holdFor(
  windows: readonly ResolvedWindow[],
  alerts: readonly CoverableAlert[],
  now: Date,
  at?: number,
): MaintenanceHold | null {
  if (alerts.length === 0 || windows.length === 0) return null;
  for (const alert of alerts) {
    if (!windows.some((resolved) => coveringOccurrence(resolved, alert, at))) return null;
  }
  const latest = alerts.reduce((last, alert) => (Date.parse(alert.occurredAt) > Date.parse(last.occurredAt) ? alert : last));
  let best: { resolved: ResolvedWindow; occurrence: Occurrence } | null = null;
  for (const resolved of windows) {
    const occurrence = coveringOccurrence(resolved, latest, at);
    if (occurrence && (!best || occurrence.end > best.occurrence.end)) best = { resolved, occurrence };
  }
  if (!best) return null;
  const { window } = best.resolved;
  return {
    windowId: window.id,
    name: window.name,
    kind: window.kind,
    until: new Date(best.occurrence.end).toISOString(),
    effects: window.effects,
    since: now.toISOString(),
  };
}
