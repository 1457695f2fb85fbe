// Paging by SMS and voice on the local pieces: DynamoDB Local for the records, the phones and the monthly
// counts; the local End User Messaging (local/aws/sms-voice.ts) reached through the real SDK client, like
// AWS, through AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2. Phone verification goes through the same sender.
import { deliver, type DeliverDeps } from '../../lib/notify/deliver';
import { pagingDeps } from '../../lib/notify/paging';
import { confirmPhoneCode, requestPhoneCode, type PhoneVerificationDeps } from '../../lib/notify/phone-verification';
import { createSmsSender } from '../../lib/notify/sms-voice';
import type { NotificationInput } from '../../lib/domain/notify/templates';
import { findUserByVerifiedPhone, getUserPhone } from '../../lib/store/phones';
import type { TableRef } from '../../lib/store/table-ref';
import { createUser } from '../../lib/store/users';
import { AppError } from '../../lib/errors';
import { startLocalSmsVoice, type DeliveryStatusEvent, type LocalSmsVoice } from '../../local/aws/sms-voice';
import { DeliveryNotStoredYetError, recordDeliveryStatus } from '../../lib/notify/delivery-receipts';
import { listNotificationDeliveries } from '../../lib/store/notifications';
import { createTestTable } from '../helpers/dynamo';
import { until } from '../helpers/until';

const TENANT = 'acme';
const FROM = '+15555550100';
let table: TableRef;
let sms: LocalSmsVoice;
/** The delivery statuses the emulator put on the "default bus" (as EventBridge would hand them to the respond function). */
const statusEvents: DeliveryStatusEvent[] = [];
const asBusEvent = (event: DeliveryStatusEvent) => ({
  version: '0',
  source: event.source,
  'detail-type': event.detailType,
  detail: event.detail,
});
const ENV = ['AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  [table, sms] = await Promise.all([
    createTestTable('paging'),
    startLocalSmsVoice({ log: () => undefined, onStatusEvent: (event) => void statusEvents.push(event) }),
  ]);
  for (const name of ENV) saved[name] = process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const createdAt = new Date().toISOString();
  for (const id of ['u-ann', 'u-ben', 'u-cat'])
    await createUser(table, {
      id,
      email: `${id}@msp.example`,
      name: id,
      role: 'technician',
      tenantIds: [TENANT],
      skills: [],
      createdAt,
      passwordHash: 'x',
    });
});

afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await sms.close();
});

beforeEach(() => sms.clear());

const escalation = (id: string, severity: 'critical' | 'high' | 'medium'): NotificationInput => ({
  kind: 'escalation',
  at: '2026-03-02T10:30:00.000Z',
  incident: {
    id,
    tenantId: TENANT,
    tenantName: 'Acme Corp',
    title: 'Disk full on db-prod-01',
    severity,
    status: 'open',
    assetRef: 'db-prod-01',
    openedAt: '2026-03-02T10:00:00.000Z',
    url: `https://aw.example.com/incidents/${id}`,
  },
  level: 2,
  levelCount: 3,
  reason: 'not acknowledged within 15 min',
});

const links: DeliverDeps['links'] = async ({ userId, channel }) => `https://api.example.com/a/${userId}-${channel}`;

function deps(at: string, phone: Partial<NonNullable<DeliverDeps['phone']>> = {}): DeliverDeps {
  return {
    table,
    now: () => new Date(at),
    sleep: async () => undefined,
    retryPolicy: { maxAttempts: 2 },
    channelSettings: {},
    links,
    phone: { originationIdentity: FROM, monthlyCap: 100, ...phone },
  };
}

describe('deliver by SMS and voice', () => {
  test('a critical page calls, then texts the verified number with the recipient link; records show the number masked', async () => {
    const records = await deliver(deps('2026-03-02T10:30:00Z'), {
      notification: escalation('inc-crit', 'critical'),
      recipients: [{ userId: 'u-ann', email: 'u-ann@msp.example', phone: '+447700900123' }],
    });
    const sent = sms.messages();
    expect(sent.map((message) => [message.channel, message.to, message.from])).toEqual([
      ['voice', '+447700900123', FROM],
      ['sms', '+447700900123', FROM],
    ]);
    expect(sent[0]!.bodyTextType).toBe('SSML');
    expect(sent[1]!.body).toContain('https://api.example.com/a/u-ann-sms');
    expect(sent[1]!.body).toContain('Reply ACK');
    for (const channel of ['voice', 'sms']) {
      expect(records.find((record) => record.channel === channel)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        to: '+44…0123',
        providerId: expect.any(String),
      });
    }
    expect(JSON.stringify(records)).not.toContain('+447700900123');
  });

  test('without a verified number the defaults ring no phone and record nothing; a chosen SMS is recorded as skipped', async () => {
    const records = await deliver(deps('2026-03-02T10:30:00Z'), {
      notification: escalation('inc-nophone', 'critical'),
      recipients: [
        { userId: 'u-ann', email: 'u-ann@msp.example' },
        { userId: 'u-ben', email: 'u-ben@msp.example', preferences: { paging: { critical: ['sms'] } } },
      ],
    });
    expect(sms.messages()).toEqual([]);
    const phones = records.filter((record) => record.channel === 'sms' || record.channel === 'voice');
    expect(phones.map((record) => [record.recipient, record.channel, record.status, record.reason])).toEqual([
      ['u-ben', 'sms', 'skipped', 'no verified phone number'],
    ]);
  });

  test('a high page texts only; a medium one rings no phone; quiet hours hold a high text back', async () => {
    const quiet = { timeZone: 'Europe/London', quietHours: { from: '22:00', to: '07:00' } };
    const records = await deliver(deps('2026-03-02T23:30:00Z'), {
      notification: escalation('inc-high', 'high'),
      recipients: [
        { userId: 'u-ann', phone: '+447700900001' },
        { userId: 'u-ben', phone: '+447700900002', preferences: quiet },
      ],
    });
    expect(sms.messages().map((message) => [message.channel, message.to])).toEqual([['sms', '+447700900001']]);
    expect(records.find((record) => record.recipient === 'u-ben' && record.channel === 'sms')).toMatchObject({
      status: 'skipped',
      deferUntil: '2026-03-03T07:00:00.000Z',
    });
    sms.clear();
    await deliver(deps('2026-03-02T12:00:00Z'), {
      notification: escalation('inc-med', 'medium'),
      recipients: [{ userId: 'u-ann', phone: '+447700900001' }],
    });
    expect(sms.messages()).toEqual([]);
  });

  test('the monthly cap per company: the MSP admins are told once at 80%, messages past the cap are skipped and say why', async () => {
    const warnings: Array<[string, number, number]> = [];
    const capped = deps('2026-05-10T10:00:00Z', {
      monthlyCap: 5,
      onBudgetWarning: async (tenantId, used, cap) => void warnings.push([tenantId, used, cap]),
    });
    const records = [];
    for (const id of ['inc-c1', 'inc-c2', 'inc-c3'])
      records.push(
        ...(await deliver(capped, { notification: escalation(id, 'critical'), recipients: [{ userId: 'u-cat', phone: '+447700900777' }] })),
      );
    expect(sms.messages()).toHaveLength(5);
    expect(warnings).toEqual([[TENANT, 4, 5]]);
    const last = records.filter((record) => record.incidentId === 'inc-c3');
    expect(last.find((record) => record.channel === 'voice')).toMatchObject({ status: 'delivered' });
    expect(last.find((record) => record.channel === 'sms')).toMatchObject({
      status: 'skipped',
      reason: "the company's monthly SMS and voice cap (5) is reached",
    });
    // A new month starts from nothing.
    await deliver(deps('2026-06-01T00:00:00Z', { monthlyCap: 5 }), {
      notification: escalation('inc-c4', 'high'),
      recipients: [{ userId: 'u-cat', phone: '+447700900777' }],
    });
    expect(sms.messages()).toHaveLength(6);
  });

  test('SMS and voice without an origination set-up are skipped and say so', async () => {
    const keySet = async () => ({ current: { kid: 'k1', secret: 'x'.repeat(32) }, previous: [] });
    const unset = pagingDeps({ table, keySet, linkBaseUrl: 'https://api.example.com', monthlyCap: 100 });
    expect(unset.phone).toBeUndefined();
    expect(unset.links).toBeDefined();
    const records = await deliver(
      { ...deps('2026-03-02T10:30:00Z'), phone: unset.phone, links },
      { notification: escalation('inc-off', 'critical'), recipients: [{ userId: 'u-ann', phone: '+447700900123' }] },
    );
    expect(sms.messages()).toEqual([]);
    expect(records.filter((record) => record.channel === 'sms' || record.channel === 'voice').map((record) => record.reason)).toEqual([
      'SMS and voice are not set up',
      'SMS and voice are not set up',
    ]);
  });
});

describe('delivery statuses', () => {
  test("the carrier's status lands on the delivery record of that very message; an older or foreign one does not", async () => {
    const records = await deliver(deps('2026-03-02T10:30:00Z'), {
      notification: escalation('inc-receipt', 'critical'),
      recipients: [{ userId: 'u-ann', phone: '+447700900321' }],
    });
    const ours = () =>
      statusEvents.filter((event) => (event.detail.context as { incidentId?: string } | undefined)?.incidentId === 'inc-receipt');
    await until(
      async () => ours().length,
      (count) => count === 2,
      'the status events of the call and the text',
    );
    for (const event of ours()) expect(await recordDeliveryStatus(table, asBusEvent(event))).toMatchObject({ recorded: true });
    const listed = await listNotificationDeliveries(table, TENANT, { incidentId: 'inc-receipt' }, { limit: 10 });
    const byChannel = Object.fromEntries(listed.deliveries.map((record) => [record.channel, record]));
    expect(byChannel.sms?.receipt).toMatchObject({ event: 'TEXT_DELIVERED', final: true });
    expect(byChannel.voice?.receipt).toMatchObject({ event: 'VOICE_COMPLETED', final: true });
    expect(records.map((record) => record.id).sort()).toEqual(listed.deliveries.map((record) => record.id).sort());

    const text = ours().find((event) => event.detailType === 'Text Message Delivery Status Updated')!;
    const detail = text.detail as { eventTimestamp: number; messageId: string };
    // An older status (events arrive out of order) does not replace the newer one.
    const older = {
      ...text,
      detail: { ...detail, eventType: 'TEXT_PENDING', isFinal: false, eventTimestamp: detail.eventTimestamp - 60_000 },
    };
    expect(await recordDeliveryStatus(table, asBusEvent(older))).toMatchObject({ recorded: false });
    // Another message's status naming this record does not land on it; nor does one sent by something else.
    const foreign = { ...text, detail: { ...detail, messageId: 'not-this-message', eventTimestamp: detail.eventTimestamp + 1 } };
    expect(await recordDeliveryStatus(table, asBusEvent(foreign))).toMatchObject({ recorded: false });
    const anonymous = { ...text, detail: { ...detail, context: undefined } };
    expect(await recordDeliveryStatus(table, asBusEvent(anonymous))).toEqual({
      recorded: false,
      reason: 'not a page of this product (no delivery in its context)',
    });
    expect(await recordDeliveryStatus(table, { source: 'aws.sms-voice', detail: 'garbage' })).toMatchObject({ recorded: false });
    // A status before its record is stored fails, so EventBridge delivers it again later.
    const early = { ...text, detail: { ...detail, context: { tenantId: TENANT, deliveryId: '01M99000000000000000000000' } } };
    await expect(recordDeliveryStatus(table, asBusEvent(early))).rejects.toThrow(DeliveryNotStoredYetError);
    const again = await listNotificationDeliveries(table, TENANT, { incidentId: 'inc-receipt', channel: 'sms' }, { limit: 10 });
    expect(again.deliveries[0]?.receipt?.event).toBe('TEXT_DELIVERED');
  });
});

describe('phone verification', () => {
  let clock = Date.parse('2026-03-02T10:00:00Z');
  const verification = (): PhoneVerificationDeps => ({
    table,
    now: () => new Date(clock),
    sendSms: createSmsSender(),
    origination: { originationIdentity: FROM },
    productName: 'Alert Whisperer',
  });
  const codeSentTo = (number: string) =>
    /code is (\d{6})/.exec(
      sms
        .messages()
        .filter((m) => m.to === number)
        .at(-1)?.body ?? '',
    )?.[1];
  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof AppError ? error.status : String(error)),
    );

  test('a code by SMS, at most one a minute, 5 tries; only then is the number used, and only by one user', async () => {
    expect(await requestPhoneCode(verification(), 'u-ann', '+447700900555')).toMatchObject({
      number: null,
      pending: { number: '+447700900555' },
    });
    const code = codeSentTo('+447700900555')!;
    expect(code).toMatch(/^\d{6}$/);
    // Not verified yet: an SMS reply from it is nobody's.
    expect(await findUserByVerifiedPhone(table, '+447700900555')).toBeUndefined();
    expect(await status(requestPhoneCode(verification(), 'u-ann', '+447700900555'))).toBe(429);
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(confirmPhoneCode(verification(), 'u-ann', wrong)).rejects.toThrow('Wrong code (4 tries left)');
    expect(await confirmPhoneCode(verification(), 'u-ann', code)).toMatchObject({ number: '+447700900555', pending: null });
    expect((await findUserByVerifiedPhone(table, '+447700900555'))?.id).toBe('u-ann');
    // The stored item keeps only a hash of the code.
    expect(JSON.stringify(await getUserPhone(table, 'u-ann'))).not.toContain(code);

    // Another user cannot take a verified number.
    clock += 120_000;
    await requestPhoneCode(verification(), 'u-ben', '+447700900555');
    expect(await status(confirmPhoneCode(verification(), 'u-ben', codeSentTo('+447700900555')!))).toBe(409);
  });

  test('an expired code is refused; five wrong codes lock the verification', async () => {
    clock += 3_600_000;
    await requestPhoneCode(verification(), 'u-cat', '+447700900666');
    const code = codeSentTo('+447700900666')!;
    clock += 11 * 60_000;
    expect(await status(confirmPhoneCode(verification(), 'u-cat', code))).toBe(410);
    await requestPhoneCode(verification(), 'u-cat', '+447700900666');
    const fresh = codeSentTo('+447700900666')!;
    const wrong = fresh === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 5; attempt++) expect(await status(confirmPhoneCode(verification(), 'u-cat', wrong))).toBe(400);
    expect(await status(confirmPhoneCode(verification(), 'u-cat', fresh))).toBe(429);
  });

  test('without an origination identity no code is sent: a clear 409', async () => {
    const before = sms.messages().length;
    expect(await status(requestPhoneCode({ ...verification(), origination: {} }, 'u-cat', '+447700900999'))).toBe(409);
    expect(sms.messages()).toHaveLength(before);
  });

  test('a number the SMS service refuses is a clear 400, and nothing is stored', async () => {
    clock += 3_600_000;
    expect(await status(requestPhoneCode(verification(), 'u-ben', '+1555'))).toBe(400);
    expect((await getUserPhone(table, 'u-ben'))?.pending?.number).not.toBe('+1555');
  });
});
