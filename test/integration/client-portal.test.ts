import { jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { apiRoutes, type ApiDeps } from '../../lib/api/all-routes';
import { getIncidentDetail } from '../../lib/store/incidents';
import { listNotificationDeliveries } from '../../lib/store/notifications';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The client portal's back end, through the real local stack (API, DynamoDB Local, the WebSocket gateway
 * and fan-out, the sla function's notifications): a client_viewer of acme sees acme's incidents only,
 * redacted (no internal note, no runbook or alert text, no other company, no staff addresses), may write
 * a note and ask for a callback (a person is notified), may act on nothing, is sent nothing live, and
 * loses access within seconds when deleted.
 */
jest.setTimeout(60_000);

let stack: LocalStack;
let demo: DemoInfo;
let adminToken: string;
let viewer: { id: string; token: string; refreshToken: string; email: string };
let acmeIncident: string;
let globexIncident: string;
let globexName: string;
const PASSWORD = 'Client-portal-9!';
const SECRET = 'S3cret-Token-in-an-alert';
const INTERNAL = 'INTERNAL-ONLY: the root password is on the wiki';

const as = (token: string) => ({ authorization: `Bearer ${token}` });

async function send(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { ...as(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

let deliveries = 0;
/** A new incident of the tenant from a webhook delivery whose message and labels carry a secret; its id. */
async function newIncident(tenantId: string): Promise<string> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === tenantId)!.apiKey;
  const signature = `PortalCheck${++deliveries}`;
  const delivered = await postJson(
    stack,
    '/v1/webhooks/generic',
    {
      asset_name: `portal-host-${deliveries}`,
      signature,
      severity: 'high',
      message: `login failed with ${SECRET}`,
      tool_source: 'portal-test',
      labels: { token: SECRET },
    },
    { 'x-api-key': apiKey, 'x-delivery-id': `portal-${deliveries}-${Date.now()}` },
  );
  expect(delivered.status).toBe(202);
  await stack.idle();
  const listed = await getJson(stack, `/v1/incidents?tenant=${tenantId}&limit=200`, adminToken);
  const incident = listed.body.incidents.find((candidate: { signatures: string[] }) => candidate.signatures.includes(signature));
  expect(incident).toBeDefined();
  return incident.id as string;
}

async function newViewer(tenantIds: string[], token = adminToken) {
  const email = `client-${++deliveries}-${Date.now()}@acme.example`;
  const made = await send('POST', '/v1/users', token, {
    email,
    name: `Casey Client ${deliveries}`,
    role: 'client_viewer',
    tenantIds,
    password: PASSWORD,
  });
  return { made, email };
}

async function signIn(email: string) {
  const signedIn = await postJson(stack, '/v1/auth/login', { email, password: PASSWORD });
  expect(signedIn.status).toBe(200);
  return { token: signedIn.body.accessToken as string, refreshToken: signedIn.body.refreshToken as string };
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('client-portal'));
  adminToken = await login(stack, demo, 'admin@msp.example');
  const { made, email } = await newViewer(['acme']);
  expect(made.status).toBe(201);
  viewer = { id: made.body.id, email, ...(await signIn(email)) };
  globexName = (await getJson(stack, '/v1/tenants/globex', adminToken)).body.name;
  acmeIncident = await newIncident('acme');
  globexIncident = await newIncident('globex');
  const niko = (await getJson(stack, '/v1/users?tenant=acme', adminToken)).body.users.find(
    (user: { email: string }) => user.email === 'tech.niko@msp.example',
  );
  // Assigned to a technician, with an internal note and one the client may read.
  const assigned = await send('POST', `/v1/incidents/${acmeIncident}/assign?tenant=acme`, adminToken, { userId: niko.id });
  expect(assigned.status).toBe(200);
  expect((await send('POST', `/v1/incidents/${acmeIncident}/notes?tenant=acme`, adminToken, { text: INTERNAL })).status).toBe(201);
  const told = await send('POST', `/v1/incidents/${acmeIncident}/notes?tenant=acme`, adminToken, {
    text: 'We are restarting the service now',
    visibility: 'client',
  });
  expect(told.status).toBe(201);
  await stack.idle();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

test('a client viewer belongs to exactly one company; company admins invite them to their own company only', async () => {
  expect((await newViewer([])).made.status).toBe(400);
  expect((await newViewer(['acme', 'globex'])).made.status).toBe(400);
  const acmeAdmin = await login(stack, demo, 'admin@acme.example');
  expect((await newViewer(['acme'], acmeAdmin)).made.status).toBe(201);
  expect((await newViewer(['globex'], acmeAdmin)).made.status).toBe(404);
  // A client's viewer is never assigned an incident.
  const assigned = await send('POST', `/v1/incidents/${acmeIncident}/assign?tenant=acme`, adminToken, { userId: viewer.id });
  expect(assigned.status).toBe(400);
});

test('a technician who becomes a client viewer gives up the incidents they held', async () => {
  const email = `tech-to-client-${Date.now()}@acme.example`;
  const made = await send('POST', '/v1/users', adminToken, {
    email,
    name: 'Tess Turned',
    role: 'technician',
    tenantIds: ['acme'],
    password: PASSWORD,
  });
  expect(made.status).toBe(201);
  const held = await newIncident('acme');
  expect((await send('POST', `/v1/incidents/${held}/assign?tenant=acme`, adminToken, { userId: made.body.id })).status).toBe(200);
  expect(
    (await send('PATCH', `/v1/users/${made.body.id}`, adminToken, { role: 'client_viewer', tenantIds: ['acme', 'globex'] })).status,
  ).toBe(400);
  expect((await send('PATCH', `/v1/users/${made.body.id}`, adminToken, { role: 'client_viewer' })).status).toBe(200);
  const after = await getIncidentDetail(stack.table, 'acme', held);
  expect(after!.incident.assignee?.userId).not.toBe(made.body.id);
});

test("they see their company's incidents only: another company's is a 404", async () => {
  const listed = await send('GET', '/v1/incidents?limit=200', viewer.token);
  expect(listed.status).toBe(200);
  expect(listed.body.incidents.length).toBeGreaterThan(0);
  expect(new Set(listed.body.incidents.map((incident: { tenantId: string }) => incident.tenantId))).toEqual(new Set(['acme']));
  expect((await send('GET', '/v1/incidents?tenant=globex', viewer.token)).body.incidents).toEqual([]);
  expect((await send('GET', `/v1/incidents/${globexIncident}?tenant=globex`, viewer.token)).status).toBe(404);
  expect((await send('GET', `/v1/incidents/${globexIncident}?tenant=acme`, viewer.token)).status).toBe(404);
  const tenants = await send('GET', '/v1/tenants', viewer.token);
  expect(tenants.body.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(['acme']);
  expect((await send('GET', '/v1/tenants/globex', viewer.token)).status).toBe(404);
});

test('an incident reads redacted: no internal note, no alert text, no runbook, no reasoning, no staff address', async () => {
  const { status, body, text } = await send('GET', `/v1/incidents/${acmeIncident}?tenant=acme`, viewer.token);
  expect(status).toBe(200);
  expect(text).not.toContain(INTERNAL);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('@msp.example');
  expect(body.incident.decision).toBeUndefined();
  expect(body.incident.remediation).toBeUndefined();
  expect(body.incident.priority).toBeUndefined();
  expect(body.incident.escalation).toBeUndefined();
  expect(body.incident.assignee.name).toBe('Niko Network');
  expect(body.alerts.every((row: { reason: string; message: string }) => row.reason === '' && row.message === '')).toBe(true);
  const types = new Set(body.timeline.map((entry: { type: string }) => entry.type));
  for (const hidden of ['remediation-decided', 'execution-started', 'execution-finished', 'approval-requested', 'incident-routed'])
    expect(types.has(hidden)).toBe(false);
  const notes = body.timeline.filter((entry: { type: string }) => entry.type === 'note');
  expect(notes.map((note: { reason: string; visibility: string }) => [note.reason, note.visibility])).toEqual([
    ['We are restarting the service now', 'client'],
  ]);
  // The MSP's own view keeps everything.
  const staff = await send('GET', `/v1/incidents/${acmeIncident}?tenant=acme`, adminToken);
  expect(staff.text).toContain(INTERNAL);
  expect(staff.text).toContain(SECRET);
  expect(staff.body.incident.decision).toBeDefined();
  expect(staff.body.incident.priority).toBeDefined();
});

test("no answer they can get names another company or carries an alert's secret", async () => {
  const assetId = (await send('GET', '/v1/assets?tenant=acme', viewer.token)).body.assets[0].id as string;
  const ids: Record<string, string> = { '/v1/incidents/{id}': acmeIncident, '/v1/assets/{id}': assetId, '/v1/tenants/{id}': 'acme' };
  const gets = apiRoutes({} as ApiDeps).filter((route) => route.method === 'GET' && route.doc.scope !== 'public');
  let answered = 0;
  for (const route of gets) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)];
    if (params.length && !ids[route.path]) continue; // a resource of another kind: their role reads none of them (403/404 below)
    const path = `${ids[route.path] ? route.path.replace(/\{\w+\}/, ids[route.path]!) : route.path}?tenant=acme`;
    const { status, text } = await send('GET', path, viewer.token);
    expect([path, status < 500]).toEqual([path, true]);
    if (status >= 300) continue;
    answered++;
    expect([path, text.toLowerCase().includes('globex')]).toEqual([path, false]);
    expect([path, text.includes(globexName)]).toEqual([path, false]);
    expect([path, text.includes(SECRET)]).toEqual([path, false]);
    expect([path, text.includes(INTERNAL)]).toEqual([path, false]);
  }
  expect(answered).toBeGreaterThan(5);
});

test('assets show name, type and status only', async () => {
  const { body } = await send('GET', '/v1/assets?tenant=acme', viewer.token);
  for (const asset of body.assets) {
    expect(Object.keys(asset).sort()).toEqual([
      'aliases',
      'critical',
      'dependsOn',
      'id',
      'name',
      'openIncidents',
      'status',
      'tags',
      'type',
    ]);
    expect([asset.aliases, asset.dependsOn, asset.tags]).toEqual([[], [], {}]);
  }
  const staff = await send('GET', '/v1/assets?tenant=acme', adminToken);
  expect(staff.body.assets[0].aliases).toBeDefined();
});

test('they cannot acknowledge, resolve, assign, escalate, run or read alerts, executions, users or audit (403)', async () => {
  const path = (action: string) => `/v1/incidents/${acmeIncident}/${action}?tenant=acme`;
  expect((await send('POST', path('acknowledge'), viewer.token)).status).toBe(403);
  expect((await send('POST', path('resolve'), viewer.token, { code: 'fixed' })).status).toBe(403);
  expect((await send('POST', path('assign'), viewer.token, { userId: null })).status).toBe(403);
  expect((await send('POST', path('escalate'), viewer.token)).status).toBe(403);
  expect((await send('POST', path('sla/pause'), viewer.token, {})).status).toBe(403);
  for (const read of [
    '/v1/alerts?tenant=acme',
    '/v1/executions?tenant=acme',
    '/v1/users?tenant=acme',
    '/v1/audit?tenant=acme',
    '/v1/runbooks?tenant=acme',
  ])
    expect([read, (await send('GET', read, viewer.token)).status]).toEqual([read, 403]);
});

test("their notes are client-visible and are not the MSP's response", async () => {
  const fresh = await newIncident('acme');
  const noted = await send('POST', `/v1/incidents/${fresh}/notes?tenant=acme`, viewer.token, {
    text: 'Our tills are down too',
    visibility: 'internal',
  });
  expect(noted.status).toBe(201);
  const note = noted.body.timeline.find((entry: { type: string }) => entry.type === 'note');
  expect(note).toMatchObject({ reason: 'Our tills are down too', visibility: 'client', actor: viewer.email });
  const stored = await getIncidentDetail(stack.table, 'acme', fresh);
  expect(stored!.incident.respondedAt).toBeUndefined();
});

test('asking for a callback adds a client-visible note, is audited, and notifies the assignee', async () => {
  const asked = await send('POST', `/v1/incidents/${acmeIncident}/callback?tenant=acme`, viewer.token, {
    phone: '+447700900123',
    message: 'Please call the front desk',
  });
  expect(asked.status).toBe(201);
  const note = asked.body.timeline.findLast((entry: { type: string }) => entry.type === 'note');
  expect(note.reason).toMatch(/^Casey Client \d+ asked for a callback on \+447700900123: Please call the front desk$/);
  expect(note.visibility).toBe('client');
  // Each request tells a person: a second one on the same incident within 15 minutes is refused, and says when.
  const again = await fetch(`${stack.apiUrl}/v1/incidents/${acmeIncident}/callback?tenant=acme`, {
    method: 'POST',
    headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'Still waiting' }),
  });
  expect(again.status).toBe(429);
  expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(800);
  expect(
    (await send('POST', `/v1/incidents/${acmeIncident}/callback?tenant=acme`, viewer.token, { phone: '0770', message: 'x' })).status,
  ).toBe(400);
  expect(
    (await send('POST', `/v1/incidents/${acmeIncident}/callback?tenant=acme`, viewer.token, { message: 'x'.repeat(1001) })).status,
  ).toBe(400);
  expect(
    (await send('POST', `/v1/incidents/${acmeIncident}/callback?tenant=acme`, adminToken.replace(/./, 'x'), { message: 'x' })).status,
  ).toBe(401);
  const technician = await login(stack, demo, 'tech.niko@msp.example');
  expect((await send('POST', `/v1/incidents/${acmeIncident}/callback?tenant=acme`, technician, { message: 'x' })).status).toBe(403);

  const audit = await send('GET', '/v1/audit?tenant=acme', adminToken);
  const entry = audit.body.entries.find((candidate: { action: string }) => candidate.action === 'incident.callback');
  expect(entry).toBeDefined();
  expect(JSON.stringify(entry)).not.toContain('+447700900123');

  await stack.idle();
  const assignee = (await getIncidentDetail(stack.table, 'acme', acmeIncident))!.incident.assignee!.userId;
  await eventually('the assignee to be notified', async () => {
    const { deliveries: sent } = await listNotificationDeliveries(
      stack.table,
      'acme',
      { incidentId: acmeIncident, recipient: assignee },
      { limit: 100 },
    );
    return sent.some((delivery) => delivery.kind === 'callback-request' && delivery.status !== 'failed');
  });
});

test("while nobody is assigned, a callback request tells the company's admins", async () => {
  const fresh = await newIncident('acme');
  // Routing may have assigned it already: taken off again, nobody holds it.
  expect((await send('POST', `/v1/incidents/${fresh}/assign?tenant=acme`, adminToken, { userId: null })).status).toBe(200);
  expect((await send('POST', `/v1/incidents/${fresh}/callback?tenant=acme`, viewer.token, { message: 'Anyone there?' })).status).toBe(201);
  await stack.idle();
  const acmeAdmin = (await getJson(stack, '/v1/users?tenant=acme', adminToken)).body.users.find(
    (user: { email: string }) => user.email === 'admin@acme.example',
  );
  await eventually("the company's admin to be notified", async () => {
    const { deliveries: sent } = await listNotificationDeliveries(
      stack.table,
      'acme',
      { incidentId: fresh, recipient: acmeAdmin.id },
      { limit: 100 },
    );
    return sent.some((delivery) => delivery.kind === 'callback-request');
  });
});

function open(token: string): Promise<{ socket: WebSocket; messages: any[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl}?token=${token}`);
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

test('a live connection of theirs is sent nothing, and may follow no incident', async () => {
  const client = await open(viewer.token);
  const staff = await open(adminToken);
  const subscribe = { type: 'subscribe', tenantId: 'acme', incidentId: acmeIncident, id: 'sub-1' };
  client.socket.send(JSON.stringify(subscribe));
  staff.socket.send(JSON.stringify(subscribe));
  await eventually('the staff subscription', async () => staff.messages.some((message) => message.type === 'subscribed'));
  await newIncident('acme');
  expect((await send('POST', `/v1/incidents/${acmeIncident}/notes?tenant=acme`, adminToken, { text: INTERNAL })).status).toBe(201);
  await stack.idle();
  await eventually('events to reach the staff connection', async () => staff.messages.some((message) => message.type !== 'subscribed'));
  await sleep(500);
  expect(client.messages).toEqual([{ type: 'error', code: 'not_found', message: expect.any(String), id: 'sub-1' }]);
  client.socket.close();
  staff.socket.close();
});

test('deleting a client viewer ends their access within seconds', async () => {
  const { made, email } = await newViewer(['acme']);
  const gone = await signIn(email);
  expect((await send('GET', '/v1/incidents', gone.token)).status).toBe(200);
  expect((await send('DELETE', `/v1/users/${made.body.id}`, adminToken)).status).toBe(204);
  const took = await eventually('the token to be refused', async () => (await send('GET', '/v1/incidents', gone.token)).status === 401);
  expect(took).toBeLessThan(6_500);
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: gone.refreshToken })).status).toBe(401);
});
