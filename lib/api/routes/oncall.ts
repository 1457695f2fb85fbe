import * as z from 'zod';
import { json } from '../../http/http';
import { onCallNow } from '../../store/oncall';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { onCallNowResponse, tenantQuery } from '../schemas';
import { scheduleRoutes } from './schedules';
import { technicianRoutes } from './technicians';

/**
 * On-call and routing settings through the operator API, one file per resource: who is on call now (or
 * at another instant) in the tenant's schedules (here), the schedules themselves (./schedules.ts), and
 * the tenant's technicians with their routing profiles (./technicians.ts). A tenant the caller cannot
 * see is a 404. The SLA policy and escalation chain: ./sla.ts.
 */

const oncallTag = 'oncall';

const nowQuery = tenantQuery.extend({
  at: z.iso
    .datetime({ offset: true })
    .max(40)
    .optional()
    .describe('Who is on call at this instant (ISO 8601) rather than now: the next shifts, a past night'),
});

export function oncallRoutes(context: RouteContext): Route[] {
  return [onCallNowRoute(context), ...scheduleRoutes(context), ...technicianRoutes(context)];
}

function onCallNowRoute(context: RouteContext): Route {
  const { deps } = context;
  return routeDefiner(context)(
    {
      method: 'GET',
      path: '/v1/oncall/now',
      summary: 'Who is on call now in each of the tenant schedules, and until when',
      description:
        'One entry per schedule with someone on call: an override, else the first layer covering the instant. `?at=` asks about another instant.',
      tag: oncallTag,
      scope: 'tenant',
      action: 'oncall.read',
      query: nowQuery,
      tenant: EXISTING_QUERY_TENANT,
      responses: { 200: onCallNowResponse },
    },
    async ({ tenantId, query: { at } }) => {
      const now = at ? new Date(at) : deps.now();
      const current = await onCallNow(deps.table, tenantId, now);
      return json(200, {
        tenantId,
        at: current.at,
        onCall: current.onCall.map((entry) => ({
          userId: entry.userId,
          name: entry.name,
          email: entry.email,
          schedule: entry.schedule,
          source: entry.source,
          layer: entry.layer,
          since: entry.shiftStart,
          until: entry.shiftEnd,
          reason: entry.reason,
        })),
      });
    },
  );
}
