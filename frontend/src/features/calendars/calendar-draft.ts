import * as z from 'zod';
import { serviceCalendarSchema } from '../../../../lib/domain/sla/calendar';
import { slaTargetSchema } from '../../../../lib/domain/sla/policy';
import type { PolicyDraft, PolicyForm } from '../policies/versioned-policy-form';
import type { Severity, SlaPolicy } from '../sla/types';

export type Weekday = keyof SlaPolicy['calendar']['week'];

/** The week as the form lists it, Monday first. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

type Coverage = SlaPolicy['targets'][Severity]['coverage'];

export interface RangeValues {
  from: string;
  /** A time input cannot hold 24:00: an end of 00:00 means midnight, the end of the day. */
  to: string;
}

export interface HolidayValues {
  date: string;
  name: string;
  yearly: boolean;
}

/**
 * The service calendar and each severity's clock as the Calendars tab edits them, named as the fields they
 * become so a message of the schema or the API lands on its input. The targets' minutes are carried as
 * they were read (the SLA tab edits them): the change names the version it is based on, so it never
 * overwrites a newer save.
 */
export interface CalendarValues {
  calendar: {
    timeZone: string;
    week: Record<Weekday, RangeValues[]>;
    holidays: HolidayValues[];
  };
  targets: Record<Severity, { responseMinutes: number; resolutionMinutes: number; coverage: Coverage }>;
}

export const newRange: RangeValues = { from: '09:00', to: '17:00' };
export const newHoliday: HolidayValues = { date: '', name: '', yearly: false };

const toInput = (to: string) => (to === '24:00' ? '00:00' : to);
const toApi = (to: string) => (to === '00:00' ? '24:00' : to);

function byWeekday<T>(make: (weekday: Weekday) => T): Record<Weekday, T> {
  return Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, make(weekday)])) as Record<Weekday, T>;
}

function calendarValuesOf(policy: SlaPolicy): CalendarValues {
  const { calendar } = policy;
  return {
    calendar: {
      timeZone: calendar.timeZone,
      week: byWeekday((weekday) => calendar.week[weekday].map((range) => ({ from: range.from, to: toInput(range.to) }))),
      holidays: calendar.holidays.map((holiday) => ({ date: holiday.date, name: holiday.name, yearly: holiday.yearly })),
    },
    targets: structuredClone(policy.targets),
  };
}

/** The change as the API checks it: the calendar by its own schema (lib/domain/sla/calendar.ts), each target by the SLA's. */
const calendarChangeSchema = z
  .object({
    calendar: serviceCalendarSchema,
    targets: z.object({
      critical: slaTargetSchema,
      high: slaTargetSchema,
      medium: slaTargetSchema,
      low: slaTargetSchema,
      info: slaTargetSchema,
    }),
  })
  .strict();

type CalendarChange = z.output<typeof calendarChangeSchema>;

function changeOf(values: CalendarValues): z.input<typeof calendarChangeSchema> {
  return {
    calendar: {
      timeZone: values.calendar.timeZone,
      week: byWeekday((weekday) => values.calendar.week[weekday].map((range) => ({ from: range.from, to: toApi(range.to) }))),
      holidays: values.calendar.holidays.map((holiday) => ({ date: holiday.date, name: holiday.name.trim(), yearly: holiday.yearly })),
    },
    targets: values.targets,
  };
}

export const calendarDraft: PolicyDraft<SlaPolicy, CalendarValues, CalendarChange> = {
  valuesOf: calendarValuesOf,
  schema: z.custom<CalendarValues>().transform(changeOf).pipe(calendarChangeSchema),
};

export type CalendarForm = PolicyForm<CalendarValues, CalendarChange>;

/** Every IANA time zone this browser knows, with the one stored (it may know it under another name). */
export function timeZoneChoices(stored: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', stored, ...known])].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}
