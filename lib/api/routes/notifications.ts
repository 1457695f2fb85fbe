import type { Route, RouteContext } from '../context';
import { notificationChannelRoutes } from './notification-channels';
import { notificationDeliveryRoutes } from './notification-deliveries';
import { notificationPreferenceRoutes } from './notification-preferences';

/**
 * Notifications through the operator API, one file per resource: a tenant's channel settings
 * (./notification-channels.ts), a tenant's delivery records (./notification-deliveries.ts), and the
 * caller's own preferences (./notification-preferences.ts).
 */
export function notificationRoutes(context: RouteContext): Route[] {
  return [...notificationChannelRoutes(context), ...notificationDeliveryRoutes(context), ...notificationPreferenceRoutes(context)];
}
