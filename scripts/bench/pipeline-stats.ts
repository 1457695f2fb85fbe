import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Measuring the alert pipeline of a live local stack from the outside (benches): the alert queue's depth
 * sampled over time (its peak is the backlog a storm built), when the queue drained, and the correlation
 * throughput that follows from it.
 */

export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** Received by a batch that has not finished (or failed, waiting out its visibility timeout). */
  inFlight: number;
  delayed: number;
  total: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const visible = Number(a.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  const delayed = Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  return { visible, inFlight, delayed, total: visible + inFlight + delayed };
}

/** Samples a queue's depth every `intervalMs` until stopped; keeps the peak. */
export class QueueDepthSampler {
  peak = 0;
  /** performance.now() of the peak sample. */
  peakAt = 0;
  last: QueueDepth = { visible: 0, inFlight: 0, delayed: 0, total: 0 };
  samples = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sample();
        await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
    })();
    return this;
  }

  async sample(): Promise<QueueDepth> {
    this.last = await queueDepth(this.sqs, this.queueUrl);
    this.samples++;
    if (this.last.total > this.peak) {
      this.peak = this.last.total;
      this.peakAt = performance.now();
    }
    return this.last;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * Waits until every expected alert reached the queue (`handedOn()`, e.g. the stream reader's count of
 * alerts relayed, has come to `expected`) and the queue holds nothing, visible or in flight: every
 * alert correlated. Returns performance.now() at that moment (to within `pollMs`).
 */
export async function waitUntilDrained(options: {
  sqs: SQSClient;
  queueUrl: string;
  expected: number;
  handedOn: () => number;
  pollMs?: number;
  timeoutMs?: number;
}): Promise<number> {
  const pollMs = options.pollMs ?? 20;
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  for (;;) {
    if (options.handedOn() >= options.expected && (await queueDepth(options.sqs, options.queueUrl)).total === 0) return performance.now();
    if (Date.now() > deadline)
      throw new Error(`The alert queue did not drain in time (${options.handedOn()}/${options.expected} alerts handed on)`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Items per second between two performance.now() readings. */
export function perSecond(count: number, fromMs: number, toMs: number): number {
  const seconds = (toMs - fromMs) / 1000;
  return seconds > 0 ? count / seconds : Number.NaN;
}
