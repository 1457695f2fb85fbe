// E-mailing client reports, on DynamoDB Local, the local EventBridge Scheduler (its REST API on a loopback
// server, driven by the real SchedulerClient through lib/aws/scheduler.ts) and the local SES
// (aws-ses-v2-local, reached like AWS through AWS_ENDPOINT_URL_SESV2): delivery settings set the company's
// schedule at the first working day of the next month in its service calendar; the firing (the schedule's
// own input, handed to the reports function's handler) sends one e-mail with the PDF to the contacts and
// re-arms the next month; a repeated or early firing sends nothing; turning delivery off deletes the
// schedule; a send on demand is audited; a send SES refuses (a loopback server answering as SES does) is
// recorded and tried again 15 minutes later, 3 times a period; the reports function's own handler sends a
// fired schedule's report once and re-arms the schedule, targeting itself.
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Context } from 'aws-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeContext, type ApiDeps, type Route } from '../../lib/api/context';
import { reportDeliveryRoutes } from '../../lib/api/routes/report-delivery';
import { signAccessToken, type AccessClaims, type KeySet } from '../../lib/auth/tokens';
import { schedulerMovableTimers } from '../../lib/aws/scheduler';
import type { Orchestrator } from '../../lib/domain/remediation/step-contract';
import { slaPolicySchema } from '../../lib/domain/sla/policy';
import { httpHandler, type HttpEvent, type HttpResult } from '../../lib/http/http';
import { nextReportSendAt } from '../../lib/domain/report/delivery';
import { isWorkingDay } from '../../lib/domain/sla/calendar';
import { handleReportSchedule, type ReportDeliveryDeps } from '../../lib/reports/delivery';
import { listAudit } from '../../lib/store/audit';
import { getPeriodSent, listReportSends, reportDeliverySettings } from '../../lib/store/report-delivery';
import { slaPolicies } from '../../lib/store/sla';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { createUser } from '../../lib/store/users';
import { SchedulerEmulator } from '../../local/aws/scheduler-emulator';
import { startLocalSes, type LocalSes } from '../../local/aws/ses';
import { createTestTable, testDynamoEndpoint } from '../helpers/dynamo';

const GROUP = 'aw-test-reports';
const TARGET = 'arn:aws:lambda:eu-west-1:000000000000:function:aw-local-reports';
const ROLE = 'arn:aws:iam::000000000000:role/aw-local-scheduler';
const SENDER = 'reports@msp.example';
const keySet: KeySet = { current: { kid: 'report-delivery', secret: 'report-delivery-signing-secret-of-32-characters' }, previous: [] };
const admin: AccessClaims = { sub: 'usr_dana', role: 'company_admin', tenants: ['acme', 'globex'], email: 'dana@msp.example', ver: 0 };
const tech: AccessClaims = { sub: 'usr_tech', role: 'technician', tenants: ['acme'], email: 'tech@msp.example', ver: 0 };
const noOrchestrator = {} as Orchestrator;

let table: TableRef;
let ses: LocalSes;
let schedulerServer: Server;
let refusingSes: Server;
let emulator: SchedulerEmulator;
let deps: ReportDeliveryDeps;
let routes: Route[];
let clock = new Date('2026-11-20T10:00:00.000Z');
const savedEnv: Record<string, string | undefined> = {};
const ENV = [
  'AWS_ENDPOINT_URL_SESV2',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  // The reports function's own (the last test loads its handler).
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SCHEDULER',
  'TABLE_NAME',
  'REPORT_SCHEDULE_GROUP',
  'REPORT_SCHEDULER_ROLE_ARN',
  'SES_SENDER',
] as const;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  [table, ses] = await Promise.all([createTestTable('report-delivery'), startLocalSes({ log: () => undefined })]);
  for (const name of ENV) savedEnv[name] = process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  // The emulator's clock is the test's: schedules are only read here (their time and input), never left to fire.
  emulator = new SchedulerEmulator({ invoke: async () => undefined, clock: () => clock.getTime(), region: 'eu-west-1' });
  emulator.createScheduleGroup(GROUP);
  schedulerServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void emulator.handle(req, res, Buffer.concat(chunks)));
  });
  schedulerEndpoint = await listen(schedulerServer);
  // SES refusing every message as it refuses an unverified sender: 400 with its error type.
  refusingSes = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' });
      res.end(JSON.stringify({ message: 'Email address is not verified. The following identities failed the check: reports@msp.example' }));
    });
  });
  const refusingEndpoint = await listen(refusingSes);

  for (const [id, name] of [
    ['acme', 'Acme Corp'],
    ['globex', 'Globex'],
    ['initech', 'Initech'],
  ] as const) {
    await putTenant(table, { id, name, createdAt: '2026-01-01T00:00:00.000Z' });
    // Business days in Berlin; New Year's Day a holiday every year.
    const policy = slaPolicySchema.parse({
      calendar: { timeZone: 'Europe/Berlin', holidays: [{ date: '2026-01-01', name: "New Year's Day", yearly: true }] },
    });
    await slaPolicies.put(table, id, policy, 'setup', clock, 0);
  }
  for (const who of [admin, tech]) {
    await createUser(table, {
      id: who.sub,
      email: who.email,
      name: who.email,
      role: who.role,
      tenantIds: who.tenants,
      skills: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      passwordHash: 'x',
    });
  }

  const timers = schedulerMovableTimers({
    groupName: GROUP,
    targetArn: TARGET,
    roleArn: ROLE,
    now: () => clock,
    client: new SchedulerClient({ endpoint: schedulerEndpoint, region: 'eu-west-1', credentials, maxAttempts: 1 }),
  });
  deps = { table, now: () => clock, timers, emailSender: SENDER };
  const refused = new SESv2Client({ endpoint: refusingEndpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
  refusedDeps = { ...deps, ses: () => refused };
  const apiDeps: ApiDeps = { table, keySet: async () => keySet, now: () => clock, stage: 'test', orchestrator: noOrchestrator };
  routes = reportDeliveryRoutes(routeContext(apiDeps), { timers, emailSender: SENDER });
});
let refusedDeps: ReportDeliveryDeps;
let schedulerEndpoint: string;

afterAll(async () => {
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await emulator.stop();
  await Promise.all([
    ses.stop(),
    new Promise((resolve) => schedulerServer.close(resolve)),
    new Promise((resolve) => refusingSes.close(resolve)),
  ]);
});

/** An API call as `who`, through the route's own handler. */
async function api(who: AccessClaims, method: Route['method'], path: string, query: Record<string, string>, body?: unknown) {
  const route = routes.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route) throw new Error(`No route ${method} ${path}`);
  const event = {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await signAccessToken(who, keySet, clock)}` },
    queryStringParameters: query,
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'report-delivery' }, requestId: 'req' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  } as unknown as HttpEvent;
  // The function's HTTP wrapper turns the route's errors into their answers, as in Lambda.
  const result = (await httpHandler((request) => route.handler(request))(event, {} as Context)) as HttpResult;
  return { status: result.statusCode ?? 200, body: JSON.parse(String(result.body)) };
}

/** The company's schedule as the emulator holds it: when it is due and what it will invoke the function with. */
function scheduleOf(tenantId: string) {
  const schedule = emulator.list(GROUP).find((candidate) => candidate.name === `report-${tenantId}`);
  return schedule && { dueAt: schedule.dueAt, input: JSON.parse(schedule.input ?? '{}') as Record<string, unknown> };
}

/** The schedule fires: its input, at its time (or at `at`), to the function's service. */
async function fire(tenantId: string, at?: string, useDeps: ReportDeliveryDeps = deps) {
  const schedule = scheduleOf(tenantId)!;
  clock = new Date(at ?? schedule.dueAt);
  return handleReportSchedule(useDeps, schedule.input);
}

test('delivery is off, monthly at 08:00 until set; turning it on needs a contact and a company admin', async () => {
  const read = await api(admin, 'GET', '/v1/reports/delivery', { tenant: 'acme' });
  expect(read).toEqual({
    status: 200,
    body: { tenantId: 'acme', settings: { enabled: false, cadence: 'monthly', contacts: [], sendAt: '08:00' }, version: 0 },
  });
  expect((await api(admin, 'PUT', '/v1/reports/delivery', { tenant: 'acme' }, { enabled: true })).status).toBe(400);
  expect((await api(admin, 'PUT', '/v1/reports/delivery', { tenant: 'acme' }, { contacts: ['not-an-address'] })).status).toBe(400);
  expect(
    (await api(tech, 'PUT', '/v1/reports/delivery', { tenant: 'acme' }, { enabled: true, contacts: ['cfo@acme.example'] })).status,
  ).toBe(403);
  expect((await api(tech, 'GET', '/v1/reports/delivery', { tenant: 'acme' })).status).toBe(200);
  expect(scheduleOf('acme')).toBeUndefined();
});

test("turning delivery on sets the company's schedule at the first working day of next month, 08:00 Berlin, audited", async () => {
  const changed = await api(
    admin,
    'PUT',
    '/v1/reports/delivery',
    { tenant: 'acme' },
    { enabled: true, contacts: ['CFO@acme.example', 'it-lead@acme.example', 'cfo@acme.example'], version: 0 },
  );
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({
    settings: { enabled: true, cadence: 'monthly', contacts: ['cfo@acme.example', 'it-lead@acme.example'], sendAt: '08:00' },
    version: 1,
    updatedBy: admin.email,
    // 1 December 2026 is a Tuesday; Berlin is UTC+1 in winter.
    nextSend: { period: '2026-11', at: '2026-12-01T07:00:00.000Z' },
  });
  expect(scheduleOf('acme')).toEqual({
    dueAt: '2026-12-01T07:00:00.000Z',
    input: { type: 'report-delivery', tenantId: 'acme', period: '2026-11', attempt: 1 },
  });
  const { entries } = await listAudit(table, 'acme', { action: 'report-delivery.update' }, { limit: 10 });
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ actor: { type: 'user', email: admin.email }, summary: { after: { enabled: true } } });
  // A stale version is refused.
  expect((await api(admin, 'PUT', '/v1/reports/delivery', { tenant: 'acme' }, { sendAt: '09:00', version: 0 })).status).toBe(409);
});

test('an early firing sends nothing and waits for the time; the firing on time sends one e-mail with the PDF and re-arms the next month', async () => {
  await ses.clear();
  const early = await fire('acme', '2026-12-01T06:00:00.000Z');
  expect(early).toEqual({ action: 'nothing', reason: 'early', rearmed: { period: '2026-11', at: '2026-12-01T07:00:00.000Z' } });
  expect(await ses.sentMail()).toEqual([]);

  const sent = await fire('acme');
  // December's report: 1 January 2027 is a holiday (a Friday), so Monday 4 January.
  expect(sent).toMatchObject({ action: 'sent', period: '2026-11', next: { period: '2026-12', at: '2027-01-04T07:00:00.000Z' } });
  const mail = await ses.sentMail();
  expect(mail).toHaveLength(1);
  expect(mail[0]).toMatchObject({ from: SENDER, to: ['cfo@acme.example', 'it-lead@acme.example'] });
  expect(mail[0]!.subject).toContain('Acme Corp service report, November 2026');
  expect(mail[0]!.html).toContain('November 2026');
  expect(mail[0]!.attachments).toEqual([
    { filename: 'acme-2026-11-service-report.pdf', contentType: 'application/pdf', size: expect.any(Number) },
  ]);
  expect(mail[0]!.attachments[0]!.size).toBeGreaterThan(1000);
  expect(scheduleOf('acme')).toEqual({
    dueAt: '2027-01-04T07:00:00.000Z',
    input: { type: 'report-delivery', tenantId: 'acme', period: '2026-12', attempt: 1 },
  });
  expect(await getPeriodSent(table, 'acme', '2026-11')).toMatchObject({ status: 'sent', messageId: mail[0]!.messageId });
  const { entries } = await listAudit(table, 'acme', { action: 'report.send' }, { limit: 10 });
  expect(entries[0]).toMatchObject({
    actor: { type: 'system', name: 'report-schedule' },
    resource: { type: 'report', id: '2026-11' },
    summary: { after: { period: '2026-11', trigger: 'scheduled', status: 'sent', recipients: 2, messageId: mail[0]!.messageId } },
  });
});

test('a repeated firing (the same input again) sends nothing', async () => {
  await ses.clear();
  clock = new Date('2026-12-01T07:00:30.000Z');
  const again = await handleReportSchedule(deps, { type: 'report-delivery', tenantId: 'acme', period: '2026-11', attempt: 1 });
  expect(again).toMatchObject({ action: 'nothing', reason: 'already sent', rearmed: { period: '2026-12' } });
  expect(await ses.sentMail()).toEqual([]);
  expect(scheduleOf('acme')?.dueAt).toBe('2027-01-04T07:00:00.000Z');
});

test('a send on demand goes out now, is audited as the admin, and is listed with the scheduled one', async () => {
  await ses.clear();
  clock = new Date('2026-12-02T09:00:00.000Z');
  const sent = await api(admin, 'POST', '/v1/reports/send', { tenant: 'acme' }, { period: '2026-10' });
  expect(sent.status).toBe(200);
  expect(sent.body).toMatchObject({ period: '2026-10', trigger: 'on-demand', requestedBy: admin.email, status: 'sent', recipients: 2 });
  const mail = await ses.sentMail();
  expect(mail.map((message) => message.subject)).toEqual([expect.stringContaining('October 2026')]);
  const { entries } = await listAudit(table, 'acme', { action: 'report.send' }, { limit: 10 });
  expect(entries[0]).toMatchObject({
    actor: { type: 'user', email: admin.email },
    requestId: 'req',
    summary: { after: { period: '2026-10', trigger: 'on-demand', recipients: 2, messageId: mail[0]!.messageId } },
  });
  expect(await getPeriodSent(table, 'acme', '2026-10')).toMatchObject({ status: 'sent', messageId: mail[0]!.messageId });
  // This month so far: sent, but its scheduled send (in January) still goes out.
  clock = new Date('2026-12-02T09:05:00.000Z');
  expect(await api(admin, 'POST', '/v1/reports/send', { tenant: 'acme' }, { period: '2026-12' })).toMatchObject({
    status: 200,
    body: { period: '2026-12', status: 'sent' },
  });
  expect(await getPeriodSent(table, 'acme', '2026-12')).toBeUndefined();
  expect((await api(tech, 'POST', '/v1/reports/send', { tenant: 'acme' }, { period: '2026-10' })).status).toBe(403);
  expect((await api(admin, 'POST', '/v1/reports/send', { tenant: 'acme' }, { period: '2026-13' })).status).toBe(400);
  expect((await api(admin, 'POST', '/v1/reports/send', { tenant: 'acme' }, { period: '2027-Q1' })).status).toBe(400);

  const listed = await api(tech, 'GET', '/v1/reports/deliveries', { tenant: 'acme' });
  expect(listed.body.deliveries.map((record: { period: string; trigger: string }) => [record.period, record.trigger])).toEqual([
    ['2026-12', 'on-demand'],
    ['2026-10', 'on-demand'],
    ['2026-11', 'scheduled'],
  ]);
  expect(await listReportSends(table, 'globex', 50)).toEqual([]);
});

test('turning delivery off deletes the schedule, and a firing already under way sends nothing', async () => {
  const before = scheduleOf('acme')!;
  const off = await api(admin, 'PUT', '/v1/reports/delivery', { tenant: 'acme' }, { enabled: false });
  expect(off.body).toMatchObject({ settings: { enabled: false } });
  expect(off.body.nextSend).toBeUndefined();
  expect(scheduleOf('acme')).toBeUndefined();
  await ses.clear();
  clock = new Date(before.dueAt);
  expect(await handleReportSchedule(deps, before.input)).toEqual({ action: 'nothing', reason: 'delivery is off' });
  expect(await ses.sentMail()).toEqual([]);
});

test('a send SES refuses is recorded with its reason and tried again in 15 minutes, 3 times, then the next period is planned', async () => {
  clock = new Date('2026-11-20T10:00:00.000Z');
  const on = await api(
    admin,
    'PUT',
    '/v1/reports/delivery',
    { tenant: 'globex' },
    { enabled: true, contacts: ['ops@globex.example'], cadence: 'quarterly' },
  );
  expect(on.body.nextSend).toEqual({ period: '2026-Q4', at: '2027-01-04T07:00:00.000Z' });

  const first = await fire('globex', undefined, refusedDeps);
  expect(first).toMatchObject({
    action: 'failed',
    period: '2026-Q4',
    attempt: 1,
    next: { period: '2026-Q4', at: '2027-01-04T07:15:00.000Z', attempt: 2 },
  });
  expect(scheduleOf('globex')).toEqual({
    dueAt: '2027-01-04T07:15:00.000Z',
    input: { type: 'report-delivery', tenantId: 'globex', period: '2026-Q4', attempt: 2 },
  });
  // The first try's firing again (Lambda's retry of it) does not try again now.
  expect(
    await handleReportSchedule(refusedDeps, { type: 'report-delivery', tenantId: 'globex', period: '2026-Q4', attempt: 1 }),
  ).toMatchObject({
    action: 'nothing',
  });
  expect(await fire('globex', undefined, refusedDeps)).toMatchObject({ action: 'failed', attempt: 2 });
  const last = await fire('globex', undefined, refusedDeps);
  // After the third refusal the quarter stays failed, and the next quarter's report is planned (1 April 2027 is a Thursday, summer time).
  expect(last).toMatchObject({ action: 'failed', attempt: 3, next: { period: '2027-Q1', at: '2027-04-01T06:00:00.000Z', attempt: 1 } });
  const records = await listReportSends(table, 'globex', 50);
  expect(records.map((record) => [record.status, record.attempt])).toEqual([
    ['failed', 3],
    ['failed', 2],
    ['failed', 1],
  ]);
  expect(records[2]).toMatchObject({
    error: expect.stringContaining('MessageRejected'),
    retryAt: '2027-01-04T07:15:00.000Z',
    recipients: 1,
  });
  expect(records[0]!.retryAt).toBeUndefined();
  const { entries } = await listAudit(table, 'globex', { action: 'report.send' }, { limit: 10 });
  expect(entries).toHaveLength(3);
  expect(entries[0]).toMatchObject({ summary: { after: { status: 'failed', error: expect.stringContaining('not verified') } } });
});

test("the reports function's handler sends what a fired schedule names, once, and schedules the next report itself", async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoEndpoint(),
    AWS_ENDPOINT_URL_SCHEDULER: schedulerEndpoint,
    TABLE_NAME: table.tableName,
    REPORT_SCHEDULE_GROUP: GROUP,
    REPORT_SCHEDULER_ROLE_ARN: ROLE,
    SES_SENDER: SENDER,
  });
  const { handler } = await import('../../functions/reports/handler');
  const settings = { enabled: true, cadence: 'monthly', contacts: ['boss@initech.example'], sendAt: '08:00' } as const;
  await reportDeliverySettings.put(table, 'initech', { ...settings, contacts: [...settings.contacts] }, 'setup', new Date(), 0);
  // The handler runs on the real clock: a month two months back was due on the first working day of last month.
  const real = new Date();
  const back = new Date(Date.UTC(real.getUTCFullYear(), real.getUTCMonth() - 2, 15));
  const period = `${back.getUTCFullYear()}-${String(back.getUTCMonth() + 1).padStart(2, '0')}`;
  const fired = { type: 'report-delivery', tenantId: 'initech', period, attempt: 1 };
  const context = { invokedFunctionArn: TARGET } as Context;
  await ses.clear();

  const outcome = (await handler(fired, context)) as { action: string; next: { period: string; at: string } };
  expect(outcome).toMatchObject({ action: 'sent', period });
  const mail = await ses.sentMail();
  expect(mail).toHaveLength(1);
  expect(mail[0]).toMatchObject({ from: SENDER, to: ['boss@initech.example'], attachments: [{ contentType: 'application/pdf' }] });
  const calendar = (await slaPolicies.get(table, 'initech')).policy.calendar;
  const expected = nextReportSendAt(new Date(), settings, {
    timeZone: calendar.timeZone,
    isWorkingDay: (day) => isWorkingDay(day, calendar),
  });
  expect(outcome.next).toEqual({ period: expected.period, at: expected.at.toISOString() });
  expect(scheduleOf('initech')).toEqual({
    dueAt: expected.at.toISOString(),
    input: { type: 'report-delivery', tenantId: 'initech', period: expected.period, attempt: 1 },
  });

  // Scheduler delivering the same firing again: nothing more is sent.
  expect(await handler(fired, context)).toMatchObject({ action: 'nothing', reason: 'already sent' });
  expect(await ses.sentMail()).toHaveLength(1);
});
