import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';
import { periodParamSchema } from './period';
import { dateOfDayNumber, dayNumber, formatLocalDate, hhmmSchema, instantOfWallTime, minutesOfDay, wallTime } from '../../util/zoned-time';

/**
 * Sending each client company its service report by e-mail: the company's delivery settings, when the
 * next report goes out, and the record each send leaves. The report itself (its figures, HTML and PDF)
 * is lib/reports'; this is only when, to whom, and what became of it.
 *
 * A report covers a whole month or quarter, so it goes out once that period is over: on the first
 * working day of the next month (or quarter) of the company's service calendar, at `sendAt` on the
 * calendar's wall clock. A 1st that falls on a weekend or a holiday moves to the next working day, so
 * the client reads it on a day someone is there to answer questions about it.
 */

export const REPORT_CADENCES = ['monthly', 'quarterly'] as const;
export type ReportCadence = (typeof REPORT_CADENCES)[number];

/** The most contacts one company's report goes to: it is a report for the client's managers, not a mailing list. */
export const MAX_REPORT_CONTACTS = 20;
/** RFC 5321's limit on a forward path: no longer address can be delivered. */
const EMAIL_MAX = 254;

const contactSchema = z.email().max(EMAIL_MAX);

/** A company's delivery settings as stored; a company that never set them has the defaults (off, no contacts). */
export interface ReportDeliverySettings {
  enabled: boolean;
  cadence: ReportCadence;
  /** The client's contacts the report is sent to (1 to 20 once enabled); lower-cased, no repeats. */
  contacts: string[];
  /** The local time it is sent at, 'HH:MM' on the service calendar's clock. */
  sendAt: string;
}

export const reportDeliverySettingsSchema = entitySchema<ReportDeliverySettings>({
  enabled: z.boolean().default(false),
  cadence: z.enum(REPORT_CADENCES).default('monthly'),
  contacts: z.array(contactSchema).max(MAX_REPORT_CONTACTS).default([]),
  sendAt: hhmmSchema.default('08:00'),
});

export const DEFAULT_REPORT_DELIVERY: ReportDeliverySettings = { enabled: false, cadence: 'monthly', contacts: [], sendAt: '08:00' };

/** The same addresses, lower-cased and each once, in the order given: a contact listed twice gets one e-mail. */
export function normalizedContacts(contacts: readonly string[]): string[] {
  return [...new Set(contacts.map((contact) => contact.trim().toLowerCase()))];
}

// ---------------------------------------------------------------------------------------------------
// Periods (named as lib/domain/report/period.ts names them: `2026-11`, `2026-Q4`)

/** The first month (1-12) of the period of `cadence` that contains `month`. */
function periodStartMonth(month: number, cadence: ReportCadence): number {
  return cadence === 'monthly' ? month : month - ((month - 1) % 3);
}

/** The name of the period of `cadence` that starts in year/month (a period's first month). */
function periodName(year: number, month: number, cadence: ReportCadence): string {
  return cadence === 'monthly' ? `${year}-${String(month).padStart(2, '0')}` : `${year}-Q${(month - 1) / 3 + 1}`;
}

/** The cadence of a period's name. */
export function cadenceOfPeriod(period: string): ReportCadence {
  return period.includes('Q') ? 'quarterly' : 'monthly';
}

/** The year and first month of a named period. */
function periodStart(period: string): { year: number; month: number } {
  const year = Number(period.slice(0, 4));
  const rest = period.slice(5);
  return { year, month: rest.startsWith('Q') ? (Number(rest.slice(1)) - 1) * 3 + 1 : Number(rest) };
}

function addMonths(at: { year: number; month: number }, months: number): { year: number; month: number } {
  const index = at.year * 12 + (at.month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

// ---------------------------------------------------------------------------------------------------
// When

/** A service calendar as the send time needs it: its time zone and which local dates are working days. */
export interface WorkingDays {
  timeZone: string;
  /** Whether a local date ('YYYY-MM-DD') is a working day (business hours, not a holiday). */
  isWorkingDay(localDate: string): boolean;
}

/**
 * How far past the 1st a working day is looked for. A calendar always has a working weekday (the
 * calendar's schema says so), but holidays could cover every one of them for a while: after two months'
 * worth of days the report goes out on the 1st's successor rather than never.
 */
const WORKING_DAY_SEARCH_DAYS = 62;

export interface ReportSend {
  /** The period the report covers: the month (or quarter) just over. */
  period: string;
  /** When it goes out. */
  at: Date;
}

/** When the report of `period` goes out: the first working day after it ends, at `sendAt` on the calendar's clock. */
export function reportSendAt(period: string, settings: Pick<ReportDeliverySettings, 'sendAt'>, calendar: WorkingDays): Date {
  const cadence = cadenceOfPeriod(period);
  const next = addMonths(periodStart(period), cadence === 'monthly' ? 1 : 3);
  const first = dayNumber(next.year, next.month, 1);
  let day = first;
  while (day < first + WORKING_DAY_SEARCH_DAYS && !calendar.isWorkingDay(formatLocalDate(dateOfDayNumber(day)))) day++;
  if (day === first + WORKING_DAY_SEARCH_DAYS) day = first;
  const minutes = minutesOfDay(settings.sendAt);
  const date = dateOfDayNumber(day);
  return new Date(instantOfWallTime({ ...date, hour: Math.floor(minutes / 60), minute: minutes % 60 }, calendar.timeZone));
}

/**
 * The next report to send after `now` (strictly): the period that ended last whose send time is still to
 * come, else the one after. On 1 December 07:00, November's report (due at 08:00) is next; at 08:00 it is
 * December's, due in January. A quarterly report is the quarter's: January sends October to December.
 */
export function nextReportSendAt(
  now: Date,
  settings: Pick<ReportDeliverySettings, 'cadence' | 'sendAt'>,
  calendar: WorkingDays,
): ReportSend {
  const local = wallTime(now.getTime(), calendar.timeZone);
  const months = settings.cadence === 'monthly' ? 1 : 3;
  // The period that contains today's local date, and the one before it: the earlier one's send may be pending still.
  const current = { year: local.year, month: periodStartMonth(local.month, settings.cadence) };
  for (let back = 1; ; back--) {
    const start = addMonths(current, -back * months);
    const period = periodName(start.year, start.month, settings.cadence);
    const at = reportSendAt(period, settings, calendar);
    if (at.getTime() > now.getTime()) return { period, at };
  }
}

// ---------------------------------------------------------------------------------------------------
// Retries

/** A send SES refused is tried again this much later, at most MAX_SEND_TRIES times in all per period. */
export const SEND_RETRY_DELAY_MS = 15 * 60_000;
export const MAX_SEND_TRIES = 3;

// ---------------------------------------------------------------------------------------------------
// What a send leaves behind

export const REPORT_SEND_TRIGGERS = ['scheduled', 'on-demand'] as const;
export type ReportSendTrigger = (typeof REPORT_SEND_TRIGGERS)[number];

/** One send of a company's report (lib/store/report-delivery.ts keeps them, newest first). */
export interface ReportDeliveryRecord {
  /** ULID (the sort key: newest first). */
  id: string;
  tenantId: string;
  period: string;
  trigger: ReportSendTrigger;
  /** The user who sent it on demand, or `system` for a scheduled send. */
  requestedBy: string;
  status: 'sent' | 'failed';
  /** How many contacts it went to (the addresses themselves stay in the settings). */
  recipients: number;
  /** Which try of the period's scheduled send this was (1 to MAX_SEND_TRIES); 1 on demand. */
  attempt: number;
  /** SES's MessageId, once sent. */
  messageId?: string;
  /** Why SES refused it (clipped). */
  error?: string;
  /** A failed scheduled send: when it is tried again (none after the last try). */
  retryAt?: string;
  at: string;
}

export const reportDeliveryRecordSchema = entitySchema<ReportDeliveryRecord>({
  id: z.string().min(1),
  tenantId: z.string().min(1),
  period: periodParamSchema,
  trigger: z.enum(REPORT_SEND_TRIGGERS),
  requestedBy: z.string().min(1),
  status: z.enum(['sent', 'failed']),
  recipients: z.number().int().min(0),
  attempt: z.number().int().min(1),
  messageId: z.string().optional(),
  error: z.string().optional(),
  retryAt: timestamp.optional(),
  at: timestamp,
});
