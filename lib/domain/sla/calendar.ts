import * as z from 'zod';
import {
  dateOfDayNumber,
  dayNumber,
  formatLocalDate,
  hhmmSchema,
  instantOfWallTime,
  localDateOf,
  localDateSchema,
  minutesOfDay,
  parseLocalDate,
  timeZoneSchema,
} from '../../util/zoned-time';
import { WEEKDAYS, type Weekday } from '../oncall/schedule';

/**
 * A service calendar: when a contract's "business hours" run. Business hours per weekday in the
 * client's time zone, and holidays (one-off, or every year on the same date). An SLA target that runs in
 * business hours counts only the time the calendar covers: "4 business hours" from Friday 16:00 in a
 * Monday-to-Friday 08:00-18:00 calendar end on Monday at 10:00, and a public holiday on that Monday moves
 * it to Tuesday 10:00.
 *
 * Wall times are turned into instants day by day with the zone's rules (lib/util/zoned-time.ts), so
 * DST is handled the way a person on site would count: on the night clocks go forward, a range that
 * spans the skipped hour is an hour shorter; when they go back, an hour longer.
 */

/** 'HH:MM', or '24:00' for the end of the day. */
const endOfRangeSchema = z.union([hhmmSchema, z.literal('24:00')]);
const minutesOfEnd = (hhmm: string) => (hhmm === '24:00' ? 24 * 60 : minutesOfDay(hhmm));

export const businessHoursSchema = z
  .object({ from: hhmmSchema, to: endOfRangeSchema })
  .strict()
  .refine((range) => minutesOfEnd(range.to) > minutesOfDay(range.from), { message: 'A range must end after it starts', path: ['to'] });
export type BusinessHours = z.infer<typeof businessHoursSchema>;

/** A day's ranges, in order and not overlapping (at most 4: a split shift with a lunch break needs two). */
export const dayHoursSchema = z
  .array(businessHoursSchema)
  .max(4)
  .refine(
    (ranges) =>
      [...ranges]
        .sort((a, b) => minutesOfDay(a.from) - minutesOfDay(b.from))
        .every((range, index, sorted) => index === 0 || minutesOfDay(range.from) >= minutesOfEnd((sorted[index - 1] as BusinessHours).to)),
    { message: 'The ranges of a day overlap' },
  );

export const holidaySchema = z
  .object({
    date: localDateSchema,
    name: z.string().trim().min(1).max(100),
    /** Every year on the same month and day (a 29 February only in leap years); otherwise only on `date`. */
    yearly: z.boolean().default(false),
  })
  .strict();
export type Holiday = z.infer<typeof holidaySchema>;

const OFFICE_HOURS: BusinessHours[] = [{ from: '08:00', to: '18:00' }];

const DEFAULT_WEEK: Record<Weekday, BusinessHours[]> = {
  mon: OFFICE_HOURS,
  tue: OFFICE_HOURS,
  wed: OFFICE_HOURS,
  thu: OFFICE_HOURS,
  fri: OFFICE_HOURS,
  sat: [],
  sun: [],
};

const weekShape = Object.fromEntries(
  WEEKDAYS.map((weekday) => [weekday, dayHoursSchema.default(() => structuredClone(DEFAULT_WEEK[weekday]))]),
) as { [W in Weekday]: z.ZodDefault<typeof dayHoursSchema> };

export const serviceCalendarSchema = z
  .object({
    timeZone: timeZoneSchema.default('UTC'),
    /** Business hours per weekday; a day without ranges is closed. */
    week: z
      .object(weekShape)
      .strict()
      .default(() => structuredClone(DEFAULT_WEEK)),
    holidays: z.array(holidaySchema).max(200).default([]),
  })
  .strict()
  .refine((calendar) => WEEKDAYS.some((weekday) => calendar.week[weekday].length > 0), {
    message: 'A calendar needs business hours on at least one weekday',
    path: ['week'],
  });
export type ServiceCalendar = z.infer<typeof serviceCalendarSchema>;

/** Monday to Friday, 08:00 to 18:00 UTC, no holidays: the calendar until a tenant sets its own. */
export const DEFAULT_SERVICE_CALENDAR: ServiceCalendar = serviceCalendarSchema.parse({});

/** Whether the calendar's holidays include a local date. */
export function isHoliday(localDate: string, calendar: ServiceCalendar): boolean {
  const monthDay = localDate.slice(5);
  return calendar.holidays.some((holiday) => holiday.date === localDate || (holiday.yearly && holiday.date.slice(5) === monthDay));
}

function weekdayOf(localDate: string): Weekday {
  const { year, month, day } = parseLocalDate(localDate);
  const sunday0 = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return WEEKDAYS[(sunday0 + 6) % 7] as Weekday;
}

/** A day with business hours that is not a holiday. */
export function isWorkingDay(localDate: string, calendar: ServiceCalendar): boolean {
  return calendar.week[weekdayOf(localDate)].length > 0 && !isHoliday(localDate, calendar);
}

/** The business hours of one local date as [start, end) instants, in order; none on a holiday or closed day. */
export function businessIntervalsOn(localDate: string, calendar: ServiceCalendar): Array<[number, number]> {
  if (isHoliday(localDate, calendar)) return [];
  const date = parseLocalDate(localDate);
  const next = dateOfDayNumber(dayNumber(date.year, date.month, date.day) + 1);
  const at = (hhmm: string) => {
    if (hhmm === '24:00') return instantOfWallTime(next, calendar.timeZone);
    const minutes = minutesOfDay(hhmm);
    return instantOfWallTime({ ...date, hour: Math.floor(minutes / 60), minute: minutes % 60 }, calendar.timeZone);
  };
  return calendar.week[weekdayOf(localDate)]
    .map((range): [number, number] => [at(range.from), at(range.to)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
}

/** Whether an instant falls in the calendar's hours (a range of its local day, or of the day before running past midnight). */
export function isCoveredAt(instantMs: number, calendar: ServiceCalendar): boolean {
  const today = parseLocalDate(localDateOf(instantMs, calendar.timeZone));
  const number = dayNumber(today.year, today.month, today.day);
  return [number - 1, number].some((day) =>
    businessIntervalsOn(formatLocalDate(dateOfDayNumber(day)), calendar).some(([from, to]) => from <= instantMs && instantMs < to),
  );
}

/** A person's weekly hours in their time zone as a calendar without holidays: days left out are days off. */
export function weeklyCalendar(timeZone: string, hours: Partial<Record<Weekday, BusinessHours[]>>): ServiceCalendar {
  return {
    timeZone,
    week: Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, hours[weekday] ?? []])) as Record<Weekday, BusinessHours[]>,
    holidays: [],
  };
}

/**
 * How far ahead covered time is looked for: 5 years. Even a calendar of one hour a week covers a 90-day
 * SLA window of 24 x 7 hours' worth only after decades, so a deadline past this is reported as unknown
 * rather than searched for forever.
 */
const HORIZON_DAYS = 5 * 366;

/** The calendar's covered intervals from `fromMs` on, in order, the first clipped to start at `fromMs`. */
export function* coveredIntervals(fromMs: number, calendar: ServiceCalendar): Generator<[number, number]> {
  const first = parseLocalDate(localDateOf(fromMs, calendar.timeZone));
  // The day before too: a range ending at 24:00 (or after a DST shift) may still run at `fromMs`.
  const start = dayNumber(first.year, first.month, first.day) - 1;
  for (let day = start; day <= start + HORIZON_DAYS; day++) {
    for (const [from, to] of businessIntervalsOn(formatLocalDate(dateOfDayNumber(day)), calendar)) {
      if (to > fromMs) yield [Math.max(from, fromMs), to];
    }
  }
}
