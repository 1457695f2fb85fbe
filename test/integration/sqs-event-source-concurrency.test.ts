// The local SQS event source runs several batches at once, like Lambda's pollers up to the event source's
// maximum concurrency, without ever handing one message to two batches.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DEFAULT_SQS_EVENT_SOURCE_CONCURRENCY, startSqsEventSource } from '../../local/aws/event-source-poller';
import { SqsEmulator } from '../../local/aws/sqs-emulator';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let emulator: SqsEmulator;
let server: http.Server;
let sqs: SQSClient;

beforeEach(async () => {
  emulator = new SqsEmulator({ dataDir: null });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      emulator.handle(req, res, Buffer.concat(chunks)).then(
        (handled) => {
          if (!handled) res.writeHead(404).end('not sqs');
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.baseUrl = baseUrl;
  sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: baseUrl });
});

afterEach(async () => {
  sqs.destroy();
  emulator.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function queueWith(name: string, count: number, visibilityTimeoutSeconds: number) {
  const queueUrl = emulator.createQueue(name, { visibilityTimeoutSeconds });
  for (let start = 0; start < count; start += 10)
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: Math.min(10, count - start) }, (_, i) => ({ Id: String(i), MessageBody: `m${start + i}` })),
      }),
    );
  return { queueUrl, queueArn: emulator.queueArn(name) };
}

/** An invoke that records which messages are in a running batch, and the most batches running at once. */
function watchedInvoke(handle: (event: SQSEvent) => Promise<SQSBatchResponse | void>) {
  const inBatch = new Set<string>();
  const watch = { running: 0, peak: 0, batches: 0, handedTwice: [] as string[], received: [] as string[] };
  const invoke = async (event: SQSEvent) => {
    watch.batches++;
    watch.peak = Math.max(watch.peak, ++watch.running);
    for (const record of event.Records) {
      if (inBatch.has(record.messageId)) watch.handedTwice.push(record.body);
      inBatch.add(record.messageId);
      watch.received.push(record.body);
    }
    try {
      return await handle(event);
    } finally {
      for (const record of event.Records) inBatch.delete(record.messageId);
      watch.running--;
    }
  };
  return { watch, invoke };
}

test('up to `concurrency` batches run at once, each message in one batch, and idle() waits for all of them', async () => {
  const { queueUrl, queueArn } = await queueWith('parallel', 60, 30);
  const { watch, invoke } = watchedInvoke(async () => {
    await sleep(60);
  });
  const source = startSqsEventSource({ sqs, queueUrl, queueArn, batchSize: 3, concurrency: 4, invoke });
  try {
    await source.idle();
  } finally {
    await source.stop();
  }
  expect(watch.handedTwice).toEqual([]);
  expect(watch.received.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
  expect(watch.peak).toBe(4);
  expect(watch.running).toBe(0);
  expect(source.stats()).toEqual({ batches: watch.batches, running: 0, peakRunning: 4 });
});

test('failed messages come back after the visibility timeout, never while another batch holds them', async () => {
  const { queueUrl, queueArn } = await queueWith('retries', 30, 1);
  const attempts = new Map<string, number>();
  const { watch, invoke } = watchedInvoke(async (event) => {
    await sleep(20);
    // Every message fails its first receive: it must reappear only after the visibility timeout.
    const failed = event.Records.filter((record) => {
      const seen = (attempts.get(record.body) ?? 0) + 1;
      attempts.set(record.body, seen);
      return seen === 1;
    });
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  });
  const source = startSqsEventSource({ sqs, queueUrl, queueArn, batchSize: 5, concurrency: 6, invoke });
  const started = Date.now();
  try {
    await source.idle();
  } finally {
    await source.stop();
  }
  expect(watch.handedTwice).toEqual([]);
  expect([...attempts.values()]).toEqual(Array.from({ length: 30 }, () => 2));
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(watch.peak).toBeGreaterThan(1);
  expect(watch.peak).toBeLessThanOrEqual(6);
});

test("without a maximum concurrency, Lambda's five pollers", async () => {
  const { queueUrl, queueArn } = await queueWith('default', 20, 30);
  const { watch, invoke } = watchedInvoke(async () => {
    await sleep(80);
  });
  const source = startSqsEventSource({ sqs, queueUrl, queueArn, batchSize: 1, invoke });
  try {
    await source.idle();
  } finally {
    await source.stop();
  }
  expect(watch.handedTwice).toEqual([]);
  expect(watch.received).toHaveLength(20);
  expect(watch.peak).toBe(DEFAULT_SQS_EVENT_SOURCE_CONCURRENCY);
  expect(DEFAULT_SQS_EVENT_SOURCE_CONCURRENCY).toBe(5);
});
