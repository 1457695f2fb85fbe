// SMS and voice senders (lib/notify/sms-voice.ts) through aws-sdk-client-mock: the SendTextMessage and
// SendVoiceMessage inputs, the MessageId as providerId, which errors are worth retrying, a voice target
// without an origination identity, and no phone number in any error (only its masked form).
import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { classifySmsVoiceError, createSmsSender, createVoiceSender, smsVoice } from '../../lib/notify/sms-voice';
import { maskPhoneNumber } from '../../lib/domain/notify/sms-voice';

const client = mockClient(PinpointSMSVoiceV2Client);
const TO = '+447700900123';
const sms = createSmsSender();
const voice = createVoiceSender();

beforeEach(() => client.reset());

describe('createSmsSender', () => {
  it('sends one transactional SendTextMessage with the target and context, and returns the MessageId', async () => {
    client.on(SendTextMessageCommand).resolves({ MessageId: 'm-0001', $metadata: { httpStatusCode: 200 } });
    const attempt = await sms(
      { body: 'Alert Whisperer [CRITICAL] Acme: Disk full.', context: { incidentId: 'inc-01', notificationId: 'n-1' } },
      { to: TO, originationIdentity: 'pool-abc', configurationSetName: 'aw-sms' },
    );
    expect(attempt).toEqual({ ok: true, retryable: false, status: 200, providerId: 'm-0001' });
    expect(client.commandCalls(SendTextMessageCommand)).toHaveLength(1);
    expect(client.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: TO,
      MessageBody: 'Alert Whisperer [CRITICAL] Acme: Disk full.',
      MessageType: 'TRANSACTIONAL',
      OriginationIdentity: 'pool-abc',
      ConfigurationSetName: 'aw-sms',
      Context: { incidentId: 'inc-01', notificationId: 'n-1' },
    });
  });

  it('leaves out what the target does not have', async () => {
    client.on(SendTextMessageCommand).resolves({ MessageId: 'm-0002' });
    await sms({ body: 'hello' }, { to: TO });
    const input = client.commandCalls(SendTextMessageCommand)[0]?.args[0].input;
    expect(input).toEqual({ DestinationPhoneNumber: TO, MessageBody: 'hello', MessageType: 'TRANSACTIONAL' });
  });

  it('never throws: a rejection becomes a failed attempt without the phone number', async () => {
    client.on(SendTextMessageCommand).rejects(
      new ValidationException({
        message: `Invalid destination ${TO}`,
        Reason: 'FIELD_VALIDATION_FAILED',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const attempt = await sms({ body: 'hello' }, { to: TO });
    expect(attempt.ok).toBe(false);
    expect(attempt.retryable).toBe(false);
    expect(attempt.status).toBe(400);
    expect(attempt.error).toBe('SMS/voice ValidationException (FIELD_VALIDATION_FAILED): Invalid destination +44…0123');
    expect(attempt.error).not.toContain('7700900123');
  });
});

describe('createVoiceSender', () => {
  it('sends SSML read by JOANNA from the origination identity', async () => {
    client.on(SendVoiceMessageCommand).resolves({ MessageId: 'v-0001', $metadata: { httpStatusCode: 200 } });
    const attempt = await voice(
      { ssml: '<speak>Hello</speak>', context: { incidentId: 'inc-01' } },
      { to: TO, originationIdentity: '+15555550100' },
    );
    expect(attempt).toEqual({ ok: true, retryable: false, status: 200, providerId: 'v-0001' });
    expect(client.commandCalls(SendVoiceMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: TO,
      OriginationIdentity: '+15555550100',
      MessageBody: '<speak>Hello</speak>',
      MessageBodyTextType: 'SSML',
      VoiceId: 'JOANNA',
      Context: { incidentId: 'inc-01' },
    });
  });

  it('fails at once, not worth retrying, without an origination identity (and sends nothing)', async () => {
    const attempt = await voice({ ssml: '<speak>Hello</speak>' }, { to: TO });
    expect(attempt.ok).toBe(false);
    expect(attempt.retryable).toBe(false);
    expect(attempt.error).toMatch(/origination identity/);
    expect(attempt.error).toContain('+44…0123');
    expect(attempt.error).not.toContain(TO);
    expect(client.commandCalls(SendVoiceMessageCommand)).toHaveLength(0);
  });
});

describe('classifySmsVoiceError', () => {
  const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });
  it.each([
    ['ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', ...meta(400) }), true],
    ['InternalServerException', new InternalServerException({ message: 'Internal error', ...meta(500) }), true],
    ['ValidationException', new ValidationException({ message: 'bad', ...meta(400) }), false],
    ['AccessDeniedException', new AccessDeniedException({ message: 'denied', ...meta(403) }), false],
    ['ResourceNotFoundException', new ResourceNotFoundException({ message: 'no such pool', ...meta(404) }), false],
    [
      'ConflictException',
      new ConflictException({ message: 'opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ...meta(400) }),
      false,
    ],
    ['ServiceQuotaExceededException', new ServiceQuotaExceededException({ message: 'monthly spend', ...meta(400) }), false],
  ])('%s', (name, error, retryable) => {
    const attempt = classifySmsVoiceError(error, TO);
    expect(attempt.retryable).toBe(retryable);
    expect(attempt.ok).toBe(false);
    expect(attempt.error).toContain(name);
  });

  it('retries an unmodelled 5xx and a network failure, not an unmodelled 4xx', () => {
    expect(classifySmsVoiceError({ name: 'Weird', $metadata: { httpStatusCode: 503 } }).retryable).toBe(true);
    expect(classifySmsVoiceError({ name: 'Weird', $metadata: { httpStatusCode: 400 } }).retryable).toBe(false);
    expect(classifySmsVoiceError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retryable).toBe(true);
  });

  it('names the reason (an opted-out destination) and masks every phone number in the text', () => {
    const attempt = classifySmsVoiceError(
      new ConflictException({
        message: `Destination ${TO} opted out; origination +1 (555) 555-0100`,
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opted-out-number',
        ResourceId: TO,
        ...meta(400),
      }),
      TO,
    );
    expect(attempt.error).toBe(
      'SMS/voice ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT): Destination +44…0123 opted out; origination +15…0100',
    );
    expect(attempt.error).not.toMatch(/7700900123|555-0100/);
  });
});

describe('maskPhoneNumber and the client', () => {
  it('keeps the country code and the last four digits', () => {
    expect(maskPhoneNumber('+447700900123')).toBe('+44…0123');
    expect(maskPhoneNumber('+15555550100')).toBe('+15…0100');
    expect(maskPhoneNumber('+123')).toBe('+…');
  });

  it('makes one attempt per call (deliver.ts retries)', async () => {
    expect(await smsVoice().config.maxAttempts()).toBe(1);
  });
});
