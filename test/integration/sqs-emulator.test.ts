// The local SQS emulator driven by the real @aws-sdk/client-sqs over loopback HTTP, plus the in-process event
// source poller that stands in for Lambda's SQS event source mapping.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startSqsEventSource } from '../../local/aws/event-source-poller';
import { SqsEmulator, md5OfMessageAttributes } from '../../local/aws/sqs-emulator';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface Running {
  emulator: SqsEmulator;
  baseUrl: string;
  sqs: SQSClient;
  url(name: string): string;
  close(): Promise<void>;
}

async function start(dataDir: string | null = null): Promise<Running> {
  const emulator = new SqsEmulator({ dataDir });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      emulator.handle(req, res, Buffer.concat(chunks)).then(
        (handled) => {
          if (!handled) res.writeHead(404).end('not sqs');
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.baseUrl = baseUrl;
  const sqs = new SQSClient({ region: 'us-east-1', credentials, endpoint: baseUrl });
  return {
    emulator,
    baseUrl,
    sqs,
    url: (name) => emulator.queueUrl(name, baseUrl),
    async close() {
      sqs.destroy();
      emulator.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('MD5OfMessageAttributes matches the digests SQS returns (vectors pinned by moto / LocalStack tests)', () => {
  const number = (StringValue: string) => ({ DataType: 'Number', StringValue });
  expect(md5OfMessageAttributes({ timestamp: number('1493147359900') })).toBe('235c5c510d26fb653d073faed50ae77c');
  expect(md5OfMessageAttributes({ timestamp: number('1493147359901') })).toBe('994258b45346a2cc3f9cbb611aa7af30');
  expect(
    md5OfMessageAttributes({
      ccc: { DataType: 'String', StringValue: 'testjunk' },
      aaa: { DataType: 'Binary', BinaryValue: Buffer.from([2, 3, 4]).toString('base64') },
      zzz: number('0230.01'),
      öther_encodings: { DataType: 'String', StringValue: 'Tüst' },
    }),
  ).toBe('8ae21a7957029ef04146b42aeaa18a22');
});

describe('SQS emulator (real SQSClient over HTTP)', () => {
  let env: Running;
  beforeEach(async () => {
    env = await start();
  });
  afterEach(async () => {
    await env.close();
  });

  test('send, receive, delete with MD5s, attributes and system attributes', async () => {
    const queueUrl = env.emulator.createQueue('alerts', { visibilityTimeoutSeconds: 30 });
    expect(queueUrl).toBe(`${env.baseUrl}/000000000000/alerts`);
    const attrs = {
      tenant: { DataType: 'String', StringValue: 'acme' },
      severity: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
    };
    const sent = await env.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"a":1} ✓', MessageAttributes: attrs }));
    expect(sent.MessageId).toBeDefined();
    expect(sent.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({
        tenant: { DataType: 'String', StringValue: 'acme' },
        severity: { DataType: 'Number', StringValue: '3' },
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
      }),
    );

    const got = await env.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    expect(got.Messages).toHaveLength(1);
    const m = got.Messages![0]!;
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.Body).toBe('{"a":1} ✓');
    expect(m.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(m.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(m.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(m.Attributes?.SentTimestamp));
    expect(m.MessageAttributes?.tenant?.StringValue).toBe('acme');
    expect(Array.from(m.MessageAttributes?.blob?.BinaryValue ?? [])).toEqual([1, 2, 3]);
    expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);

    const attributes = async () =>
      (await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(await attributes()).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:alerts',
    });
    await env.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    expect(await attributes()).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect((await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages).toBeUndefined();
  });

  test('queue lookup, idempotent CreateQueue, modelled errors, QueueUrl host as endpoint', async () => {
    const created = await env.sqs.send(new CreateQueueCommand({ QueueName: 'q1', Attributes: { VisibilityTimeout: '5' } }));
    const again = await env.sqs.send(new CreateQueueCommand({ QueueName: 'q1' }));
    expect(again.QueueUrl).toBe(created.QueueUrl);
    expect((await env.sqs.send(new GetQueueUrlCommand({ QueueName: 'q1' }))).QueueUrl).toBe(env.url('q1'));

    const missing = env.sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }));
    await expect(missing).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(env.sqs.send(new SendMessageCommand({ QueueUrl: env.url('nope'), MessageBody: 'x' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      $metadata: { httpStatusCode: 400 },
    });

    // No endpoint override: the SDK routes to the QueueUrl's host.
    const viaQueueUrl = new SQSClient({ region: 'us-east-1', credentials, logger: silentLogger });
    try {
      const sent = await viaQueueUrl.send(new SendMessageCommand({ QueueUrl: created.QueueUrl, MessageBody: 'hello' }));
      expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    } finally {
      viaQueueUrl.destroy();
    }
    await env.sqs.send(new PurgeQueueCommand({ QueueUrl: created.QueueUrl }));
    expect((await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: created.QueueUrl }))).Messages).toBeUndefined();
  });

  test('SendMessageBatch reports per-entry results and rejects more than 10 entries', async () => {
    const QueueUrl = env.emulator.createQueue('batch', { visibilityTimeoutSeconds: 30 });
    const out = await env.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: '' },
          { Id: 'c', MessageBody: 'three' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['a', 'c']);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue' })]);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: `b${i}` }));
    await expect(env.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: tooMany }))).rejects.toBeInstanceOf(
      TooManyEntriesInBatchRequest,
    );
    const got = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(['one', 'three']);
  });

  test('visibility timeout expiry redelivers with a new receipt handle and ApproximateReceiveCount 2', async () => {
    const QueueUrl = env.emulator.createQueue('vt', { visibilityTimeoutSeconds: 30 });
    await env.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }));
    const first = (await env.sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 1 }))).Messages![0]!;
    expect((await env.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const second = (
      await env.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          WaitTimeSeconds: 5,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      )
    ).Messages![0]!;
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
    expect(second.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    // A stale receipt handle does not delete the redelivered message; the current one does.
    await env.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }));
    await env.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 0 }));
    const third = (await env.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0]!;
    expect(third.MessageId).toBe(first.MessageId);
    await env.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: third.ReceiptHandle }));
    expect((await env.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });

  test('after maxReceiveCount receives the message moves to the DLQ with its id', async () => {
    const dlqUrl = env.emulator.createQueue('alerts-dlq', { visibilityTimeoutSeconds: 30 });
    const QueueUrl = env.emulator.createQueue('alerts', {
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 2,
      deadLetterQueueName: 'alerts-dlq',
    });
    const { MessageId } = await env.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      const got = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
      expect(got.Messages?.[0]?.MessageId).toBe(MessageId);
    }
    expect((await env.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const dead = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(dead.Messages?.[0]).toMatchObject({ MessageId, Body: 'poison' });
    const attrs = await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy'] }));
    expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:alerts-dlq',
      maxReceiveCount: 2,
    });
  });

  test('long polling returns as soon as a message arrives', async () => {
    const QueueUrl = env.emulator.createQueue('lp', { visibilityTimeoutSeconds: 30 });
    const t0 = Date.now();
    const pending = env.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    await sleep(300);
    await env.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
    const got = await pending;
    expect(got.Messages?.[0]?.Body).toBe('wake up');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('SQS emulator persistence', () => {
  test('messages survive a restart; received-but-not-deleted ones come back; a torn last line is ignored', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqs-emulator-'));
    try {
      let env = await start(dataDir);
      let QueueUrl = env.emulator.createQueue('alerts', { visibilityTimeoutSeconds: 300 });
      const ids: string[] = [];
      for (const body of ['a', 'b', 'c'])
        ids.push((await env.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }))).MessageId!);
      const got = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2 }));
      expect(got.Messages?.map((m) => m.Body)).toEqual(['a', 'b']);
      await env.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle })); // 'a' done, 'b' in flight
      await env.close();
      fs.appendFileSync(path.join(dataDir, 'alerts.jsonl'), '{"op":"send","id":"torn","bo'); // simulated crash mid-write

      env = await start(dataDir);
      QueueUrl = env.emulator.createQueue('alerts', { visibilityTimeoutSeconds: 300 });
      const attrs = await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      expect(attrs.Attributes).toMatchObject({
        ApproximateNumberOfMessages: '2',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
      const after = await env.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      expect(after.Messages?.map((m) => [m.MessageId, m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
        [ids[1], 'b', '2'],
        [ids[2], 'c', '1'],
      ]);
      for (const m of after.Messages!) await env.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      await env.close();

      env = await start(dataDir);
      QueueUrl = env.emulator.createQueue('alerts', { visibilityTimeoutSeconds: 300 });
      expect((await env.sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
      await env.close();
      expect(fs.readFileSync(path.join(dataDir, 'alerts.jsonl'), 'utf8')).toBe(''); // compacted on start
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SQS event source poller', () => {
  let env: Running;
  beforeEach(async () => {
    env = await start();
  });
  afterEach(async () => {
    await env.close();
  });

  const queue = (name: string) => {
    const queueUrl = env.emulator.createQueue(name, { visibilityTimeoutSeconds: 1 });
    return { queueUrl, queueArn: env.emulator.queueArn(name) };
  };
  const sendAll = async (QueueUrl: string, bodies: string[]) =>
    env.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }));

  test('delivers a Lambda-shaped batch and honours batchItemFailures', async () => {
    const { queueUrl, queueArn } = queue('correlate');
    await sendAll(queueUrl, ['m1', 'm2', 'm3']);
    const events: SQSEvent[] = [];
    const source = startSqsEventSource({
      sqs: env.sqs,
      queueUrl,
      queueArn,
      batchSize: 10,
      maxBatchingWindowMs: 200,
      invoke: async (event): Promise<SQSBatchResponse> => {
        events.push(event);
        const failing = events.length === 1 ? event.Records.filter((r) => r.body === 'm2') : [];
        return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    try {
      await source.idle();
    } finally {
      await source.stop();
    }
    expect(events).toHaveLength(2);
    const first = events[0]!.Records;
    expect(first.map((r) => r.body).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(first[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
      messageAttributes: {},
    });
    expect(first[0]!.attributes.SentTimestamp).toMatch(/^\d+$/);
    const retried = events[1]!.Records;
    expect(retried.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([['m2', '2']]);
    expect(retried[0]!.messageId).toBe(first.find((r) => r.body === 'm2')!.messageId);
  });

  test('a thrown error leaves the whole batch for redelivery', async () => {
    const { queueUrl, queueArn } = queue('throws');
    await sendAll(queueUrl, ['x1', 'x2', 'x3']);
    const seen: string[][] = [];
    const errors: unknown[] = [];
    const source = startSqsEventSource({
      sqs: env.sqs,
      queueUrl,
      queueArn,
      batchSize: 10,
      maxBatchingWindowMs: 200,
      onError: (e) => errors.push(e),
      invoke: async (event) => {
        seen.push(event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
        if (seen.length === 1) throw new Error('handler blew up');
      },
    });
    try {
      await source.idle();
    } finally {
      await source.stop();
    }
    expect(errors).toEqual([expect.objectContaining({ message: 'handler blew up' })]);
    expect(seen[0]!.sort()).toEqual(['x1#1', 'x2#1', 'x3#1']);
    expect(seen.slice(1).flat().sort()).toEqual(['x1#2', 'x2#2', 'x3#2']);
  });

  test('stop() returns promptly while a long poll is pending', async () => {
    const { queueUrl, queueArn } = queue('quiet');
    const source = startSqsEventSource({ sqs: env.sqs, queueUrl, queueArn, batchSize: 5, invoke: async () => {} });
    await source.idle();
    await sleep(100);
    const t0 = Date.now();
    await source.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
