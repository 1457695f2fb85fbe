import { StoreBusyError } from '../../lib/store/transact';
import { busySlackMs, emissionIntervalMs, gcra, variantFor } from '../../lib/domain/rate-limit';
import { rateLimitCharge } from '../../lib/ingest/rate-limit';
import { chargeUpdate } from '../../lib/store/rate-buckets';
import type { TableRef } from '../../lib/store/table-ref';
import type { TransactItem } from '../../lib/store/transact';

const limit = { perMinute: 600, burst: 200 }; // one token every 100 ms

describe('gcra (the token bucket in one number)', () => {
  test('a new bucket allows a full burst, then refuses', () => {
    let tat: number | undefined;
    const now = 1_000_000;
    for (let index = 0; index < 200; index++) {
      const step = gcra(tat, 1, limit, now);
      expect(step.allowed).toBe(true);
      tat = step.tat;
    }
    const refused = gcra(tat, 1, limit, now);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
  });

  test('tokens come back at the configured rate', () => {
    const now = 5_000_000;
    const full = gcra(undefined, 200, limit, now);
    expect(full.allowed).toBe(true);
    expect(gcra(full.tat, 1, limit, now + 50).allowed).toBe(false);
    expect(gcra(full.tat, 1, limit, now + 100).allowed).toBe(true);
    expect(gcra(full.tat, 10, limit, now + 999).allowed).toBe(false);
    expect(gcra(full.tat, 10, limit, now + 1000).allowed).toBe(true);
  });

  test('an idle bucket is full again, never more than full', () => {
    const now = 9_000_000;
    const stale = now - 3_600_000;
    expect(gcra(stale, 200, limit, now).allowed).toBe(true);
    expect(gcra(stale, 201, limit, now)).toMatchObject({ allowed: true }); // charged the burst at most
    const afterBurst = gcra(stale, 200, limit, now).tat;
    expect(gcra(afterBurst, 1, limit, now).allowed).toBe(false);
  });

  test('retry-after says how long until the cost fits', () => {
    const now = 0;
    const empty = gcra(undefined, 200, limit, now).tat;
    expect(gcra(empty, 50, limit, now).retryAfterSeconds).toBe(5);
  });
});

describe('the charge in the delivery transaction (chargeUpdate, rateLimitCharge)', () => {
  /** What DynamoDB would decide for the Update's condition, and the TAT it would write. */
  function apply(update: ReturnType<typeof chargeUpdate>, tat: number | undefined): number | undefined {
    const values = update.ExpressionAttributeValues as unknown as Record<string, number>;
    if (update.ConditionExpression.startsWith('tat >=')) {
      if (tat === undefined || tat < values[':floor']! || tat > values[':latest']!) return undefined;
      return tat + values[':charge']!;
    }
    if (tat !== undefined && tat >= values[':floor']!) return undefined;
    return values[':tat'];
  }

  test('the variant that fits a bucket holds exactly when gcra allows, and writes what gcra would (an idle slack at most more)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const interval = emissionIntervalMs(limit);
    for (let run = 0; run < 5000; run++) {
      const now = 1_000_000_000;
      const tat = random() < 0.1 ? undefined : now + Math.round((random() * 2.5 - 0.5) * limit.burst * interval);
      const cost = 1 + Math.floor(random() * 250);
      const decision = gcra(tat, cost, limit, now);
      const written = apply(chargeUpdate('t', 'acme', cost, limit, now, variantFor(tat, now, busySlackMs(limit))), tat);
      expect(written !== undefined).toBe(decision.allowed);
      if (written !== undefined) {
        expect(written).toBeGreaterThanOrEqual(decision.tat - busySlackMs(limit));
        expect(written).toBeLessThanOrEqual(decision.tat);
      }
      // The other variant never charges where gcra refuses.
      const other = variantFor(tat, now, busySlackMs(limit)) === 'advance' ? 'restart' : 'advance';
      if (!decision.allowed) expect(apply(chargeUpdate('t', 'acme', cost, limit, now, other), tat)).toBeUndefined();
    }
  });

  const fakeTable = (tat: number | undefined) => {
    const reads: unknown[] = [];
    const table = {
      tableName: 't',
      db: {
        send: async (command: { input: unknown }) => {
          reads.push(command.input);
          return { Item: tat === undefined ? undefined : { tat } };
        },
      },
    } as unknown as TableRef;
    return { table, reads };
  };
  const variantOf = (item: TransactItem) => (item.Update?.ConditionExpression?.startsWith('tat >=') ? 'advance' : 'restart');

  test('tries restart first for a bucket this function has not charged lately, advance after a charge', () => {
    let now = 50_000_000;
    const { table } = fakeTable(undefined);
    const first = rateLimitCharge(table, 'fresh-tenant', limit, () => now);
    expect(variantOf(first.item(1))).toBe('restart');
    first.committed();
    now += 100;
    expect(variantOf(rateLimitCharge(table, 'fresh-tenant', limit, () => now).item(1))).toBe('advance');
    now += busySlackMs(limit) + 1;
    expect(variantOf(rateLimitCharge(table, 'fresh-tenant', limit, () => now).item(1))).toBe('restart');
  });

  test('a failed condition is decided on the bucket DynamoDB returned: a refusal with the wait, or the variant that fits', async () => {
    const now = 60_000_000;
    const { table, reads } = fakeTable(undefined);
    const charge = rateLimitCharge(table, 'busy-tenant', limit, () => now);
    expect(variantOf(charge.item(1))).toBe('restart');
    // Busy, with room: advance it.
    await expect(charge.rejected({ tat: now + 1000 }, 1)).resolves.toEqual({ retry: true });
    expect(variantOf(charge.item(1))).toBe('advance');
    // Full: refused, with how long until 50 tokens fit.
    const full = now + limit.burst * emissionIntervalMs(limit);
    await expect(charge.rejected({ tat: full }, 50)).resolves.toEqual({ retry: false, retryAfterSeconds: 5 });
    expect(reads).toEqual([]);
  });

  test('without a returned bucket: the other variant, then a consistent read decides', async () => {
    const now = 70_000_000;
    const full = now + limit.burst * emissionIntervalMs(limit);
    const { table, reads } = fakeTable(full);
    const charge = rateLimitCharge(table, 'unreturned-tenant', limit, () => now);
    expect(variantOf(charge.item(1))).toBe('restart');
    await expect(charge.rejected(undefined, 1)).resolves.toEqual({ retry: true });
    expect(variantOf(charge.item(1))).toBe('advance');
    expect(reads).toEqual([]);
    await expect(charge.rejected(undefined, 1)).resolves.toEqual({ retry: false, retryAfterSeconds: 1 });
    expect(reads).toEqual([expect.objectContaining({ ConsistentRead: true, Key: { pk: 'T#unreturned-tenant#RATE', sk: 'INGEST' } })]);
  });

  test('a retry keeps the instant its variant was chosen for: an advance landing seconds later still fits the bucket it saw', async () => {
    let now = 90_000_000;
    const { table } = fakeTable(undefined);
    const charge = rateLimitCharge(table, 'slow-tenant', limit, () => now);
    // Another writer restarted the bucket just now: advance it.
    await expect(charge.rejected({ tat: now + 5 }, 1)).resolves.toEqual({ retry: true });
    const decidedAt = now;
    // The retry is built (or lands) 3 s later, as under a loaded DynamoDB: its floor is still the decision's.
    now += 3_000;
    const update = charge.item(1).Update as { ExpressionAttributeValues: Record<string, number> };
    expect(variantOf(charge.item(1))).toBe('advance');
    expect(update.ExpressionAttributeValues[':floor']).toBe(decidedAt - busySlackMs(limit));
    // The TAT it saw (and anything larger: a TAT only grows) meets that floor, however late the retry lands.
    expect(decidedAt + 5).toBeGreaterThanOrEqual(update.ExpressionAttributeValues[':floor'] as number);
  });

  test("when the attempts are slow, another writer's restart seen late is a busy bucket to advance, dated so its condition holds", async () => {
    let now = 95_000_000;
    const { table } = fakeTable(undefined);
    const charge = rateLimitCharge(table, 'loaded-tenant', limit, () => now);
    expect(variantOf(charge.item(1))).toBe('restart');
    // The first attempt took 3 s to come back; meanwhile another writer restarted the bucket 2 s ago.
    now += 3_000;
    const restartedAt = now - 2_000;
    await expect(charge.rejected({ tat: restartedAt }, 1)).resolves.toEqual({ retry: true });
    const update = charge.item(1).Update as { ExpressionAttributeValues: Record<string, number> };
    expect(variantOf(charge.item(1))).toBe('advance');
    expect(update.ExpressionAttributeValues[':floor']).toBeLessThanOrEqual(restartedAt);
    // A bucket idle for longer than the attempts took is restarted from now, as before.
    await expect(charge.rejected({ tat: now - 10_000 }, 1)).resolves.toEqual({ retry: true });
    expect(variantOf(charge.item(1))).toBe('restart');
  });

  test('the busy slack is a tenth of the burst refill time, within 250 ms and 5 s: at most a tenth of the burst extra', () => {
    expect(busySlackMs({ perMinute: 600, burst: 200 })).toBe(2_000);
    expect(busySlackMs({ perMinute: 60_000, burst: 10 })).toBe(250);
    expect(busySlackMs({ perMinute: 6, burst: 100 })).toBe(5_000);
    // Advancing a TAT that lags by the whole slack grants slack / interval tokens: a tenth of the burst here.
    expect(busySlackMs(limit) / emissionIntervalMs(limit)).toBe(limit.burst / 10);
  });

  test('a bucket that keeps changing under the charge gives up after a few decisions, as busy (503), not as an error', async () => {
    const now = 80_000_000;
    const { table } = fakeTable(undefined);
    const charge = rateLimitCharge(table, 'moving-tenant', limit, () => now);
    for (let decision = 0; decision < 6; decision++) await expect(charge.rejected({ tat: now }, 1)).resolves.toEqual({ retry: true });
    await expect(charge.rejected({ tat: now }, 1)).rejects.toThrow(StoreBusyError);
  });
});
