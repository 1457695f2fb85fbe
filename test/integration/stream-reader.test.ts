import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { STREAM_RELAY } from '../../functions/catalog';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { DETAIL_TYPES, domainEvent } from '../../lib/domain/events';
import { workOf } from '../../lib/relay/stream-relay';
import type { StreamRecord } from '../../lib/store/stream';
import { storeAlerts, storedAlertItem } from '../../lib/store/alerts';
import { keys } from '../../lib/store/keys';
import { writeEvents } from '../../lib/store/outbox';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { StreamReader, type StreamReaderOptions } from '../../local/aws/stream-reader';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb';
import { createTestTable, testDynamoEndpoint } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

/**
 * The local stand-in for the table stream's Pipe, on a real DynamoDB Local stream: only new outbox and
 * alert items reach the relay, in the stream's order; a failing batch is retried, split, and a record
 * that keeps failing is dead-lettered (kept across restarts); the per-shard checkpoint makes a restart
 * go on where the last reader stopped, and without one a reader starts from the oldest record.
 */
const TENANT = 'stream-co';
const tables: TableRef[] = [];
const readers: StreamReader[] = [];

afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.stop()));
});

afterAll(() => {
  for (const table of tables) table.db.destroy();
});

async function freshTable(): Promise<TableRef> {
  const table = await createTestTable('stream-reader');
  tables.push(table);
  return table;
}

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'aw-stream-reader-'));
}

/** A reader with a fake relay (`invoke` may fail it): `received` holds every record of every batch it accepted, in order. */
function reader(
  table: TableRef,
  dataDir: string | null,
  invoke: (records: StreamRecord[]) => Promise<unknown> = async () => undefined,
): { reader: StreamReader; received: StreamRecord[]; calls: StreamRecord[][]; log: string[] } {
  const received: StreamRecord[] = [];
  const calls: StreamRecord[][] = [];
  const log: string[] = [];
  const options: StreamReaderOptions = {
    endpoint: testDynamoEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    tableName: table.tableName,
    dataDir,
    filter: STREAM_RELAY.filter,
    batchSize: STREAM_RELAY.batchSize,
    maxRetryAttempts: 3,
    retryDelayMs: 5,
    idlePollMs: 10,
    invoke: async (records) => {
      calls.push(records);
      await invoke(records);
      received.push(...records);
      // The relay's answer: what it would put on the bus and the queue.
      const work = workOf(records);
      return { events: work.events.length, alerts: work.alerts.length, ignored: work.ignored };
    },
    log: (line) => log.push(line),
  };
  const made = new StreamReader(options);
  readers.push(made);
  return { reader: made, received, calls, log };
}

/** What a record is, in short: `outbox:<incidentId>` or `alert:<signature>` (anything else by its entity). */
function label(record: StreamRecord): string {
  const item = unmarshall(record.dynamodb!.NewImage!) as Record<string, any>;
  if (item.entity === 'outbox') return `outbox:${item.events[0].detail.incidentId}`;
  if (item.entity === 'alert') return `alert:${item.signature}`;
  return `${record.eventName}:${item.entity}`;
}

function alertOf(signature: string): CanonicalAlert {
  const now = new Date().toISOString();
  return {
    id: ulid(),
    tenantId: TENANT,
    source: 'test',
    status: 'firing',
    severity: 'high',
    assetRef: 'web-1',
    assetId: null,
    signature,
    message: `${signature} fired`,
    labels: {},
    dedupKey: `test|web-1|${signature}`,
    occurredAt: now,
    receivedAt: now,
    deliveryId: `delivery-${signature}-${ulid()}`,
  };
}

/** One outbox item (a transaction's committed event) for incident `incidentId`. */
async function writeOutbox(table: TableRef, incidentId: string): Promise<void> {
  await writeEvents(
    table,
    TENANT,
    [domainEvent(DETAIL_TYPES.incidentOpened, { tenantId: TENANT, incidentId, decision: 'open' })],
    new Date(),
  );
}

async function writeAlert(table: TableRef, signature: string): Promise<CanonicalAlert> {
  const alert = alertOf(signature);
  const { stored } = await storeAlerts(table, TENANT, [alert], new Date());
  expect(stored).toHaveLength(1);
  return alert;
}

test('only new outbox and alert items are handed on, in the stream order, as the relay reads them', async () => {
  const table = await freshTable();
  await writeOutbox(table, 'inc-1');
  const alert = await writeAlert(table, 'DiskFull');
  await putTenant(table, { id: TENANT, name: 'Stream Co', createdAt: new Date().toISOString() });
  // A MODIFY of the outbox item and of the alert item (as correlation rewrites it): not new work.
  const [opened] = await committedEvents(table);
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.outbox(TENANT, opened!.detail.eventId),
      UpdateExpression: 'SET touched = :yes',
      ExpressionAttributeValues: { ':yes': true },
    }),
  );
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: storedAlertItem(alert, { incidentId: 'inc-1' }) }));
  // A REMOVE of an outbox item and of the tenant.
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: keys.outbox(TENANT, opened!.detail.eventId) }));
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: keys.tenant(TENANT) }));
  await writeAlert(table, 'CpuHigh');
  await writeOutbox(table, 'inc-2');

  const { reader: streamReader, received } = reader(table, freshDir());
  streamReader.start();
  await streamReader.idle();

  expect(received.map(label)).toEqual(['outbox:inc-1', 'alert:DiskFull', 'alert:CpuHigh', 'outbox:inc-2']);
  expect(received.every((record) => record.eventName === 'INSERT')).toBe(true);
  const sequence = received.map((record) => BigInt(record.dynamodb!.SequenceNumber!));
  expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  // What the relay makes of them: the events as committed, the alerts as stored (an empty label map included).
  const work = workOf(received);
  expect(work.ignored).toBe(0);
  expect(work.events.map((event) => [event.detailType, event.detail.incidentId])).toEqual([
    ['IncidentOpened', 'inc-1'],
    ['IncidentOpened', 'inc-2'],
  ]);
  expect(work.events[0]).toEqual(opened);
  expect(work.alerts[0]).toEqual(alert);
  // Every record of the stream was read (the delivery records, the tenant, the MODIFYs and REMOVEs too); four were relayed.
  const stats = streamReader.stats();
  expect(stats.relayed).toBe(4);
  expect(stats.records).toBeGreaterThanOrEqual(10);
  expect(stats).toMatchObject({ retries: 0, deadLettered: 0 });

  // Work written while the reader runs arrives too, after what came before.
  await writeOutbox(table, 'inc-3');
  await streamReader.idle();
  expect(received.map(label).slice(4)).toEqual(['outbox:inc-3']);
});

test('a failing batch is retried and arrives once the relay succeeds; the failures are counted', async () => {
  const table = await freshTable();
  await writeOutbox(table, 'retry-1');
  await writeAlert(table, 'RetryMe');
  let failures = 0;
  const {
    reader: streamReader,
    received,
    calls,
  } = reader(table, freshDir(), async () => {
    if (failures < 2) {
      failures++;
      throw new Error('the bus is down');
    }
  });
  streamReader.start();
  await streamReader.idle();

  // The same batch three times (whole, not split: it succeeded within maxRetryAttempts), accepted once.
  expect(calls.map((batch) => batch.map(label))).toEqual(Array(3).fill(['outbox:retry-1', 'alert:RetryMe']));
  expect(received.map(label)).toEqual(['outbox:retry-1', 'alert:RetryMe']);
  expect(streamReader.stats()).toMatchObject({ retries: 2, batches: 1, relayed: 2, deadLettered: 0 });
  expect(streamReader.deadLetters).toEqual([]);
});

test('a record that always fails is dead-lettered after its attempts, the rest of its batch arrives, and the reader goes on', async () => {
  const table = await freshTable();
  await writeOutbox(table, 'good-1');
  await writeAlert(table, 'Poison');
  await writeOutbox(table, 'good-2');
  await writeOutbox(table, 'good-3');
  const dataDir = freshDir();
  const {
    reader: streamReader,
    received,
    calls,
    log,
  } = reader(table, dataDir, async (records) => {
    if (records.some((record) => label(record) === 'alert:Poison')) throw new Error('not a canonical alert');
  });
  streamReader.start();
  await streamReader.idle();

  expect(received.map(label)).toEqual(['outbox:good-1', 'outbox:good-2', 'outbox:good-3']);
  // The first attempt and 3 retries (the Pipe's maximumRetryAttempts) of the whole batch, then of the half holding the
  // poison, then of the poison alone: bisected down to it; the good halves go through at their first attempt.
  expect(calls.map((batch) => batch.length)).toEqual([4, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1, 1, 2]);
  expect(streamReader.stats()).toMatchObject({ retries: 12, relayed: 3, deadLettered: 1 });
  expect(streamReader.deadLetters).toHaveLength(1);
  const [letter] = streamReader.deadLetters;
  expect(label(letter!.record)).toBe('alert:Poison');
  expect(letter).toMatchObject({ error: 'not a canonical alert', sequenceNumber: letter!.record.dynamodb!.SequenceNumber });
  expect(log.some((line) => line.includes('dead-lettered'))).toBe(true);
  const lines = readFileSync(join(dataDir, 'stream-dead-letters.jsonl'), 'utf8').trim().split('\n');
  expect(lines.map((line) => JSON.parse(line))).toEqual([letter]);

  // It goes on: what comes after the poison still arrives.
  await writeOutbox(table, 'good-4');
  await streamReader.idle();
  expect(received.map(label)).toEqual(['outbox:good-1', 'outbox:good-2', 'outbox:good-3', 'outbox:good-4']);
  await streamReader.stop();

  // A new reader on the same data directory knows the dead letter (and does not hand the poison on again).
  const { reader: restarted, calls: restartedCalls } = reader(table, dataDir);
  expect(restarted.deadLetters).toEqual([letter]);
  restarted.start();
  await restarted.idle();
  expect(restartedCalls).toEqual([]);
});

test('a restart goes on from the checkpoint (nothing handed on twice, nothing skipped); without one it starts from the oldest record', async () => {
  const table = await freshTable();
  await writeOutbox(table, 'before-1');
  await writeAlert(table, 'Before2');
  const dataDir = freshDir();
  const first = reader(table, dataDir);
  first.reader.start();
  await first.reader.idle();
  expect(first.received.map(label)).toEqual(['outbox:before-1', 'alert:Before2']);
  await first.reader.stop();
  expect(existsSync(join(dataDir, 'stream-checkpoints.json'))).toBe(true);

  // Written while no reader runs.
  await writeAlert(table, 'After1');
  await writeOutbox(table, 'after-2');

  const second = reader(table, dataDir);
  second.reader.start();
  await second.reader.idle();
  expect(second.received.map(label)).toEqual(['alert:After1', 'outbox:after-2']);
  await writeOutbox(table, 'after-3');
  await second.reader.idle();
  expect(second.received.map(label)).toEqual(['alert:After1', 'outbox:after-2', 'outbox:after-3']);

  // No checkpoint (a fresh data directory, or none at all): everything from the oldest record.
  for (const dir of [freshDir(), null]) {
    const fresh = reader(table, dir);
    fresh.reader.start();
    await fresh.reader.idle();
    expect(fresh.received.map(label)).toEqual(['outbox:before-1', 'alert:Before2', 'alert:After1', 'outbox:after-2', 'outbox:after-3']);
  }
});
