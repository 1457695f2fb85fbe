/**
 * One sender per notification channel, each `(message, target) => DeliveryAttempt`:
 * a single try that never throws, saying whether it worked and, when not, whether trying again could
 * help. Retrying is lib/notify/deliver.ts's business (with lib/domain/notify/preferences.ts's policy), which
 * is also why the SES client makes exactly one attempt per call.
 *
 * - email: SESv2 SendEmail with Simple content (renderEmail's subject, HTML and text).
 * - Slack incoming webhook: success is HTTP 200 with the body `ok`; 429 (with Retry-After) and 5xx
 *   are worth retrying, other 4xx (`invalid_payload`, `channel_not_found`, `no_service`...) are not.
 * - Microsoft Teams (Workflows "post to a channel when a webhook request is received", or a legacy
 *   incoming webhook): any 2xx is success; Workflows answer 202 Accepted.
 * - generic webhook: renderWebhook's signed request as it is; any 2xx is success.
 *
 * Every HTTP send has a 5 s timeout (DNS, connection, answer and its body together), follows no
 * redirect, and goes only to the public internet (lib/util/safe-url.ts: https only, the host resolved
 * and every address public, the socket connected to exactly those addresses). Loopback receivers
 * (plain http too) only with the local stack's explicit opt-in, `AW_ALLOW_PRIVATE_WEBHOOKS=local`.
 * Sends use node:https rather than fetch because its `lookup` option pins the connection to the
 * checked addresses (fetch would need undici's Agent, a dependency, for the same). Webhook URLs are
 * secrets: no error message here contains one.
 */
import type { LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { traced } from '../observability';
import { channelUrlProblem } from '../domain/notify/channel-settings';
import { pinnedLookup, resolveTarget, systemResolver, targetPolicyFromEnv, type Resolver, type TargetPolicy } from '../util/safe-url';
import { isRetryable } from '../domain/notify/preferences';
import type { EmailMessage, SlackMessage, TeamsMessage, WebhookRequest } from '../domain/notify/templates';

export interface DeliveryAttempt {
  ok: boolean;
  /** The HTTP status of the answer, when there was one. */
  status?: number;
  error?: string;
  retryable: boolean;
  /** SES's MessageId; the Teams workflow run id when Teams gives one. */
  providerId?: string;
  /** The receiver's Retry-After (seconds): the least wait before the next try. */
  retryAfterSeconds?: number;
}

export type Sender<Message, Target> = (message: Message, target: Target) => Promise<DeliveryAttempt>;

export interface EmailTarget {
  to: string;
  /** The configured sender: an SES-verified identity, `alerts@msp.example` or `Name <alerts@msp.example>`. */
  from: string;
  configurationSetName?: string;
}

export interface UrlTarget {
  /** A secret (never logged, never in an error). */
  url: string;
}

export interface ChannelSenders {
  email: Sender<EmailMessage, EmailTarget>;
  slack: Sender<SlackMessage, UrlTarget>;
  teams: Sender<TeamsMessage, UrlTarget>;
  webhook: Sender<WebhookRequest, UrlTarget>;
}

export const HTTP_TIMEOUT_MS = 5_000;
/** How much of an error answer's body is kept (read, and then cut to ERROR_TEXT_MAX). */
const BODY_READ_MAX = 4_096;
const ERROR_TEXT_MAX = 300;

// ---------------------------------------------------------------------------------------------------
// Email (SESv2)

let sesClient: SESv2Client | undefined;

/**
 * The cached SESv2 client (endpoint from `AWS_ENDPOINT_URL_SESV2` like every client of
 * lib/aws/clients.ts). One attempt per call: deliver.ts retries with its own policy.
 */
export function ses(): SESv2Client {
  sesClient ??= traced(new SESv2Client({ maxAttempts: 1 }));
  return sesClient;
}

/** SES errors worth retrying whatever their status, and those never worth it. */
const SES_RETRYABLE = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'InternalFailure', 'ServiceUnavailable']);
const SES_FINAL = new Set([
  'MessageRejected',
  'BadRequestException',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'LimitExceededException',
  'NotFoundException',
  'AccessDeniedException',
  'InvalidParameterValue',
  'ValidationException',
]);

interface AwsError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** Whether a failed SES call may succeed later: throttling, 5xx and network failures may; rejections never. */
export function classifySesError(error: unknown): DeliveryAttempt {
  const aws = (typeof error === 'object' && error !== null ? error : {}) as AwsError;
  const name = aws.name ?? 'Error';
  const status = aws.$metadata?.httpStatusCode;
  let retryable: boolean;
  if (SES_RETRYABLE.has(name) || aws.$retryable) retryable = true;
  else if (SES_FINAL.has(name)) retryable = false;
  else if (status !== undefined) retryable = isRetryable({ status });
  else retryable = aws.$fault !== 'client'; // no answer at all (network, timeout) is worth another try
  const message = aws.message ?? String(error);
  return {
    ok: false,
    retryable,
    error: clip(`SES ${name}: ${message}`),
    ...(status !== undefined ? { status } : {}),
  };
}

/** An email sender over `client` (the cached SESv2 client by default). */
export function createEmailSender(client: () => SESv2Client = ses): Sender<EmailMessage, EmailTarget> {
  return async (message, target) => {
    try {
      const result = await client().send(
        new SendEmailCommand({
          FromEmailAddress: target.from,
          Destination: { ToAddresses: [target.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Html: { Data: message.html, Charset: 'UTF-8' }, Text: { Data: message.text, Charset: 'UTF-8' } },
            },
          },
          ...(target.configurationSetName ? { ConfigurationSetName: target.configurationSetName } : {}),
        }),
      );
      return {
        ok: true,
        retryable: false,
        ...(result.$metadata.httpStatusCode !== undefined ? { status: result.$metadata.httpStatusCode } : {}),
        ...(result.MessageId ? { providerId: result.MessageId } : {}),
      };
    } catch (error) {
      return classifySesError(error);
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// HTTP (Slack, Teams, generic webhook)

function clip(text: string, max = ERROR_TEXT_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Removes anything URL-like from text (an error page may echo the request URL, a secret one). */
export function withoutUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '<url>');
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** An HTTP answer: its status, headers and up to BODY_READ_MAX bytes of its body. */
interface HttpOutcome {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const isSuccess = (status: number) => status >= 200 && status < 300;

function headerOf(outcome: HttpOutcome, name: string): string | null {
  const value = outcome.headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function failureOfRequest(error: unknown, timedOut: boolean, timeoutMs: number): DeliveryAttempt {
  if (timedOut) return { ok: false, retryable: true, error: `No answer within ${timeoutMs / 1000} s (timed out)` };
  const err = error as NodeJS.ErrnoException;
  const detail = err?.code ?? err?.message ?? String(error);
  return { ok: false, retryable: true, error: clip(withoutUrls(`Request failed: ${detail}`)) };
}

interface Connection {
  url: URL;
  host: string;
  addresses: LookupAddress[];
}

/** A POST request to the checked addresses only (its lookup answers with nothing else). */
function openRequest(target: Connection, body: string, headers: Record<string, string>): http.ClientRequest {
  const { url } = target;
  // The module objects (not destructured functions): X-Ray's capture patches https.request in place.
  const client = url.protocol === 'https:' ? https : http;
  return client.request({
    method: 'POST',
    hostname: target.host,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinnedLookup(target.host, target.addresses),
    // No pooled keep-alive socket: every connection is made through this request's lookup.
    agent: false,
  });
}

/**
 * One POST to the checked addresses (never a fresh DNS answer), with one deadline for the whole
 * exchange; at most BODY_READ_MAX bytes of the answer are read, the rest is not downloaded.
 */
function send(
  target: Connection,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HttpOutcome | DeliveryAttempt> {
  let request: http.ClientRequest;
  try {
    request = openRequest(target, body, headers);
  } catch (error) {
    // Thrown before any connection (an invalid header value): trying again would not help.
    return Promise.resolve({ ...failureOfRequest(error, false, timeoutMs), retryable: false });
  }
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Error('timed out'));
    }, timeoutMs);
    const settle = (outcome: HttpOutcome | DeliveryAttempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    request.on('error', (error) => settle(failureOfRequest(error, timedOut, timeoutMs)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        settle({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).subarray(0, BODY_READ_MAX).toString('utf8'),
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.byteLength;
        if (size >= BODY_READ_MAX) {
          done();
          request.destroy();
        }
      });
      response.on('end', done);
      response.on('error', (error) => settle(failureOfRequest(error, timedOut, timeoutMs)));
      // Closed before its end (the deadline, a reset): a failure, whichever of these events comes.
      response.on('close', () => settle(failureOfRequest(new Error('connection closed'), timedOut, timeoutMs)));
    });
    request.end(body);
  });
}

export interface HttpSenderOptions {
  /** Per request, DNS and the answer's body included (default 5 s). */
  timeoutMs?: number;
  /** The clock for HTTP-date Retry-After values. */
  now?: () => number;
  /** Which targets besides public ones may be reached (default: from the environment, `targetPolicyFromEnv`, read per send). */
  policy?: TargetPolicy;
  /** Resolves a target's host (default: the system resolver, every address). */
  resolve?: Resolver;
}

/** The DNS lookup, bounded by what is left of the request's time. */
async function resolveWithin(url: string, policy: TargetPolicy, resolve: Resolver, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
  try {
    return await Promise.race([resolveTarget(url, policy, resolve), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * POSTs `body` with `headers` to a public target; a DeliveryAttempt when it failed (or was refused)
 * before any answer. The URL is checked, its host resolved and every address checked, and the
 * connection made to those addresses only: a refused target is never contacted.
 */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  options: HttpSenderOptions,
): Promise<HttpOutcome | DeliveryAttempt> {
  const problem = channelUrlProblem(url);
  if (problem) return { ok: false, retryable: false, error: problem };
  const started = Date.now();
  const policy = options.policy ?? targetPolicyFromEnv();
  const target = await resolveWithin(url, policy, options.resolve ?? systemResolver, timeoutMs);
  if (target === 'timeout') return failureOfRequest(undefined, true, timeoutMs);
  if (!target.ok) return { ok: false, retryable: target.retryable, error: target.problem };
  return send(target, body, headers, Math.max(1, timeoutMs - (Date.now() - started)));
}

/** The failure an HTTP answer means (status, Retry-After, a short excerpt of the body). */
function httpFailure(channel: string, outcome: HttpOutcome, now: () => number): DeliveryAttempt {
  const { status, body } = outcome;
  const retryAfterSeconds = parseRetryAfter(headerOf(outcome, 'retry-after'), now());
  const excerpt = body.trim() ? `: ${withoutUrls(body)}` : '';
  const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
  return {
    ok: false,
    status,
    retryable: isRetryable({ status }),
    error: clip(`${channel} answered HTTP ${status}${redirect}${excerpt}`),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'AlertWhisperer-Notify/1' };

export function createSlackSender(options: HttpSenderOptions = {}): Sender<SlackMessage, UrlTarget> {
  const timeoutMs = options.timeoutMs ?? HTTP_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  return async (message, target) => {
    const outcome = await post(target.url, JSON.stringify(message), JSON_HEADERS, timeoutMs, options);
    if ('ok' in outcome) return outcome;
    const { status, body } = outcome;
    if (status === 200 && body.trim() === 'ok') return { ok: true, status: 200, retryable: false };
    if (status === 200) {
      return { ok: false, status: 200, retryable: false, error: clip(`Slack answered HTTP 200 without "ok": ${withoutUrls(body)}`) };
    }
    return httpFailure('Slack', outcome, now);
  };
}

/**
 * Legacy Office 365 connectors answered throttling and delivery failures with HTTP 200 and a message
 * ("Microsoft Teams endpoint returned HTTP error 429 ...", "Webhook message delivery failed ...").
 */
const TEAMS_FAILURE_IN_200 = /^(?:Microsoft Teams endpoint returned HTTP error (\d{3})|Webhook message delivery failed)/i;

export function createTeamsSender(options: HttpSenderOptions = {}): Sender<TeamsMessage, UrlTarget> {
  const timeoutMs = options.timeoutMs ?? HTTP_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  return async (message, target) => {
    const outcome = await post(target.url, JSON.stringify(message), JSON_HEADERS, timeoutMs, options);
    if ('ok' in outcome) return outcome;
    const { status, body } = outcome;
    if (isSuccess(status)) {
      const legacy = TEAMS_FAILURE_IN_200.exec(body.trim());
      if (legacy) {
        const inner = legacy[1] ? Number(legacy[1]) : undefined;
        return {
          ok: false,
          status,
          retryable: inner === undefined ? true : isRetryable({ status: inner }),
          error: clip(`Teams answered HTTP ${status} with a failure: ${withoutUrls(body)}`),
        };
      }
      const runId = headerOf(outcome, 'x-ms-workflow-run-id');
      return { ok: true, status, retryable: false, ...(runId ? { providerId: runId } : {}) };
    }
    return httpFailure('Teams', outcome, now);
  };
}

export function createWebhookSender(options: HttpSenderOptions = {}): Sender<WebhookRequest, UrlTarget> {
  const timeoutMs = options.timeoutMs ?? HTTP_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  return async (request, target) => {
    const outcome = await post(target.url, request.body, request.headers, timeoutMs, options);
    if ('ok' in outcome) return outcome;
    if (isSuccess(outcome.status)) return { ok: true, status: outcome.status, retryable: false };
    return httpFailure('Webhook', outcome, now);
  };
}

/** Every channel's sender (SES through `ses`, HTTP with `timeoutMs`, `policy` and `resolve`). */
export function createSenders(options: HttpSenderOptions & { ses?: () => SESv2Client } = {}): ChannelSenders {
  return {
    email: createEmailSender(options.ses),
    slack: createSlackSender(options),
    teams: createTeamsSender(options),
    webhook: createWebhookSender(options),
  };
}
