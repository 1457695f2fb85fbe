import * as z from 'zod';
import { can } from '../../auth/permissions';
import type { Incident } from '../../domain/incident';
import { escapeHtml } from '../../domain/notify/templates';
import {
  parseSlackInteraction,
  readInstallState,
  renderSlackAppOutcome,
  verifySlackSignature,
  type SlackAppMessage,
  type SlackAppOutcome,
  type SlackInteraction,
} from '../../domain/notify/slack-app';
import { payloadTooLarge, unauthorized, unsupportedMediaType, AppError } from '../../errors';
import { acceptsHtml, header, MAX_BODY_BYTES, rawBody, type HttpEvent, type HttpResult } from '../../http/http';
import { respondToIncident, responderOf, type ResponseOutcome } from '../../incidents/respond';
import {
  chatUpdate,
  loadSlackAppConfig,
  oauthV2Access,
  postToResponseUrl,
  usersInfo,
  type SlackApiOptions,
  type SlackAppConfig,
} from '../../notify/slack-app';
import { logger } from '../../observability';
import { recordAudit } from '../../store/audit';
import { getIncident } from '../../store/sla';
import { getSlackInstallation, putSlackInstallation, putSlackMessageRef, tenantOfSlackChannel } from '../../store/slack-app';
import { getTenant } from '../../store/tenants';
import { findUserByEmail, getUser } from '../../store/users';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';

/**
 * The public side of the optional Slack app (served by the `respond` function): Slack's OAuth redirect
 * after a company admin installed the app, and the button presses of its incident messages. Neither
 * carries a token of ours: the install is tied to the admin by the signed `state`
 * (lib/domain/notify/slack-app.ts), a button press by Slack's request signature, and the person who
 * pressed is the product user with their Slack email, acting with their own permissions through the
 * shared incident action service (lib/incidents/respond.ts), audited as them.
 */

const tag = 'Slack app';

export const SLACK_CALLBACK_PATH = '/slack/oauth/callback';
const INTERACTIONS_PATH = '/slack/interactions';

export interface SlackAppRouteOptions {
  /** The app's configuration (default: `SLACK_APP_FILE` or `SLACK_APP_SECRET_ARN`, read once; undefined: not configured). */
  config?: () => Promise<SlackAppConfig | undefined>;
  /** Where the Web API is (default: `SLACK_API_URL`). */
  api?: SlackApiOptions;
}

/** The configuration read once per cold start (again after a failure rather than failing until the next one). */
export function slackAppConfigLoader(options: SlackAppRouteOptions): () => Promise<SlackAppConfig | undefined> {
  if (options.config) return options.config;
  let loaded: Promise<SlackAppConfig | undefined> | undefined;
  return () =>
    (loaded ??= loadSlackAppConfig(process.env).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}

export const slackAppNotConfigured = () => new AppError(404, 'not_found', 'Slack app not configured');

/** The OAuth redirect URL: the configured one, else this API's callback on the host the request came to. */
export function slackRedirectUri(config: SlackAppConfig, event: HttpEvent): string {
  if (config.redirectUri) return config.redirectUri;
  const host = header(event, 'host') ?? event.requestContext?.domainName ?? 'localhost';
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
  const proto = header(event, 'x-forwarded-proto') ?? (local ? 'http' : 'https');
  return `${proto === 'http' ? 'http' : 'https'}://${host}${SLACK_CALLBACK_PATH}`;
}

/** The secret the install `state` is signed with: the app's client secret (only this API and Slack know it). */
export const installStateSecret = (config: SlackAppConfig) => config.clientSecret;

/** Slack sends the installer's browser here: a page for it; an API client gets a refusal in the JSON error shape. */
function page(event: HttpEvent, statusCode: number, title: string, text: string): HttpResult {
  if (statusCode >= 400 && !acceptsHtml(event)) throw new AppError(statusCode, ERROR_CODES[statusCode] ?? 'bad_request', text);
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
    },
    body: [
      '<!DOCTYPE html>',
      `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>`,
      '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:560px;margin:48px auto;padding:0 16px;color:#111827">',
      `<h1 style="font-size:20px">${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`,
      '<p style="color:#6b7280;font-size:14px">You can close this page.</p></body></html>',
    ].join('\n'),
  };
}

const ERROR_CODES: Readonly<Record<number, string>> = { 400: 'bad_request', 403: 'forbidden', 404: 'not_found', 409: 'conflict' };

const callbackQuery = z.object({
  code: z.string().max(512).optional().describe("Slack's one-time code"),
  state: z.string().max(1024).optional().describe('The signed state of the install link'),
  error: z.string().max(200).optional().describe('Set by Slack when the installer cancelled'),
});

const VERB: Record<SlackAppOutcome['action'], string> = { acknowledge: 'acknowledge', resolve: 'resolve', escalate: 'escalate' };

export function slackAppRoutes(context: RouteContext, options: SlackAppRouteOptions = {}): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const config = slackAppConfigLoader(options);
  const api = options.api ?? {};

  async function oauthCallback(event: HttpEvent, query: z.output<typeof callbackQuery>): Promise<HttpResult> {
    const app = await config();
    if (!app) return page(event, 404, 'Slack app not configured', 'This Alert Whisperer does not offer the Slack app.');
    const now = deps.now();
    const state = readInstallState(installStateSecret(app), query.state, now);
    if (!state.ok) return page(event, 400, 'Slack was not connected', `${state.reason}.`);
    if (query.error)
      return page(event, 400, 'Slack was not connected', `Slack said: ${query.error.slice(0, 100)}. Start again from Alert Whisperer.`);
    if (!query.code) return page(event, 400, 'Slack was not connected', 'Slack gave no code: start again from Alert Whisperer.');
    const { tenantId, userId } = state.state;
    const user = await getUser(deps.table, userId);
    const installer = user ? { role: user.role, tenants: user.tenantIds } : undefined;
    if (!user || !installer || !can(installer, 'settings.update', tenantId)) {
      return page(event, 403, 'Slack was not connected', 'You may no longer change this company’s notification settings.');
    }
    const tenant = await getTenant(deps.table, tenantId);
    if (!tenant) return page(event, 400, 'Slack was not connected', 'The company no longer exists.');
    const exchanged = await oauthV2Access(query.code, slackRedirectUri(app, event), app, api);
    if (!exchanged.ok) {
      logger.warn('Slack app install: oauth.v2.access failed', { tenantId, error: exchanged.error, retryable: exchanged.retryable });
      const why = exchanged.slackError ? `Slack refused the install (${exchanged.slackError})` : 'Slack could not be reached';
      return page(event, 400, 'Slack was not connected', `${why}: start again from Alert Whisperer.`);
    }
    const { grant } = exchanged;
    if (!grant.channelId)
      return page(event, 400, 'Slack was not connected', 'No channel was picked: start again and pick the channel for incidents.');
    const installation = {
      tenantId,
      teamId: grant.teamId,
      teamName: grant.teamName,
      botUserId: grant.botUserId,
      botToken: grant.botToken,
      channelId: grant.channelId,
      channelName: grant.channelName ?? grant.channelId,
      installedBy: user.email,
      installedAt: now.toISOString(),
    };
    const stored = await putSlackInstallation(deps.table, installation);
    if (!stored.ok) {
      return page(
        event,
        409,
        'Slack was not connected',
        'That channel already receives another company’s incidents: pick another channel.',
      );
    }
    const view = (value: typeof installation) => ({
      teamId: value.teamId,
      teamName: value.teamName,
      channelId: value.channelId,
      channelName: value.channelName,
    });
    await recordAudit(deps.table, {
      at: now.toISOString(),
      tenantId,
      actor: { type: 'user', id: user.id, email: user.email, role: user.role },
      action: 'slack-app.install',
      resource: { type: 'slackApp', id: tenantId },
      summary: { ...(stored.previous ? { before: view(stored.previous) } : {}), after: view(installation) },
      ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
      ...(event.requestContext?.http?.sourceIp ? { sourceIp: event.requestContext.http.sourceIp } : {}),
      ...(header(event, 'user-agent') ? { userAgent: header(event, 'user-agent') } : {}),
    });
    return page(
      event,
      200,
      `Slack connected to ${tenant.name}`,
      `Incidents of ${tenant.name} will be posted to #${installation.channelName} in ${grant.teamName}.`,
    );
  }

  /** An ephemeral reply to whoever pressed (best effort: the button press is answered 200 either way). */
  async function tell(interaction: SlackInteraction, text: string): Promise<void> {
    if (!interaction.responseUrl) return;
    const sent = await postToResponseUrl(interaction.responseUrl, { response_type: 'ephemeral', replace_original: false, text }, api);
    if (!sent.ok) logger.warn('Slack app: the ephemeral reply failed', { error: sent.error });
  }

  /** Who did it first, by name when they are a user (`already` outcomes). */
  async function firstOf(action: SlackAppOutcome['action'], incident: Incident): Promise<SlackAppOutcome['first']> {
    const email =
      action === 'acknowledge' ? incident.acknowledgedBy : action === 'resolve' ? (incident.resolvedBy ?? undefined) : undefined;
    const at = action === 'acknowledge' ? incident.acknowledgedAt : action === 'resolve' ? incident.resolvedAt : undefined;
    if (!email) return undefined;
    const person = email.includes('@') ? await findUserByEmail(deps.table, email).catch(() => undefined) : undefined;
    return { by: person?.name ?? email, ...(at ? { at } : {}) };
  }

  /** The message as it is now: the payload's copy, or (when Slack sent none) a bare one about the incident. */
  function originalOf(interaction: SlackInteraction, incident: Incident | undefined): SlackAppMessage {
    if (interaction.message?.blocks.length) return interaction.message;
    const title = incident?.title ?? `Incident ${interaction.incidentId}`;
    return { text: title, blocks: [{ type: 'section', text: { type: 'plain_text', text: title.slice(0, 3000) } }] };
  }

  /** Updates the pressed message in place: chat.update with the bot token, else the response_url's replace_original. */
  async function update(interaction: SlackInteraction, botToken: string, message: SlackAppMessage): Promise<void> {
    const updated = await chatUpdate(botToken, { ...message, channel: interaction.channelId, ts: interaction.messageTs }, api);
    if (updated.ok) return;
    logger.warn('Slack app: chat.update failed', { error: updated.error, slackError: updated.slackError });
    if (!interaction.responseUrl) return;
    const replaced = await postToResponseUrl(
      interaction.responseUrl,
      { replace_original: true, text: message.text, blocks: message.blocks },
      api,
    );
    if (!replaced.ok) logger.warn('Slack app: replace_original failed', { error: replaced.error });
  }

  async function interact(event: HttpEvent): Promise<HttpResult> {
    const app = await config();
    if (!app) throw slackAppNotConfigured();
    const contentType = header(event, 'content-type');
    if (!contentType || !/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
      throw unsupportedMediaType(`Expected application/x-www-form-urlencoded, got ${contentType ?? 'nothing'}`);
    }
    const body = rawBody(event);
    if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
    const check = verifySlackSignature({
      signingSecret: app.signingSecret,
      timestamp: header(event, 'x-slack-request-timestamp'),
      signature: header(event, 'x-slack-signature'),
      rawBody: body,
      now: deps.now(),
    });
    if (!check.ok) throw unauthorized(check.reason);
    const parsed = parseSlackInteraction(body);
    if (!parsed.ok) {
      if (parsed.ignore) return { statusCode: 200, body: '' };
      throw new AppError(400, 'bad_request', parsed.reason);
    }
    const { interaction } = parsed;
    const { tenantId, incidentId } = interaction;
    // The button names a tenant; the channel it was pressed in must be that tenant's.
    const owner = await tenantOfSlackChannel(deps.table, interaction.teamId, interaction.channelId);
    const installation = owner === tenantId ? await getSlackInstallation(deps.table, tenantId) : undefined;
    if (!installation || installation.teamId !== interaction.teamId) {
      await tell(interaction, 'This message does not belong to a company connected to this channel.');
      return { statusCode: 200, body: '' };
    }
    const profile = await usersInfo(installation.botToken, interaction.userId, api);
    if (!profile.ok) logger.warn('Slack app: users.info failed', { error: profile.error, slackError: profile.slackError });
    const user = profile.ok && profile.email ? await findUserByEmail(deps.table, profile.email) : undefined;
    const responder = user ? await responderOf(deps.table, user.id) : null;
    if (!user || !responder) {
      await tell(interaction, 'Your Slack account is not linked to an Alert Whisperer user (no user has your Slack email).');
      return { statusCode: 200, body: '' };
    }
    const outcome: ResponseOutcome = await respondToIncident(
      { table: deps.table, correlate: context.remediation, now: deps.now },
      {
        tenantId,
        incidentId,
        action: interaction.action,
        responder,
        via: 'slack',
        origin: {
          ...(event.requestContext?.http?.sourceIp ? { sourceIp: event.requestContext.http.sourceIp } : {}),
          ...(header(event, 'user-agent') ? { userAgent: header(event, 'user-agent') } : {}),
          ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
        },
      },
    );
    if (outcome.result === 'refused' && (outcome.status !== 409 || !outcome.incident)) {
      await tell(interaction, `You could not ${VERB[interaction.action]} this incident: ${outcome.message}`);
      return { statusCode: 200, body: '' };
    }
    const incident = outcome.incident ?? (await getIncident(deps.table, tenantId, incidentId));
    const shown: SlackAppOutcome = {
      action: interaction.action,
      result: outcome.result,
      by: user.name,
      at: deps.now().toISOString(),
      ...(incident ? { status: incident.status } : {}),
      ...(outcome.result === 'already' && incident ? { first: await firstOf(interaction.action, incident) } : {}),
      ...(outcome.result === 'refused' ? { message: outcome.message } : {}),
    };
    const message = renderSlackAppOutcome(originalOf(interaction, incident), shown);
    // This message shows the incident as it is now: the update that follows the incident's event leaves it be.
    if (incident)
      await putSlackMessageRef(
        deps.table,
        tenantId,
        incidentId,
        { channel: interaction.channelId, ts: interaction.messageTs, message, shownStatus: incident.status },
        deps.now(),
      );
    await update(interaction, installation.botToken, message);
    return { statusCode: 200, body: '' };
  }

  return [
    defineRoute(
      {
        method: 'GET',
        path: SLACK_CALLBACK_PATH,
        summary: "Slack's OAuth redirect after a company admin installed the Slack app",
        description:
          'Checks the signed `state` of the install link (10 minutes), exchanges the code with oauth.v2.access and stores the installation with the channel the installer picked; answers a small HTML page. A bad or expired state, a refused code, a channel of another company are 4xx pages. The bot token is never shown.',
        tag,
        scope: 'public',
        query: callbackQuery,
        responses: { 200: z.string().describe('An HTML page') },
        errors: {
          403: 'The installer may no longer change the company settings',
          404: 'Slack app not configured',
          409: 'The channel belongs to another company',
        },
      },
      async ({ event, query }) => oauthCallback(event, query),
    ),
    defineRoute(
      {
        method: 'POST',
        path: INTERACTIONS_PATH,
        summary: "A button of the Slack app's incident messages (Slack's interactivity request URL)",
        description:
          "Slack's `block_actions` payload (form `payload=<json>`), checked with Slack's v0 request signature (5 minutes). The Slack user is the Alert Whisperer user with their Slack email; the action (acknowledge, resolve, escalate) runs with that user's permissions and is audited as them, and the message is updated in place to say who did what (or who was first). Answers 200 with no body.",
        tag,
        scope: 'public',
        responses: { 200: null },
        errors: { 401: 'Bad signature or a timestamp over 5 minutes old', 404: 'Slack app not configured' },
      },
      async ({ event }) => interact(event),
    ),
  ];
}
