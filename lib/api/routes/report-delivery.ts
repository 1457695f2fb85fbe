import * as z from 'zod';
import { badRequest, conflict } from '../../errors';
import { json, zodDetails } from '../../http/http';
import {
  MAX_REPORT_CONTACTS,
  normalizedContacts,
  REPORT_CADENCES,
  REPORT_SEND_TRIGGERS,
  reportDeliverySettingsSchema,
  type ReportDeliverySettings,
} from '../../domain/report/delivery';
import { periodParamSchema } from '../../domain/report/period';
import { hhmmSchema } from '../../util/zoned-time';
import { applyDeliverySettings, nextSendOf, sendAuditSummary, sendReportNow, type ReportDeliveryDeps } from '../../reports/delivery';
import { listReportSends, reportDeliverySettings } from '../../store/report-delivery';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { checkVersion, storePolicyChange, STALE_VERSION_DOC } from '../policy-changes';
import { tenantQuery } from '../schemas';

/**
 * E-mailing a company its service report (lib/reports/delivery.ts): the delivery settings (who gets it,
 * monthly or quarterly, at what local time), sending a period now, and what was sent. The settings are
 * versioned and audited like the policies; the report itself is GET /v1/reports (its HTML is the preview).
 */

const tag = 'reports';
/** The send records shown: the last 50 (four years of monthly reports). */
const SENDS_SHOWN = 50;

const contactsRequest = z.array(z.email().max(254)).min(1).max(MAX_REPORT_CONTACTS);

const settingsChange = z
  .object({
    enabled: z.boolean().optional().describe('Send on schedule (default false)'),
    cadence: z.enum(REPORT_CADENCES).optional().describe('monthly (the month just over) or quarterly (the quarter just over)'),
    contacts: contactsRequest.optional().describe("The client's contacts the report goes to (1 to 20 addresses)"),
    sendAt: hhmmSchema.optional().describe("The local time on the service calendar's clock (default 08:00)"),
    version: z.number().int().min(0).optional().describe(STALE_VERSION_DOC),
  })
  .strict();

const nextSendView = z
  .object({ period: z.string(), at: z.iso.datetime() })
  .describe("The next scheduled send: the first working day of the next month (or quarter) at sendAt in the service calendar's time zone");

const settingsView = z
  .object({
    tenantId: z.string(),
    settings: z.object({
      enabled: z.boolean(),
      cadence: z.enum(REPORT_CADENCES),
      contacts: z.array(z.string()),
      sendAt: z.string(),
    }),
    version: z.number().int(),
    updatedAt: z.iso.datetime().optional(),
    updatedBy: z.string().optional(),
    nextSend: nextSendView.optional(),
  })
  .meta({ id: 'ReportDeliverySettings' });

const sendView = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    period: z.string(),
    trigger: z.enum(REPORT_SEND_TRIGGERS),
    requestedBy: z.string().describe('Who sent it on demand, or report-schedule'),
    status: z.enum(['sent', 'failed']),
    recipients: z.number().int(),
    attempt: z.number().int().describe('Which try of a scheduled send (a refused send is tried again in 15 minutes, 3 tries a period)'),
    messageId: z.string().optional(),
    error: z.string().optional().describe('Why SES refused it'),
    retryAt: z.iso.datetime().optional(),
    at: z.iso.datetime(),
  })
  .meta({ id: 'ReportSend' });

const sendBody = z.object({ period: periodParamSchema.describe('The month (YYYY-MM) or quarter (YYYY-Qn) to send') }).strict();

/** The stored settings with a change applied, or a 400 naming the failing fields. */
function merged(current: ReportDeliverySettings, change: z.output<typeof settingsChange>): ReportDeliverySettings {
  const { version: _version, ...fields } = change;
  const next = { ...current, ...fields, ...(fields.contacts ? { contacts: normalizedContacts(fields.contacts) } : {}) };
  const parsed = reportDeliverySettingsSchema.safeParse(next);
  if (!parsed.success) throw badRequest('The request body is not valid', zodDetails(parsed.error));
  if (parsed.data.enabled && !parsed.data.contacts.length) {
    throw badRequest('The request body is not valid', [{ path: 'contacts', message: 'Scheduled delivery needs at least one contact' }]);
  }
  return parsed.data;
}

export function reportDeliveryRoutes(context: RouteContext, delivery: Omit<ReportDeliveryDeps, 'table' | 'now'>): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const serviceDeps = (): ReportDeliveryDeps => ({ ...delivery, table: deps.table, now: deps.now });
  const declared = { tag, scope: 'tenant', query: tenantQuery, tenant: EXISTING_QUERY_TENANT } as const;

  async function view(tenantId: string) {
    const { policy: settings, version, updatedAt, updatedBy } = await reportDeliverySettings.get(deps.table, tenantId);
    const next = await nextSendOf(serviceDeps(), tenantId, settings);
    return {
      tenantId,
      settings,
      version,
      ...(updatedAt ? { updatedAt } : {}),
      ...(updatedBy ? { updatedBy } : {}),
      ...(next ? { nextSend: { period: next.period, at: next.at.toISOString() } } : {}),
    };
  }

  return [
    defineRoute(
      {
        ...declared,
        method: 'GET',
        path: '/v1/reports/delivery',
        summary: "A company's report delivery settings, and the next scheduled send",
        description: 'Off, monthly, at 08:00 and without contacts until set (version 0). `version` is what a change sends back.',
        action: 'report.read',
        responses: { 200: settingsView },
      },
      async ({ tenantId }) => json(200, await view(tenantId)),
    ),
    defineRoute(
      {
        ...declared,
        method: 'PUT',
        path: '/v1/reports/delivery',
        summary: "Change a company's report delivery settings",
        description:
          "The fields sent replace the stored ones, those left out stay. Turning delivery on needs at least one contact. The schedule follows at once: the report of the month (or quarter) just over goes out on the first working day of the next one (the SLA policy's service calendar: a weekend or holiday on the 1st moves it on) at `sendAt` on the calendar's clock; turning delivery off deletes it. Audited field by field; a change that changes nothing is not audited.",
        action: 'report.send',
        body: settingsChange,
        responses: { 200: settingsView },
        errors: { 409: 'The settings changed since the version sent: read them again' },
        audit: { action: 'report-delivery.update', log: 'tenant' },
      },
      async ({ principal, tenantId, body, audit }) => {
        const current = await reportDeliverySettings.get(deps.table, tenantId);
        checkVersion(body.version, current.version);
        const next = merged(current.policy, body);
        await storePolicyChange(audit, {
          tenantId,
          current,
          next,
          write: (settings, expected) => reportDeliverySettings.put(deps.table, tenantId, settings, principal.email, deps.now(), expected),
          type: reportDeliverySettings.entity,
        });
        await applyDeliverySettings(serviceDeps(), tenantId, next);
        return json(200, await view(tenantId));
      },
    ),
    defineRoute(
      {
        ...declared,
        method: 'POST',
        path: '/v1/reports/send',
        summary: "Send a period's report to the company's contacts now",
        description:
          "E-mails the report (the PDF attached, the headline figures in the message) to the contacts of the delivery settings, whether or not delivery is scheduled, even for a period sent before. The answer is the send record: `status` says whether SES accepted it (a refusal is recorded with SES's reason, not retried). A period that is over then counts as sent: its scheduled send, if still to come, does not send it again (a period still running is sent as it is so far, and its scheduled send still goes out). A period still to come is refused (400). Preview the report with GET /v1/reports?format=html.",
        action: 'report.send',
        body: sendBody,
        responses: { 200: sendView },
        errors: { 409: 'The delivery settings name no contacts' },
        audit: { action: 'report.send', log: 'tenant' },
      },
      async ({ principal, tenantId, body, audit }) => {
        const record = await sendReportNow(serviceDeps(), tenantId, body.period, {
          type: 'user',
          id: principal.sub,
          email: principal.email,
          role: principal.role,
        });
        if (record === 'no-contacts') throw conflict('Set the contacts the report goes to first (PUT /v1/reports/delivery)');
        if (record === 'not-started') throw badRequest('The period has not started yet', [{ path: 'period', message: 'A period to come' }]);
        await audit({ tenantId, resource: { type: 'report', id: body.period }, summary: sendAuditSummary(record) });
        return json(200, record);
      },
    ),
    defineRoute(
      {
        ...declared,
        method: 'GET',
        path: '/v1/reports/deliveries',
        summary: "The company's latest report sends (scheduled and on demand), newest first",
        description: `The last ${SENDS_SHOWN}, each with its period, how many contacts, and SES's message id or why it refused.`,
        action: 'report.read',
        responses: { 200: z.object({ deliveries: z.array(sendView) }) },
      },
      async ({ tenantId }) => json(200, { deliveries: await listReportSends(deps.table, tenantId, SENDS_SHOWN) }),
    ),
  ];
}
