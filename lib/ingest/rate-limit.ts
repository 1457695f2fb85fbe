import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../store/keys';
import type { TableRef } from '../store/table-ref';

/**
 * A per-tenant token bucket kept in DynamoDB: `burst` tokens at most, refilled at `perMinute / 60`
 * a second; every alert costs one token. Updates are conditional on the version read, so concurrent
 * ingestion functions never spend the same tokens twice. Each tenant has its own bucket: one
 * tenant's storm is refused at its own limit and takes nothing from the others.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export interface Bucket {
  tokens: number;
  /** Epoch milliseconds of the last refill. */
  updatedAt: number;
}

/** Pure: the bucket after refilling up to `now` and trying to take `cost` tokens. */
export function take(
  bucket: Bucket | undefined,
  cost: number,
  limit: RateLimit,
  now: number,
): { allowed: boolean; bucket: Bucket; retryAfterSeconds: number } {
  const ratePerMs = limit.perMinute / 60_000;
  const start = bucket ?? { tokens: limit.burst, updatedAt: now };
  const tokens = Math.min(limit.burst, start.tokens + Math.max(0, now - start.updatedAt) * ratePerMs);
  // A single delivery larger than the burst could never pass: it is charged the whole burst instead.
  const charge = Math.min(cost, limit.burst);
  if (tokens >= charge) return { allowed: true, bucket: { tokens: tokens - charge, updatedAt: now }, retryAfterSeconds: 0 };
  return {
    allowed: false,
    bucket: { tokens, updatedAt: now },
    retryAfterSeconds: Math.max(1, Math.ceil((charge - tokens) / ratePerMs / 1000)),
  };
}

const MAX_ATTEMPTS = 8;

export async function takeTokens(
  table: TableRef,
  tenantId: string,
  cost: number,
  limit: RateLimit,
  now: () => number,
): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const key = keys.rateBucket(tenantId, 'INGEST');
  for (let attempt = 1; ; attempt++) {
    const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
    const current = Item ? { tokens: Item.tokens as number, updatedAt: Item.updatedAt as number } : undefined;
    const result = take(current, cost, limit, now());
    if (!result.allowed) return result;
    try {
      await table.db.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...key, entity: 'rateBucket', ...result.bucket, version: ((Item?.version as number) ?? 0) + 1 },
          ...(Item
            ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': Item.version } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return result;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException') || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
