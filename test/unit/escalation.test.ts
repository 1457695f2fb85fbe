// Escalation chains: a breach or an unacknowledged period moves one level, acknowledging
// stops it, resolving ends it; every event is idempotent.
import {
  DEFAULT_ESCALATION_POLICY,
  escalationPolicySchema,
  escalationStateSchema,
  escalationTimerName,
  nextEscalation,
  resolveTargets,
  startEscalation,
  type EscalationEvent,
  type EscalationState,
} from '../../lib/domain/escalation/policy';

const T0 = '2026-03-02T10:00:00.000Z';
const iso = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const policy = escalationPolicySchema.parse({
  id: 'p1',
  levels: [
    { targets: [{ kind: 'assignee' }], delayMinutes: 15 },
    { targets: [{ kind: 'role', role: 'company_admin' }], delayMinutes: 30 },
    { targets: [{ kind: 'role', role: 'msp_admin' }], delayMinutes: 60 },
  ],
});
const started = () => startEscalation('inc-1', policy, T0).state;
const apply = (state: EscalationState, ...events: EscalationEvent[]) =>
  events.reduce((current, event) => nextEscalation(current, event, policy).state, state);

describe('escalation policy schema', () => {
  test('the default chain: assignee or on-call, company admins, MSP admins', () => {
    expect(DEFAULT_ESCALATION_POLICY.levels.map((level) => level.targets.map((target) => target.kind))).toEqual([
      ['assignee', 'on-call'],
      ['role'],
      ['role'],
    ]);
    expect(DEFAULT_ESCALATION_POLICY.levels.map((level) => level.delayMinutes)).toEqual([15, 30, 60]);
  });

  test.each([
    [{ levels: [] }, 'no levels'],
    [{ levels: [{ targets: [], delayMinutes: 5 }] }, 'a level without targets'],
    [{ levels: [{ targets: [{ kind: 'role', role: 'technician' }], delayMinutes: 5 }] }, 'a role that does not escalate'],
    [{ levels: [{ targets: [{ kind: 'user' }], delayMinutes: 5 }] }, 'a user target without a user'],
    [{ levels: [{ targets: [{ kind: 'assignee' }], delayMinutes: 0 }] }, 'a zero delay'],
  ])('rejects %j (%s)', (input, _why) => {
    expect(escalationPolicySchema.safeParse(input).success).toBe(false);
  });
});

describe('startEscalation', () => {
  test('notifies level 1 and arms its timer', () => {
    const step = startEscalation('inc-1', policy, T0);
    expect(step.notify).toEqual({
      level: 0,
      targets: [{ kind: 'assignee' }],
      as: 'escalation',
      reason: 'incident opened: level 1 notified',
    });
    expect(step.timer).toEqual({ level: 0, at: iso(15), name: 'esc-0-inc-1' });
    expect(step.state).toMatchObject({ level: 0, status: 'active', breaches: [], timer: step.timer });
    expect(escalationStateSchema.safeParse(step.state).success).toBe(true);
  });

  test('a one-level policy arms no timer', () => {
    const single = escalationPolicySchema.parse({ levels: [{ targets: [{ kind: 'user', userId: 'u1' }], delayMinutes: 10 }] });
    expect(startEscalation('inc-1', single, T0).timer).toBeNull();
  });
});

describe('nextEscalation', () => {
  test('an unacknowledged period moves one level and arms the next timer', () => {
    const step = nextEscalation(started(), { type: 'unacknowledged-timeout', level: 0, at: iso(15) }, policy);
    expect(step.changed).toBe(true);
    expect(step.notify).toMatchObject({ level: 1, targets: [{ kind: 'role', role: 'company_admin' }], as: 'escalation' });
    expect(step.notify?.reason).toBe('not acknowledged within 15 min at level 1: level 2 notified');
    expect(step.timer).toEqual({ level: 1, at: iso(45), name: 'esc-1-inc-1' });
    expect(step.state.level).toBe(1);
  });

  test('the same timeout twice moves only once (the second is stale)', () => {
    const once = apply(started(), { type: 'unacknowledged-timeout', level: 0, at: iso(15) });
    const again = nextEscalation(once, { type: 'unacknowledged-timeout', level: 0, at: iso(16) }, policy);
    expect(again).toMatchObject({ changed: false, notify: null, timer: null });
    expect(again.state).toBe(once);
    expect(again.reason).toBe('stale timer for level 1; the chain is at level 2');
  });

  test('the last level arms no timer; its timeout exhausts the chain without notifying', () => {
    const top = apply(started(), { type: 'unacknowledged-timeout', level: 0, at: iso(15) });
    const step = nextEscalation(top, { type: 'unacknowledged-timeout', level: 1, at: iso(45) }, policy);
    expect(step.notify?.targets).toEqual([{ kind: 'role', role: 'msp_admin' }]);
    expect(step.timer).toBeNull();
    const exhausted = nextEscalation(step.state, { type: 'unacknowledged-timeout', level: 2, at: iso(200) }, policy);
    expect(exhausted).toMatchObject({ changed: true, notify: null, timer: null });
    expect(exhausted.state.status).toBe('exhausted');
  });

  test('a breach moves one level at once, replacing the pending timer', () => {
    const state = started();
    const step = nextEscalation(state, { type: 'breach', kind: 'response-breach', at: iso(10) }, policy);
    expect(step.notify).toMatchObject({ level: 1, as: 'escalation', reason: 'response SLA breached: level 2 notified' });
    expect(step.cancelTimer).toEqual(state.timer);
    expect(step.timer).toEqual({ level: 1, at: iso(40), name: 'esc-1-inc-1' });
    expect(step.state.breaches).toEqual(['response-breach']);
  });

  test('the same breach twice escalates once; the level-1 timer firing after it is stale', () => {
    const once = apply(started(), { type: 'breach', kind: 'response-breach', at: iso(10) });
    expect(nextEscalation(once, { type: 'breach', kind: 'response-breach', at: iso(11) }, policy)).toMatchObject({
      changed: false,
      reason: 'response-breach already escalated',
    });
    expect(nextEscalation(once, { type: 'unacknowledged-timeout', level: 0, at: iso(15) }, policy).changed).toBe(false);
  });

  test('acknowledging stops the chain and cancels the pending timer; twice changes nothing', () => {
    const state = apply(started(), { type: 'unacknowledged-timeout', level: 0, at: iso(15) });
    const step = nextEscalation(state, { type: 'acknowledged', at: iso(20), by: 'anna@msp.example' }, policy);
    expect(step).toMatchObject({ changed: true, notify: null, timer: null, cancelTimer: state.timer });
    expect(step.state).toMatchObject({ status: 'acknowledged', timer: null, level: 1 });
    expect(step.reason).toBe('acknowledged by anna@msp.example at level 2: escalation stopped');
    expect(nextEscalation(step.state, { type: 'acknowledged', at: iso(21) }, policy).changed).toBe(false);
  });

  test('after acknowledgement, timeouts and the response breach do nothing', () => {
    const acknowledged = apply(started(), { type: 'acknowledged', at: iso(5) });
    expect(nextEscalation(acknowledged, { type: 'unacknowledged-timeout', level: 0, at: iso(15) }, policy).changed).toBe(false);
    expect(nextEscalation(acknowledged, { type: 'breach', kind: 'response-breach', at: iso(30) }, policy).changed).toBe(false);
  });

  test('a resolution breach still escalates an acknowledged incident, without a new timer', () => {
    const acknowledged = apply(started(), { type: 'acknowledged', at: iso(5) });
    const step = nextEscalation(acknowledged, { type: 'breach', kind: 'resolution-breach', at: iso(240) }, policy);
    expect(step.notify).toMatchObject({ level: 1, reason: 'resolution SLA breached: level 2 notified' });
    expect(step.timer).toBeNull();
    expect(step.state.status).toBe('acknowledged');
  });

  test('a breach at the last level tells the last level, and stays there', () => {
    const top = apply(
      started(),
      { type: 'unacknowledged-timeout', level: 0, at: iso(15) },
      { type: 'unacknowledged-timeout', level: 1, at: iso(45) },
    );
    const step = nextEscalation(top, { type: 'breach', kind: 'resolution-breach', at: iso(240) }, policy);
    expect(step.notify).toMatchObject({ level: 2, as: 'sla-breach', targets: [{ kind: 'role', role: 'msp_admin' }] });
    expect(step.state.level).toBe(2);
  });

  test('resolving ends everything; later events do nothing', () => {
    const state = started();
    const step = nextEscalation(state, { type: 'resolved', at: iso(7) }, policy);
    expect(step).toMatchObject({ changed: true, cancelTimer: state.timer, timer: null });
    expect(step.state.status).toBe('resolved');
    for (const event of [
      { type: 'resolved', at: iso(8) },
      { type: 'acknowledged', at: iso(8) },
      { type: 'breach', kind: 'resolution-breach', at: iso(240) },
      { type: 'unacknowledged-timeout', level: 0, at: iso(15) },
    ] as EscalationEvent[]) {
      expect(nextEscalation(step.state, event, policy).changed).toBe(false);
    }
  });

  test('the history records each change', () => {
    const state = apply(started(), { type: 'breach', kind: 'response-breach', at: iso(10) }, { type: 'acknowledged', at: iso(12) });
    expect(state.history.map((entry) => [entry.event, entry.level])).toEqual([
      ['start', 0],
      ['response-breach', 1],
      ['acknowledged', 1],
    ]);
  });
});

describe('an escalation requested by a person', () => {
  test('moves the chain one level now, notifies it and replaces the pending timer', () => {
    const state = started();
    const step = nextEscalation(state, { type: 'requested', at: iso(3), by: 'ann@msp.example' }, policy);
    expect(step.changed).toBe(true);
    expect(step.state).toMatchObject({ level: 1, status: 'active', timer: { level: 1, at: iso(33) } });
    expect(step.notify).toMatchObject({ level: 1, as: 'escalation', targets: [{ kind: 'role', role: 'company_admin' }] });
    expect(step.cancelTimer).toEqual(state.timer);
    expect(step.reason).toBe('escalated by ann@msp.example at level 1: level 2 notified');
    expect(step.state.history.at(-1)).toMatchObject({ event: 'requested', level: 1 });
  });

  test('an acknowledged incident tells the next level and waits on nobody', () => {
    const acknowledged = apply(started(), { type: 'acknowledged', at: iso(2), by: 'ann' });
    const step = nextEscalation(acknowledged, { type: 'requested', at: iso(3), by: 'ann' }, policy);
    expect(step.state).toMatchObject({ level: 1, status: 'acknowledged', timer: null });
    expect(step.notify?.level).toBe(1);
  });

  test('the last level stays where it is; a resolved chain does not move', () => {
    const last = apply(started(), { type: 'requested', at: iso(1), by: 'a' }, { type: 'requested', at: iso(2), by: 'b' });
    expect(last.level).toBe(2);
    expect(last.timer).toBeNull();
    const step = nextEscalation(last, { type: 'requested', at: iso(3), by: 'c' }, policy);
    expect(step).toMatchObject({ changed: false, notify: null, reason: 'already at level 3, the last level' });
    const resolved = apply(started(), { type: 'resolved', at: iso(1) });
    expect(nextEscalation(resolved, { type: 'requested', at: iso(2), by: 'a' }, policy).changed).toBe(false);
  });
});

describe('resolveTargets', () => {
  const directory = {
    assigneeId: 'tech-1',
    onCall: (scheduleId: string | undefined) => (scheduleId === 'nights' ? 'tech-9' : 'tech-1'),
    usersWithRole: (role: 'company_admin' | 'msp_admin') => (role === 'company_admin' ? ['ca-1', 'ca-2'] : []),
  };

  test('users of every target, without duplicates', () => {
    const result = resolveTargets(
      [
        { kind: 'assignee' },
        { kind: 'on-call' },
        { kind: 'on-call', scheduleId: 'nights' },
        { kind: 'role', role: 'company_admin' },
        { kind: 'user', userId: 'ca-1' },
      ],
      directory,
    );
    expect(result).toEqual({ userIds: ['tech-1', 'tech-9', 'ca-1', 'ca-2'], unresolved: [] });
  });

  test('targets naming nobody are reported', () => {
    const result = resolveTargets([{ kind: 'assignee' }, { kind: 'role', role: 'msp_admin' }], { ...directory, assigneeId: null });
    expect(result).toEqual({ userIds: [], unresolved: ['nobody is assigned', 'no msp_admin'] });
  });
});

test('timer names are scheduler-safe and at most 64 characters', () => {
  const name = escalationTimerName(`tenant#${'x'.repeat(80)}`, 3);
  expect(name.length).toBeLessThanOrEqual(64);
  expect(name).toMatch(/^esc-3-tenant_x+$/);
});
