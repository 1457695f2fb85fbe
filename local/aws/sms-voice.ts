/**
 * A thin local stand-in for AWS End User Messaging SMS and Voice (API `PinpointSMSVoiceV2`), run in this
 * process on a free loopback port, like local/aws/ses.ts for SES. It speaks the service's wire protocol
 * (AWS JSON 1.0: `POST /`, `X-Amz-Target: PinpointSMSVoiceV2.<Operation>`, a JSON body), so the
 * unchanged SDK client works against it with `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2` set to `endpoint`
 * (any credentials, any region). Nothing is texted or called: messages are kept in memory.
 *
 * Operations: SendTextMessage and SendVoiceMessage, answering `{"MessageId"}`, validated like the real
 * service (E.164 destination, a body of 1 to 1600 characters for SMS and 1 to 6000 for voice, voice
 * needs an OriginationIdentity, SSML must be one well-formed `<speak>` element, known MessageType,
 * MessageBodyTextType and VoiceId, at most 5 Context entries). Errors are HTTP 400 JSON
 * `{"__type", "message", "Message", "Reason", "Fields"}` (the SDK reads the type from `__type` and
 * throws its modelled class, e.g. `ValidationException`; `Message` is the modelled member, `message`
 * what the SDK's `error.message` is read from first); other targets answer `UnknownOperationException`.
 * A number that replied STOP is opted out (ConflictException, Reason DESTINATION_PHONE_NUMBER_OPTED_OUT)
 * until it replies START.
 *
 * Besides the API:
 * - `GET /` — a page of the messages, newest first (links clickable, refreshed every 3 s), with a
 *   reply form per recipient: the two-way SMS of a technician answering `ACK`.
 * - `GET /store` — `{ messages, inbound }`; `POST /clear-store` forgets both.
 * - `POST /reply` (form: `from`, `body`) — what the page's forms post; `reply(from, body)` does the same.
 *
 * A reply calls `onInbound` with the JSON that AWS publishes to a two-way SMS number's SNS topic
 * (https://docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms-payload.html):
 * `{ originationNumber, destinationNumber, messageKeyword, messageBody, inboundMessageId,
 * previousPublishedMessageId }`: the replier's number, the number it answers (the origination of the
 * last SMS sent to it, else LOCAL_ORIGINATION_NUMBER), the first word of the body in capitals (a local
 * simplification: AWS names the number's registered keyword), and the MessageId of that last SMS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';

export interface SentSms {
  messageId: string;
  channel: 'sms' | 'voice';
  /** The destination phone number (E.164). */
  to: string;
  /** The OriginationIdentity asked for, when one was. */
  from?: string;
  /** The text, or the voice message's text or SSML as sent. */
  body: string;
  /** When it was accepted (ISO). */
  at: string;
  context?: Record<string, string>;
  messageType?: string;
  configurationSetName?: string;
  voiceId?: string;
  bodyTextType?: 'TEXT' | 'SSML';
}

/** The payload AWS End User Messaging publishes to the SNS topic of a two-way SMS number. */
export interface InboundSms {
  originationNumber: string;
  destinationNumber: string;
  messageKeyword: string;
  messageBody: string;
  inboundMessageId: string;
  previousPublishedMessageId: string;
}

/**
 * A delivery status event as End User Messaging puts it on the account's default EventBridge bus
 * (source `aws.sms-voice`; detail-types `Text Message Delivery Status Updated`, `Voice Message Delivery Status Updated`).
 */
export interface DeliveryStatusEvent {
  source: 'aws.sms-voice';
  detailType: 'Text Message Delivery Status Updated' | 'Voice Message Delivery Status Updated';
  detail: Record<string, unknown>;
}

export interface LocalSmsVoiceOptions {
  log?: (line: string) => void;
  /**
   * Called with the final delivery status of each accepted message, as the service would put it on the
   * default bus (the handset is taken to have received every text and answered every call).
   */
  onStatusEvent?: (event: DeliveryStatusEvent) => void | Promise<void>;
  /** Called with each inbound SMS (a reply from the page or `reply()`), as SNS would deliver it. */
  onInbound?: (message: InboundSms) => void | Promise<void>;
  /** Default 0: a free port. */
  port?: number;
}

export interface LocalSmsVoice {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2. */
  endpoint: string;
  /** The web page of messages (`GET /`). */
  viewerUrl: string;
  /** Every message accepted so far, oldest first. */
  messages(): SentSms[];
  /** A text from `from` (E.164) to the stack: resolves once `onInbound` has handled it. */
  reply(from: string, body: string): Promise<InboundSms>;
  /** Forgets every message, inbound ones and opt-outs too. */
  clear(): void;
  /** Closes the server (open keep-alive connections included). */
  close(): Promise<void>;
}

/** The number replies go to when no SMS was sent to the replier (a local, never-assigned US number). */
export const LOCAL_ORIGINATION_NUMBER = '+15555550100';

const E164 = /^\+[1-9]\d{6,14}$/;
const SMS_BODY_MAX = 1600;
const VOICE_BODY_MAX = 6000;
const TARGET_PREFIX = 'PinpointSMSVoiceV2.';
const REQUEST_BODY_MAX = 1024 * 1024;
const VOICE_IDS = new Set<string>(Object.values(VoiceId));

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly status = 400,
  ) {
    super(message);
  }
}

type Field = { Name: string; Message: string };

function fieldError(fields: Field[]): ApiError {
  return new ApiError('ValidationException', fields.map((field) => `${field.Name}: ${field.Message}`).join('; '), {
    Reason: 'FIELD_VALIDATION_FAILED',
    Fields: fields,
  });
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Whether `ssml` is one `<speak>` element with every tag closed in order (what Polly would parse). */
export function ssmlProblem(ssml: string): string | undefined {
  const text = ssml.trim();
  if (!/^<speak(\s[^>]*)?>/.test(text) || !text.endsWith('</speak>')) return 'SSML must be one <speak> element';
  const stack: string[] = [];
  const tag =
    /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/gi;
  for (const match of text.matchAll(tag)) {
    const [whole, closing, name, , selfClosing] = match;
    if (whole === '<') return 'SSML has a "<" that opens no well-formed tag (escape it as &lt;)';
    if (whole.startsWith('&')) return 'SSML has an unescaped "&" (escape it as &amp;)';
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return `SSML closes <${name}> where it is not open`;
    } else stack.push(name as string);
    if (stack.length === 0 && match.index + whole.length < text.length) return 'SSML has content after </speak>';
  }
  return stack.length === 0 ? undefined : `SSML leaves <${stack.at(-1)}> open`;
}

function checkCommon(input: Record<string, unknown>, fields: Field[]): void {
  const to = input.DestinationPhoneNumber;
  if (to === undefined) fields.push({ Name: 'DestinationPhoneNumber', Message: 'is required' });
  else if (!isString(to) || !E164.test(to))
    fields.push({ Name: 'DestinationPhoneNumber', Message: 'must be a phone number in E.164 format' });
  const origination = input.OriginationIdentity;
  if (origination !== undefined && (!isString(origination) || origination.length < 1 || origination.length > 256)) {
    fields.push({ Name: 'OriginationIdentity', Message: 'must be 1 to 256 characters' });
  }
  const context = input.Context;
  if (context !== undefined) {
    const entries = typeof context === 'object' && context !== null ? Object.entries(context) : undefined;
    if (
      !entries ||
      entries.length > 5 ||
      entries.some(([key, value]) => !key || key.length > 100 || !isString(value) || !value || value.length > 800)
    ) {
      fields.push({ Name: 'Context', Message: 'must map at most 5 keys (1-100 characters) to values of 1-800 characters' });
    }
  }
}

function checkBody(body: unknown, max: number, fields: Field[]): void {
  if (body === undefined) fields.push({ Name: 'MessageBody', Message: 'is required' });
  else if (!isString(body) || body.length < 1 || body.length > max)
    fields.push({ Name: 'MessageBody', Message: `must be 1 to ${max} characters` });
}

/** The first word of a reply, in capitals: STOP, START, ACK... */
const keywordOf = (body: string) => (body.trim().split(/\s+/)[0] ?? '').toUpperCase();
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT']);
const OPT_IN = new Set(['START', 'UNSTOP', 'YES']);

/** Starts the emulator on 127.0.0.1 and resolves once it listens. */
export async function startLocalSmsVoice(options: LocalSmsVoiceOptions = {}): Promise<LocalSmsVoice> {
  const log = options.log ?? ((line: string) => console.log(line));
  let sent: SentSms[] = [];
  let inbound: Array<InboundSms & { at: string }> = [];
  const optedOut = new Set<string>();

  function accept(channel: 'sms' | 'voice', input: Record<string, unknown>): SentSms {
    const fields: Field[] = [];
    checkCommon(input, fields);
    if (channel === 'sms') {
      checkBody(input.MessageBody, SMS_BODY_MAX, fields);
      if (input.MessageType !== undefined && input.MessageType !== 'TRANSACTIONAL' && input.MessageType !== 'PROMOTIONAL') {
        fields.push({ Name: 'MessageType', Message: 'must be TRANSACTIONAL or PROMOTIONAL' });
      }
    } else {
      if (input.OriginationIdentity === undefined) fields.push({ Name: 'OriginationIdentity', Message: 'is required' });
      checkBody(input.MessageBody, VOICE_BODY_MAX, fields);
      const textType = input.MessageBodyTextType ?? 'TEXT';
      if (textType !== 'TEXT' && textType !== 'SSML') fields.push({ Name: 'MessageBodyTextType', Message: 'must be TEXT or SSML' });
      else if (textType === 'SSML' && isString(input.MessageBody)) {
        const problem = ssmlProblem(input.MessageBody);
        if (problem) fields.push({ Name: 'MessageBody', Message: problem });
      }
      if (input.VoiceId !== undefined && (!isString(input.VoiceId) || !VOICE_IDS.has(input.VoiceId))) {
        fields.push({ Name: 'VoiceId', Message: 'is not a supported voice' });
      }
    }
    if (fields.length > 0) throw fieldError(fields);
    const to = input.DestinationPhoneNumber as string;
    if (optedOut.has(to)) {
      throw new ApiError('ConflictException', 'The destination phone number has opted out of receiving messages', {
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opted-out-number',
        ResourceId: to,
      });
    }
    const message: SentSms = {
      messageId: randomUUID(),
      channel,
      to,
      ...(isString(input.OriginationIdentity) ? { from: input.OriginationIdentity } : {}),
      body: input.MessageBody as string,
      at: new Date().toISOString(),
      ...(input.Context ? { context: input.Context as Record<string, string> } : {}),
      ...(isString(input.MessageType) ? { messageType: input.MessageType } : {}),
      ...(isString(input.ConfigurationSetName) ? { configurationSetName: input.ConfigurationSetName } : {}),
      ...(channel === 'voice'
        ? {
            voiceId: isString(input.VoiceId) ? input.VoiceId : 'JOANNA',
            bodyTextType: (input.MessageBodyTextType ?? 'TEXT') as 'TEXT' | 'SSML',
          }
        : {}),
    };
    sent.push(message);
    if (options.onStatusEvent) {
      const now = Date.now();
      const event: DeliveryStatusEvent = {
        source: 'aws.sms-voice',
        detailType: channel === 'sms' ? 'Text Message Delivery Status Updated' : 'Voice Message Delivery Status Updated',
        detail: {
          eventType: channel === 'sms' ? 'TEXT_DELIVERED' : 'VOICE_COMPLETED',
          eventVersion: '1.0',
          eventTimestamp: now,
          isFinal: true,
          originationPhoneNumber: message.from ?? LOCAL_ORIGINATION_NUMBER,
          destinationPhoneNumber: to,
          messageId: message.messageId,
          messageRequestTimestamp: Date.parse(message.at),
          messageStatus: channel === 'sms' ? 'DELIVERED' : 'COMPLETED',
          messageStatusDescription: channel === 'sms' ? 'Message has been accepted by phone' : 'The call was answered and completed',
          ...(message.context ? { context: message.context } : {}),
        },
      };
      // After the answer, as the service does: a status never arrives before the send returns.
      setTimeout(
        () =>
          void Promise.resolve(options.onStatusEvent?.(event)).catch((error: unknown) =>
            log(`local SMS/voice: ${(error as Error).message}`),
          ),
        200,
      );
    }
    return message;
  }

  async function reply(from: string, body: string): Promise<InboundSms> {
    if (!E164.test(from)) throw new Error('A reply comes from a phone number in E.164 format');
    if (body.length < 1 || body.length > SMS_BODY_MAX) throw new Error(`A reply has 1 to ${SMS_BODY_MAX} characters`);
    const last = sent.filter((message) => message.channel === 'sms' && message.to === from).at(-1);
    const keyword = keywordOf(body);
    const message: InboundSms = {
      originationNumber: from,
      destinationNumber: last?.from && E164.test(last.from) ? last.from : LOCAL_ORIGINATION_NUMBER,
      messageKeyword: keyword,
      messageBody: body,
      inboundMessageId: randomUUID(),
      previousPublishedMessageId: last?.messageId ?? '',
    };
    if (OPT_OUT.has(keyword)) optedOut.add(from);
    if (OPT_IN.has(keyword)) optedOut.delete(from);
    inbound.push({ ...message, at: new Date().toISOString() });
    await options.onInbound?.(message);
    return message;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= REQUEST_BODY_MAX) chunks.push(chunk);
    });
    req.on('end', () => {
      void route(req, res, Buffer.concat(chunks).toString('utf8'), size > REQUEST_BODY_MAX).catch((error: unknown) => {
        log(`local SMS/voice: ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal error');
      });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse, body: string, tooLarge: boolean): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && path === '/' && target !== undefined) return api(res, String(target), body, tooLarge);
    if (req.method === 'GET' && path === '/') return send(res, 200, 'text/html; charset=utf-8', page(sent, inbound));
    if (req.method === 'GET' && path === '/store') return send(res, 200, 'application/json', JSON.stringify({ messages: sent, inbound }));
    if (req.method === 'POST' && path === '/clear-store') {
      clear();
      return send(res, 200, 'application/json', '{}');
    }
    if (req.method === 'POST' && path === '/reply') {
      const form = new URLSearchParams(body);
      try {
        await reply(form.get('from') ?? '', form.get('body') ?? '');
      } catch (error) {
        return send(res, 400, 'text/plain; charset=utf-8', `Reply not sent: ${(error as Error).message}`);
      }
      res.writeHead(303, { location: '/' });
      res.end();
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'Not found');
  }

  function api(res: ServerResponse, target: string, body: string, tooLarge: boolean): void {
    const answer = (status: number, payload: unknown) =>
      send(res, status, 'application/x-amz-json-1.0', JSON.stringify(payload), { 'x-amzn-requestid': randomUUID() });
    try {
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      if (operation !== 'SendTextMessage' && operation !== 'SendVoiceMessage') {
        throw new ApiError('UnknownOperationException', `The local SMS and voice service does not implement ${target || 'that operation'}`);
      }
      if (tooLarge) throw new ApiError('ValidationException', 'Request too large', { Reason: 'CANNOT_PARSE' });
      let input: unknown;
      try {
        input = JSON.parse(body || '{}');
      } catch {
        throw new ApiError('SerializationException', 'The request body is not JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new ApiError('SerializationException', 'The request body is not a JSON object');
      const message = accept(operation === 'SendTextMessage' ? 'sms' : 'voice', input as Record<string, unknown>);
      answer(200, { MessageId: message.messageId });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      answer(error.status, {
        __type: `com.amazonaws.pinpointsmsvoicev2#${error.type}`,
        message: error.message,
        Message: error.message,
        ...error.extra,
      });
    }
  }

  function clear(): void {
    sent = [];
    inbound = [];
    optedOut.clear();
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  server.on('error', (error) => log(`local SMS/voice: ${error.message}`));
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    viewerUrl: `${endpoint}/`,
    messages: () => sent.map((message) => ({ ...message })),
    reply,
    clear,
    async close() {
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

// ---------------------------------------------------------------------------------------------------
// The page

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);

/** Text with its http(s) links made clickable, everything escaped. */
function linkify(text: string): string {
  const url = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;
  let out = '';
  let last = 0;
  for (const match of text.matchAll(url)) {
    out += escapeHtml(text.slice(last, match.index));
    const href = escapeHtml(match[0]);
    out += `<a href="${href}" target="_blank" rel="noopener noreferrer">${href}</a>`;
    last = match.index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** What Polly would say, roughly: the SSML without its tags, entities decoded. */
function spokenText(ssml: string): string {
  return ssml
    .replace(/<break[^>]*>/g, ' … ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function page(sent: SentSms[], inbound: Array<InboundSms & { at: string }>): string {
  const recipients = [...new Set(sent.filter((message) => message.channel === 'sms').map((message) => message.to))];
  type Row = { at: string; html: string };
  const rows: Row[] = [
    ...sent.map((message) => {
      const voice = message.channel === 'voice';
      const shown = voice && message.bodyTextType === 'SSML' ? spokenText(message.body) : message.body;
      return {
        at: message.at,
        html: `<li class="${message.channel}"><div class="meta"><span class="tag">${voice ? 'VOICE CALL' : 'SMS'}</span> to <b>${escapeHtml(message.to)}</b>${
          message.from ? ` from ${escapeHtml(message.from)}` : ''
        } · ${escapeHtml(message.at)}${
          message.context
            ? ` · ${escapeHtml(
                Object.entries(message.context)
                  .map(([key, value]) => `${key}=${value}`)
                  .join(' '),
              )}`
            : ''
        }</div><div class="body">${linkify(shown)}</div>${
          voice && message.bodyTextType === 'SSML' ? `<details><summary>SSML</summary><pre>${escapeHtml(message.body)}</pre></details>` : ''
        }</li>`,
      };
    }),
    ...inbound.map((message) => ({
      at: message.at,
      html: `<li class="inbound"><div class="meta"><span class="tag">REPLY</span> from <b>${escapeHtml(message.originationNumber)}</b> to ${escapeHtml(
        message.destinationNumber,
      )} · ${escapeHtml(message.at)}</div><div class="body">${linkify(message.messageBody)}</div></li>`,
    })),
  ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const forms = recipients
    .map(
      (to) =>
        `<form method="post" action="/reply"><input type="hidden" name="from" value="${escapeHtml(to)}"><label>Reply from <b>${escapeHtml(
          to,
        )}</b> <input name="body" value="ACK" maxlength="${SMS_BODY_MAX}" required></label> <button type="submit">Send</button></form>`,
    )
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Local SMS and voice</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#111827;background:#f9fafb}
ul{list-style:none;padding:0}li{background:#fff;border-left:4px solid #1d4ed8;margin:0 0 12px;padding:12px;border-radius:4px}
li.voice{border-color:#7c3aed}li.inbound{border-color:#15803d}.meta{color:#6b7280;font-size:12px;margin-bottom:6px}
.tag{font-weight:600;color:#111827}.body{white-space:pre-wrap;word-break:break-word}form{margin:0 0 8px}pre{white-space:pre-wrap;font-size:12px}</style>
</head><body><h1>Local SMS and voice</h1>
<p>Text messages and voice calls sent through the local AWS End User Messaging SMS and Voice. Nothing leaves this machine. <span id="count">${sent.length}</span> sent.</p>
${forms ? `<section><h2>Reply as a recipient (two-way SMS)</h2>${forms}</section>` : ''}
<ul id="messages">${rows.map((row) => row.html).join('') || '<li>No messages yet.</li>'}</ul>
<script>setInterval(function(){var a=document.activeElement;if(!a||a.tagName!=='INPUT')location.reload()},3000)</script>
</body></html>`;
}
