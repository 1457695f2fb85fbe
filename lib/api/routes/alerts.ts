import * as z from 'zod';
import { ALERT_STATUSES, SEVERITIES } from '../../domain/alert';
import { json } from '../../http/http';
import { ALERT_CORRELATIONS, listAlerts, listUnresolvedAssetRefs } from '../../store/alerts';
import { keys } from '../../store/keys';
import { decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { alertListResponse, tenantQuery, unresolvedAssetsResponse } from '../schemas';

const alertListQuery = tenantQuery.extend({
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
export function alertRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/alerts',
        summary: "A tenant's canonical alerts, newest first",
        tag: 'alerts',
        scope: 'tenant',
        action: 'alert.read',
        query: alertListQuery,
        tenant: { from: 'query' },
        responses: { 200: alertListResponse },
      },
      async ({ tenantId, query }) => {
        const { tenant: _tenant, cursor, limit, since, ...filter } = query;
        const page = await listAlerts(
          deps.table,
          tenantId,
          { ...filter, since: since ? new Date(since) : undefined },
          { limit, cursor: decodeCursor(cursor, keys.alertsOf(tenantId).pk) },
        );
        return json(200, { alerts: page.alerts, nextCursor: page.cursor ? encodeCursor(page.cursor) : null });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/assets/unresolved',
        summary: 'Asset names in alerts that match no asset of the inventory',
        description: 'Most frequent first: add them to an asset as aliases.',
        tag: 'alerts',
        scope: 'tenant',
        // Read from the alerts (their asset names and tools), not the inventory: a client's viewer, who reads assets but not alerts, gets none.
        action: 'alert.read',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: unresolvedAssetsResponse },
      },
      async ({ tenantId }) => json(200, { unresolved: await listUnresolvedAssetRefs(deps.table, tenantId) }),
    ),
  ];
}
