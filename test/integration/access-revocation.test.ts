import { jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { loadKeySet } from '../../lib/auth/tokens';
import { issueActionLink } from '../../lib/notify/action-links';
import { keys } from '../../lib/store/keys';
import { findUserByVerifiedPhone } from '../../lib/store/phones';
import { queryAll } from '../../lib/store/table-ref';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, postJson, startTestStack } from '../helpers/local-stack';

/**
 * Access that was taken away ends within seconds, not when the 15-minute access token expires: a deleted
 * user, a user whose role or tenants were cut, and "sign out everywhere", through the real local stack
 * (API, WebSocket gateway and fan-out). Each warm function trusts what it read of a user's access for
 * at most 5 seconds, hence the polling below.
 */
jest.setTimeout(30_000);

let stack: LocalStack;
let demo: DemoInfo;
let adminToken: string;
const PASSWORD = 'Revocation-test-9!';
let created = 0;

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('access-revocation'));
  adminToken = await login(stack, demo, 'admin@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function send(method: 'PATCH' | 'DELETE', path: string, token: string, body?: unknown): Promise<number> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.status;
}

async function postJsonAs(method: 'PUT' | 'POST', path: string, body: unknown, token: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

/** A new user made by the MSP admin, signed in: their id, access token and refresh token. */
async function newUser(role: 'technician' | 'company_admin', tenantIds: string[]) {
  const email = `revoke-${++created}-${Date.now()}@msp.example`;
  const made = await postJson(
    stack,
    '/v1/users',
    { email, name: `Revoked ${created}`, role, tenantIds, password: PASSWORD },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(made.status).toBe(201);
  const signedIn = await postJson(stack, '/v1/auth/login', { email, password: PASSWORD });
  expect(signedIn.status).toBe(200);
  return {
    id: made.body.id as string,
    accessToken: signedIn.body.accessToken as string,
    refreshToken: signedIn.body.refreshToken as string,
  };
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

let deliveries = 0;
async function alertAcme(): Promise<void> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  const response = await postJson(
    stack,
    '/v1/webhooks/generic',
    {
      asset_name: 'revocation-host',
      signature: `revocation-${++deliveries}`,
      severity: 'high',
      message: 'revocation test',
      tool_source: 'test',
    },
    { 'x-api-key': apiKey, 'x-delivery-id': `revocation-${deliveries}-${Date.now()}` },
  );
  expect(response.status).toBe(202);
  await stack.idle();
}

function open(token: string): Promise<{ socket: WebSocket; messages: any[]; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl}?token=${token}`);
    const messages: any[] = [];
    let closed = false;
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    socket.on('close', () => (closed = true));
    socket.once('open', () => resolve({ socket, messages, closed: () => closed }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

/** The answer to a WebSocket upgrade: 101 when accepted, else the refusal's status. */
function upgradeStatus(token: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${stack.wsUrl}?token=${token}`);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => resolve(0));
  });
}

/** Polls a request with the token until it is refused; how long that took. */
async function refusedWithin(path: string, token: string): Promise<number> {
  return eventually(`${path} to refuse the token`, async () => (await getJson(stack, path, token)).status === 401);
}

test("a deleted user's access token stops working within seconds, everywhere", async () => {
  const user = await newUser('technician', ['acme']);
  expect((await getJson(stack, '/v1/incidents?tenant=acme', user.accessToken)).status).toBe(200);
  expect((await getJson(stack, `/v1/users/${user.id}`, user.accessToken)).status).toBe(200);
  expect(await send('DELETE', `/v1/users/${user.id}`, adminToken)).toBe(204);
  // The function that deleted the user knows at once; another warm one within its 5-second trust.
  expect((await getJson(stack, `/v1/users/${user.id}`, user.accessToken)).status).toBe(401);
  expect(await refusedWithin('/v1/incidents?tenant=acme', user.accessToken)).toBeLessThan(6_500);
  const refused = await getJson(stack, '/v1/incidents?tenant=acme', user.accessToken);
  expect(refused.body.error.message).toMatch(/sign in again/);
  // Their refresh token is revoked too: no new access token either.
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
});

test("a deleted user's action links stop working, and their phone number speaks for nobody", async () => {
  const user = await newUser('technician', ['acme']);
  const number = '+15555550190';
  expect((await postJsonAs('PUT', '/v1/me/phone', { number }, user.accessToken)).status).toBe(202);
  const code = /code is (\d{6})/.exec(
    stack.smsVoice
      .messages()
      .filter((message) => message.to === number)
      .at(-1)?.body ?? '',
  )?.[1];
  expect((await postJsonAs('POST', '/v1/me/phone/verify', { code }, user.accessToken)).status).toBe(200);
  expect((await findUserByVerifiedPhone(stack.table, number))?.id).toBe(user.id);

  await alertAcme();
  const incidents = await getJson(stack, '/v1/incidents?tenant=acme&status=active', adminToken);
  const incidentId = incidents.body.incidents[0].id as string;
  const { url } = await issueActionLink(
    {
      table: stack.table,
      keySet: await loadKeySet({ AUTH_KEYS_FILE: process.env.AUTH_KEYS_FILE! }),
      now: () => new Date(),
      baseUrl: stack.apiUrl,
    },
    { tenantId: 'acme', incidentId, userId: user.id, accessVersion: 0, channel: 'sms' },
  );
  const open = () => fetch(url, { headers: { accept: 'text/html' } });
  expect((await open()).status).toBe(200);

  expect(await send('DELETE', `/v1/users/${user.id}`, adminToken)).toBe(204);
  const refused = await open();
  expect(refused.status).toBe(403);
  expect(await refused.text()).toMatch(/no longer works/);
  // The number is released: an SMS reply from it acknowledges nothing, and someone else may verify it.
  expect(await findUserByVerifiedPhone(stack.table, number)).toBeUndefined();
  const owner = await queryAll(stack.table, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.phoneOwner(number).pk },
  });
  expect(owner).toEqual([]);
});

test("a deleted user's open dashboard connection is closed, and their token opens no new one", async () => {
  const user = await newUser('technician', ['acme']);
  const client = await open(user.accessToken);
  await alertAcme();
  await eventually('the first event to reach the connection', async () => client.messages.length > 0);

  expect(await send('DELETE', `/v1/users/${user.id}`, adminToken)).toBe(204);
  // The fan-out trusts what it read of the user for a few seconds; the next push after that closes the connection.
  const tookMs = await eventually('the connection to be closed', async () => {
    if (!client.closed()) await alertAcme();
    await sleep(100);
    return client.closed();
  });
  expect(tookMs).toBeLessThan(10_000);
  // The connection's items are gone with it: no later push tries it.
  const subscribers = await queryAll(stack.table, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.wsTenantSubscribers('acme').pk },
  });
  expect(subscribers.filter((item) => item.userId === user.id)).toEqual([]);
  await eventually('a new connection with the old token to be refused', async () => (await upgradeStatus(user.accessToken)) === 401);
}, 30_000);

test('cutting a tenant off a user ends their token for it; a refresh gives a token with the new access', async () => {
  const user = await newUser('company_admin', ['acme', 'globex']);
  expect((await getJson(stack, '/v1/incidents?tenant=globex', user.accessToken)).status).toBe(200);
  expect(await send('PATCH', `/v1/users/${user.id}`, adminToken, { tenantIds: ['acme'] })).toBe(200);
  // The old token named globex: it no longer speaks for the user at all.
  expect(await refusedWithin('/v1/incidents?tenant=globex', user.accessToken)).toBeLessThan(6_500);
  expect((await getJson(stack, '/v1/incidents?tenant=acme', user.accessToken)).status).toBe(401);
  const refreshed = await postJson(stack, '/v1/auth/refresh', { refreshToken: user.refreshToken });
  expect(refreshed.status).toBe(200);
  const token = refreshed.body.accessToken as string;
  expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).tenants).toEqual(['acme']);
  expect((await getJson(stack, '/v1/incidents?tenant=acme', token)).status).toBe(200);
});

test('demoting a company admin to technician ends the admin token at once in the function that did it', async () => {
  const user = await newUser('company_admin', ['acme']);
  expect((await getJson(stack, '/v1/users?tenant=acme', user.accessToken)).status).toBe(200);
  expect(await send('PATCH', `/v1/users/${user.id}`, adminToken, { role: 'technician' })).toBe(200);
  expect((await getJson(stack, '/v1/users?tenant=acme', user.accessToken)).status).toBe(401);
});

test('a change of name or skills leaves the token working (only access changes revoke)', async () => {
  const user = await newUser('technician', ['acme']);
  expect(await send('PATCH', `/v1/users/${user.id}`, adminToken, { name: 'Renamed', skills: ['Linux'] })).toBe(200);
  expect((await getJson(stack, '/v1/incidents?tenant=acme', user.accessToken)).status).toBe(200);
});

test('sign out everywhere ends the access tokens and every refresh token', async () => {
  const user = await newUser('technician', ['acme']);
  const second = await postJson(stack, '/v1/auth/login', {
    email: (await getJson(stack, `/v1/users/${user.id}`, adminToken)).body.email,
    password: PASSWORD,
  });
  const ended = await postJson(stack, '/v1/auth/logout-all', {}, { authorization: `Bearer ${user.accessToken}` });
  expect(ended.status).toBe(200);
  expect(ended.body.revoked).toBe(2);
  expect(await refusedWithin('/v1/incidents?tenant=acme', user.accessToken)).toBeLessThan(6_500);
  expect((await getJson(stack, '/v1/incidents?tenant=acme', second.body.accessToken)).status).toBe(401);
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
  // Signing in again works at once everywhere, though functions still remember the old version for a few seconds.
  const email = (await getJson(stack, `/v1/users/${user.id}`, adminToken)).body.email as string;
  const again = await postJson(stack, '/v1/auth/login', { email, password: PASSWORD });
  expect((await getJson(stack, '/v1/incidents?tenant=acme', again.body.accessToken)).status).toBe(200);
  expect((await getJson(stack, `/v1/users/${user.id}`, again.body.accessToken)).status).toBe(200);
});

/** A new incident of acme, assigned by the MSP admin to the user. */
async function incidentAssignedTo(userId: string): Promise<string> {
  const before = deliveries;
  await alertAcme();
  const listed = await getJson(stack, '/v1/incidents?tenant=acme&status=active', adminToken);
  const incident = listed.body.incidents.find((candidate: any) => JSON.stringify(candidate).includes(`revocation-${before + 1}`));
  expect(incident).toBeDefined();
  const assigned = await postJson(
    stack,
    `/v1/incidents/${incident.id}/assign?tenant=acme`,
    { userId },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(assigned.status).toBe(200);
  expect(assigned.body.incident.assignee.userId).toBe(userId);
  return incident.id as string;
}

/** The incident's assignee and the reasons on its timeline, once the events settled. */
async function afterRelease(incidentId: string): Promise<{ assignee: any; reasons: string }> {
  await stack.idle();
  const detail = (await getJson(stack, `/v1/incidents/${incidentId}?tenant=acme`, adminToken)).body;
  return { assignee: detail.incident.assignee, reasons: detail.timeline.map((entry: any) => entry.reason).join('\n') };
}

test("a deleted technician's open incident is released and routed to someone who is still there", async () => {
  const user = await newUser('technician', ['acme']);
  const incidentId = await incidentAssignedTo(user.id);
  expect(await send('DELETE', `/v1/users/${user.id}`, adminToken)).toBe(204);
  const { assignee, reasons } = await afterRelease(incidentId);
  expect(assignee).toEqual(expect.objectContaining({ userId: expect.any(String) }));
  expect(assignee.userId).not.toBe(user.id);
  expect(reasons).toMatch(/was deleted: routing picks someone else/);
});

test('a technician taken off a company leaves its open incidents there to someone else', async () => {
  const user = await newUser('technician', ['acme', 'globex']);
  const incidentId = await incidentAssignedTo(user.id);
  expect(await send('PATCH', `/v1/users/${user.id}`, adminToken, { tenantIds: ['globex'] })).toBe(200);
  const { assignee, reasons } = await afterRelease(incidentId);
  expect(assignee?.userId).not.toBe(user.id);
  expect(reasons).toMatch(/no longer works for this company: routing picks someone else/);
});
