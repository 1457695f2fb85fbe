import type * as z from 'zod';
import { AppError } from '../../errors';
import { json } from '../../http/http';
import { channelSettingsSchema, channelsChangeSchema, type ChannelSettings } from '../../domain/notify/channel-settings';
import {
  deleteChannelSettings,
  getChannelSettings,
  publicChannelSettings,
  putChannelSettings,
  type StoredChannelSettings,
} from '../../store/notifications';
import { targetPolicyFromEnv, urlTargetProblem } from '../../util/safe-url';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { channelSettingsResponse, tenantPathParams } from '../schemas';
import { NOTIFICATIONS_TAG, same } from './notification-shared';

/**
 * A tenant's channel settings (its Slack and Teams incoming webhooks, its signed generic webhook, its
 * email sender): the URLs and the signing secret are secrets, so every answer shows the masked view
 * (lib/store/notifications.ts `publicChannelSettings`) and the audit log only which channels are set or
 * changed, never a URL or the secret.
 */

const tag = NOTIFICATIONS_TAG;
const CHANNEL_KEYS = ['slack', 'teams', 'webhook', 'emailSender'] as const;
type ChannelKey = (typeof CHANNEL_KEYS)[number];

/** The webhook URLs a channels body sets, each with its path in the body. */
function targetUrlsOf(body: z.output<typeof channelsChangeSchema>): Array<{ path: string; url: string }> {
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
function refuseInternalTargets(body: z.output<typeof channelsChangeSchema>): void {
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

export function notificationChannelRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  /** The path's tenant, authorized for the route's action; 404 for a tenant that does not exist or is not visible. */
  const tenant = { from: 'path', mustExist: true } as const;
  const channelsView = (tenantId: string, stored: StoredChannelSettings) => ({ tenantId, ...publicChannelSettings(stored) });

  const channelsPath = '/v1/tenants/{id}/notifications/channels';

  return [
    defineRoute(
      {
        method: 'GET',
        path: channelsPath,
        summary: "A tenant's notification channels, masked",
        description: 'The webhook URLs show their origin and last 4 characters only; the signing secret is never shown (`secretSet`).',
        tag,
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        tenant,
        responses: { 200: channelSettingsResponse },
      },
      async ({ tenantId }) => json(200, channelsView(tenantId, await getChannelSettings(deps.table, tenantId))),
    ),
    defineRoute(
      {
        method: 'PUT',
        path: channelsPath,
        summary: "Change a tenant's notification channels",
        description:
          'Each channel sent replaces the stored one, `null` removes it, one left out stays as it is (a URL cannot be read back to send it again). Webhook URLs must be https to a public address, without credentials (a private, loopback, link-local or metadata address, or a name such as localhost, is refused with 422 and again after DNS when sending; the local stack alone accepts http://127.0.0.1 receivers); the signing secret is 16 to 256 characters. The answer is masked like GET; the audit entry says which channels are set or replaced, never a URL or the secret. A change that changes nothing is not audited.',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        tenant,
        body: channelsChangeSchema,
        responses: { 200: channelSettingsResponse },
        errors: { 422: 'A webhook URL points at a private, loopback, link-local or metadata address (unsafe_target)' },
        audit: { action: 'notification-channels.update', log: 'tenant' },
      },
      async ({ principal, tenantId, body, audit }) => {
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
        await audit({
          tenantId,
          resource: { type: 'notificationChannels', id: tenantId },
          summary: { before: auditView(current), after: auditView(valid, current) },
        });
        return json(200, channelsView(tenantId, written));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: channelsPath,
        summary: "Remove every notification channel of a tenant (the users' email stays, from the platform sender)",
        description: 'A tenant without channels is not changed (nor audited).',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        tenant,
        responses: { 200: channelSettingsResponse },
        audit: { action: 'notification-channels.delete', log: 'tenant' },
      },
      async ({ tenantId, audit }) => {
        const current = settingsOf(await getChannelSettings(deps.table, tenantId));
        if (!Object.keys(current).length) return json(200, channelsView(tenantId, {}));
        await deleteChannelSettings(deps.table, tenantId);
        await audit({
          tenantId,
          resource: { type: 'notificationChannels', id: tenantId },
          summary: { before: auditView(current) },
        });
        return json(200, channelsView(tenantId, {}));
      },
    ),
  ];
}
