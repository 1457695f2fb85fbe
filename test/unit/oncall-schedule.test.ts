// On-call schedules: rotations hand off at a local wall time across DST changes,
// overrides win, layers fall through when they do not cover an instant.
import { onCallAt, onCallUserIds, scheduleSchema, shiftAt, type Schedule } from '../../lib/domain/oncall/schedule';
import { instantOfWallTime, localDateOf, offsetMs } from '../../lib/util/zoned-time';

type LayerInput = Partial<Schedule['layers'][number]> & Pick<Schedule['layers'][number], 'members'>;
const layer = (input: LayerInput) => ({
  name: 'primary',
  rotation: 'daily' as const,
  handoffTime: '09:00',
  timeZone: 'Europe/Berlin',
  startDate: '2026-03-27',
  ...input,
});
const schedule = (layers: LayerInput[], overrides: Schedule['overrides'] = []): Schedule =>
  scheduleSchema.parse({ id: 'sched-1', name: 'Acme on-call', layers: layers.map(layer), overrides });
const who = (s: Schedule, iso: string) => onCallAt(s, new Date(iso))?.userId ?? null;

describe('zoned time (Intl only)', () => {
  test('offsets on both sides of the DST changes', () => {
    expect(offsetMs(Date.parse('2026-03-29T00:59:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetMs(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    expect(offsetMs(Date.parse('2026-11-01T05:59:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(offsetMs(Date.parse('2026-11-01T06:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
  });

  test('a skipped wall time moves forward by the gap; a repeated one is its first occurrence', () => {
    const berlin = (month: number, day: number) =>
      new Date(instantOfWallTime({ year: 2026, month, day, hour: 2, minute: 30 }, 'Europe/Berlin'));
    expect(berlin(3, 29).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(berlin(10, 25).toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST, not CET
    const newYork = new Date(instantOfWallTime({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York'));
    expect(newYork.toISOString()).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
  });

  test('local dates', () => {
    expect(localDateOf(Date.parse('2026-03-01T23:30:00Z'), 'Europe/Berlin')).toBe('2026-03-02');
    expect(localDateOf(Date.parse('2026-03-02T03:30:00Z'), 'America/New_York')).toBe('2026-03-01');
  });
});

describe('daily rotation across the spring DST change in Europe/Berlin (29 March 2026)', () => {
  const daily = schedule([{ members: ['anna', 'ben', 'cara'] }]);

  test('nobody before the first hand-off', () => {
    expect(onCallAt(daily, new Date('2026-03-27T07:59:00Z'))).toBeNull();
  });

  test('the first shift starts at 09:00 CET on the start date', () => {
    expect(onCallAt(daily, new Date('2026-03-27T08:00:00Z'))).toMatchObject({
      userId: 'anna',
      source: 'layer',
      layer: 'primary',
      shiftStart: '2026-03-27T08:00:00.000Z',
      shiftEnd: '2026-03-28T08:00:00.000Z',
    });
  });

  test('the shift over the change is 23 hours: 09:00 CET to 09:00 CEST', () => {
    const onCall = onCallAt(daily, new Date('2026-03-28T08:00:00Z'));
    expect(onCall).toMatchObject({ userId: 'ben', shiftStart: '2026-03-28T08:00:00.000Z', shiftEnd: '2026-03-29T07:00:00.000Z' });
  });

  test('hand-off at 09:00 local (07:00 UTC) on the day of the change, not 24 hours after the last', () => {
    expect(who(daily, '2026-03-29T06:59:00Z')).toBe('ben');
    expect(who(daily, '2026-03-29T07:00:00Z')).toBe('cara');
    expect(who(daily, '2026-03-29T07:30:00Z')).toBe('cara');
  });

  test('the rotation wraps around', () => {
    expect(who(daily, '2026-03-30T07:00:00Z')).toBe('anna');
    expect(who(daily, '2026-03-31T07:00:00Z')).toBe('ben');
  });
});

describe('daily rotation across the autumn DST change in Europe/Berlin (25 October 2026)', () => {
  test('the shift over the change is 25 hours', () => {
    const daily = schedule([{ members: ['anna', 'ben'], startDate: '2026-10-23' }]);
    const shift = onCallAt(daily, new Date('2026-10-24T12:00:00Z'));
    expect(shift).toMatchObject({ userId: 'ben', shiftStart: '2026-10-24T07:00:00.000Z', shiftEnd: '2026-10-25T08:00:00.000Z' });
    expect(who(daily, '2026-10-25T07:30:00Z')).toBe('ben'); // 08:30 CET
    expect(who(daily, '2026-10-25T08:00:00Z')).toBe('anna'); // 09:00 CET
  });

  test('a hand-off in the repeated hour happens once, at its first occurrence, and does not hand back', () => {
    const night = schedule([{ members: ['anna', 'ben'], startDate: '2026-10-24', handoffTime: '02:30' }]);
    expect(who(night, '2026-10-25T00:29:00Z')).toBe('anna'); // 02:29 CEST
    expect(who(night, '2026-10-25T00:30:00Z')).toBe('ben'); // 02:30 CEST
    expect(who(night, '2026-10-25T01:15:00Z')).toBe('ben'); // 02:15 CET, the second time round
    expect(who(night, '2026-10-25T01:45:00Z')).toBe('ben'); // 02:45 CET
  });

  test('a hand-off in the skipped hour happens when the clocks have moved on', () => {
    const night = schedule([{ members: ['anna', 'ben'], startDate: '2026-03-28', handoffTime: '02:30' }]);
    expect(who(night, '2026-03-29T01:15:00Z')).toBe('anna'); // 03:15 CEST
    expect(who(night, '2026-03-29T01:30:00Z')).toBe('ben'); // 03:30 CEST
  });
});

describe('weekly rotation in America/New_York', () => {
  const weekly = schedule([
    { members: ['dan', 'eve'], rotation: 'weekly', timeZone: 'America/New_York', startDate: '2026-03-02', handoffTime: '09:00' },
  ]);

  test('hands off on the start date weekday at 09:00 EST', () => {
    expect(who(weekly, '2026-03-02T13:59:00Z')).toBeNull();
    expect(onCallAt(weekly, new Date('2026-03-02T14:00:00Z'))).toMatchObject({
      userId: 'dan',
      shiftStart: '2026-03-02T14:00:00.000Z',
      shiftEnd: '2026-03-09T13:00:00.000Z',
    });
    expect(who(weekly, '2026-03-05T03:00:00Z')).toBe('dan');
  });

  test('after spring forward (8 March) the hand-off is at 09:00 EDT = 13:00 UTC, not 14:00', () => {
    expect(who(weekly, '2026-03-09T12:59:00Z')).toBe('dan');
    expect(who(weekly, '2026-03-09T13:00:00Z')).toBe('eve');
    expect(who(weekly, '2026-03-09T13:30:00Z')).toBe('eve');
  });

  test('after fall back (1 November) the hand-off is at 09:00 EST = 14:00 UTC, not 13:00', () => {
    // 2 November 2026 is the 35th Monday after 2 March: shift 35 (eve) begins, shift 34 (dan) ends.
    expect(who(weekly, '2026-11-02T13:30:00Z')).toBe('dan');
    expect(who(weekly, '2026-11-02T14:00:00Z')).toBe('eve');
    const layer0 = weekly.layers[0]!;
    expect(shiftAt(layer0, Date.parse('2026-11-01T12:00:00Z'))).toEqual({
      index: 34,
      start: Date.parse('2026-10-26T13:00:00Z'),
      end: Date.parse('2026-11-02T14:00:00Z'),
    });
  });
});

describe('overrides', () => {
  const withOverrides = schedule(
    [{ members: ['anna', 'ben', 'cara'] }],
    [
      { userId: 'olga', start: '2026-03-28T12:00:00Z', end: '2026-03-28T18:00:00Z', reason: 'swap' },
      { userId: 'pete', start: '2026-03-28T15:00:00Z', end: '2026-03-28T16:00:00Z' },
    ],
  );

  test('an override wins over the rotation, for its interval only', () => {
    expect(who(withOverrides, '2026-03-28T11:59:00Z')).toBe('ben');
    expect(onCallAt(withOverrides, new Date('2026-03-28T12:00:00Z'))).toMatchObject({
      userId: 'olga',
      source: 'override',
      shiftStart: '2026-03-28T12:00:00.000Z',
      shiftEnd: '2026-03-28T18:00:00.000Z',
    });
    expect(who(withOverrides, '2026-03-28T18:00:00Z')).toBe('ben');
  });

  test('where overrides overlap, the later one wins', () => {
    expect(who(withOverrides, '2026-03-28T15:30:00Z')).toBe('pete');
    expect(who(withOverrides, '2026-03-28T16:00:00Z')).toBe('olga');
  });

  test('an override covers even where no layer does', () => {
    const future = schedule(
      [{ members: ['anna'], startDate: '2026-04-01' }],
      [{ userId: 'olga', start: '2026-03-28T00:00:00Z', end: '2026-03-29T00:00:00Z' }],
    );
    expect(who(future, '2026-03-28T10:00:00Z')).toBe('olga');
    expect(who(future, '2026-03-29T10:00:00Z')).toBeNull();
  });
});

describe('layers fall through', () => {
  const layered = schedule([
    { name: 'business hours', members: ['xavier'], coverage: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
    { name: 'nights', members: ['nina'], coverage: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '22:00', to: '06:00' }] },
    { name: 'everything else', members: ['yuri', 'zoe'] },
  ]);

  test('the first covering layer decides', () => {
    // Monday 30 March 2026, CEST (UTC+2).
    expect(onCallAt(layered, new Date('2026-03-30T08:00:00Z'))).toMatchObject({ userId: 'xavier', layer: 'business hours' });
    expect(who(layered, '2026-03-30T14:59:00Z')).toBe('xavier'); // 16:59
    expect(onCallAt(layered, new Date('2026-03-30T15:00:00Z'))).toMatchObject({ layer: 'everything else' }); // 17:00
  });

  test('an overnight window covers the morning after a listed day only', () => {
    expect(who(layered, '2026-03-30T20:30:00Z')).toBe('nina'); // Monday 22:30
    expect(who(layered, '2026-04-04T03:00:00Z')).toBe('nina'); // Saturday 05:00, the Friday night
    expect(onCallAt(layered, new Date('2026-04-05T03:00:00Z'))?.layer).toBe('everything else'); // Sunday 05:00
    expect(onCallAt(layered, new Date('2026-03-30T03:00:00Z'))?.layer).toBe('everything else'); // Monday 05:00, after a Sunday
  });

  test('a layer before its start date or after its end date falls through', () => {
    const s = schedule([
      { name: 'new team', members: ['nora'], startDate: '2026-04-01', endDate: '2026-04-30' },
      { name: 'old team', members: ['oscar'] },
    ]);
    expect(onCallAt(s, new Date('2026-03-31T12:00:00Z'))?.layer).toBe('old team');
    expect(who(s, '2026-04-15T12:00:00Z')).toBe('nora');
    expect(who(s, '2026-04-30T21:00:00Z')).toBe('nora'); // 23:00 CEST, still 30 April
    expect(who(s, '2026-04-30T22:00:00Z')).toBe('oscar'); // 00:00 on 1 May
  });

  test('nobody when no layer covers', () => {
    const s = schedule([{ members: ['xavier'], coverage: [{ days: ['mon'], from: '09:00', to: '10:00' }] }]);
    expect(onCallAt(s, new Date('2026-03-31T07:30:00Z'))).toBeNull();
  });
});

describe('schedule schema', () => {
  const valid = { id: 's', name: 'S', layers: [layer({ members: ['a'] })] };

  test('accepts a valid schedule and defaults the overrides', () => {
    expect(scheduleSchema.parse(valid).overrides).toEqual([]);
  });

  test.each([
    [{ timeZone: 'Mars/Olympus' }, 'an unknown time zone'],
    [{ handoffTime: '24:00' }, 'a hand-off time out of range'],
    [{ handoffTime: '9:00' }, 'a hand-off time not HH:MM'],
    [{ startDate: '2026-02-30' }, 'a date that does not exist'],
    [{ endDate: '2026-03-01' }, 'an end before the start'],
    [{ members: [] }, 'no members'],
    [{ rotation: 'monthly' }, 'an unknown rotation'],
  ])('rejects a layer with %j (%s)', (change, _why) => {
    expect(scheduleSchema.safeParse({ ...valid, layers: [{ ...layer({ members: ['a'] }), ...change }] }).success).toBe(false);
  });

  test('rejects an override that ends before it starts', () => {
    const overrides = [{ userId: 'o', start: '2026-03-02T10:00:00Z', end: '2026-03-02T09:00:00Z' }];
    expect(scheduleSchema.safeParse({ ...valid, overrides }).success).toBe(false);
  });
});

test('onCallUserIds gathers the people on call across schedules', () => {
  const first = schedule([{ members: ['anna', 'ben'] }]);
  const second = schedule([{ members: ['dan'], timeZone: 'America/New_York' }]);
  const empty = schedule([{ members: ['zed'], startDate: '2027-01-01' }]);
  expect([...onCallUserIds([first, second, empty], new Date('2026-03-28T15:00:00Z'))].sort()).toEqual(['ben', 'dan']);
});
