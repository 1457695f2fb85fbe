import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import WebSocket from 'ws';
import { seedDemo, type DemoInfo } from '../../local/seed';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { testDynamoEndpoint, testMotoEndpoint } from '../helpers/dynamo';
import { withoutAutomation } from '../helpers/timeline';

/**
 * The first vertical slice through the real path, on the local stack: webhook -> stored alert ->
 * table stream -> queue -> correlation -> incident -> operator API, plus the WebSocket routes and @connections.
 */
let stack: LocalStack;
let demo: DemoInfo;
const tokens: Record<string, string> = {};

const acmeKey = () => demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
const globexKey = () => demo.tenants.find((tenant) => tenant.id === 'globex')!.apiKey;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

async function get(path: string, token?: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as any };
}

function alert(overrides: Record<string, unknown> = {}) {
  return { asset_name: 'db-prod-01', signature: 'HighCPU', severity: 'high', message: 'CPU above 95%', tool_source: 'test', ...overrides };
}

async function loginAs(email: string): Promise<string> {
  const user = demo.users.find((candidate) => candidate.email === email)!;
  const { status, body } = await post('/v1/auth/login', { email, password: user.password });
  expect(status).toBe(200);
  return body.accessToken as string;
}

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    dynamoEndpoint: testDynamoEndpoint(),
    motoEndpoint: testMotoEndpoint(),
    tableName: 'local-stack-test',
    log: () => undefined,
  });
  demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-demo-')));
  tokens.admin = await loginAs('admin@msp.example');
  tokens.gale = await loginAs('tech.gale@msp.example');
  tokens.dana = await loginAs('tech.dana@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('GET /health answers 200 and says the table is reachable', async () => {
  const { status, body } = await get('/health');
  expect(status).toBe(200);
  expect(body).toMatchObject({ status: 'ok', stage: 'local', checks: { table: { ok: true } } });
});

test('a webhook alert becomes an incident that GET /v1/incidents lists, with why the alert joined', async () => {
  const accepted = await post('/v1/webhooks/generic', alert({ asset_name: 'db-prod-01.acme.internal', signature: 'DiskFull' }), {
    'x-api-key': acmeKey(),
  });
  expect(accepted.status).toBe(202);
  expect(accepted.body.accepted).toHaveLength(1);
  expect(accepted.body.accepted[0]).toMatchObject({ duplicate: false });
  await stack.idle();

  const { status, body } = await get('/v1/incidents?tenant=acme', tokens.admin);
  expect(status).toBe(200);
  const incident = body.incidents.find((candidate: any) => candidate.signatures.includes('DiskFull'));
  expect(incident).toMatchObject({ tenantId: 'acme', status: 'open', assetId: 'db-prod-01', severity: 'high', alertCount: 1 });

  const detail = await get(`/v1/incidents/${incident.id}?tenant=acme`, tokens.admin);
  expect(detail.status).toBe(200);
  expect(detail.body.alerts).toEqual([
    expect.objectContaining({
      signature: 'DiskFull',
      state: 'firing',
      occurrences: 1,
      reason: 'no open incident matches',
      events: [expect.objectContaining({ alertId: accepted.body.accepted[0].alertId, kind: 'fired' })],
    }),
  ]);
  expect(withoutAutomation(detail.body.timeline).map((entry: any) => entry.type)).toEqual(['incident-opened']);
});

test('repeats join the open incident and a resolution starts its grace period', async () => {
  const first = await post('/v1/webhooks/generic', alert({ signature: 'MemoryHigh' }), {
    'x-api-key': acmeKey(),
    'x-delivery-id': 'mem-1',
  });
  const second = await post('/v1/webhooks/generic', alert({ signature: 'MemoryHigh', message: 'still high' }), {
    'x-api-key': acmeKey(),
    'x-delivery-id': 'mem-2',
  });
  expect([first.status, second.status]).toEqual([202, 202]);
  await stack.idle();
  const resolved = await post('/v1/webhooks/generic', alert({ signature: 'MemoryHigh', status: 'resolved' }), {
    'x-api-key': acmeKey(),
    'x-delivery-id': 'mem-3',
  });
  expect(resolved.status).toBe(202);
  await stack.idle();

  const { body } = await get('/v1/incidents?tenant=acme', tokens.admin);
  const incidents = body.incidents.filter((candidate: any) => candidate.signatures.includes('MemoryHigh'));
  expect(incidents).toHaveLength(1);
  // One alert, fired twice: its repeat and its resolution are events on its row, not more alerts.
  expect(incidents[0]).toMatchObject({ status: 'open', alertCount: 1, occurrences: 2, resolvesAt: expect.any(String) });
  const detail = await get(`/v1/incidents/${incidents[0].id}?tenant=acme`, tokens.admin);
  expect(detail.body.alerts).toHaveLength(1);
  const [row] = detail.body.alerts;
  expect(row).toMatchObject({ signature: 'MemoryHigh', state: 'resolved', occurrences: 2, reason: 'no open incident matches' });
  expect(row.events.map((event: any) => [event.kind, event.reason])).toEqual([
    ['fired', 'no open incident matches'],
    ['repeated', 'same fingerprint'],
    ['resolved', 'its last firing alert resolved; the incident resolves after a 5 min grace period'],
  ]);
  // Every status change in time order, each with its reason, each naming its alert; the repeat is on the row only.
  expect(withoutAutomation(detail.body.timeline).map((entry: any) => entry.type)).toEqual([
    'incident-opened',
    'alert-resolved',
    'resolution-pending',
  ]);
  for (const entry of withoutAutomation<any>(detail.body.timeline)) expect(entry.alert).toMatchObject({ signature: 'MemoryHigh' });
  expect(detail.body.timeline.every((entry: any) => typeof entry.reason === 'string' && entry.reason.length > 0)).toBe(true);
});

test('a repeated delivery id answers 200 with the original alert ids and stores nothing new', async () => {
  const body = alert({ asset_name: 'dup-test-host', signature: 'ServiceDown' });
  const first = await post('/v1/webhooks/generic', body, { 'x-api-key': acmeKey(), 'x-delivery-id': 'dup-1' });
  const again = await post('/v1/webhooks/generic', body, { 'x-api-key': acmeKey(), 'x-delivery-id': 'dup-1' });
  expect(first.status).toBe(202);
  expect(again.status).toBe(200);
  expect(again.body.accepted).toEqual(first.body.accepted.map((entry: any) => ({ ...entry, duplicate: true })));
  await stack.idle();
  const { body: list } = await get('/v1/incidents?tenant=acme', tokens.admin);
  const incident = list.incidents.find((candidate: any) => candidate.signatures.includes('ServiceDown'));
  expect(incident.alertCount).toBe(1);
});

test.each([
  ['no API key', '/v1/webhooks/generic', alert(), {}, 401, 'unauthorized'],
  ['an unknown API key', '/v1/webhooks/generic', alert(), { 'x-api-key': 'aw_not-a-key' }, 401, 'unauthorized'],
  ['malformed JSON', '/v1/webhooks/generic', '{"asset_name": ', { 'x-api-key': 'KEY' }, 400, 'bad_request'],
  ['a payload without required fields', '/v1/webhooks/generic', { asset_name: 'x' }, { 'x-api-key': 'KEY' }, 422, 'invalid_payload'],
  ['an unknown severity', '/v1/webhooks/generic', alert({ severity: 'apocalyptic' }), { 'x-api-key': 'KEY' }, 422, 'invalid_payload'],
  ['an unknown source', '/v1/webhooks/nagios', alert(), { 'x-api-key': 'KEY' }, 404, 'unknown_source'],
  [
    'a non-JSON content type',
    '/v1/webhooks/generic',
    '<alert/>',
    { 'x-api-key': 'KEY', 'content-type': 'application/xml' },
    415,
    'unsupported_media_type',
  ],
  [
    'a body over 1 MiB',
    '/v1/webhooks/generic',
    alert({ message: 'x'.repeat(1024 * 1024) }),
    { 'x-api-key': 'KEY' },
    413,
    'payload_too_large',
  ],
])('a webhook with %s is refused with the error shape', async (_name, path, body, headers, status, code) => {
  const withKey = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value === 'KEY' ? acmeKey() : value]));
  const response = await post(path, body, withKey);
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
});

test('the API key can also come as the api_key query parameter', async () => {
  const response = await post(`/v1/webhooks/generic?api_key=${encodeURIComponent(globexKey())}`, alert({ signature: 'QueryKey' }));
  expect(response.status).toBe(202);
});

test('login with a wrong password is a 401 and the operator API needs a token', async () => {
  const wrong = await post('/v1/auth/login', { email: 'admin@msp.example', password: 'not-it' });
  expect(wrong.status).toBe(401);
  expect(wrong.body.error.code).toBe('unauthorized');
  expect((await get('/v1/incidents')).status).toBe(401);
  expect((await get('/v1/incidents', 'not.a.jwt')).status).toBe(401);
});

test("a technician of one company sees only that company's incidents, and 404 for another's", async () => {
  const accepted = await post('/v1/webhooks/generic', alert({ signature: 'AcmeOnly' }), { 'x-api-key': acmeKey() });
  await stack.idle();
  const { body: adminList } = await get('/v1/incidents?tenant=acme', tokens.admin);
  const acmeIncident = adminList.incidents.find((candidate: any) => candidate.signatures.includes('AcmeOnly'));
  expect(acmeIncident).toBeDefined();
  expect(accepted.status).toBe(202);

  const galeList = await get('/v1/incidents', tokens.gale);
  expect(galeList.status).toBe(200);
  expect(galeList.body.incidents.every((incident: any) => incident.tenantId === 'globex')).toBe(true);
  expect((await get('/v1/incidents?tenant=acme', tokens.gale)).body.incidents).toEqual([]);
  expect((await get(`/v1/incidents/${acmeIncident.id}?tenant=acme`, tokens.gale)).status).toBe(404);
  expect((await get(`/v1/incidents/${acmeIncident.id}?tenant=acme`, tokens.dana)).status).toBe(200);
});

test('alerts accepted while correlation is stopped are correlated once it starts again: nothing is lost', async () => {
  await stack.pauseCorrelation();
  const signatures = Array.from({ length: 12 }, (_, index) => `Paused${index}`);
  for (const signature of signatures) {
    const response = await post('/v1/webhooks/generic', alert({ asset_name: 'app-prod-01', signature }), { 'x-api-key': acmeKey() });
    expect(response.status).toBe(202);
  }
  // The table's stream hands each stored alert to the queue (the relay), where they wait for correlation.
  await stack.streamReader!.idle();
  const attributes = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  expect(Number(attributes.Attributes?.ApproximateNumberOfMessages)).toBe(signatures.length);

  stack.resumeCorrelation();
  await stack.idle();
  const { body } = await get('/v1/incidents?tenant=acme&limit=200', tokens.admin);
  const found = signatures.filter((signature) => body.incidents.some((incident: any) => incident.signatures.includes(signature)));
  expect(found).toEqual(signatures);
});

describe('WebSocket API', () => {
  function connect(token?: string): Promise<{ socket: WebSocket; messages: any[] }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${stack.wsUrl}${token ? `?token=${token}` : ''}`);
      const messages: any[] = [];
      socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
      socket.once('open', () => resolve({ socket, messages }));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  async function until(predicate: () => boolean, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('$connect refuses a missing or invalid token', async () => {
    await expect(connect()).rejects.toThrow('HTTP 401');
    await expect(connect('nope')).rejects.toThrow('HTTP 401');
  });

  test('$default answers ping with pong through the @connections endpoint', async () => {
    const { socket, messages } = await connect(tokens.dana);
    socket.send(JSON.stringify({ type: 'ping', id: 'p1' }));
    await until(() => messages.length > 0);
    expect(messages[0]).toEqual({ type: 'pong', id: 'p1' });
    socket.close();
  });

  test("domain events reach only the connections allowed to see the event's tenant", async () => {
    const acmeViewer = await connect(tokens.dana); // acme + globex
    const globexViewer = await connect(tokens.gale); // globex only
    const mspAdmin = await connect(tokens.admin); // every tenant
    const response = await post('/v1/webhooks/generic', alert({ signature: 'LivePush' }), { 'x-api-key': acmeKey() });
    expect(response.status).toBe(202);
    await stack.idle();
    await until(() => acmeViewer.messages.some((message) => message.type === 'IncidentOpened'));
    await until(() => mspAdmin.messages.some((message) => message.type === 'IncidentOpened'));
    expect(acmeViewer.messages.find((message) => message.type === 'IncidentOpened')).toMatchObject({ tenantId: 'acme' });
    expect(globexViewer.messages).toEqual([]);
    for (const { socket } of [acmeViewer, globexViewer, mspAdmin]) socket.close();
  });
});

test('a malformed percent-encoding in the path is a 400 from the gateway, not a 500', async () => {
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/%E0`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(400);
});
