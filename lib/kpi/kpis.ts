import * as z from 'zod';
import type { Severity } from '../domain/alert';
import type { IncidentStatus } from '../domain/incident';
import { dayNumber, dateOfDayNumber, formatLocalDate, localDateOf, parseLocalDate, timeZoneSchema } from '../oncall/zoned-time';
import { deadlinesFor, type SlaClock, type SlaPolicy } from '../sla/policy';

/**
 * KPIs of a tenant over a period, in total and per local day of a time zone:
 * alerts, incidents, noise reduction, MTTA, MTTR, self-healed share and SLA compliance.
 *
 * Alerts count on the day they occurred (event time, as correlation uses), incidents on the day they
 * opened; an incident's acknowledgement, resolution and SLA outcome count with its opening day, so a
 * day's row describes the incidents of that day. Merged incidents (absorbed by another) are not
 * counted. Percentages and minutes are rounded to one decimal; a ratio with nothing to divide by is
 * null, not 0.
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

export const kpiQuerySchema = z.object({ period: kpiPeriodSchema, timeZone: timeZoneSchema.default('UTC') }).strict();

export interface KpiAlert {
  occurredAt: string;
}

/** The incident fields KPIs read (lib/domain/incident), with its SLA deadlines when they were stored. */
export interface KpiIncident {
  status: IncidentStatus;
  severity?: Severity;
  openedAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  resolutionCode?: string;
  resolvedBy?: string;
  /** Deadlines as computed when the incident was handled; computed from `options.policy` when absent. */
  sla?: { responseBy?: string | null; resolutionBy?: string | null; clock?: SlaClock };
}

export interface SlaCompliance {
  met: number;
  missed: number;
  /** met / (met + missed); incidents whose deadline is still ahead are not counted yet. */
  pct: number | null;
}

export interface KpiRow {
  alerts: number;
  incidents: number;
  /** 1 - incidents / alerts, as a percentage (0 to 100). */
  noiseReductionPct: number | null;
  acknowledged: number;
  /** Mean time from opening to acknowledgement. */
  mttaMinutes: number | null;
  resolved: number;
  /** Mean time from opening to resolution. */
  mttrMinutes: number | null;
  selfHealed: number;
  /** Share of the resolved incidents that healed without a technician. */
  selfHealedPct: number | null;
  slaResponse: SlaCompliance;
  slaResolution: SlaCompliance;
}

export interface KpiReport {
  period: KpiPeriod;
  timeZone: string;
  totals: KpiRow;
  /** Every local day the period touches, in order, empty days included. */
  days: Array<KpiRow & { date: string }>;
}

const AUTOMATION_ACTOR = /^(automation|system|runbook|remediation)(:|$)/i;

/**
 * Healed without a technician: resolved with the code 'self-healed', resolved by an automated actor
 * (a runbook execution), or resolved by correlation itself when all its alerts cleared (no actor).
 */
export function isSelfHealed(incident: KpiIncident): boolean {
  if (incident.resolutionCode === 'self-healed') return true;
  if (!incident.resolvedBy) return true;
  return AUTOMATION_ACTOR.test(incident.resolvedBy);
}

export interface KpiOptions {
  /** Deadlines still ahead of `now` are pending (defaults to the end of the period). */
  now?: Date;
  /** Computes deadlines for incidents that carry none. */
  policy?: SlaPolicy;
  isSelfHealed?: (incident: KpiIncident) => boolean;
}

interface Accumulator {
  alerts: number;
  incidents: number;
  ackMs: number[];
  resolveMs: number[];
  selfHealed: number;
  response: { met: number; missed: number };
  resolution: { met: number; missed: number };
}

const emptyAccumulator = (): Accumulator => ({
  alerts: 0,
  incidents: 0,
  ackMs: [],
  resolveMs: [],
  selfHealed: 0,
  response: { met: 0, missed: 0 },
  resolution: { met: 0, missed: 0 },
});

const round1 = (value: number) => Math.round(value * 10) / 10;
const pct = (part: number, whole: number) => (whole === 0 ? null : round1((part / whole) * 100));
const meanMinutes = (values: number[]) =>
  values.length === 0 ? null : round1(values.reduce((sum, value) => sum + value, 0) / values.length / MINUTE_MS);

function row(accumulator: Accumulator): KpiRow {
  const { alerts, incidents } = accumulator;
  const compliance = ({ met, missed }: { met: number; missed: number }): SlaCompliance => ({ met, missed, pct: pct(met, met + missed) });
  return {
    alerts,
    incidents,
    noiseReductionPct: alerts === 0 ? null : round1(Math.min(100, Math.max(0, (1 - incidents / alerts) * 100))),
    acknowledged: accumulator.ackMs.length,
    mttaMinutes: meanMinutes(accumulator.ackMs),
    resolved: accumulator.resolveMs.length,
    mttrMinutes: meanMinutes(accumulator.resolveMs),
    selfHealed: accumulator.selfHealed,
    selfHealedPct: pct(accumulator.selfHealed, accumulator.resolveMs.length),
    slaResponse: compliance(accumulator.response),
    slaResolution: compliance(accumulator.resolution),
  };
}

/** 'met', 'missed', or undefined (no deadline, or one still ahead and not reached). */
function outcome(deadline: string | null | undefined, doneAt: number | undefined, nowMs: number): 'met' | 'missed' | undefined {
  if (!deadline) return undefined;
  const due = Date.parse(deadline);
  if (doneAt !== undefined) return doneAt <= due ? 'met' : 'missed';
  return nowMs > due ? 'missed' : undefined;
}

const parsed = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

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
  const selfHealed = options.isSelfHealed ?? isSelfHealed;

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
    totals.alerts++;
    bucket(at).alerts++;
  }

  for (const incident of incidents) {
    if (incident.status === 'merged') continue;
    const opened = Date.parse(incident.openedAt);
    if (!inPeriod(opened)) continue;
    const day = bucket(opened);
    const targets = [totals, day];
    const acknowledged = parsed(incident.acknowledgedAt);
    const resolved = incident.status === 'resolved' ? parsed(incident.resolvedAt) : undefined;
    const computed =
      options.policy && incident.severity && (incident.sla?.responseBy === undefined || incident.sla?.resolutionBy === undefined)
        ? deadlinesFor(
            { severity: incident.severity, openedAt: incident.openedAt, ...(incident.sla?.clock ? { clock: incident.sla.clock } : {}) },
            options.policy,
          )
        : undefined;
    const responseBy = incident.sla?.responseBy !== undefined ? incident.sla.responseBy : computed?.responseBy;
    const resolutionBy = incident.sla?.resolutionBy !== undefined ? incident.sla.resolutionBy : computed?.resolutionBy;
    // Resolving an incident before anyone acknowledged it answers it too.
    const respondedAt = [acknowledged, resolved].filter((value): value is number => value !== undefined).sort((a, b) => a - b)[0];
    const response = outcome(responseBy, respondedAt, nowMs);
    const resolution = outcome(resolutionBy, resolved, nowMs);
    for (const target of targets) {
      target.incidents++;
      // Event time can put an acknowledgement a little before the first alert's time: never negative.
      if (acknowledged !== undefined) target.ackMs.push(Math.max(0, acknowledged - opened));
      if (resolved !== undefined) {
        target.resolveMs.push(Math.max(0, resolved - opened));
        if (selfHealed(incident)) target.selfHealed++;
      }
      if (response) target.response[response]++;
      if (resolution) target.resolution[resolution]++;
    }
  }

  return {
    period: { from: period.from, to: period.to },
    timeZone,
    totals: row(totals),
    days: [...days].map(([date, accumulator]) => ({ date, ...row(accumulator) })),
  };
}
