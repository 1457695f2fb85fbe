// Notification senders: SES through aws-sdk-client-mock (the SendEmail input, which errors
// are worth retrying), and Slack, Teams and the signed webhook against a real HTTP receiver on loopback (the
// bodies are the renderers' output, the signature verifies, 429 + Retry-After, 5xx retried by deliver, 4xx
// not, timeouts, refused URLs, no URL in any error). DynamoDB is mocked: deliver's records are checked as
// returned and as batch-written.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BadRequestException,
  MessageRejected,
  SendEmailCommand,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDocumentClient } from '../../lib/aws/clients';
import { verifyDeliverySignature } from '../../lib/ingest/signature';
import {
  classifySesError,
  createEmailSender,
  createSlackSender,
  createTeamsSender,
  createWebhookSender,
  parseRetryAfter,
  type ChannelSenders,
  type DeliveryAttempt,
} from '../../lib/notify/channels';
import { deliver, scrubError, type DeliverDeps } from '../../lib/notify/deliver';
import { renderEmail, renderSlack, renderTeams, renderWebhook, type NotificationInput } from '../../lib/domain/notify/templates';
import { channelUrlProblem } from '../../lib/domain/notify/channel-settings';
import { maskUrl, publicChannelSettings } from '../../lib/store/notifications';

// The receivers below are on loopback: the local stack's explicit opt-in (lib/util/safe-url.ts).
process.env.AW_ALLOW_PRIVATE_WEBHOOKS = 'local';

const ses = mockClient(SESv2Client);
const dynamo = mockClient(DynamoDBDocumentClient);

const AT = '2026-03-02T10:00:00.000Z';
const notification: NotificationInput = {
  kind: 'sla-breach',
  at: AT,
  incident: {
    id: 'inc-01',
    tenantId: 'acme',
    tenantName: 'Acme Corp',
    title: 'Disk full on db-prod-01 <!channel>',
    severity: 'high',
    status: 'open',
    assetRef: 'db-prod-01',
    openedAt: '2026-03-02T09:00:00.000Z',
    url: 'https://aw.example.com/incidents/inc-01',
  },
  clock: 'response',
  deadline: '2026-03-02T09:30:00.000Z',
};

// ---------------------------------------------------------------------------------------------------
// A real HTTP receiver that records what it gets and answers from a script.

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Reply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the sender's timeout must fire). */
  hang?: boolean;
}

let server: Server;
let base: string;
let received: Received[] = [];
let replies: Reply[] = [];
let fallback: Reply = { status: 200, body: 'ok' };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const reply = replies.shift() ?? fallback;
      if (reply.hang) return;
      response.writeHead(reply.status ?? 200, reply.headers ?? {});
      response.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  replies = [];
  fallback = { status: 200, body: 'ok' };
  ses.reset();
  dynamo.reset();
  dynamo.on(BatchWriteCommand).resolves({});
  // No Slack app installed: Slack goes to the incoming webhook.
  dynamo.on(GetCommand).resolves({});
});

const slack = createSlackSender();
const teams = createTeamsSender();
const webhook = createWebhookSender();

// ---------------------------------------------------------------------------------------------------

describe('email (SESv2)', () => {
  const client = () => new SESv2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const email = createEmailSender(client);
  const message = renderEmail(notification);

  test('SendEmail with Simple content: subject, HTML and text bodies, the sender, the configuration set', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-0001', $metadata: { httpStatusCode: 200 } });
    const result = await email(message, {
      to: 'anna@acme.example',
      from: 'Alert Whisperer <alerts@msp.example>',
      configurationSetName: 'aw',
    });
    expect(result).toEqual({ ok: true, retryable: false, status: 200, providerId: 'msg-0001' });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'Alert Whisperer <alerts@msp.example>',
      Destination: { ToAddresses: ['anna@acme.example'] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: message.html, Charset: 'UTF-8' }, Text: { Data: message.text, Charset: 'UTF-8' } },
        },
      },
      ConfigurationSetName: 'aw',
    });
  });

  test('no configuration set unless one is given', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-0002' });
    await email(message, { to: 'anna@acme.example', from: 'alerts@msp.example' });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).not.toHaveProperty('ConfigurationSetName');
  });

  test('throttling is retryable', async () => {
    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }));
    const result = await email(message, { to: 'anna@acme.example', from: 'alerts@msp.example' });
    expect(result).toMatchObject({ ok: false, retryable: true, status: 429 });
    expect(result.error).toContain('TooManyRequestsException');
  });

  test('MessageRejected and an invalid address are not retryable', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: { httpStatusCode: 400 } }));
    expect(await email(message, { to: 'anna@acme.example', from: 'alerts@msp.example' })).toMatchObject({
      ok: false,
      retryable: false,
      error: 'SES MessageRejected: Email address is not verified.',
    });
    ses.on(SendEmailCommand).rejects(new BadRequestException({ message: 'Missing final @domain', $metadata: {} }));
    expect(await email(message, { to: 'not-an-address', from: 'alerts@msp.example' })).toMatchObject({ ok: false, retryable: false });
  });

  test('5xx and network failures are retryable; other client faults are not', () => {
    const serverError = new SESv2ServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    expect(classifySesError(serverError)).toMatchObject({ retryable: true, status: 500 });
    const unavailable = new SESv2ServiceException({ name: 'SomethingNew', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    expect(classifySesError(unavailable).retryable).toBe(true);
    expect(classifySesError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retryable).toBe(true);
    const unknownClientFault = new SESv2ServiceException({ name: 'SomethingElse', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    expect(classifySesError(unknownClientFault).retryable).toBe(false);
  });
});

describe('Slack incoming webhook', () => {
  test('POSTs renderSlack as JSON; success is 200 with the body "ok"', async () => {
    const message = renderSlack(notification);
    const result = await slack(message, { url: `${base}/services/T000/B000/XXXX` });
    expect(result).toEqual({ ok: true, status: 200, retryable: false });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', path: '/services/T000/B000/XXXX' });
    expect(received[0]?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(received[0]!.body)).toEqual(message);
    expect(received[0]!.body).toContain('&lt;!channel&gt;');
  });

  test('200 without "ok" is a failure, not retried', async () => {
    replies = [{ status: 200, body: 'something else' }];
    expect(await slack(renderSlack(notification), { url: `${base}/s` })).toMatchObject({ ok: false, status: 200, retryable: false });
  });

  test('429 is retryable and carries Retry-After', async () => {
    replies = [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }];
    const result = await slack(renderSlack(notification), { url: `${base}/s` });
    expect(result).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterSeconds: 30 });
    expect(result.error).toBe('Slack answered HTTP 429: rate_limited');
  });

  test('5xx is retryable, other 4xx are not', async () => {
    replies = [
      { status: 500, body: 'rollup_error' },
      { status: 404, body: 'channel_not_found' },
      { status: 410, body: 'channel_is_archived' },
    ];
    expect(await slack(renderSlack(notification), { url: `${base}/s` })).toMatchObject({ status: 500, retryable: true });
    expect(await slack(renderSlack(notification), { url: `${base}/s` })).toMatchObject({ status: 404, retryable: false });
    expect(await slack(renderSlack(notification), { url: `${base}/s` })).toMatchObject({ status: 410, retryable: false });
  });

  test('a receiver that does not answer times out (retryable)', async () => {
    replies = [{ hang: true }];
    const quick = createSlackSender({ timeoutMs: 200 });
    const started = Date.now();
    const result = await quick(renderSlack(notification), { url: `${base}/slow` });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toMatch(/timed out/);
  });

  test('a refused connection is retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await slack(renderSlack(notification), { url: `http://127.0.0.1:${port}/secret-path` });
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).not.toContain('secret-path');
  });
});

describe('Microsoft Teams', () => {
  test('POSTs renderTeams (an Adaptive Card in a message envelope); 202 is success, the workflow run id is kept', async () => {
    replies = [{ status: 202, headers: { 'x-ms-workflow-run-id': '08584-run' } }];
    const message = renderTeams(notification);
    const result = await teams(message, { url: `${base}/workflows/abc/triggers/manual/paths/invoke?sig=SECRET` });
    expect(result).toEqual({ ok: true, status: 202, retryable: false, providerId: '08584-run' });
    const body = JSON.parse(received[0]!.body);
    expect(body).toEqual(message);
    expect(body.type).toBe('message');
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0].content.type).toBe('AdaptiveCard');
  });

  test('a legacy connector throttling answer inside HTTP 200 is a retryable failure', async () => {
    replies = [{ status: 200, body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId abc' }];
    expect(await teams(renderTeams(notification), { url: `${base}/t` })).toMatchObject({ ok: false, status: 200, retryable: true });
  });

  test('400 is not retryable, 503 is', async () => {
    replies = [{ status: 400, body: 'bad card' }, { status: 503 }];
    expect(await teams(renderTeams(notification), { url: `${base}/t` })).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(await teams(renderTeams(notification), { url: `${base}/t` })).toMatchObject({ ok: false, retryable: true, status: 503 });
  });
});

describe('generic webhook', () => {
  test('sends the signed request byte for byte; the signature verifies; any 2xx is success', async () => {
    replies = [{ status: 204 }];
    const now = new Date();
    const request = renderWebhook(notification, { secret: 'whsec-0123456789abcdef', deliveryId: 'ntf-1', now });
    const result = await webhook(request, { url: `${base}/hooks/aw` });
    expect(result).toEqual({ ok: true, status: 204, retryable: false });
    const got = received[0]!;
    expect(got.body).toBe(request.body);
    expect(got.headers['x-delivery-id']).toBe('ntf-1');
    expect(got.headers['x-event-type']).toBe('incident.sla-breach');
    const verify = (secret: string) =>
      verifyDeliverySignature(
        {
          signature: got.headers['x-signature'] as string,
          timestamp: got.headers['x-timestamp'] as string,
          deliveryId: got.headers['x-delivery-id'] as string,
          rawBody: got.body,
        },
        { secret, required: true },
        new Date(),
      );
    expect(() => verify('whsec-0123456789abcdef')).not.toThrow();
    expect(() => verify('another-secret-000000')).toThrow(/does not match/);
  });

  test('redirects are not followed', async () => {
    replies = [{ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } }];
    const request = renderWebhook(notification, { secret: 'whsec-0123456789abcdef', deliveryId: 'ntf-2', now: new Date() });
    const result = await webhook(request, { url: `${base}/hooks/aw` });
    expect(result).toMatchObject({ ok: false, status: 302, retryable: false });
    expect(received).toHaveLength(1);
  });
});

describe('target URLs', () => {
  test('non-https URLs are refused with a clear error that does not repeat them; nothing is sent', async () => {
    for (const url of [
      'http://hooks.example.com/services/SECRET',
      'ftp://127.0.0.1/SECRET',
      'not a url SECRET',
      'https://user:pw@hooks.example.com/SECRET',
    ]) {
      const result = await slack(renderSlack(notification), { url });
      expect(result.ok).toBe(false);
      expect(result.retryable).toBe(false);
      expect(result.error).toBeDefined();
      expect(result.error).not.toContain('SECRET');
    }
    expect((await slack(renderSlack(notification), { url: 'http://hooks.example.com/x' })).error).toMatch(/non-https/);
    expect(received).toHaveLength(0);
    expect(channelUrlProblem('https://hooks.slack.com/services/T/B/X')).toBeUndefined();
    expect(channelUrlProblem('http://localhost:8080/hook')).toBeUndefined();
    expect(channelUrlProblem('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect(channelUrlProblem('http://127.0.0.2:8080/hook')).toMatch(/non-https/);
  });

  test('an answer that echoes the URL never brings it into the error', async () => {
    replies = [{ status: 404, body: `No hook at ${base}/services/T000/B000/SECRETTOKEN` }];
    const result = await slack(renderSlack(notification), { url: `${base}/services/T000/B000/SECRETTOKEN` });
    expect(result.error).toBe('Slack answered HTTP 404: No hook at <url>');
  });

  test('masking keeps the origin and the last 4 characters; the secret is never shown', () => {
    expect(maskUrl('https://hooks.slack.com/services/T000/B000/abcdWXYZ')).toBe('https://hooks.slack.com/…/WXYZ');
    expect(
      publicChannelSettings({
        slack: { webhookUrl: 'https://hooks.slack.com/services/T000/B000/abcdWXYZ' },
        webhook: { url: 'https://receiver.example.com/aw?token=abcd1234', secret: 'whsec-0123456789abcdef' },
        emailSender: 'alerts@msp.example',
      }),
    ).toEqual({
      slack: { webhookUrl: 'https://hooks.slack.com/…/WXYZ' },
      webhook: { url: 'https://receiver.example.com/…/1234', secretSet: true },
      emailSender: 'alerts@msp.example',
    });
  });

  test('Retry-After: seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(new Date(Date.parse(AT) + 90_000).toUTCString(), Date.parse(AT))).toBe(90);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------

describe('deliver: retries per channel', () => {
  const table = {
    db: createDocumentClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    tableName: 'unit',
  };
  let sleeps: number[] = [];
  const deps = (overrides: Partial<DeliverDeps> = {}): DeliverDeps => ({
    table,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    now: () => new Date(AT),
    channelSettings: { slack: { webhookUrl: `${base}/slack/SECRET` } },
    senders: { email: async () => ({ ok: true, retryable: false, providerId: 'ses-1' }) },
    emailSender: 'alerts@msp.example',
    ...overrides,
  });
  const request = { id: 'ntf-01', notification, recipients: [{ userId: 'u1', email: 'anna@acme.example' }] };
  beforeEach(() => {
    sleeps = [];
  });

  test('500 then 200: Slack is retried once and delivered', async () => {
    replies = [
      { status: 500, body: 'rollup_error' },
      { status: 200, body: 'ok' },
    ];
    const records = await deliver(deps(), request);
    const slackRecord = records.find((record) => record.channel === 'slack');
    expect(slackRecord).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200, recipient: 'u1', notificationId: 'ntf-01' });
    expect(received.filter((r) => r.path === '/slack/SECRET')).toHaveLength(2);
    // The first retry waits between half of baseDelayMs and all of it (random 0: the half).
    expect(sleeps).toEqual([1_000]);
    const written = dynamo.commandCalls(BatchWriteCommand).flatMap((call) => call.args[0].input.RequestItems?.unit ?? []);
    expect(written).toHaveLength(records.length);
    expect(written.map((w) => (w.PutRequest?.Item as { pk: string }).pk)).toEqual(records.map(() => 'T#acme#NOTIFY'));
  });

  test('429 with Retry-After: the wait is at least what the receiver asked', async () => {
    replies = [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }];
    const records = await deliver(deps(), request);
    expect(records.find((record) => record.channel === 'slack')).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(sleeps).toEqual([30_000]);
  });

  test('400 is not retried: one attempt, failed, with the reason and no URL in the error', async () => {
    replies = [{ status: 400, body: `invalid_payload for ${base}/slack/SECRET` }];
    const records = await deliver(deps(), request);
    const slackRecord = records.find((record) => record.channel === 'slack');
    expect(slackRecord).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400, reason: 'not retryable' });
    expect(slackRecord?.lastError).toBe('Slack answered HTTP 400: invalid_payload for <url>');
    expect(JSON.stringify(records)).not.toContain('SECRET');
    expect(sleeps).toEqual([]);
  });

  test('retries stop when the policy has no attempt left', async () => {
    fallback = { status: 503, body: 'down' };
    const records = await deliver(deps({ retryPolicy: { maxAttempts: 3 } }), request);
    expect(records.find((record) => record.channel === 'slack')).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastStatus: 503,
      reason: 'gave up after 3 attempts',
    });
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  test('the webhook is signed afresh on every try, with the same delivery id', async () => {
    let clock = Date.parse(AT);
    replies = [{ status: 502 }, { status: 200 }];
    const records = await deliver(
      deps({
        now: () => new Date((clock += 1_000)),
        channelSettings: { webhook: { url: `${base}/hook`, secret: 'whsec-0123456789abcdef' } },
      }),
      request,
    );
    expect(records.find((record) => record.channel === 'webhook')).toMatchObject({ status: 'delivered', attempts: 2, recipient: 'tenant' });
    const hooks = received.filter((r) => r.path === '/hook');
    expect(hooks.map((r) => r.headers['x-delivery-id'])).toEqual(['ntf-01', 'ntf-01']);
    expect(hooks[0]?.headers['x-timestamp']).not.toBe(hooks[1]?.headers['x-timestamp']);
    expect(hooks[0]?.body).toBe(hooks[1]?.body);
  });

  test('a failing channel never stops the others, even when its sender throws', async () => {
    const throwing: Partial<ChannelSenders> = {
      email: async (): Promise<DeliveryAttempt> => {
        throw new Error(`boom at ${base}/x`);
      },
    };
    const records = await deliver(deps({ senders: throwing }), request);
    expect(records.find((record) => record.channel === 'email')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(records.find((record) => record.channel === 'email')?.lastError).toBe('Unexpected error: boom at <url>');
    expect(records.find((record) => record.channel === 'slack')).toMatchObject({ status: 'delivered' });
  });

  test('one record per recipient × channel; Slack is posted once for everyone who wants it', async () => {
    const records = await deliver(deps(), {
      ...request,
      recipients: [
        { userId: 'u1', email: 'anna@acme.example' },
        { userId: 'u2' },
        { userId: 'u3', email: 'carl@acme.example', preferences: { channels: { 'sla-breach': ['email'] } } },
      ],
    });
    expect(records.map((record) => `${record.recipient}/${record.channel}/${record.status}`).sort()).toEqual([
      'u1/email/delivered',
      'u1/slack/delivered',
      'u1/teams/skipped',
      'u2/email/skipped',
      'u2/slack/delivered',
      'u2/teams/skipped',
      'u3/email/delivered',
      'u3/slack/skipped',
      'u3/teams/skipped',
    ]);
    expect(received.filter((r) => r.path === '/slack/SECRET')).toHaveLength(1);
    expect(records.find((record) => record.recipient === 'u2' && record.channel === 'email')?.reason).toBe('no email address');
    expect(records.find((record) => record.recipient === 'u1' && record.channel === 'teams')?.reason).toBe(
      'no Teams webhook is configured for this company',
    );
    expect(records.find((record) => record.recipient === 'u3' && record.channel === 'slack')?.reason).toBe(
      'Slack is off for sla-breach notifications',
    );
  });

  test('scrubError removes URLs and secrets and truncates', () => {
    expect(scrubError('failed https://hooks.slack.com/services/T/B/X and s3cr3t-value', ['s3cr3t-value'])).toBe(
      'failed <url> and <redacted>',
    );
    expect(scrubError('x'.repeat(600))).toHaveLength(500);
  });
});
