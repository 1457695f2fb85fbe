// SLA policy, deadlines, the pausable clock and the one-time timers: a late,
// early, repeated or outdated firing must do nothing wrong.
import {
  DEFAULT_SLA_POLICY,
  DEFAULT_SLA_TARGETS,
  deadlinesFor,
  elapsedMs,
  evaluateTimer,
  isPaused,
  pauseClock,
  resumeClock,
  slaClockSchema,
  slaPolicySchema,
  timerName,
  timersFor,
  warningAfterMinutes,
  type SlaClock,
  type SlaIncident,
  type SlaTimer,
} from '../../lib/domain/sla/policy';

const T0 = '2026-03-02T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();
const clock = (...pauses: Array<[number, number?]>): SlaClock => ({
  pauses: pauses.map(([from, to]) => ({ from: iso(from), ...(to === undefined ? {} : { to: iso(to) }) })),
});
const critical = (change: Partial<SlaIncident> = {}): SlaIncident => ({ severity: 'critical', openedAt: T0, status: 'open', ...change });
const byKind = (timers: SlaTimer[]) => Object.fromEntries(timers.map((timer) => [timer.kind, timer]));
const timer = (incident: SlaIncident, kind: SlaTimer['kind'], now = at(0)) => {
  const found = timersFor(incident, DEFAULT_SLA_POLICY, now).find((candidate) => candidate.kind === kind);
  if (!found) throw new Error(`no ${kind} timer`);
  return found;
};

describe('SLA policy', () => {
  test('an empty policy is the default targets, with info at 72 h / 7 days', () => {
    const policy = slaPolicySchema.parse({});
    expect(policy.targets).toEqual({
      critical: { responseMinutes: 30, resolutionMinutes: 240, coverage: '24x7' },
      high: { responseMinutes: 120, resolutionMinutes: 480, coverage: '24x7' },
      medium: { responseMinutes: 480, resolutionMinutes: 1440, coverage: '24x7' },
      low: { responseMinutes: 1440, resolutionMinutes: 2880, coverage: '24x7' },
      info: { responseMinutes: 4320, resolutionMinutes: 10080, coverage: '24x7' },
    });
    expect(policy.warning).toEqual({ leadMinutes: 30, shortWindowFraction: 0.8 });
  });

  test('changing one severity keeps the defaults of the others', () => {
    const policy = slaPolicySchema.parse({ targets: { critical: { responseMinutes: 15, resolutionMinutes: 120 } } });
    expect(policy.targets.critical).toEqual({ responseMinutes: 15, resolutionMinutes: 120, coverage: '24x7' });
    expect(policy.targets.high).toEqual(DEFAULT_SLA_TARGETS.high);
  });

  test('the default is not shared: parsing twice gives independent objects', () => {
    const one = slaPolicySchema.parse({});
    one.targets.high.responseMinutes = 1;
    expect(slaPolicySchema.parse({}).targets.high.responseMinutes).toBe(120);
  });

  test.each([
    [{ targets: { high: { responseMinutes: 120, resolutionMinutes: 60 } } }, 'shorter resolution than response'],
    [{ targets: { high: { responseMinutes: 0, resolutionMinutes: 60 } } }, 'a zero window'],
    [{ targets: { urgent: { responseMinutes: 1, resolutionMinutes: 1 } } }, 'an unknown severity'],
    [{ warning: { shortWindowFraction: 1 } }, 'a warning at 100 %'],
  ])('rejects %j (%s)', (input, _why) => {
    expect(slaPolicySchema.safeParse(input).success).toBe(false);
  });
});

describe('deadlinesFor', () => {
  test.each([
    ['critical', '2026-03-02T10:30:00.000Z', '2026-03-02T14:00:00.000Z'],
    ['high', '2026-03-02T12:00:00.000Z', '2026-03-02T18:00:00.000Z'],
    ['medium', '2026-03-02T18:00:00.000Z', '2026-03-03T10:00:00.000Z'],
    ['low', '2026-03-03T10:00:00.000Z', '2026-03-04T10:00:00.000Z'],
    ['info', '2026-03-05T10:00:00.000Z', '2026-03-09T10:00:00.000Z'],
  ] as const)('%s: respond by %s, resolve by %s', (severity, responseBy, resolutionBy) => {
    expect(deadlinesFor({ severity, openedAt: T0 })).toMatchObject({ responseBy, resolutionBy });
  });

  test('a tenant policy changes the deadlines', () => {
    const policy = slaPolicySchema.parse({ targets: { critical: { responseMinutes: 10, resolutionMinutes: 60 } } });
    expect(deadlinesFor({ severity: 'critical', openedAt: T0 }, policy)).toEqual({
      responseMinutes: 10,
      resolutionMinutes: 60,
      responseBy: iso(10),
      resolutionBy: iso(60),
    });
  });

  test('a pause moves both deadlines by its length', () => {
    const deadlines = deadlinesFor({ severity: 'critical', openedAt: T0, clock: clock([10, 40]) });
    expect(deadlines.responseBy).toBe(iso(60));
    expect(deadlines.resolutionBy).toBe(iso(270));
  });

  test('a pause after a deadline does not move it', () => {
    const deadlines = deadlinesFor({ severity: 'critical', openedAt: T0, clock: clock([45, 100]) });
    expect(deadlines.responseBy).toBe(iso(30));
    expect(deadlines.resolutionBy).toBe(iso(240 + 55));
  });

  test('a pause starting exactly at the deadline does not move it', () => {
    expect(deadlinesFor({ severity: 'critical', openedAt: T0, clock: clock([30, 50]) }).responseBy).toBe(iso(30));
  });

  test('while paused, a deadline that falls after the pause began is unknown (null)', () => {
    const deadlines = deadlinesFor({ severity: 'critical', openedAt: T0, clock: clock([45]) });
    expect(deadlines.responseBy).toBe(iso(30));
    expect(deadlines.resolutionBy).toBeNull();
  });

  test('several pauses add up', () => {
    expect(deadlinesFor({ severity: 'critical', openedAt: T0, clock: clock([5, 10], [20, 35]) }).responseBy).toBe(iso(50));
  });
});

describe('SlaClock', () => {
  test('elapsed time leaves out the paused time, including a pause still open', () => {
    expect(elapsedMs(clock([10, 40]), T0, at(60).getTime())).toBe(30 * 60_000);
    expect(elapsedMs(clock([10]), T0, at(60).getTime())).toBe(10 * 60_000);
    expect(elapsedMs(undefined, T0, at(60).getTime())).toBe(60 * 60_000);
  });

  test('a pause recorded before the incident opened counts only from the opening', () => {
    expect(elapsedMs(clock([-30, 10]), T0, at(60).getTime())).toBe(50 * 60_000);
  });

  test('pause and resume are idempotent', () => {
    const paused = pauseClock({ pauses: [] }, at(10), 'waiting on the client');
    expect(isPaused(paused)).toBe(true);
    expect(pauseClock(paused, at(20))).toBe(paused);
    const resumed = resumeClock(paused, at(40));
    expect(resumed.pauses).toEqual([{ from: iso(10), to: iso(40), reason: 'waiting on the client' }]);
    expect(isPaused(resumed)).toBe(false);
    expect(resumeClock(resumed, at(50))).toBe(resumed);
  });

  test('pauses never overlap, and a resume never ends before the pause began', () => {
    const first = resumeClock(pauseClock({ pauses: [] }, at(10)), at(40));
    const second = pauseClock(first, at(30));
    expect(second.pauses[1]?.from).toBe(iso(40));
    expect(resumeClock(second, at(35)).pauses[1]).toEqual({ from: iso(40), to: iso(40) });
  });

  test('the schema refuses an open pause that is not the last, and a pause ending before it starts', () => {
    expect(slaClockSchema.safeParse({ pauses: [{ from: iso(0) }, { from: iso(10), to: iso(20) }] }).success).toBe(false);
    expect(slaClockSchema.safeParse({ pauses: [{ from: iso(10), to: iso(5) }] }).success).toBe(false);
    expect(slaClockSchema.safeParse({ pauses: [{ from: iso(0), to: iso(5) }, { from: iso(10) }] }).success).toBe(true);
  });
});

describe('warning rule: 30 minutes before, or at 80 % of a short window', () => {
  test.each([
    [30, 24],
    [60, 48],
    [120, 96],
    [150, 120],
    [240, 210],
    [480, 450],
    [1440, 1410],
  ])('a %p-minute window warns after %p minutes', (window, warning) => {
    expect(warningAfterMinutes(window)).toBe(warning);
  });
});

describe('timersFor', () => {
  test('a new critical incident gets four timers', () => {
    const timers = timersFor(critical(), DEFAULT_SLA_POLICY, at(0));
    expect(timers).toEqual([
      { kind: 'response-warning', at: iso(24), dueAt: iso(24), deadline: iso(30) },
      { kind: 'response-breach', at: iso(30), dueAt: iso(30), deadline: iso(30) },
      { kind: 'resolution-warning', at: iso(210), dueAt: iso(210), deadline: iso(240) },
      { kind: 'resolution-breach', at: iso(240), dueAt: iso(240), deadline: iso(240) },
    ]);
  });

  test('an acknowledged incident needs only the resolution timers', () => {
    const kinds = timersFor(critical({ status: 'acknowledged', acknowledgedAt: iso(5) }), DEFAULT_SLA_POLICY, at(5)).map((t) => t.kind);
    expect(kinds).toEqual(['resolution-warning', 'resolution-breach']);
  });

  test('a resolved or merged incident needs none', () => {
    expect(timersFor(critical({ status: 'resolved', resolvedAt: iso(5) }), DEFAULT_SLA_POLICY, at(5))).toEqual([]);
    expect(timersFor(critical({ status: 'merged' }), DEFAULT_SLA_POLICY, at(5))).toEqual([]);
  });

  test('timers already acted on are not made again', () => {
    const kinds = timersFor(critical({ slaHandled: ['response-warning', 'response-breach'] }), DEFAULT_SLA_POLICY, at(31)).map(
      (t) => t.kind,
    );
    expect(kinds).toEqual(['resolution-warning', 'resolution-breach']);
  });

  test('an incident stored late: a passed warning fires now, a warning past its deadline is left to the breach', () => {
    const late = byKind(timersFor(critical(), DEFAULT_SLA_POLICY, at(27)));
    expect(late['response-warning']).toEqual({ kind: 'response-warning', at: iso(27), dueAt: iso(24), deadline: iso(30) });
    const later = byKind(timersFor(critical(), DEFAULT_SLA_POLICY, at(35)));
    expect(later['response-warning']).toBeUndefined();
    expect(later['response-breach']).toEqual({ kind: 'response-breach', at: iso(35), dueAt: iso(30), deadline: iso(30) });
  });

  test('while paused, no timer whose deadline is unknown is made; resuming brings them back, shifted', () => {
    expect(timersFor(critical({ clock: clock([20]) }), DEFAULT_SLA_POLICY, at(25))).toEqual([]);
    // Paused after the response deadline: the response breach is known (and due), the resolution ones are not.
    expect(timersFor(critical({ clock: clock([35]) }), DEFAULT_SLA_POLICY, at(36)).map((t) => t.kind)).toEqual(['response-breach']);
    const resumed = byKind(timersFor(critical({ clock: clock([20, 50]) }), DEFAULT_SLA_POLICY, at(50)));
    expect(resumed['response-warning']?.at).toBe(iso(54));
    expect(resumed['response-breach']?.at).toBe(iso(60));
    expect(resumed['resolution-breach']?.at).toBe(iso(270));
  });

  test('timer names are stable, short and scheduler-safe', () => {
    expect(timerName('01JABCDEF', 'response-breach')).toBe('sla-response-breach-01JABCDEF');
    const name = timerName(`inc/${'x'.repeat(100)}`, 'resolution-warning');
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9A-Za-z_.-]+$/);
  });
});

describe('evaluateTimer', () => {
  const policy = DEFAULT_SLA_POLICY;

  test('a breach timer on time breaches', () => {
    expect(evaluateTimer(timer(critical(), 'response-breach'), critical(), policy, at(30))).toEqual({
      action: 'breach',
      kind: 'response-breach',
      clock: 'response',
      deadline: iso(30),
      remainingMs: 0,
    });
  });

  test('a warning on time warns with the time left', () => {
    const decision = evaluateTimer(timer(critical(), 'response-warning'), critical(), policy, at(24));
    expect(decision).toMatchObject({ action: 'warn', clock: 'response', deadline: iso(30), remainingMs: 6 * 60_000 });
  });

  test('a late breach firing still breaches, with how late', () => {
    const decision = evaluateTimer(timer(critical(), 'response-breach'), critical(), policy, at(45));
    expect(decision).toMatchObject({ action: 'breach', remainingMs: -15 * 60_000 });
  });

  test('a repeated firing does nothing once the action was recorded', () => {
    const breach = timer(critical(), 'response-breach');
    expect(evaluateTimer(breach, critical({ slaHandled: ['response-breach'] }), policy, at(31))).toMatchObject({
      action: 'nothing',
      reason: 'already-escalated',
    });
    const warning = timer(critical(), 'response-warning');
    expect(evaluateTimer(warning, critical({ slaHandled: ['response-warning'] }), policy, at(25))).toMatchObject({
      action: 'nothing',
      reason: 'already-warned',
    });
  });

  test('acknowledged: response timers do nothing, the resolution clock still runs', () => {
    const acknowledged = critical({ status: 'acknowledged', acknowledgedAt: iso(10) });
    expect(evaluateTimer(timer(critical(), 'response-breach'), acknowledged, policy, at(30))).toMatchObject({
      action: 'nothing',
      reason: 'acknowledged',
    });
    expect(evaluateTimer(timer(critical(), 'resolution-breach'), acknowledged, policy, at(240))).toMatchObject({ action: 'breach' });
  });

  test('a person who responded without acknowledging (a note, an assignment) meets the response clock as the KPIs count it', () => {
    const responded = critical({ respondedAt: iso(10) });
    expect(evaluateTimer(timer(critical(), 'response-breach'), responded, policy, at(30))).toMatchObject({
      action: 'nothing',
      reason: 'acknowledged',
    });
    expect(timersFor(responded, DEFAULT_SLA_POLICY, at(10)).map((t) => t.kind)).not.toContain('response-breach');
    expect(evaluateTimer(timer(critical(), 'response-breach'), critical(), policy, at(30))).toMatchObject({ action: 'breach' });
  });

  test('resolved or merged: nothing', () => {
    for (const change of [{ status: 'resolved' as const, resolvedAt: iso(20) }, { status: 'merged' as const }]) {
      expect(evaluateTimer(timer(critical(), 'resolution-breach'), critical(change), policy, at(240))).toMatchObject({
        action: 'nothing',
        reason: 'resolved',
      });
    }
  });

  test('paused across the deadline: nothing', () => {
    const decision = evaluateTimer(timer(critical(), 'response-breach'), critical({ clock: clock([20]) }), policy, at(30));
    expect(decision).toMatchObject({ action: 'nothing', reason: 'paused' });
  });

  test('a pause that began after the deadline does not excuse the breach', () => {
    const decision = evaluateTimer(timer(critical(), 'response-breach'), critical({ clock: clock([35]) }), policy, at(36));
    expect(decision).toMatchObject({ action: 'breach' });
  });

  test('after a resume the old timer is stale and names the new due time', () => {
    const old = timer(critical(), 'response-breach');
    const decision = evaluateTimer(old, critical({ clock: clock([20, 50]) }), policy, at(55));
    expect(decision).toMatchObject({
      action: 'nothing',
      reason: 'stale',
      reschedule: { kind: 'response-breach', dueAt: iso(60), at: iso(60) },
    });
  });

  test('a severity change makes the old timers stale', () => {
    const made = timer({ ...critical(), severity: 'high' }, 'response-breach');
    expect(made.dueAt).toBe(iso(120));
    const decision = evaluateTimer(made, critical(), policy, at(120));
    expect(decision).toMatchObject({ action: 'nothing', reason: 'stale', reschedule: { dueAt: iso(30), at: iso(120) } });
  });

  test('a policy change makes the old timers stale', () => {
    const stricter = slaPolicySchema.parse({ targets: { critical: { responseMinutes: 15, resolutionMinutes: 60 } } });
    expect(evaluateTimer(timer(critical(), 'response-breach'), critical(), stricter, at(30))).toMatchObject({ reason: 'stale' });
  });

  test('an early firing does nothing and says when to fire again', () => {
    const decision = evaluateTimer(timer(critical(), 'response-breach'), critical(), policy, at(29));
    expect(decision).toMatchObject({ action: 'nothing', reason: 'not-due', reschedule: { at: iso(30) } });
  });

  test('a warning that fires after its deadline leaves it to the breach', () => {
    const decision = evaluateTimer(timer(critical(), 'response-warning'), critical(), policy, at(31));
    expect(decision).toMatchObject({ action: 'nothing', reason: 'too-late' });
  });
});
