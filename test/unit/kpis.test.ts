// KPIs per tenant and period: alerts, incidents, noise reduction, MTTA, MTTR, self-healed
// share and SLA compliance, in total and per local day of a time zone.
import { computeKpis, isSelfHealed, kpiPeriodSchema, type KpiAlert, type KpiIncident } from '../../lib/kpi/kpis';
import { DEFAULT_SLA_POLICY } from '../../lib/sla/policy';

// 2 to 4 March 2026 in Berlin (CET, UTC+1).
const period = { from: '2026-03-01T23:00:00.000Z', to: '2026-03-04T23:00:00.000Z' };
const NOW = new Date('2026-03-05T00:00:00.000Z');
const alertsAt = (iso: string, count: number): KpiAlert[] => Array.from({ length: count }, () => ({ occurredAt: iso }));

const alerts: KpiAlert[] = [
  ...alertsAt('2026-03-02T08:00:00Z', 10), // 2 March
  ...alertsAt('2026-03-02T23:30:00Z', 1), // 00:30 on 3 March in Berlin
  ...alertsAt('2026-03-03T10:00:00Z', 3), // 3 March
  ...alertsAt('2026-03-01T22:30:00Z', 2), // 23:30 on 1 March: before the period
  ...alertsAt('2026-03-04T23:00:00Z', 1), // the period's end is exclusive
];

const incidents: Record<string, KpiIncident> = {
  // Acknowledged after 10 min, resolved by a technician after 60 min: both SLAs met.
  a: {
    status: 'resolved',
    severity: 'critical',
    openedAt: '2026-03-02T08:00:00Z',
    acknowledgedAt: '2026-03-02T08:10:00Z',
    resolvedAt: '2026-03-02T09:00:00Z',
    resolvedBy: 'anna@msp.example',
    resolutionCode: 'fixed',
  },
  // High: acknowledged after 150 min (response due at 120), resolved by a runbook after 11 h (due at 8 h).
  b: {
    status: 'resolved',
    severity: 'high',
    openedAt: '2026-03-02T09:00:00Z',
    acknowledgedAt: '2026-03-02T11:30:00Z',
    resolvedAt: '2026-03-02T20:00:00Z',
    resolvedBy: 'automation:linux-disk-cleanup',
  },
  // Resolved by correlation after 20 min, never acknowledged: self-healed, and the resolution answers it.
  c: { status: 'resolved', severity: 'medium', openedAt: '2026-03-03T10:00:00Z', resolvedAt: '2026-03-03T10:20:00Z' },
  // Still open, past both deadlines.
  d: { status: 'open', severity: 'critical', openedAt: '2026-03-03T11:00:00Z' },
  // Still open, both deadlines ahead: not counted in the SLA yet.
  e: { status: 'open', severity: 'low', openedAt: '2026-03-04T10:00:00Z' },
  // Merged into another: not counted.
  f: { status: 'merged', severity: 'high', openedAt: '2026-03-02T10:00:00Z' },
  // Opened before the period.
  g: { status: 'resolved', severity: 'high', openedAt: '2026-03-01T22:00:00Z', resolvedAt: '2026-03-02T01:00:00Z' },
};

const report = () => computeKpis(alerts, Object.values(incidents), period, 'Europe/Berlin', { now: NOW, policy: DEFAULT_SLA_POLICY });

describe('computeKpis', () => {
  test('totals over the period', () => {
    expect(report().totals).toEqual({
      alerts: 14,
      incidents: 5,
      noiseReductionPct: 64.3,
      acknowledged: 2,
      mttaMinutes: 80,
      resolved: 3,
      mttrMinutes: 246.7,
      selfHealed: 2,
      selfHealedPct: 66.7,
      slaResponse: { met: 2, missed: 2, pct: 50 },
      slaResolution: { met: 2, missed: 2, pct: 50 },
    });
  });

  test('one row per local day, in order, empty days included', () => {
    const { days } = report();
    expect(days.map((day) => day.date)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    expect(days[0]).toMatchObject({
      alerts: 10,
      incidents: 2,
      noiseReductionPct: 80,
      mttaMinutes: 80,
      mttrMinutes: 360,
      selfHealedPct: 50,
      slaResponse: { met: 1, missed: 1, pct: 50 },
      slaResolution: { met: 1, missed: 1, pct: 50 },
    });
    expect(days[1]).toMatchObject({
      alerts: 4,
      incidents: 2,
      noiseReductionPct: 50,
      mttaMinutes: null,
      mttrMinutes: 20,
      selfHealedPct: 100,
      slaResponse: { met: 1, missed: 1, pct: 50 },
      slaResolution: { met: 1, missed: 1, pct: 50 },
    });
    expect(days[2]).toEqual({
      date: '2026-03-04',
      alerts: 0,
      incidents: 1,
      noiseReductionPct: null,
      acknowledged: 0,
      mttaMinutes: null,
      resolved: 0,
      mttrMinutes: null,
      selfHealed: 0,
      selfHealedPct: null,
      slaResponse: { met: 0, missed: 0, pct: null },
      slaResolution: { met: 0, missed: 0, pct: null },
    });
  });

  test('days are local: the same data in UTC splits differently', () => {
    const utc = computeKpis(alerts, Object.values(incidents), period, 'UTC', { now: NOW, policy: DEFAULT_SLA_POLICY });
    expect(utc.days.map((day) => [day.date, day.alerts])).toEqual([
      ['2026-03-01', 0],
      ['2026-03-02', 11],
      ['2026-03-03', 3],
      ['2026-03-04', 0],
    ]);
  });

  test('a deadline still ahead of "now" is pending, not missed', () => {
    const earlier = computeKpis(alerts, Object.values(incidents), period, 'Europe/Berlin', {
      now: new Date('2026-03-03T11:15:00Z'),
      policy: DEFAULT_SLA_POLICY,
    });
    expect(earlier.days[1]?.slaResponse).toEqual({ met: 1, missed: 0, pct: 100 });
  });

  test('stored deadlines win over the policy; without either, no SLA is counted', () => {
    const stored: KpiIncident = {
      ...incidents.a!,
      sla: { responseBy: '2026-03-02T08:05:00Z', resolutionBy: '2026-03-02T10:00:00Z' },
    };
    const withStored = computeKpis([], [stored], period, 'UTC', { now: NOW, policy: DEFAULT_SLA_POLICY });
    expect(withStored.totals.slaResponse).toEqual({ met: 0, missed: 1, pct: 0 });
    expect(withStored.totals.slaResolution).toEqual({ met: 1, missed: 0, pct: 100 });
    const none = computeKpis([], [incidents.a!], period, 'UTC', { now: NOW });
    expect(none.totals.slaResponse).toEqual({ met: 0, missed: 0, pct: null });
  });

  test('paused time stored with the incident moves its computed deadlines', () => {
    const paused: KpiIncident = {
      status: 'resolved',
      severity: 'critical',
      openedAt: '2026-03-02T08:00:00Z',
      acknowledgedAt: '2026-03-02T08:05:00Z',
      resolvedAt: '2026-03-02T13:00:00Z',
      resolvedBy: 'anna',
      sla: { clock: { pauses: [{ from: '2026-03-02T09:00:00Z', to: '2026-03-02T10:30:00Z' }] } },
    };
    const result = computeKpis([], [paused], period, 'UTC', { now: NOW, policy: DEFAULT_SLA_POLICY });
    // 4 h + 90 min paused: due at 13:30.
    expect(result.totals.slaResolution).toEqual({ met: 1, missed: 0, pct: 100 });
  });

  test('noise reduction never goes below 0 %', () => {
    const result = computeKpis(alertsAt('2026-03-02T08:00:00Z', 1), [incidents.a!, incidents.b!], period, 'UTC', { now: NOW });
    expect(result.totals.noiseReductionPct).toBe(0);
  });

  test('an acknowledgement stamped before the first alert (event time) counts as zero, not negative', () => {
    const early: KpiIncident = { status: 'acknowledged', openedAt: '2026-03-02T08:00:00Z', acknowledgedAt: '2026-03-02T07:59:00Z' };
    expect(computeKpis([], [early], period, 'UTC', { now: NOW }).totals.mttaMinutes).toBe(0);
  });

  test('days follow DST: 29 March 2026 in Berlin is a 23-hour day', () => {
    const spring = { from: '2026-03-28T23:00:00.000Z', to: '2026-03-30T22:00:00.000Z' };
    const result = computeKpis(
      [...alertsAt('2026-03-29T21:30:00Z', 1), ...alertsAt('2026-03-29T22:30:00Z', 2)],
      [],
      spring,
      'Europe/Berlin',
      { now: NOW },
    );
    expect(result.days.map((day) => [day.date, day.alerts])).toEqual([
      ['2026-03-29', 1],
      ['2026-03-30', 2],
    ]);
  });

  test('a custom self-healed rule', () => {
    const result = computeKpis([], [incidents.a!, incidents.c!], period, 'UTC', {
      now: NOW,
      isSelfHealed: (incident) => incident.resolutionCode === 'fixed',
    });
    expect(result.totals.selfHealed).toBe(1);
  });
});

describe('isSelfHealed', () => {
  test.each([
    [{ resolutionCode: 'self-healed', resolvedBy: 'anna' }, true],
    [{ resolutionCode: 'fixed', resolvedBy: 'anna' }, false],
    [{ resolvedBy: 'runbook:disk-cleanup' }, true],
    [{ resolvedBy: 'automation' }, true],
    [{ resolvedBy: 'automationist@example.com' }, false],
    [{}, true],
  ])('%j: %p', (change, expected) => {
    expect(isSelfHealed({ status: 'resolved', openedAt: '2026-03-02T08:00:00Z', resolvedAt: '2026-03-02T09:00:00Z', ...change })).toBe(
      expected,
    );
  });
});

describe('period schema', () => {
  test('from must be before to, and a period is at most 366 days', () => {
    expect(kpiPeriodSchema.safeParse(period).success).toBe(true);
    expect(kpiPeriodSchema.safeParse({ from: period.to, to: period.from }).success).toBe(false);
    expect(kpiPeriodSchema.safeParse({ from: '2025-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }).success).toBe(false);
  });
});
