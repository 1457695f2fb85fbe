import { DEFAULT_CHANNELS, DEFAULT_PAGING, type quietHoursSchema } from '../../domain/notify/preferences';
import { NOTIFICATION_KINDS } from '../../domain/notify/templates';
import { SEVERITIES } from '../../domain/alert';
import { json } from '../../http/http';
import { WEEKDAYS } from '../../domain/oncall/schedule';
import { getNotificationPreferences, preferencesInputSchema, putNotificationPreferences } from '../../store/oncall';
import { maxEntries, maxLength, reshapeInner } from '../../util/input-limits';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { notificationPreferencesResponse } from '../schemas';
import { NOTIFICATIONS_TAG, same } from './notification-shared';

/** The caller's own notification preferences (channels per kind of event, quiet hours). */

const tag = NOTIFICATIONS_TAG;

/** One's preferences as a request carries them: HH:MM bounded, a channel list per kind of notification at most (lib/domain/notify/preferences.ts). */
const preferencesRequest = preferencesInputSchema.safeExtend({
  channels: maxEntries(preferencesInputSchema.shape.channels, NOTIFICATION_KINDS.length),
  paging: maxEntries(preferencesInputSchema.shape.paging, SEVERITIES.length),
  workingHours: maxEntries(preferencesInputSchema.shape.workingHours, WEEKDAYS.length),
  quietHours: reshapeInner(preferencesInputSchema.shape.quietHours, (quiet) => {
    const hours = quiet as typeof quietHoursSchema;
    return hours.safeExtend({ from: maxLength(hours.shape.from, 5), to: maxLength(hours.shape.to, 5) });
  }),
});
export function notificationPreferenceRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  async function preferencesView(userId: string) {
    const { preferences, updatedAt } = await getNotificationPreferences(deps.table, userId);
    return { ...preferences, defaults: DEFAULT_CHANNELS, pagingDefaults: DEFAULT_PAGING, ...(updatedAt ? { updatedAt } : {}) };
  }

  const preferencesPath = '/v1/me/notification-preferences';

  return [
    defineRoute(
      {
        method: 'GET',
        path: preferencesPath,
        summary: "The caller's notification preferences",
        description: 'The channels of each kind of event (`defaults` for the kinds left out), the time zone, and quiet hours.',
        tag,
        scope: 'self',
        responses: { 200: notificationPreferencesResponse },
      },
      async ({ principal }) => json(200, await preferencesView(principal.sub)),
    ),
    defineRoute(
      {
        method: 'PUT',
        path: preferencesPath,
        summary: "Replace the caller's notification preferences",
        description:
          'Per kind of event the channels to use (`email`, `slack`, `teams`, `sms`, `voice`, `dashboard`; an empty list turns the kind off, a kind left out uses the defaults), per severity the phone channels of the paging kinds (`paging`: assignment, SLA breach, escalation; a severity left out uses `pagingDefaults`), the time zone, quiet hours during which interrupting channels wait (critical incidents never wait), and working hours per weekday (`workingHours`, in the time zone; absent: any time) that an escalation level reaching only people at work reads. The same preferences again are not audited.',
        tag,
        scope: 'self',
        body: preferencesRequest,
        responses: { 200: notificationPreferencesResponse },
        audit: { action: 'notification-preferences.update', log: 'msp' },
      },
      async ({ principal, body, audit }) => {
        const before = await getNotificationPreferences(deps.table, principal.sub);
        const { userId: _userId, ...current } = before.preferences;
        const next = preferencesInputSchema.parse(body);
        if (same(current, next)) return json(200, await preferencesView(principal.sub));
        await putNotificationPreferences(deps.table, principal.sub, next, deps.now());
        await audit({
          resource: { type: 'user', id: principal.sub },
          summary: { before: current, after: next },
        });
        return json(200, await preferencesView(principal.sub));
      },
    ),
  ];
}
