import * as z from 'zod';

/**
 * Wall time in an IANA time zone, with nothing but `Intl.DateTimeFormat` (no date library). Used by
 * the on-call rotations (hand-offs at a local time across DST changes), quiet hours and the KPI days.
 */

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().min(1).max(64).refine(isValidTimeZone, { message: 'Not an IANA time zone' });

/** 'HH:MM', 00:00 to 23:59. */
export const hhmmSchema = z
  .string()
  .max(5)
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:MM (00:00 to 23:59)');

/** A calendar date 'YYYY-MM-DD' that exists. */
export const localDateSchema = z
  .string()
  .max(10)
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected YYYY-MM-DD')
  .refine((value) => {
    const { year, month, day } = parseLocalDate(value);
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }, 'Not a calendar date');

/** Minutes after midnight of 'HH:MM'. */
export function minutesOfDay(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

export function parseLocalDate(value: string): { year: number; month: number; day: number } {
  const [year, month, day] = value.split('-').map(Number);
  return { year: year ?? 0, month: month ?? 1, day: day ?? 1 };
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
}

/** The wall clock in `timeZone` at an instant. */
export function wallTime(instantMs: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const year = parts.year ?? 1970;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  const sunday0 = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    year,
    month,
    day,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    weekday: sunday0 === 0 ? 7 : sunday0,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Berlin in winter: +3 600 000). */
export function offsetMs(instantMs: number, timeZone: string): number {
  const wall = wallTime(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** Days since 1970-01-01 of a calendar date (a day count for calendar arithmetic, no time zone). */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** The calendar date of a day number. */
export function dateOfDayNumber(days: number): { year: number; month: number; day: number } {
  const date = new Date(days * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function formatLocalDate(date: { year: number; month: number; day: number }): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** 'YYYY-MM-DD' of an instant in a time zone. */
export function localDateOf(instantMs: number, timeZone: string): string {
  return formatLocalDate(wallTime(instantMs, timeZone));
}

/**
 * The instant a wall time in `timeZone` names, disambiguated like Temporal's 'compatible' option: a
 * wall time that occurs twice (the hour repeated when clocks go back) is its first occurrence; one
 * that does not exist (the hour skipped when clocks go forward) moves forward by the gap (02:30 on
 * the spring-forward night in Berlin is 03:30 summer time).
 */
export function instantOfWallTime(
  local: { year: number; month: number; day: number; hour?: number; minute?: number },
  timeZone: string,
): number {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour ?? 0, local.minute ?? 0);
  // The offsets on either side of any transition near this wall time.
  const before = offsetMs(asUtc - DAY_MS, timeZone);
  const after = offsetMs(asUtc + DAY_MS, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((instant) => asUtc - offsetMs(instant, timeZone) === instant)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0] as number;
  // In the gap: read the wall time with the offset in force before the transition.
  return asUtc - before;
}
