import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from '../../lib/store/table-ref';
import { percentile, round } from './ops-counter';

/**
 * Counts a client's DynamoDB requests, item writes and write units per pipeline stage, and how long the
 * stage's requests took. The stage of a request is what `stageOf` says when it is sent (the local
 * stack's functions share one client: local/lambda-runtime.ts `currentInvocation` names the function a
 * request runs in).
 *
 * Write units are counted as DynamoDB bills them, not as DynamoDB Local reports them: for transactions
 * it reports a total that is not the per-item bill (2 units for a transaction of three small items the
 * service bills 6; 6 for one the service bills 8). So plain writes take DynamoDB Local's own count
 * (ReturnConsumedCapacity TOTAL: one unit per started KB, which it gets right) and a transaction is
 * billed here: two units per started KB of each item, a Put sized from its item and an Update, Delete
 * or ConditionCheck from the item as it is at the end of the run (`settle`), at least one KB. Writes
 * into global secondary indexes are not in either count (see docs/cost-model.md).
 */
export interface StageCounts {
  requests: number;
  byOperation: Record<string, number>;
  itemWrites: number;
  writeUnits: number;
  /** Read units of GetItem, BatchGetItem and Query, as DynamoDB Local reports them. */
  readUnits: number;
  /** Milliseconds from sending a request to its answer: the median and the 99th percentile. */
  latencyMs: { p50: number; p99: number };
}

interface StageTally extends Omit<StageCounts, 'latencyMs'> {
  latencies: number[];
  /** Keys of transactional updates, deletes and condition checks, each to be billed by its item's size. */
  sizedLater: Array<{ TableName: string; Key: Record<string, unknown> }>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
const KB = 1024;

/** An attribute value's size as DynamoDB counts it (UTF-8 strings, numbers by significant digits, 3 bytes per list or map plus 1 per element). */
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return Math.ceil(String(value).replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueBytes(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  if (typeof value === 'object') return 3 + itemBytes(value as Record<string, unknown>) + Object.keys(value).length;
  return 0;
}

/** An item's size as DynamoDB bills it: its attribute names and values. */
export function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

/** Units of a write of an item this large: one per started KB, at least one. */
const unitsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));

type TransactItem = {
  Put?: { TableName: string; Item: Record<string, unknown> };
  Update?: { TableName: string; Key: Record<string, unknown> };
  Delete?: { TableName: string; Key: Record<string, unknown> };
  ConditionCheck?: { TableName: string; Key: Record<string, unknown> };
};

export class StageCounter {
  private readonly stages = new Map<string, StageTally>();
  private enabled = false;
  private client?: DynamoDBDocumentClient;

  constructor(private readonly stageOf: () => string) {}

  attach(client: DynamoDBDocumentClient): void {
    this.client = client;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const tally = this.tallyOf(this.stageOf());
        tally.requests++;
        tally.byOperation[operation] = (tally.byOperation[operation] ?? 0) + 1;
        const input = args.input as {
          ReturnConsumedCapacity?: string;
          TransactItems?: TransactItem[];
          RequestItems?: Record<string, unknown[]>;
        };
        if (operation === 'TransactWriteItems') tally.itemWrites += input.TransactItems?.length ?? 0;
        else if (operation === 'BatchWriteItem')
          tally.itemWrites += Object.values(input.RequestItems ?? {}).reduce((n, list) => n + list.length, 0);
        else if (WRITES.has(operation)) tally.itemWrites++;
        if (operation !== 'TransactWriteItems') input.ReturnConsumedCapacity ??= 'TOTAL';
        const started = performance.now();
        const result = await next(args);
        tally.latencies.push(performance.now() - started);
        if (operation === 'TransactWriteItems') this.billTransaction(tally, input.TransactItems ?? []);
        else {
          const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
          const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{ CapacityUnits?: number }>;
          const units = entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
          if (WRITES.has(operation)) tally.writeUnits += units;
          else tally.readUnits += units;
        }
        return result;
      },
      { step: 'initialize', name: 'benchStageCounter' },
    );
  }

  start(): void {
    this.stages.clear();
    this.enabled = true;
  }

  stop(): void {
    this.enabled = false;
  }

  /**
   * Bills the transactional updates, deletes and condition checks by their items' sizes now (an item
   * gone counts one KB). Call after `stop`, before `per`.
   */
  async settle(): Promise<void> {
    const client = this.client;
    if (!client) return;
    /** The table's items are keyed by pk and sk (lib/store/keys.ts). */
    const keyOf = (tableName: string, key: Record<string, unknown>) => `${tableName}|${String(key.pk)}|${String(key.sk)}`;
    for (const tally of this.stages.values()) {
      const pending = tally.sizedLater.splice(0);
      const byTable = new Map<string, Map<string, Record<string, unknown>>>();
      for (const { TableName, Key } of pending) {
        const keys = byTable.get(TableName) ?? new Map<string, Record<string, unknown>>();
        keys.set(keyOf(TableName, Key), Key);
        byTable.set(TableName, keys);
      }
      const sizes = new Map<string, number>();
      for (const [tableName, keys] of byTable) {
        const distinct = [...keys.values()];
        for (let start = 0; start < distinct.length; start += 100) {
          for (const item of await batchGetItems({ db: client, tableName }, distinct.slice(start, start + 100)))
            sizes.set(keyOf(tableName, item), itemBytes(item));
        }
      }
      for (const { TableName, Key } of pending) tally.writeUnits += 2 * unitsOf(sizes.get(keyOf(TableName, Key)) ?? 0);
    }
  }

  /** Each stage's counts divided by `perUnit` (e.g. per accepted alert), rounded to 2 decimals, and their total. */
  per(perUnit: number): Record<string, StageCounts> {
    const scale = (value: number) => Math.round((value / perUnit) * 100) / 100;
    const scaled = (tally: StageTally): StageCounts => {
      const sorted = [...tally.latencies].sort((a, b) => a - b);
      return {
        requests: scale(tally.requests),
        byOperation: Object.fromEntries(Object.entries(tally.byOperation).map(([operation, count]) => [operation, scale(count)])),
        itemWrites: scale(tally.itemWrites),
        writeUnits: scale(tally.writeUnits),
        readUnits: scale(tally.readUnits),
        latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) },
      };
    };
    const total = this.emptyTally();
    for (const tally of this.stages.values()) {
      total.requests += tally.requests;
      total.itemWrites += tally.itemWrites;
      total.writeUnits += tally.writeUnits;
      total.readUnits += tally.readUnits;
      total.latencies.push(...tally.latencies);
      for (const [operation, count] of Object.entries(tally.byOperation))
        total.byOperation[operation] = (total.byOperation[operation] ?? 0) + count;
    }
    return Object.fromEntries([
      ...[...this.stages.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([stage, tally]) => [stage, scaled(tally)]),
      ['total', scaled(total)],
    ]);
  }

  private billTransaction(tally: StageTally, items: TransactItem[]): void {
    for (const item of items) {
      if (item.Put) tally.writeUnits += 2 * unitsOf(itemBytes(item.Put.Item));
      else {
        const target = item.Update ?? item.Delete ?? item.ConditionCheck;
        if (target) tally.sizedLater.push({ TableName: target.TableName, Key: target.Key });
      }
    }
  }

  private tallyOf(stage: string): StageTally {
    let tally = this.stages.get(stage);
    if (!tally) {
      tally = this.emptyTally();
      this.stages.set(stage, tally);
    }
    return tally;
  }

  private emptyTally(): StageTally {
    return { requests: 0, byOperation: {}, itemWrites: 0, writeUnits: 0, readUnits: 0, latencies: [], sizedLater: [] };
  }
}
