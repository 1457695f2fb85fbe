import * as z from 'zod';
import { ALERT_STATUSES, SEVERITIES } from '../../domain/alert';
import { json } from '../../http/http';
import { ALERT_CORRELATIONS, listAlerts, listUnresolvedAssetRefs } from '../../store/alerts';
import { keys } from '../../store/keys';
import { decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import { alertListResponse, tenantParam, tenantQuery, unresolvedAssetsResponse } from '../schemas';

const alertListQuery = z.object({
  tenant: tenantParam,
  status: z.enum(ALERT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  source: z.string().max(64).optional(),
  assetId: z.string().max(128).optional(),
  deliveryId: z.string().max(1024).optional(),
  since: z.iso.datetime({ offset: true }).max(40).optional(),
  correlation: z
    .enum(ALERT_CORRELATIONS)
    .optional()
    .describe(
      'linked: in an incident; unmatched: a resolution whose alert or condition no incident had firing; pending: not correlated yet',
    ),
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Canonical alerts and the asset references waiting to be mapped. */
export function alertRoutes({ deps, principalOf, singleTenant }: RouteContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/alerts',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = alertListQuery.parse(event.queryStringParameters ?? {});
        const tenantId = singleTenant(principal, 'alert.read', query.tenant);
        const { tenant: _tenant, cursor, limit, since, ...filter } = query;
        const page = await listAlerts(
          deps.table,
          tenantId,
          { ...filter, since: since ? new Date(since) : undefined },
          { limit, cursor: decodeCursor(cursor, keys.alertsOf(tenantId).pk) },
        );
        return json(200, { alerts: page.alerts, nextCursor: page.cursor ? encodeCursor(page.cursor) : null });
      },
      doc: {
        summary: "A tenant's canonical alerts, newest first",
        tag: 'alerts',
        scope: 'tenant',
        action: 'alert.read',
        query: alertListQuery,
        responses: { 200: alertListResponse },
      },
    },
    {
      method: 'GET',
      path: '/v1/assets/unresolved',
      handler: async (event) => {
        const principal = await principalOf(event);
        const { tenant } = tenantQuery.parse(event.queryStringParameters ?? {});
        return json(200, { unresolved: await listUnresolvedAssetRefs(deps.table, singleTenant(principal, 'asset.read', tenant)) });
      },
      doc: {
        summary: 'Asset names in alerts that match no asset of the inventory',
        description: 'Most frequent first: add them to an asset as aliases.',
        tag: 'alerts',
        scope: 'tenant',
        action: 'asset.read',
        query: tenantQuery,
        responses: { 200: unresolvedAssetsResponse },
      },
    },
  ];
}
