// One queue batch spread over several correlation scopes: its scopes' turns run concurrently (up to a
// bound), each tenant's inventory and policy are read once, and the incidents are those of one alert at a
// time. Batches of one process on one busy scope share its turn, without sharing their failures.
import { ulid } from 'ulid';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { Inventory } from '../../lib/domain/asset';
import {
  correlateAlert,
  correlateAlerts,
  SCOPE_CONCURRENCY,
  type CorrelateDeps,
  type CorrelationFailure,
  type CorrelationResult,
} from '../../lib/correlation/correlate';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import { getIncidentDetail, listIncidents } from '../../lib/store/incidents';
import type { TableRef } from '../../lib/store/table-ref';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

const NOW = new Date('2026-11-24T10:00:00Z');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** db-prod-01 <- app-01, app-02 (one scope); hosts the inventory does not know are a scope each. */
const inventory = new Inventory([
  { id: 'db-prod-01', name: 'db-prod-01', type: 'database', aliases: [], dependsOn: [], critical: true, tags: {} },
  { id: 'app-01', name: 'app-01', type: 'server', aliases: [], dependsOn: ['db-prod-01'], critical: false, tags: {} },
  { id: 'app-02', name: 'app-02', type: 'server', aliases: [], dependsOn: ['db-prod-01'], critical: false, tags: {} },
]);

interface Watch {
  /** Transactions sent (commits). */
  commits: number;
  inFlight: number;
  /** The most commits in flight at once. */
  peak: number;
  inventoryReads: Map<string, number>;
  policyReads: Map<string, number>;
}

/**
 * Dependencies on `base` that count the tenant reads and the commits in flight; each commit waits
 * `commitDelayMs` first (so turns that run together overlap visibly) and fails when `failIf` says so.
 */
function watchedDeps(base: TableRef, options: { commitDelayMs?: number; failIf?: (input: string) => boolean } = {}) {
  const watch: Watch = { commits: 0, inFlight: 0, peak: 0, inventoryReads: new Map(), policyReads: new Map() };
  const count = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const db = {
    async send(command: { constructor: { name: string }; input: unknown }) {
      if (command.constructor.name !== 'TransactWriteCommand') return base.db.send(command as never);
      watch.commits++;
      watch.peak = Math.max(watch.peak, ++watch.inFlight);
      try {
        await sleep(options.commitDelayMs ?? 0);
        if (options.failIf?.(JSON.stringify(command.input))) throw new Error('injected commit failure');
        return await base.db.send(command as never);
      } finally {
        watch.inFlight--;
      }
    },
  };
  const deps: CorrelateDeps = {
    table: { db: db as unknown as TableRef['db'], tableName: base.tableName },
    now: () => NOW,
    inventory: {
      get: async (tenantId) => {
        count(watch.inventoryReads, tenantId);
        return inventory;
      },
    },
    policies: {
      get: async (tenantId) => {
        count(watch.policyReads, tenantId);
        return DEFAULT_POLICY;
      },
    },
  };
  return { deps, watch };
}

function alert(tenantId: string, index: number, fields: Partial<CanonicalAlert>): CanonicalAlert {
  const assetRef = fields.assetRef ?? 'db-prod-01';
  const signature = fields.signature ?? 'HighCPU';
  return {
    id: ulid(),
    tenantId,
    source: 'test',
    status: 'firing',
    severity: 'high',
    assetRef,
    assetId: assetRef,
    signature,
    message: `sample ${index}`,
    labels: {},
    dedupKey: `test|${assetRef}|${signature}|${index}`,
    occurredAt: new Date(NOW.getTime() - 60_000 + index * 100).toISOString(),
    receivedAt: NOW.toISOString(),
    deliveryId: `delivery-${tenantId}-${index}`,
    ...fields,
  };
}

/** A tenant's incidents by what they hold, comparable across tables (incident ids are random). */
async function incidentShapes(table: TableRef, tenantId: string, alerts: readonly CanonicalAlert[]) {
  const name = new Map(alerts.map((candidate) => [candidate.id, candidate.message]));
  const incidents = await listIncidents(table, tenantId);
  const shapes = await Promise.all(
    incidents.map(async (incident) => {
      const detail = await getIncidentDetail(table, tenantId, incident.id);
      return {
        status: incident.status,
        rootAssetId: incident.rootAssetId,
        alertCount: incident.alertCount,
        alerts: (detail?.alerts ?? []).map((member) => name.get(member.alertId)).sort(),
      };
    }),
  );
  return shapes.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const kinds = (results: Array<CorrelationResult | CorrelationFailure>) => results.map((result) => result.kind);

test('a batch over many scopes runs their turns concurrently, reads each tenant once, and opens the incidents of one alert at a time', async () => {
  const tenants = ['batch-t1', 'batch-t2'];
  // Per tenant: 12 hosts the inventory does not know (12 scopes) and the database's component (one scope),
  // interleaved as a queue batch would bring them; some conditions fire twice, some resolve.
  const alerts: CanonicalAlert[] = [];
  for (let round = 0; round < 3; round++)
    for (const tenantId of tenants)
      for (let host = 0; host < 13; host++) {
        const index = alerts.length;
        const known = host === 12;
        alerts.push(
          alert(tenantId, index, {
            assetRef: known ? ['db-prod-01', 'app-01', 'app-02'][round] : `host-${host}`,
            assetId: known ? (['db-prod-01', 'app-01', 'app-02'][round] as string) : null,
            signature: known ? ['PostgresDown', 'HTTP5xxErrors', 'HighRequestLatency'][round] : host % 2 ? 'DiskFull' : 'HighCPU',
            status: !known && host % 3 === 0 && round === 2 ? 'resolved' : 'firing',
          }),
        );
      }
  const batchTable = await createTestTable('corr-batch');
  const { deps, watch } = watchedDeps(batchTable, { commitDelayMs: 25 });
  const batched = await correlateAlerts(alerts, deps);

  // 26 scopes, each one turn and one commit: up to SCOPE_CONCURRENCY of them at once.
  expect(watch.commits).toBe(26);
  expect(watch.peak).toBeGreaterThan(1);
  expect(watch.peak).toBeLessThanOrEqual(SCOPE_CONCURRENCY);
  expect(Object.fromEntries(watch.inventoryReads)).toEqual({ 'batch-t1': 1, 'batch-t2': 1 });
  expect(Object.fromEntries(watch.policyReads)).toEqual({ 'batch-t1': 1, 'batch-t2': 1 });

  // The same alerts one at a time, in order, on another table.
  const sequentialTable = await createTestTable('corr-seq');
  const { deps: sequentialDeps } = watchedDeps(sequentialTable);
  const sequential: CorrelationResult[] = [];
  for (const one of alerts) sequential.push(await correlateAlert(one, sequentialDeps));

  expect(kinds(batched)).toEqual(kinds(sequential));
  expect(kinds(batched)).not.toContain('failed');
  for (const tenantId of tenants) {
    const shapes = await incidentShapes(batchTable, tenantId, alerts);
    expect(shapes).toEqual(await incidentShapes(sequentialTable, tenantId, alerts));
    // Every host's condition and the database's cascade: one incident each.
    expect(shapes).toHaveLength(13);
  }
  const database = (await incidentShapes(batchTable, 'batch-t1', alerts)).find((shape) => shape.rootAssetId === 'db-prod-01');
  expect(database?.alerts).toHaveLength(3);
}, 30_000);

test('with a bound of 1, the scopes of a batch take their turns one after another', async () => {
  const table = await createTestTable('corr-bound');
  const { deps, watch } = watchedDeps(table, { commitDelayMs: 5 });
  const alerts = Array.from({ length: 6 }, (_, index) => alert('bound-t', index, { assetRef: `host-${index}`, assetId: null }));
  const results = await correlateAlerts(alerts, deps, { scopeConcurrency: 1 });
  expect(kinds(results)).toEqual(Array.from({ length: 6 }, () => 'open'));
  expect(watch.commits).toBe(6);
  expect(watch.peak).toBe(1);
});

test('batches that wait for one busy scope share its next turn: one commit for them, every alert once', async () => {
  const table = await createTestTable('corr-share');
  const { deps, watch } = watchedDeps(table, { commitDelayMs: 80 });
  const make = (from: number, count: number) => Array.from({ length: count }, (_, offset) => alert('share-t', from + offset, {}));
  const first = make(0, 3);
  const others = [make(3, 3), make(6, 3), make(9, 3)];
  // The queue delivered one alert twice, to two of the waiting batches.
  const copy = others[0]![1]!;
  others[2]!.push(copy);

  const running = correlateAlerts(first, deps);
  await sleep(20); // the first batch's turn is committing: the others wait for the scope
  const [firstResults, ...otherResults] = await Promise.all([running, ...others.map((batch) => correlateAlerts(batch, deps))]);

  // One commit for the first batch, one for the three that waited together.
  expect(watch.commits).toBe(2);
  expect(kinds(firstResults!)).toEqual(['open', 'join', 'join']);
  expect(otherResults.map(kinds)).toEqual([
    ['join', 'join', 'join'],
    ['join', 'join', 'join'],
    ['join', 'join', 'join', 'duplicate'],
  ]);
  const [incident] = await listIncidents(table, 'share-t');
  expect(incident).toMatchObject({ alertCount: 12 });
  const detail = await getIncidentDetail(table, 'share-t', incident!.id);
  expect(detail?.alerts.map((member) => member.alertId).sort()).toEqual(
    [...first, ...others.flat()]
      .map((one) => one.id)
      .filter((id, index, all) => all.indexOf(id) === index)
      .sort(),
  );
  // The events committed with the two commits: the opening and one update naming the joined alerts.
  expect((await committedEvents(table)).map((event) => event.detailType)).toEqual(['IncidentOpened', 'IncidentUpdated']);
});

test("a shared turn that fails is tried again batch by batch: one batch's failure is not the others'", async () => {
  const table = await createTestTable('corr-isolate');
  const poison = alert('isolate-t', 99, { message: 'poison' });
  const { deps, watch } = watchedDeps(table, { commitDelayMs: 60, failIf: (input) => input.includes(poison.id) });
  const first = [alert('isolate-t', 0, {})];
  const failing = [alert('isolate-t', 1, {}), poison];
  const healthy = [alert('isolate-t', 2, {}), alert('isolate-t', 3, {})];

  const running = correlateAlerts(first, deps);
  await sleep(20);
  const [firstResults, failingResults, healthyResults] = await Promise.all([
    running,
    correlateAlerts(failing, deps),
    correlateAlerts(healthy, deps),
  ]);
  expect(kinds(firstResults)).toEqual(['open']);
  // The failing batch's alerts of that scope fail together (as when it is alone), to be retried by the queue.
  expect(kinds(failingResults)).toEqual(['failed', 'failed']);
  expect(kinds(healthyResults)).toEqual(['join', 'join']);
  // first; the shared turn; then each batch on its own.
  expect(watch.commits).toBe(4);
  const [incident] = await listIncidents(table, 'isolate-t');
  expect(incident).toMatchObject({ alertCount: 3 });
});
