import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Counts the DynamoDB operations a client sends, by operation, and the items written: a transaction of
 * four Puts is one request but four item writes (DynamoDB bills it as eight write units).
 */
export class DynamoOpsCounter {
  readonly requests = new Map<string, number>();
  itemWrites = 0;
  itemReads = 0;

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
        const input = args.input as {
          TransactItems?: unknown[];
          RequestItems?: Record<string, unknown[] | { Keys: unknown[] }>;
        };
        if (operation === 'TransactWriteItems') this.itemWrites += input.TransactItems?.length ?? 0;
        else if (operation === 'BatchWriteItem')
          this.itemWrites += Object.values(input.RequestItems ?? {}).reduce<number>((n, list) => n + (list as unknown[]).length, 0);
        else if (['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) this.itemWrites += 1;
        else if (operation === 'BatchGetItem')
          this.itemReads += Object.values(input.RequestItems ?? {}).reduce<number>(
            (n, request) => n + (request as { Keys: unknown[] }).Keys.length,
            0,
          );
        else if (['GetItem', 'Query'].includes(operation)) this.itemReads += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchOpsCounter' },
    );
  }

  reset(): void {
    this.requests.clear();
    this.itemWrites = 0;
    this.itemReads = 0;
  }

  total(): number {
    return [...this.requests.values()].reduce((sum, count) => sum + count, 0);
  }

  summary(perUnit: number): Record<string, number> {
    const perAlert = (value: number) => Math.round((value / perUnit) * 100) / 100;
    return Object.fromEntries([
      ...[...this.requests.entries()].sort().map(([operation, count]) => [operation, perAlert(count)] as const),
      ['requests', perAlert(this.total())],
      ['itemWrites', perAlert(this.itemWrites)],
      ['itemReads', perAlert(this.itemReads)],
    ]);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Runs `task` for indexes 0..count-1 on `workers` concurrent workers (each takes the next index when it
 * is done), printing progress to stderr every 2 s; each task's result in its index's place.
 */
export async function pool<T>(
  count: number,
  workers: number,
  task: (index: number) => Promise<T>,
  label: string,
): Promise<{ results: T[]; seconds: number }> {
  const results: T[] = new Array(count);
  let next = 0;
  let done = 0;
  const started = performance.now();
  let lastReport = started;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let index = next++; index < count; index = next++) {
        results[index] = await task(index);
        done++;
        if (performance.now() - lastReport > 2000) {
          lastReport = performance.now();
          process.stderr.write(`  ${label}: ${done}/${count}\n`);
        }
      }
    }),
  );
  return { results, seconds: (performance.now() - started) / 1000 };
}
