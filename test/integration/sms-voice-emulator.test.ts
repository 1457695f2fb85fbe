// The local SMS and voice service (local/aws/sms-voice.ts) against the real SDK client: the senders of
// lib/notify/sms-voice.ts text and call through it with only AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 set;
// what they send shows in /store and on the page (escaped, links clickable); the service's validation
// comes back as the SDK's modelled exceptions and non-retryable attempts; a reply reaches onInbound as the
// two-way SMS SNS payload, and STOP opts the number out.
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, ValidationException } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { renderSms, renderVoice } from '../../lib/domain/notify/sms-voice';
import type { NotificationInput } from '../../lib/domain/notify/templates';
import { createSmsSender, createVoiceSender } from '../../lib/notify/sms-voice';
import { startLocalSmsVoice, type InboundSms, type LocalSmsVoice } from '../../local/aws/sms-voice';

const TO = '+447700900123';
const FROM = '+15555550142';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const notification: NotificationInput = {
  kind: 'escalation',
  at: '2026-03-02T09:10:00.000Z',
  incident: {
    id: 'inc-01',
    tenantId: 'acme',
    tenantName: 'Acme <b>Corp</b>',
    title: 'Database down on db-prod-01',
    severity: 'critical',
    status: 'open',
    assetRef: 'db-prod-01',
    openedAt: '2026-03-02T09:00:00.000Z',
    url: 'https://aw.example.com/incidents/inc-01',
  },
  level: 2,
  levelCount: 3,
  reason: 'not acknowledged',
};
const LINK = 'https://aw.example.com/incidents/inc-01?ack=1';

let emulator: LocalSmsVoice;
let client: PinpointSMSVoiceV2Client;
const inbound: InboundSms[] = [];
const savedEndpoint = process.env.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2;

beforeAll(async () => {
  emulator = await startLocalSmsVoice({ log: () => {}, onInbound: (message) => void inbound.push(message) });
  // The endpoint only through the SDK's per-service variable, as the local stack gives it to the handlers.
  process.env.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 = emulator.endpoint;
  client = new PinpointSMSVoiceV2Client({ region: 'eu-west-2', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2;
  else process.env.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 = savedEndpoint;
});

beforeEach(() => {
  emulator.clear();
  inbound.length = 0;
});

const sms = createSmsSender(() => client);
const voice = createVoiceSender(() => client);

async function store(): Promise<{ messages: Array<Record<string, unknown>>; inbound: InboundSms[] }> {
  const response = await fetch(`${emulator.endpoint}/store`);
  expect(response.status).toBe(200);
  return (await response.json()) as { messages: Array<Record<string, unknown>>; inbound: InboundSms[] };
}

describe('local SMS and voice through the real SDK', () => {
  it('texts: the MessageId comes back as providerId, and the message is in /store and on the page', async () => {
    const body = renderSms(notification, { link: LINK });
    const attempt = await sms({ body, context: { incidentId: 'inc-01', notificationId: 'n-1' } }, { to: TO, originationIdentity: FROM });
    expect(attempt.ok).toBe(true);
    expect(attempt.status).toBe(200);
    expect(attempt.providerId).toMatch(/^[0-9a-f-]{36}$/);

    const { messages } = await store();
    expect(messages).toEqual([
      expect.objectContaining({
        messageId: attempt.providerId,
        channel: 'sms',
        to: TO,
        from: FROM,
        body,
        messageType: 'TRANSACTIONAL',
        context: { incidentId: 'inc-01', notificationId: 'n-1' },
      }),
    ]);
    expect(emulator.messages()).toEqual(messages);

    const page = await (await fetch(emulator.viewerUrl)).text();
    expect(page).toContain(`<a href="${LINK}"`);
    expect(page).toContain('Acme &lt;b&gt;Corp&lt;/b&gt;');
    expect(page).not.toContain('<b>Corp</b>');
    expect(page).toContain('setInterval');
    expect(page).toMatch(/<form method="post" action="\/reply"><input type="hidden" name="from" value="\+447700900123">/);
  });

  it('calls: SSML with a voice and an origination identity', async () => {
    const ssml = renderVoice(notification);
    const attempt = await voice({ ssml }, { to: TO, originationIdentity: FROM });
    expect(attempt).toEqual(expect.objectContaining({ ok: true, providerId: expect.any(String) }));
    expect(emulator.messages()).toEqual([
      expect.objectContaining({ channel: 'voice', to: TO, from: FROM, body: ssml, voiceId: 'JOANNA', bodyTextType: 'SSML' }),
    ]);
    const page = await (await fetch(emulator.viewerUrl)).text();
    expect(page).toContain('VOICE CALL');
    expect(page).toContain('Open the link in the text message to acknowledge');
  });

  it('lists messages newest first', async () => {
    await sms({ body: 'first message' }, { to: TO });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sms({ body: 'second message' }, { to: '+15555550177' });
    const page = await (await fetch(emulator.viewerUrl)).text();
    expect(page.indexOf('second message')).toBeGreaterThan(0);
    expect(page.indexOf('second message')).toBeLessThan(page.indexOf('first message'));
  });

  it('refuses a number that is not E.164: the SDK throws ValidationException and the attempt is not retryable', async () => {
    await expect(
      client.send(new SendTextMessageCommand({ DestinationPhoneNumber: '07700 900123', MessageBody: 'x' })),
    ).rejects.toBeInstanceOf(ValidationException);
    const attempt = await sms({ body: 'hello' }, { to: '07700900123' });
    expect(attempt.ok).toBe(false);
    expect(attempt.retryable).toBe(false);
    expect(attempt.status).toBe(400);
    expect(attempt.error).toMatch(/^SMS\/voice ValidationException \(FIELD_VALIDATION_FAILED\): DestinationPhoneNumber/);
    expect(attempt.error).not.toContain('07700900123');
    expect(emulator.messages()).toHaveLength(0);
  });

  it('validates bodies, voice origination and SSML like the service', async () => {
    const tooLong = await sms({ body: 'a'.repeat(1601) }, { to: TO });
    expect(tooLong.error).toMatch(/MessageBody: must be 1 to 1600 characters/);
    expect((await sms({ body: 'a'.repeat(1600) }, { to: TO })).ok).toBe(true);

    const broken = await voice({ ssml: '<speak><p>unclosed</speak>' }, { to: TO, originationIdentity: FROM });
    expect(broken).toEqual(expect.objectContaining({ ok: false, retryable: false }));
    expect(broken.error).toMatch(/ValidationException.*SSML/);
    const ampersand = await voice({ ssml: '<speak>A & B</speak>' }, { to: TO, originationIdentity: FROM });
    expect(ampersand.error).toMatch(/unescaped "&"/);
    const voiceTooLong = await voice({ ssml: `<speak>${'a'.repeat(6000)}</speak>` }, { to: TO, originationIdentity: FROM });
    expect(voiceTooLong.error).toMatch(/MessageBody: must be 1 to 6000 characters/);

    // The sender refuses a voice target without origination itself; the service refuses it too.
    const raw = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'PinpointSMSVoiceV2.SendVoiceMessage' },
      body: JSON.stringify({ DestinationPhoneNumber: TO, MessageBody: 'hi' }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual(
      expect.objectContaining({ __type: expect.stringMatching(/#ValidationException$/), Reason: 'FIELD_VALIDATION_FAILED' }),
    );
    expect(emulator.messages()).toHaveLength(1);
  });

  it('answers other operations with UnknownOperationException', async () => {
    const response = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'PinpointSMSVoiceV2.DescribePhoneNumbers' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toMatch(/UnknownOperationException$/);
  });

  it('reply() hands onInbound the two-way SMS payload, answering the last SMS sent to that number', async () => {
    const first = await sms({ body: 'older' }, { to: TO, originationIdentity: '+15555550100' });
    const last = await sms({ body: 'newer' }, { to: TO, originationIdentity: FROM });
    expect(first.ok && last.ok).toBe(true);
    const payload = await emulator.reply(TO, 'ack please');
    expect(inbound).toEqual([payload]);
    expect(payload).toEqual({
      originationNumber: TO,
      destinationNumber: FROM,
      messageKeyword: 'ACK',
      messageBody: 'ack please',
      inboundMessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      previousPublishedMessageId: last.providerId,
    });
    expect((await store()).inbound).toEqual([expect.objectContaining(payload)]);
    await expect(emulator.reply('12345', 'ACK')).rejects.toThrow(/E\.164/);
  });

  it("the page's reply form posts a reply the same way", async () => {
    await sms({ body: 'hello' }, { to: TO });
    const response = await fetch(`${emulator.endpoint}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ from: TO, body: 'ACK' }).toString(),
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(inbound).toEqual([expect.objectContaining({ originationNumber: TO, messageBody: 'ACK', messageKeyword: 'ACK' })]);
    const page = await (await fetch(emulator.viewerUrl)).text();
    expect(page).toContain('REPLY');
  });

  it('STOP opts a number out (ConflictException, not retryable) until START', async () => {
    await emulator.reply(TO, 'STOP');
    const refused = await sms({ body: 'hello' }, { to: TO });
    expect(refused).toEqual(expect.objectContaining({ ok: false, retryable: false }));
    expect(refused.error).toContain('ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT)');
    await emulator.reply(TO, 'START');
    expect((await sms({ body: 'hello' }, { to: TO })).ok).toBe(true);
  });

  it('POST /clear-store forgets everything', async () => {
    await sms({ body: 'hello' }, { to: TO });
    const response = await fetch(`${emulator.endpoint}/clear-store`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(emulator.messages()).toEqual([]);
    expect((await store()).messages).toEqual([]);
  });
});
