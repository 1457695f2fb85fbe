// Notification delivery end to end on the local pieces: DynamoDB Local for the records and the channel
// settings, the real local SES (aws-ses-v2-local through local/aws/ses.ts, reached like AWS through
// AWS_ENDPOINT_URL_SESV2) for email, and real HTTP receivers on loopback for Slack, Teams and the webhook.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliver, type DeliverDeps, type DeliveryRequest } from '../../lib/notify/deliver';
import { renderEmail, type NotificationInput } from '../../lib/domain/notify/templates';
import { type NotificationDelivery } from '../../lib/domain/notify/delivery';
import { getChannelSettings, listNotificationDeliveries, publicChannelSettings, putChannelSettings } from '../../lib/store/notifications';
import type { TableRef } from '../../lib/store/table-ref';
import { startLocalSes, type LocalSes } from '../../local/aws/ses';
import { createTestTable } from '../helpers/dynamo';

const TENANT = 'acme';
const SENDER = 'Alert Whisperer <alerts@msp.example>';

let table: TableRef;
let ses: LocalSes;
let receiver: Server;
let base: string;
/** Path → the statuses to answer in turn (the last one repeats). */
const script = new Map<string, number[]>();
const hits = new Map<string, number>();
const savedEnv: Record<string, string | undefined> = {};
const ENV = ['AWS_ENDPOINT_URL_SESV2', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

beforeAll(async () => {
  [table, ses] = await Promise.all([createTestTable('notify'), startLocalSes({ log: () => undefined })]);
  // The SES client of lib/notify/channels.ts is created on first use: point it at the local SES the way
  // the local stack does, through the SDK's own endpoint variable.
  for (const name of ENV) savedEnv[name] = process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = request.url ?? '';
      const count = hits.get(path) ?? 0;
      hits.set(path, count + 1);
      const statuses = script.get(path) ?? [200];
      const status = statuses[Math.min(count, statuses.length - 1)] as number;
      response.writeHead(status).end(path.startsWith('/slack') && status === 200 ? 'ok' : status >= 500 ? 'down' : '');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  receiver.closeAllConnections();
  await Promise.all([ses.stop(), new Promise<void>((resolve) => receiver.close(() => resolve()))]);
});

beforeEach(async () => {
  script.clear();
  hits.clear();
  await ses.clear();
});

const notification = (overrides: { id: string; severity?: 'critical' | 'high' }): NotificationInput => ({
  kind: 'escalation',
  at: '2026-03-02T22:30:00.000Z',
  incident: {
    id: overrides.id,
    tenantId: TENANT,
    tenantName: 'Acme Corp',
    title: 'Disk full on db-prod-01',
    severity: overrides.severity ?? 'high',
    status: 'open',
    assetRef: 'db-prod-01',
    openedAt: '2026-03-02T22:00:00.000Z',
    url: `https://aw.example.com/incidents/${overrides.id}`,
  },
  level: 2,
  levelCount: 3,
  reason: 'not acknowledged within 15 min',
});

let sleeps: number[] = [];
const deps = (at: string): DeliverDeps => ({
  table,
  emailSender: 'fallback@msp.example',
  now: () => new Date(at),
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  retryPolicy: { maxAttempts: 3 },
});

const byChannel = (records: NotificationDelivery[], recipient: string) =>
  Object.fromEntries(records.filter((record) => record.recipient === recipient).map((record) => [record.channel, record]));

describe('channel settings', () => {
  test('stored, read back, shown masked; a non-https URL is refused', async () => {
    const stored = await putChannelSettings(
      table,
      TENANT,
      {
        slack: { webhookUrl: `${base}/slack/T000/B000/SLACKSECRET` },
        teams: { webhookUrl: `${base}/teams/workflow?sig=TEAMSSECRET` },
        webhook: { url: `${base}/hook`, secret: 'whsec-0123456789abcdef' },
        emailSender: SENDER,
      },
      { updatedBy: 'u-admin', now: new Date('2026-03-01T00:00:00Z') },
    );
    expect(await getChannelSettings(table, TENANT)).toEqual(stored);
    const shown = publicChannelSettings(stored);
    expect(shown).toEqual({
      slack: { webhookUrl: `${base}/…/CRET` },
      teams: { webhookUrl: `${base}/…/CRET` },
      webhook: { url: `${base}/…/hook`, secretSet: true },
      emailSender: SENDER,
      updatedAt: '2026-03-01T00:00:00.000Z',
      updatedBy: 'u-admin',
    });
    expect(JSON.stringify(shown)).not.toMatch(/SECRET|whsec/);
    await expect(
      putChannelSettings(table, 'other', { slack: { webhookUrl: 'http://hooks.example.com/x' } }, { updatedBy: 'u', now: new Date() }),
    ).rejects.toThrow(/non-https/);
    expect(await getChannelSettings(table, 'other')).toEqual({});
  });
});

describe('deliver', () => {
  beforeEach(() => {
    sleeps = [];
  });

  test('email reaches the local SES; a failing Slack fails after the retries; Teams and the webhook are delivered', async () => {
    script.set('/slack/T000/B000/SLACKSECRET', [500]);
    script.set('/teams/workflow?sig=TEAMSSECRET', [202]);
    const request: DeliveryRequest = {
      id: 'ntf-email',
      notification: notification({ id: 'inc-email' }),
      recipients: [{ userId: 'u-anna', email: 'anna@acme.example', preferences: { timeZone: 'Europe/Berlin' } }],
    };
    const records = await deliver(deps('2026-03-02T10:00:00.000Z'), request);

    const anna = byChannel(records, 'u-anna');
    expect(anna.email).toMatchObject({ status: 'delivered', attempts: 1, to: 'anna@acme.example', lastStatus: 200 });
    const mail = await ses.sentMail();
    expect(mail).toHaveLength(1);
    const expected = renderEmail(request.notification, { timeZone: 'Europe/Berlin' });
    expect(mail[0]).toMatchObject({
      from: SENDER,
      to: ['anna@acme.example'],
      subject: expected.subject,
      html: expected.html,
      text: expected.text,
    });
    expect(mail[0]?.messageId).toBe(anna.email?.providerId);
    expect(mail[0]?.subject).toBe('[HIGH] Escalated to level 2: Disk full on db-prod-01 (Acme Corp)');
    expect(mail[0]?.text).toContain('2026-03-02 23:00 CET');

    expect(anna.slack).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 500, reason: 'gave up after 3 attempts' });
    expect(anna.slack?.lastError).toBe('Slack answered HTTP 500: down');
    expect(hits.get('/slack/T000/B000/SLACKSECRET')).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(anna.teams).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 202 });
    expect(byChannel(records, 'tenant').webhook).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(JSON.stringify(records)).not.toMatch(/SECRET|whsec/);

    // Stored: one per recipient × channel, listed newest first and filtered.
    const listed = await listNotificationDeliveries(table, TENANT, { incidentId: 'inc-email' }, { limit: 50 });
    expect(listed.deliveries).toHaveLength(4);
    expect(listed.deliveries.map((record) => record.id)).toEqual(
      records
        .map((record) => record.id)
        .sort()
        .reverse(),
    );
    expect(listed.deliveries.find((record) => record.channel === 'email')).toEqual(anna.email);
    const failed = await listNotificationDeliveries(table, TENANT, { incidentId: 'inc-email', status: 'failed' }, { limit: 50 });
    expect(failed.deliveries.map((record) => record.channel)).toEqual(['slack']);
    const teams = await listNotificationDeliveries(table, TENANT, { channel: 'teams', incidentId: 'inc-email' }, { limit: 50 });
    expect(teams.deliveries).toEqual([anna.teams]);
  });

  test('quiet hours: email, Slack and Teams are skipped until they end, nothing is sent to the user; critical still goes', async () => {
    script.set('/slack/T000/B000/SLACKSECRET', [200]);
    const quiet = { timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } };
    // Monday 2 March 2026, 23:30 in Berlin.
    const at = '2026-03-02T22:30:00.000Z';
    const records = await deliver(deps(at), {
      id: 'ntf-quiet',
      notification: notification({ id: 'inc-quiet' }),
      recipients: [{ userId: 'u-ben', email: 'ben@acme.example', preferences: quiet }],
    });
    const ben = byChannel(records, 'u-ben');
    for (const channel of ['email', 'slack', 'teams'] as const) {
      expect(ben[channel]).toMatchObject({
        status: 'skipped',
        attempts: 0,
        deferUntil: '2026-03-03T06:00:00.000Z',
        reason: 'quiet hours until 07:00 Europe/Berlin',
      });
    }
    expect(await ses.sentMail()).toEqual([]);
    expect(hits.get('/slack/T000/B000/SLACKSECRET')).toBeUndefined();
    // The tenant's own webhook is not a person: quiet hours do not apply to it.
    expect(byChannel(records, 'tenant').webhook).toMatchObject({ status: 'delivered' });
    const skipped = await listNotificationDeliveries(table, TENANT, { incidentId: 'inc-quiet', status: 'skipped' }, { limit: 50 });
    expect(skipped.deliveries).toHaveLength(3);

    const critical = await deliver(deps(at), {
      id: 'ntf-critical',
      notification: notification({ id: 'inc-critical', severity: 'critical' }),
      recipients: [{ userId: 'u-ben', email: 'ben@acme.example', preferences: quiet }],
    });
    expect(byChannel(critical, 'u-ben').email).toMatchObject({ status: 'delivered' });
    expect(await ses.sentMail()).toHaveLength(1);
  });

  test('listing pages newest first with a cursor', async () => {
    const all: string[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await listNotificationDeliveries(table, TENANT, {}, { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.deliveries.length).toBeLessThanOrEqual(3);
      all.push(...page.deliveries.map((record) => record.id));
      cursor = page.cursor;
    } while (cursor);
    expect(all.length).toBeGreaterThanOrEqual(4 + 4 + 4);
    expect(all).toEqual([...all].sort().reverse());
  });
});
