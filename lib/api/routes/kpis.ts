import * as z from 'zod';
import { badRequest } from '../../errors';
import { json } from '../../http/http';
import { computeKpis } from '../../kpi/kpis';
import { readKpiInputs } from '../../kpi/read';
import { timeZoneSchema } from '../../util/zoned-time';
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
        const now = deps.now();
        const to = query.to ?? now;
        const from = query.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
        if (from.getTime() >= to.getTime()) throw badRequest('from must be before to', [{ path: 'from', message: 'not before to' }]);
        if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
          throw badRequest(`A period is at most ${MAX_PERIOD_DAYS} days`, [
            { path: 'from', message: `more than ${MAX_PERIOD_DAYS} days before to` },
          ]);
        }
        const inputs = await readKpiInputs(deps, tenantId, { from, to, now });
        const report = computeKpis(inputs.alerts, inputs.kpiIncidents, inputs.period, query.timeZone, {
          now: inputs.now,
          policy: inputs.policy,
        });
        return json(200, { tenantId, ...report });
      },
    ),
  ];
}
