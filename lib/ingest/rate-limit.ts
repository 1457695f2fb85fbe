import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../store/keys';
import type { TableRef } from '../store/table-ref';
import { isConditionFailure } from '../store/transact';

/**
 * A per-tenant rate limit with burst, kept in DynamoDB as a token bucket in its GCRA form: one number,
 * the "theoretical arrival time" (TAT) at which the bucket would be full again. Every alert costs one
 * token (`perMinute / 60` a second refill); an alert is allowed while the TAT stays within `burst`
 * tokens of now. Each check is ONE conditional UpdateItem with no read before it, so concurrent
 * ingestion functions never spend the same tokens twice and never retry against each other. Each
 * tenant has its own item: one tenant's storm is refused at its own limit and takes nothing from others.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** Milliseconds one token represents. */
export function emissionIntervalMs(limit: RateLimit): number {
  return 60_000 / limit.perMinute;
}

/** Pure GCRA step: the decision and the new TAT, given the stored TAT (undefined for a new bucket). */
export function gcra(tat: number | undefined, cost: number, limit: RateLimit, now: number): RateDecision & { tat: number } {
  const interval = emissionIntervalMs(limit);
  // A single delivery larger than the burst could never pass: it is charged the whole burst instead.
  const charge = Math.min(cost, limit.burst) * interval;
  const start = Math.max(tat ?? now, now);
  const newTat = start + charge;
  const allowedUntil = now + limit.burst * interval;
  if (newTat <= allowedUntil) return { allowed: true, retryAfterSeconds: 0, tat: newTat };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((newTat - allowedUntil) / 1000)), tat: tat ?? now };
}

const MAX_ATTEMPTS = 6;
/**
 * Per warm function: when this function last charged a tenant. A hint for which update to try first
 * (a bucket touched within the slack is most likely busy); correctness never depends on it.
 */
const lastCharged = new Map<string, number>();
/**
 * A busy bucket whose TAT has fallen up to this far behind now is still advanced from its TAT (rather
 * than restarted from now). That grants at most this much refill time extra, and it keeps concurrent
 * writers from starving each other on the busy/idle boundary under heavy load.
 */
export const BUSY_SLACK_MS = 250;

export async function takeTokens(
  table: TableRef,
  tenantId: string,
  cost: number,
  limit: RateLimit,
  now: () => number,
): Promise<RateDecision> {
  const key = keys.rateBucket(tenantId, 'INGEST');
  const interval = emissionIntervalMs(limit);
  const charge = Math.min(cost, limit.burst) * interval;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const at = now();
    // A busy bucket (TAT about now or later): advance it if it stays within the burst.
    const advance = () =>
      conditionalUpdate(table, key, 'SET tat = tat + :charge', 'tat >= :floor AND tat <= :latest', {
        ':charge': charge,
        ':floor': at - BUSY_SLACK_MS,
        ':latest': at + limit.burst * interval - charge,
      });
    // An idle or new bucket (TAT well in the past): start it from now.
    const restart = () =>
      conditionalUpdate(table, key, 'SET tat = :tat, entity = :entity', 'attribute_not_exists(tat) OR tat < :floor', {
        ':tat': at + charge,
        ':floor': at - BUSY_SLACK_MS,
        ':entity': 'rateBucket',
      });
    // Try the likely one first: one request in the usual case.
    const recentlyCharged = at - (lastCharged.get(tenantId) ?? -Infinity) <= BUSY_SLACK_MS;
    for (const step of recentlyCharged ? [advance, restart] : [restart, advance]) {
      if (await step()) {
        lastCharged.set(tenantId, at);
        return { allowed: true, retryAfterSeconds: 0 };
      }
    }
    // Neither: the bucket is over its burst, unless another writer moved it between the two tries.
    const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
    const decision = gcra(Item?.tat as number | undefined, cost, limit, now());
    if (!decision.allowed) return { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
  }
  throw new Error(`Rate limit bucket of ${tenantId} kept changing under us`);
}

async function conditionalUpdate(
  table: TableRef,
  key: Record<string, string>,
  update: string,
  condition: string,
  values: Record<string, unknown>,
): Promise<boolean> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: key,
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
