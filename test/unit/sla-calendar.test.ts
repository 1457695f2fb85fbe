// Service calendars: SLA clocks that count only business hours land their deadlines, warnings and
// breach timers at the right instants across nights, weekends, holidays and DST changes. Every expected
// instant below is written as the wall time a person on site would name, in the calendar's zone.
import {
  businessIntervalsOn,
  DEFAULT_SERVICE_CALENDAR,
  isWorkingDay,
  serviceCalendarSchema,
  type ServiceCalendar,
} from '../../lib/domain/sla/calendar';
import {
  deadlinesFor,
  elapsedMs,
  evaluateTimer,
  slaPolicySchema,
  timersFor,
  type SlaClock,
  type SlaIncident,
  type SlaPolicy,
} from '../../lib/domain/sla/policy';
import { instantOfWallTime } from '../../lib/util/zoned-time';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The instant of a wall time 'YYYY-MM-DD HH:MM' in a zone. */
function local(wall: string, timeZone: string): number {
  const [date, time] = wall.split(' ') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return instantOfWallTime({ year, month, day, hour, minute }, timeZone);
}
const iso = (ms: number) => new Date(ms).toISOString();

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

/** Monday to Friday 08:00-18:00 in Berlin, New Year's Day every year and one company holiday. */
const berlinOffice: ServiceCalendar = serviceCalendarSchema.parse({
  timeZone: BERLIN,
  holidays: [
    { date: '2020-01-01', name: "New Year's Day", yearly: true },
    { date: '2026-12-07', name: 'Company day' },
  ],
});

/** "Critical 24x7 in 30 minutes, everything else within 4 business hours (8 to resolve)." */
function contract(calendar: ServiceCalendar): SlaPolicy {
  const business = { responseMinutes: 240, resolutionMinutes: 480, coverage: 'business-hours' };
  return slaPolicySchema.parse({
    calendar,
    targets: {
      critical: { responseMinutes: 30, resolutionMinutes: 240, coverage: '24x7' },
      high: business,
      medium: business,
      low: business,
      info: business,
    },
  });
}

const incident = (openedMs: number, change: Partial<SlaIncident> = {}): SlaIncident => ({
  severity: 'high',
  openedAt: iso(openedMs),
  status: 'open',
  ...change,
});

describe('the calendar', () => {
  test('by default Monday to Friday 08:00-18:00 UTC with no holidays', () => {
    expect(DEFAULT_SERVICE_CALENDAR.timeZone).toBe('UTC');
    expect(DEFAULT_SERVICE_CALENDAR.week.mon).toEqual([{ from: '08:00', to: '18:00' }]);
    expect(DEFAULT_SERVICE_CALENDAR.week.sat).toEqual([]);
    expect(DEFAULT_SERVICE_CALENDAR.holidays).toEqual([]);
  });

  test('working days: weekdays with hours that are not holidays, yearly holidays every year', () => {
    expect(isWorkingDay('2026-12-04', berlinOffice)).toBe(true); // a Friday
    expect(isWorkingDay('2026-12-05', berlinOffice)).toBe(false); // Saturday
    expect(isWorkingDay('2026-12-07', berlinOffice)).toBe(false); // the one-off company day, a Monday
    expect(isWorkingDay('2027-12-07', berlinOffice)).toBe(true); // not yearly
    expect(isWorkingDay('2027-01-01', berlinOffice)).toBe(false); // yearly, a Friday in 2027
  });

  test('a calendar needs hours on some weekday, ranges that end after they start and do not overlap', () => {
    const closed = { mon: [], tue: [], wed: [], thu: [], fri: [] };
    expect(serviceCalendarSchema.safeParse({ week: closed }).success).toBe(false);
    expect(serviceCalendarSchema.safeParse({ week: { mon: [{ from: '18:00', to: '08:00' }] } }).success).toBe(false);
    const overlapping = [
      { from: '08:00', to: '12:00' },
      { from: '11:00', to: '18:00' },
    ];
    expect(serviceCalendarSchema.safeParse({ week: { mon: overlapping } }).success).toBe(false);
    const splitShift = [
      { from: '13:00', to: '24:00' },
      { from: '00:00', to: '12:00' },
    ];
    expect(serviceCalendarSchema.safeParse({ week: { mon: splitShift } }).success).toBe(true);
    expect(serviceCalendarSchema.safeParse({ timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(serviceCalendarSchema.safeParse({ holidays: [{ date: '2026-02-30', name: 'Never' }] }).success).toBe(false);
  });

  test('a range across the night clocks go forward is an hour shorter, and an hour longer when they go back', () => {
    const nights: ServiceCalendar = serviceCalendarSchema.parse({ timeZone: BERLIN, week: { sun: [{ from: '00:00', to: '06:00' }] } });
    const length = (date: string) => businessIntervalsOn(date, nights).reduce((sum, [from, to]) => sum + to - from, 0);
    expect(length('2026-03-22')).toBe(6 * HOUR);
    expect(length('2026-03-29')).toBe(5 * HOUR); // 02:00 became 03:00
    expect(length('2026-10-25')).toBe(7 * HOUR); // 03:00 came back to 02:00
  });

  test('a range to 24:00 ends at the next midnight, also on a 23-hour day', () => {
    const allDay: ServiceCalendar = serviceCalendarSchema.parse({ timeZone: BERLIN, week: { sun: [{ from: '00:00', to: '24:00' }] } });
    expect(businessIntervalsOn('2026-03-29', allDay)).toEqual([[local('2026-03-29 00:00', BERLIN), local('2026-03-30 00:00', BERLIN)]]);
    expect(local('2026-03-30 00:00', BERLIN) - local('2026-03-29 00:00', BERLIN)).toBe(23 * HOUR);
  });
});

describe('deadlines in business hours', () => {
  const policy = contract(berlinOffice);

  test('4 business hours from Friday 16:00 end on Monday 10:00; 8 on Monday 14:00', () => {
    const deadlines = deadlinesFor(incident(local('2026-11-27 16:00', BERLIN)), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-30 10:00', BERLIN)));
    expect(deadlines.resolutionBy).toBe(iso(local('2026-11-30 14:00', BERLIN)));
  });

  test('opened at night, the clock starts at the next opening', () => {
    const deadlines = deadlinesFor(incident(local('2026-11-24 22:30', BERLIN)), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-25 12:00', BERLIN)));
  });

  test('opened on a weekend, the clock starts on Monday morning', () => {
    const deadlines = deadlinesFor(incident(local('2026-11-28 11:00', BERLIN)), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-30 12:00', BERLIN)));
  });

  test('time that fits exactly ends at the close, not at the next opening', () => {
    const deadlines = deadlinesFor(incident(local('2026-11-25 14:00', BERLIN)), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-25 18:00', BERLIN)));
  });

  test('a holiday is skipped: Friday 16:00 before the company day ends on Tuesday 10:00', () => {
    const deadlines = deadlinesFor(incident(local('2026-12-04 16:00', BERLIN)), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-12-08 10:00', BERLIN)));
  });

  test('a yearly holiday is skipped in any year: 31 December 2026 16:00 ends on 4 January 2027 (a Monday) 10:00', () => {
    const deadlines = deadlinesFor(incident(local('2026-12-31 16:00', BERLIN)), policy);
    // 1 January 2027 is a Friday and a holiday, then the weekend.
    expect(deadlines.responseBy).toBe(iso(local('2027-01-04 10:00', BERLIN)));
  });

  test('critical runs 24x7 in the same policy: 30 minutes at Saturday 03:00 is 03:30', () => {
    const deadlines = deadlinesFor(incident(local('2026-11-28 03:00', BERLIN), { severity: 'critical' }), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-28 03:30', BERLIN)));
  });

  test('across DST in New York: Friday 17:00 EST + 2 business hours is Monday 09:00 EDT, and back in the autumn', () => {
    const newYork = contract(serviceCalendarSchema.parse({ timeZone: NEW_YORK }));
    const two = slaPolicySchema.parse({
      ...newYork,
      targets: { ...newYork.targets, high: { responseMinutes: 120, resolutionMinutes: 480, coverage: 'business-hours' } },
    });
    const spring = deadlinesFor(incident(local('2026-03-06 17:00', NEW_YORK)), two);
    expect(spring.responseBy).toBe('2026-03-09T13:00:00.000Z'); // 09:00 EDT (UTC-4)
    const autumn = deadlinesFor(incident(local('2026-10-30 17:00', NEW_YORK)), two);
    expect(autumn.responseBy).toBe('2026-11-02T14:00:00.000Z'); // 09:00 EST (UTC-5)
  });

  test('business hours across the Berlin change to summer time keep their wall times', () => {
    // Friday 27 March 2026 17:00 CET, 2 business hours: Monday 30 March 09:00 CEST (07:00 UTC).
    const berlinTwo = slaPolicySchema.parse({
      calendar: berlinOffice,
      targets: { high: { responseMinutes: 120, resolutionMinutes: 240, coverage: 'business-hours' } },
    });
    expect(deadlinesFor(incident(local('2026-03-27 17:00', BERLIN)), berlinTwo).responseBy).toBe('2026-03-30T07:00:00.000Z');
  });
});

describe('pauses in business hours', () => {
  const policy = contract(berlinOffice);
  const opened = local('2026-11-23 16:00', BERLIN); // a Monday
  const clock = (...pauses: Array<[string, string?]>): SlaClock => ({
    pauses: pauses.map(([from, to]) => ({ from: iso(local(from, BERLIN)), ...(to ? { to: iso(local(to, BERLIN)) } : {}) })),
  });

  test('a pause over the night only takes the business time it covers', () => {
    // Runs 16:00-17:00, paused until Tuesday 09:00 (of which 17:00-18:00 and 08:00-09:00 were business time): 3 h left.
    const deadlines = deadlinesFor(incident(opened, { clock: clock(['2026-11-23 17:00', '2026-11-24 09:00']) }), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-24 12:00', BERLIN)));
  });

  test('a pause entirely outside business hours changes nothing', () => {
    const deadlines = deadlinesFor(incident(opened, { clock: clock(['2026-11-23 19:00', '2026-11-24 07:00']) }), policy);
    expect(deadlines.responseBy).toBe(iso(local('2026-11-24 10:00', BERLIN)));
  });

  test('a pause still open leaves the deadline unknown, once the business time before it is used up', () => {
    const paused = incident(opened, { clock: clock(['2026-11-23 17:00']) });
    expect(deadlinesFor(paused, policy).responseBy).toBeNull();
  });

  test('elapsed SLA time counts only business hours, less the pauses', () => {
    const now = local('2026-11-24 10:00', BERLIN);
    expect(elapsedMs(undefined, iso(opened), now, berlinOffice)).toBe(4 * HOUR);
    expect(elapsedMs(clock(['2026-11-23 17:00', '2026-11-24 09:00']), iso(opened), now, berlinOffice)).toBe(2 * HOUR);
  });
});

describe('timers in business hours', () => {
  const policy = contract(berlinOffice);
  const opened = local('2026-11-27 16:00', BERLIN); // Friday

  test('the warning and breach timers are one-time instants in business time: warn Monday 09:30, breach 10:00', () => {
    const timers = Object.fromEntries(timersFor(incident(opened), policy, new Date(opened)).map((timer) => [timer.kind, timer]));
    // 240 minutes warn 30 before: after 210 business minutes (120 on Friday, 90 on Monday).
    expect(timers['response-warning']?.at).toBe(iso(local('2026-11-30 09:30', BERLIN)));
    expect(timers['response-breach']?.at).toBe(iso(local('2026-11-30 10:00', BERLIN)));
    expect(timers['resolution-warning']?.at).toBe(iso(local('2026-11-30 13:30', BERLIN)));
    expect(timers['resolution-breach']?.at).toBe(iso(local('2026-11-30 14:00', BERLIN)));
  });

  test('a breach timer firing on Saturday is not due; at Monday 10:00 it breaches', () => {
    const breach = timersFor(incident(opened), policy, new Date(opened)).find((timer) => timer.kind === 'response-breach');
    if (!breach) throw new Error('no breach timer');
    const saturday = evaluateTimer(breach, incident(opened), policy, new Date(local('2026-11-28 10:00', BERLIN)));
    expect(saturday).toMatchObject({ action: 'nothing', reason: 'not-due' });
    const monday = evaluateTimer(breach, incident(opened), policy, new Date(local('2026-11-30 10:00', BERLIN) + MINUTE));
    expect(monday).toMatchObject({ action: 'breach', clock: 'response' });
  });

  test('a calendar changed after the timer was made makes it stale, with the new instant', () => {
    const breach = timersFor(incident(opened), policy, new Date(opened)).find((timer) => timer.kind === 'response-breach');
    if (!breach) throw new Error('no breach timer');
    const withHoliday = contract(serviceCalendarSchema.parse({ ...berlinOffice, holidays: [{ date: '2026-11-30', name: 'Bridge day' }] }));
    const decision = evaluateTimer(breach, incident(opened), withHoliday, new Date(local('2026-11-30 10:00', BERLIN)));
    expect(decision).toMatchObject({ action: 'nothing', reason: 'stale' });
    expect(decision.action === 'nothing' && decision.reschedule?.dueAt).toBe(iso(local('2026-12-01 10:00', BERLIN)));
  });

  test('a calendar so sparse that a window ends beyond five years leaves the deadline unknown rather than searching on', () => {
    const hourAWeek = serviceCalendarSchema.parse({
      week: { mon: [{ from: '08:00', to: '09:00' }], tue: [], wed: [], thu: [], fri: [] },
    });
    const sparse = slaPolicySchema.parse({
      calendar: hourAWeek,
      targets: { info: { responseMinutes: 60 * 24 * 90, resolutionMinutes: 60 * 24 * 90, coverage: 'business-hours' } },
    });
    const started = Date.now();
    expect(deadlinesFor(incident(opened, { severity: 'info' }), sparse).responseBy).toBeNull();
    expect(timersFor(incident(opened, { severity: 'info' }), sparse, new Date(opened))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
