import {
  holdFor,
  matcherSchema,
  nextOccurrence,
  occurrenceAt,
  occurrencesBetween,
  scopeAssets,
  scopeCovers,
  timingProblem,
  windowPhase,
  type CoverableAlert,
  type MaintenanceWindow,
  type ResolvedWindow,
} from '../../lib/domain/maintenance/window';
import { recurrenceProblem } from '../../lib/util/recurrence';
import { MAX_STORED_OCCURRENCES, plannedOccurrences, recurrenceRequestSchema } from '../../lib/domain/maintenance/recurrence';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

function window(overrides: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return {
    id: '01JWINDOW000000000000000001',
    tenantId: 'acme',
    kind: 'window',
    name: 'Patch night',
    reason: '',
    scope: {},
    effects: { notify: false, slaClocks: 'paused', autoRemediation: 'off' },
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'admin@msp.example',
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'admin@msp.example',
    version: 1,
    ...overrides,
  };
}

/** A recurring window as stored when written at `writtenAt`: its occurrences expanded then. */
function recurring(
  recurrence: NonNullable<MaintenanceWindow['recurrence']>,
  writtenAt: string,
  overrides: Partial<MaintenanceWindow> = {},
) {
  const base = window({ recurrence, ...overrides });
  return { ...base, occurrences: plannedOccurrences(recurrence, Date.parse(base.createdAt), Date.parse(writtenAt)) };
}

function alert(overrides: Partial<CoverableAlert> = {}): CoverableAlert {
  return {
    assetId: 'db-01',
    signature: 'HostDown',
    source: 'alertmanager',
    severity: 'critical',
    labels: { team: 'dba' },
    occurredAt: '2026-03-29T01:00:00.000Z',
    ...overrides,
  };
}

describe('recurring windows keep local time across DST changes', () => {
  const sundays = { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', durationMinutes: 120, timeZone: 'Europe/Berlin' };
  const weekly = recurring(sundays, '2026-03-19T00:00:00Z');

  test('Sunday 02:00 Berlin is 01:00 UTC in winter and 00:00 UTC in summer; the night the clocks go forward it starts at 03:00 CEST', () => {
    const starts = occurrencesBetween(weekly, at('2026-03-20T00:00:00Z'), at('2026-04-10T00:00:00Z')).map((o) => iso(o.start));
    // 22 March: CET (UTC+1). 29 March: 02:00 does not exist (clocks go 02:00 -> 03:00): 03:00 CEST = 01:00 UTC. 5 April: CEST.
    expect(starts).toEqual(['2026-03-22T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-04-05T00:00:00.000Z']);
  });

  test('the night the clocks go back, 02:00 happens once (the first time) and each occurrence lasts its duration', () => {
    const autumn = recurring(sundays, '2026-10-20T00:00:00Z');
    const [october] = occurrencesBetween(autumn, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'));
    // 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:00 local is first 00:00 UTC (CEST).
    expect(iso(october!.start)).toBe('2026-10-25T00:00:00.000Z');
    expect(october!.end - october!.start).toBe(120 * 60_000);
  });

  test('US zone: a daily 01:30 window across the March change', () => {
    const daily = recurring(
      { rrule: 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', durationMinutes: 60, timeZone: 'America/New_York' },
      '2026-03-07T00:00:00Z',
    );
    const starts = occurrencesBetween(daily, at('2026-03-07T12:00:00Z'), at('2026-03-10T12:00:00Z')).map((o) => iso(o.start));
    // EST is UTC-5 until 8 March 02:00, EDT UTC-4 after.
    expect(starts).toEqual(['2026-03-08T06:30:00.000Z', '2026-03-09T05:30:00.000Z', '2026-03-10T05:30:00.000Z']);
  });

  test('an occurrence in progress is found from inside it, and the next one from outside', () => {
    expect(occurrenceAt(weekly, at('2026-03-22T02:30:00Z'))).toEqual({
      start: at('2026-03-22T01:00:00Z'),
      end: at('2026-03-22T03:00:00Z'),
    });
    expect(occurrenceAt(weekly, at('2026-03-22T03:00:00Z'))).toBeNull();
    expect(nextOccurrence(weekly, at('2026-03-23T00:00:00Z'))?.start).toBe(at('2026-03-29T01:00:00Z'));
    expect(windowPhase(weekly, at('2026-03-22T02:00:00Z'))).toBe('active');
    expect(windowPhase(weekly, at('2026-03-23T00:00:00Z'))).toBe('upcoming');
  });

  test('ending a recurring window early ends only the occurrence it is in', () => {
    const ended = { ...weekly, endedAt: '2026-03-22T01:30:00.000Z' };
    expect(occurrenceAt(ended, at('2026-03-22T01:45:00Z'))).toBeNull();
    expect(occurrenceAt(ended, at('2026-03-22T01:15:00Z'))).toEqual({ start: at('2026-03-22T01:00:00Z'), end: at('2026-03-22T01:30:00Z') });
    expect(occurrenceAt(ended, at('2026-03-29T01:30:00Z'))).not.toBeNull();
  });

  test('a rule with COUNT runs out: the window is past', () => {
    const twice = recurring({ rrule: 'FREQ=DAILY;COUNT=2;BYHOUR=3', durationMinutes: 30, timeZone: 'UTC' }, '2026-01-01T00:00:00Z');
    expect(occurrencesBetween(twice, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))).toHaveLength(2);
    expect(windowPhase(twice, at('2026-01-05T00:00:00Z'))).toBe('past');
  });
});

describe('occurrences stored with a recurring window', () => {
  const now = at('2026-06-15T12:00:00Z');
  const anchor = at('2026-01-01T00:00:00Z');

  test('a day back to two months ahead', () => {
    const stored = plannedOccurrences({ rrule: 'FREQ=DAILY;BYHOUR=3', durationMinutes: 60, timeZone: 'UTC' }, anchor, now);
    expect(stored[0]).toEqual({ startsAt: '2026-06-15T03:00:00.000Z', endsAt: '2026-06-15T04:00:00.000Z' });
    expect(stored).toHaveLength(62);
  });

  test('at least the next two, however far apart', () => {
    const stored = plannedOccurrences(
      { rrule: 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=18', durationMinutes: 600, timeZone: 'Europe/Berlin' },
      anchor,
      now,
    );
    expect(stored.map((occurrence) => occurrence.startsAt)).toEqual(['2026-12-24T17:00:00.000Z', '2027-12-24T17:00:00.000Z']);
  });

  test('a rule that would name thousands is cut to the first ones (each end stores the next)', () => {
    const stored = plannedOccurrences(
      { rrule: 'FREQ=DAILY;BYHOUR=0,2,4,6,8,10,12,14,16,18,20,22', durationMinutes: 30, timeZone: 'UTC' },
      anchor,
      now,
    );
    expect(stored).toHaveLength(MAX_STORED_OCCURRENCES);
    expect(stored[0]!.startsAt).toBe('2026-06-14T12:00:00.000Z');
  });
});

describe('one-off windows', () => {
  const oneOff = window({ startsAt: '2026-05-01T22:00:00.000Z', endsAt: '2026-05-02T02:00:00.000Z' });

  test('active between its start and end, past after, and gone for good once ended early', () => {
    expect(windowPhase(oneOff, at('2026-05-01T21:59:00Z'))).toBe('upcoming');
    expect(windowPhase(oneOff, at('2026-05-01T23:00:00Z'))).toBe('active');
    expect(windowPhase(oneOff, at('2026-05-02T02:00:00Z'))).toBe('past');
    const ended = { ...oneOff, endedAt: '2026-05-01T23:00:00.000Z' };
    expect(windowPhase(ended, at('2026-05-01T23:30:00Z'))).toBe('past');
    expect(occurrenceAt(ended, at('2026-05-01T22:30:00Z'))?.end).toBe(at('2026-05-01T23:00:00Z'));
  });

  test('timing is checked: an end before the start, both kinds at once, or more than 31 days', () => {
    expect(timingProblem({ startsAt: '2026-05-02T00:00:00Z', endsAt: '2026-05-01T00:00:00Z' })).toMatch(/after/);
    expect(timingProblem({ startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-07-01T00:00:00Z' })).toMatch(/31 days/);
    expect(
      timingProblem({ startsAt: '2026-05-01T00:00:00Z', recurrence: { rrule: 'FREQ=DAILY', durationMinutes: 5, timeZone: 'UTC' } }),
    ).toMatch(/not both/);
    expect(timingProblem({})).toMatch(/required/);
    expect(timingProblem(oneOff)).toBeNull();
  });
});

describe('rules and matchers a tenant may give', () => {
  test.each([
    ['FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', null],
    ['FREQ=MONTHLY;BYDAY=1SA;BYHOUR=22;BYMINUTE=30', null],
    ['FREQ=MINUTELY', /DAILY, WEEKLY/],
    ['FREQ=WEEKLY;BYDAY=XX', /BYDAY/],
    ['FREQ=WEEKLY;FOO=1', /Unknown/],
    ['DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY', /alone/],
    ['FREQ=DAILY;TZID=Europe/Berlin', /Unknown|time zone/],
    ['FREQ=DAILY;COUNT=3;UNTIL=20270101', /both/],
    ['FREQ=DAILY;BYHOUR=1;BYHOUR=2', /twice/],
  ])('%s', (rule, problem) => {
    const found = recurrenceProblem(rule);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  test('a recurrence needs a known time zone and a rule that parses', () => {
    expect(recurrenceRequestSchema.safeParse({ rrule: 'FREQ=DAILY', durationMinutes: 60, timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(recurrenceRequestSchema.safeParse({ rrule: 'FREQ=DAILY;BYDAY=XX', durationMinutes: 60, timeZone: 'UTC' }).success).toBe(false);
    expect(recurrenceRequestSchema.safeParse({ rrule: 'FREQ=DAILY', durationMinutes: 60, timeZone: 'UTC' }).success).toBe(true);
  });

  test('regular expressions that could take exponential time are refused', () => {
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(a+)+$' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(\\w*)*x' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(a)\\1' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(a|aa)+$' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(?:x+y)*' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(?:Disk|Volume)Full' }).success).toBe(true);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(\\+)+' }).success).toBe(true);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '((a+))+' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '([a-z]+:)*Host' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '([a-z]+:)?Host' }).success).toBe(true);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '(Host)?Down[+*]' }).success).toBe(true);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: '[' }).success).toBe(false);
    expect(matcherSchema.safeParse({ field: 'signature', op: '=~', value: 'Host(Down|Unreachable)' }).success).toBe(true);
    expect(matcherSchema.safeParse({ field: 'hostname', op: '=', value: 'x' }).success).toBe(false);
  });
});

describe('scope', () => {
  const topology = new Map<string, string[]>([
    ['db-01', []],
    ['app-01', ['db-01']],
    ['web-01', ['app-01']],
    ['mail-01', []],
  ]);

  test('dependents are added only when asked, transitively', () => {
    expect(scopeAssets({ assetIds: ['db-01'] }, topology)).toEqual(new Set(['db-01']));
    expect(scopeAssets({ assetIds: ['db-01'], includeDependents: true }, topology)).toEqual(new Set(['db-01', 'app-01', 'web-01']));
    expect(scopeAssets({}, topology)).toBeUndefined();
  });

  test('matchers: equality, inequality, anchored regular expressions and labels', () => {
    const firing = alert();
    expect(scopeCovers({ matchers: [{ field: 'signature', op: '=', value: 'HostDown' }] }, undefined, firing)).toBe(true);
    expect(scopeCovers({ matchers: [{ field: 'signature', op: '=~', value: 'Host' }] }, undefined, firing)).toBe(false);
    expect(scopeCovers({ matchers: [{ field: 'signature', op: '=~', value: 'Host.*' }] }, undefined, firing)).toBe(true);
    expect(scopeCovers({ matchers: [{ field: 'severity', op: '!=', value: 'critical' }] }, undefined, firing)).toBe(false);
    expect(scopeCovers({ matchers: [{ field: 'label.team', op: '=', value: 'dba' }] }, undefined, firing)).toBe(true);
    expect(scopeCovers({ matchers: [{ field: 'label.team', op: '!~', value: 'd.*' }] }, undefined, firing)).toBe(false);
    expect(scopeCovers({ assetIds: ['mail-01'] }, new Set(['mail-01']), firing)).toBe(false);
    expect(scopeCovers({ assetIds: ['mail-01'] }, new Set(['mail-01']), { ...firing, assetId: null })).toBe(false);
  });
});

describe('holding an incident', () => {
  const now = new Date('2026-03-29T01:30:00Z');
  const patch: ResolvedWindow = {
    window: window({ startsAt: '2026-03-29T00:00:00.000Z', endsAt: '2026-03-29T04:00:00.000Z', scope: { assetIds: ['db-01'] } }),
    assets: new Set(['db-01']),
  };

  test('held when every alert happened inside a window covering it, until that occurrence ends', () => {
    const hold = holdFor([patch], [alert(), alert({ occurredAt: '2026-03-29T02:00:00.000Z' })], now);
    expect(hold).toMatchObject({
      windowId: patch.window.id,
      name: 'Patch night',
      until: '2026-03-29T04:00:00.000Z',
      since: now.toISOString(),
    });
  });

  test('an alert at event time outside the window, or on an asset outside its scope, means no hold', () => {
    expect(holdFor([patch], [alert(), alert({ occurredAt: '2026-03-29T04:00:00.000Z' })], now)).toBeNull();
    expect(holdFor([patch], [alert(), alert({ assetId: 'mail-01' })], now)).toBeNull();
    expect(holdFor([], [alert()], now)).toBeNull();
    expect(holdFor([patch], [], now)).toBeNull();
  });

  test('a late alert that happened inside the window stays quiet, whenever it arrives', () => {
    expect(holdFor([patch], [alert({ occurredAt: '2026-03-29T03:59:00.000Z' })], new Date('2026-03-29T06:00:00Z'))).not.toBeNull();
  });

  test('checked at an instant (a window ending): only windows covering it then hold it', () => {
    const later: ResolvedWindow = {
      window: window({
        id: '01JWINDOW000000000000000002',
        name: 'Long',
        startsAt: '2026-03-29T00:00:00.000Z',
        endsAt: '2026-03-29T08:00:00.000Z',
      }),
      assets: undefined,
    };
    expect(holdFor([patch, later], [alert()], now)?.name).toBe('Long');
    expect(holdFor([patch], [alert()], now, at('2026-03-29T05:00:00Z'))).toBeNull();
    expect(holdFor([patch, later], [alert()], now, at('2026-03-29T05:00:00Z'))?.until).toBe('2026-03-29T08:00:00.000Z');
  });
});
