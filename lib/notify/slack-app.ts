import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import type { SlackAppMessage } from '../domain/notify/slack-app';
import { isRetryable } from '../domain/notify/preferences';
import { traced } from '../observability';
import { HTTP_TIMEOUT_MS, parseRetryAfter, withoutUrls, type DeliveryAttempt, type Sender } from './channels';

/**
 * A tiny client of the Slack Web API for the optional Slack app (lib/domain/notify/slack-app.ts):
 * oauth.v2.access (the install), chat.postMessage and chat.update (the incident message and its update
 * in place), users.info (who pressed a button, by email), auth.revoke (uninstall), and the
 * interaction's response_url. Each call is one POST with a 5 s deadline (the answer's body included),
 * no redirect followed, to `SLACK_API_URL` (default https://slack.com/api; tests point it at a
 * loopback fake). The base URL is the operator's configuration, never a tenant's input.
 *
 * Slack answers HTTP 200 with `{"ok": false, "error": "..."}` for most failures: those are mapped to
 * DeliveryAttempt-style results like lib/notify/channels.ts's senders (a rate limit, HTTP 429 with
 * Retry-After or `ratelimited`, and Slack's own outages are worth another try; a revoked token, a
 * channel the bot cannot post to, are final). Nothing here throws for Slack's answers or the network.
 * A bot token is a secret: never logged, never in a result or an error text.
 */

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api';

/** The scopes the install asks for: post and update messages, read who pressed a button (with their email), pick the channel. */
export const SLACK_APP_SCOPES = ['chat:write', 'users:read', 'users:read.email', 'incoming-webhook'] as const;

export interface SlackApiOptions {
  /** Default: `SLACK_API_URL`, else https://slack.com/api (read per call). */
  baseUrl?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** A call Slack refused, or that did not get an answer. */
export type SlackFailure = DeliveryAttempt & { ok: false; /** Slack's `error` code, when it gave one. */ slackError?: string };
export type SlackResult<T> = ({ ok: true; status: number } & T) | SlackFailure;

/**
 * Errors Slack gives that another try may cure. Every other error is final: it needs someone to act
 * first (`invalid_auth`, `token_revoked`, `account_inactive`: reinstall; `channel_not_found`,
 * `not_in_channel`, `is_archived`: invite the bot or pick another channel; `invalid_blocks`,
 * `msg_too_long`, `invalid_code`, `bad_redirect_uri`...).
 */
const RETRYABLE_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);
export function slackApiUrl(env: Record<string, string | undefined> = process.env): string {
  return (env.SLACK_API_URL?.trim() || DEFAULT_SLACK_API_URL).replace(/\/+$/, '');
}

const clip = (text: string, max = 300) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

type Body = { json: unknown } | { form: Record<string, string> };

function failure(error: string, retryable: boolean, extra: Partial<SlackFailure> = {}): SlackFailure {
  return { ok: false, retryable, error: clip(withoutUrls(error)), ...extra };
}

/** One POST to Slack; the parsed JSON answer when it says `ok: true`. */
async function post(
  url: string,
  body: Body,
  headers: Record<string, string>,
  options: SlackApiOptions,
  what: string,
): Promise<{ ok: true; status: number; data: Record<string, unknown> } | SlackFailure> {
  const timeoutMs = options.timeoutMs ?? HTTP_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'user-agent': 'AlertWhisperer-Slack/1',
        'content-type': 'json' in body ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: 'json' in body ? JSON.stringify(body.json) : new URLSearchParams(body.form).toString(),
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return failure(`${what}: no answer within ${timeoutMs / 1000} s (timed out)`, true);
    const cause = (error as { cause?: { code?: string } })?.cause?.code;
    return failure(`${what}: request failed: ${cause ?? (error as Error)?.message ?? String(error)}`, true);
  }
  const retryAfterSeconds = parseRetryAfter(retryAfter, now());
  const wait = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (status !== 200) {
    const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    return failure(`${what}: Slack answered HTTP ${status}${redirect}`, isRetryable({ status }), { status, ...wait });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // response_url answers a plain `ok`.
    if (text.trim() === 'ok') return { ok: true, status, data: {} };
    return failure(`${what}: Slack answered HTTP 200 without JSON`, false, { status });
  }
  if (!data || typeof data !== 'object') return failure(`${what}: Slack answered HTTP 200 without an object`, false, { status });
  const record = data as Record<string, unknown>;
  if (record.ok === true) return { ok: true, status, data: record };
  const slackError = typeof record.error === 'string' ? record.error.slice(0, 100) : 'unknown_error';
  return failure(`${what}: Slack answered ${slackError}`, RETRYABLE_ERRORS.has(slackError), { status, slackError, ...wait });
}

/** A Web API method called with a bot token (never logged: only the header carries it). */
function callMethod(method: string, token: string, body: Body, options: SlackApiOptions) {
  return post(`${options.baseUrl ?? slackApiUrl()}/${method}`, body, { authorization: `Bearer ${token}` }, options, method);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const obj = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});

// ---------------------------------------------------------------------------------------------------
// oauth.v2.access

export interface SlackAppCredentials {
  clientId: string;
  clientSecret: string;
}

/** What an install grants: the workspace, the bot and its token, and the channel the installer picked. */
export interface SlackInstallGrant {
  teamId: string;
  teamName: string;
  botUserId: string;
  /** A secret. */
  botToken: string;
  scope: string;
  /** The channel picked on Slack's consent screen (the incoming-webhook scope asks for one). */
  channelId?: string;
  channelName?: string;
}

/** Exchanges the install's code for the bot token (client id and secret sent as the form, as Slack documents). */
export async function oauthV2Access(
  code: string,
  redirectUri: string,
  credentials: SlackAppCredentials,
  options: SlackApiOptions = {},
): Promise<SlackResult<{ grant: SlackInstallGrant }>> {
  const answer = await post(
    `${options.baseUrl ?? slackApiUrl()}/oauth.v2.access`,
    { form: { code, redirect_uri: redirectUri, client_id: credentials.clientId, client_secret: credentials.clientSecret } },
    {},
    options,
    'oauth.v2.access',
  );
  if (!answer.ok) return answer;
  const { data } = answer;
  const team = obj(data.team);
  const webhook = obj(data.incoming_webhook);
  const botToken = str(data.access_token);
  const teamId = str(team.id);
  const botUserId = str(data.bot_user_id);
  if (!botToken || !teamId || !botUserId || (data.token_type !== undefined && data.token_type !== 'bot')) {
    return failure('oauth.v2.access: the answer has no bot token, team or bot user', false, { status: answer.status });
  }
  const channelId = str(webhook.channel_id);
  const channelName = str(webhook.channel)?.replace(/^#/, '');
  return {
    ok: true,
    status: answer.status,
    grant: {
      teamId,
      teamName: str(team.name) ?? teamId,
      botUserId,
      botToken,
      scope: str(data.scope) ?? '',
      ...(channelId ? { channelId } : {}),
      ...(channelName ? { channelName } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// chat.postMessage, chat.update, users.info, auth.revoke

export interface PostedMessage {
  channel: string;
  ts: string;
}

function postedMessage(answer: { ok: true; status: number; data: Record<string, unknown> }, method: string): SlackResult<PostedMessage> {
  const channel = str(answer.data.channel);
  const ts = str(answer.data.ts);
  if (!channel || !ts) return failure(`${method}: the answer names no channel or ts`, false, { status: answer.status });
  return { ok: true, status: answer.status, channel, ts };
}

export async function chatPostMessage(
  botToken: string,
  message: SlackAppMessage & { channel: string },
  options: SlackApiOptions = {},
): Promise<SlackResult<PostedMessage>> {
  const answer = await callMethod(
    'chat.postMessage',
    botToken,
    { json: { channel: message.channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false } },
    options,
  );
  return answer.ok ? postedMessage(answer, 'chat.postMessage') : answer;
}

export async function chatUpdate(
  botToken: string,
  message: SlackAppMessage & { channel: string; ts: string },
  options: SlackApiOptions = {},
): Promise<SlackResult<PostedMessage>> {
  const answer = await callMethod(
    'chat.update',
    botToken,
    { json: { channel: message.channel, ts: message.ts, text: message.text, blocks: message.blocks } },
    options,
  );
  return answer.ok ? postedMessage(answer, 'chat.update') : answer;
}

/** A Slack user's email (absent when their profile hides it) and name. */
export async function usersInfo(
  botToken: string,
  userId: string,
  options: SlackApiOptions = {},
): Promise<SlackResult<{ email?: string; name?: string }>> {
  const answer = await callMethod('users.info', botToken, { form: { user: userId } }, options);
  if (!answer.ok) return answer;
  const user = obj(answer.data.user);
  const profile = obj(user.profile);
  const email = str(profile.email);
  const name = str(profile.real_name) ?? str(user.real_name) ?? str(profile.display_name) ?? str(user.name);
  return { ok: true, status: answer.status, ...(email ? { email } : {}), ...(name ? { name } : {}) };
}

/** Revokes the bot token (uninstall). */
export async function authRevoke(botToken: string, options: SlackApiOptions = {}): Promise<SlackResult<object>> {
  const answer = await callMethod('auth.revoke', botToken, { form: {} }, options);
  return answer.ok ? { ok: true, status: answer.status } : answer;
}

/**
 * Whether an interaction's response_url is Slack's: https://hooks.slack.com, or the origin of
 * SLACK_API_URL (the loopback fake in tests). A payload is signed, but the URL is still only used
 * where Slack would have put it.
 */
export function isSlackResponseUrl(url: string, options: SlackApiOptions = {}): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol === 'https:' && parsed.hostname === 'hooks.slack.com' && !parsed.port) return true;
  return parsed.origin === new URL(options.baseUrl ?? slackApiUrl()).origin;
}

/** Posts to an interaction's response_url: an ephemeral reply to who pressed (`response_type: ephemeral`), or `replace_original`. */
export async function postToResponseUrl(
  responseUrl: string,
  body: { text: string; blocks?: SlackAppMessage['blocks']; response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean },
  options: SlackApiOptions = {},
): Promise<DeliveryAttempt> {
  if (!isSlackResponseUrl(responseUrl, options)) return { ok: false, retryable: false, error: 'The response_url is not a Slack URL' };
  const answer = await post(responseUrl, { json: body }, {}, options, 'response_url');
  return answer.ok ? { ok: true, status: answer.status, retryable: false } : answer;
}

// ---------------------------------------------------------------------------------------------------
// The sender (lib/notify/deliver.ts)

export interface SlackAppTarget {
  /** A secret. */
  botToken: string;
  channelId: string;
}

/** Posts the app's message to the tenant's channel; `providerId` is `<channel>:<ts>` (what chat.update needs later). */
export function createSlackAppSender(options: SlackApiOptions = {}): Sender<SlackAppMessage, SlackAppTarget> {
  return async (message, target) => {
    const posted = await chatPostMessage(target.botToken, { ...message, channel: target.channelId }, options);
    if (!posted.ok) {
      const { slackError: _code, ...attempt } = posted;
      return attempt;
    }
    return { ok: true, status: posted.status, retryable: false, providerId: `${posted.channel}:${posted.ts}` };
  };
}

// ---------------------------------------------------------------------------------------------------
// Configuration

/** The Slack app's credentials (from its Basic Information page); the app is optional. */
export const slackAppConfigSchema = z
  .object({
    clientId: z.string().min(1).max(200),
    clientSecret: z.string().min(8).max(500),
    signingSecret: z.string().min(8).max(500),
    /** The redirect URL registered with the app (default: this API's `/slack/oauth/callback` on the request's host). */
    redirectUri: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();
export type SlackAppConfig = z.output<typeof slackAppConfigSchema>;

export interface SlackAppConfigSource {
  SLACK_APP_SECRET_ARN?: string;
  SLACK_APP_FILE?: string;
}

function parseConfig(json: string, where: string): SlackAppConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`The Slack app configuration (${where}) is not JSON`);
  }
  const parsed = slackAppConfigSchema.safeParse(value);
  if (!parsed.success) {
    // Field names only: the values are secrets.
    throw new Error(
      `The Slack app configuration (${where}) is not valid: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`,
    );
  }
  return parsed.data;
}

/**
 * The Slack app's configuration: a JSON file (`SLACK_APP_FILE`, local) or a Secrets Manager secret
 * (`SLACK_APP_SECRET_ARN`, AWS), `{"clientId","clientSecret","signingSecret"}` (+ `redirectUri`);
 * undefined when neither is set (the app is not offered).
 */
export async function loadSlackAppConfig(source: SlackAppConfigSource): Promise<SlackAppConfig | undefined> {
  if (source.SLACK_APP_FILE) return parseConfig(await readFile(source.SLACK_APP_FILE, 'utf8'), 'SLACK_APP_FILE');
  if (source.SLACK_APP_SECRET_ARN) {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { SecretString } = await traced(new SecretsManagerClient({})).send(
      new GetSecretValueCommand({ SecretId: source.SLACK_APP_SECRET_ARN }),
    );
    if (!SecretString) throw new Error('The Slack app secret is empty');
    return parseConfig(SecretString, 'SLACK_APP_SECRET_ARN');
  }
  return undefined;
}
