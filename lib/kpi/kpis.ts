import * as z from 'zod';
import type { AlertStatus, Severity } from '../domain/alert';
import { AUTOMATION_ACTOR, type IncidentStatus } from '../domain/incident';
import { dayNumber, dateOfDayNumber, formatLocalDate, localDateOf, parseLocalDate } from '../util/zoned-time';
import { deadlinesFor, type SlaClock, type SlaPolicy } from '../domain/sla/policy';
import type { KpiRow } from '../domain/kpi';

/**
 * KPIs of a tenant over a period, in total and per local day of a time zone. docs/kpis.md defines every
 * figure; this module is those definitions.
 *
 * Period rules: an alert counts on the day it occurred (its event time); an incident on the day it
 * opened, and its acknowledgement, resolution and SLA outcomes with it, so a day's row describes the
 * incidents of that day. Merged incidents (absorbed by another) are not counted: the incident that
 * absorbed them is. Percentages and minutes are rounded to one decimal; a ratio or mean with nothing to
 * divide by is null, not 0.
 */

const MINUTE_MS = 60_000;
const MAX_PERIOD_DAYS = 366;

export const kpiPeriodSchema = z
  .object({ from: z.iso.datetime(), to: z.iso.datetime() })
  .strict()
  .refine((period) => Date.parse(period.to) > Date.parse(period.from), { message: '`to` must be after `from`', path: ['to'] })
  .refine((period) => Date.parse(period.to) - Date.parse(period.from) <= MAX_PERIOD_DAYS * 86_400_000, {
    message: `A period is at most ${MAX_PERIOD_DAYS} days`,
    path: ['to'],
  });
export type KpiPeriod = z.infer<typeof kpiPeriodSchema>;

/** The stored alert fields KPIs read (lib/store/alerts.ts StoredAlert). */
export interface KpiAlert {
  occurredAt: string;
  status: AlertStatus;
  /** Correlation's outcome for it (why it opened or joined its incident); absent until correlation decided it. */
  correlation?: string;
  /** The incident it joined; absent when it joined none (or correlation has not decided it yet). */
  incidentId?: string;
}

/**
 * Correlation's outcomes (lib/domain/correlation/engine.ts) for a firing notification of an episode that is
 * already counted: a repeat heard within the quiet period ("same fingerprint"), a re-notification that
 * carries the episode's own start ("same fingerprint (re-notified after 2 h, same start)"), and one sent
 * before its resolution but delivered after it ("same fingerprint (sent before its resolution, delivered
 * after it)"). Every other outcome of a firing alert starts an episode: it opened an incident, joined one
 * as a new alert, fired again after resolving (flapping) or reopened its incident. test/unit/kpis.test.ts
 * holds this to the engine's own decisions.
 */
const CONTINUES_EPISODE = /^same fingerprint(?: \(|$)/;

/**
 * A firing alert episode: a firing notification that correlation decided and that starts an episode of
 * its alert. Resolutions, repeats of an episode, and alerts correlation has not decided yet are not.
 */
export function isFiringEpisode(alert: KpiAlert): boolean {
  return alert.status === 'firing' && alert.correlation !== undefined && !CONTINUES_EPISODE.test(alert.correlation);
}

/**
 * An unmatched resolution: a resolution notification that correlation decided but that joined no
 * incident (no firing alert, nor the same condition on the same asset, was there for it to end).
 */
export function isUnmatchedResolution(alert: KpiAlert): boolean {
  return alert.status === 'resolved' && alert.correlation !== undefined && alert.incidentId === undefined;
}

/** The incident fields KPIs read (lib/domain/incident.ts), with its SLA deadlines when they were stored. */
export interface KpiIncident {
  status: IncidentStatus;
  severity?: Severity;
  openedAt: string;
  /** The first acknowledgement. */
  acknowledgedAt?: string;
  /** The first action of a person on it. */
  respondedAt?: string;
  resolvedAt?: string;
  /** Who resolved it: a person, AUTOMATION_ACTOR (a successful runbook), or nobody (correlation: its alerts cleared). */
  resolvedBy?: string | null;
  /** Deadlines as stored with the incident (null while paused past them); computed from `options.policy` when absent. */
  sla?: { responseBy?: string | null; resolutionBy?: string | null; clock?: SlaClock };
  /** Set when it opened inside a maintenance window or was silenced: left out of SLA compliance, counted apart. */
  maintenance?: { windowId: string };
}

/** How a resolved incident was resolved: the three add up to the resolved incidents. */
export type Resolution = 'self-healed' | 'cleared-on-its-own' | 'by-a-person';

export function resolutionOf(incident: Pick<KpiIncident, 'resolvedBy'>): Resolution {
  if (!incident.resolvedBy) return 'cleared-on-its-own';
  return incident.resolvedBy === AUTOMATION_ACTOR ? 'self-healed' : 'by-a-person';
}

export interface KpiReport {
  period: KpiPeriod;
  timeZone: string;
  totals: KpiRow;
  /** Every local day the period touches, in order, empty days included. */
  days: Array<KpiRow & { date: string }>;
}

export interface KpiOptions {
  /** Deadlines still ahead of `now` are pending (defaults to the end of the period). */
  now?: Date;
  /** Computes deadlines for incidents that carry none. */
  policy?: SlaPolicy;
}

export type ResponseOutcome = 'met' | 'missed' | 'resolvedBeforeDue';
export type ResolutionOutcome = 'met' | 'missed';

const parsed = (iso: string | null | undefined) => (iso ? Date.parse(iso) : undefined);

/**
 * When a person first acted on the incident. `respondedAt` is recorded with every such action; the
 * acknowledgement and a person's resolution also stand for it on incidents stored before it was kept.
 */
function firstResponseAt(incident: KpiIncident, resolvedAt: number | undefined): number | undefined {
  const times = [parsed(incident.respondedAt), parsed(incident.acknowledgedAt)];
  if (resolvedAt !== undefined && resolutionOf(incident) === 'by-a-person') times.push(resolvedAt);
  const known = times.filter((time): time is number => time !== undefined);
  return known.length ? Math.min(...known) : undefined;
}

/**
 * Met only by a person acting by the deadline. An incident resolved without a person (a runbook, or its
 * alerts cleared) by then is neither met nor missed; otherwise it is missed once the deadline passed
 * (or a person acted after it), and pending (undefined) before.
 */
function responseOutcome(
  incident: KpiIncident,
  due: number | undefined,
  resolvedAt: number | undefined,
  nowMs: number,
): ResponseOutcome | undefined {
  if (due === undefined) return undefined;
  const responded = firstResponseAt(incident, resolvedAt);
  if (responded !== undefined && responded <= due) return 'met';
  if (resolvedAt !== undefined && resolvedAt <= due) return 'resolvedBeforeDue';
  if (responded !== undefined || nowMs > due) return 'missed';
  return undefined;
}

/** Met when resolved (by anyone) by the deadline; missed when resolved later or still unresolved after it; pending before. */
function resolutionOutcome(due: number | undefined, resolvedAt: number | undefined, nowMs: number): ResolutionOutcome | undefined {
  if (due === undefined) return undefined;
  if (resolvedAt !== undefined) return resolvedAt <= due ? 'met' : 'missed';
  return nowMs > due ? 'missed' : undefined;
}

/** The response and resolution deadlines: as stored with the incident, else from the policy (undefined without either). */
function deadlinesOf(incident: KpiIncident, policy: SlaPolicy | undefined): { responseBy?: number; resolutionBy?: number } {
  const stored = incident.sla;
  const computed =
    policy && incident.severity && (stored?.responseBy === undefined || stored?.resolutionBy === undefined)
      ? deadlinesFor(
          { severity: incident.severity, openedAt: incident.openedAt, ...(stored?.clock ? { clock: stored.clock } : {}) },
          policy,
        )
      : undefined;
  return {
    responseBy: parsed(stored?.responseBy !== undefined ? stored.responseBy : computed?.responseBy),
    resolutionBy: parsed(stored?.resolutionBy !== undefined ? stored.resolutionBy : computed?.resolutionBy),
  };
}

const resolvedAtOf = (incident: KpiIncident) => (incident.status === 'resolved' ? parsed(incident.resolvedAt) : undefined);

/** An incident's outcome on one SLA clock: its deadline, and when it was met (a person's first response, the resolution), if it was. */
export interface ClockOutcome<O> {
  outcome: O;
  /** Epoch milliseconds. */
  due: number;
  /** The first response (response clock) or the resolution (resolution clock); absent when there was none. */
  at?: number;
}

/**
 * The incident's SLA outcomes as the compliance figures count them: each clock's absent while its deadline
 * is ahead of `nowMs`, when there is no deadline, and for an incident held by a maintenance window or a
 * silence (planned work is not a broken promise).
 */
export function slaOutcomesOf(
  incident: KpiIncident,
  policy: SlaPolicy | undefined,
  nowMs: number,
): { response?: ClockOutcome<ResponseOutcome>; resolution?: ClockOutcome<ResolutionOutcome> } {
  if (incident.maintenance !== undefined) return {};
  const resolvedAt = resolvedAtOf(incident);
  const { responseBy, resolutionBy } = deadlinesOf(incident, policy);
  const response = responseOutcome(incident, responseBy, resolvedAt, nowMs);
  const resolution = resolutionOutcome(resolutionBy, resolvedAt, nowMs);
  const responded = firstResponseAt(incident, resolvedAt);
  return {
    ...(response && responseBy !== undefined
      ? { response: { outcome: response, due: responseBy, ...(responded !== undefined ? { at: responded } : {}) } }
      : {}),
    ...(resolution && resolutionBy !== undefined
      ? { resolution: { outcome: resolution, due: resolutionBy, ...(resolvedAt !== undefined ? { at: resolvedAt } : {}) } }
      : {}),
  };
}

interface Accumulator {
  alerts: number;
  firingEpisodes: number;
  unmatchedResolutions: number;
  incidents: number;
  ackMs: number[];
  resolveMs: number[];
  resolutions: Record<Resolution, number>;
  response: Record<ResponseOutcome, number>;
  resolution: Record<ResolutionOutcome, number>;
  inMaintenance: number;
}

const emptyAccumulator = (): Accumulator => ({
  alerts: 0,
  firingEpisodes: 0,
  unmatchedResolutions: 0,
  incidents: 0,
  ackMs: [],
  resolveMs: [],
  resolutions: { 'self-healed': 0, 'cleared-on-its-own': 0, 'by-a-person': 0 },
  response: { met: 0, missed: 0, resolvedBeforeDue: 0 },
  resolution: { met: 0, missed: 0 },
  inMaintenance: 0,
});

const round1 = (value: number) => Math.round(value * 10) / 10;
const pct = (part: number, whole: number) => (whole === 0 ? null : round1((part / whole) * 100));
const meanMinutes = (values: number[]) =>
  values.length === 0 ? null : round1(values.reduce((sum, value) => sum + value, 0) / values.length / MINUTE_MS);

function row(accumulator: Accumulator): KpiRow {
  const { alerts, firingEpisodes, unmatchedResolutions, incidents, resolutions, response, resolution } = accumulator;
  const resolved = accumulator.resolveMs.length;
  return {
    alerts,
    firingEpisodes,
    unmatchedResolutions,
    incidents,
    // An incident opened near the period's start by an episode that occurred just before it can leave
    // fewer episodes than incidents in the period: never below 0.
    noiseReductionPct: firingEpisodes === 0 ? null : round1(Math.min(100, Math.max(0, (1 - incidents / firingEpisodes) * 100))),
    acknowledged: accumulator.ackMs.length,
    mttaMinutes: meanMinutes(accumulator.ackMs),
    resolved,
    mttrMinutes: meanMinutes(accumulator.resolveMs),
    selfHealed: resolutions['self-healed'],
    clearedOnItsOwn: resolutions['cleared-on-its-own'],
    resolvedByPerson: resolutions['by-a-person'],
    selfHealedPct: pct(resolutions['self-healed'], resolved),
    slaResponse: { ...response, pct: pct(response.met, response.met + response.missed) },
    slaResolution: { ...resolution, pct: pct(resolution.met, resolution.met + resolution.missed) },
    inMaintenance: accumulator.inMaintenance,
  };
}

export function computeKpis(
  alerts: readonly KpiAlert[],
  incidents: readonly KpiIncident[],
  period: KpiPeriod,
  timeZone: string,
  options: KpiOptions = {},
): KpiReport {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const nowMs = (options.now ?? new Date(to)).getTime();

  const totals = emptyAccumulator();
  const days = new Map<string, Accumulator>();
  const first = parseLocalDate(localDateOf(from, timeZone));
  const last = parseLocalDate(localDateOf(to - 1, timeZone));
  for (let day = dayNumber(first.year, first.month, first.day); day <= dayNumber(last.year, last.month, last.day); day++) {
    days.set(formatLocalDate(dateOfDayNumber(day)), emptyAccumulator());
  }
  const inPeriod = (ms: number) => ms >= from && ms < to;
  const bucket = (ms: number) => days.get(localDateOf(ms, timeZone)) as Accumulator;

  for (const alert of alerts) {
    const at = Date.parse(alert.occurredAt);
    if (!inPeriod(at)) continue;
    const episode = isFiringEpisode(alert);
    const unmatched = isUnmatchedResolution(alert);
    for (const target of [totals, bucket(at)]) {
      target.alerts++;
      if (episode) target.firingEpisodes++;
      if (unmatched) target.unmatchedResolutions++;
    }
  }

  for (const incident of incidents) {
    if (incident.status === 'merged') continue;
    const opened = Date.parse(incident.openedAt);
    if (!inPeriod(opened)) continue;
    const acknowledged = parsed(incident.acknowledgedAt);
    const resolvedAt = resolvedAtOf(incident);
    const held = incident.maintenance !== undefined;
    const outcomes = slaOutcomesOf(incident, options.policy, nowMs);
    const response = outcomes.response?.outcome;
    const resolution = outcomes.resolution?.outcome;
    for (const target of [totals, bucket(opened)]) {
      target.incidents++;
      // Event time can put an acknowledgement a little before the first alert's time: never negative.
      if (acknowledged !== undefined) target.ackMs.push(Math.max(0, acknowledged - opened));
      if (resolvedAt !== undefined) {
        target.resolveMs.push(Math.max(0, resolvedAt - opened));
        target.resolutions[resolutionOf(incident)]++;
      }
      if (response) target.response[response]++;
      if (resolution) target.resolution[resolution]++;
      if (held) target.inMaintenance++;
    }
  }

  return {
    period: { from: period.from, to: period.to },
    timeZone,
    totals: row(totals),
    days: [...days].map(([date, accumulator]) => ({ date, ...row(accumulator) })),
  };
}
