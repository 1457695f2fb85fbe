import {
  nextReportSendAt,
  normalizedContacts,
  reportDeliverySettingsSchema,
  reportSendAt,
  type WorkingDays,
} from '../../lib/domain/report/delivery';
import type { ClientReport } from '../../lib/domain/report/report';
import { isValidScheduleName } from '../../lib/aws/scheduler';
import { reportTimerName } from '../../lib/reports/delivery';
import { reportMessage } from '../../lib/reports/report-mail';

/** Monday to Friday in `timeZone`, but for the holidays listed ('YYYY-MM-DD'). */
function weekdays(timeZone: string, holidays: string[] = []): WorkingDays {
  return {
    timeZone,
    isWorkingDay: (localDate) => {
      const weekday = new Date(`${localDate}T12:00:00Z`).getUTCDay();
      return weekday !== 0 && weekday !== 6 && !holidays.includes(localDate);
    },
  };
}

const everyDay = (timeZone: string): WorkingDays => ({ timeZone, isWorkingDay: () => true });
const monthly = { cadence: 'monthly', sendAt: '08:00' } as const;
const quarterly = { cadence: 'quarterly', sendAt: '08:00' } as const;
const next = (now: string, settings: { cadence: 'monthly' | 'quarterly'; sendAt: string }, calendar: WorkingDays) => {
  const send = nextReportSendAt(new Date(now), settings, calendar);
  return { period: send.period, at: send.at.toISOString() };
};

describe('nextReportSendAt', () => {
  const berlin = weekdays('Europe/Berlin');

  it("sends last month's report on the 1st at sendAt on the calendar's clock", () => {
    // 1 December 2026 is a Tuesday; Berlin is UTC+1 in winter.
    expect(next('2026-11-15T10:00:00Z', monthly, berlin)).toEqual({ period: '2026-11', at: '2026-12-01T07:00:00.000Z' });
  });

  it('moves a 1st on a weekend to the Monday after', () => {
    // 1 November 2026 is a Sunday, 1 August a Saturday (summer time: UTC+2).
    expect(next('2026-10-20T10:00:00Z', monthly, berlin)).toEqual({ period: '2026-10', at: '2026-11-02T07:00:00.000Z' });
    expect(next('2026-07-20T10:00:00Z', monthly, berlin)).toEqual({ period: '2026-07', at: '2026-08-03T06:00:00.000Z' });
  });

  it('moves a holiday on the 1st to the next working day (past the weekend too)', () => {
    // New Year 2027 is a Friday: the next working day is Monday 4 January.
    const withNewYear = weekdays('Europe/Berlin', ['2027-01-01']);
    expect(next('2026-12-10T10:00:00Z', monthly, withNewYear)).toEqual({ period: '2026-12', at: '2027-01-04T07:00:00.000Z' });
  });

  it('goes from December to January of the next year', () => {
    expect(next('2026-12-10T10:00:00Z', monthly, berlin)).toEqual({ period: '2026-12', at: '2027-01-01T07:00:00.000Z' });
  });

  it('sends the pending report of the month just over before its time, and the next one once that time has come', () => {
    expect(next('2026-12-01T06:59:00Z', monthly, berlin)).toEqual({ period: '2026-11', at: '2026-12-01T07:00:00.000Z' });
    expect(next('2026-12-01T07:00:00Z', monthly, berlin)).toEqual({ period: '2026-12', at: '2027-01-01T07:00:00.000Z' });
    // Still pending on the Monday when the 1st fell on a Sunday.
    expect(next('2026-11-01T12:00:00Z', monthly, berlin)).toEqual({ period: '2026-10', at: '2026-11-02T07:00:00.000Z' });
  });

  it('keeps the wall time across DST: 08:00 is 06:00 UTC in summer and 07:00 UTC in winter', () => {
    expect(next('2026-03-15T10:00:00Z', monthly, berlin)).toEqual({ period: '2026-03', at: '2026-04-01T06:00:00.000Z' });
    expect(next('2026-02-15T10:00:00Z', monthly, berlin)).toEqual({ period: '2026-02', at: '2026-03-02T07:00:00.000Z' });
  });

  it('sends at the first of a repeated hour on the night clocks go back', () => {
    // New York goes from EDT (UTC-4) to EST (UTC-5) at 02:00 on Sunday 1 November 2026: 01:30 happens twice.
    const send = next('2026-10-20T10:00:00Z', { cadence: 'monthly', sendAt: '01:30' }, everyDay('America/New_York'));
    expect(send).toEqual({ period: '2026-10', at: '2026-11-01T05:30:00.000Z' });
    // A Monday-to-Friday calendar sends on the 2nd, in EST.
    expect(next('2026-10-20T10:00:00Z', monthly, weekdays('America/New_York'))).toEqual({
      period: '2026-10',
      at: '2026-11-02T13:00:00.000Z',
    });
  });

  it('sends a quarterly report on the first working day of the next quarter', () => {
    // 1 October 2026 is a Thursday; 1 January 2027 a Friday.
    expect(next('2026-08-15T10:00:00Z', quarterly, berlin)).toEqual({ period: '2026-Q3', at: '2026-10-01T06:00:00.000Z' });
    expect(next('2026-10-01T05:00:00Z', quarterly, berlin)).toEqual({ period: '2026-Q3', at: '2026-10-01T06:00:00.000Z' });
    expect(next('2026-10-01T06:00:00Z', quarterly, berlin)).toEqual({ period: '2026-Q4', at: '2027-01-01T07:00:00.000Z' });
    expect(next('2026-11-15T10:00:00Z', quarterly, weekdays('Europe/Berlin', ['2027-01-01']))).toEqual({
      period: '2026-Q4',
      at: '2027-01-04T07:00:00.000Z',
    });
    // The first quarter's report goes out in April, the second's in July (1 July 2026 is a Wednesday).
    expect(next('2026-02-01T10:00:00Z', quarterly, berlin).period).toBe('2026-Q1');
    expect(next('2026-05-01T10:00:00Z', quarterly, berlin)).toEqual({ period: '2026-Q2', at: '2026-07-01T06:00:00.000Z' });
  });

  it('reads the time zone of the calendar, not of the instant: late on 30 November in Los Angeles is still November', () => {
    const losAngeles = weekdays('America/Los_Angeles');
    // 2026-12-01T05:00Z is 21:00 on 30 November in Los Angeles (UTC-8): November's report is due on 1 December 08:00 local.
    expect(next('2026-12-01T05:00:00Z', monthly, losAngeles)).toEqual({ period: '2026-11', at: '2026-12-01T16:00:00.000Z' });
  });

  it('sends on the 1st when no working day comes for two months (a calendar of holidays)', () => {
    const closed: WorkingDays = { timeZone: 'UTC', isWorkingDay: () => false };
    expect(next('2026-11-15T10:00:00Z', monthly, closed)).toEqual({ period: '2026-11', at: '2026-12-01T08:00:00.000Z' });
  });
});

describe('reportSendAt', () => {
  it('is the send time of a named period, whatever the time now', () => {
    expect(reportSendAt('2026-11', monthly, weekdays('UTC')).toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(reportSendAt('2026-Q4', quarterly, weekdays('UTC')).toISOString()).toBe('2027-01-01T08:00:00.000Z');
  });
});

describe('delivery settings', () => {
  it('defaults to off, monthly, at 08:00, with no contacts', () => {
    expect(reportDeliverySettingsSchema.parse({})).toEqual({ enabled: false, cadence: 'monthly', contacts: [], sendAt: '08:00' });
  });

  it('keeps each contact once, lower-cased', () => {
    expect(normalizedContacts(['Ops@Client.example', 'ops@client.example', ' cfo@client.example'])).toEqual([
      'ops@client.example',
      'cfo@client.example',
    ]);
  });
});

describe('the schedule of a company', () => {
  it('is report-<tenant>, and a valid Scheduler name for the longest tenant ids too (shortened with a digest)', () => {
    expect(reportTimerName('acme')).toBe('report-acme');
    const long = `a${'b'.repeat(63)}`;
    const other = `a${'b'.repeat(62)}c`;
    expect(isValidScheduleName(reportTimerName(long))).toBe(true);
    expect(reportTimerName(long)).not.toBe(reportTimerName(other));
  });
});

describe('the e-mail', () => {
  // Only what the message shows of a report.
  const report = {
    tenant: { id: 'acme', name: 'Acme <Corp>' },
    msp: { name: 'Northwind & Co', hasLogo: false },
    period: { label: 'November 2026' },
    previous: { period: { label: 'October 2026' } },
    breaches: [{}, {}],
    changes: [
      { figure: 'incidents', label: 'Incidents', current: 12, previous: 15, change: -3, direction: 'better' },
      { figure: 'mttaMinutes', label: 'MTTA (min)', current: null, previous: 4, change: null, direction: null },
    ],
  } as unknown as ClientReport;

  it('names the company and the period, and shows the headline figures beside the period before, escaped', () => {
    const message = reportMessage(report);
    expect(message.subject).toBe('Northwind & Co: Acme <Corp> service report, November 2026');
    expect(message.html).toContain('Northwind &amp; Co');
    expect(message.html).not.toContain('Northwind & Co');
    expect(message.html).toContain('<strong>12</strong>');
    expect(message.html).toContain('SLA breaches: 2.');
    expect(message.text.split('\n')).toEqual(
      expect.arrayContaining(['November 2026 (October 2026)', 'Incidents: 12 (15)', 'MTTA (min): — (4)', 'SLA breaches: 2']),
    );
  });
});
