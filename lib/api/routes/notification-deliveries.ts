import * as z from 'zod';
import { DELIVERY_STATUSES, NOTIFICATION_CHANNELS } from '../../domain/notify/delivery';
import { json } from '../../http/http';
import { keys } from '../../store/keys';
import { listNotificationDeliveries, TENANT_RECIPIENT } from '../../store/notifications';
import { decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { notificationListResponse, tenantQuery } from '../schemas';
import { NOTIFICATIONS_TAG } from './notification-shared';

/** A tenant's delivery records (one per recipient × channel of every notification sent), newest first. */

const tag = NOTIFICATIONS_TAG;

const listQuery = tenantQuery.extend({
  incidentId: z.string().min(1).max(128).optional(),
  recipient: z.string().min(1).max(128).optional().describe(`A user id, or \`${TENANT_RECIPIENT}\` for the generic webhook`),
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1024).optional(),
});

export function notificationDeliveryRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/notifications',
        summary: "A tenant's notification deliveries, newest first",
        description:
          'One record per recipient × channel of every notification: delivered, failed (after its retries) or skipped (quiet hours, channel off, no address), with the attempts and the last error. Filters by incident, recipient, channel and status; cursor pages.',
        tag,
        scope: 'tenant',
        action: 'notification.read',
        query: listQuery,
        tenant: { from: 'query' },
        responses: { 200: notificationListResponse },
      },
      async ({ tenantId, query }) => {
        const cursor = decodeCursor(query.cursor, keys.notificationDeliveriesOf(tenantId).pk);
        const { tenant: _tenant, limit, cursor: _cursor, ...filter } = query;
        const page = await listNotificationDeliveries(deps.table, tenantId, filter, { limit, ...(cursor ? { cursor } : {}) });
        return json(200, { tenantId, deliveries: page.deliveries, ...(page.cursor ? { nextCursor: encodeCursor(page.cursor) } : {}) });
      },
    ),
  ];
}
