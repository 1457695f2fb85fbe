import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { getConnectionState, MAX_INCIDENT_SUBSCRIPTIONS, subscribeToIncident } from '../../lib/store/connections';
import { keys } from '../../lib/store/keys';
import { queryAll } from '../../lib/store/table-ref';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { login, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The WebSocket `$default` subscriptions to one incident, through the real local stack with real `ws`
 * clients: tenant-level events reach every connection allowed to see the tenant, an incident's progress
 * (IncidentUpdated...) only those of them following it, and a subscription never widens what a
 * connection sees. Niko sees acme only, Gale globex only, the MSP admin every tenant.
 */
let stack: LocalStack;
let demo: DemoInfo;
const tokens = {} as Record<'niko' | 'gale' | 'admin', string>;

interface Client {
  socket: WebSocket;
  messages: any[];
}

function connect(token: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl}?token=${token}`);
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Sends one frame and waits for its answer (the message echoing `id`). */
async function ask(client: Client, frame: Record<string, unknown>): Promise<any> {
  const id = `q${Math.random().toString(36).slice(2)}`;
  client.socket.send(JSON.stringify({ ...frame, id }));
  return until(() => client.messages.find((message) => message.id === id), `the answer to ${JSON.stringify(frame)}`);
}

let deliveries = 0;

/** One alert through acme's generic webhook (a delivery id of its own, so a repeat is a new alert); waits for the fan-out. */
async function alertAcme(assetName: string, signature: string): Promise<void> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  const response = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: assetName, signature, severity: 'high', message: `${signature} on ${assetName}`, tool_source: 'realtime-test' },
    { 'x-api-key': apiKey, 'x-delivery-id': `realtime-${++deliveries}-${Date.now()}` },
  );
  expect(response.status).toBe(202);
  await stack.idle();
  // idle() returns once the @connections posts are answered; the frames are then on their way over loopback.
  await sleep(150);
}

const events = (client: Client, type: string, incidentId?: string) =>
  client.messages.filter((message) => message.type === type && (incidentId === undefined || message.incidentId === incidentId));

/** The ids of the connections stored in one partition (tenant subscribers, an incident's followers). */
async function connectionIdsIn(pk: string): Promise<string[]> {
  const items = await queryAll(stack.table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
  return items.map((item) => item.connectionId as string);
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('realtime-subscriptions'));
  tokens.niko = await login(stack, demo, 'tech.niko@msp.example');
  tokens.gale = await login(stack, demo, 'tech.gale@msp.example');
  tokens.admin = await login(stack, demo, 'admin@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('two clients of different tenants', () => {
  let niko: Client;
  let gale: Client;
  let incidentId: string;
  const asset = 'rt-host-1';

  beforeAll(async () => {
    niko = await connect(tokens.niko);
    gale = await connect(tokens.gale);
  });

  afterAll(() => {
    niko?.socket.close();
    gale?.socket.close();
  });

  test("a webhook alert for acme reaches only the acme client (IncidentOpened), never globex's", async () => {
    await alertAcme(asset, 'RealtimeDiskFull');
    const opened = await until(() => events(niko, 'IncidentOpened')[0], 'IncidentOpened for niko');
    expect(opened).toMatchObject({ tenantId: 'acme', incidentId: expect.any(String), at: expect.any(String) });
    incidentId = opened.incidentId;
    expect(gale.messages).toEqual([]);
  });

  test('gale subscribing to the acme incident gets not_found, the same answer as for an incident that does not exist', async () => {
    expect(await ask(gale, { type: 'subscribe', tenantId: 'acme', incidentId })).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'No such incident',
      id: expect.any(String),
    });
    const unknown = await ask(niko, { type: 'subscribe', tenantId: 'acme', incidentId: '01J0000000000000000000NONE' });
    const foreign = await ask(niko, { type: 'subscribe', tenantId: 'globex', incidentId });
    for (const answer of [unknown, foreign])
      expect(answer).toMatchObject({ type: 'error', code: 'not_found', message: 'No such incident' });
    expect(await connectionIdsIn(keys.wsIncidentSubscribers('acme', incidentId).pk)).toEqual([]);
  });

  test('a malformed message answers bad_request', async () => {
    expect(await ask(niko, { type: 'subscribe', tenantId: 'acme' })).toMatchObject({
      type: 'error',
      code: 'bad_request',
      message: expect.stringContaining('incidentId'),
    });
    expect(await ask(niko, { type: 'subscribe', tenantId: 'acme', incidentId: 'not#a#key' })).toMatchObject({ code: 'bad_request' });
    expect(await ask(niko, { type: 'teleport' })).toMatchObject({ code: 'bad_request', message: "Unknown message type 'teleport'" });
    niko.socket.send('not json');
    await until(() => niko.messages.find((message) => message.code === 'bad_request' && message.id === undefined), 'bad_request');
  });

  test('before subscribing, niko gets the tenant-level events but not the incident updates', async () => {
    await alertAcme(asset, 'RealtimeDiskFull');
    expect(events(niko, 'IncidentUpdated', incidentId)).toEqual([]);
    expect(gale.messages.filter((message) => message.type !== 'error')).toEqual([]);
  });

  test('once subscribed, niko receives the IncidentUpdated of a second alert joining the incident; gale still nothing', async () => {
    expect(await ask(niko, { type: 'subscribe', tenantId: 'acme', incidentId })).toEqual({
      type: 'subscribed',
      tenantId: 'acme',
      incidentId,
      id: expect.any(String),
    });
    // Subscribing again is a no-op: one follower item, one entry in the connection's set.
    expect(await ask(niko, { type: 'subscribe', tenantId: 'acme', incidentId })).toMatchObject({ type: 'subscribed' });
    const followers = await connectionIdsIn(keys.wsIncidentSubscribers('acme', incidentId).pk);
    expect(followers).toHaveLength(1);
    const state = await getConnectionState(stack.table, followers[0]!);
    expect(state?.incidents).toEqual([{ tenantId: 'acme', incidentId }]);
    // The follower item expires with the connection.
    const connectionItem = await stack.table.db.send(
      new GetCommand({ TableName: stack.table.tableName, Key: keys.wsConnection(followers[0]!) }),
    );
    const followerItem = await stack.table.db.send(
      new GetCommand({ TableName: stack.table.tableName, Key: keys.wsIncidentSubscription('acme', incidentId, followers[0]!) }),
    );
    expect(followerItem.Item?.ttl).toBe(connectionItem.Item?.ttl);

    await alertAcme(asset, 'RealtimeDiskFull');
    const updated = await until(() => events(niko, 'IncidentUpdated', incidentId)[0], 'IncidentUpdated for niko');
    expect(updated).toMatchObject({ tenantId: 'acme', incidentId, alertId: expect.any(String) });
    expect(gale.messages.filter((message) => message.type !== 'error')).toEqual([]);
  });

  test('a subscription item can never widen what a connection sees: the fan-out checks the tenant first', async () => {
    // Forge what the subscribe route refuses: gale's connection as a follower of the acme incident.
    const [galeConnection] = await connectionIdsIn(keys.wsTenantSubscribers('globex').pk);
    expect(galeConnection).toBeDefined();
    await stack.table.db.send(
      new PutCommand({
        TableName: stack.table.tableName,
        Item: {
          ...keys.wsIncidentSubscription('acme', incidentId, galeConnection!),
          entity: 'wsIncidentSubscription',
          connectionId: galeConnection,
        },
      }),
    );
    const before = events(niko, 'IncidentUpdated', incidentId).length;
    await alertAcme(asset, 'RealtimeDiskFull');
    await until(
      () => (events(niko, 'IncidentUpdated', incidentId).length > before ? true : undefined),
      'the next IncidentUpdated for niko',
    );
    expect(gale.messages.filter((message) => message.type !== 'error')).toEqual([]);
    expect(gale.messages.map((message) => message.tenantId).filter(Boolean)).toEqual([]);
    await stack.table.db.send(
      new DeleteCommand({ TableName: stack.table.tableName, Key: keys.wsIncidentSubscription('acme', incidentId, galeConnection!) }),
    );
  });

  test('after unsubscribing, niko no longer receives IncidentUpdated but still the tenant-level events', async () => {
    expect(await ask(niko, { type: 'unsubscribe', tenantId: 'acme', incidentId })).toEqual({
      type: 'unsubscribed',
      tenantId: 'acme',
      incidentId,
      id: expect.any(String),
    });
    const [nikoConnection] = await connectionIdsIn(keys.wsTenantSubscribers('acme').pk);
    expect((await getConnectionState(stack.table, nikoConnection!))?.incidents).toEqual([]);
    const updatesBefore = events(niko, 'IncidentUpdated', incidentId).length;

    await alertAcme(asset, 'RealtimeDiskFull'); // joins the incident: IncidentUpdated, not for niko any more
    await alertAcme('rt-host-2', 'RealtimeQueueStuck'); // a new incident: IncidentOpened, tenant-level
    const opened = await until(
      () => events(niko, 'IncidentOpened').find((message) => message.incidentId !== incidentId),
      'the second IncidentOpened for niko',
    );
    expect(opened).toMatchObject({ tenantId: 'acme' });
    expect(events(niko, 'IncidentUpdated', incidentId)).toHaveLength(updatesBefore);
    // Unsubscribing again is harmless; from an incident of a tenant the connection may not see, not_found.
    expect(await ask(niko, { type: 'unsubscribe', tenantId: 'acme', incidentId })).toMatchObject({ type: 'unsubscribed' });
    expect(await ask(gale, { type: 'unsubscribe', tenantId: 'acme', incidentId })).toMatchObject({ type: 'error', code: 'not_found' });
    expect(gale.messages.filter((message) => message.type !== 'error')).toEqual([]);
  });

  test(`a connection follows at most ${MAX_INCIDENT_SUBSCRIPTIONS} incidents (answer: limit)`, async () => {
    const admin = await connect(tokens.admin);
    try {
      expect(await ask(admin, { type: 'subscribe', tenantId: 'acme', incidentId })).toMatchObject({ type: 'subscribed' });
      const [adminConnection] = await connectionIdsIn(keys.wsAllTenantsSubscribers().pk);
      const state = (await getConnectionState(stack.table, adminConnection!))!;
      // Fill the rest of the set through the store (the route would want real incidents).
      for (let n = 1; n < MAX_INCIDENT_SUBSCRIPTIONS; n++) {
        expect(await subscribeToIncident(stack.table, state, { tenantId: 'globex', incidentId: `FILLER${n}` })).toBe('subscribed');
      }
      const other = events(niko, 'IncidentOpened').find((message) => message.incidentId !== incidentId)!.incidentId as string;
      expect(await ask(admin, { type: 'subscribe', tenantId: 'acme', incidentId: other })).toMatchObject({ type: 'error', code: 'limit' });
      expect(await connectionIdsIn(keys.wsIncidentSubscribers('acme', other).pk)).toEqual([]);
      // Following one already followed is still fine, and freeing a place makes room.
      expect(await ask(admin, { type: 'subscribe', tenantId: 'acme', incidentId })).toMatchObject({ type: 'subscribed' });
      expect(await ask(admin, { type: 'unsubscribe', tenantId: 'globex', incidentId: 'FILLER1' })).toMatchObject({ type: 'unsubscribed' });
      expect(await ask(admin, { type: 'subscribe', tenantId: 'acme', incidentId: other })).toMatchObject({ type: 'subscribed' });
      expect((await getConnectionState(stack.table, adminConnection!))?.incidents).toHaveLength(MAX_INCIDENT_SUBSCRIPTIONS);
    } finally {
      admin.socket.close();
      await stack.idle();
    }
    // $disconnect deletes the connection with all its subscriptions.
    expect(await connectionIdsIn(keys.wsAllTenantsSubscribers().pk)).toEqual([]);
    expect(await connectionIdsIn(keys.wsIncidentSubscribers('acme', incidentId).pk)).toEqual([]);
    expect(await connectionIdsIn(keys.wsIncidentSubscribers('globex', 'FILLER2').pk)).toEqual([]);
  });
});

test('a connection closed abruptly, whose $disconnect never came, is cleaned up with its subscriptions on the next push (410)', async () => {
  const watcher = await connect(tokens.niko);
  const asset = 'rt-host-gone';
  await alertAcme(asset, 'RealtimeFanStopped');
  const id = (await until(() => events(watcher, 'IncidentOpened')[0], 'IncidentOpened')).incidentId as string;
  expect(await ask(watcher, { type: 'subscribe', tenantId: 'acme', incidentId: id })).toMatchObject({ type: 'subscribed' });
  const [connectionId] = await connectionIdsIn(keys.wsIncidentSubscribers('acme', id).pk);
  const itemKeys = [
    keys.wsConnection(connectionId!),
    keys.wsTenantSubscription('acme', connectionId!),
    keys.wsIncidentSubscription('acme', id, connectionId!),
  ];
  const read = async () =>
    Promise.all(
      itemKeys.map(
        async (Key) => (await stack.table.db.send(new GetCommand({ TableName: stack.table.tableName, Key, ConsistentRead: true }))).Item,
      ),
    );
  const items = await read();
  expect(items.every(Boolean)).toBe(true);

  // The socket dies without a close handshake; the local gateway runs $disconnect, which deletes everything.
  watcher.socket.terminate();
  await stack.idle();
  expect((await read()).filter(Boolean)).toEqual([]);

  // In AWS $disconnect is best effort: put the items back as if it had never come.
  for (const Item of items) await stack.table.db.send(new PutCommand({ TableName: stack.table.tableName, Item }));
  expect((await read()).every(Boolean)).toBe(true);

  // The next push to the incident's followers meets a 410 and deletes the connection with its subscriptions.
  await alertAcme(asset, 'RealtimeFanStopped');
  expect((await read()).filter(Boolean)).toEqual([]);
  expect(await connectionIdsIn(keys.wsIncidentSubscribers('acme', id).pk)).toEqual([]);
});
