import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/aws/clients';
import { AppError } from '../../lib/errors';
import { ingestDeliveries, ingestDelivery, type Delivery, type IngestDeps, type IngestResult } from '../../lib/ingest/ingest';
import { emissionIntervalMs, type RateLimit } from '../../lib/domain/rate-limit';
import { listAlerts } from '../../lib/store/alerts';
import { InventoryCache } from '../../lib/store/assets';
import { keys } from '../../lib/store/keys';
import type { TableRef } from '../../lib/store/table-ref';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb';
import { createTestTable, testDynamoEndpoint } from '../helpers/dynamo';

/**
 * The rate limit is charged in the delivery's own transaction (lib/store/alerts.ts storeAlerts with
 * lib/ingest/rate-limit.ts rateLimitCharge): these tests count the DynamoDB requests ingestion sends,
 * and check that concurrent deliveries are allowed exactly as the GCRA bucket says, never a 5xx.
 */
let table: TableRef;

beforeAll(async () => {
  table = await createTestTable('rate');
});

/** A client of its own on the test table, recording each request's operation (as the SDK sends it, retries of transactWrite included). */
function countedTable(): { table: TableRef; ops: string[] } {
  const db = createDocumentClient({ endpoint: testDynamoEndpoint(), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const ops: string[] = [];
  db.middlewareStack.add(
    (next, context) => async (args) => {
      ops.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countOps' },
  );
  return { table: { db, tableName: table.tableName }, ops };
}

/** The inventory reads go through the uncounted client (cached per warm function in production anyway). */
function depsOn(on: TableRef): IngestDeps {
  return { table: on, inventory: new InventoryCache(table), now: () => new Date() };
}

const alert = (signature: string) => ({ asset_name: 'web-1', signature, severity: 'high', message: 'down', tool_source: 'probe' });

function delivery(tenantId: string, id: string, body: unknown, rateLimit?: RateLimit): Delivery {
  return { tenantId, source: 'generic', body, rawBody: JSON.stringify(body), deliveryId: id, ...(rateLimit ? { rateLimit } : {}) };
}

async function tatOf(tenantId: string): Promise<number | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.rateBucket(tenantId, 'INGEST'), ConsistentRead: true }),
  );
  return Item?.tat as number | undefined;
}

async function storedCount(tenantId: string): Promise<number> {
  return (await listAlerts(table, tenantId, {}, { limit: 1000 })).alerts.length;
}

const slow = { perMinute: 6, burst: 1000 }; // one token every 10 s: no refill during a test

describe('DynamoDB requests per delivery', () => {
  test('a fresh delivery is ONE request: its alerts, their idempotency records and the rate-limit charge in one transaction', async () => {
    const { table: counted, ops } = countedTable();
    const one = await ingestDelivery(delivery('one-co', 'fresh-1', alert('A'), slow), depsOn(counted));
    expect(one.duplicate).toBe(false);
    expect(ops).toEqual(['TransactWriteItems']);

    ops.length = 0;
    const three = await ingestDelivery(delivery('one-co', 'fresh-2', [alert('B'), alert('C'), alert('D')], slow), depsOn(counted));
    expect(three.accepted.map((entry) => entry.duplicate)).toEqual([false, false, false]);
    expect(ops).toEqual(['TransactWriteItems']);
    expect(await storedCount('one-co')).toBe(4);
    // Charged 4 alerts in all (4 tokens of 10 s ahead of the first charge's start).
    const tat = (await tatOf('one-co')) as number;
    expect(tat - Date.now()).toBeGreaterThan(3 * emissionIntervalMs(slow));
    expect(tat - Date.now()).toBeLessThanOrEqual(4 * emissionIntervalMs(slow));
  });

  test('a repeat answers with the original alert ids, stores nothing and charges nothing: one cancelled transaction, no read', async () => {
    const deps = depsOn(table);
    const first = await ingestDelivery(delivery('repeat-co', 'r-1', [alert('A'), alert('B')], slow), deps);
    const tat = await tatOf('repeat-co');
    const { table: counted, ops } = countedTable();
    const again = await ingestDelivery(delivery('repeat-co', 'r-1', [alert('A'), alert('B')], slow), depsOn(counted));
    expect(again.duplicate).toBe(true);
    expect(again.accepted).toEqual(first.accepted.map((entry) => ({ ...entry, duplicate: true })));
    // DynamoDB returned the records with the cancellation (ALL_OLD): they name the original alerts.
    expect(ops).toEqual(['TransactWriteItems']);
    expect(await tatOf('repeat-co')).toBe(tat);
    expect(await storedCount('repeat-co')).toBe(2);
  });

  test('a partly repeated delivery stores only its new alerts and is charged for those only', async () => {
    const deps = depsOn(table);
    const first = await ingestDelivery(delivery('partial-co', 'p-1', [alert('A'), alert('B')], slow), deps);
    const tat = (await tatOf('partial-co')) as number;
    const { table: counted, ops } = countedTable();
    const again = await ingestDelivery(delivery('partial-co', 'p-1', [alert('A'), alert('B'), alert('C')], slow), depsOn(counted));
    expect(again.duplicate).toBe(false);
    expect(again.accepted.slice(0, 2)).toEqual(first.accepted.map((entry) => ({ ...entry, duplicate: true })));
    expect(again.accepted[2]).toMatchObject({ deliveryId: 'p-1#2', duplicate: false });
    // The cancelled transaction, then the same without the repeats.
    expect(ops).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    expect((await tatOf('partial-co')) as number).toBe(tat + emissionIntervalMs(slow));
    expect(await storedCount('partial-co')).toBe(3);
  });

  test('a delivery larger than one transaction charges in its first (49 alerts) and stores the rest after it', async () => {
    const { table: counted, ops } = countedTable();
    const body = Array.from({ length: 120 }, (_, index) => alert(`Big${index}`));
    const result = await ingestDelivery(delivery('big-co', 'big-1', body, slow), depsOn(counted));
    expect(result.accepted.filter((entry) => !entry.duplicate)).toHaveLength(120);
    expect(ops).toEqual(['TransactWriteItems', 'TransactWriteItems', 'TransactWriteItems']);
    expect(await storedCount('big-co')).toBe(120);
    const tat = await tatOf('big-co');

    // Sent again whole: the first transaction finds its repeats, one read finds the others'; nothing is charged.
    ops.length = 0;
    const again = await ingestDelivery(delivery('big-co', 'big-1', body, slow), depsOn(counted));
    expect(again.duplicate).toBe(true);
    expect(again.accepted.map((entry) => entry.alertId)).toEqual(result.accepted.map((entry) => entry.alertId));
    expect(ops).toEqual(['TransactWriteItems', 'BatchGetItem']);
    expect(await tatOf('big-co')).toBe(tat);

    // Sent again with 30 more: only those are stored and charged.
    const more = [...body, ...Array.from({ length: 30 }, (_, index) => alert(`More${index}`))];
    const extended = await ingestDelivery(delivery('big-co', 'big-1', more, slow), depsOn(table));
    expect(extended.accepted.filter((entry) => !entry.duplicate)).toHaveLength(30);
    expect(extended.accepted.slice(0, 120).map((entry) => entry.alertId)).toEqual(result.accepted.map((entry) => entry.alertId));
    expect(await tatOf('big-co')).toBe((tat as number) + 30 * emissionIntervalMs(slow));
    expect(await storedCount('big-co')).toBe(150);
  });

  test('the replay (several deliveries, no rate limit) is one transaction per 50 alerts and no read', async () => {
    const { table: counted, ops } = countedTable();
    const deliveries = Array.from({ length: 25 }, (_, index) =>
      delivery('replay-co', `line-${index}`, [alert(`R${index}a`), alert(`R${index}b`)]),
    );
    // A delivery id repeated within the batch is a repeat of its first occurrence.
    deliveries.push(delivery('replay-co', 'line-3', [alert('R3a'), alert('R3b')]));
    const { results, stored } = await ingestDeliveries(deliveries, depsOn(counted));
    expect(stored).toHaveLength(50);
    expect(ops).toEqual(['TransactWriteItems']);
    expect((results[25] as IngestResult).accepted).toEqual(
      (results[3] as IngestResult).accepted.map((entry) => ({ ...entry, duplicate: true })),
    );
    expect(await tatOf('replay-co')).toBeUndefined();
  });
});

describe('the limit', () => {
  test('over the limit: 429 with the wait, nothing stored, no idempotency record left (the retry is not a repeat)', async () => {
    const limit = { perMinute: 6, burst: 2 };
    const deps = depsOn(table);
    await ingestDelivery(delivery('full-co', 'f-1', [alert('A'), alert('B')], limit), deps);
    const tat = await tatOf('full-co');
    const { table: counted, ops } = countedTable();
    const refused = await ingestDelivery(delivery('full-co', 'f-2', alert('C'), limit), depsOn(counted)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number((refused as AppError).headers?.['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    // The cancelled transaction returned the bucket: the decision needed no read.
    expect(ops).toEqual(['TransactWriteItems']);
    expect(await tatOf('full-co')).toBe(tat);
    expect(await storedCount('full-co')).toBe(2);
    // The same delivery, once there is room again, is new (nothing of it was kept).
    const later = { ...deps, now: () => new Date(Date.now() + 20_000) };
    const retried = await ingestDelivery({ ...delivery('full-co', 'f-2', alert('C'), limit), receivedAt: later.now() }, later);
    expect(retried.duplicate).toBe(false);
    expect(await storedCount('full-co')).toBe(3);
  });

  test('32 concurrent deliveries of one tenant against a burst of 10: exactly 10 stored, 22 refused with 429, none fails', async () => {
    const limit = { perMinute: 6, burst: 10 };
    const outcomes = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        ingestDelivery(delivery('racer-co', `race-${index}`, alert(`Race${index}`), limit), depsOn(table)).then(
          () => 202,
          (error: unknown) => (error instanceof AppError ? error.status : 500),
        ),
      ),
    );
    expect(outcomes.filter((status) => status === 202)).toHaveLength(10);
    expect(outcomes.filter((status) => status === 429)).toHaveLength(22);
    expect(await storedCount('racer-co')).toBe(10);
    // Another tenant's bucket is untouched by this one's storm.
    await expect(ingestDelivery(delivery('bystander-co', 'b-1', alert('Calm'), limit), depsOn(table))).resolves.toMatchObject({
      duplicate: false,
    });
  });

  describe('transactions that conflict on the bucket (as DynamoDB cancels concurrent transactions on one item)', () => {
    /**
     * DynamoDB Local runs transactions one at a time and never answers TransactionConflict; DynamoDB
     * cancels every transaction on an item another one holds. This client cancels the transactions that
     * charge a rate bucket so: the first `conflictsOf(deliveryId)` attempts of each delivery's (more than
     * transactWrite's own 6 attempts for some), whatever the machine's speed.
     */
    function conflictingTable(conflictsOf: (deliveryId: string) => number): { table: TableRef; conflicts: () => number } {
      const db = createDocumentClient({ endpoint: testDynamoEndpoint(), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
      const attempts = new Map<string, number>();
      let conflicts = 0;
      db.middlewareStack.add(
        (next, context) => async (args) => {
          const items = (args.input as { TransactItems?: unknown[] }).TransactItems;
          const text = JSON.stringify(items ?? []);
          const deliveryId = /"deliveryId":"([^"]+)"/.exec(text)?.[1];
          if (context.commandName !== 'TransactWriteItemsCommand' || !items || !deliveryId || !text.includes('#RATE')) return next(args);
          const attempt = (attempts.get(deliveryId) ?? 0) + 1;
          attempts.set(deliveryId, attempt);
          if (attempt > conflictsOf(deliveryId)) return next(args);
          conflicts++;
          await sleep(1);
          const reasons = items.map((item) => ({ Code: JSON.stringify(item).includes('#RATE') ? 'TransactionConflict' : 'None' }));
          throw Object.assign(new Error('Transaction cancelled (TransactionConflict)'), {
            name: 'TransactionCanceledException',
            CancellationReasons: reasons,
          });
        },
        { step: 'initialize', name: 'conflicts' },
      );
      return { table: { db, tableName: table.tableName }, conflicts: () => conflicts };
    }

    test.each([
      ['all within the limit', 64, 32],
      ['over the limit', 10, 10],
    ])('%s: 32 concurrent deliveries are stored or refused exactly as the limit says, none answered 5xx', async (_name, burst, allowed) => {
      const tenant = `conflict-${burst}-co`;
      // 0 to 8 conflicts a delivery: up to two rounds of transactWrite's retries.
      const { table: conflicting, conflicts } = conflictingTable((deliveryId) => Number(deliveryId.split('-')[1]) % 9);
      const limit = { perMinute: 6, burst };
      const outcomes = await Promise.all(
        Array.from({ length: 32 }, (_, index) =>
          ingestDelivery(delivery(tenant, `c-${index}`, alert(`Conflict${index}`), limit), depsOn(conflicting)).then(
            () => 202,
            (error: unknown) => (error instanceof AppError ? error.status : `${(error as Error).name}: ${(error as Error).message}`),
          ),
        ),
      );
      expect(conflicts()).toBeGreaterThan(32);
      expect(outcomes.filter((status) => status !== 202 && status !== 429)).toEqual([]);
      expect(outcomes.filter((status) => status === 202)).toHaveLength(allowed);
      expect(await storedCount(tenant)).toBe(allowed);
    });
  });
});
