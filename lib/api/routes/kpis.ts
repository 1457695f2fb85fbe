import * as z from 'zod';
import { badRequest } from '../../errors';
import { json } from '../../http/http';
import { computeKpis, kpiPeriodSchema, type KpiAlert, type KpiIncident } from '../../kpi/kpis';
import { timeZoneSchema } from '../../util/zoned-time';
import { alertsReceivedBetween, listIncidentsOpenedBetween } from '../../store/kpi-reads';
import { slaPolicies } from '../../store/sla';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { kpiReportResponse, tenantQuery } from '../schemas';

/**
 * A tenant's KPIs over a period, as docs/kpis.md defines them (lib/kpi/kpis.ts): alerts, firing
 * episodes and unmatched resolutions, incidents, noise reduction, MTTA, MTTR, how resolved incidents
 * were resolved, and SLA compliance, in total and per local day of a time zone. Default the last 7
 * days in UTC, at most MAX_PERIOD_DAYS. Needs `kpi.read`.
 */

const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_PERIOD_DAYS = 7;
export const MAX_PERIOD_DAYS = 92;
/**
 * Alerts count on the day they occurred but are stored by receipt: an alert of the period delivered
 * up to this long after its end still counts.
 */
const LATE_DELIVERY_MS = 3600 * 1000;
/** Wall-clock time the reads may take (the API function times out after 10 s, functions/catalog.ts). */
const READ_BUDGET_MS = 7_000;

/** Any ISO 8601 instant, normalized to UTC. */
const instant = z.iso
  .datetime({ offset: true })
  .max(40)
  .transform((value) => new Date(value));

const kpiQuery = tenantQuery.extend({
  from: instant.optional().describe(`Start of the period (inclusive); default ${DEFAULT_PERIOD_DAYS} days before \`to\``),
  to: instant.optional().describe('End of the period (exclusive); default now'),
  timeZone: timeZoneSchema.default('UTC').describe('The IANA time zone of the per-day rows'),
});

export function kpiRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/kpis',
        summary: "A tenant's KPIs over a period, in total and per day",
        description:
          `As docs/kpis.md defines them: alerts and firing alert episodes (by the time they occurred), incidents (by the day they opened, ` +
          `merged ones left out), noise reduction over firing episodes, MTTA (to the first acknowledgement), MTTR, resolved incidents ` +
          `by runbook (self-healed), on their own and by a person, and SLA compliance against the deadlines stored with each incident ` +
          `(else the tenant's SLA policy): response met only by a person acting in time, with the incidents resolved before their ` +
          `response was due counted apart; and the resolution notifications that matched no incident. ` +
          `Default the last ${DEFAULT_PERIOD_DAYS} days in UTC; at most ${MAX_PERIOD_DAYS} days. ` +
          `A percentage or mean with nothing to divide by is null.`,
        tag: 'kpis',
        scope: 'tenant',
        action: 'kpi.read',
        query: kpiQuery,
        tenant: { from: 'query' },
        responses: { 200: kpiReportResponse },
        errors: { 400: 'Invalid input, or a period longer than 92 days or too busy to read in time' },
      },
      async ({ tenantId, query }) => {
        const started = Date.now();
        const now = deps.now();
        const to = query.to ?? now;
        const from = query.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
        if (from.getTime() >= to.getTime()) throw badRequest('from must be before to', [{ path: 'from', message: 'not before to' }]);
        if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
          throw badRequest(`A period is at most ${MAX_PERIOD_DAYS} days`, [
            { path: 'from', message: `more than ${MAX_PERIOD_DAYS} days before to` },
          ]);
        }
        const period = kpiPeriodSchema.parse({ from: from.toISOString(), to: to.toISOString() });
        const afterPage = (_kept: number, more: boolean) => {
          if (more && Date.now() - started > READ_BUDGET_MS) {
            throw badRequest('This period has too much to read in time: ask for a shorter period', { from: period.from, to: period.to });
          }
        };
        const lastReceipt = new Date(Math.min(to.getTime() + LATE_DELIVERY_MS, Math.max(to.getTime(), now.getTime())));
        const [alerts, incidents, sla] = await Promise.all([
          alertsReceivedBetween(deps.table, tenantId, from, lastReceipt, ['occurredAt', 'status', 'correlation', 'incidentId'], {
            afterPage,
          }),
          listIncidentsOpenedBetween(deps.table, tenantId, from, to, { afterPage }),
          slaPolicies.get(deps.table, tenantId),
        ]);
        const kpiAlerts: KpiAlert[] = alerts.map((alert) => ({
          occurredAt: alert.occurredAt,
          status: alert.status,
          ...(alert.correlation !== undefined ? { correlation: alert.correlation } : {}),
          ...(alert.incidentId !== undefined ? { incidentId: alert.incidentId } : {}),
        }));
        const kpiIncidents: KpiIncident[] = incidents.map((incident) => ({
          status: incident.status,
          severity: incident.severity,
          openedAt: incident.openedAt,
          ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
          ...(incident.respondedAt ? { respondedAt: incident.respondedAt } : {}),
          ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
          ...(incident.resolvedBy ? { resolvedBy: incident.resolvedBy } : {}),
          // The deadlines the sla function stored (the tenant's policy then, pauses included); the policy now otherwise.
          ...(incident.sla
            ? { sla: { responseBy: incident.sla.responseDueAt, resolutionBy: incident.sla.resolutionDueAt, clock: incident.sla.clock } }
            : {}),
          ...(incident.maintenance ? { maintenance: { windowId: incident.maintenance.windowId } } : {}),
        }));
        const report = computeKpis(kpiAlerts, kpiIncidents, period, query.timeZone, { now, policy: sla.policy });
        return json(200, { tenantId, ...report });
      },
    ),
  ];
}
