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
