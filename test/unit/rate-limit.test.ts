import { gcra } from '../../lib/ingest/rate-limit';

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
