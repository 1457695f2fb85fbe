import { randomUUID } from 'node:crypto';
import { SCHEDULES, type FunctionName } from '../../functions/catalog';

export interface LocalSchedulerOptions {
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  log: (line: string) => void;
  /** Multiplies every schedule's interval: 1 runs them as in AWS, 0.01 runs a 1-minute schedule every 600 ms. */
  scale?: number;
  region?: string;
}

/**
 * The catalog's schedules on timers, invoking their functions with the event an EventBridge scheduled
 * rule sends. A run still going when its next one is due skips that tick (the next tick catches up; the
 * scheduled functions are safe to run again). Timers do not keep the process alive.
 */
export class LocalScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: LocalSchedulerOptions) {
    const scale = options.scale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`The schedule scale must be a positive number, got ${scale}`);
    for (const schedule of SCHEDULES) {
      const intervalMs = Math.max(10, Math.round(schedule.everyMinutes * 60_000 * scale));
      const timer = setInterval(() => this.tick(schedule.id, schedule.function), intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  private tick(id: string, fn: FunctionName): void {
    if (this.stopped || this.running.has(id)) return;
    const run = this.run(id, fn).finally(() => this.running.delete(id));
    this.running.set(id, run);
  }

  private async run(id: string, fn: FunctionName): Promise<void> {
    const region = this.options.region ?? 'us-east-1';
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [`arn:aws:events:${region}:000000000000:rule/${id}`],
      detail: {},
    };
    try {
      await this.options.invoke(fn, event);
    } catch (error) {
      this.options.log(`Schedule ${id} -> ${fn} failed: ${(error as Error).message}`);
    }
  }

  /** Waits for the runs under way (not for the next ones). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /** No more runs; waits for those under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    await this.idle();
  }
}
