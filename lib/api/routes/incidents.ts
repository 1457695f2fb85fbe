import * as z from 'zod';
import { authorize } from '../../auth/permissions';
import { INCIDENT_STATUSES, type Incident } from '../../domain/incident';
import { notFound } from '../../errors';
import { json } from '../../http/http';
import { getIncidentDetail, listIncidents } from '../../store/incidents';
import type { Route, RouteContext } from '../context';

const incidentListQuery = z.object({
  tenant: z.string().optional(),
  status: z.enum(INCIDENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Incidents: the list across the tenants the user may see, and one incident with its alerts and timeline. */
export function incidentRoutes({ deps, principalOf, tenantsFor }: RouteContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/incidents',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = incidentListQuery.parse(event.queryStringParameters ?? {});
        const tenantIds = await tenantsFor(principal, 'incident.read', query.tenant);
        const perTenant = await Promise.all(
          tenantIds.map((tenantId) => listIncidents(deps.table, tenantId, { status: query.status, limit: query.limit })),
        );
        const incidents = perTenant.flat().sort(byNewest).slice(0, query.limit);
        return json(200, { incidents });
      },
    },
    {
      method: 'GET',
      path: '/v1/incidents/{id}',
      handler: async (event) => {
        const principal = await principalOf(event);
        const { tenant } = z.object({ tenant: z.string().min(1) }).parse(event.queryStringParameters ?? {});
        authorize(principal, 'incident.read', tenant, 'Incident');
        const detail = await getIncidentDetail(deps.table, tenant, event.pathParameters?.id ?? '');
        if (!detail) throw notFound('Incident');
        return json(200, detail);
      },
    },
  ];
}

function byNewest(a: Incident, b: Incident): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
