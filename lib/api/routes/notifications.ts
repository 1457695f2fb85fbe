import * as z from 'zod';
import { authorize, type Action } from '../../auth/permissions';
import type { AccessClaims } from '../../auth/tokens';
import { AppError, notFound } from '../../errors';
import { json, parseBody, type HttpEvent } from '../../http/http';
import { DEFAULT_CHANNELS, type quietHoursSchema } from '../../domain/notify/preferences';
import { NOTIFICATION_KINDS } from '../../domain/notify/templates';
import { keys } from '../../store/keys';
import { DELIVERY_STATUSES, NOTIFICATION_CHANNELS } from '../../domain/notify/delivery';
import {
  channelSettingsSchema,
  deleteChannelSettings,
  getChannelSettings,
  listNotificationDeliveries,
  publicChannelSettings,
  putChannelSettings,
  TENANT_RECIPIENT,
  type ChannelSettings,
  type StoredChannelSettings,
} from '../../store/notifications';
import { getNotificationPreferences, preferencesInputSchema, putNotificationPreferences } from '../../store/oncall';
import { getTenant } from '../../store/tenants';
import { maxEntries, maxLength, reshapeInner } from '../../util/input-limits';
import { targetPolicyFromEnv, urlTargetProblem } from '../../util/safe-url';
import { pathTenantId, decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import {
  channelSettingsResponse,
  notificationListResponse,
  notificationPreferencesResponse,
  tenantParam,
  tenantPathParams,
} from '../schemas';

/**
 * Notifications through the operator API:
 * - a tenant's channel settings (its Slack and Teams incoming webhooks, its signed generic webhook, its
 *   email sender): the URLs and the signing secret are secrets, so every answer shows the masked view
 *   (lib/store/notifications.ts `publicChannelSettings`) and the audit log only which channels are set
 *   or changed, never a URL or the secret;
 * - a tenant's delivery records (one per recipient × channel of every notification sent), newest first;
 * - the caller's own notification preferences (channels per kind of event, quiet hours).
 */

const tag = 'notifications';

/** One's preferences as a request carries them: HH:MM bounded, a channel list per kind of notification at most (lib/domain/notify/preferences.ts). */
const preferencesRequest = preferencesInputSchema.safeExtend({
  channels: maxEntries(preferencesInputSchema.shape.channels, NOTIFICATION_KINDS.length),
  quietHours: reshapeInner(preferencesInputSchema.shape.quietHours, (quiet) => {
    const hours = quiet as typeof quietHoursSchema;
    return hours.safeExtend({ from: maxLength(hours.shape.from, 5), to: maxLength(hours.shape.to, 5) });
  }),
});
const CHANNEL_KEYS = ['slack', 'teams', 'webhook', 'emailSender'] as const;
type ChannelKey = (typeof CHANNEL_KEYS)[number];

const { shape } = channelSettingsSchema;

/** Each channel: a new value replaces it, `null` removes it, leaving it out keeps it (it cannot be read back). */
const channelsBody = z.strictObject({
  slack: shape.slack.unwrap().nullable().optional().describe('`{webhookUrl}`: a Slack incoming webhook (https); null removes it'),
  teams: shape.teams.unwrap().nullable().optional().describe('`{webhookUrl}`: a Teams workflow webhook (https); null removes it'),
  webhook: shape.webhook
    .unwrap()
    .nullable()
    .optional()
    .describe('`{url, secret}`: a generic webhook signed with the secret (X-Signature); null removes it'),
  emailSender: shape.emailSender
    .unwrap()
    .nullable()
    .optional()
    .describe('An SES-verified sender for this tenant; null: the platform sender'),
});

const listQuery = z.object({
  tenant: tenantParam,
  incidentId: z.string().min(1).max(128).optional(),
  recipient: z.string().min(1).max(128).optional().describe(`A user id, or \`${TENANT_RECIPIENT}\` for the generic webhook`),
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1024).optional(),
});

/** The webhook URLs a channels body sets, each with its path in the body. */
function targetUrlsOf(body: z.output<typeof channelsBody>): Array<{ path: string; url: string }> {
  const urls = [
    { path: 'slack.webhookUrl', url: body.slack?.webhookUrl },
    { path: 'teams.webhookUrl', url: body.teams?.webhookUrl },
    { path: 'webhook.url', url: body.webhook?.url },
  ];
  return urls.filter((entry): entry is { path: string; url: string } => entry.url !== undefined);
}

/**
 * Refuses (422) webhook URLs that point inside a network (loopback, private, link-local and metadata,
 * unique-local, CGNAT... or names such as localhost and *.internal): the platform would post there
 * from inside its own network (SSRF). Judged without DNS here, so the tenant hears at once; the
 * senders check again after resolving the name, and connect only to the addresses they checked.
 * Only the URLs being set are judged: stored ones are refused when used. Details never repeat a URL.
 */
function refuseInternalTargets(body: z.output<typeof channelsBody>): void {
  const policy = targetPolicyFromEnv();
  const details = targetUrlsOf(body).flatMap(({ path, url }) => {
    const message = urlTargetProblem(url, policy);
    return message ? [{ path, message }] : [];
  });
  if (details.length) {
    throw new AppError(422, 'unsafe_target', 'A notification target URL does not point to a public internet address', details);
  }
}

/** The settings alone, without who changed them when. */
function settingsOf(stored: StoredChannelSettings): ChannelSettings {
  const { updatedAt: _at, updatedBy: _by, ...settings } = stored;
  return settings;
}

/** JSON with the object keys sorted: equal values compare equal whatever order their keys came in. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b)))
      : entry,
  );
}

const same = (a: unknown, b: unknown) => stable(a) === stable(b);

/**
 * What the audit log says about channel settings: which webhooks are set (and, after a change, which
 * were replaced), and the email sender (an address, not a secret). Never a URL or the secret.
 */
function auditView(settings: ChannelSettings, previous?: ChannelSettings): Record<string, string> {
  const view: Record<string, string> = {};
  for (const key of ['slack', 'teams', 'webhook'] as const) {
    if (settings[key] === undefined) continue;
    view[key] = previous && previous[key] !== undefined && !same(previous[key], settings[key]) ? 'replaced' : 'set';
  }
  if (settings.emailSender) view.emailSender = settings.emailSender;
  return view;
}

export function notificationRoutes({ deps, principalOf, requestTenant, audit }: RouteContext): Route[] {
  /** The signed-in user and the path's tenant, authorized for the action; 404 for a tenant that does not exist or is not visible. */
  async function pathTenant(event: HttpEvent, action: Action): Promise<{ principal: AccessClaims; tenantId: string }> {
    const principal = await principalOf(event);
    const tenantId = pathTenantId(event);
    authorize(principal, action, tenantId, 'Tenant');
    if (!(await getTenant(deps.table, tenantId))) throw notFound('Tenant');
    return { principal, tenantId };
  }

  const channelsView = (tenantId: string, stored: StoredChannelSettings) => ({ tenantId, ...publicChannelSettings(stored) });

  async function preferencesView(userId: string) {
    const { preferences, updatedAt } = await getNotificationPreferences(deps.table, userId);
    return { ...preferences, defaults: DEFAULT_CHANNELS, ...(updatedAt ? { updatedAt } : {}) };
  }

  const channelsPath = '/v1/tenants/{id}/notifications/channels';
  const preferencesPath = '/v1/me/notification-preferences';

  return [
    {
      method: 'GET',
      path: channelsPath,
      handler: async (event) => {
        const { tenantId } = await pathTenant(event, 'settings.read');
        return json(200, channelsView(tenantId, await getChannelSettings(deps.table, tenantId)));
      },
      doc: {
        summary: "A tenant's notification channels, masked",
        description: 'The webhook URLs show their origin and last 4 characters only; the signing secret is never shown (`secretSet`).',
        tag,
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        responses: { 200: channelSettingsResponse },
      },
    },
    {
      method: 'PUT',
      path: channelsPath,
      handler: async (event) => {
        const { principal, tenantId } = await pathTenant(event, 'settings.update');
        const body = parseBody(event, channelsBody);
        refuseInternalTargets(body);
        const stored = await getChannelSettings(deps.table, tenantId);
        const current = settingsOf(stored);
        const next: Record<string, unknown> = { ...current };
        for (const key of CHANNEL_KEYS) {
          const value = body[key as ChannelKey];
          if (value === null) delete next[key];
          else if (value !== undefined) next[key] = value;
        }
        const valid = channelSettingsSchema.parse(next);
        if (CHANNEL_KEYS.every((key) => same(current[key], valid[key]))) return json(200, channelsView(tenantId, stored));
        const written = await putChannelSettings(deps.table, tenantId, valid, { updatedBy: principal.email, now: deps.now() });
        await audit(event, principal, {
          tenantId,
          action: 'notification-channels.update',
          resource: { type: 'notificationChannels', id: tenantId },
          summary: { before: auditView(current), after: auditView(valid, current) },
        });
        return json(200, channelsView(tenantId, written));
      },
      doc: {
        summary: "Change a tenant's notification channels",
        description:
          'Each channel sent replaces the stored one, `null` removes it, one left out stays as it is (a URL cannot be read back to send it again). Webhook URLs must be https to a public address, without credentials (a private, loopback, link-local or metadata address, or a name such as localhost, is refused with 422 and again after DNS when sending; the local stack alone accepts http://127.0.0.1 receivers); the signing secret is 16 to 256 characters. The answer is masked like GET; the audit entry says which channels are set or replaced, never a URL or the secret. A change that changes nothing is not audited.',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        body: channelsBody,
        responses: { 200: channelSettingsResponse },
        errors: { 422: 'A webhook URL points at a private, loopback, link-local or metadata address (unsafe_target)' },
        audit: { action: 'notification-channels.update', log: 'tenant' },
      },
    },
    {
      method: 'DELETE',
      path: channelsPath,
      handler: async (event) => {
        const { principal, tenantId } = await pathTenant(event, 'settings.update');
        const current = settingsOf(await getChannelSettings(deps.table, tenantId));
        if (!Object.keys(current).length) return json(200, channelsView(tenantId, {}));
        await deleteChannelSettings(deps.table, tenantId);
        await audit(event, principal, {
          tenantId,
          action: 'notification-channels.delete',
          resource: { type: 'notificationChannels', id: tenantId },
          summary: { before: auditView(current) },
        });
        return json(200, channelsView(tenantId, {}));
      },
      doc: {
        summary: "Remove every notification channel of a tenant (the users' email stays, from the platform sender)",
        description: 'A tenant without channels is not changed (nor audited).',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        responses: { 200: channelSettingsResponse },
        audit: { action: 'notification-channels.delete', log: 'tenant' },
      },
    },
    {
      method: 'GET',
      path: '/v1/notifications',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = listQuery.parse(event.queryStringParameters ?? {});
        const tenantId = requestTenant(event, principal, 'notification.read');
        const cursor = decodeCursor(query.cursor, keys.notificationDeliveriesOf(tenantId).pk);
        const { tenant: _tenant, limit, cursor: _cursor, ...filter } = query;
        const page = await listNotificationDeliveries(deps.table, tenantId, filter, { limit, ...(cursor ? { cursor } : {}) });
        return json(200, { tenantId, deliveries: page.deliveries, ...(page.cursor ? { nextCursor: encodeCursor(page.cursor) } : {}) });
      },
      doc: {
        summary: "A tenant's notification deliveries, newest first",
        description:
          'One record per recipient × channel of every notification: delivered, failed (after its retries) or skipped (quiet hours, channel off, no address), with the attempts and the last error. Filters by incident, recipient, channel and status; cursor pages.',
        tag,
        scope: 'tenant',
        action: 'notification.read',
        query: listQuery,
        responses: { 200: notificationListResponse },
      },
    },
    {
      method: 'GET',
      path: preferencesPath,
      handler: async (event) => {
        const principal = await principalOf(event);
        return json(200, await preferencesView(principal.sub));
      },
      doc: {
        summary: "The caller's notification preferences",
        description: 'The channels of each kind of event (`defaults` for the kinds left out), the time zone, and quiet hours.',
        tag,
        scope: 'self',
        responses: { 200: notificationPreferencesResponse },
      },
    },
    {
      method: 'PUT',
      path: preferencesPath,
      handler: async (event) => {
        const principal = await principalOf(event);
        const body = parseBody(event, preferencesRequest);
        const before = await getNotificationPreferences(deps.table, principal.sub);
        const { userId: _userId, ...current } = before.preferences;
        const next = preferencesInputSchema.parse(body);
        if (same(current, next)) return json(200, await preferencesView(principal.sub));
        await putNotificationPreferences(deps.table, principal.sub, next, deps.now());
        await audit(event, principal, {
          action: 'notification-preferences.update',
          resource: { type: 'user', id: principal.sub },
          summary: { before: current, after: next },
        });
        return json(200, await preferencesView(principal.sub));
      },
      doc: {
        summary: "Replace the caller's notification preferences",
        description:
          'Per kind of event the channels to use (`email`, `slack`, `teams`, `dashboard`; an empty list turns the kind off, a kind left out uses the defaults), the time zone, and quiet hours during which interrupting channels wait (critical incidents never wait). The same preferences again are not audited.',
        tag,
        scope: 'self',
        body: preferencesRequest,
        responses: { 200: notificationPreferencesResponse },
        audit: { action: 'notification-preferences.update', log: 'msp' },
      },
    },
  ];
}
