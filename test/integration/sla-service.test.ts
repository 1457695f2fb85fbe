import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { createServer, type Server } from 'node:http';
import { ulid } from 'ulid';
import { schedulerTimers, type TimerRequest, type Timers } from '../../lib/aws/scheduler';
import { correlateAlerts, type CorrelateDeps } from '../../lib/correlation/correlate';
import { changeIncidentStatus } from '../../lib/correlation/operator';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import type { CanonicalAlert, Severity } from '../../lib/domain/alert';
import { Inventory } from '../../lib/domain/asset';
import type { Incident } from '../../lib/domain/incident';
import { DETAIL_TYPES } from '../../lib/domain/events';
import { slaPolicySchema } from '../../lib/domain/sla/policy';
import {
  handleTimer,
  onIncidentChanged,
  pauseSla,
  resumeSla,
  sendSlaNotification,
  startSla,
  type SlaDeps,
  type SlaNotification,
  type SlaTimerEvent,
  type TimerOutcome,
} from '../../lib/sla/service';
import { storeAlerts } from '../../lib/store/alerts';
import { acknowledgeIncident, assignIncident } from '../../lib/store/incident-actions';
import { getIncidentDetail } from '../../lib/store/incidents';
import { putNotificationPreferences } from '../../lib/store/oncall';
import { escalationPolicies, getIncident, slaPolicies } from '../../lib/store/sla';
import type { TableRef } from '../../lib/store/table-ref';
import { createUser } from '../../lib/store/users';
import { SchedulerEmulator } from '../../local/aws/scheduler-emulator';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

/**
 * SLA clocks and escalation on DynamoDB Local with incidents made by the real correlation path. The
 * "live" tests run on the Scheduler emulator through the real adapter and SchedulerClient, at 1 / 1000
 * of real time (a 30-minute response SLA takes 1.8 s; the service reads the emulator's scaled clock);
 * the edge tests fire timers by hand on a clock they set.
 */
const MINUTE = 60_000;
const SCALE = 0.001;
const GROUP = 'aw-sla-timers';
const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:aw-local-slaTimer';
const TENANT = 'acme';

let table: TableRef;
let server: Server;
let client: SchedulerClient;
let emulator: SchedulerEmulator;
const notified: SlaNotification[] = [];
const fired: Array<{ event: SlaTimerEvent; outcome: TimerOutcome }> = [];

const recordingNotify = async (request: SlaNotification) => void notified.push(request);
/** Notifications already taken from committed events (what the sla function's event path sends). */
const relayed = new Set<string>();
/** The stream relay and the bus, for the notifications: each SlaWarning and IncidentEscalated is sent once. */
async function relayNotifications(): Promise<void> {
  const events = await committedEvents(
    table,
    (event) => event.detailType === DETAIL_TYPES.slaWarning || event.detailType === DETAIL_TYPES.incidentEscalated,
  );
  for (const event of events) {
    if (relayed.has(event.detail.eventId)) continue;
    relayed.add(event.detail.eventId);
    await sendSlaNotification({ notify: recordingNotify }, event.detail as Parameters<typeof sendSlaNotification>[1]);
  }
}

function liveDeps(): SlaDeps {
  return {
    table,
    now: () => emulator.now(),
    timers: schedulerTimers({
      groupName: GROUP,
      targetArn: TARGET,
      roleArn: 'arn:aws:iam::000000000000:role/scheduler',
      client,
      now: () => emulator.now(),
    }),
    notify: recordingNotify,
  };
}

function correlateDeps(now: () => Date): CorrelateDeps {
  return { table, now, inventory: { get: async () => new Inventory([]) }, policies: { get: async () => DEFAULT_POLICY } };
}

/** An incident opened by one alert, through correlation (an asset the inventory does not know: a scope of its own). */
async function openIncident(now: () => Date, severity: Severity = 'critical', tenantId = TENANT, correlationId?: string): Promise<string> {
  const at = now();
  const host = `host-${ulid().toLowerCase()}`;
  const alert: CanonicalAlert = {
    id: ulid(at.getTime()),
    tenantId,
    source: 'test',
    status: 'firing',
    severity,
    assetRef: host,
    assetId: null,
    signature: 'DatabaseDown',
    message: `DatabaseDown on ${host}`,
    labels: {},
    dedupKey: `test|${host}|${ulid()}`,
    occurredAt: at.toISOString(),
    receivedAt: at.toISOString(),
    deliveryId: ulid(),
    ...(correlationId ? { correlationId } : {}),
  };
  await storeAlerts(table, tenantId, [alert], at);
  const [result] = await correlateAlerts([alert], correlateDeps(now));
  if (result?.kind !== 'open') throw new Error(`no new incident: ${JSON.stringify(result)}`);
  return result.incidentId;
}

async function incident(incidentId: string, tenantId = TENANT): Promise<Incident> {
  return (await getIncident(table, tenantId, incidentId))!;
}

async function resolve(incidentId: string, now: () => Date, tenantId = TENANT): Promise<void> {
  const detail = (await getIncidentDetail(table, tenantId, incidentId))!;
  await changeIncidentStatus(correlateDeps(now), detail.incident, { kind: 'resolve', at: now(), actor: 'tech@msp.example', code: 'fixed' });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function notificationsOf(incidentId: string): Promise<SlaNotification[]> {
  await relayNotifications();
  return notified.filter((request) => request.incidentId === incidentId);
}
const eventsOf = (incidentId: string) => committedEvents(table, (event) => event.detail.incidentId === incidentId);
const pendingOf = (incidentId: string) => emulator.list(GROUP).filter((schedule) => schedule.name.includes(incidentId));

beforeAll(async () => {
  table = await createTestTable('sla');
  const createdAt = new Date().toISOString();
  const user = (id: string, name: string, role: 'technician' | 'company_admin' | 'msp_admin', tenantIds: string[]) =>
    createUser(table, { id, email: `${id}@msp.example`, name, role, tenantIds, skills: [], createdAt, passwordHash: 'x' });
  await user('usr_tech', 'Terry Tech', 'technician', [TENANT]);
  await user('usr_cadmin', 'Casey Admin', 'company_admin', [TENANT]);
  await user('usr_other_cadmin', 'Other Admin', 'company_admin', ['globex']);
  await user('usr_madmin', 'Morgan MSP', 'msp_admin', []);

  emulator = new SchedulerEmulator({
    invoke: async (_targetArn, input) => {
      const event = JSON.parse(input) as SlaTimerEvent;
      fired.push({ event, outcome: await handleTimer(liveDeps(), event) });
    },
    timeScale: SCALE,
  });
  emulator.createScheduleGroup(GROUP);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (await emulator.handle(req, res, Buffer.concat(chunks))) return;
        res.writeHead(400);
        res.end();
      })();
    });
  });
  const port = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
  client = new SchedulerClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  await emulator.stop();
  client.destroy();
  await new Promise<void>((done) => server.close(() => done()));
});

test('a critical incident left alone warns, breaches, then escalates level by level to the right people', async () => {
  const now = () => emulator.now();
  const incidentId = await openIncident(now, 'critical', TENANT, 'corr-sla');
  await assignIncident(table, TENANT, incidentId, { userId: 'usr_tech', name: 'Terry Tech' }, 'dispatcher', now());
  const started = await startSla(liveDeps(), TENANT, incidentId);
  const opened = Date.parse((await incident(incidentId)).openedAt);
  expect(started).toMatchObject({
    kind: 'started',
    responseDueAt: new Date(opened + 30 * MINUTE).toISOString(),
    resolutionDueAt: new Date(opened + 240 * MINUTE).toISOString(),
  });
  expect(pendingOf(incidentId)).toHaveLength(4);
  // A repeated IncidentOpened changes nothing.
  expect(await startSla(liveDeps(), TENANT, incidentId)).toMatchObject({ kind: 'skipped', reason: 'already started' });
  expect(pendingOf(incidentId)).toHaveLength(4);

  // Warning at 24 min, breach at 30 (level 1), level 2 after 15 more, level 3 after 30 more: about 4.5 s here.
  await waitFor(async () => (await notificationsOf(incidentId)).length === 4, 'four notifications');
  await emulator.idle();
  const sent = await notificationsOf(incidentId);
  expect(sent.map((request) => [request.kind, request.details.level, request.recipients])).toEqual([
    ['sla-warning', 1, { userIds: ['usr_tech'], roles: [] }],
    ['sla-breach', 1, { userIds: ['usr_tech'], roles: [] }],
    ['escalation', 2, { userIds: ['usr_cadmin'], roles: ['company_admin'] }],
    ['escalation', 3, { userIds: ['usr_madmin'], roles: ['msp_admin'] }],
  ]);
  expect(sent[0]!.details).toMatchObject({
    clock: 'response',
    deadline: new Date(opened + 30 * MINUTE).toISOString(),
    severity: 'critical',
  });
  expect(sent[1]!.details).toMatchObject({ clock: 'response', levelCount: 3 });
  // The timers' work carries the correlation id of the alert that opened the incident (stored on it).
  expect(sent.map((request) => request.details.correlationId)).toEqual(['corr-sla', 'corr-sla', 'corr-sla', 'corr-sla']);
  for (const type of ['SlaWarning', 'SlaBreached', 'IncidentEscalated'])
    expect((await eventsOf(incidentId)).filter((event) => event.detailType === type)).toEqual(
      expect.arrayContaining([expect.objectContaining({ detail: expect.objectContaining({ correlationId: 'corr-sla' }) })]),
    );
  expect(sent[3]!.details.reason).toMatch(/not acknowledged within 30 min at level 2: level 3 notified/);
  // Nothing fired early, and the warning fired before its deadline.
  const outcomes = fired.filter((call) => call.event.incidentId === incidentId).map((call) => call.outcome);
  expect(outcomes.map((outcome) => outcome.action)).toEqual(['warned', 'breached', 'escalated', 'escalated']);
  for (const outcome of outcomes) expect(outcome.lagMs).toBeGreaterThanOrEqual(0);

  expect((await eventsOf(incidentId)).map((event) => [event.detailType, 'level' in event.detail ? event.detail.level : undefined])).toEqual(
    expect.arrayContaining([
      ['SlaWarning', undefined],
      ['SlaBreached', undefined],
      ['IncidentEscalated', 1],
      ['IncidentEscalated', 2],
      ['IncidentEscalated', 3],
    ]),
  );
  const after = await incident(incidentId);
  expect(after.sla).toMatchObject({
    handled: ['response-warning', 'response-breach'],
    breachedAt: { response: expect.any(String) },
    warnedAt: { response: expect.any(String) },
  });
  expect(Object.keys(after.sla!.timers).sort()).toEqual(['resolution-breach', 'resolution-warning']);
  expect(after.escalation).toMatchObject({ level: 2, status: 'active', timer: null, breaches: ['response-breach'] });
  const timeline = (await getIncidentDetail(table, TENANT, incidentId))!.timeline.map((entry) => entry.type);
  expect(timeline.filter((type) => type.startsWith('sla-') || type === 'incident-escalated')).toEqual([
    'sla-warning',
    'sla-breached',
    'incident-escalated',
    'incident-escalated',
    'incident-escalated',
  ]);

  // Resolving deletes every timer left.
  await resolve(incidentId, now);
  const changed = await onIncidentChanged(liveDeps(), TENANT, incidentId);
  expect(changed).toMatchObject({ kind: 'updated', escalation: 'incident resolved: escalation ended' });
  expect(pendingOf(incidentId)).toEqual([]);
  expect((await incident(incidentId)).escalation?.status).toBe('resolved');
}, 20_000);

test('acknowledging before the deadline deletes the response timers: no warning, no breach, no escalation', async () => {
  const now = () => emulator.now();
  const incidentId = await openIncident(now);
  await startSla(liveDeps(), TENANT, incidentId);
  const responseTimers = pendingOf(incidentId).filter((schedule) => schedule.name.startsWith('sla-response-'));
  expect(responseTimers).toHaveLength(2);
  await acknowledgeIncident(table, TENANT, incidentId, 'tech@msp.example', now());
  const changed = await onIncidentChanged(liveDeps(), TENANT, incidentId);
  expect(changed).toMatchObject({ kind: 'updated', created: [] });
  expect((changed as { deleted: string[] }).deleted.sort()).toEqual(responseTimers.map((schedule) => schedule.name).sort());
  expect(
    pendingOf(incidentId)
      .map((schedule) => schedule.name.split('-').slice(0, 3).join('-'))
      .sort(),
  ).toEqual(['sla-resolution-breach', 'sla-resolution-warning']);
  expect(await onIncidentChanged(liveDeps(), TENANT, incidentId)).toMatchObject({ kind: 'unchanged' });
  await sleep(2_500); // past the 30-minute response deadline (1.8 s here)
  await emulator.idle();
  expect(await notificationsOf(incidentId)).toEqual([]);
  expect(fired.filter((call) => call.event.incidentId === incidentId)).toEqual([]);
}, 20_000);

test('acknowledging during the escalation stops it and deletes its pending timer', async () => {
  const now = () => emulator.now();
  const incidentId = await openIncident(now);
  await assignIncident(table, TENANT, incidentId, { userId: 'usr_tech', name: 'Terry Tech' }, 'dispatcher', now());
  await startSla(liveDeps(), TENANT, incidentId);
  await waitFor(async () => (await notificationsOf(incidentId)).some((request) => request.kind === 'sla-breach'), 'the breach');
  await emulator.idle();
  const escalating = await incident(incidentId);
  expect(escalating.escalation).toMatchObject({ level: 0, status: 'active', timer: { level: 0 } });
  const pending = escalating.escalation!.timer!.name;
  expect(pendingOf(incidentId).map((schedule) => schedule.name)).toContain(pending);

  await acknowledgeIncident(table, TENANT, incidentId, 'tech@msp.example', now());
  const changed = await onIncidentChanged(liveDeps(), TENANT, incidentId);
  expect(changed).toMatchObject({
    kind: 'updated',
    deleted: [pending],
    escalation: 'acknowledged by tech@msp.example at level 1: escalation stopped',
  });
  expect(pendingOf(incidentId).map((schedule) => schedule.name)).not.toContain(pending);
  await sleep(1_500); // level 2 was due 15 minutes (0.9 s here) after the breach
  await emulator.idle();
  expect((await notificationsOf(incidentId)).map((request) => request.kind)).toEqual(['sla-warning', 'sla-breach']);
  expect((await incident(incidentId)).escalation).toMatchObject({ level: 0, status: 'acknowledged', timer: null });
}, 20_000);

test('resolving deletes every timer and ends the escalation', async () => {
  const now = () => emulator.now();
  const incidentId = await openIncident(now, 'high');
  await startSla(liveDeps(), TENANT, incidentId);
  expect(pendingOf(incidentId)).toHaveLength(4);
  await resolve(incidentId, now);
  const changed = await onIncidentChanged(liveDeps(), TENANT, incidentId);
  expect((changed as { deleted: string[] }).deleted).toHaveLength(4);
  expect(pendingOf(incidentId)).toEqual([]);
  expect((await incident(incidentId)).sla!.timers).toEqual({});
  // An incident resolved before its SLA starts gets none.
  const quick = await openIncident(now, 'low');
  await resolve(quick, now);
  expect(await startSla(liveDeps(), TENANT, quick)).toEqual({ kind: 'skipped', reason: 'the incident is resolved' });
});

// ---------------------------------------------------------------------------------------------------
// Edges, on a clock the test sets and timers it fires by hand.

interface Manual {
  deps: SlaDeps;
  created: TimerRequest[];
  deleted: string[];
  setClock(at: number): void;
}

function manual(start: number): Manual {
  let clock = start;
  const created: TimerRequest[] = [];
  const deleted: string[] = [];
  const timers: Timers = {
    create: async (timer) => void created.push(timer),
    delete: async (name) => void deleted.push(name),
  };
  return {
    deps: { table, now: () => new Date(clock), timers, notify: recordingNotify },
    created,
    deleted,
    setClock: (at) => (clock = at),
  };
}

const payload = (timers: TimerRequest[], prefix: string) => timers.find((timer) => timer.name.startsWith(prefix))!.payload as SlaTimerEvent;

test('a timer firing twice, late or early does nothing the second time (or re-arms itself)', async () => {
  const t0 = Date.parse('2026-11-24T10:00:00.000Z');
  const { deps, created, setClock } = manual(t0);
  const incidentId = await openIncident(deps.now);
  await assignIncident(table, TENANT, incidentId, { userId: 'usr_tech', name: 'Terry Tech' }, 'dispatcher', deps.now());
  await startSla(deps, TENANT, incidentId);
  const warning = payload(created, 'sla-response-warning');
  const breach = payload(created, 'sla-response-breach');

  // Early: nothing, and the warning waits again under a fresh name.
  setClock(t0 + 10 * MINUTE);
  const early = await handleTimer(deps, warning);
  expect(early).toMatchObject({ action: 'nothing', reason: 'not-due', rearmed: expect.stringMatching(/^sla-response-warning-/) });
  expect((early as { rearmed: string }).rearmed).not.toBe((warning as { name: string }).name);
  expect(created.at(-1)!.name).toBe((early as { rearmed: string }).rearmed);

  setClock(t0 + 24 * MINUTE + 5_000);
  expect(await handleTimer(deps, warning)).toMatchObject({ action: 'warned', notified: ['usr_tech'], lagMs: 5_000 });
  expect(await handleTimer(deps, warning)).toMatchObject({ action: 'nothing', reason: 'already-warned' });

  setClock(t0 + 31 * MINUTE);
  expect(await handleTimer(deps, breach)).toMatchObject({ action: 'breached', clock: 'response', level: 1, notified: ['usr_tech'] });
  expect(await handleTimer(deps, breach)).toMatchObject({ action: 'nothing', reason: 'already-escalated' });
  const escalationTimer = created.at(-1)!;
  expect(escalationTimer.payload).toMatchObject({ type: 'escalation', level: 0 });
  expect(escalationTimer.at.toISOString()).toBe(new Date(t0 + 46 * MINUTE).toISOString());

  setClock(t0 + 47 * MINUTE);
  expect(await handleTimer(deps, escalationTimer.payload)).toMatchObject({ action: 'escalated', level: 2, notified: ['usr_cadmin'] });
  expect(await handleTimer(deps, escalationTimer.payload)).toMatchObject({ action: 'nothing', reason: 'stale' });
  expect((await notificationsOf(incidentId)).map((request) => request.kind)).toEqual(['sla-warning', 'sla-breach', 'escalation']);

  // Late: a warning for a deadline already gone is left to the breach.
  const late = await openIncident(deps.now);
  const before = created.length;
  await startSla(deps, TENANT, late);
  const lateWarning = payload(created.slice(before), 'sla-response-warning');
  setClock(t0 + 47 * MINUTE + 31 * MINUTE);
  expect(await handleTimer(deps, lateWarning)).toMatchObject({ action: 'nothing', reason: 'too-late' });
  expect(await notificationsOf(late)).toEqual([]);
  // A timer for an incident that does not exist, or a malformed event.
  expect(await handleTimer(deps, { ...lateWarning, incidentId: ulid() })).toMatchObject({ action: 'nothing', reason: 'no-incident' });
  await expect(handleTimer(deps, { type: 'sla', incidentId: 'x' })).rejects.toThrow();
});

test('pausing the clock deletes the timers; resuming moves the deadlines by the pause and arms them again', async () => {
  const t0 = Date.parse('2026-11-25T10:00:00.000Z');
  const { deps, created, deleted, setClock } = manual(t0);
  const incidentId = await openIncident(deps.now, 'high');
  await startSla(deps, TENANT, incidentId);
  const first = created.map((timer) => timer.name);
  expect(first).toHaveLength(4);

  setClock(t0 + 30 * MINUTE);
  expect(await pauseSla(deps, TENANT, incidentId, { actor: 'tech@msp.example', reason: 'waiting on the client' })).toMatchObject({
    changed: true,
    responseDueAt: null,
    resolutionDueAt: null,
  });
  expect(deleted.sort()).toEqual([...first].sort());
  expect((await incident(incidentId)).sla!.timers).toEqual({});
  // Pausing is a person's response to the incident (docs/kpis.md): recorded once, never moved later.
  expect(await incident(incidentId)).toMatchObject({
    respondedAt: new Date(t0 + 30 * MINUTE).toISOString(),
    respondedBy: 'tech@msp.example',
  });
  expect(await pauseSla(deps, TENANT, incidentId, { actor: 'tech@msp.example' })).toEqual({
    changed: false,
    reason: 'the clock is already in that state',
  });

  setClock(t0 + 90 * MINUTE);
  const resumed = await resumeSla(deps, TENANT, incidentId, { actor: 'tech@msp.example' });
  // High: 2 h to respond, 8 h to resolve, plus the hour paused.
  expect(resumed).toEqual({
    changed: true,
    responseDueAt: new Date(t0 + 180 * MINUTE).toISOString(),
    resolutionDueAt: new Date(t0 + 540 * MINUTE).toISOString(),
  });
  // The person who paused it has responded: only the resolution clock's warning and breach are armed again.
  const again = created.slice(4);
  expect(again.map((timer) => (timer.payload as { timer: { kind: string } }).timer.kind).sort()).toEqual([
    'resolution-breach',
    'resolution-warning',
  ]);
  expect(again.every((timer) => !first.includes(timer.name))).toBe(true);
  const timeline = (await getIncidentDetail(table, TENANT, incidentId))!.timeline;
  expect(timeline.filter((entry) => entry.type === 'sla-paused' || entry.type === 'sla-resumed').map((entry) => entry.reason)).toEqual([
    'SLA clock paused by tech@msp.example: waiting on the client',
    `SLA clock resumed by tech@msp.example; resolution due ${new Date(t0 + 540 * MINUTE).toISOString()}`,
  ]);
  expect(
    (await eventsOf(incidentId)).some((event) => event.detailType === 'IncidentUpdated' && event.detail.decision === 'sla-paused'),
  ).toBe(true);
});

test('a level that names nobody is passed over at once; policies are stored as given and version-checked', async () => {
  const tenantId = 'globex';
  const t0 = Date.parse('2026-11-26T10:00:00.000Z');
  const { deps, created, setClock } = manual(t0);
  const sla = slaPolicySchema.parse({ targets: { critical: { responseMinutes: 10, resolutionMinutes: 60 } } });
  expect(await slaPolicies.put(table, tenantId, sla, 'admin@msp.example', new Date(t0), 0)).toBe(true);
  expect(await slaPolicies.put(table, tenantId, sla, 'admin@msp.example', new Date(t0), 0)).toBe(false);
  expect((await slaPolicies.get(table, tenantId)).version).toBe(1);
  const chain = {
    id: 'night',
    name: 'Night chain',
    levels: [
      { targets: [{ kind: 'assignee' as const }, { kind: 'on-call' as const }], delayMinutes: 5 },
      { targets: [{ kind: 'role' as const, role: 'company_admin' as const }], delayMinutes: 5 },
      { targets: [{ kind: 'user' as const, userId: 'usr_madmin' }], delayMinutes: 5 },
    ],
  };
  expect(await escalationPolicies.put(table, tenantId, chain, 'admin@msp.example', new Date(t0), 0)).toBe(true);
  expect((await escalationPolicies.get(table, tenantId)).policy).toEqual(chain);

  // Nobody assigned and nobody on call: level 1 names nobody, so level 2 (Globex's company admin) is told at once.
  const incidentId = await openIncident(deps.now, 'critical', tenantId);
  expect(await startSla(deps, tenantId, incidentId)).toMatchObject({ responseDueAt: new Date(t0 + 10 * MINUTE).toISOString() });
  setClock(t0 + 10 * MINUTE);
  const breach = await handleTimer(deps, payload(created, 'sla-response-breach'));
  expect(breach).toMatchObject({ action: 'breached', level: 2, notified: ['usr_other_cadmin'] });
  const sent = (await notificationsOf(incidentId)).at(-1)!;
  expect(sent).toMatchObject({ kind: 'sla-breach', recipients: { userIds: ['usr_other_cadmin'], roles: ['company_admin'] } });
  expect(sent.details.reason).toMatch(/level 1 named nobody \(nobody is assigned, nobody is on call\)/);
  expect((await incident(incidentId, tenantId)).escalation).toMatchObject({ policyId: 'night', level: 1, timer: { level: 1 } });
});

test('business hours: the one-time schedules of an incident opened on Friday afternoon land on the next working morning, in the calendar zone', async () => {
  const tenantId = 'initech';
  // Friday 5 February 2027, 16:00 in Berlin (15:00 UTC); Monday the 8th is a holiday of this client.
  const t0 = Date.parse('2027-02-05T15:00:00.000Z');
  const sla = slaPolicySchema.parse({
    calendar: { timeZone: 'Europe/Berlin', holidays: [{ date: '2027-02-08', name: 'Client holiday' }] },
    targets: { high: { responseMinutes: 240, resolutionMinutes: 480, coverage: 'business-hours' } },
  });
  expect(await slaPolicies.put(table, tenantId, sla, 'admin@msp.example', new Date(t0), 0)).toBe(true);
  const now = () => new Date(t0);
  const deps: SlaDeps = {
    ...liveDeps(),
    now,
    timers: schedulerTimers({ groupName: GROUP, targetArn: TARGET, roleArn: 'arn:aws:iam::000000000000:role/scheduler', client, now }),
  };
  const incidentId = await openIncident(now, 'high', tenantId);
  await startSla(deps, tenantId, incidentId);

  // Two business hours on Friday, none on the weekend or the holiday, two on Tuesday from 08:00 CET (07:00 UTC).
  const stored = (await incident(incidentId, tenantId)).sla!;
  expect(stored).toMatchObject({ coverage: 'business-hours', responseMinutes: 240, resolutionMinutes: 480 });
  expect(stored.responseDueAt).toBe('2027-02-09T09:00:00.000Z');
  expect(stored.resolutionDueAt).toBe('2027-02-09T13:00:00.000Z');
  const due = Object.fromEntries(pendingOf(incidentId).map((schedule) => [schedule.name.split(`-${incidentId}`)[0], schedule.dueAt]));
  expect(due).toEqual({
    'sla-response-warning': '2027-02-09T08:30:00.000Z',
    'sla-response-breach': '2027-02-09T09:00:00.000Z',
    'sla-resolution-warning': '2027-02-09T12:30:00.000Z',
    'sla-resolution-breach': '2027-02-09T13:00:00.000Z',
  });
  await resolve(incidentId, now, tenantId);
  await onIncidentChanged(deps, tenantId, incidentId);
  expect(pendingOf(incidentId)).toEqual([]);
});

test('a level that reaches only people at work tells those whose own working hours cover the moment, and is passed over when nobody is at work; a client viewer is never paged', async () => {
  const tenantId = 'hooli';
  const createdAt = new Date().toISOString();
  const user = (id: string, role: 'technician' | 'company_admin' | 'client_viewer') =>
    createUser(table, { id, email: `${id}@msp.example`, name: id, role, tenantIds: [tenantId], skills: [], createdAt, passwordHash: 'x' });
  await Promise.all([
    user('usr_weekday', 'technician'),
    user('usr_weekend', 'technician'),
    user('usr_hooli_admin', 'company_admin'),
    // Named in the chain while a technician, a client's viewer now (no working hours: always "at work").
    user('usr_hooli_client', 'client_viewer'),
  ]);
  const office = [{ from: '09:00', to: '17:00' }];
  const days = { from: '08:00', to: '20:00' };
  // Berlin office hours on weekdays; a New York technician who works weekends from 08:00 to 20:00 his time.
  await putNotificationPreferences(
    table,
    'usr_weekday',
    { timeZone: 'Europe/Berlin', workingHours: { mon: office, tue: office, wed: office, thu: office, fri: office } },
    new Date(),
  );
  await putNotificationPreferences(
    table,
    'usr_weekend',
    { timeZone: 'America/New_York', workingHours: { sat: [days], sun: [days] } },
    new Date(),
  );
  const chain = {
    id: 'follow-the-sun',
    name: 'Follow the sun',
    levels: [
      {
        targets: [
          { kind: 'user' as const, userId: 'usr_weekday' },
          { kind: 'user' as const, userId: 'usr_weekend' },
          { kind: 'user' as const, userId: 'usr_hooli_client' },
        ],
        delayMinutes: 5,
        onlyAtWork: true,
      },
      { targets: [{ kind: 'role' as const, role: 'company_admin' as const }], delayMinutes: 5 },
    ],
  };
  expect(await escalationPolicies.put(table, tenantId, chain, 'admin@msp.example', new Date(), 0)).toBe(true);

  const breachAt = async (t0: number) => {
    const { deps, created, setClock } = manual(t0);
    const incidentId = await openIncident(deps.now, 'critical', tenantId);
    await startSla(deps, tenantId, incidentId);
    setClock(t0 + 31 * MINUTE);
    return { incidentId, outcome: await handleTimer(deps, payload(created, 'sla-response-breach')) };
  };
  // Saturday 28 November 2026, 16:00 UTC: 11:00 in New York (at work), 17:00 in Berlin (day off).
  const saturday = await breachAt(Date.parse('2026-11-28T15:29:00.000Z'));
  expect(saturday.outcome).toMatchObject({ action: 'breached', level: 1, notified: ['usr_weekend'] });
  // Wednesday 25 November 2026, 10:00 UTC: 11:00 in Berlin (at work), 05:00 on a weekday in New York.
  const wednesday = await breachAt(Date.parse('2026-11-25T09:29:00.000Z'));
  expect(wednesday.outcome).toMatchObject({ action: 'breached', level: 1, notified: ['usr_weekday'] });
  // Sunday 29 November 2026, 03:00 UTC: nobody at work, so level 2 is told at once.
  const night = await breachAt(Date.parse('2026-11-29T02:29:00.000Z'));
  expect(night.outcome).toMatchObject({ action: 'breached', level: 2, notified: ['usr_hooli_admin'] });
  const sent = (await notificationsOf(night.incidentId)).at(-1)!;
  expect(sent.details.reason).toMatch(/level 1 named nobody \(2 outside their working hours\)/);
});
