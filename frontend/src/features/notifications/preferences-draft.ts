import * as z from 'zod';
import { WEEKDAYS } from '../../../../lib/domain/oncall/schedule';
import { hhmmSchema, timeZoneSchema } from '../../../../lib/util/zoned-time';
import { SEVERITY_LABELS, type PhoneChannel, type Severity, type UserChannel, type Weekday } from './choices';
import type { PreferencesChange } from './hooks';

/** The preferences as the API answers them: each kind's channels, the defaults of the kinds left out. */
export interface Preferences {
  channels: Record<string, UserChannel[]>;
  defaults: Record<string, UserChannel[]>;
  quietHours?: { days?: Weekday[]; from: string; to: string };
  workingHours?: Partial<Record<Weekday, HoursRange[]>>;
  timeZone: string;
  /** Per severity, the phone channels of the paging kinds; `pagingDefaults` for the severities left out. */
  paging: Partial<Record<Severity, PhoneChannel[]>>;
  pagingDefaults: Partial<Record<Severity, PhoneChannel[]>>;
  updatedAt?: string;
}

interface HoursRange {
  from: string;
  to: string;
}

/** One weekday of the working hours as the form edits it: its first range; any further ones (set through the API) kept as they are. */
export interface WorkingDayDraft {
  on: boolean;
  from: string;
  to: string;
  more: HoursRange[];
}

/** Every kind with its channels (the defaults spelled out), and quiet hours kept while switched off. */
export interface PreferencesDraft {
  channels: Record<string, UserChannel[]>;
  /** Every severity with its phone channels (the defaults spelled out). */
  paging: Record<Severity, PhoneChannel[]>;
  timeZone: string;
  quiet: boolean;
  quietHours: { from: string; to: string; days: Weekday[] };
  /** Whether the working hours apply (escalation levels that reach only people at work read them). */
  working: boolean;
  workingHours: Record<Weekday, WorkingDayDraft>;
}

function workingDayOf(ranges: HoursRange[] | undefined, weekday: Weekday, anySet: boolean): WorkingDayDraft {
  const [first, ...more] = ranges ?? [];
  // Nothing set yet: office hours on weekdays, ready to switch on.
  const office = !anySet && weekday !== 'sat' && weekday !== 'sun';
  return { on: Boolean(first) || office, from: first?.from ?? '09:00', to: first?.to ?? '17:00', more };
}

export function preferencesDraftOf(data: Preferences): PreferencesDraft {
  return {
    channels: Object.fromEntries(Object.keys(data.defaults).map((kind) => [kind, data.channels[kind] ?? data.defaults[kind] ?? []])),
    paging: Object.fromEntries(
      SEVERITY_LABELS.map(({ value }) => [value, data.paging[value] ?? data.pagingDefaults[value] ?? []]),
    ) as Record<Severity, PhoneChannel[]>,
    timeZone: data.timeZone,
    quiet: Boolean(data.quietHours),
    quietHours: {
      from: data.quietHours?.from ?? '22:00',
      to: data.quietHours?.to ?? '07:00',
      days: data.quietHours?.days ?? [...WEEKDAYS],
    },
    working: Boolean(data.workingHours),
    workingHours: Object.fromEntries(
      WEEKDAYS.map((weekday) => [weekday, workingDayOf(data.workingHours?.[weekday], weekday, Boolean(data.workingHours))]),
    ) as Record<Weekday, WorkingDayDraft>,
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}

/** The body: only the kinds and severities that differ from their defaults, quiet hours only when on, days only when not all seven. */
export function preferencesChangeOf(
  draft: PreferencesDraft,
  defaults: Preferences['defaults'],
  pagingDefaults: Preferences['pagingDefaults'] = {},
): PreferencesChange {
  const { from, to, days } = draft.quietHours;
  const changed = Object.fromEntries(
    Object.keys(defaults)
      .filter((kind) => !sameSet(draft.channels[kind] ?? [], defaults[kind] ?? []))
      .map((kind) => [kind, draft.channels[kind] ?? []]),
  );
  const paging = Object.fromEntries(
    SEVERITY_LABELS.map(({ value }) => value)
      .filter((severity) => !sameSet(draft.paging[severity] ?? [], pagingDefaults[severity] ?? []))
      .map((severity) => [severity, draft.paging[severity] ?? []]),
  );
  return {
    channels: changed,
    paging,
    timeZone: draft.timeZone.trim(),
    ...(draft.quiet ? { quietHours: { from, to, ...(days.length === 7 ? {} : { days }) } } : {}),
    ...(draft.working
      ? {
          workingHours: Object.fromEntries(
            WEEKDAYS.flatMap((weekday) => {
              const day = draft.workingHours[weekday];
              return day.on ? [[weekday, [{ from: day.from, to: day.to }, ...day.more]]] : [];
            }),
          ),
        }
      : {}),
  };
}

/**
 * The time zone and quiet hours as PUT /v1/me/notification-preferences checks them. The API's schema lives in
 * lib/domain/notify/preferences.ts beside the delivery rules, whose templates sign with node:crypto, so it is rebuilt
 * here from the same pure parts (zoned time's HH:MM and time zone schemas, the on-call weekdays) with the same
 * message. The channels need no check: they are checkboxes of the API's own kinds and channels.
 */
const preferencesRequestSchema = z.object({
  timeZone: timeZoneSchema,
  quietHours: z
    .object({
      from: hhmmSchema,
      to: hhmmSchema,
      days: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
    })
    .refine((quiet) => quiet.from !== quiet.to, { message: 'Quiet hours need a start and an end that differ', path: ['to'] })
    .optional(),
  // A day's range must end after it starts (the API's rule; the form has no 24:00).
  workingHours: z
    .partialRecord(
      z.enum(WEEKDAYS),
      z.array(
        z
          .object({ from: hhmmSchema, to: hhmmSchema })
          .refine((range) => range.to > range.from, { message: 'Must end after it starts', path: ['to'] }),
      ),
    )
    .optional(),
});

/** The form's values checked as the body they become. */
export function preferencesFormSchema(defaults: Preferences['defaults']) {
  return z
    .custom<PreferencesDraft>()
    .transform((draft) => preferencesChangeOf(draft, defaults))
    .pipe(preferencesRequestSchema);
}
