import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ulid } from 'ulid';
import { schedulerTimers } from '../../lib/aws/scheduler';
import { correlateAlerts, type CorrelateDeps } from '../../lib/correlation/correlate';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { Inventory } from '../../lib/domain/asset';
import { slaNotifier } from '../../lib/notify/sla-notifier';
import { handleSlaEvent } from '../../lib/sla/events';
import { handleTimer, startSla, type SlaDeps, type SlaTimerEvent } from '../../lib/sla/service';
import { storeAlerts } from '../../lib/store/alerts';
import { listAudit } from '../../lib/store/audit';
import { assignIncident } from '../../lib/store/incident-actions';
import { listNotificationDeliveries, putChannelSettings } from '../../lib/store/notifications';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { createUser } from '../../lib/store/users';
import { SchedulerEmulator } from '../../local/aws/scheduler-emulator';
import { startLocalSes, type LocalSes } from '../../local/aws/ses';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

/**
 * A critical incident nobody acknowledges warns, breaches and escalates level by level, and each step
 * reaches people for real (the timers' events, committed with each step, carry the notifications to the
 * sla function's event path, as the stream relay and the bus would): emails through the SES client into the local SES (aws-ses-v2-local),
 * Slack and Teams messages in their formats at a local receiver. The timers are one-time schedules in the
 * local Scheduler through the real adapter and SchedulerClient, at 1/1000 of real time (a 30-minute SLA
 * takes 1.8 s); correlation, the SLA service and the emulator read the same scaled clock.
 */
const SCALE = 0.001;
const GROUP = 'aw-sla-e2e';
const TENANT = 'acme-sla';

let table: TableRef;
let emulator: SchedulerEmulator;
let schedulerServer: Server;
let receiver: Server;
let client: SchedulerClient;
let ses: LocalSes;
const received: Array<{ path: string; body: any }> = [];
/** Events handed to the sla function's event path so far (the test's stand-in for the stream relay and the bus). */
const delivered = new Set<string>();

async function listen(server: Server): Promise<string> {
  const port = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
  return `http://127.0.0.1:${port}`;
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  });
}

const notifier = () => ({
  deliver: { table, emailSender: 'alerts@msp.example', now: () => emulator.now(), sleep: async () => undefined },
  dashboardUrl: 'http://localhost:3000',
});

/** What the relay and the bus would do: every committed event not handed on yet goes to the sla function's event path. */
async function deliverCommittedEvents(): Promise<void> {
  for (const event of await committedEvents(table)) {
    if (delivered.has(event.detail.eventId)) continue;
    delivered.add(event.detail.eventId);
    await handleSlaEvent(deps(), notifier(), event);
  }
}

function deps(): SlaDeps {
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
    notify: slaNotifier(notifier()),
  };
}

async function openCriticalIncident(): Promise<string> {
  const at = emulator.now();
  const alert: CanonicalAlert = {
    id: ulid(at.getTime()),
    tenantId: TENANT,
    source: 'test',
    status: 'firing',
    severity: 'critical',
    assetRef: 'db-prod-01',
    assetId: null,
    signature: 'DatabaseDown',
    message: 'PostgreSQL is not accepting connections',
    labels: {},
    dedupKey: `test|db-prod-01|${ulid()}`,
    occurredAt: at.toISOString(),
    receivedAt: at.toISOString(),
    deliveryId: ulid(),
  };
  await storeAlerts(table, TENANT, [alert], at);
  const correlate: CorrelateDeps = {
    table,
    now: () => emulator.now(),
    inventory: { get: async () => new Inventory([]) },
    policies: { get: async () => DEFAULT_POLICY },
  };
  const [result] = await correlateAlerts([alert], correlate);
  if (result?.kind !== 'open') throw new Error(`no new incident: ${JSON.stringify(result)}`);
  return result.incidentId;
}

beforeAll(async () => {
  table = await createTestTable('sla-e2e');
  const createdAt = new Date().toISOString();
  await putTenant(table, { id: TENANT, name: 'Acme SLA', createdAt });
  const user = (id: string, name: string, role: 'technician' | 'company_admin' | 'msp_admin', tenantIds: string[]) =>
    createUser(table, { id, email: `${id}@msp.example`, name, role, tenantIds, skills: [], createdAt, passwordHash: 'x' });
  await user('usr_tech', 'Terry Tech', 'technician', [TENANT]);
  await user('usr_cadmin', 'Casey Admin', 'company_admin', [TENANT]);
  await user('usr_madmin', 'Morgan MSP', 'msp_admin', []);

  receiver = createServer((req, res) => {
    void bodyOf(req).then((text) => {
      received.push({ path: req.url ?? '', body: JSON.parse(text) });
      // Slack answers 200 "ok"; Teams workflows 202.
      if (req.url?.startsWith('/slack')) res.writeHead(200).end('ok');
      else res.writeHead(202).end();
    });
  });
  const receiverUrl = await listen(receiver);
  await putChannelSettings(
    table,
    TENANT,
    { slack: { webhookUrl: `${receiverUrl}/slack/T000/B000/xyz` }, teams: { webhookUrl: `${receiverUrl}/teams/workflow` } },
    { updatedBy: 'test', now: new Date() },
  );

  ses = await startLocalSes({ log: () => undefined });
  process.env.AWS_ENDPOINT_URL_SESV2 = ses.endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

  emulator = new SchedulerEmulator({
    invoke: async (_targetArn, input) => {
      await handleTimer(deps(), JSON.parse(input) as SlaTimerEvent);
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
  client = new SchedulerClient({
    endpoint: await listen(schedulerServer),
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
});

afterAll(async () => {
  await emulator.stop();
  client.destroy();
  await ses.stop();
  await new Promise<void>((done) => schedulerServer.close(() => done()));
  await new Promise<void>((done) => receiver.close(() => done()));
});

test('a critical incident left alone warns, breaches and escalates level by level, by email, Slack and Teams', async () => {
  const incidentId = await openCriticalIncident();
  await assignIncident(table, TENANT, incidentId, { userId: 'usr_tech', name: 'Terry Tech' }, 'dispatcher', emulator.now());
  expect(await startSla(deps(), TENANT, incidentId)).toMatchObject({ kind: 'started' });

  // Warning at 24 min, breach at 30 (level 1: the assignee), level 2 after 15 more, level 3 after 30 more.
  const deadline = Date.now() + 20_000;
  while ((await ses.sentMail()).length < 4 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  await emulator.idle();

  const mail = await ses.sentMail();
  expect(mail.map((message) => [message.to, message.subject.replace(/\s+/g, ' ')])).toEqual([
    [['usr_tech@msp.example'], expect.stringMatching(/SLA warning/i)],
    [['usr_tech@msp.example'], expect.stringMatching(/SLA breach/i)],
    [['usr_cadmin@msp.example'], expect.stringMatching(/escalat/i)],
    [['usr_madmin@msp.example'], expect.stringMatching(/escalat/i)],
  ]);
  for (const message of mail) {
    expect(message.from).toBe('alerts@msp.example');
    expect(message.html).toContain('DatabaseDown');
    expect(message.text).toContain(`http://localhost:3000/incidents/${incidentId}?tenant=${TENANT}`);
  }

  // The tenant's Slack got each step once, Teams the breach and escalations (a warning is not for Teams by
  // default: lib/domain/notify/preferences.ts DEFAULT_CHANNELS), each in its own format.
  const slack = received.filter((request) => request.path.startsWith('/slack'));
  const teams = received.filter((request) => request.path.startsWith('/teams'));
  expect(slack).toHaveLength(4);
  expect(teams.map(({ body }) => body.attachments[0].content.body[1].text)).toEqual([
    expect.stringMatching(/^SLA breached: response/),
    expect.stringMatching(/^Escalated to level 2/),
    expect.stringMatching(/^Escalated to level 3/),
  ]);
  for (const { body } of slack) expect(body).toMatchObject({ text: expect.any(String), blocks: expect.any(Array) });
  for (const { body } of teams) {
    expect(body.type).toBe('message');
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  }

  // Every delivery is recorded with its status.
  const { deliveries } = await listNotificationDeliveries(table, TENANT, { incidentId }, { limit: 50 });
  const delivered = deliveries.filter((delivery) => delivery.status === 'delivered');
  expect(new Set(delivered.map((delivery) => delivery.channel))).toEqual(new Set(['email', 'slack', 'teams']));
  expect(delivered.filter((delivery) => delivery.channel === 'email')).toHaveLength(4);
  expect((await committedEvents(table)).map((event) => event.detailType)).toEqual(
    expect.arrayContaining(['SlaWarning', 'SlaBreached', 'IncidentEscalated']),
  );
  // The breach and each escalation step are audited as the system's actions.
  const audit = await listAudit(table, TENANT, {}, { limit: 50 });
  expect(audit.entries.filter((entry) => entry.actor.type === 'system').map((entry) => [entry.action, entry.summary?.after])).toEqual([
    ['incident.escalate', expect.objectContaining({ level: 3, notified: ['usr_madmin'] })],
    ['incident.escalate', expect.objectContaining({ level: 2, notified: ['usr_cadmin'] })],
    ['sla.breach', expect.objectContaining({ clock: 'response', level: 1, notified: ['usr_tech'] })],
  ]);
}, 40_000);
