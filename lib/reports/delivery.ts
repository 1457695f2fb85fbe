import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ulid } from 'ulid';
import * as z from 'zod';
import type { MovableTimers } from '../aws/scheduler';
import { periodParamSchema } from '../domain/report/period';
import {
  cadenceOfPeriod,
  MAX_SEND_TRIES,
  nextReportSendAt,
  reportSendAt,
  SEND_RETRY_DELAY_MS,
  type ReportDeliveryRecord,
  type ReportDeliverySettings,
  type ReportSend,
  type ReportSendTrigger,
  type WorkingDays,
} from '../domain/report/delivery';
import { isWorkingDay, type ServiceCalendar } from '../domain/sla/calendar';
import { classifySesError, ses } from '../notify/channels';
import { recordAudit, type AuditActor } from '../store/audit';
import { keyDigest } from '../store/keys';
import { getChannelSettings } from '../store/notifications';
import { claimPeriod, getPeriodSent, putReportSend, recordPeriodOutcome, reportDeliverySettings } from '../store/report-delivery';
import { slaPolicies } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { composeReportMail, type ReportMail, type ReportMailDeps } from './report-mail';

/**
 * Sending each client company its service report by e-mail (the rules in lib/domain/report/delivery.ts).
 *
 * Scheduled: one EventBridge Scheduler one-time schedule per company (`report-<tenant>`), moved rather
 * than added: set to the next send when the settings change, deleted when delivery is turned off, moved
 * on to the next period after each send, or 15 minutes on after a send SES refused (3 tries a period). It
 * invokes the reports function, which calls handleReportSchedule. A firing that repeats, comes early, is
 * for another period than the settings now plan, or comes after delivery was turned off does nothing; a
 * period goes out at most once (a conditional write claims it before the send).
 *
 * On demand: sendReportNow sends a period now, for an admin; the period then counts as sent, so its
 * scheduled send (if still to come) does not send it again.
 *
 * Every send, either way and whatever SES answered, leaves a send record and an audit entry.
 */

export interface ReportDeliveryDeps extends ReportMailDeps {
  table: TableRef;
  now: () => Date;
  /** The reports function's schedules (one per company). */
  timers: MovableTimers;
  /** The platform's sender (an SES-verified identity); a company's notification `emailSender` overrides it, as for notifications. */
  emailSender?: string;
  configurationSetName?: string;
  /** The SESv2 client (the shared one, pointed at the local SES by AWS_ENDPOINT_URL_SESV2 on the local stack). */
  ses?: () => SESv2Client;
}

// ---------------------------------------------------------------------------------------------------
// The schedule

/** What a company's schedule invokes the reports function with. */
export const reportTimerSchema = z
  .object({
    type: z.literal('report-delivery'),
    tenantId: z.string().min(1).max(64),
    period: periodParamSchema,
    /** Which try of the period's send this is (a refused send is tried again). */
    attempt: z.number().int().min(1).max(MAX_SEND_TRIES),
  })
  .strict();
export type ReportTimer = z.infer<typeof reportTimerSchema>;

/** Whether an invocation is a report schedule firing (the reports function's other invocations are HTTP). */
export function isReportTimer(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { type?: unknown }).type === 'report-delivery';
}

const SCHEDULE_NAME_MAX = 64;

/** `report-<tenant>`, stable per company; a tenant id too long for Scheduler's 64 characters is shortened with a digest. */
export function reportTimerName(tenantId: string): string {
  const name = `report-${tenantId}`;
  return name.length <= SCHEDULE_NAME_MAX ? name : `report-${tenantId.slice(0, 40)}.${keyDigest(tenantId).slice(0, 16)}`;
}

/** The company's service calendar (its SLA policy's) as the send time needs it. */
export function workingDaysOf(calendar: ServiceCalendar): WorkingDays {
  return { timeZone: calendar.timeZone, isWorkingDay: (localDate) => isWorkingDay(localDate, calendar) };
}

async function calendarOf(deps: Pick<ReportDeliveryDeps, 'table'>, tenantId: string): Promise<ServiceCalendar> {
  return (await slaPolicies.get(deps.table, tenantId)).policy.calendar;
}

/** The next scheduled send of a company's report; none when delivery is off. */
export async function nextSendOf(
  deps: Pick<ReportDeliveryDeps, 'table' | 'now'>,
  tenantId: string,
  settings: ReportDeliverySettings,
): Promise<ReportSend | undefined> {
  if (!settings.enabled) return undefined;
  return nextReportSendAt(deps.now(), settings, workingDaysOf(await calendarOf(deps, tenantId)));
}

async function arm(deps: ReportDeliveryDeps, tenantId: string, period: string, attempt: number, at: Date): Promise<void> {
  const payload: ReportTimer = { type: 'report-delivery', tenantId, period, attempt };
  await deps.timers.put({ name: reportTimerName(tenantId), at, payload });
}

/**
 * After the settings changed: the schedule set to the next send (moving a pending one, retries included:
 * the settings now say when), or deleted when delivery is off. Returns the next send.
 */
export async function applyDeliverySettings(
  deps: ReportDeliveryDeps,
  tenantId: string,
  settings: ReportDeliverySettings,
): Promise<ReportSend | undefined> {
  const next = await nextSendOf(deps, tenantId, settings);
  if (!next) {
    await deps.timers.delete(reportTimerName(tenantId));
    return undefined;
  }
  await arm(deps, tenantId, next.period, 1, next.at);
  return next;
}

// ---------------------------------------------------------------------------------------------------
// Sending

/** A send's outcome as SES gave it. */
type SendResult = { ok: true; messageId: string } | { ok: false; error: string };

async function sendMail(deps: ReportDeliveryDeps, tenantId: string, mail: ReportMail, to: string[]): Promise<SendResult> {
  const from = (await getChannelSettings(deps.table, tenantId)).emailSender ?? deps.emailSender;
  if (!from) return { ok: false, error: 'No sender address is set up (SES_SENDER)' };
  try {
    const result = await (deps.ses ?? ses)().send(
      new SendEmailCommand({
        FromEmailAddress: from,
        // Each contact sees the others: the report goes to the client's own people, together.
        Destination: { ToAddresses: to },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
            Attachments: [
              {
                FileName: mail.fileName,
                ContentType: 'application/pdf',
                ContentDisposition: 'ATTACHMENT',
                ContentTransferEncoding: 'BASE64',
                RawContent: mail.pdf,
              },
            ],
          },
        },
        ...(deps.configurationSetName ? { ConfigurationSetName: deps.configurationSetName } : {}),
      }),
    );
    return result.MessageId ? { ok: true, messageId: result.MessageId } : { ok: false, error: 'SES answered without a message id' };
  } catch (error) {
    return { ok: false, error: classifySesError(error).error ?? 'SES refused the message' };
  }
}

interface SendRequest {
  tenantId: string;
  period: string;
  trigger: ReportSendTrigger;
  attempt: number;
  /** Who asked: the admin on demand, the schedule otherwise. */
  actor: AuditActor;
  contacts: string[];
}

/** Sends the period's report and keeps the send record; the audit entry is the caller's (it knows the request). */
async function send(deps: ReportDeliveryDeps, mail: ReportMail, request: SendRequest, retryAt?: Date): Promise<ReportDeliveryRecord> {
  const result = await sendMail(deps, request.tenantId, mail, request.contacts);
  const now = deps.now();
  const record: ReportDeliveryRecord = {
    id: ulid(now.getTime()),
    tenantId: request.tenantId,
    period: request.period,
    trigger: request.trigger,
    requestedBy: request.actor.type === 'user' ? request.actor.email : request.actor.name,
    status: result.ok ? 'sent' : 'failed',
    recipients: request.contacts.length,
    attempt: request.attempt,
    ...(result.ok ? { messageId: result.messageId } : { error: result.error }),
    ...(!result.ok && retryAt ? { retryAt: retryAt.toISOString() } : {}),
    at: now.toISOString(),
  };
  await putReportSend(deps.table, record);
  return record;
}

/** The audit entry of a send: what went to how many, and what SES said. */
export function sendAuditSummary(record: ReportDeliveryRecord) {
  return {
    after: {
      period: record.period,
      trigger: record.trigger,
      status: record.status,
      recipients: record.recipients,
      attempt: record.attempt,
      ...(record.messageId ? { messageId: record.messageId } : {}),
      ...(record.error ? { error: record.error } : {}),
    },
  };
}

/**
 * Sends a period's report to the company's contacts now (an admin's "send now"): whether or not delivery
 * is scheduled, and even when the period went out already (they asked for it again). A period that is
 * over then counts as sent. The caller audits it (lib/api: with the request's who and where).
 */
export async function sendReportNow(
  deps: ReportDeliveryDeps,
  tenantId: string,
  period: string,
  actor: AuditActor & { type: 'user' },
): Promise<ReportDeliveryRecord | 'no-contacts' | 'not-started'> {
  const { policy: settings } = await reportDeliverySettings.get(deps.table, tenantId);
  if (!settings.contacts.length) return 'no-contacts';
  const mail = await composeReportMail(deps, tenantId, period);
  // A period to come has nothing to report: sending it to the client can only be a mistake.
  if (Date.parse(mail.period.from) > deps.now().getTime()) return 'not-started';
  const record = await send(deps, mail, { tenantId, period, trigger: 'on-demand', attempt: 1, actor, contacts: settings.contacts });
  // A period still running (this month so far) is not done with: its scheduled send, once it is over, still goes out.
  if (record.status === 'sent' && Date.parse(mail.period.to) <= deps.now().getTime()) {
    await recordPeriodOutcome(deps.table, tenantId, period, { status: 'sent', attempt: 1, messageId: record.messageId! }, deps.now());
  }
  return record;
}

// ---------------------------------------------------------------------------------------------------
// The schedule firing

export type ReportScheduleOutcome =
  | { action: 'sent'; period: string; messageId: string; next: { period: string; at: string } }
  | { action: 'failed'; period: string; attempt: number; error: string; next: { period: string; at: string; attempt: number } }
  | { action: 'nothing'; reason: string; rearmed?: { period: string; at: string } };

const SCHEDULE_ACTOR: AuditActor = { type: 'system', name: 'report-schedule' };
const iso = (date: Date) => date.toISOString();

/**
 * A company's schedule fired: send the period's report if it is still due now and not sent, then move
 * the schedule on (the next period, or a retry of this one when SES refused it). Anything else does
 * nothing and says why; a firing that came before its time (the calendar moved the send later) re-arms
 * the schedule at the right time.
 */
export async function handleReportSchedule(deps: ReportDeliveryDeps, event: unknown): Promise<ReportScheduleOutcome> {
  const timer = reportTimerSchema.parse(event);
  const { tenantId, period, attempt } = timer;
  const { policy: settings } = await reportDeliverySettings.get(deps.table, tenantId);
  if (!settings.enabled) return { action: 'nothing', reason: 'delivery is off' };
  if (cadenceOfPeriod(period) !== settings.cadence) return { action: 'nothing', reason: `the cadence is ${settings.cadence} now` };
  if (!settings.contacts.length) return { action: 'nothing', reason: 'no contacts' };

  const calendar = workingDaysOf(await calendarOf(deps, tenantId));
  const now = deps.now();
  const dueAt = reportSendAt(period, settings, calendar);
  if (attempt === 1 && now.getTime() < dueAt.getTime()) {
    // Not yet (the calendar or the send time changed after the schedule was set): wait for the right time.
    await arm(deps, tenantId, period, 1, dueAt);
    return { action: 'nothing', reason: 'early', rearmed: { period, at: iso(dueAt) } };
  }

  const rearmNext = async () => {
    // After this period's send time whatever the clock says: the next plan is never this period again.
    const next = nextReportSendAt(new Date(Math.max(now.getTime(), dueAt.getTime())), settings, calendar);
    await arm(deps, tenantId, next.period, 1, next.at);
    return next;
  };
  const sent = await getPeriodSent(deps.table, tenantId, period);
  if (sent && (sent.status !== 'failed' || sent.attempt >= attempt)) {
    // A repeat, or a period sent on demand already: nothing is sent. Once sent, the next period is planned (again: it is
    // idempotent); a period being sent or failed has its own next step planned by the try that claimed it.
    if (sent.status !== 'sent') return { action: 'nothing', reason: `already ${sent.status}` };
    const next = await rearmNext();
    return { action: 'nothing', reason: 'already sent', rearmed: { period: next.period, at: iso(next.at) } };
  }
  // Built before the claim: a report that cannot be built (the table busy) throws with nothing claimed, and
  // Scheduler's retry of the invocation tries again.
  const mail = await composeReportMail(deps, tenantId, period);
  if (!(await claimPeriod(deps.table, tenantId, period, attempt, now))) {
    return { action: 'nothing', reason: 'claimed by another firing' };
  }

  const retryAt = attempt < MAX_SEND_TRIES ? new Date(now.getTime() + SEND_RETRY_DELAY_MS) : undefined;
  const record = await send(
    deps,
    mail,
    { tenantId, period, trigger: 'scheduled', attempt, actor: SCHEDULE_ACTOR, contacts: settings.contacts },
    retryAt,
  );
  await recordPeriodOutcome(
    deps.table,
    tenantId,
    period,
    { status: record.status, attempt, ...(record.messageId ? { messageId: record.messageId } : {}) },
    deps.now(),
  );
  await recordAudit(deps.table, {
    at: record.at,
    tenantId,
    actor: SCHEDULE_ACTOR,
    action: 'report.send',
    resource: { type: 'report', id: period },
    summary: sendAuditSummary(record),
  });

  if (record.status === 'sent') {
    const next = await rearmNext();
    return { action: 'sent', period, messageId: record.messageId!, next: { period: next.period, at: iso(next.at) } };
  }
  if (retryAt) {
    await arm(deps, tenantId, period, attempt + 1, retryAt);
    return { action: 'failed', period, attempt, error: record.error!, next: { period, at: iso(retryAt), attempt: attempt + 1 } };
  }
  // The last try failed: the period stays failed (its records say why) and the next period is planned.
  const next = await rearmNext();
  return { action: 'failed', period, attempt, error: record.error!, next: { period: next.period, at: iso(next.at), attempt: 1 } };
}
