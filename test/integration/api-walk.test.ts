import type { ZodType } from 'zod';
import { can, canSeeTenant, type Principal } from '../../lib/auth/permissions';
import type { RouteDoc } from '../../lib/api/context';
import { WEBHOOK_OPERATIONS } from '../../lib/api/openapi';
import { apiRoutes, type ApiDeps, type Route } from '../../lib/api/all-routes';
import { errorResponse } from '../../lib/api/schemas';
import { loadKeySet } from '../../lib/auth/tokens';
import { stepFunctionsOrchestrator } from '../../lib/aws/step-functions';
import { issueActionLink } from '../../lib/notify/action-links';
import { libraryRunbook } from '../../lib/remediation/library';
import { startRunbookExecution, type RemediationDeps } from '../../lib/remediation/service';
import { getAsset, InventoryCache } from '../../lib/store/assets';
import { listAudit, type AuditEntry } from '../../lib/store/audit';
import { PolicyCache } from '../../lib/store/correlation-policy';
import { getIncidentDetail, listIncidents } from '../../lib/store/incidents';
import { getUserPhone } from '../../lib/store/phones';
import { getAccessVersion } from '../../lib/store/users';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { postJson, startTestStack } from '../helpers/local-stack';

/**
 * The API walk: every documented route, called on one local stack as an MSP admin, acme's company
 * admin, a technician of acme and a technician of globex only (all against acme), and without a
 * token. Each answer must have the status the permission matrix implies for the route's documented
 * action and scope, every answer must parse with its documented schema (and carry nothing the schema
 * does not name), and every successful change must leave exactly one new audit entry, named for it, in
 * each log the route documents, while refused calls and reads leave none. What the system audits on its
 * own (remediation decisions for new incidents, execution outcomes, routing) follows asynchronously and
 * is not the call's: only entries by users are counted.
 *
 * The walk is driven from the route list: a route without a walk case fails the walk.
 */
let stack: LocalStack;
let demo: DemoInfo;

const CALLERS = ['anonymous', 'other-tenant technician', 'technician', 'company admin', 'msp admin', 'client viewer'] as const;
type Caller = (typeof CALLERS)[number];
type SignedIn = Exclude<Caller, 'anonymous'>;

const USERS: Record<SignedIn, { email: string; principal: Principal }> = {
  'msp admin': { email: 'admin@msp.example', principal: { role: 'msp_admin', tenants: [] } },
  'company admin': { email: 'admin@acme.example', principal: { role: 'company_admin', tenants: ['acme'] } },
  technician: { email: 'tech.niko@msp.example', principal: { role: 'technician', tenants: ['acme'] } },
  'other-tenant technician': { email: 'tech.gale@msp.example', principal: { role: 'technician', tenants: ['globex'] } },
  // Not in the demo: made by the walk (signInAll), as an MSP admin invites a client's person.
  'client viewer': { email: 'client.walk@acme.example', principal: { role: 'client_viewer', tenants: ['acme'] } },
};
const CLIENT_VIEWER_PASSWORD = 'Walk-Client-Passw0rd';
const sessions = {} as Record<SignedIn, { token: string; id: string }>;

// The routes are only read for their documentation: the walk calls the stack over HTTP.
const routes = apiRoutes({} as ApiDeps);
const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/**
 * Successful changes that are not audited, each with why. Anything else that changes (POST, PUT,
 * PATCH, DELETE) must document its audit entry.
 */
let rateLimitCalls = 0;

const NOT_AUDITED: Record<string, string> = {
  'POST /v1/auth/login': 'signing in opens a session; sessions are not in the audit log',
  'POST /v1/auth/refresh': 'a token rotation of an open session',
  'POST /v1/auth/logout': 'ends one session',
  'POST /v1/auth/logout-all': "ends the caller's sessions",
  'POST /v1/tenants/{id}/correlation/simulate': 'a dry run: writes nothing',
  'POST /v1/maintenance-windows/preview': 'a dry run: writes nothing',
  'POST /v1/integrations/slack-app/install':
    "a link to Slack's consent page only: the install is audited (slack-app.install) when Slack redirects back",
};

/**
 * Changes documented without an audit entry because the entry depends on the request: the incident
 * action taken (acknowledge, resolve, escalate: lib/incidents/respond.ts), audited as the user the
 * link or the Slack account speaks for. Their walk cases say which entry a success leaves (`audit`).
 */
const AUDITED_AS_THE_ACTION: Record<string, string> = {
  'POST /a/{token}': "the link's action, as the link's user",
  'POST /slack/interactions': "the button's action, as the Slack user's Alert Whisperer user",
};

interface Answer {
  status: number;
  /** The parsed JSON (undefined for a body that is not JSON). */
  body: any;
  text: string;
  contentType: string;
}

async function call(method: string, path: string, caller: Caller, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(caller === 'anonymous' ? {} : { authorization: `Bearer ${sessions[caller].token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  // Only JSON is parsed: a page (text/html) is kept as text, and a refusal that is not JSON fails the error shape.
  const parsed = text && /\bjson\b/i.test(contentType) ? JSON.parse(text) : undefined;
  return { status: response.status, body: parsed, text, contentType };
}

/** A setup call as the MSP admin, which must succeed. */
async function setup(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await call(method, path, 'msp admin', body);
  if (answer.status >= 300) throw new Error(`Setup ${method} ${path} failed: ${answer.status} ${answer.text}`);
  return answer.body;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

function passwordOf(caller: Caller): string {
  if (caller === 'client viewer') return CLIENT_VIEWER_PASSWORD;
  const email = USERS[caller === 'anonymous' ? 'technician' : caller].email;
  return demo.users.find((user) => user.email === email)!.password;
}

function emailOf(caller: Caller): string {
  return USERS[caller === 'anonymous' ? 'technician' : caller].email;
}

/** A fresh incident of acme, from a webhook delivery (an asset of its own, so it joins nothing else). */
async function newIncident(): Promise<{ id: string; status: string }> {
  const signature = `WalkCheck${++counter}`;
  const acmeKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  const delivered = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: `walk-host-${counter}`, signature, severity: 'high', message: signature, tool_source: 'walk' },
    { 'x-api-key': acmeKey },
  );
  if (delivered.status !== 202) throw new Error(`Webhook refused: ${delivered.status}`);
  await stack.idle();
  const incident = (await listIncidents(stack.table, 'acme', { limit: 1000 })).find((candidate) =>
    candidate.signatures.includes(signature),
  );
  if (!incident) throw new Error(`No incident for ${signature}`);
  return incident;
}

async function newResolvedIncident(): Promise<{ id: string }> {
  const incident = await newIncident();
  await setup('POST', `/v1/incidents/${incident.id}/resolve?tenant=acme`, { code: 'fixed' });
  return incident;
}

/**
 * A pending approval request of acme (medium risk, on app-prod-02, for a fresh incident), as a remediation
 * decision makes it: the state machine waits for the decision. Returns its id (its execution's).
 */
async function newApproval(): Promise<string> {
  const { id } = await newIncident();
  const { incident } = (await getIncidentDetail(stack.table, 'acme', id))!;
  const asset = (await getAsset(stack.table, 'acme', 'app-prod-02'))!;
  const deps: RemediationDeps = {
    table: stack.table,
    now: () => new Date(),
    inventory: new InventoryCache(stack.table),
    policies: new PolicyCache(stack.table),
    orchestrator: stepFunctionsOrchestrator(stack.environment.STATE_MACHINE_ARN!),
  };
  const execution = await startRunbookExecution(deps, {
    incident,
    runbook: libraryRunbook('linux-memory-relief')!,
    params: {},
    targets: [{ assetId: asset.id, ...asset.ssm! }],
    dryRun: false,
    requestedBy: 'system',
    trigger: 'approval',
    approval: { requiredRole: 'company_admin', expiresAt: new Date(Date.now() + 3600_000).toISOString(), reasons: ['walk'] },
  });
  await stack.idle();
  return execution.id;
}

async function newAsset(): Promise<string> {
  const id = unique('walk-asset');
  await setup('POST', '/v1/assets?tenant=acme', { id, name: id, type: 'server' });
  return id;
}

/** A valid read-only Linux runbook of acme's own. */
function exampleRunbook(id: string) {
  return {
    id,
    name: 'Walk uptime check',
    description: 'Reads the load and the uptime; changes nothing.',
    platform: 'linux',
    risk: 'low',
    readOnly: true,
    match: { categories: ['cpu'], keywords: ['uptime'] },
    preChecks: ['command -v uptime'],
    commands: ['uptime'],
    verification: ['test -r /proc/loadavg'],
    rollback: [],
    rollbackNote: 'None needed: read-only.',
    timeoutSeconds: 60,
    maxTargets: 5,
  };
}

async function newRunbook(): Promise<string> {
  const id = unique('walk-runbook');
  await setup('POST', '/v1/runbooks?tenant=acme', exampleRunbook(id));
  return id;
}

async function newUser(): Promise<string> {
  const name = unique('walk-user');
  const user = await setup('POST', '/v1/users', {
    email: `${name}@acme.example`,
    name,
    role: 'technician',
    tenantIds: ['acme'],
    password: 'Walk-Passw0rd-long',
  });
  return user.id;
}

/** A weekly rotation of acme's technician, handing off Mondays at 09:00 Berlin time. */
function exampleSchedule(id?: string) {
  return {
    ...(id ? { id } : {}),
    name: 'Walk rotation',
    layers: [
      {
        name: 'Primary',
        members: [sessions.technician.id],
        rotation: 'weekly',
        handoffTime: '09:00',
        timeZone: 'Europe/Berlin',
        startDate: '2024-01-01',
      },
    ],
  };
}

/**
 * A window any caller with maintenance.short may make: one hour from now, on app-prod-02, naming an open
 * incident of acme on that asset (what a technician's window needs; admins may give it too).
 */
async function shortWindow(): Promise<Record<string, unknown>> {
  const signature = `WalkPatch${++counter}`;
  const acmeKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: 'app-prod-02', signature, severity: 'low', message: signature, tool_source: 'walk' },
    { 'x-api-key': acmeKey },
  );
  await stack.idle();
  const incident = (await listIncidents(stack.table, 'acme', { limit: 1000 })).find((candidate) =>
    candidate.signatures.includes(signature),
  );
  if (!incident) throw new Error(`No incident for ${signature}`);
  const start = Date.now();
  return {
    name: unique('Walk patching'),
    incidentId: incident.id,
    scope: { assetIds: ['app-prod-02'] },
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 3_600_000).toISOString(),
  };
}

/** A window made by `caller` (the MSP admin by default): technicians may end only their own. */
async function newWindow(caller: SignedIn = 'msp admin'): Promise<string> {
  const answer = await call('POST', '/v1/maintenance-windows?tenant=acme', caller, await shortWindow());
  if (answer.status !== 201) throw new Error(`Setup window failed: ${answer.status} ${answer.text}`);
  return answer.body.id;
}

async function newSchedule(): Promise<string> {
  return (await setup('POST', '/v1/oncall/schedules?tenant=acme', exampleSchedule(unique('walk-schedule')))).id;
}

/** acme's channels with a Slack webhook (a secret: answers show it masked) and a new email sender each time. */
const exampleChannels = () => ({
  slack: { webhookUrl: 'https://hooks.slack.com/services/T0WALK/B0WALK/walkSecretToken' },
  emailSender: `Acme Alerts <alerts+${++counter}@acme.example>`,
});

/** No answer carries the webhook URL beyond its masked form. */
const masked = (answer: Answer) => expect(answer.text).not.toMatch(/walkSecretToken|\/services\//);

async function newApiKey(): Promise<string> {
  return (await setup('POST', '/v1/integrations/api-keys?tenant=acme')).keyId;
}

async function refreshTokenOf(caller: Caller): Promise<string> {
  const { status, body } = await postJson(stack, '/v1/auth/login', { email: emailOf(caller), password: passwordOf(caller) });
  if (status !== 200) throw new Error(`Login failed: ${status}`);
  return body.refreshToken;
}

/**
 * A one-tap action link for a fresh incident of acme, issued (as a notification would) to acme's
 * technician, who may acknowledge it: a token any caller may use, since the token is the credential.
 */
async function newActionLink(): Promise<string> {
  const { id: incidentId } = await newIncident();
  const userId = sessions.technician.id;
  const accessVersion = (await getAccessVersion(stack.table, userId)) ?? 0;
  const { token } = await issueActionLink(
    { table: stack.table, keySet: await loadKeySet(stack.environment), now: () => new Date(), baseUrl: stack.apiUrl },
    { tenantId: 'acme', incidentId, userId, accessVersion, channel: 'sms' },
  );
  return token;
}

/** Each signed-in caller's own phone number (one each: a number is verified by one user only). */
const phoneOf = (caller: Caller) => `+4477009001${String(CALLERS.indexOf(caller)).padStart(2, '0')}`;

/**
 * The verification code the caller's pending number was texted (read back from the local SMS emulator);
 * a new code is asked for first when no verification is under way.
 */
async function pendingCode(caller: SignedIn): Promise<string> {
  const phone = await getUserPhone(stack.table, sessions[caller].id);
  if (!phone?.pending || Date.parse(phone.pending.expiresAt) <= Date.now()) {
    const asked = await call('PUT', '/v1/me/phone', caller, { number: phoneOf(caller) });
    if (asked.status !== 202) throw new Error(`Setup PUT /v1/me/phone failed: ${asked.status} ${asked.text}`);
  }
  const number = (await getUserPhone(stack.table, sessions[caller].id))?.pending?.number;
  const texts = stack.smsVoice.messages().filter((message) => message.channel === 'sms' && message.to === number);
  const code = texts
    .map((message) => /verification code is (\d{6})/.exec(message.body)?.[1])
    .filter((found): found is string => found !== undefined)
    .at(-1);
  if (!code) throw new Error(`No verification code was texted to ${number}`);
  return code;
}

/** What the permission matrix says a caller gets from a route, for a tenant. */
function expectedStatus(doc: RouteDoc, caller: Caller, tenant: string, success: number): number {
  if (doc.scope === 'public') return success;
  if (caller === 'anonymous') return 401;
  if (doc.scope === 'self' || doc.scope === 'visible' || !doc.action) return success;
  const { principal } = USERS[caller];
  if (can(principal, doc.action, tenant)) return success;
  if (doc.scope === 'tenant' && !canSeeTenant(principal, tenant)) return 404;
  return 403;
}

function successOf(route: Route, walk: WalkCase): number {
  const statuses = Object.keys(route.doc.responses).map(Number);
  if (walk.status !== undefined) return walk.status;
  if (statuses.length !== 1) throw new Error(`${keyOf(route)} documents ${statuses.join(', ')}: the walk case must say which`);
  return statuses[0]!;
}

interface WalkRequest {
  /** The path with its query. */
  path: string;
  body?: unknown;
  /** The tenant the call is about (default acme). */
  tenant?: string;
}

interface WalkCase {
  /** The request of one call; `allowed` says whether the matrix lets the caller succeed (to create what a success uses up). */
  request: (caller: Caller, allowed: boolean) => Promise<WalkRequest> | WalkRequest;
  /** The success status, when the route documents several. */
  status?: number;
  /** More checks of a successful answer. */
  check?: (answer: Answer, caller: Caller) => void;
  /** Restores what the case changed, after all its calls. */
  cleanup?: () => Promise<void>;
  /**
   * The status a caller gets where the stack answers otherwise than the matrix (`matrix`: what the matrix
   * says): a feature the walk's stack does not set up.
   */
  expect?: (caller: Caller, matrix: number) => number;
  /** A success is an HTML page (text/html) rather than JSON (the route documentation describes JSON answers only). */
  page?: true;
  /** The audit entry a success leaves, for a route in AUDITED_AS_THE_ACTION. */
  audit?: NonNullable<RouteDoc['audit']>;
}

/** The Slack app is not configured on the walk's stack: whoever the matrix lets through is told so (404). */
const slackAppNotConfigured = (_caller: Caller, matrix: number) => (matrix < 300 ? 404 : matrix);

/** Shared resources of acme, created once, that refused calls may name. */
const shared = { incidentId: '', userId: '', keyId: '', assetId: '', runbookId: '', approvalId: '', scheduleId: '', windowId: '' };

/** The walk, in order: reads first, destructive calls last (each success on a resource created for it). */
const CASES: Record<string, WalkCase> = {
  'GET /health': { request: () => ({ path: '/health' }) },
  'GET /v1/openapi.json': { request: () => ({ path: '/v1/openapi.json' }) },
  'POST /v1/auth/login': {
    request: (caller) => ({ path: '/v1/auth/login', body: { email: emailOf(caller), password: passwordOf(caller) } }),
  },
  'POST /v1/auth/refresh': {
    request: async (caller) => ({ path: '/v1/auth/refresh', body: { refreshToken: await refreshTokenOf(caller) } }),
  },
  'POST /v1/auth/logout': {
    request: async (caller) => ({ path: '/v1/auth/logout', body: { refreshToken: await refreshTokenOf(caller) } }),
  },
  // Signing out everywhere ends the caller's access token too: the walk signs everyone in again.
  'POST /v1/auth/logout-all': { request: () => ({ path: '/v1/auth/logout-all' }), cleanup: () => signInAll() },

  'GET /v1/incidents': {
    request: () => ({ path: '/v1/incidents?tenant=acme' }),
    // A list of what the caller may see: acme's incidents for acme's people, none for globex's.
    check: (answer, caller) => expect([caller, answer.body.incidents.length > 0]).toEqual([caller, caller !== 'other-tenant technician']),
  },
  'GET /v1/incidents/{id}': { request: () => ({ path: `/v1/incidents/${shared.incidentId}?tenant=acme` }) },
  'POST /v1/incidents/{id}/acknowledge': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/acknowledge?tenant=acme`,
    }),
  },
  'POST /v1/incidents/{id}/assign': {
    // To acme's company admin: routing may have given the new incident to a technician already (never to an admin).
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/assign?tenant=acme`,
      body: { userId: sessions['company admin'].id },
    }),
  },
  'POST /v1/incidents/{id}/escalate': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/escalate?tenant=acme`,
    }),
  },
  'POST /v1/incidents/{id}/sla/pause': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/sla/pause?tenant=acme`,
      body: { reason: 'waiting for the client to reboot the host' },
    }),
  },
  'POST /v1/incidents/{id}/sla/resume': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/sla/resume?tenant=acme`,
    }),
  },
  'POST /v1/incidents/{id}/notes': {
    request: () => ({ path: `/v1/incidents/${shared.incidentId}/notes?tenant=acme`, body: { text: 'Checked the agent' } }),
  },
  'POST /v1/incidents/{id}/callback': {
    request: () => ({
      path: `/v1/incidents/${shared.incidentId}/callback?tenant=acme`,
      body: { phone: '+447700900555', message: 'Please call the front desk' },
    }),
  },
  'POST /v1/incidents/{id}/resolve': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/resolve?tenant=acme`,
      body: { code: 'fixed', note: 'walk' },
    }),
  },
  'POST /v1/incidents/{id}/reopen': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newResolvedIncident()).id : shared.incidentId}/reopen?tenant=acme`,
      body: { reason: 'came back' },
    }),
  },

  'GET /v1/alerts': { request: () => ({ path: '/v1/alerts?tenant=acme' }) },
  'GET /v1/assets/unresolved': { request: () => ({ path: '/v1/assets/unresolved?tenant=acme' }) },
  'GET /v1/kpis': { request: () => ({ path: '/v1/kpis?tenant=acme&timeZone=Europe/Berlin' }) },

  'GET /v1/integrations': { request: () => ({ path: '/v1/integrations?tenant=acme' }) },
  'POST /v1/integrations/api-keys': { request: () => ({ path: '/v1/integrations/api-keys?tenant=acme' }) },
  'POST /v1/integrations/api-keys/{keyId}/rotate': {
    request: async (_caller, allowed) => ({
      path: `/v1/integrations/api-keys/${allowed ? await newApiKey() : shared.keyId}/rotate?tenant=acme`,
      body: { overlapSeconds: 60 },
    }),
  },
  'PUT /v1/integrations/rate-limit': {
    // A new limit each call: the same limit again changes nothing and is not audited.
    request: () => ({ path: '/v1/integrations/rate-limit?tenant=acme', body: { perMinute: 6000 + ++rateLimitCalls, burst: 2000 } }),
  },
  'POST /v1/integrations/sns-topics': {
    status: 201,
    request: () => ({
      path: '/v1/integrations/sns-topics?tenant=acme',
      body: { topicArn: `arn:aws:sns:us-east-1:111122223333:${unique('walk')}` },
    }),
  },
  'POST /v1/integrations/aws-accounts': {
    status: 201,
    request: () => ({ path: '/v1/integrations/aws-accounts?tenant=acme', body: { accountId: String(200_000_000_000 + ++counter) } }),
  },
  'POST /v1/integrations/hmac/rotate': { request: () => ({ path: '/v1/integrations/hmac/rotate?tenant=acme', body: {} }) },
  'PUT /v1/integrations/hmac': {
    // Each success turns signing on from off (so it changes, and is audited); it ends off, as the webhooks above need.
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/integrations/hmac?tenant=acme', { required: false });
      return { path: '/v1/integrations/hmac?tenant=acme', body: { required: true } };
    },
    cleanup: async () => {
      await setup('PUT', '/v1/integrations/hmac?tenant=acme', { required: false });
    },
  },

  'GET /v1/users': { request: () => ({ path: '/v1/users?tenant=acme' }) },
  'GET /v1/users/{id}': { request: () => ({ path: `/v1/users/${shared.userId}` }) },
  'POST /v1/users': {
    request: () => {
      const name = unique('walk-new');
      return {
        path: '/v1/users',
        body: { email: `${name}@acme.example`, name, role: 'technician', tenantIds: ['acme'], password: 'Walk-Passw0rd-long' },
      };
    },
  },
  'PATCH /v1/users/{id}': {
    request: async (_caller, allowed) => ({
      path: `/v1/users/${allowed ? await newUser() : shared.userId}`,
      body: { name: unique('renamed') },
    }),
  },

  'GET /v1/audit': { request: () => ({ path: '/v1/audit?tenant=acme' }) },

  'GET /v1/tenants': {
    request: () => ({ path: '/v1/tenants' }),
    // A list of what the caller may see: acme for acme's people, not for globex's.
    check: (answer, caller) =>
      expect([caller, answer.body.tenants.some((tenant: { id: string }) => tenant.id === 'acme')]).toEqual([
        caller,
        caller !== 'other-tenant technician',
      ]),
  },
  'POST /v1/tenants': { request: () => ({ path: '/v1/tenants', body: { id: unique('walk-co'), name: 'Walk Co' } }) },
  'GET /v1/tenants/{id}': { request: () => ({ path: '/v1/tenants/acme' }) },
  'PATCH /v1/tenants/{id}': { request: () => ({ path: '/v1/tenants/acme', body: { name: unique('Acme Manufacturing') } }) },

  'GET /v1/assets': { request: () => ({ path: '/v1/assets?tenant=acme' }) },
  'POST /v1/assets': {
    request: () => {
      const id = unique('walk-new-asset');
      return { path: '/v1/assets?tenant=acme', body: { id, name: id, type: 'server', dependsOn: ['db-prod-01'], tags: { env: 'walk' } } };
    },
  },
  'GET /v1/assets/{id}': { request: () => ({ path: '/v1/assets/db-prod-01?tenant=acme' }) },
  'PUT /v1/assets/{id}': {
    request: () => ({
      path: `/v1/assets/${shared.assetId}?tenant=acme`,
      body: { name: unique('renamed'), type: 'server', critical: true },
    }),
  },

  'GET /v1/runbooks': { request: () => ({ path: '/v1/runbooks?tenant=acme' }) },
  'GET /v1/runbooks/{id}': { request: () => ({ path: `/v1/runbooks/${shared.runbookId}?tenant=acme` }) },
  'POST /v1/runbooks': {
    status: 201,
    request: () => ({ path: '/v1/runbooks?tenant=acme', body: exampleRunbook(unique('walk-runbook')) }),
  },
  'PUT /v1/runbooks/{id}': {
    // A new name each call: the same runbook again changes nothing and is not audited.
    request: () => ({
      path: `/v1/runbooks/${shared.runbookId}?tenant=acme`,
      body: { ...exampleRunbook(shared.runbookId), name: unique('Walk uptime check') },
    }),
  },

  'GET /v1/tenants/{id}/correlation/policy': { request: () => ({ path: '/v1/tenants/acme/correlation/policy' }) },
  'PUT /v1/tenants/{id}/correlation/policy': {
    request: () => ({ path: '/v1/tenants/acme/correlation/policy', body: { burstWindowSeconds: 600 + (++counter % 600) } }),
  },
  'DELETE /v1/tenants/{id}/correlation/policy': {
    // Each success resets a policy that differs from the defaults.
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/tenants/acme/correlation/policy', { graceSeconds: 60 + (++counter % 60) });
      return { path: '/v1/tenants/acme/correlation/policy' };
    },
  },
  'POST /v1/tenants/{id}/correlation/simulate': {
    request: () => ({ path: '/v1/tenants/acme/correlation/simulate', body: { policy: { rules: { topology: false } } } }),
  },

  'GET /v1/approvals': {
    request: () => ({ path: '/v1/approvals?tenant=acme' }),
    // A list of what the caller may see: acme's pending requests for acme's people, none for globex's nor for acme's client viewer.
    check: (answer, caller) =>
      expect([caller, answer.body.approvals.length > 0]).toEqual([
        caller,
        caller !== 'other-tenant technician' && caller !== 'client viewer',
      ]),
  },
  'GET /v1/approvals/{id}': { request: () => ({ path: `/v1/approvals/${shared.approvalId}?tenant=acme` }) },
  'POST /v1/approvals/{id}/approve': {
    // Each success decides a request made for it (its execution then runs: waited for at the end).
    request: async (_caller, allowed) => ({
      path: `/v1/approvals/${allowed ? await newApproval() : shared.approvalId}/approve?tenant=acme`,
      body: { comment: 'walk' },
    }),
    cleanup: () => stack.idle(),
  },
  'POST /v1/approvals/{id}/reject': {
    request: async (_caller, allowed) => ({
      path: `/v1/approvals/${allowed ? await newApproval() : shared.approvalId}/reject?tenant=acme`,
      body: { comment: 'not now' },
    }),
    cleanup: () => stack.idle(),
  },
  'GET /v1/executions': {
    request: () => ({ path: '/v1/executions?tenant=acme' }),
    check: (answer) => expect(answer.body.executions.length).toBeGreaterThan(0),
  },
  'GET /v1/executions/{id}': { request: () => ({ path: `/v1/executions/${shared.approvalId}?tenant=acme` }) },
  'POST /v1/incidents/{id}/execute': {
    // A dry run of a low-risk runbook, which every role of acme may run, on an incident made for it.
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/execute?tenant=acme`,
      body: { runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'], dryRun: true },
    }),
    cleanup: () => stack.idle(),
  },
  'GET /v1/tenants/{id}/remediation/policy': { request: () => ({ path: '/v1/tenants/acme/remediation/policy' }) },
  'PUT /v1/tenants/{id}/remediation/policy': {
    request: () => ({ path: '/v1/tenants/acme/remediation/policy', body: { approvalExpiryMinutes: 30 + (++counter % 600) } }),
  },
  'DELETE /v1/tenants/{id}/remediation/policy': {
    // Each success resets a policy that differs from the defaults; acme's own policy (auto-execution on) is put back after.
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/tenants/acme/remediation/policy', { approvalExpiryMinutes: 700 + (++counter % 600) });
      return { path: '/v1/tenants/acme/remediation/policy' };
    },
    cleanup: async () => {
      await setup('PUT', '/v1/tenants/acme/remediation/policy', { autoExecute: true });
    },
  },
  'GET /v1/tenants/{id}/remediation/access': { request: () => ({ path: '/v1/tenants/acme/remediation/access' }) },

  'GET /v1/oncall/now': { request: () => ({ path: '/v1/oncall/now?tenant=acme' }) },
  'GET /v1/oncall/schedules': {
    request: () => ({ path: '/v1/oncall/schedules?tenant=acme' }),
    check: (answer) => expect(answer.body.schedules.length).toBeGreaterThan(0),
  },
  'POST /v1/oncall/schedules': {
    request: () => ({ path: '/v1/oncall/schedules?tenant=acme', body: exampleSchedule(unique('walk-schedule')) }),
  },
  'GET /v1/oncall/schedules/{id}': { request: () => ({ path: `/v1/oncall/schedules/${shared.scheduleId}?tenant=acme` }) },
  'PUT /v1/oncall/schedules/{id}': {
    // A new name each call: the same schedule again changes nothing and is not audited.
    request: () => {
      const { id: _id, ...schedule } = exampleSchedule();
      return { path: `/v1/oncall/schedules/${shared.scheduleId}?tenant=acme`, body: { ...schedule, name: unique('Walk rotation') } };
    },
  },
  'GET /v1/maintenance-windows': {
    request: () => ({ path: '/v1/maintenance-windows?tenant=acme' }),
    // acme's windows for acme's people, none for globex's.
    check: (answer, caller) => expect(answer.body.windows.length > 0).toBe(caller !== 'other-tenant technician'),
  },
  'POST /v1/maintenance-windows': {
    request: async () => ({ path: '/v1/maintenance-windows?tenant=acme', body: await shortWindow() }),
  },
  'POST /v1/maintenance-windows/preview': {
    request: async () => ({ path: '/v1/maintenance-windows/preview?tenant=acme', body: await shortWindow() }),
    check: (answer) => expect(answer.body.assets).toEqual([expect.objectContaining({ id: 'app-prod-02' })]),
  },
  'GET /v1/maintenance-windows/{id}': { request: () => ({ path: `/v1/maintenance-windows/${shared.windowId}?tenant=acme` }) },
  'PATCH /v1/maintenance-windows/{id}': {
    request: () => ({ path: `/v1/maintenance-windows/${shared.windowId}?tenant=acme`, body: { reason: unique('walk reason') } }),
  },
  'POST /v1/maintenance-windows/{id}/end': {
    // Each caller allowed ends a window of its own (a technician may end only those).
    request: async (caller, allowed) => ({
      path: `/v1/maintenance-windows/${allowed && caller !== 'anonymous' ? await newWindow(caller) : shared.windowId}/end?tenant=acme`,
    }),
  },
  'POST /v1/incidents/{id}/silence': {
    request: async (_caller, allowed) => ({
      path: `/v1/incidents/${allowed ? (await newIncident()).id : shared.incidentId}/silence?tenant=acme`,
      body: { for: 'PT1H', reason: 'walk' },
    }),
  },
  'GET /v1/technicians': {
    request: () => ({ path: '/v1/technicians?tenant=acme' }),
    check: (answer) => expect(answer.body.technicians.length).toBeGreaterThan(0),
  },
  'PUT /v1/technicians/{userId}/profile': {
    // A cap other than the default 5, on a technician made for it.
    request: async (_caller, allowed) => ({
      path: `/v1/technicians/${allowed ? await newUser() : shared.userId}/profile`,
      body: { maxOpenIncidents: 6 + (++counter % 50), active: true },
    }),
  },
  'GET /v1/tenants/{id}/sla/policy': { request: () => ({ path: '/v1/tenants/acme/sla/policy' }) },
  'PUT /v1/tenants/{id}/sla/policy': {
    // Never the default lead (30 minutes), and a new one each call.
    request: () => ({ path: '/v1/tenants/acme/sla/policy', body: { warning: { leadMinutes: 31 + (++counter % 600) } } }),
  },
  'DELETE /v1/tenants/{id}/sla/policy': {
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/tenants/acme/sla/policy', { warning: { leadMinutes: 700 + (++counter % 600) } });
      return { path: '/v1/tenants/acme/sla/policy' };
    },
  },
  'GET /v1/tenants/{id}/escalation/policy': { request: () => ({ path: '/v1/tenants/acme/escalation/policy' }) },
  'PUT /v1/tenants/{id}/escalation/policy': {
    request: () => ({ path: '/v1/tenants/acme/escalation/policy', body: { name: unique('Walk chain') } }),
  },
  'DELETE /v1/tenants/{id}/escalation/policy': {
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/tenants/acme/escalation/policy', { name: unique('Walk chain') });
      return { path: '/v1/tenants/acme/escalation/policy' };
    },
  },
  'GET /v1/tenants/{id}/notifications/channels': { request: () => ({ path: '/v1/tenants/acme/notifications/channels' }), check: masked },
  'PUT /v1/tenants/{id}/notifications/channels': {
    request: () => ({ path: '/v1/tenants/acme/notifications/channels', body: exampleChannels() }),
    check: masked,
  },
  'DELETE /v1/tenants/{id}/notifications/channels': {
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/tenants/acme/notifications/channels', exampleChannels());
      return { path: '/v1/tenants/acme/notifications/channels' };
    },
  },
  'GET /v1/reports': { request: () => ({ path: '/v1/reports?tenant=acme&period=2026-11' }) },
  'GET /v1/branding': { request: () => ({ path: '/v1/branding' }) },
  'PUT /v1/branding': { request: () => ({ path: '/v1/branding', body: { name: unique('Walk MSP') } }) },
  'GET /v1/reports/delivery': { request: () => ({ path: '/v1/reports/delivery?tenant=acme' }) },
  'PUT /v1/reports/delivery': {
    // A new send time each call (the same settings again change nothing and are not audited); delivery stays off.
    request: () => {
      const minutes = ++counter % 1440;
      const sendAt = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      return { path: '/v1/reports/delivery?tenant=acme', body: { contacts: ['it-lead@acme.example'], sendAt } };
    },
  },
  'POST /v1/reports/send': {
    // The report needs contacts to go to: set (unchanged after the first time, so not audited) before a call that may succeed.
    request: async (_caller, allowed) => {
      if (allowed) await setup('PUT', '/v1/reports/delivery?tenant=acme', { contacts: ['it-lead@acme.example'] });
      return { path: '/v1/reports/send?tenant=acme', body: { period: '2026-11' } };
    },
    check: (answer) => expect(answer.body).toMatchObject({ status: 'sent', recipients: 1 }),
  },
  'GET /v1/reports/deliveries': { request: () => ({ path: '/v1/reports/deliveries?tenant=acme' }) },
  'GET /v1/notifications': { request: () => ({ path: '/v1/notifications?tenant=acme' }) },
  'GET /v1/me/notification-preferences': { request: () => ({ path: '/v1/me/notification-preferences' }) },
  'PUT /v1/me/notification-preferences': {
    // Each caller changes their own, from the defaults.
    request: () => ({
      path: '/v1/me/notification-preferences',
      body: {
        timeZone: 'Europe/Berlin',
        channels: { 'sla-warning': ['email', 'dashboard'] },
        quietHours: { from: '22:00', to: `07:${String(++counter % 60).padStart(2, '0')}` },
      },
    }),
  },

  // The caller's own phone number: a code is texted to it (the local SMS emulator keeps it), then typed back.
  'GET /v1/me/phone': { request: () => ({ path: '/v1/me/phone' }) },
  'PUT /v1/me/phone': { request: (caller) => ({ path: '/v1/me/phone', body: { number: phoneOf(caller) } }) },
  'POST /v1/me/phone/verify': {
    request: async (caller) => ({
      path: '/v1/me/phone/verify',
      body: { code: caller === 'anonymous' ? '000000' : await pendingCode(caller) },
    }),
    check: (answer, caller) => expect([caller, answer.body.number, answer.body.pending]).toEqual([caller, phoneOf(caller), null]),
  },
  'DELETE /v1/me/phone': { request: () => ({ path: '/v1/me/phone' }) },

  // Responding from a notification: the link's token is the credential, so every caller (any bearer token
  // is not looked at) gets the same answer, a page; a POST acts as the link's user (acme's technician).
  'GET /a/{token}': {
    request: async () => ({ path: `/a/${await newActionLink()}` }),
    page: true,
  },
  'POST /a/{token}': {
    request: async () => ({ path: `/a/${await newActionLink()}`, body: { action: 'acknowledge' } }),
    page: true,
    audit: { action: 'incident.acknowledge', log: 'tenant' },
  },
  // The Slack app: not configured on the walk's stack.
  'GET /slack/oauth/callback': {
    request: () => ({ path: '/slack/oauth/callback?code=walk-code&state=walk-state' }),
    expect: slackAppNotConfigured,
  },
  'POST /slack/interactions': {
    request: () => ({ path: '/slack/interactions', body: {} }),
    expect: slackAppNotConfigured,
  },
  'POST /v1/integrations/slack-app/install': {
    request: () => ({ path: '/v1/integrations/slack-app/install?tenant=acme' }),
    expect: slackAppNotConfigured,
  },
  'GET /v1/integrations/slack-app': {
    request: () => ({ path: '/v1/integrations/slack-app?tenant=acme' }),
    expect: slackAppNotConfigured,
  },
  'DELETE /v1/integrations/slack-app': {
    request: () => ({ path: '/v1/integrations/slack-app?tenant=acme' }),
    expect: slackAppNotConfigured,
  },

  // Destructive calls: each success on a resource created for it.
  'DELETE /v1/integrations/api-keys/{keyId}': {
    request: async (_caller, allowed) => ({ path: `/v1/integrations/api-keys/${allowed ? await newApiKey() : shared.keyId}?tenant=acme` }),
  },
  'DELETE /v1/users/{id}': {
    request: async (_caller, allowed) => ({ path: `/v1/users/${allowed ? await newUser() : shared.userId}` }),
  },
  'DELETE /v1/runbooks/{id}': {
    request: async (_caller, allowed) => ({ path: `/v1/runbooks/${allowed ? await newRunbook() : shared.runbookId}?tenant=acme` }),
  },
  'DELETE /v1/oncall/schedules/{id}': {
    request: async (_caller, allowed) => ({
      path: `/v1/oncall/schedules/${allowed ? await newSchedule() : shared.scheduleId}?tenant=acme`,
    }),
  },
  'DELETE /v1/maintenance-windows/{id}': {
    request: async (_caller, allowed) => ({
      path: `/v1/maintenance-windows/${allowed ? await newWindow() : shared.windowId}?tenant=acme`,
    }),
  },
  'DELETE /v1/assets/{id}': {
    request: async (_caller, allowed) => ({ path: `/v1/assets/${allowed ? await newAsset() : shared.assetId}?tenant=acme` }),
  },
  'DELETE /v1/tenants/{id}': {
    // Refused on acme; the MSP admin deletes a tenant made for it.
    request: async (caller) => {
      if (caller !== 'msp admin') return { path: '/v1/tenants/acme' };
      const id = unique('walk-doomed');
      await setup('POST', '/v1/tenants', { id, name: id });
      return { path: `/v1/tenants/${id}`, tenant: id };
    },
  },
};

/**
 * The newest audit entries by users in the logs a call may write to (the MSP's, acme's, globex's, the
 * call's tenant's). The system's own entries are left out: they follow asynchronously (a decision for a
 * new incident, an execution's outcome) and are not the call's.
 */
async function auditSnapshot(tenants: readonly (string | undefined)[]): Promise<Map<string | undefined, AuditEntry[]>> {
  const logs = new Map<string | undefined, AuditEntry[]>();
  for (const tenant of new Set(tenants)) {
    const { entries } = await listAudit(stack.table, tenant, {}, { limit: 100 });
    logs.set(
      tenant,
      entries.filter((entry) => entry.actor.type === 'user'),
    );
  }
  return logs;
}

function newEntries(before: Map<string | undefined, AuditEntry[]>, after: Map<string | undefined, AuditEntry[]>) {
  const added: Array<{ log: string; action: string }> = [];
  for (const [tenant, entries] of after) {
    const seen = new Set((before.get(tenant) ?? []).map((entry) => entry.id));
    for (const entry of entries) if (!seen.has(entry.id)) added.push({ log: tenant ?? 'msp', action: entry.action });
  }
  return added.sort((a, b) => a.log.localeCompare(b.log));
}

/** The answer parses with the schema and carries nothing the schema does not name. */
function schemaProblem(schema: ZodType, body: unknown): string | undefined {
  const parsed = schema.safeParse(body);
  if (!parsed.success) return `does not parse: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`;
  if (JSON.stringify(sortKeys(parsed.data)) !== JSON.stringify(sortKeys(body))) {
    return `has fields the schema does not name: ${JSON.stringify(undocumented(body, parsed.data))}`;
  }
  return undefined;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, entry]) => [key, sortKeys(entry)]),
  );
}

/** The paths of the fields of `raw` that `parsed` dropped. */
function undocumented(raw: unknown, parsed: unknown, path = ''): string[] {
  if (Array.isArray(raw) && Array.isArray(parsed))
    return raw.flatMap((item, index) => undocumented(item, parsed[index], `${path}[${index}]`));
  if (raw === null || typeof raw !== 'object' || parsed === null || typeof parsed !== 'object') return [];
  return Object.entries(raw).flatMap(([key, value]) =>
    key in parsed ? undocumented(value, (parsed as Record<string, unknown>)[key], `${path}.${key}`) : [`${path}.${key}`],
  );
}

async function signInAll(): Promise<void> {
  const signIn = async (caller: SignedIn) => {
    const { status, body } = await postJson(stack, '/v1/auth/login', { email: emailOf(caller), password: passwordOf(caller) });
    if (status !== 200) throw new Error(`Login failed for ${emailOf(caller)}: ${status}`);
    sessions[caller] = { token: body.accessToken, id: body.user.id };
  };
  const staff = (Object.keys(USERS) as SignedIn[]).filter((caller) => caller !== 'client viewer');
  for (const caller of staff) await signIn(caller);
  // Made once; signing in again (after 'logout-all') finds it.
  if (!sessions['client viewer'])
    await setup('POST', '/v1/users', {
      email: emailOf('client viewer'),
      name: 'Walk Client',
      role: 'client_viewer',
      tenantIds: ['acme'],
      password: CLIENT_VIEWER_PASSWORD,
    });
  await signIn('client viewer');
}

beforeAll(async () => {
  // Runbook executions (approved or started by the walk) wait 0.2 s rather than 20 s between SSM polls.
  ({ stack, demo } = await startTestStack('api-walk', { scheduleScale: 0.01 }));
  await signInAll();
  shared.incidentId = (await newIncident()).id;
  shared.userId = await newUser();
  shared.keyId = await newApiKey();
  shared.assetId = await newAsset();
  shared.runbookId = await newRunbook();
  shared.approvalId = await newApproval();
  shared.scheduleId = await newSchedule();
  shared.windowId = await newWindow();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('every documented route has a walk case, and every walk case a route', () => {
  expect(Object.keys(CASES).sort()).toEqual(routes.map(keyOf).sort());
});

test('every change is audited, or says why not', () => {
  for (const route of routes) {
    if (route.method === 'GET') continue;
    const reasons = [route.doc.audit, NOT_AUDITED[keyOf(route)], AUDITED_AS_THE_ACTION[keyOf(route)]];
    expect([keyOf(route), reasons.filter(Boolean).length]).toEqual([keyOf(route), 1]);
  }
});

describe('the walk', () => {
  for (const [key, walk] of Object.entries(CASES)) {
    const route = routes.find((candidate) => keyOf(candidate) === key);
    // A case without a route fails the test above.
    if (!route) continue;
    test(key, async () => {
      const problems: string[] = [];
      const success = successOf(route, walk);
      for (const caller of CALLERS) {
        const expectedFor = (tenant: string) => {
          const matrix = expectedStatus(route.doc, caller, tenant, success);
          return walk.expect ? walk.expect(caller, matrix) : matrix;
        };
        const request = await walk.request(caller, expectedFor('acme') < 300);
        const tenant = request.tenant ?? 'acme';
        const expected = expectedFor(tenant);
        const logs = [undefined, 'acme', 'globex', tenant];
        const before = await auditSnapshot(logs);
        const answer = await call(route.method, request.path, caller, request.body);
        const added = newEntries(before, await auditSnapshot(logs));
        const where = `${caller}: ${route.method} ${request.path}`;

        if (answer.status !== expected)
          problems.push(`${where} answered ${answer.status}, the matrix says ${expected}: ${answer.text.slice(0, 300)}`);
        if (answer.status >= 200 && answer.status < 300) {
          const schema = route.doc.responses[answer.status as 200];
          if (schema === undefined) problems.push(`${where}: ${answer.status} is not documented`);
          else if (walk.page) {
            if (!/^text\/html\b/i.test(answer.contentType) || !/^<!DOCTYPE html>/i.test(answer.text))
              problems.push(`${where}: expected an HTML page, answered ${answer.contentType}: ${answer.text.slice(0, 100)}`);
          } else if (schema === null) {
            if (answer.text !== '') problems.push(`${where}: documented without a body, answered ${answer.text.slice(0, 100)}`);
          } else {
            const problem = schemaProblem(schema, answer.body);
            if (problem) problems.push(`${where}: the answer ${problem}`);
          }
          walk.check?.(answer, caller);
        } else if (answer.body === undefined) {
          problems.push(`${where}: the error is not JSON (${answer.contentType || 'no content type'}): ${answer.text.slice(0, 100)}`);
        } else {
          const problem = schemaProblem(errorResponse, answer.body);
          if (problem) problems.push(`${where}: the error ${problem}`);
        }

        const changed = route.method !== 'GET' && answer.status >= 200 && answer.status < 300;
        const audit = route.doc.audit ?? walk.audit;
        const expectedEntries =
          changed && audit
            ? (audit.log === 'both' ? ['msp', tenant] : [audit.log === 'msp' ? 'msp' : tenant]).map((log) => ({
                log,
                action: audit.action,
              }))
            : [];
        expectedEntries.sort((a, b) => a.log.localeCompare(b.log));
        if (JSON.stringify(added) !== JSON.stringify(expectedEntries)) {
          problems.push(
            `${where} (${answer.status}) added audit entries ${JSON.stringify(added)}, expected ${JSON.stringify(expectedEntries)}`,
          );
        }
      }
      await walk.cleanup?.();
      expect(problems).toEqual([]);
    });
  }
});

describe('the webhook route of the ingestion function, as documented', () => {
  const [webhook] = WEBHOOK_OPERATIONS;

  test('a delivery with the key is accepted (202, the documented answer) and audits nothing; without a key it is 401', async () => {
    const acmeKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
    const body = { asset_name: 'walk-webhook', signature: 'WalkWebhook', severity: 'low', message: 'm', tool_source: 'walk' };
    const before = await auditSnapshot([undefined, 'acme']);
    const accepted = await postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': acmeKey });
    expect(accepted.status).toBe(202);
    expect(schemaProblem(webhook!.doc.responses[202]!, accepted.body)).toBeUndefined();
    const refused = await postJson(stack, '/v1/webhooks/generic', body);
    expect(refused.status).toBe(401);
    expect(schemaProblem(errorResponse, refused.body)).toBeUndefined();
    await stack.idle();
    expect(newEntries(before, await auditSnapshot([undefined, 'acme']))).toEqual([]);
  });
});
