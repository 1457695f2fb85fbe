import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { routeContext, type RouteContext } from '../../lib/api/context';
import { slackAppAdminRoutes } from '../../lib/api/routes/slack-app-admin';
import { slackAppRoutes } from '../../lib/api/routes/slack-app';
import { signAccessToken, type KeySet } from '../../lib/auth/tokens';
import { correlateAlerts } from '../../lib/correlation/correlate';
import type { CanonicalAlert } from '../../lib/domain/alert';
import type { Role } from '../../lib/domain/user';
import { renderSlackAppMessage, slackSignature } from '../../lib/domain/notify/slack-app';
import { httpHandler, type HttpEvent, type HttpResult } from '../../lib/http/http';
import { createSlackAppSender } from '../../lib/notify/slack-app';
import { showIncidentInSlack } from '../../lib/notify/slack-sync';
import { respondToIncident, responderOf } from '../../lib/incidents/respond';
import { storeAlerts } from '../../lib/store/alerts';
import { listAudit } from '../../lib/store/audit';
import { getIncident } from '../../lib/store/sla';
import {
  getSlackInstallation,
  listSlackMessageRefs,
  putSlackInstallation,
  putSlackMessageRef,
  tenantOfSlackChannel,
} from '../../lib/store/slack-app';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { createUser } from '../../lib/store/users';
import { createTestTable } from '../helpers/dynamo';

/**
 * The Slack app end to end against a real loopback HTTP fake of Slack's Web API (SLACK_API_URL points at
 * it) and DynamoDB Local: a company admin's install link, Slack's OAuth redirect storing the installation
 * (the bot token never in an answer), a message posted with the sender, and signed button presses that
 * acknowledge the incident as the Slack user's Alert Whisperer user and update the message in place
 * with chat.update, a second press saying who was first, and unsigned or stale presses changing nothing.
 */

const TENANT = 'acme-slack';
const SIGNING_SECRET = 'slack-signing-secret-for-tests-0001';
const CLIENT_SECRET = 'slack-client-secret-for-tests-0001';
const BOT_TOKEN = 'xoxb-1111-2222-secret-bot-token';
const KEYS: KeySet = { current: { kid: 'test', secret: 'k'.repeat(48) }, previous: [] };

interface Call {
  path: string;
  authorization?: string;
  contentType?: string;
  body: string;
  json?: any;
  form?: Record<string, string>;
}

/** A fake of the Slack Web API: records each call and answers as Slack does (HTTP 200, `ok` true or false). */
class FakeSlack {
  calls: Call[] = [];
  server!: Server;
  url = '';
  private ts = 1_700_000_000;
  /** Slack user id -> email (users.info). */
  readonly emails: Record<string, string> = {};

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, headers }) => {
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  of(path: string): Call[] {
    return this.calls.filter((call) => call.path === path);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type'];
    const call: Call = {
      path: req.url ?? '',
      body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(contentType ? { contentType } : {}),
    };
    if (contentType?.startsWith('application/json')) call.json = JSON.parse(body);
    else call.form = Object.fromEntries(new URLSearchParams(body));
    this.calls.push(call);
    const authed = call.authorization === `Bearer ${BOT_TOKEN}`;
    // Tokens that make Slack misbehave, for the client's failure mapping.
    if (call.authorization === 'Bearer xoxb-ratelimited')
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '7' } };
    if (call.authorization === 'Bearer xoxb-revoked') return { status: 200, body: { ok: false, error: 'token_revoked' } };
    if (call.authorization === 'Bearer xoxb-slow') await new Promise((done) => setTimeout(done, 1_000));
    switch (call.path) {
      case '/api/oauth.v2.access':
        if (call.form?.client_id !== 'client-123' || call.form?.client_secret !== CLIENT_SECRET) {
          return { status: 200, body: { ok: false, error: 'invalid_client_id' } };
        }
        if (call.form?.code !== 'good-code') return { status: 200, body: { ok: false, error: 'invalid_code' } };
        return {
          status: 200,
          body: {
            ok: true,
            access_token: BOT_TOKEN,
            token_type: 'bot',
            scope: 'chat:write,users:read,users:read.email,incoming-webhook',
            bot_user_id: 'U0BOT',
            app_id: 'A0APP',
            team: { id: 'T0ACME', name: 'Acme Workspace' },
            enterprise: null,
            authed_user: { id: 'U0ADMIN' },
            incoming_webhook: {
              channel: '#ops-alerts',
              channel_id: 'C0OPS',
              configuration_url: 'https://acme.slack.com/x',
              url: 'https://hooks.slack.com/services/T/B/x',
            },
          },
        };
      case '/api/users.info': {
        if (!authed) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
        const id = call.form?.user ?? '';
        const email = this.emails[id];
        if (!email) return { status: 200, body: { ok: false, error: 'user_not_found' } };
        return { status: 200, body: { ok: true, user: { id, name: id.toLowerCase(), profile: { email, real_name: id } } } };
      }
      case '/api/chat.postMessage':
      case '/api/chat.update':
        if (!authed) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
        return {
          status: 200,
          body: { ok: true, channel: call.json.channel, ts: call.json.ts ?? `${++this.ts}.000100`, message: { text: call.json.text } },
        };
      case '/api/auth.revoke':
        return { status: 200, body: authed ? { ok: true, revoked: true } : { ok: false, error: 'invalid_auth' } };
      default:
        if (call.path.startsWith('/hooks/')) return { status: 200, body: 'ok' };
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
    }
  }
}

let table: TableRef;
let slack: FakeSlack;
let context: RouteContext;
let router: (event: HttpEvent) => Promise<HttpResult>;
let configDir: string;
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
const previousEnv = { SLACK_API_URL: process.env.SLACK_API_URL, SLACK_APP_FILE: process.env.SLACK_APP_FILE };

type Who = 'admin' | 'ann' | 'bob' | 'tech';
const USERS: Record<Who, { id: string; email: string; name: string; role: Role; slackId?: string }> = {
  admin: { id: 'usr_admin', email: 'admin@acme-slack.example', name: 'Ada Admin', role: 'company_admin' },
  ann: { id: 'usr_ann', email: 'ann@acme-slack.example', name: 'Ann Example', role: 'technician', slackId: 'U0ANN' },
  bob: { id: 'usr_bob', email: 'bob@acme-slack.example', name: 'Bob Example', role: 'technician', slackId: 'U0BOB' },
  tech: { id: 'usr_tech', email: 'tech@acme-slack.example', name: 'Tess Tech', role: 'technician' },
};
const tokens = {} as Record<Who, string>;

function event(
  method: string,
  path: string,
  parts: { query?: Record<string, string>; headers?: Record<string, string>; body?: string } = {},
): HttpEvent {
  const query = parts.query ?? {};
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { host: 'localhost:3000', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...(parts.headers ?? {}) },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'Slackbot' },
      requestId: ulid(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
    ...(parts.body === undefined ? {} : { body: parts.body }),
  };
}

const asUser = (who: Who) => ({ authorization: `Bearer ${tokens[who]}` });

/** Every text an answer carries (headers and body): the bot token must be in none. */
const everything = (result: HttpResult) => JSON.stringify(result);

/** A button press as Slack sends it: the form body `payload=<json>`, signed with the signing secret (or not). */
function press(
  slackUser: string,
  action: 'aw_acknowledge' | 'aw_resolve' | 'aw_escalate',
  incidentId: string,
  options: { secret?: string; ageSeconds?: number; tenant?: string; message?: { ts: string; text: string; blocks: unknown[] } } = {},
): HttpEvent {
  const message = options.message ?? posted;
  const payload = {
    type: 'block_actions',
    user: { id: slackUser, username: slackUser.toLowerCase(), name: slackUser.toLowerCase(), team_id: 'T0ACME' },
    api_app_id: 'A0APP',
    container: { type: 'message', message_ts: message.ts, channel_id: 'C0OPS', is_ephemeral: false },
    trigger_id: '1.2.3',
    team: { id: 'T0ACME', domain: 'acme' },
    channel: { id: 'C0OPS', name: 'ops-alerts' },
    message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
    response_url: `${slack.url}/hooks/actions/T0ACME/${ulid()}`,
    actions: [
      { action_id: action, block_id: 'aw_actions', value: `${options.tenant ?? TENANT}:${incidentId}`, type: 'button', action_ts: '1' },
    ],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  return event('POST', '/slack/interactions', {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
    },
    body,
  });
}

/** An incident of the tenant, opened by an alert through storage and correlation. */
async function openIncident(signature: string): Promise<string> {
  const at = new Date();
  const alert: CanonicalAlert = {
    id: ulid(at.getTime()),
    tenantId: TENANT,
    source: 'test',
    status: 'firing',
    severity: 'critical',
    assetRef: `${signature.toLowerCase()}-host`,
    assetId: null,
    signature,
    message: `${signature} <!channel> & <https://evil.example|x>`,
    labels: {},
    dedupKey: `test|${signature}`,
    occurredAt: at.toISOString(),
    receivedAt: at.toISOString(),
    deliveryId: ulid(),
  };
  await storeAlerts(table, TENANT, [alert], at);
  const [result] = await correlateAlerts([alert], context.remediation);
  if (!result || !('incidentId' in result)) throw new Error(`not correlated: ${JSON.stringify(result)}`);
  return result.incidentId as string;
}

/** The message the app posted about the incident (as the sender would, from the notification). */
let posted: { ts: string; text: string; blocks: unknown[] };

async function postAbout(incidentId: string): Promise<{ ts: string; text: string; blocks: unknown[] }> {
  const incident = (await getIncident(table, TENANT, incidentId))!;
  const message = renderSlackAppMessage({
    kind: 'sla-breach',
    at: new Date().toISOString(),
    clock: 'response',
    deadline: new Date().toISOString(),
    incident: {
      id: incident.id,
      tenantId: TENANT,
      tenantName: 'Acme Slack Ltd',
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      assetRef: incident.assetRef,
      openedAt: incident.openedAt,
      url: `http://localhost:3000/incidents/${incident.id}?tenant=${TENANT}`,
    },
  });
  const installation = (await getSlackInstallation(table, TENANT))!;
  const attempt = await createSlackAppSender()(message, { botToken: installation.botToken, channelId: installation.channelId });
  expect(attempt).toMatchObject({ ok: true, providerId: expect.stringMatching(/^C0OPS:\d+\.\d+$/) });
  const [channel, ts] = attempt.providerId!.split(':') as [string, string];
  await putSlackMessageRef(table, TENANT, incidentId, { channel, ts, message, shownStatus: incident.status });
  return { ts, text: message.text, blocks: message.blocks };
}

const auditOf = async (action: string) => (await listAudit(table, TENANT, { action }, { limit: 100 })).entries;

beforeAll(async () => {
  table = await createTestTable('slack-app');
  slack = new FakeSlack();
  await slack.start();
  configDir = await mkdtemp(join(tmpdir(), 'aw-slack-'));
  const file = join(configDir, 'slack-app.json');
  await writeFile(file, JSON.stringify({ clientId: 'client-123', clientSecret: CLIENT_SECRET, signingSecret: SIGNING_SECRET }));
  process.env.SLACK_APP_FILE = file;
  process.env.SLACK_API_URL = `${slack.url}/api`;

  await putTenant(table, { id: TENANT, name: 'Acme Slack Ltd', createdAt: new Date().toISOString() });
  for (const [who, user] of Object.entries(USERS) as Array<[Who, (typeof USERS)[Who]]>) {
    await createUser(table, {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      tenantIds: [TENANT],
      skills: [],
      createdAt: new Date().toISOString(),
      passwordHash: 'not-used',
    });
    tokens[who] = await signAccessToken({ sub: user.id, role: user.role, tenants: [TENANT], email: user.email, ver: 0 }, KEYS, new Date());
    if (user.slackId) slack.emails[user.slackId] = user.email;
  }
  slack.emails.U0EVE = 'eve@elsewhere.example';

  context = routeContext({
    table,
    keySet: async () => KEYS,
    now,
    stage: 'test',
    orchestrator: {
      start: async () => {
        throw new Error('no runbooks here');
      },
      succeedTask: async () => undefined,
      failTask: async () => undefined,
    },
  });
  const handle = httpHandler(httpRouterHandler([...slackAppRoutes(context), ...slackAppAdminRoutes(context)]) as never);
  router = async (request) =>
    (await handle(request, {
      awsRequestId: ulid(),
      functionName: 'respond',
      getRemainingTimeInMillis: () => 10_000,
    } as unknown as Context)) as HttpResult;
}, 60_000);

afterAll(async () => {
  await slack?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

afterEach(() => {
  clockOffsetMs = 0;
});

describe('install', () => {
  let state = '';
  let redirectUri = '';

  test('a company admin gets the authorize URL with the scopes and a state; a technician may not', async () => {
    const answer = await router(
      event('POST', '/v1/integrations/slack-app/install', { query: { tenant: TENANT }, headers: asUser('admin') }),
    );
    expect(answer.statusCode).toBe(200);
    const url = new URL(JSON.parse(answer.body as string).authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
    expect(url.searchParams.get('client_id')).toBe('client-123');
    expect(url.searchParams.get('scope')).toBe('chat:write,users:read,users:read.email,incoming-webhook');
    redirectUri = url.searchParams.get('redirect_uri')!;
    expect(redirectUri).toBe('http://localhost:3000/slack/oauth/callback');
    state = url.searchParams.get('state')!;
    expect(state).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(everything(answer)).not.toContain(CLIENT_SECRET);

    const refused = await router(
      event('POST', '/v1/integrations/slack-app/install', { query: { tenant: TENANT }, headers: asUser('tech') }),
    );
    expect(refused.statusCode).toBe(403);
    const anonymous = await router(event('POST', '/v1/integrations/slack-app/install', { query: { tenant: TENANT } }));
    expect(anonymous.statusCode).toBe(401);
  });

  test('bad, forged or expired state, a cancelled consent and a refused code are 4xx pages, nothing stored', async () => {
    // Slack sends the installer's browser: it asks for a page.
    const callback = (query: Record<string, string>) =>
      router(event('GET', '/slack/oauth/callback', { query, headers: { accept: 'text/html,application/xhtml+xml' } }));
    const [payload] = state.split('.');
    const bads: Array<Record<string, string>> = [
      { code: 'good-code' },
      { code: 'good-code', state: 'nonsense' },
      { code: 'good-code', state: `${payload}.${'A'.repeat(43)}` },
    ];
    for (const bad of bads) {
      const answer = await callback(bad);
      expect(answer.statusCode).toBe(400);
      expect(answer.headers?.['content-type']).toMatch(/^text\/html/);
    }
    clockOffsetMs = 11 * 60_000;
    const expired = await callback({ code: 'good-code', state });
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('expired');
    clockOffsetMs = 0;
    expect((await callback({ error: 'access_denied', state })).statusCode).toBe(400);
    const refusedCode = await callback({ code: 'stale-code', state });
    expect(refusedCode.statusCode).toBe(400);
    expect(refusedCode.body).toContain('invalid_code');
    expect(await getSlackInstallation(table, TENANT)).toBeUndefined();
    expect(slack.of('/api/oauth.v2.access')).toHaveLength(1); // only the state that checked out reached Slack
  });

  test('the callback exchanges the code and stores the installation with the picked channel; the token is in no answer', async () => {
    const answer = await router(event('GET', '/slack/oauth/callback', { query: { code: 'good-code', state } }));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['content-type']).toMatch(/^text\/html/);
    expect(answer.body).toContain('Slack connected to Acme Slack Ltd');
    expect(answer.body).toContain('#ops-alerts');
    expect(everything(answer)).not.toContain(BOT_TOKEN);

    const exchange = slack.of('/api/oauth.v2.access').at(-1)!;
    expect(exchange.form).toEqual({ code: 'good-code', redirect_uri: redirectUri, client_id: 'client-123', client_secret: CLIENT_SECRET });

    expect(await getSlackInstallation(table, TENANT)).toMatchObject({
      tenantId: TENANT,
      teamId: 'T0ACME',
      teamName: 'Acme Workspace',
      botUserId: 'U0BOT',
      botToken: BOT_TOKEN,
      channelId: 'C0OPS',
      channelName: 'ops-alerts',
      installedBy: USERS.admin.email,
    });
    expect(await tenantOfSlackChannel(table, 'T0ACME', 'C0OPS')).toBe(TENANT);

    const [installed] = await auditOf('slack-app.install');
    expect(installed).toMatchObject({ actor: { type: 'user', id: USERS.admin.id }, resource: { type: 'slackApp', id: TENANT } });
    expect(JSON.stringify(installed)).not.toContain(BOT_TOKEN);

    // The channel is this company's now: another company cannot take it.
    const taken = await putSlackInstallation(table, { ...(await getSlackInstallation(table, TENANT))!, tenantId: 'globex-slack' });
    expect(taken).toEqual({ ok: false, reason: 'channel-in-use' });
    expect(await getSlackInstallation(table, 'globex-slack')).toBeUndefined();

    const view = await router(event('GET', '/v1/integrations/slack-app', { query: { tenant: TENANT }, headers: asUser('tech') }));
    expect(view.statusCode).toBe(200);
    expect(JSON.parse(view.body as string)).toEqual({
      tenantId: TENANT,
      installation: {
        teamId: 'T0ACME',
        teamName: 'Acme Workspace',
        botUserId: 'U0BOT',
        channelId: 'C0OPS',
        channelName: 'ops-alerts',
        installedBy: USERS.admin.email,
        installedAt: expect.any(String),
      },
    });
    expect(everything(view)).not.toContain(BOT_TOKEN);
  });
});

describe('the Web API client', () => {
  test('a rate limit is retryable with Retry-After; a revoked token is final; no answer in time is retryable; no token in any result', async () => {
    const send = createSlackAppSender({ timeoutMs: 200 });
    const message = { text: 'hello', blocks: [] };
    const limited = await send(message, { botToken: 'xoxb-ratelimited', channelId: 'C0OPS' });
    expect(limited).toEqual({ ok: false, status: 429, retryable: true, retryAfterSeconds: 7, error: expect.stringContaining('HTTP 429') });
    const revoked = await send(message, { botToken: 'xoxb-revoked', channelId: 'C0OPS' });
    expect(revoked).toEqual({ ok: false, status: 200, retryable: false, error: expect.stringContaining('token_revoked') });
    const slow = await send(message, { botToken: 'xoxb-slow', channelId: 'C0OPS' });
    expect(slow).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('timed out') });
    const wrong = await send(message, { botToken: 'xoxb-unknown-token', channelId: 'C0OPS' });
    expect(wrong).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('invalid_auth') });
    for (const result of [limited, revoked, slow, wrong]) expect(JSON.stringify(result)).not.toMatch(/xoxb/);
  });
});

describe('buttons', () => {
  let incidentId = '';

  beforeAll(async () => {
    incidentId = await openIncident('DiskFull');
    posted = await postAbout(incidentId);
  });

  test('the sender posted with the bot token to the channel; the message ref is kept', async () => {
    const post = slack.of('/api/chat.postMessage').at(-1)!;
    expect(post.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(post.json).toMatchObject({ channel: 'C0OPS', text: expect.any(String) });
    expect(JSON.stringify(post.json.blocks)).toContain(`"value":"${TENANT}:${incidentId}"`);
    expect(await listSlackMessageRefs(table, TENANT, incidentId)).toEqual([
      {
        channel: 'C0OPS',
        ts: posted.ts,
        postedAt: expect.any(String),
        message: expect.objectContaining({ text: posted.text }),
        shownStatus: 'open',
      },
    ]);
  });

  test('a bad signature or a stale timestamp is 401 and changes nothing', async () => {
    const updatesBefore = slack.of('/api/chat.update').length;
    const forged = await router(press('U0ANN', 'aw_resolve', incidentId, { secret: 'not-the-signing-secret' }));
    expect(forged.statusCode).toBe(401);
    const stale = await router(press('U0ANN', 'aw_resolve', incidentId, { ageSeconds: 6 * 60 }));
    expect(stale.statusCode).toBe(401);
    const unsigned = press('U0ANN', 'aw_resolve', incidentId);
    delete unsigned.headers['x-slack-signature'];
    expect((await router(unsigned)).statusCode).toBe(401);
    // A signed body changed on the way.
    const tampered = press('U0ANN', 'aw_acknowledge', incidentId);
    tampered.body = tampered.body!.replace('aw_acknowledge', 'aw_resolve');
    expect((await router(tampered)).statusCode).toBe(401);

    expect((await getIncident(table, TENANT, incidentId))!.status).toBe('open');
    expect(slack.of('/api/chat.update')).toHaveLength(updatesBefore);
    expect(await auditOf('incident.resolve')).toHaveLength(0);
  });

  test('an unknown Slack user is told by an ephemeral reply; nothing changes', async () => {
    const answer = await router(press('U0EVE', 'aw_acknowledge', incidentId));
    expect(answer.statusCode).toBe(200);
    const reply = slack.calls.filter((call) => call.path.startsWith('/hooks/')).at(-1)!;
    expect(reply.json).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('not linked to an Alert Whisperer user'),
    });
    expect((await getIncident(table, TENANT, incidentId))!.status).toBe('open');
  });

  test('a signed press acknowledges as the mapped user, is audited as them, and chat.update shows who did it', async () => {
    const answer = await router(press('U0ANN', 'aw_acknowledge', incidentId));
    expect(answer.statusCode).toBe(200);

    const incident = (await getIncident(table, TENANT, incidentId))!;
    expect(incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: USERS.ann.email });

    const [entry, ...others] = await auditOf('incident.acknowledge');
    expect(others).toHaveLength(0);
    expect(entry).toMatchObject({
      actor: { type: 'user', id: USERS.ann.id, email: USERS.ann.email, role: 'technician' },
      resource: { type: 'incident', id: incidentId },
      summary: { after: { status: 'acknowledged', via: 'slack' } },
      sourceIp: '203.0.113.7',
    });

    const lookup = slack.of('/api/users.info').at(-1)!;
    expect(lookup).toMatchObject({ authorization: `Bearer ${BOT_TOKEN}`, form: { user: 'U0ANN' } });
    const update = slack.of('/api/chat.update').at(-1)!;
    expect(update.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(update.json).toMatchObject({ channel: 'C0OPS', ts: posted.ts, text: posted.text });
    const blocks = update.json.blocks as Array<{ block_id?: string; elements?: any[] }>;
    const outcome = blocks.find((block) => block.block_id === 'aw_outcome')!;
    expect(outcome.elements).toEqual([{ type: 'mrkdwn', text: expect.stringMatching(/^Acknowledged by Ann Example at \d\d:\d\d UTC$/) }]);
    const buttons = blocks.find((block) => block.block_id === 'aw_actions')!.elements!.map((element) => element.action_id);
    expect(buttons).toEqual(['aw_resolve', 'aw_escalate', 'open-sla-breach']);
    // The rest of the message is as it was.
    expect(blocks[0]).toEqual(posted.blocks[0]);
    posted = { ...posted, blocks };
  });

  test('a second press by another user says who was first and changes nothing', async () => {
    const answer = await router(press('U0BOB', 'aw_acknowledge', incidentId));
    expect(answer.statusCode).toBe(200);
    expect((await getIncident(table, TENANT, incidentId))!.acknowledgedBy).toBe(USERS.ann.email);
    expect(await auditOf('incident.acknowledge')).toHaveLength(1);

    const update = slack.of('/api/chat.update').at(-1)!;
    const outcome = (update.json.blocks as Array<{ block_id?: string; elements?: any[] }>).find(
      (block) => block.block_id === 'aw_outcome',
    )!;
    expect(outcome.elements!.map((element) => element.text)).toEqual([
      expect.stringMatching(/^Acknowledged by Ann Example at \d\d:\d\d UTC$/),
      expect.stringMatching(/^Already acknowledged by Ann Example at \d\d:\d\d UTC — Bob Example was second$/),
    ]);
  });

  test('resolve through the button: the incident resolves, only the link is left', async () => {
    const answer = await router(press('U0BOB', 'aw_resolve', incidentId));
    expect(answer.statusCode).toBe(200);
    expect((await getIncident(table, TENANT, incidentId))!).toMatchObject({ status: 'resolved', resolvedBy: USERS.bob.email });
    const [entry] = await auditOf('incident.resolve');
    expect(entry).toMatchObject({ actor: { id: USERS.bob.id } });
    const blocks = slack.of('/api/chat.update').at(-1)!.json.blocks as Array<{ block_id?: string; elements?: any[] }>;
    expect(blocks.find((block) => block.block_id === 'aw_actions')!.elements!.map((element) => element.action_id)).toEqual([
      'open-sla-breach',
    ]);
  });

  test("a press naming another company's incident from this channel is refused", async () => {
    const other = 'globex-slack';
    await putTenant(table, { id: other, name: 'Globex', createdAt: new Date().toISOString() });
    const hooksBefore = slack.calls.filter((call) => call.path.startsWith('/hooks/')).length;
    const updatesBefore = slack.of('/api/chat.update').length;
    const answer = await router(press('U0ANN', 'aw_acknowledge', incidentId, { tenant: other }));
    expect(answer.statusCode).toBe(200);
    const replies = slack.calls.filter((call) => call.path.startsWith('/hooks/'));
    expect(replies).toHaveLength(hooksBefore + 1);
    expect(replies.at(-1)!.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/does not belong/) });
    expect(slack.of('/api/chat.update')).toHaveLength(updatesBefore);
  });
});

describe('messages follow their incident', () => {
  const updatesSince = (before: number) => slack.of('/api/chat.update').slice(before);
  const outcomeOf = (update: Call) =>
    (update.json.blocks as Array<{ block_id?: string; elements?: any[] }>).find((block) => block.block_id === 'aw_outcome')?.elements;

  test('acknowledged elsewhere (a link, the dashboard), every message about it says so, once', async () => {
    const incidentId = await openIncident('CpuHot');
    const first = await postAbout(incidentId);
    const second = await postAbout(incidentId);
    const before = slack.of('/api/chat.update').length;
    const responder = (await responderOf(table, USERS.ann.id))!;
    const outcome = await respondToIncident(
      { table, correlate: context.remediation, now: () => new Date() },
      { tenantId: TENANT, incidentId, action: 'acknowledge', responder, via: 'link' },
    );
    expect(outcome.result).toBe('done');
    expect(await showIncidentInSlack({ table, now: () => new Date() }, TENANT, incidentId, USERS.ann.email)).toEqual({ updated: 2 });
    const updates = updatesSince(before);
    expect(updates.map((update) => update.json.ts).sort()).toEqual([first.ts, second.ts].sort());
    for (const update of updates) {
      expect(outcomeOf(update)).toEqual([{ type: 'mrkdwn', text: expect.stringMatching(/^Acknowledged by .+ at \d\d:\d\d UTC$/) }]);
      const buttons = (update.json.blocks as Array<{ block_id?: string; elements?: any[] }>).find(
        (block) => block.block_id === 'aw_actions',
      );
      expect(buttons!.elements!.map((element) => element.action_id)).toEqual(['aw_resolve', 'aw_escalate', 'open-sla-breach']);
    }
    // The same event again (at-least-once delivery) changes nothing.
    expect(await showIncidentInSlack({ table, now: () => new Date() }, TENANT, incidentId, USERS.ann.email)).toEqual({ updated: 0 });
    // Resolved later: the messages move on from what they show.
    await respondToIncident(
      { table, correlate: context.remediation, now: () => new Date() },
      { tenantId: TENANT, incidentId, action: 'resolve', responder, via: 'link' },
    );
    expect(await showIncidentInSlack({ table, now: () => new Date() }, TENANT, incidentId, USERS.ann.email)).toEqual({ updated: 2 });
    expect(outcomeOf(slack.of('/api/chat.update').at(-1)!)).toHaveLength(2);
  });

  test('the message whose button did it is left as it is', async () => {
    const incidentId = await openIncident('MemHot');
    const message = await postAbout(incidentId);
    expect((await router(press('U0ANN', 'aw_acknowledge', incidentId, { message }))).statusCode).toBe(200);
    const before = slack.of('/api/chat.update').length;
    expect(await showIncidentInSlack({ table, now: () => new Date() }, TENANT, incidentId, USERS.ann.email)).toEqual({ updated: 0 });
    expect(slack.of('/api/chat.update')).toHaveLength(before);
  });
});

describe('uninstall', () => {
  test('DELETE removes the installation and its lookup, revokes the token and is audited', async () => {
    const refused = await router(event('DELETE', '/v1/integrations/slack-app', { query: { tenant: TENANT }, headers: asUser('tech') }));
    expect(refused.statusCode).toBe(403);
    const answer = await router(event('DELETE', '/v1/integrations/slack-app', { query: { tenant: TENANT }, headers: asUser('admin') }));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body as string)).toEqual({ tenantId: TENANT, installation: null });
    expect(await getSlackInstallation(table, TENANT)).toBeUndefined();
    expect(await tenantOfSlackChannel(table, 'T0ACME', 'C0OPS')).toBeUndefined();
    expect(slack.of('/api/auth.revoke').at(-1)?.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(await auditOf('slack-app.uninstall')).toHaveLength(1);
    // A press after the uninstall finds no installation: nothing is acted on.
    const incidentId = await openIncident('CpuHot');
    const pressed = await router(press('U0ANN', 'aw_acknowledge', incidentId));
    expect(pressed.statusCode).toBe(200);
    expect((await getIncident(table, TENANT, incidentId))!.status).toBe('open');
  });
});
