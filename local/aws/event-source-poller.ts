// In-process stand-in for Lambda's SQS event source mapping: long-polls a queue with the real SQSClient, hands
// batches to the handler as a genuine SQSEvent and deletes what succeeded (ReportBatchItemFailures semantics:
// ids listed in batchItemFailures stay and reappear after the visibility timeout; a thrown error keeps the batch).
// Like Lambda's pollers, several batches run at once, up to the event source's maximum concurrency: each of
// `concurrency` pollers receives and runs one batch at a time. A received message is invisible to the other
// pollers (the queue's visibility timeout), so no message is in two batches at once.
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Records per invocation (Lambda: 1-10, or up to 10,000 with a batching window). */
  batchSize: number;
  /** Like MaximumBatchingWindowInSeconds: keep gathering up to batchSize for this long after the first message. */
  maxBatchingWindowMs?: number;
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  onError?: (err: unknown) => void;
  /**
   * Batches running at once (Lambda: the event source's maximum concurrency): parallel pollers, each
   * running one batch at a time. Default DEFAULT_SQS_EVENT_SOURCE_CONCURRENCY.
   */
  concurrency?: number;
}

/** Without a maximum concurrency, Lambda starts with five pollers on an SQS queue. */
export const DEFAULT_SQS_EVENT_SOURCE_CONCURRENCY = 5;

export interface SqsEventSourceStats {
  /** Invocations so far. */
  batches: number;
  /** Invocations running now. */
  running: number;
  /** The most invocations that ran at once. */
  peakRunning: number;
}

export interface SqsEventSource {
  stop(): Promise<void>;
  /** Resolves once the queue has no visible or in-flight messages and no batch is running. */
  idle(): Promise<void>;
  stats(): SqsEventSourceStats;
}

const LONG_POLL_SECONDS = 2;
const IDLE_POLL_MS = 25;

export function startSqsEventSource(opts: SqsEventSourceOptions): SqsEventSource {
  const { sqs, queueUrl, queueArn } = opts;
  const awsRegion = queueArn.split(':')[3] ?? 'us-east-1';
  const batchSize = Math.max(1, Math.floor(opts.batchSize));
  const windowMs = Math.max(0, opts.maxBatchingWindowMs ?? 0);
  const onError = opts.onError ?? ((err: unknown) => console.error('[sqs-event-source]', queueArn, err));
  const abort = new AbortController();
  let stopping = false;
  let busy = 0; // pollers holding received messages (gathering or invoking)
  const counters: SqsEventSourceStats = { batches: 0, running: 0, peakRunning: 0 };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(t);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
    });

  async function receive(max: number, waitSeconds: number): Promise<Message[]> {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return out.Messages ?? [];
  }

  async function poll(): Promise<void> {
    while (!stopping) {
      let batch: Message[];
      try {
        batch = await receive(batchSize, LONG_POLL_SECONDS);
        if (batch.length === 0) continue;
        busy++;
        try {
          const until = Date.now() + windowMs;
          while (!stopping && batch.length < batchSize && Date.now() < until) {
            const remaining = until - Date.now();
            const more = await receive(batchSize - batch.length, remaining >= 1000 ? 1 : 0);
            if (more.length) batch.push(...more);
            else if (remaining < 1000) await sleep(Math.min(remaining, 50));
          }
          await runBatch(batch);
        } finally {
          busy--;
        }
      } catch (err) {
        if (stopping) break;
        onError(err);
        await sleep(500); // e.g. the emulator is not up yet
      }
    }
  }

  async function runBatch(messages: Message[]): Promise<void> {
    const Records = messages.map(toRecord);
    let response: SQSBatchResponse | void;
    counters.batches++;
    counters.peakRunning = Math.max(counters.peakRunning, ++counters.running);
    try {
      response = await opts.invoke({ Records });
    } catch (err) {
      onError(err); // whole batch stays; it reappears after the visibility timeout
      return;
    } finally {
      counters.running--;
    }
    const ids = new Set(Records.map((r) => r.messageId));
    const failures = response?.batchItemFailures ?? [];
    // Lambda treats an unknown or empty itemIdentifier as a failure of the whole batch.
    if (failures.some((f) => !f?.itemIdentifier || !ids.has(f.itemIdentifier))) {
      onError(new Error(`batchItemFailures contains an invalid itemIdentifier: ${JSON.stringify(failures)}`));
      return;
    }
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const done = Records.filter((r) => !failed.has(r.messageId));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
      if (out.Failed?.length) onError(new Error(`DeleteMessageBatch failed: ${JSON.stringify(out.Failed)}`));
    }
  }

  function toRecord(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    const messageAttributes: SQSMessageAttributes = {};
    for (const [name, v] of Object.entries(m.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
        ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: v.DataType ?? 'String',
      };
    }
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        ...(a.AWSTraceHeader ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
      },
      messageAttributes,
      md5OfBody: m.MD5OfBody ?? '',
      ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion,
    };
  }

  const pollers = Array.from({ length: Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_SQS_EVENT_SOURCE_CONCURRENCY)) }, () => poll());

  return {
    stats: () => ({ ...counters }),
    async stop() {
      stopping = true;
      abort.abort();
      await Promise.allSettled(pollers);
    },
    async idle() {
      for (;;) {
        if (busy === 0) {
          const { Attributes: a = {} } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: [
                'ApproximateNumberOfMessages',
                'ApproximateNumberOfMessagesNotVisible',
                'ApproximateNumberOfMessagesDelayed',
              ],
            }),
          );
          const empty = (n: string | undefined) => n === undefined || n === '0';
          if (
            busy === 0 &&
            a.ApproximateNumberOfMessages === '0' &&
            empty(a.ApproximateNumberOfMessagesNotVisible) &&
            empty(a.ApproximateNumberOfMessagesDelayed)
          )
            return;
        }
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      }
    },
  };
}
