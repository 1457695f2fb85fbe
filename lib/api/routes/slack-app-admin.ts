import * as z from 'zod';
import { INSTALL_STATE_TTL_SECONDS, makeInstallState } from '../../domain/notify/slack-app';
import { json } from '../../http/http';
import { authRevoke, SLACK_APP_SCOPES } from '../../notify/slack-app';
import { logger } from '../../observability';
import { deleteSlackInstallation, getSlackInstallation, publicSlackInstallation } from '../../store/slack-app';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { tenantQuery } from '../schemas';
import { installStateSecret, slackAppConfigLoader, slackAppNotConfigured, slackRedirectUri, type SlackAppRouteOptions } from './slack-app';

/**
 * A company's Slack app installation, for its admins (the permissions of the notification channel
 * routes: `settings.update` to install and remove, `settings.read` to look): the install link, the
 * installation (never its bot token), and its removal (the token revoked at Slack, best effort). The
 * install itself completes on Slack's redirect (lib/api/routes/slack-app.ts), audited as the admin who
 * asked for the link. Every route answers 404 "Slack app not configured" when the MSP set up no app.
 */

const tag = 'Slack app';
const path = '/v1/integrations/slack-app';

/** Slack's consent page (not the Web API: it is where the admin's browser goes). */
const SLACK_AUTHORIZE_URL = 'https://slack.com/oauth/v2/authorize';

const installationView = z.object({
  teamId: z.string(),
  teamName: z.string(),
  botUserId: z.string(),
  channelId: z.string(),
  channelName: z.string(),
  installedBy: z.string(),
  installedAt: z.string(),
});
const installationResponse = z.object({ tenantId: z.string(), installation: installationView.nullable() });
const installLinkResponse = z.object({
  authorizeUrl: z.string().describe("Slack's consent page: open it in the admin's browser"),
  expiresAt: z.string().describe('The link works until then (10 minutes)'),
});

export function slackAppAdminRoutes(context: RouteContext, options: SlackAppRouteOptions = {}): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const config = slackAppConfigLoader(options);

  const view = async (tenantId: string) => {
    const installation = await getSlackInstallation(deps.table, tenantId);
    if (!installation) return { tenantId, installation: null };
    const { tenantId: _tenant, ...shown } = publicSlackInstallation(installation);
    return { tenantId, installation: shown };
  };

  return [
    defineRoute(
      {
        method: 'POST',
        path: `${path}/install`,
        summary: 'A link that installs the Slack app for a company',
        description:
          "Slack's consent page with the app's scopes (chat:write, users:read, users:read.email, incoming-webhook: the installer picks the channel) and a signed state naming the company and the caller, valid 10 minutes. Installing again replaces the installation.",
        tag,
        scope: 'tenant',
        action: 'settings.update',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: installLinkResponse },
        errors: { 404: 'Slack app not configured' },
      },
      async ({ event, principal, tenantId }) => {
        const app = await config();
        if (!app) throw slackAppNotConfigured();
        const exp = Math.floor(deps.now().getTime() / 1000) + INSTALL_STATE_TTL_SECONDS;
        const state = makeInstallState(installStateSecret(app), { tenantId, userId: principal.sub, exp });
        const url = new URL(SLACK_AUTHORIZE_URL);
        url.search = new URLSearchParams({
          client_id: app.clientId,
          scope: SLACK_APP_SCOPES.join(','),
          redirect_uri: slackRedirectUri(app, event),
          state,
        }).toString();
        return json(200, { authorizeUrl: url.toString(), expiresAt: new Date(exp * 1000).toISOString() });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path,
        summary: "A company's Slack app installation (without its token)",
        tag,
        scope: 'tenant',
        action: 'settings.read',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: installationResponse },
        errors: { 404: 'Slack app not configured' },
      },
      async ({ tenantId }) => {
        if (!(await config())) throw slackAppNotConfigured();
        return json(200, await view(tenantId));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path,
        summary: "Remove a company's Slack app installation",
        description:
          'Incident messages go to the incoming webhook again (if the company has one). The bot token is revoked at Slack (best effort). Removing none changes nothing and is not audited.',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: installationResponse },
        errors: { 404: 'Slack app not configured' },
        audit: { action: 'slack-app.uninstall', log: 'tenant' },
      },
      async ({ tenantId, audit }) => {
        if (!(await config())) throw slackAppNotConfigured();
        const removed = await deleteSlackInstallation(deps.table, tenantId);
        if (!removed) return json(200, { tenantId, installation: null });
        const revoked = await authRevoke(removed.botToken, options.api ?? {});
        if (!revoked.ok) logger.warn('Slack app: auth.revoke failed after the uninstall', { tenantId, error: revoked.error });
        await audit({
          tenantId,
          resource: { type: 'slackApp', id: tenantId },
          summary: {
            before: { teamId: removed.teamId, teamName: removed.teamName, channelId: removed.channelId, channelName: removed.channelName },
          },
        });
        return json(200, { tenantId, installation: null });
      },
    ),
  ];
}
