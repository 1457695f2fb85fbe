import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryCharge, ChargeVerdict } from '../store/alerts';
import { keys } from '../store/keys';
import type { TableRef } from '../store/table-ref';
import { StoreBusyError } from '../store/transact';

/**
 * A per-tenant rate limit with burst, kept in DynamoDB as a token bucket in its GCRA form: one number,
 * the "theoretical arrival time" (TAT) at which the bucket would be full again. Every alert costs one
 * token (`perMinute / 60` a second refill); an alert is allowed while the TAT stays within `burst`
 * tokens of now. The charge is one conditional Update of the tenant's bucket item, written in the same
 * transaction as the delivery's alerts and idempotency records (lib/store/alerts.ts `storeAlerts`): no
 * read before it, so concurrent ingestion functions never spend the same tokens twice, a delivery is
 * charged exactly when its alerts are stored, and a refused one stores nothing. Each tenant has its own
 * item: one tenant's storm is refused at its own limit and takes nothing from others.
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

/** Decisions about one delivery's charge (a refusal, or a retry with the variant the bucket calls for). */
const MAX_DECISIONS = 6;
/**
 * Per warm function: when this function last charged a tenant. A hint for which update to try first
 * (a bucket touched within the slack is most likely busy); correctness never depends on it.
 */
const lastCharged = new Map<string, number>();
/**
 * A busy bucket whose TAT has fallen up to its slack behind now is still advanced from its TAT (rather
 * than restarted from now). That grants at most the slack's refill extra, and it keeps concurrent
 * writers from starving each other on the busy/idle boundary. The slack is a tenth of the burst's refill
 * time (so at most a tenth of the burst extra), within 250 ms and 5 s: a bucket whose traffic stays
 * under its limit lags behind now and must be restarted once per slack, and every writer that lands on
 * that boundary tries the wrong update first (at a 250 ms slack, half the deliveries of a storm did).
 */
export const BUSY_SLACK_MS = 250;
const MAX_BUSY_SLACK_MS = 5_000;

/** The slack of a bucket with this limit (see BUSY_SLACK_MS). */
export function busySlackMs(limit: RateLimit): number {
  return Math.min(MAX_BUSY_SLACK_MS, Math.max(BUSY_SLACK_MS, (limit.burst * emissionIntervalMs(limit)) / 10));
}

/**
 * The two conditional updates of a bucket: `advance` a busy one (TAT about now or later) if it stays
 * within the burst; `restart` an idle or new one (TAT well in the past) from now.
 */
export type ChargeVariant = 'advance' | 'restart';

/** The variant that fits a bucket whose TAT is `tat` (undefined: no bucket yet) at `at`: busy when charged within `slack`. */
export function variantFor(tat: number | undefined, at: number, slack: number): ChargeVariant {
  return tat !== undefined && tat >= at - slack ? 'advance' : 'restart';
}

/**
 * The Update of the tenant's bucket that charges `cost` alerts at `at`, in its `variant`. Its condition
 * fails when the bucket is not in that variant's state or the charge would exceed the burst; DynamoDB
 * then returns the bucket as it was (ALL_OLD), to decide on without reading it.
 */
export function chargeUpdate(tableName: string, tenantId: string, cost: number, limit: RateLimit, at: number, variant: ChargeVariant) {
  const interval = emissionIntervalMs(limit);
  const charge = Math.min(cost, limit.burst) * interval;
  const slack = busySlackMs(limit);
  const common = {
    TableName: tableName,
    Key: keys.rateBucket(tenantId, 'INGEST'),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  if (variant === 'advance') {
    return {
      ...common,
      UpdateExpression: 'SET tat = tat + :charge',
      ConditionExpression: 'tat >= :floor AND tat <= :latest',
      ExpressionAttributeValues: { ':charge': charge, ':floor': at - slack, ':latest': at + limit.burst * interval - charge },
    };
  }
  return {
    ...common,
    UpdateExpression: 'SET tat = :tat, entity = :entity',
    ConditionExpression: 'attribute_not_exists(tat) OR tat < :floor',
    ExpressionAttributeValues: { ':tat': at + charge, ':floor': at - slack, ':entity': 'rateBucket' },
  };
}

/**
 * The rate-limit charge of one delivery, for `storeAlerts` to write in the delivery's first transaction.
 * It tries the likely variant first (advance when this function charged the tenant within
 * its slack, else restart): one request in the usual case. When its condition fails, the bucket as
 * DynamoDB returned it decides, with `gcra`: over the limit is a refusal (nothing is stored), else the
 * transaction is tried again with the variant that bucket calls for. Without the returned bucket, the
 * other variant is tried, then the bucket read (consistent), as a last resort.
 */
export function rateLimitCharge(table: TableRef, tenantId: string, limit: RateLimit, now: () => number): DeliveryCharge {
  const slack = busySlackMs(limit);
  let variant: ChargeVariant = now() - (lastCharged.get(tenantId) ?? -Infinity) <= slack ? 'advance' : 'restart';
  let triedOther = false;
  let decisions = 0;
  /** When this delivery's first attempt was built: how long its attempts have been taking. */
  const startedAt = now();
  /**
   * The instant a retry's update is dated (undefined: the clock when it is built). After a failed
   * condition the bucket DynamoDB returned decides the variant, with a busy slack of at least as long
   * as this delivery's attempts have taken: a restart another writer made while this one waited is a
   * busy bucket to advance, not an idle one to restart again. With the fixed 250 ms slack and round trips
   * longer than it (DynamoDB Local under 16-64 writers: seconds), every writer kept restarting over the
   * others' restarts until it gave up. An advance is dated no later than the returned TAT plus the slack,
   * so its condition holds for that bucket (a TAT only grows) however late it lands. The cost: a bucket
   * seen idle for less than the attempts took is advanced rather than restarted, lenient by that long
   * of emission at most.
   */
  let decidedAt: number | undefined;
  return {
    item: (cost) => ({ Update: chargeUpdate(table.tableName, tenantId, cost, limit, decidedAt ?? now(), variant) }),
    async rejected(current, cost): Promise<ChargeVerdict> {
      let tat: number | undefined;
      if (current) tat = current.tat as number | undefined;
      else if (!triedOther) {
        // No bucket came back: there is none (only a restart charges a new bucket), or it was not returned.
        variant = variant === 'advance' ? 'restart' : 'advance';
        triedOther = true;
        return { retry: true };
      } else {
        const key = keys.rateBucket(tenantId, 'INGEST');
        const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
        tat = Item?.tat as number | undefined;
      }
      if (++decisions > MAX_DECISIONS) throw new StoreBusyError(new Error(`Rate limit bucket of ${tenantId} kept changing under us`));
      triedOther = false;
      const at = now();
      const decision = gcra(tat, cost, limit, at);
      if (!decision.allowed) return { retry: false, retryAfterSeconds: decision.retryAfterSeconds };
      // Allowed: the variant tried did not fit the bucket (or another writer moved it); try the one that fits it now.
      variant = variantFor(tat, at, Math.max(slack, at - startedAt));
      decidedAt = variant === 'advance' && tat !== undefined ? Math.min(at, tat + slack) : at;
      return { retry: true };
    },
    committed: () => void lastCharged.set(tenantId, now()),
  };
}
