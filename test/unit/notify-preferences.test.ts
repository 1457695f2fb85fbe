// Per-user notification preferences (channels per event, quiet hours in a time zone except for critical
// incidents) and the retry schedule of deliveries (exponential backoff, bounded jitter, Retry-After).
import {
  DEFAULT_CHANNELS,
  channelsFor,
  isRetryable,
  notificationPreferencesSchema,
  retryDelayMs,
  retryDelays,
  retryPolicySchema,
} from '../../lib/domain/notify/preferences';

const prefs = (input: Record<string, unknown> = {}) => notificationPreferencesSchema.parse({ userId: 'u1', ...input });
const nightOwl = prefs({ timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } });

describe('channelsFor', () => {
  test('defaults per kind: interrupting channels for what needs someone, the dashboard for news', () => {
    expect(channelsFor(prefs(), { kind: 'assignment', severity: 'medium' }, new Date()).channels).toEqual(['email', 'slack', 'dashboard']);
    expect(channelsFor(prefs(), { kind: 'escalation', severity: 'low' }, new Date()).channels).toEqual([
      'email',
      'slack',
      'teams',
      'dashboard',
    ]);
    expect(channelsFor(prefs(), { kind: 'resolved', severity: 'high' }, new Date()).channels).toEqual(['dashboard']);
    expect(Object.keys(DEFAULT_CHANNELS)).toHaveLength(9);
  });

  test('a user choice replaces the default for that kind only; an empty list turns it off', () => {
    const mine = prefs({ channels: { assignment: ['teams', 'teams', 'email'], resolved: [] } });
    expect(channelsFor(mine, { kind: 'assignment', severity: 'medium' }, new Date()).channels).toEqual(['email', 'teams']);
    expect(channelsFor(mine, { kind: 'resolved', severity: 'high' }, new Date())).toEqual({
      channels: [],
      deferred: [],
      deferUntil: null,
      reason: 'resolved notifications are off',
    });
    expect(channelsFor(mine, { kind: 'sla-warning', severity: 'high' }, new Date()).channels).toEqual(['email', 'slack', 'dashboard']);
  });

  test('in quiet hours, interrupting channels wait until the end; the dashboard does not', () => {
    // Monday 2 March 2026, 23:30 CET.
    const decision = channelsFor(nightOwl, { kind: 'sla-breach', severity: 'high' }, new Date('2026-03-02T22:30:00Z'));
    expect(decision).toEqual({
      channels: ['dashboard'],
      deferred: ['email', 'slack', 'teams', 'sms'],
      deferUntil: '2026-03-03T06:00:00.000Z',
      reason: 'quiet hours until 07:00 Europe/Berlin',
    });
  });

  test('the morning part of the overnight window counts too', () => {
    const decision = channelsFor(nightOwl, { kind: 'assignment', severity: 'medium' }, new Date('2026-03-03T05:59:00Z'));
    expect(decision.deferUntil).toBe('2026-03-03T06:00:00.000Z');
    expect(channelsFor(nightOwl, { kind: 'assignment', severity: 'medium' }, new Date('2026-03-03T06:00:00Z')).deferred).toEqual([]);
    expect(channelsFor(nightOwl, { kind: 'assignment', severity: 'medium' }, new Date('2026-03-02T20:59:00Z')).deferred).toEqual([]);
  });

  test('critical incidents ignore quiet hours', () => {
    const decision = channelsFor(nightOwl, { kind: 'sla-breach', severity: 'critical' }, new Date('2026-03-02T22:30:00Z'));
    expect(decision.channels).toEqual(['email', 'slack', 'teams', 'sms', 'voice', 'dashboard']);
    expect(decision.deferred).toEqual([]);
    expect(decision.reason).toBe('quiet hours, but critical incidents always notify');
  });

  test('paging kinds ring phones by severity: critical calls and texts, high texts, the rest never; a user may change it', () => {
    const at = new Date('2026-03-02T12:00:00Z');
    const phones = (decision: { channels: string[] }) => decision.channels.filter((channel) => channel === 'sms' || channel === 'voice');
    expect(phones(channelsFor(prefs(), { kind: 'escalation', severity: 'critical' }, at))).toEqual(['sms', 'voice']);
    expect(phones(channelsFor(prefs(), { kind: 'assignment', severity: 'high' }, at))).toEqual(['sms']);
    expect(phones(channelsFor(prefs(), { kind: 'assignment', severity: 'medium' }, at))).toEqual([]);
    // Not a paging kind: no phone whatever the severity.
    expect(phones(channelsFor(prefs(), { kind: 'sla-warning', severity: 'critical' }, at))).toEqual([]);
    const mine = prefs({ paging: { critical: ['sms'], high: [], medium: ['voice'] } });
    expect(phones(channelsFor(mine, { kind: 'sla-breach', severity: 'critical' }, at))).toEqual(['sms']);
    expect(phones(channelsFor(mine, { kind: 'sla-breach', severity: 'high' }, at))).toEqual([]);
    expect(phones(channelsFor(mine, { kind: 'escalation', severity: 'medium' }, at))).toEqual(['voice']);
    expect(() => prefs({ paging: { critical: ['email'] } })).toThrow();
  });

  test('quiet hours follow the wall clock across DST: the night of 28 to 29 March ends at 07:00 CEST', () => {
    const decision = channelsFor(nightOwl, { kind: 'assignment', severity: 'high' }, new Date('2026-03-28T23:00:00Z'));
    expect(decision.deferUntil).toBe('2026-03-29T05:00:00.000Z');
  });

  test('quiet hours in the user time zone, not the server one', () => {
    const newYork = prefs({ timeZone: 'America/New_York', quietHours: { from: '22:00', to: '07:00' } });
    // 23:30 UTC is 18:30 in New York: not quiet.
    expect(channelsFor(newYork, { kind: 'assignment', severity: 'high' }, new Date('2026-03-02T23:30:00Z')).deferred).toEqual([]);
    expect(channelsFor(newYork, { kind: 'assignment', severity: 'high' }, new Date('2026-03-03T04:00:00Z')).deferUntil).toBe(
      '2026-03-03T12:00:00.000Z',
    );
  });

  test('quiet days: a weekend daytime window', () => {
    const weekends = prefs({ quietHours: { from: '08:00', to: '20:00', days: ['sat', 'sun'] } });
    const event = { kind: 'assignment' as const, severity: 'high' as const };
    expect(channelsFor(weekends, event, new Date('2026-03-07T10:00:00Z')).deferUntil).toBe('2026-03-07T20:00:00.000Z'); // Saturday
    expect(channelsFor(weekends, event, new Date('2026-03-09T10:00:00Z')).deferred).toEqual([]); // Monday
  });

  test('an overnight window listed for Friday only covers Saturday morning, not Friday morning', () => {
    const friday = prefs({ quietHours: { from: '22:00', to: '07:00', days: ['fri'] } });
    const event = { kind: 'assignment' as const, severity: 'high' as const };
    expect(channelsFor(friday, event, new Date('2026-03-07T03:00:00Z')).deferUntil).toBe('2026-03-07T07:00:00.000Z'); // Saturday 03:00
    expect(channelsFor(friday, event, new Date('2026-03-06T03:00:00Z')).deferred).toEqual([]); // Friday 03:00
  });

  test.each([
    [{ quietHours: { from: '22:00', to: '22:00' } }, 'an empty quiet window'],
    [{ quietHours: { from: '22:00', to: '7:00' } }, 'a time not HH:MM'],
    [{ timeZone: 'Europe/Atlantis' }, 'an unknown time zone'],
    [{ channels: { assignment: ['pager'] } }, 'an unknown channel'],
    [{ channels: { party: ['email'] } }, 'an unknown event kind'],
  ])('preferences reject %j (%s)', (input, _why) => {
    expect(notificationPreferencesSchema.safeParse({ userId: 'u1', ...input }).success).toBe(false);
  });
});

describe('retries', () => {
  test('exponential bounds with equal jitter, capped', () => {
    expect(retryDelays(1)).toEqual({ minMs: 1_000, maxMs: 2_000 });
    expect(retryDelays(2)).toEqual({ minMs: 2_000, maxMs: 4_000 });
    expect(retryDelays(5)).toEqual({ minMs: 16_000, maxMs: 32_000 });
    const capped = retryPolicySchema.parse({ maxAttempts: 20 });
    expect(retryDelays(15, capped)).toEqual({ minMs: 150_000, maxMs: 300_000 });
  });

  test('no retry after the last attempt, nor for a nonsense attempt number', () => {
    expect(retryDelays(6)).toBeNull();
    expect(retryDelays(0)).toBeNull();
    expect(retryDelays(1.5)).toBeNull();
    expect(retryDelayMs(6)).toBeNull();
  });

  test('the jittered delay stays within its bounds', () => {
    expect(retryDelayMs(3, { random: () => 0 })).toBe(4_000);
    expect(retryDelayMs(3, { random: () => 1 })).toBe(8_000);
    expect(retryDelayMs(3, { random: () => 0.5 })).toBe(6_000);
    for (let index = 0; index < 200; index++) {
      const delay = retryDelayMs(4) as number;
      expect(delay).toBeGreaterThanOrEqual(8_000);
      expect(delay).toBeLessThanOrEqual(16_000);
    }
  });

  test("a receiver's Retry-After is honoured, up to a bound", () => {
    expect(retryDelayMs(1, { random: () => 0, retryAfterSeconds: 30 })).toBe(30_000);
    expect(retryDelayMs(1, { random: () => 0, retryAfterSeconds: 86_400 })).toBe(900_000);
    expect(retryDelayMs(3, { random: () => 1, retryAfterSeconds: 1 })).toBe(8_000);
  });

  test.each([
    [undefined, true],
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [403, false],
    [404, false],
    [410, false],
  ])('status %p retryable: %p', (status, retryable) => {
    expect(isRetryable(status === undefined ? {} : { status })).toBe(retryable);
  });
});
