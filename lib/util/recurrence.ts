import * as rruleModule from 'rrule';
import { instantOfWallTime, wallTime } from './zoned-time';

/**
 * iCalendar recurrence rules (RFC 5545 RRULE) expanded in an IANA time zone, with the `rrule` package for
 * the rule grammar and lib/util/zoned-time.ts for the zone. `rrule` is given no zone at all: it expands
 * the rule in "floating" wall time (UTC fields standing for the local clock), and each wall time is then
 * turned into an instant in the zone. So "every Sunday at 02:00 in Europe/Berlin" stays 02:00 local on
 * both sides of a DST change, and a 02:30 that does not exist on the spring-forward night moves forward
 * by the gap (03:30), as Temporal's 'compatible' disambiguation does.
 */

// rrule ships CommonJS for Node and an ES module for bundlers: esbuild (the Lambda bundles) sees named
// exports, Node's ESM loader sees only the CommonJS exports object as the default export. One access that
// works in both (read through a plain record, so the bundler does not flag a default it knows is absent).
const namespace: Record<string, unknown> = rruleModule;
const rrule = ('rrulestr' in namespace ? namespace : namespace['default']) as typeof rruleModule;

/** Frequencies a maintenance window may recur at (a rule more frequent than hourly is no window). */
const FREQUENCIES = new Set([rrule.Frequency.YEARLY, rrule.Frequency.MONTHLY, rrule.Frequency.WEEKLY, rrule.Frequency.DAILY]);

/** Why a rule cannot be used, or null when it can. */
export function recurrenceProblem(rule: string): string | null {
  if (/^\s*(DTSTART|RRULE:|EXRULE|RDATE|EXDATE)/i.test(rule) || /[\r\n]/.test(rule))
    return 'Give the rule alone (FREQ=...;...), without DTSTART, RRULE: or EXDATE lines';
  if (/TZID/i.test(rule)) return 'The time zone is given as timeZone, not in the rule';
  const syntax = syntaxProblem(rule);
  if (syntax) return syntax;
  let options: ReturnType<typeof rrule.RRule.parseString>;
  try {
    options = rrule.RRule.parseString(rule);
  } catch (error) {
    return `Not an RRULE: ${(error as Error).message}`;
  }
  if (options.freq === undefined) return 'FREQ is required';
  if (!FREQUENCIES.has(options.freq)) return 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY';
  if ((options.interval ?? 1) > 366) return 'INTERVAL is at most 366';
  if (options.until && options.count) return 'UNTIL and COUNT cannot both be given';
  return null;
}

const PARTS: Record<string, RegExp> = {
  FREQ: /^[A-Z]+$/,
  INTERVAL: /^\d{1,3}$/,
  COUNT: /^\d{1,4}$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  BYDAY: /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)(,([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU))*$/,
  BYMONTH: /^\d{1,2}(,\d{1,2})*$/,
  BYMONTHDAY: /^-?\d{1,2}(,-?\d{1,2})*$/,
  BYYEARDAY: /^-?\d{1,3}(,-?\d{1,3})*$/,
  BYWEEKNO: /^-?\d{1,2}(,-?\d{1,2})*$/,
  BYSETPOS: /^-?\d{1,3}(,-?\d{1,3})*$/,
  BYHOUR: /^\d{1,2}(,\d{1,2})*$/,
  BYMINUTE: /^\d{1,2}(,\d{1,2})*$/,
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
};

/** `rrule` passes over what it does not know (BYDAY=XX): every part is checked here first. */
function syntaxProblem(rule: string): string | null {
  const seen = new Set<string>();
  for (const part of rule.split(';')) {
    const [name = '', value = '', ...rest] = part.split('=');
    const pattern = PARTS[name.toUpperCase()];
    if (!pattern) return `Unknown or unsupported rule part "${name.slice(0, 20)}"`;
    if (rest.length > 0 || !pattern.test(value.toUpperCase())) return `${name.toUpperCase()} has an invalid value`;
    if (seen.has(name.toUpperCase())) return `${name.toUpperCase()} is given twice`;
    seen.add(name.toUpperCase());
  }
  return null;
}

/**
 * The instants the rule names in `[fromMs, toMs)`, in time order. The rule counts from `anchorMs`'s
 * local midnight in the zone: BYHOUR and BYMINUTE not given are 0, and COUNT counts from that day.
 */
export function recurrenceInstants(rule: string, timeZone: string, anchorMs: number, fromMs: number, toMs: number): number[] {
  const anchor = wallTime(anchorMs, timeZone);
  const dtstart = new Date(Date.UTC(anchor.year, anchor.month - 1, anchor.day));
  const parsed = rrule.RRule.parseString(rule);
  const expanded = new rrule.RRule({ ...parsed, dtstart, tzid: null });
  // The window in floating time, a day wider on each side for the zone's offset (at most ±14 h).
  const day = 86_400_000;
  const floating = (instant: number) => {
    const wall = wallTime(instant, timeZone);
    return new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute));
  };
  const wallTimes = expanded.between(new Date(floating(fromMs).getTime() - day), new Date(floating(toMs).getTime() + day), true);
  return wallTimes
    .map((wall) =>
      instantOfWallTime(
        {
          year: wall.getUTCFullYear(),
          month: wall.getUTCMonth() + 1,
          day: wall.getUTCDate(),
          hour: wall.getUTCHours(),
          minute: wall.getUTCMinutes(),
        },
        timeZone,
      ),
    )
    .filter((instant) => instant >= fromMs && instant < toMs)
    .sort((a, b) => a - b);
}
