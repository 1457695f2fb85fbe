import * as z from 'zod';
import type { SlaPolicy } from '../sla/policy';
import { dateOfDayNumber, dayNumber, formatLocalDate, instantOfWallTime, localDateSchema, parseLocalDate } from '../../util/zoned-time';

/**
 * The period of a client report: a calendar month (`2026-11`), a quarter (`2026-Q4`) or a custom run of
 * whole days (`from`/`to`, both included), always in the tenant's time zone, so "November" starts at the
 * client's midnight of 1 November and ends at its midnight of 1 December, whatever DST did in between.
 */

/** The longest custom period, in days (a quarter is at most 92 days too). */
export const MAX_REPORT_DAYS = 92;

export type ReportPeriodSpec =
  | { kind: 'month'; year: number; month: number }
  | { kind: 'quarter'; year: number; quarter: number }
  /** Local dates, both included. */
  | { kind: 'custom'; firstDay: string; lastDay: string };

export interface ReportPeriod {
  kind: ReportPeriodSpec['kind'];
  /** "November 2026", "Q4 2026", "2026-11-03 to 2026-11-20". */
  label: string;
  /** The first local day's midnight (ISO, UTC), included. */
  from: string;
  /** The midnight after the last local day (ISO, UTC), excluded. */
  to: string;
  /** The local dates of the first and last day, both included. */
  firstDay: string;
  lastDay: string;
  timeZone: string;
}

/** `2026-11` or `2026-Q4`. */
export const periodParamSchema = z
  .string()
  .max(7)
  .regex(/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/, 'Expected YYYY-MM (a month) or YYYY-Qn (a quarter)');

/** A local date of a custom period. */
export const periodDateSchema = localDateSchema.max(10);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/**
 * The period a request names: `period` (a month or a quarter), or `from` and `to` (dates, both included,
 * at most MAX_REPORT_DAYS). A string says what is wrong with the request instead.
 */
export function periodSpecOf(query: { period?: string; from?: string; to?: string }): ReportPeriodSpec | string {
  if (query.period !== undefined) {
    if (query.from !== undefined || query.to !== undefined) return 'Give either period, or from and to, not both';
    const [year, part] = query.period.split('-') as [string, string];
    return part.startsWith('Q')
      ? { kind: 'quarter', year: Number(year), quarter: Number(part.slice(1)) }
      : { kind: 'month', year: Number(year), month: Number(part) };
  }
  if (query.from === undefined || query.to === undefined) return 'Give period (YYYY-MM or YYYY-Qn), or from and to (YYYY-MM-DD)';
  const days = dayNumberOf(query.to) - dayNumberOf(query.from) + 1;
  if (days < 1) return 'to must not be before from';
  if (days > MAX_REPORT_DAYS) return `A custom period is at most ${MAX_REPORT_DAYS} days`;
  return { kind: 'custom', firstDay: query.from, lastDay: query.to };
}

function dayNumberOf(date: string): number {
  const { year, month, day } = parseLocalDate(date);
  return dayNumber(year, month, day);
}

const dateOf = (days: number) => formatLocalDate(dateOfDayNumber(days));

/** The first and last local date of a period. */
function daysOf(spec: ReportPeriodSpec): { firstDay: string; lastDay: string } {
  if (spec.kind === 'custom') return { firstDay: spec.firstDay, lastDay: spec.lastDay };
  const [firstMonth, months] = spec.kind === 'month' ? [spec.month, 1] : [(spec.quarter - 1) * 3 + 1, 3];
  const first = dayNumber(spec.year, firstMonth, 1);
  // Day 0 of the month after the last: the last day of the last month (December rolls into January).
  const last = dayNumber(spec.year, firstMonth + months, 1) - 1;
  return { firstDay: dateOf(first), lastDay: dateOf(last) };
}

function labelOf(spec: ReportPeriodSpec): string {
  if (spec.kind === 'month') return `${MONTHS[spec.month - 1]} ${spec.year}`;
  if (spec.kind === 'quarter') return `Q${spec.quarter} ${spec.year}`;
  return `${spec.firstDay} to ${spec.lastDay}`;
}

/** The period's instants in `timeZone`: from its first local midnight to the local midnight after its last day. */
export function periodBounds(spec: ReportPeriodSpec, timeZone: string): ReportPeriod {
  const { firstDay, lastDay } = daysOf(spec);
  const first = parseLocalDate(firstDay);
  const after = dateOfDayNumber(dayNumberOf(lastDay) + 1);
  return {
    kind: spec.kind,
    label: labelOf(spec),
    from: new Date(instantOfWallTime(first, timeZone)).toISOString(),
    to: new Date(instantOfWallTime(after, timeZone)).toISOString(),
    firstDay,
    lastDay,
    timeZone,
  };
}

/**
 * The period before, of the same kind and length: the month before (January's is December of the year
 * before), the quarter before (Q1's is Q4 of the year before), or as many days just before a custom one.
 */
export function previousPeriod(spec: ReportPeriodSpec): ReportPeriodSpec {
  if (spec.kind === 'month') {
    return spec.month === 1 ? { kind: 'month', year: spec.year - 1, month: 12 } : { kind: 'month', year: spec.year, month: spec.month - 1 };
  }
  if (spec.kind === 'quarter') {
    return spec.quarter === 1
      ? { kind: 'quarter', year: spec.year - 1, quarter: 4 }
      : { kind: 'quarter', year: spec.year, quarter: spec.quarter - 1 };
  }
  const first = dayNumberOf(spec.firstDay);
  const length = dayNumberOf(spec.lastDay) - first + 1;
  return { kind: 'custom', firstDay: dateOf(first - length), lastDay: dateOf(first - 1) };
}

/** A report's time zone: the tenant's service calendar's (its SLA policy's; UTC until the tenant sets one). */
export function reportTimeZone(policy: Pick<SlaPolicy, 'calendar'>): string {
  return policy.calendar.timeZone;
}
