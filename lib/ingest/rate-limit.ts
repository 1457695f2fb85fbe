import { busySlackMs, gcra, variantFor, type ChargeVariant, type RateLimit } from '../domain/rate-limit';
import type { DeliveryCharge, ChargeVerdict } from '../store/alerts';
import { bucketTat, chargeUpdate, readRateBucketTat } from '../store/rate-buckets';
import type { TableRef } from '../store/table-ref';
import { StoreBusyError } from '../store/transact';

/**
 * How one delivery is charged against its tenant's rate limit (the limit and its GCRA arithmetic:
 * lib/domain/rate-limit.ts; the bucket's item and its conditional updates: lib/store/rate-buckets.ts).
 */

/** Decisions about one delivery's charge (a refusal, or a retry with the variant the bucket calls for). */
const MAX_DECISIONS = 6;
/**
 * Per warm function: when this function last charged a tenant. A hint for which update to try first
 * (a bucket touched within the slack is most likely busy); correctness never depends on it.
 */
const lastCharged = new Map<string, number>();

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
      if (current) tat = bucketTat(current);
      else if (!triedOther) {
        // No bucket came back: there is none (only a restart charges a new bucket), or it was not returned.
        variant = variant === 'advance' ? 'restart' : 'advance';
        triedOther = true;
        return { retry: true };
      } else {
        tat = await readRateBucketTat(table, tenantId);
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
