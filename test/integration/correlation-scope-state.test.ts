// The scope state is stored compressed (it is rewritten whole by every commit, so its size is what
// correlation pays for), and a state written in the plain form before is still read and carried on.
import { ulid } from 'ulid';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { Inventory } from '../../lib/domain/asset';
import { correlateAlert, type CorrelateDeps } from '../../lib/correlation/correlate';
import { scopeOf } from '../../lib/domain/correlation/engine';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import { topologyOf } from '../../lib/domain/correlation/topology';
import { keys } from '../../lib/store/keys';
import { loadScope } from '../../lib/store/correlation';
import { listIncidents } from '../../lib/store/incidents';
import type { TableRef } from '../../lib/store/table-ref';
import { createTestTable } from '../helpers/dynamo';

const NOW = new Date('2026-12-07T10:00:00Z');
const TENANT = 'scope-state';

// A switch and 61 hosts behind it: one scope, one incident with many members.
const inventory = new Inventory([
  { id: 'sw-core', name: 'sw-core', type: 'network', aliases: [], dependsOn: [], critical: false, tags: {} },
  ...Array.from({ length: 61 }, (_, index) => ({
    id: `edge-${index}`,
    name: `edge-${index}`,
    type: 'server' as const,
    aliases: [],
    dependsOn: ['sw-core'],
    critical: false,
    tags: {},
  })),
]);

const SCOPE = scopeOf({ assetId: 'sw-core', assetRef: 'sw-core', dedupKey: 'any' }, topologyOf(inventory));

let table: TableRef;
let deps: CorrelateDeps;
beforeAll(async () => {
  table = await createTestTable('scope-state');
  deps = { table, now: () => NOW, inventory: { get: async () => inventory }, policies: { get: async () => DEFAULT_POLICY } };
});

function alert(assetRef: string, signature: string, index: number): CanonicalAlert {
  return {
    id: ulid(),
    tenantId: TENANT,
    source: 'test',
    status: 'firing',
    severity: 'high',
    assetRef,
    assetId: assetRef,
    signature,
    message: `${signature} on ${assetRef}`,
    labels: {},
    dedupKey: `test|${assetRef}|${signature}`,
    occurredAt: new Date(NOW.getTime() - 60_000 + index * 100).toISOString(),
    receivedAt: NOW.toISOString(),
    deliveryId: `delivery-${index}`,
  };
}

const scopeItem = async () =>
  (await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.correlationScope(TENANT, SCOPE) }))).Item as Record<
    string,
    unknown
  >;

test('the scope state is stored compressed, read back whole, and a plain state written before is carried on', async () => {
  await correlateAlert(alert('sw-core', 'SwitchDown', 0), deps);
  for (let index = 1; index <= 60; index++) await correlateAlert(alert(`edge-${index - 1}`, 'HostUnreachable', index), deps);

  const item = await scopeItem();
  expect(item.body).toBeInstanceOf(Uint8Array);
  expect(item.incidents).toBeUndefined();
  const state = await loadScope(table, TENANT, SCOPE);
  expect(state.incidents).toHaveLength(1);
  expect(state.incidents[0]?.members).toHaveLength(61);
  const plainBytes = Buffer.byteLength(JSON.stringify({ incidents: state.incidents }));
  // What the commit pays for: the stored body against the JSON it holds.
  expect((item.body as Uint8Array).byteLength * 4).toBeLessThan(plainBytes);

  // The same state in the plain form (as items were written before the compressed body): read, then
  // carried on by the next commit, which writes the compressed form.
  const { body: _body, ...rest } = item;
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: { ...rest, incidents: state.incidents } }));
  expect(await loadScope(table, TENANT, SCOPE)).toEqual(state);
  await correlateAlert(alert('edge-60', 'HostUnreachable', 62), deps);
  const after = await loadScope(table, TENANT, SCOPE);
  expect(after.version).toBe(state.version + 1);
  expect(after.incidents[0]?.members).toHaveLength(62);
  expect((await scopeItem()).incidents).toBeUndefined();
  expect(await listIncidents(table, TENANT)).toHaveLength(1);
});
