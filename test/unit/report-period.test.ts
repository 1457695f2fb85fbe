import { DEFAULT_SLA_POLICY, slaPolicySchema } from '../../lib/domain/sla/policy';
import { periodBounds, periodSpecOf, previousPeriod, reportTimeZone, type ReportPeriodSpec } from '../../lib/domain/report/period';

/** The period of a client report: months, quarters and custom days in the tenant's time zone. */

const spec = (query: { period?: string; from?: string; to?: string }) => periodSpecOf(query) as ReportPeriodSpec;

test('a month in UTC: from its first midnight to the next month’s', () => {
  expect(periodBounds(spec({ period: '2026-11' }), 'UTC')).toEqual({
    kind: 'month',
    label: 'November 2026',
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
    firstDay: '2026-11-01',
    lastDay: '2026-11-30',
    timeZone: 'UTC',
  });
});

test('a month with a DST change is local midnight to local midnight: October in Berlin has 31 days and one hour', () => {
  const october = periodBounds(spec({ period: '2026-10' }), 'Europe/Berlin');
  expect([october.from, october.to]).toEqual(['2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z']);
  expect(Date.parse(october.to) - Date.parse(october.from)).toBe((31 * 24 + 1) * 3600_000);
  const march = periodBounds(spec({ period: '2026-03' }), 'America/New_York');
  expect([march.from, march.to]).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
});

test('December ends at the new year; January’s previous month is December of the year before', () => {
  const december = periodBounds(spec({ period: '2026-12' }), 'UTC');
  expect([december.lastDay, december.to]).toEqual(['2026-12-31', '2027-01-01T00:00:00.000Z']);
  expect(previousPeriod(spec({ period: '2027-01' }))).toEqual({ kind: 'month', year: 2026, month: 12 });
  expect(previousPeriod(spec({ period: '2026-11' }))).toEqual({ kind: 'month', year: 2026, month: 10 });
});

test('quarters: Q4 is October to December; Q1’s previous is Q4 of the year before', () => {
  const q4 = periodBounds(spec({ period: '2026-Q4' }), 'Asia/Tokyo');
  expect(q4).toMatchObject({ label: 'Q4 2026', firstDay: '2026-10-01', lastDay: '2026-12-31' });
  expect([q4.from, q4.to]).toEqual(['2026-09-30T15:00:00.000Z', '2026-12-31T15:00:00.000Z']);
  expect(previousPeriod(spec({ period: '2026-Q1' }))).toEqual({ kind: 'quarter', year: 2025, quarter: 4 });
  expect(previousPeriod(spec({ period: '2026-Q3' }))).toEqual({ kind: 'quarter', year: 2026, quarter: 2 });
  // Q1 of a leap year: 91 days.
  const q1 = periodBounds(spec({ period: '2028-Q1' }), 'UTC');
  expect((Date.parse(q1.to) - Date.parse(q1.from)) / 86_400_000).toBe(91);
});

test('custom days, both included; the previous period is as many days just before', () => {
  const custom = spec({ from: '2026-11-03', to: '2026-11-20' });
  expect(periodBounds(custom, 'UTC')).toMatchObject({
    kind: 'custom',
    label: '2026-11-03 to 2026-11-20',
    from: '2026-11-03T00:00:00.000Z',
    to: '2026-11-21T00:00:00.000Z',
  });
  expect(previousPeriod(custom)).toEqual({ kind: 'custom', firstDay: '2026-10-16', lastDay: '2026-11-02' });
  expect(previousPeriod(spec({ from: '2026-01-01', to: '2026-01-01' }))).toEqual({
    kind: 'custom',
    firstDay: '2025-12-31',
    lastDay: '2025-12-31',
  });
});

test('what is wrong with a request is said, not guessed', () => {
  expect(periodSpecOf({})).toMatch(/Give period/);
  expect(periodSpecOf({ from: '2026-11-01' })).toMatch(/Give period/);
  expect(periodSpecOf({ period: '2026-11', from: '2026-11-01', to: '2026-11-02' })).toMatch(/not both/);
  expect(periodSpecOf({ from: '2026-11-02', to: '2026-11-01' })).toMatch(/not be before/);
  expect(periodSpecOf({ from: '2026-01-01', to: '2026-04-03' })).toMatch(/at most 92 days/);
  expect(periodSpecOf({ from: '2026-01-01', to: '2026-04-02' })).toMatchObject({ kind: 'custom' });
});

test('the time zone is the service calendar’s, UTC with the default calendar', () => {
  expect(reportTimeZone(DEFAULT_SLA_POLICY)).toBe('UTC');
  expect(reportTimeZone(slaPolicySchema.parse({ calendar: { timeZone: 'Europe/Berlin' } }))).toBe('Europe/Berlin');
});
