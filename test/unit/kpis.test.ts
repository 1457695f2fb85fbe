// KPIs per tenant and period, one block per definition of docs/kpis.md: firing episodes and noise
// reduction, MTTA, MTTR, how resolved incidents were resolved, the response and resolution SLAs, and
// the period rules (local days, opening day, merged incidents, null when nothing to divide by).
import { nameWords } from '../../lib/domain/correlation/categories';
import { EMPTY_SCOPE, decide, type ScopeState } from '../../lib/domain/correlation/engine';
import { DEFAULT_POLICY, mergePolicy } from '../../lib/domain/correlation/policy';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { AUTOMATION_ACTOR } from '../../lib/domain/incident';
import {
  computeKpis,
  isFiringEpisode,
  isUnmatchedResolution,
  kpiPeriodSchema,
  resolutionOf,
  type KpiAlert,
  type KpiIncident,
  type KpiOptions,
} from '../../lib/kpi/kpis';
import { DEFAULT_SLA_POLICY } from '../../lib/domain/sla/policy';

// 2 to 4 March 2026 in Berlin (CET, UTC+1).
const period = { from: '2026-03-01T23:00:00.000Z', to: '2026-03-04T23:00:00.000Z' };
const NOW = new Date('2026-03-05T00:00:00.000Z');
const withPolicy: KpiOptions = { now: NOW, policy: DEFAULT_SLA_POLICY };

const times = <T>(count: number, make: () => T): T[] => Array.from({ length: count }, make);
/** Firing notifications that each started an episode (correlation opened or joined an incident with them). */
const episodes = (iso: string, count: number): KpiAlert[] =>
  times(count, () => ({ occurredAt: iso, status: 'firing', correlation: 'no open incident matches' }));
/** Firing notifications of an episode already counted. */
const repeats = (iso: string, count: number): KpiAlert[] =>
  times(count, () => ({ occurredAt: iso, status: 'firing', correlation: 'same fingerprint' }));
const resolutions = (iso: string, count: number): KpiAlert[] =>
  times(count, () => ({ occurredAt: iso, status: 'resolved', correlation: 'its last firing alert resolved', incidentId: 'inc-1' }));
/** Resolution notifications that matched no incident. */
const unmatched = (iso: string, count: number): KpiAlert[] =>
  times(count, () => ({
    occurredAt: iso,
    status: 'resolved',
    correlation: 'no incident has this alert, or its condition on this asset, firing',
  }));

const alerts: KpiAlert[] = [
  ...episodes('2026-03-02T08:00:00Z', 6), // 2 March
  ...repeats('2026-03-02T08:05:00Z', 2),
  ...resolutions('2026-03-02T09:00:00Z', 2),
  ...episodes('2026-03-02T23:30:00Z', 1), // 00:30 on 3 March in Berlin
  ...episodes('2026-03-03T10:00:00Z', 2), // 3 March
  ...resolutions('2026-03-03T10:20:00Z', 1),
  ...unmatched('2026-03-03T11:00:00Z', 1),
  ...episodes('2026-03-01T22:30:00Z', 2), // 23:30 on 1 March: before the period
  ...episodes('2026-03-04T23:00:00Z', 1), // the period's end is exclusive
];

const incidents = {
  // Acknowledged after 10 min, resolved by a technician after 60 min: both SLAs met.
  a: {
    status: 'resolved',
    severity: 'critical',
    openedAt: '2026-03-02T08:00:00Z',
    acknowledgedAt: '2026-03-02T08:10:00Z',
    respondedAt: '2026-03-02T08:10:00Z',
    resolvedAt: '2026-03-02T09:00:00Z',
    resolvedBy: 'anna@msp.example',
  },
  // High: acknowledged after 150 min (response due at 120), resolved by a runbook after 11 h (due at 8 h).
  b: {
    status: 'resolved',
    severity: 'high',
    openedAt: '2026-03-02T09:00:00Z',
    acknowledgedAt: '2026-03-02T11:30:00Z',
    respondedAt: '2026-03-02T11:30:00Z',
    resolvedAt: '2026-03-02T20:00:00Z',
    resolvedBy: AUTOMATION_ACTOR,
  },
  // Medium: its alerts cleared after 20 min, nobody touched it: resolved before its response was due (8 h).
  c: { status: 'resolved', severity: 'medium', openedAt: '2026-03-03T10:00:00Z', resolvedAt: '2026-03-03T10:20:00Z' },
  // Still open, past both deadlines.
  d: { status: 'open', severity: 'critical', openedAt: '2026-03-03T11:00:00Z' },
  // Still open, both deadlines ahead: not counted in the SLA yet.
  e: { status: 'open', severity: 'low', openedAt: '2026-03-04T10:00:00Z' },
  // Merged into another: not counted.
  f: { status: 'merged', severity: 'high', openedAt: '2026-03-02T10:00:00Z' },
  // Opened before the period.
  g: { status: 'resolved', severity: 'high', openedAt: '2026-03-01T22:00:00Z', resolvedAt: '2026-03-02T01:00:00Z' },
} satisfies Record<string, KpiIncident>;

const report = () => computeKpis(alerts, Object.values(incidents), period, 'Europe/Berlin', withPolicy);
const totalsOf = (someAlerts: KpiAlert[], someIncidents: KpiIncident[], options: KpiOptions = withPolicy) =>
  computeKpis(someAlerts, someIncidents, period, 'UTC', options).totals;

describe('totals and days of a period', () => {
  test('totals over the period', () => {
    expect(report().totals).toEqual({
      alerts: 15,
      firingEpisodes: 9,
      unmatchedResolutions: 1,
      incidents: 5,
      noiseReductionPct: 44.4,
      acknowledged: 2,
      mttaMinutes: 80,
      resolved: 3,
      mttrMinutes: 246.7,
      selfHealed: 1,
      clearedOnItsOwn: 1,
      resolvedByPerson: 1,
      selfHealedPct: 33.3,
      slaResponse: { met: 1, missed: 2, resolvedBeforeDue: 1, pct: 33.3 },
      slaResolution: { met: 2, missed: 2, pct: 50 },
      inMaintenance: 0,
    });
  });

  test('one row per local day, in order, empty days included; an incident counts, with its outcomes, on its opening day', () => {
    const { days } = report();
    expect(days.map((day) => day.date)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    expect(days[0]).toMatchObject({
      alerts: 10,
      firingEpisodes: 6,
      unmatchedResolutions: 0,
      incidents: 2,
      noiseReductionPct: 66.7,
      mttaMinutes: 80,
      mttrMinutes: 360,
      selfHealedPct: 50,
      slaResponse: { met: 1, missed: 1, resolvedBeforeDue: 0, pct: 50 },
      slaResolution: { met: 1, missed: 1, pct: 50 },
      inMaintenance: 0,
    });
    expect(days[1]).toMatchObject({
      alerts: 5,
      firingEpisodes: 3,
      unmatchedResolutions: 1,
      incidents: 2,
      noiseReductionPct: 33.3,
      mttaMinutes: null,
      mttrMinutes: 20,
      selfHealed: 0,
      clearedOnItsOwn: 1,
      selfHealedPct: 0,
      slaResponse: { met: 0, missed: 1, resolvedBeforeDue: 1, pct: 0 },
      slaResolution: { met: 1, missed: 1, pct: 50 },
      inMaintenance: 0,
    });
    expect(days[2]).toEqual({
      date: '2026-03-04',
      alerts: 0,
      firingEpisodes: 0,
      unmatchedResolutions: 0,
      incidents: 1,
      noiseReductionPct: null,
      acknowledged: 0,
      mttaMinutes: null,
      resolved: 0,
      mttrMinutes: null,
      selfHealed: 0,
      clearedOnItsOwn: 0,
      resolvedByPerson: 0,
      selfHealedPct: null,
      slaResponse: { met: 0, missed: 0, resolvedBeforeDue: 0, pct: null },
      slaResolution: { met: 0, missed: 0, pct: null },
      inMaintenance: 0,
    });
  });

  test('days are local: the same data in UTC splits differently', () => {
    const utc = computeKpis(alerts, Object.values(incidents), period, 'UTC', withPolicy);
    expect(utc.days.map((day) => [day.date, day.alerts, day.firingEpisodes])).toEqual([
      ['2026-03-01', 0, 0],
      ['2026-03-02', 11, 7],
      ['2026-03-03', 4, 2],
      ['2026-03-04', 0, 0],
    ]);
  });

  test('days follow DST: 29 March 2026 in Berlin is a 23-hour day', () => {
    const spring = { from: '2026-03-28T23:00:00.000Z', to: '2026-03-30T22:00:00.000Z' };
    const result = computeKpis(
      [...episodes('2026-03-29T21:30:00Z', 1), ...episodes('2026-03-29T22:30:00Z', 2)],
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

  test('merged incidents and incidents opened outside the period are not counted', () => {
    expect(totalsOf([], [incidents.f, incidents.g])).toMatchObject({ incidents: 0, resolved: 0, mttrMinutes: null });
  });
});

describe('firing alert episodes and noise reduction', () => {
  test("the issue's numbers: 30 alert records, 13 of them resolutions, 9 incidents is 47.1 %, not 70 %", () => {
    const nine = times(9, (): KpiIncident => ({ status: 'open', openedAt: '2026-03-02T08:00:00Z' }));
    const records = [...episodes('2026-03-02T08:00:00Z', 17), ...resolutions('2026-03-02T09:00:00Z', 13)];
    expect(totalsOf(records, nine)).toMatchObject({ alerts: 30, firingEpisodes: 17, incidents: 9, noiseReductionPct: 47.1 });
    // Repeats of the same episodes change nothing.
    const louder = [...records, ...repeats('2026-03-02T08:30:00Z', 40)];
    expect(totalsOf(louder, nine)).toMatchObject({ alerts: 70, firingEpisodes: 17, noiseReductionPct: 47.1 });
  });

  test('an alert correlation has not decided yet is not an episode (yet)', () => {
    expect(isFiringEpisode({ occurredAt: '2026-03-02T08:00:00Z', status: 'firing' })).toBe(false);
  });

  test('an unmatched resolution (decided, joined no incident) is counted apart; one not decided yet, or that joined an incident, is not', () => {
    const decided = unmatched('2026-03-02T08:00:00Z', 2);
    const pending: KpiAlert = { occurredAt: '2026-03-02T08:00:00Z', status: 'resolved' };
    const firingAlone: KpiAlert = { occurredAt: '2026-03-02T08:00:00Z', status: 'firing', correlation: 'no open incident matches' };
    expect(isUnmatchedResolution(pending)).toBe(false);
    expect(isUnmatchedResolution(firingAlone)).toBe(false);
    expect(totalsOf([...decided, pending, ...resolutions('2026-03-02T08:00:00Z', 1)], [])).toMatchObject({
      alerts: 4,
      firingEpisodes: 0,
      unmatchedResolutions: 2,
      noiseReductionPct: null,
    });
  });

  test('null without episodes (resolutions alone), never below 0', () => {
    expect(totalsOf(resolutions('2026-03-02T08:00:00Z', 3), []).noiseReductionPct).toBeNull();
    expect(totalsOf(episodes('2026-03-02T08:00:00Z', 1), [incidents.a, incidents.b]).noiseReductionPct).toBe(0);
  });

  /**
   * The engine's own decisions, fed one after another as correlation feeds them: each firing alert's
   * outcome says whether it started an episode, and isFiringEpisode must read it the same way.
   */
  test('each outcome of the correlation engine is read as an episode (or an unmatched resolution) or not, as it is', () => {
    const policy = mergePolicy(DEFAULT_POLICY, { graceSeconds: 0 });
    const T0 = Date.parse('2026-03-02T09:00:00.000Z');
    const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
    let state: ScopeState = EMPTY_SCOPE;
    let ids = 0;
    const feed = (spec: { signature: string; at: number; receivedAt?: number; status?: 'firing' | 'resolved'; source?: string }) => {
      const source = spec.source ?? 'prometheus';
      const alert: CanonicalAlert = {
        id: `alert-${++ids}`,
        tenantId: 'acme',
        deliveryId: `delivery-${ids}`,
        source,
        status: spec.status ?? 'firing',
        severity: 'high',
        assetRef: 'web-01',
        assetId: null,
        signature: spec.signature,
        message: spec.signature,
        labels: {},
        dedupKey: `${source}:web-01:${spec.signature}`,
        occurredAt: at(spec.at),
        receivedAt: at(spec.receivedAt ?? spec.at),
      };
      const outcome = decide(alert, state, {
        policy,
        now: new Date(alert.receivedAt),
        newIncidentId: () => `inc-${ids}`,
        tenantWords: nameWords('acme'),
      });
      state = outcome.next;
      const { decision } = outcome;
      // As correlation stores the alert: its outcome, and the incident it joined if any.
      const stored: KpiAlert = {
        occurredAt: alert.occurredAt,
        status: alert.status,
        correlation: decision.reason,
        ...('incidentId' in decision ? { incidentId: decision.incidentId } : {}),
      };
      return {
        kind: decision.kind,
        episode: isFiringEpisode(stored),
        ...(isUnmatchedResolution(stored) ? { unmatched: true } : {}),
      };
    };

    expect(feed({ signature: 'HighCPU', at: 0 })).toEqual({ kind: 'open', episode: true });
    expect(feed({ signature: 'HighCPU', at: 60 })).toEqual({ kind: 'join', episode: false }); // a repeat
    expect(feed({ signature: 'HighCPU', source: 'zabbix', at: 90 })).toEqual({ kind: 'join', episode: true }); // another tool, same condition
    expect(feed({ signature: 'HighCPU', at: 120, status: 'resolved' })).toEqual({ kind: 'resolve-alert', episode: false });
    expect(feed({ signature: 'HighCPU', at: 100, receivedAt: 150 })).toEqual({ kind: 'join', episode: false }); // sent before its resolution
    expect(feed({ signature: 'HighCPU', at: 180 })).toEqual({ kind: 'join', episode: true }); // fired again (flapping)
    // Alertmanager's repeat_interval re-sends the firing with its original start, long after.
    expect(feed({ signature: 'HighCPU', at: 180, receivedAt: 3 * 3600 })).toEqual({ kind: 'join', episode: false });
    expect(feed({ signature: 'HighCPU', at: 3 * 3600 + 10, status: 'resolved' })).toMatchObject({ episode: false });
    expect(feed({ signature: 'HighCPU', source: 'zabbix', at: 3 * 3600 + 20, status: 'resolved' })).toMatchObject({ episode: false });
    expect(feed({ signature: 'HighCPU', at: 3 * 3600 + 600 })).toEqual({ kind: 'reopen', episode: true }); // within the flap window
    // Silent past the quiet period (1 h) without a resolution: a new episode.
    expect(feed({ signature: 'HighCPU', at: 5 * 3600 })).toEqual({ kind: 'open', episode: true });
    // A resolution of an alert no incident has firing: unmatched.
    expect(feed({ signature: 'DiskFull', at: 5 * 3600 + 60, status: 'resolved' })).toEqual({
      kind: 'unmatched-resolution',
      episode: false,
      unmatched: true,
    });
  });
});

describe('MTTA and MTTR', () => {
  test('MTTA: opening to the first acknowledgement, over the acknowledged incidents only', () => {
    const unacknowledged: KpiIncident = { status: 'open', openedAt: '2026-03-02T08:00:00Z', respondedAt: '2026-03-02T08:01:00Z' };
    expect(totalsOf([], [incidents.a, incidents.b, unacknowledged])).toMatchObject({ acknowledged: 2, mttaMinutes: 80 });
  });

  test('an acknowledgement stamped before the first alert (event time) counts as zero, not negative', () => {
    const early: KpiIncident = { status: 'acknowledged', openedAt: '2026-03-02T08:00:00Z', acknowledgedAt: '2026-03-02T07:59:00Z' };
    expect(totalsOf([], [early]).mttaMinutes).toBe(0);
  });

  test('MTTR: opening to resolution over the resolved incidents, whoever resolved them; a reopened one is not resolved', () => {
    const reopened: KpiIncident = { status: 'open', openedAt: '2026-03-02T08:00:00Z', resolvedAt: '2026-03-02T08:05:00Z' };
    expect(totalsOf([], [incidents.a, incidents.c, reopened])).toMatchObject({ resolved: 2, mttrMinutes: 40 });
  });
});

describe('how resolved incidents were resolved', () => {
  test.each([
    [{ resolvedBy: AUTOMATION_ACTOR }, 'self-healed'],
    [{}, 'cleared-on-its-own'],
    [{ resolvedBy: null }, 'cleared-on-its-own'],
    [{ resolvedBy: 'anna@msp.example' }, 'by-a-person'],
    [{ resolvedBy: 'automationist@example.com' }, 'by-a-person'],
  ] as const)('%j: %s', (change, expected) => {
    expect(resolutionOf(change)).toBe(expected);
  });

  test("the issue's numbers: 2 runbooks, 2 cleared on their own, 1 person is 40 % self-healed, not 100 %", () => {
    const resolved = (resolvedBy?: string): KpiIncident => ({
      status: 'resolved',
      openedAt: '2026-03-02T08:00:00Z',
      resolvedAt: '2026-03-02T08:30:00Z',
      ...(resolvedBy ? { resolvedBy } : {}),
    });
    // The person chose the resolution code "self-healed": a person still resolved it.
    const five = [resolved(AUTOMATION_ACTOR), resolved(AUTOMATION_ACTOR), resolved(), resolved(), resolved('anna@msp.example')];
    expect(totalsOf([], five)).toMatchObject({ resolved: 5, selfHealed: 2, clearedOnItsOwn: 2, resolvedByPerson: 1, selfHealedPct: 40 });
  });
});

describe('response SLA', () => {
  // High: response due 2 h after opening (08:00 -> 10:00).
  const high = (change: Partial<KpiIncident>): KpiIncident => ({
    status: 'open',
    severity: 'high',
    openedAt: '2026-03-02T08:00:00Z',
    ...change,
  });
  const response = (incident: KpiIncident, now = NOW) => totalsOf([], [incident], { now, policy: DEFAULT_SLA_POLICY }).slaResponse;

  test('met by any action of a person in time (a note, an assignment: respondedAt), not only an acknowledgement', () => {
    expect(response(high({ respondedAt: '2026-03-02T09:00:00Z' }))).toEqual({ met: 1, missed: 0, resolvedBeforeDue: 0, pct: 100 });
    expect(response(high({ status: 'acknowledged', acknowledgedAt: '2026-03-02T10:00:00Z' }))).toMatchObject({ met: 1 });
  });

  test("a person's resolution in time is a response (incidents stored before respondedAt was kept)", () => {
    const resolved = high({ status: 'resolved', resolvedAt: '2026-03-02T09:00:00Z', resolvedBy: 'anna@msp.example' });
    expect(response(resolved)).toMatchObject({ met: 1, resolvedBeforeDue: 0 });
  });

  test('missed when the first action came late, or when nobody acted and the deadline passed; pending before', () => {
    expect(response(high({ respondedAt: '2026-03-02T10:01:00Z' }))).toEqual({ met: 0, missed: 1, resolvedBeforeDue: 0, pct: 0 });
    expect(response(high({}))).toMatchObject({ missed: 1 });
    expect(response(high({}), new Date('2026-03-02T09:59:00Z'))).toEqual({ met: 0, missed: 0, resolvedBeforeDue: 0, pct: null });
  });

  test('resolved by a runbook or on its own before it was due, with no person acting by then: counted apart', () => {
    const cleared = high({ status: 'resolved', resolvedAt: '2026-03-02T08:20:00Z' });
    const runbook = high({ status: 'resolved', resolvedAt: '2026-03-02T08:20:00Z', resolvedBy: AUTOMATION_ACTOR });
    // A note written the next day does not turn it into a missed response.
    const notedLater = { ...cleared, respondedAt: '2026-03-03T09:00:00Z' };
    expect(totalsOf([], [cleared, runbook, notedLater]).slaResponse).toEqual({ met: 0, missed: 0, resolvedBeforeDue: 3, pct: null });
  });

  test('resolved without a person after the response was due: missed', () => {
    expect(response(high({ status: 'resolved', resolvedAt: '2026-03-02T10:30:00Z', resolvedBy: AUTOMATION_ACTOR }))).toMatchObject({
      missed: 1,
      resolvedBeforeDue: 0,
    });
  });

  test("the issue's numbers: 5 incidents cleared before anyone responded are not 100 % response met", () => {
    const five = times(5, () => high({ status: 'resolved', resolvedAt: '2026-03-02T08:10:00Z' }));
    expect(totalsOf([], five)).toMatchObject({ acknowledged: 0, slaResponse: { met: 0, missed: 0, resolvedBeforeDue: 5, pct: null } });
  });
});

describe('resolution SLA', () => {
  // High: resolution due 8 h after opening (08:00 -> 16:00).
  const high = (change: Partial<KpiIncident>): KpiIncident => ({
    status: 'open',
    severity: 'high',
    openedAt: '2026-03-02T08:00:00Z',
    ...change,
  });
  const resolution = (incident: KpiIncident, now = NOW) => totalsOf([], [incident], { now, policy: DEFAULT_SLA_POLICY }).slaResolution;

  test('met when resolved by the deadline, by anyone; missed when later', () => {
    expect(resolution(high({ status: 'resolved', resolvedAt: '2026-03-02T16:00:00Z' }))).toEqual({ met: 1, missed: 0, pct: 100 });
    expect(resolution(high({ status: 'resolved', resolvedAt: '2026-03-02T16:01:00Z', resolvedBy: 'anna' }))).toEqual({
      met: 0,
      missed: 1,
      pct: 0,
    });
  });

  test('unresolved: missed once the deadline passed, pending before', () => {
    expect(resolution(high({}))).toMatchObject({ missed: 1 });
    expect(resolution(high({}), new Date('2026-03-02T15:00:00Z'))).toEqual({ met: 0, missed: 0, pct: null });
  });
});

describe('SLA deadlines', () => {
  test('stored deadlines win over the policy; without either, no SLA is counted', () => {
    const stored: KpiIncident = { ...incidents.a, sla: { responseBy: '2026-03-02T08:05:00Z', resolutionBy: '2026-03-02T10:00:00Z' } };
    const withStored = totalsOf([], [stored]);
    expect(withStored.slaResponse).toEqual({ met: 0, missed: 1, resolvedBeforeDue: 0, pct: 0 });
    expect(withStored.slaResolution).toEqual({ met: 1, missed: 0, pct: 100 });
    expect(totalsOf([], [incidents.a], { now: NOW }).slaResponse).toEqual({ met: 0, missed: 0, resolvedBeforeDue: 0, pct: null });
  });

  test('a clock paused past its deadline (stored null) is not counted until it resumes', () => {
    const paused: KpiIncident = { ...incidents.d, sla: { responseBy: null, resolutionBy: null } };
    const totals = totalsOf([], [paused]);
    expect([totals.slaResponse.pct, totals.slaResolution.pct]).toEqual([null, null]);
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
    // 4 h + 90 min paused: due at 13:30.
    expect(totalsOf([], [paused]).slaResolution).toEqual({ met: 1, missed: 0, pct: 100 });
  });
});

describe('maintenance', () => {
  test('an incident held by a maintenance window is counted apart and in no SLA figure, met or missed', () => {
    // Open past both deadlines: missed twice without the window.
    const held: KpiIncident = { ...incidents.d, maintenance: { windowId: '01JWINDOW000000000000000001' } };
    const totals = totalsOf([], [held, incidents.a]);
    expect(totalsOf([], [incidents.d, incidents.a]).slaResolution).toEqual({ met: 1, missed: 1, pct: 50 });
    expect(totals.slaResolution).toEqual({ met: 1, missed: 0, pct: 100 });
    expect(totals.slaResponse).toEqual({ met: 1, missed: 0, resolvedBeforeDue: 0, pct: 100 });
    expect(totals).toMatchObject({ incidents: 2, inMaintenance: 1 });
  });
});

describe('period schema', () => {
  test('from must be before to, and a period is at most 366 days', () => {
    expect(kpiPeriodSchema.safeParse(period).success).toBe(true);
    expect(kpiPeriodSchema.safeParse({ from: period.to, to: period.from }).success).toBe(false);
    expect(kpiPeriodSchema.safeParse({ from: '2025-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }).success).toBe(false);
  });
});
