/**
 * Senders for text messages and voice calls through AWS End User Messaging SMS and Voice (API
 * `PinpointSMSVoiceV2`), in the shape of lib/notify/channels.ts: `(message, target) => DeliveryAttempt`,
 * a single try that never throws, saying whether it worked and, when not, whether trying again could
 * help. Retrying is lib/notify/deliver.ts's business, which is why the client makes exactly one attempt
 * per call.
 *
 * - SMS: SendTextMessage, `MessageType: 'TRANSACTIONAL'`, from the target's origination identity
 *   (a phone number, pool or sender ID; without one the service picks one of the account's) and
 *   configuration set when it has them; lib/domain/notify/sms-voice.ts's renderSms makes the text.
 * - voice: SendVoiceMessage with renderVoice's SSML read by a Polly voice. A call needs an origination
 *   identity (a voice-capable number): a target without one fails at once, not worth retrying.
 *
 * The endpoint comes from `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2` (the SDK derives it from the
 * service id "Pinpoint SMS Voice V2"); the local stack points it at local/aws/sms-voice.ts. Phone
 * numbers are personal data: no error text here contains one, only its masked form (`+44…1234`).
 */
import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { traced } from '../observability';
import { isRetryable } from '../domain/notify/preferences';
import { maskPhoneNumber } from '../domain/notify/sms-voice';
import type { DeliveryAttempt, Sender } from './channels';

export interface PhoneTarget {
  /** The recipient, E.164 (`+447700900123`). Personal data: never in an error or a log line. */
  to: string;
  /** The phone number, pool or sender ID (id or ARN) to send from; required for voice. */
  originationIdentity?: string;
  configurationSetName?: string;
}

/**
 * What the service keeps with a message and hands back in its delivery status events: the delivery record
 * the status belongs to (its tenant and id), and the incident and notification for people reading them.
 */
export interface MessageContext {
  tenantId?: string;
  deliveryId?: string;
  incidentId?: string;
  notificationId?: string;
}

/** What to text: renderSms's body, and what the service logs with it to the configuration set's event destinations. */
export interface SmsMessage {
  body: string;
  context?: MessageContext;
}

/** What to say: renderVoice's SSML, and the Polly voice that reads it (default JOANNA). */
export interface VoiceMessage {
  ssml: string;
  voiceId?: VoiceId;
  context?: MessageContext;
}

const ERROR_TEXT_MAX = 300;

let smsVoiceClient: PinpointSMSVoiceV2Client | undefined;

/** The cached client (endpoint from `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`). One attempt per call: deliver.ts retries. */
export function smsVoice(): PinpointSMSVoiceV2Client {
  smsVoiceClient ??= traced(new PinpointSMSVoiceV2Client({ maxAttempts: 1 }));
  return smsVoiceClient;
}

/** Every phone-number-like run of digits in `text`, masked (an error message may echo the destination). */
function withoutPhoneNumbers(text: string, known: string[]): string {
  let out = text;
  for (const number of known) if (number) out = out.split(number).join(maskPhoneNumber(number));
  return out.replace(/\+?\d[\d\s().-]{5,}\d/g, (match) => (match.replace(/\D/g, '').length >= 7 ? maskPhoneNumber(match) : match));
}

function clip(text: string, max = ERROR_TEXT_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Errors worth retrying whatever their status, and those never worth it. */
const RETRYABLE = new Set([
  'ThrottlingException',
  'InternalServerException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalFailure',
]);
const FINAL = new Set([
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  // e.g. Reason DESTINATION_PHONE_NUMBER_OPTED_OUT: the recipient texted STOP.
  'ConflictException',
  'ServiceQuotaExceededException',
  'UnknownOperationException',
]);

interface AwsError {
  name?: string;
  message?: string;
  Reason?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * Whether a failed SMS or voice call may succeed later: throttling, internal errors, 5xx and network
 * failures may; validation, permissions, unknown resources, conflicts (an opted-out destination) and
 * exhausted quotas never. `to` (and any number-like text) is masked in the error.
 */
export function classifySmsVoiceError(error: unknown, to = ''): DeliveryAttempt {
  const aws = (typeof error === 'object' && error !== null ? error : {}) as AwsError;
  const name = aws.name ?? 'Error';
  const status = aws.$metadata?.httpStatusCode;
  let retryable: boolean;
  if (RETRYABLE.has(name) || aws.$retryable) retryable = true;
  else if (FINAL.has(name)) retryable = false;
  else if (status !== undefined) retryable = isRetryable({ status });
  else retryable = aws.$fault !== 'client'; // no answer at all (network, timeout) is worth another try
  const reason = aws.Reason ? ` (${aws.Reason})` : '';
  const message = aws.message ?? String(error);
  return {
    ok: false,
    retryable,
    error: clip(withoutPhoneNumbers(`SMS/voice ${name}${reason}: ${message}`, [to])),
    ...(status !== undefined ? { status } : {}),
  };
}

function contextOf(context: SmsMessage['context']): Record<string, string> | undefined {
  const entries = Object.entries(context ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function succeeded(result: { MessageId?: string; $metadata: { httpStatusCode?: number } }): DeliveryAttempt {
  return {
    ok: true,
    retryable: false,
    ...(result.$metadata.httpStatusCode !== undefined ? { status: result.$metadata.httpStatusCode } : {}),
    ...(result.MessageId ? { providerId: result.MessageId } : {}),
  };
}

/** An SMS sender over `client` (the cached client by default). */
export function createSmsSender(client: () => PinpointSMSVoiceV2Client = smsVoice): Sender<SmsMessage, PhoneTarget> {
  return async (message, target) => {
    try {
      const context = contextOf(message.context);
      const result = await client().send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: target.to,
          MessageBody: message.body,
          MessageType: 'TRANSACTIONAL',
          ...(target.originationIdentity ? { OriginationIdentity: target.originationIdentity } : {}),
          ...(target.configurationSetName ? { ConfigurationSetName: target.configurationSetName } : {}),
          ...(context ? { Context: context } : {}),
        }),
      );
      return succeeded(result);
    } catch (error) {
      return classifySmsVoiceError(error, target.to);
    }
  };
}

/** A voice sender over `client` (the cached client by default): SSML read by `message.voiceId` (default JOANNA). */
export function createVoiceSender(client: () => PinpointSMSVoiceV2Client = smsVoice): Sender<VoiceMessage, PhoneTarget> {
  return async (message, target) => {
    if (!target.originationIdentity) {
      return {
        ok: false,
        retryable: false,
        error: `A voice call needs an origination identity (a voice-capable phone number or pool); none is set for ${maskPhoneNumber(target.to)}`,
      };
    }
    try {
      const context = contextOf(message.context);
      const result = await client().send(
        new SendVoiceMessageCommand({
          DestinationPhoneNumber: target.to,
          OriginationIdentity: target.originationIdentity,
          MessageBody: message.ssml,
          MessageBodyTextType: 'SSML',
          VoiceId: message.voiceId ?? 'JOANNA',
          ...(target.configurationSetName ? { ConfigurationSetName: target.configurationSetName } : {}),
          ...(context ? { Context: context } : {}),
        }),
      );
      return succeeded(result);
    } catch (error) {
      return classifySmsVoiceError(error, target.to);
    }
  };
}
