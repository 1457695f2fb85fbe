import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ulid } from 'ulid';
import { schedulerTimers } from '../../lib/aws/scheduler';
import { correlateAlerts, type CorrelateDeps } from '../../lib/correlation/correlate';
import { changeIncidentStatus } from '../../lib/correlation/operator';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { assetSchema, Inventory } from '../../lib/domain/asset';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import { DETAIL_TYPES, type DomainEvent } from '../../lib/domain/events';
import type { MaintenanceDeps } from '../../lib/maintenance/holds';
import { OVERDUE_HOLD_MS } from '../../lib/maintenance/holds';
import { createWindow, endWindow, handleMaintenanceTimer, silenceIncident } from '../../lib/maintenance/windows';
import { repairIncidents } from '../../lib/repair/sweep';
import { writeIncidentHold } from '../../lib/store/maintenance';
import { missingParts } from '../../lib/repair/sweep';
import { handleSlaEvent } from '../../lib/sla/events';
import { handleTimer, type SlaDeps, type SlaTimerEvent } from '../../lib/sla/service';
import { storeAlerts } from '../../lib/store/alerts';
import { getIncidentDetail } from '../../lib/store/incidents';
import { getWindow } from '../../lib/store/maintenance';
import { getIncident } from '../../lib/store/sla';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { SchedulerEmulator } from '../../local/aws/scheduler-emulator';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';
import { until } from '../helpers/until';

/**
 * The maintenance service with its timers in the local Scheduler emulator at 1/1000 of real time (an
 * hour takes 3.6 s), DynamoDB Local, and the sla function's event path fed with every committed event
 * (as the stream relay and the bus would). Each occurrence starts and ends once, a recurring window
 * schedules its next occurrence, an alert from outside lifts a hold, a silence ends when its incident
 * resolves, and a window that keeps the clocks running holds its warnings and breaches until its end.
 */
const SCALE = 0.001;
const GROUP = 'aw-maintenance-test';
const TENANT = 'acme-maint';
const MINUTE = 60_000;

let table: TableRef;
let emulator: SchedulerEmulator;
let schedulerServer: Server;
let client: SchedulerClient;
const delivered = new Set<string>();

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  });
}

function deps(): SlaDeps & MaintenanceDeps {
  const now = () => emulator.now();
  return {
    table,
    now,
    timers: schedulerTimers({
      groupName: GROUP,
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:aw-local-sla',
      roleArn: 'arn:aws:iam::000000000000:role/scheduler',
      client,
      now,
    }),
    // Nobody to page in this tenant: notifications are the e2e's and the notifier tests' business.
    notify: async () => undefined,
  };
}

const notifier = () => ({ deliver: { table, emailSender: 'alerts@msp.example' }, dashboardUrl: 'http://localhost:3000' });

/** What the relay and the bus would do: every committed event not handed on yet goes to the sla function's event path. */
async function deliverCommittedEvents(): Promise<void> {
  for (const event of await committedEvents(table)) {
    if (delivered.has(event.detail.eventId)) continue;
    delivered.add(event.detail.eventId);
    await handleSlaEvent(deps(), notifier(), event);
  }
}

const eventsOf = async (type: string, predicate: (event: DomainEvent) => boolean = () => true) =>
  committedEvents(table, (event) => event.detailType === type && predicate(event));

/** Known hosts: alerts about one host correlate into one incident. */
const inventory = new Inventory(['nas-01', 'backup-01', 'edge-router'].map((id) => assetSchema.parse({ id, name: id, type: 'server' })));

const correlate = (): CorrelateDeps => ({
  table,
  now: () => emulator.now(),
  inventory: { get: async () => inventory },
  policies: { get: async () => DEFAULT_POLICY },
});

/** An alert through storage and correlation; its events handed on unless `deliver` is false (a consumer that lags). */
async function fire(asset: string, signature: string, severity: CanonicalAlert['severity'] = 'critical', deliver = true): Promise<string> {
  const at = emulator.now();
  const alert: CanonicalAlert = {
    id: ulid(at.getTime()),
    tenantId: TENANT,
    source: 'test',
    status: 'firing',
    severity,
    assetRef: asset,
    assetId: null,
    signature,
    message: `${signature} on ${asset}`,
    labels: {},
    dedupKey: `test|${asset}|${signature}`,
    occurredAt: at.toISOString(),
    receivedAt: at.toISOString(),
    deliveryId: ulid(),
  };
  await storeAlerts(table, TENANT, [alert], at);
  const [result] = await correlateAlerts([alert], correlate());
  if (deliver) await deliverCommittedEvents();
  if (!result || !('incidentId' in result)) throw new Error(`not correlated: ${JSON.stringify(result)}`);
  return result.incidentId as string;
}

beforeAll(async () => {
  table = await createTestTable('maintenance-service');
  await putTenant(table, { id: TENANT, name: 'Acme Maintenance', createdAt: new Date().toISOString() });
  emulator = new SchedulerEmulator({
    invoke: async (_targetArn, input) => {
      const payload = JSON.parse(input) as { type: string };
      if (payload.type === 'maintenance') await handleMaintenanceTimer(deps(), payload);
      else await handleTimer(deps(), payload as SlaTimerEvent);
      await deliverCommittedEvents();
    },
    timeScale: SCALE,
  });
  emulator.createScheduleGroup(GROUP);
  schedulerServer = createServer((req, res) => {
    void bodyOf(req).then(async (text) => {
      if (await emulator.handle(req, res, Buffer.from(text))) return;
      res.writeHead(400).end();
    });
  });
  const port = await new Promise<number>((done) =>
    schedulerServer.listen(0, '127.0.0.1', () => done((schedulerServer.address() as { port: number }).port)),
  );
  client = new SchedulerClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
});

afterAll(async () => {
  await emulator.stop();
  client.destroy();
  await new Promise<void>((done) => schedulerServer.close(() => done()));
});

test('a daily window starts and ends once per occurrence through its timers, and schedules the next day', async () => {
  const start = new Date(emulator.now().getTime() + 10 * MINUTE);
  const rule = `FREQ=DAILY;BYHOUR=${start.getUTCHours()};BYMINUTE=${start.getUTCMinutes()}`;
  const window = await createWindow(
    deps(),
    TENANT,
    { name: 'Nightly backup', recurrence: { rrule: rule, durationMinutes: 30, timeZone: 'UTC' } },
    'admin',
  );
  await deliverCommittedEvents();
  const ended = await until(
    () => eventsOf(DETAIL_TYPES.maintenanceEnded, (event) => 'windowId' in event.detail && event.detail.windowId === window.id),
    (events) => events.length > 0,
    'the end of the first occurrence',
  );
  await emulator.idle();
  const started = await eventsOf(
    DETAIL_TYPES.maintenanceStarted,
    (event) => 'windowId' in event.detail && event.detail.windowId === window.id,
  );
  expect(started).toHaveLength(1);
  expect(ended).toHaveLength(1);
  const { startsAt, endsAt } = ended[0]!.detail as { startsAt: string; endsAt: string };
  const first = { startsAt, endsAt };
  expect(Date.parse(first.endsAt) - Date.parse(first.startsAt)).toBe(30 * MINUTE);

  // A timer delivered twice (Scheduler's at-least-once) announces nothing again.
  for (const edge of ['start', 'end'] as const) {
    const again = await handleMaintenanceTimer(deps(), { type: 'maintenance', tenantId: TENANT, windowId: window.id, edge, ...first });
    expect(again.action).toBe('nothing');
  }
  await deliverCommittedEvents();
  expect(
    await eventsOf(DETAIL_TYPES.maintenanceEnded, (event) => 'windowId' in event.detail && event.detail.windowId === window.id),
  ).toHaveLength(1);

  // The next occurrence, a day later, has its timers.
  const names = emulator.list(GROUP).filter((schedule) => schedule.name.startsWith(`mw.${window.id}`) && !schedule.fired);
  const nextStart = Math.floor((Date.parse(first.startsAt) + 24 * 60 * MINUTE) / MINUTE);
  expect(names.map((schedule) => schedule.name).sort()).toEqual([`mw.${window.id}.${nextStart}.e`, `mw.${window.id}.${nextStart}.s`]);
  expect((await getWindow(table, TENANT, window.id))?.endedOccurrence).toBe(first.startsAt);
}, 30_000);

test('an alert from outside the window lifts the hold at once, and the paused clock runs again', async () => {
  const now = emulator.now().getTime();
  await createWindow(
    deps(),
    TENANT,
    {
      name: 'Disk swap',
      scope: { matchers: [{ field: 'signature', op: '=', value: 'DiskFailing' }] },
      startsAt: new Date(now - MINUTE).toISOString(),
      endsAt: new Date(now + 600 * MINUTE).toISOString(),
    },
    'admin',
  );
  await deliverCommittedEvents();
  const incidentId = await fire('nas-01', 'DiskFailing');
  const held = await getIncident(table, TENANT, incidentId);
  expect(held?.maintenance).toMatchObject({ name: 'Disk swap' });
  expect(held?.maintenance?.liftedAt).toBeUndefined();
  expect(held?.sla?.responseDueAt).toBeNull();
  // Its decision waits for the window's end on purpose: the repair sweep does not ask for it.
  expect(missingParts(held!)).toEqual([]);

  // Another problem on the same host joins the incident: not planned, so the incident is no longer quiet.
  expect(await fire('nas-01', 'DiskLatencyHigh')).toBe(incidentId);
  await deliverCommittedEvents();
  const lifted = await getIncident(table, TENANT, incidentId);
  expect(lifted?.maintenance?.liftReason).toBe('an alert came from outside the maintenance window');
  expect(lifted?.sla?.responseDueAt).toEqual(expect.any(String));
  expect(lifted?.sla?.clock.pauses.at(-1)?.to).toEqual(expect.any(String));
  // Released: no remediate function runs in this test, so the sweep would now ask for the decision.
  expect(missingParts(lifted!)).toEqual(['decision']);
});

test('a silence holds a firing incident at once and ends when the incident resolves', async () => {
  const incidentId = await fire('backup-01', 'BackupFailed', 'high');
  const incident = (await getIncident(table, TENANT, incidentId))!;
  expect(incident.maintenance).toBeUndefined();
  const silence = await silenceIncident(deps(), incident, { for: 'PT4H', endWhenResolved: true }, 'tech@msp.example');
  await deliverCommittedEvents();
  expect((await getIncident(table, TENANT, incidentId))?.maintenance).toMatchObject({ kind: 'silence', windowId: silence.id });
  expect(silence.scope).toEqual({ matchers: [{ field: 'signature', op: '=~', value: 'BackupFailed' }] });

  await changeIncidentStatus(correlate(), (await getIncident(table, TENANT, incidentId))!, {
    kind: 'resolve',
    at: emulator.now(),
    actor: 'tech@msp.example',
    code: 'fixed',
  });
  await deliverCommittedEvents();
  const ended = await getWindow(table, TENANT, silence.id);
  expect(ended?.endedAt).toEqual(expect.any(String));
  expect(
    await eventsOf(DETAIL_TYPES.maintenanceEnded, (event) => 'windowId' in event.detail && event.detail.windowId === silence.id),
  ).toEqual([expect.objectContaining({ detail: expect.objectContaining({ reason: 'the silenced incident resolved' }) })]);
});

test('with the clocks running, a breach that falls due inside a quiet window waits for its end', async () => {
  const now = emulator.now().getTime();
  const endsAt = now + 60 * MINUTE;
  await createWindow(
    deps(),
    TENANT,
    {
      name: 'Router firmware',
      scope: { matchers: [{ field: 'signature', op: '=', value: 'RouterDown' }] },
      startsAt: new Date(now - MINUTE).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      effects: { slaClocks: 'running' },
    },
    'admin',
  );
  await deliverCommittedEvents();
  // Critical: warned at 24 minutes, breached at 30, both inside the hour.
  const incidentId = await fire('edge-router', 'RouterDown');
  expect((await getIncident(table, TENANT, incidentId))?.sla?.responseDueAt).toEqual(expect.any(String));
  const breached = await until(
    () => eventsOf(DETAIL_TYPES.slaBreached, (event) => event.detail.incidentId === incidentId),
    (events) => events.length > 0,
    'the breach after the window',
  );
  expect(Date.parse((breached[0]!.detail as { breachedAt: string }).breachedAt)).toBeGreaterThanOrEqual(endsAt);
  // Nothing about the SLA reached the timeline while the window held the incident.
  const { timeline, incident } = (await getIncidentDetail(table, TENANT, incidentId))!;
  const slaEntries = timeline.filter((entry) => entry.type === 'sla-warning' || entry.type === 'sla-breached');
  expect(slaEntries.length).toBeGreaterThan(0);
  for (const entry of slaEntries) expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(endsAt);
  expect(incident.maintenance?.liftedAt).toEqual(expect.any(String));
}, 30_000);

test('an incident first handled after its window ended is timed from that end and handled as usual', async () => {
  const now = emulator.now().getTime();
  const window = await createWindow(
    deps(),
    TENANT,
    {
      name: 'Switch swap',
      scope: { matchers: [{ field: 'signature', op: '=', value: 'SwitchPortDown' }] },
      startsAt: new Date(now - MINUTE).toISOString(),
      endsAt: new Date(now + 600 * MINUTE).toISOString(),
    },
    'admin',
  );
  // The alert happens inside the window, but the sla and remediate functions lag: the window ends first.
  const incidentId = await fire('edge-router', 'SwitchPortDown', 'critical', false);
  const ended = await endWindow(deps(), TENANT, window.id, 'admin');
  await deliverCommittedEvents();
  const incident = (await getIncident(table, TENANT, incidentId))!;
  expect(incident.maintenance).toMatchObject({
    windowId: window.id,
    until: ended.endedAt,
    liftReason: 'the window had ended when it was first handled',
  });
  expect(incident.sla?.clock.pauses).toEqual([expect.objectContaining({ from: incident.openedAt, to: ended.endedAt })]);
  expect(incident.sla?.responseDueAt).toEqual(expect.any(String));
  expect(missingParts(incident)).toEqual(['decision']);
});

test('the repair sweep releases a hold left in force past its window', async () => {
  const incidentId = await fire('backup-01', 'BackupSlow', 'high');
  const incident = (await getIncident(table, TENANT, incidentId))!;
  const now = emulator.now();
  // A hold stored in the instant the end was releasing the others (nothing will end it now).
  const until = new Date(now.getTime() - OVERDUE_HOLD_MS - MINUTE).toISOString();
  const hold = {
    windowId: '01JGONEWINDOW0000000000000',
    name: 'Gone',
    kind: 'window' as const,
    until,
    effects: { notify: false, slaClocks: 'paused' as const, autoRemediation: 'off' as const },
    since: until,
  };
  const entry = { at: now.toISOString(), type: 'maintenance-started' as const, actor: 'automation', reason: 'test' };
  expect(
    await writeIncidentHold(table, TENANT, incidentId, { hold, expected: 'replace', statuses: ['open'], entry, events: [], now }),
  ).toBe(true);
  expect(missingParts((await getIncident(table, TENANT, incident.id))!)).toEqual([]);

  const swept = await repairIncidents({ table, now: () => emulator.now() });
  expect(swept.released).toBeGreaterThanOrEqual(1);
  const released = (await getIncident(table, TENANT, incidentId))!;
  expect(released.maintenance?.liftReason).toBe(`"Gone" ended at ${until}`);
  await deliverCommittedEvents();
  // A second sweep finds nothing more to release for it.
  expect((await repairIncidents({ table, now: () => emulator.now() })).released).toBe(0);
});
