import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Counts a client's DynamoDB requests, item writes and consumed capacity per pipeline stage. The stage
 * of a request is what `stageOf` says when it is sent (the local stack's functions share one client:
 * local/lambda-runtime.ts `currentInvocation` names the function a request runs in). Consumed capacity
 * is DynamoDB's own count (every request is sent with ReturnConsumedCapacity TOTAL; DynamoDB Local
 * reports it as the service bills it: a transactional write costs twice a plain one).
 */
export interface StageCounts {
  requests: number;
  byOperation: Record<string, number>;
  itemWrites: number;
  writeUnits: number;
  readUnits: number;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

export class StageCounter {
  private readonly stages = new Map<string, StageCounts>();
  private enabled = false;

  constructor(private readonly stageOf: () => string) {}

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        const counts = this.countsOf(this.stageOf());
        counts.requests++;
        counts.byOperation[operation] = (counts.byOperation[operation] ?? 0) + 1;
        const input = args.input as {
          ReturnConsumedCapacity?: string;
          TransactItems?: unknown[];
          RequestItems?: Record<string, unknown[]>;
        };
        if (operation === 'TransactWriteItems') counts.itemWrites += input.TransactItems?.length ?? 0;
        else if (operation === 'BatchWriteItem')
          counts.itemWrites += Object.values(input.RequestItems ?? {}).reduce((n, list) => n + list.length, 0);
        else if (WRITES.has(operation)) counts.itemWrites++;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
          (sum: number, entry: { CapacityUnits?: number }) => sum + (entry.CapacityUnits ?? 0),
          0,
        );
        if (WRITES.has(operation)) counts.writeUnits += units;
        else counts.readUnits += units;
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

  /** Each stage's counts divided by `perUnit` (e.g. per accepted alert), rounded to 2 decimals, and their total. */
  per(perUnit: number): Record<string, StageCounts> {
    const round = (value: number) => Math.round((value / perUnit) * 100) / 100;
    const scaled = (counts: StageCounts): StageCounts => ({
      requests: round(counts.requests),
      byOperation: Object.fromEntries(Object.entries(counts.byOperation).map(([operation, count]) => [operation, round(count)])),
      itemWrites: round(counts.itemWrites),
      writeUnits: round(counts.writeUnits),
      readUnits: round(counts.readUnits),
    });
    const total = this.emptyCounts();
    for (const counts of this.stages.values()) {
      total.requests += counts.requests;
      total.itemWrites += counts.itemWrites;
      total.writeUnits += counts.writeUnits;
      total.readUnits += counts.readUnits;
      for (const [operation, count] of Object.entries(counts.byOperation))
        total.byOperation[operation] = (total.byOperation[operation] ?? 0) + count;
    }
    return Object.fromEntries([
      ...[...this.stages.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([stage, counts]) => [stage, scaled(counts)]),
      ['total', scaled(total)],
    ]);
  }

  private countsOf(stage: string): StageCounts {
    let counts = this.stages.get(stage);
    if (!counts) {
      counts = this.emptyCounts();
      this.stages.set(stage, counts);
    }
    return counts;
  }

  private emptyCounts(): StageCounts {
    return { requests: 0, byOperation: {}, itemWrites: 0, writeUnits: 0, readUnits: 0 };
  }
}
