// A maintenance window starting or ending, told to the tenant's admins: notifyForEvent on DynamoDB Local
// (users, the tenant, preferences, delivery records) and the real local SES (aws-ses-v2-local through
// local/aws/ses.ts, reached like AWS through AWS_ENDPOINT_URL_SESV2). The company admins of the tenant
// and the MSP admins get an email; technicians and other tenants' admins do not; a user who turned the
// kind off (preference `maintenance: []`) gets nothing.
import { DETAIL_TYPES } from '../../lib/domain/events';
import type { Role } from '../../lib/domain/user';
import { notifyForEvent, type NotifierConfig } from '../../lib/notify/event-notifier';
import { listNotificationDeliveries } from '../../lib/store/notifications';
import { putNotificationPreferences } from '../../lib/store/oncall';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { createUser } from '../../lib/store/users';
import { startLocalSes, type LocalSes } from '../../local/aws/ses';
import { createTestTable } from '../helpers/dynamo';

const TENANT = 'acme';
const CREATED = '2026-03-01T00:00:00.000Z';
let table: TableRef;
let ses: LocalSes;
let config: NotifierConfig;
const savedEnv: Record<string, string | undefined> = {};
const ENV = ['AWS_ENDPOINT_URL_SESV2', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

const people: Record<string, { role: Role; tenantIds: string[] }> = {
  'dana@acme.example': { role: 'company_admin', tenantIds: [TENANT] },
  'quiet@acme.example': { role: 'company_admin', tenantIds: [TENANT] },
  'boss@msp.example': { role: 'msp_admin', tenantIds: [] },
  'tech@msp.example': { role: 'technician', tenantIds: [TENANT] },
  'gus@globex.example': { role: 'company_admin', tenantIds: ['globex'] },
};
const idOf = (email: string) => `usr_${email.replace(/[^a-z0-9]+/g, '_')}`;

beforeAll(async () => {
  [table, ses] = await Promise.all([createTestTable('notify-maintenance'), startLocalSes({ log: () => undefined })]);
  for (const name of ENV) savedEnv[name] = process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  await putTenant(table, { id: TENANT, name: 'Acme Corp', createdAt: CREATED });
  for (const [email, { role, tenantIds }] of Object.entries(people)) {
    await createUser(table, { id: idOf(email), email, name: email, role, tenantIds, skills: [], createdAt: CREATED, passwordHash: 'x' });
  }
  // This admin turned maintenance notifications off (and nothing else).
  await putNotificationPreferences(table, idOf('quiet@acme.example'), { channels: { maintenance: [] } }, new Date(CREATED));
  config = {
    deliver: { table, emailSender: 'alerts@msp.example', retryPolicy: { maxAttempts: 2 }, sleep: async () => undefined },
    dashboardUrl: 'https://aw.example.com/',
  };
});

afterAll(async () => {
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await ses.stop();
});

beforeEach(async () => {
  await ses.clear();
});

const detail = (windowId: string, extra: Record<string, unknown> = {}) => ({
  tenantId: TENANT,
  incidentId: `maintenance:${windowId}`,
  eventId: `evt-${windowId}`,
  correlationId: `corr-${windowId}`,
  windowId,
  name: 'Patch night',
  kind: 'window',
  startsAt: '2026-03-02T22:00:00.000Z',
  endsAt: '2026-03-03T02:00:00.000Z',
  ...extra,
});

test('MaintenanceStarted reaches the company admin and the MSP admin by email, not a technician nor one who turned it off', async () => {
  const result = await notifyForEvent(config, DETAIL_TYPES.maintenanceStarted, detail('mw-1'), 'evt-mw-1');
  // The tenant's two company admins and the MSP admin; the technician and Globex's admin are not asked.
  expect(result).toEqual({ sent: 3 });

  const mail = await ses.sentMail();
  expect(mail.map((sent) => sent.to).sort()).toEqual([['boss@msp.example'], ['dana@acme.example']]);
  for (const sent of mail) {
    expect(sent.from).toBe('alerts@msp.example');
    expect(sent.subject).toBe('[Maintenance started] Patch night — Acme Corp');
    expect(sent.text).toContain('Open maintenance: https://aw.example.com/maintenance?tenant=acme');
  }

  const { deliveries } = await listNotificationDeliveries(table, TENANT, { incidentId: 'maintenance:mw-1' }, { limit: 50 });
  const email = Object.fromEntries(deliveries.filter((record) => record.channel === 'email').map((record) => [record.recipient, record]));
  expect(Object.keys(email).sort()).toEqual([idOf('boss@msp.example'), idOf('dana@acme.example'), idOf('quiet@acme.example')].sort());
  expect(email[idOf('dana@acme.example')]).toMatchObject({
    kind: 'maintenance',
    status: 'delivered',
    notificationId: 'evt-mw-1',
    correlationId: 'corr-mw-1',
  });
  expect(email[idOf('quiet@acme.example')]).toMatchObject({ status: 'skipped', reason: 'maintenance notifications are off', attempts: 0 });
  // Slack and Teams are not among the kind's default channels: nobody's wants them.
  expect(deliveries.filter((record) => record.channel !== 'email' && record.status !== 'skipped')).toEqual([]);
});

test('MaintenanceEnded says how many incidents still firing were handed back', async () => {
  const ended = detail('mw-2', { reason: 'its time came', released: ['inc-1', 'inc-2'] });
  expect(await notifyForEvent(config, DETAIL_TYPES.maintenanceEnded, ended, 'evt-mw-2')).toEqual({ sent: 3 });
  const mail = await ses.sentMail();
  expect(mail).toHaveLength(2);
  expect(mail[0]?.subject).toBe('[Maintenance ended] Patch night — Acme Corp: 2 incidents still firing handed back');
  expect(mail[0]?.text).toContain('Reason:       its time came');
});

test('a tenant without company admins still tells the MSP admins; a malformed event is skipped', async () => {
  const noAdmins = { ...detail('mw-3'), tenantId: 'initech', incidentId: 'maintenance:mw-3' };
  expect(await notifyForEvent(config, DETAIL_TYPES.maintenanceStarted, noAdmins, 'evt-mw-3')).toEqual({ sent: 1 });
  const mail = await ses.sentMail();
  expect(mail.map((sent) => [sent.to, sent.subject])).toEqual([[['boss@msp.example'], '[Maintenance started] Patch night — initech']]);

  await ses.clear();
  expect(await notifyForEvent(config, DETAIL_TYPES.maintenanceStarted, { tenantId: TENANT, incidentId: 'maintenance:x' }, 'evt-x')).toEqual(
    {
      skipped: 'not a maintenance event',
    },
  );
  expect(await ses.sentMail()).toEqual([]);
});
