// A local EventBridge bus speaking the PutEvents JSON protocol (awsJson1_1, `x-amz-target: AWSEvents.PutEvents`).
// Each accepted event is matched against the catalog's rules (EVENT_RULES) and handed to every matching rule's
// target function asynchronously, as EventBridge does. A failing target is retried with exponential backoff and
// jitter (AWS keeps trying for up to 24 hours and 185 attempts; locally a few seconds by default), then the
// delivery is dead-lettered: recorded in `deadLetters` and logged.
// Durability (with `dataDir`): like the SQS emulator, an append-only JSON-lines journal (`events.jsonl`). Every
// (event, rule) delivery is journaled with writeSync before PutEvents answers, and its end (delivered or
// dead-lettered) when it comes. A new emulator on the same directory replays the journal (ignoring a torn last
// line from a crash), compacts it (temp file + rename) and delivers again every delivery left unfinished, with
// the same event (same id), so targets see it at least once, as in AWS. Dead letters are kept in it too.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { EVENT_RULES, type FunctionName } from '../../functions/catalog';
import { parseJournalLine } from './journal';

/**
 * EventBridge pattern matching for the patterns the product uses: every field of the pattern must
 * match; a list matches any of its values (or `{prefix}`), a nested object matches recursively.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((candidate) => {
      if (candidate && typeof candidate === 'object' && 'prefix' in candidate) {
        return typeof event === 'string' && event.startsWith(String((candidate as { prefix: unknown }).prefix));
      }
      return Array.isArray(event) ? event.includes(candidate) : candidate === event;
    });
  }
  if (pattern && typeof pattern === 'object') {
    if (!event || typeof event !== 'object') return false;
    return Object.entries(pattern).every(([field, sub]) => matchesPattern(sub, (event as Record<string, unknown>)[field]));
  }
  return pattern === event;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number;
}

/** The event as targets receive it. */
interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** One accepted event on its way to one rule's target. */
interface Delivery {
  /** `<event id>/<rule id>`. */
  id: string;
  ruleId: string;
  fn: FunctionName;
  event: BusEvent;
}

/** A delivery that failed every attempt (EventBridge would send it to the rule's dead-letter queue). */
export interface DeadLetter {
  ruleId: string;
  function: FunctionName;
  event: unknown;
  /** The last attempt's error message. */
  error: string;
  attempts: number;
  at: string;
}

export interface RetryPolicy {
  /** Attempts in all (the first one included). */
  attempts: number;
  /** Before the first retry; doubled before each next one. */
  baseDelayMs: number;
  /** The longest wait between two attempts. */
  maxDelayMs: number;
}

export interface EventBridgeEmulatorOptions {
  /** Where the journal lives (unfinished deliveries and dead letters survive a restart); null or absent: in memory. */
  dataDir?: string | null;
  retry?: RetryPolicy;
}

/** About 13 s of retries in all (100 ms, 200 ms, ... 6.4 s): enough for a local stack to get over a hiccup. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 };

/** One line of the journal. */
type JournalRecord = { op: 'accept'; delivery: Delivery } | { op: 'done'; id: string } | { op: 'dead'; id: string; letter: DeadLetter };

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export class EventBridgeEmulator {
  /** Deliveries that failed every attempt, oldest first (kept across restarts with a dataDir). */
  readonly deadLetters: DeadLetter[] = [];
  private readonly retry: RetryPolicy;
  private readonly pending = new Set<Promise<void>>();
  private readonly counters = { accepted: 0, delivered: 0, retried: 0, deadLettered: 0 };
  /** Wakes the deliveries waiting to retry (stop() does not wait out their backoff). */
  private readonly sleepers = new Set<() => void>();
  private stopped = false;
  /** The journal's file descriptor (with a dataDir). */
  private fd?: number;

  constructor(
    private readonly invoke: (fn: FunctionName, event: unknown) => Promise<unknown>,
    private readonly log: (line: string) => void,
    /** The product's bus; entries without a bus name (or 'default') go to the default bus's rules. */
    private readonly productBusName: string,
    private readonly region = 'us-east-1',
    options: EventBridgeEmulatorOptions = {},
  ) {
    this.retry = checkRetryPolicy(options.retry ?? DEFAULT_RETRY);
    const unfinished = options.dataDir ? this.openJournal(options.dataDir) : [];
    if (unfinished.length) log(`EventBridge: delivering again ${unfinished.length} deliveries the last run left unfinished`);
    for (const delivery of unfinished) this.start(delivery);
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith('AWSEvents.')) return false;
    if (target !== 'AWSEvents.PutEvents') {
      res.writeHead(400, { 'content-type': CONTENT_TYPE });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `${target} is not emulated locally` }));
      return true;
    }
    const { Entries = [] } = JSON.parse(body.toString('utf8') || '{}') as { Entries?: PutEventsEntry[] };
    const deliveries: Delivery[] = [];
    const results = Entries.map((entry) => {
      const id = randomUUID();
      deliveries.push(...this.route(id, entry));
      return { EventId: id };
    });
    // Accepted means kept: the deliveries are on disk before the caller hears so.
    this.append(deliveries.map((delivery): JournalRecord => ({ op: 'accept', delivery })));
    for (const delivery of deliveries) this.start(delivery);
    res.writeHead(200, { 'content-type': CONTENT_TYPE });
    res.end(JSON.stringify({ Entries: results, FailedEntryCount: 0 }));
    return true;
  }

  /** Resolves when every accepted delivery has finished (delivered or dead-lettered), or stop() cut it short. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /**
   * Deliveries (one per matching rule of an accepted event, replayed ones included) taken on, delivered,
   * dead-lettered and still pending, and the retries made so far.
   */
  stats(): { accepted: number; delivered: number; retried: number; deadLettered: number; pending: number } {
    const { accepted, delivered, retried, deadLettered } = this.counters;
    return { accepted, delivered, retried, deadLettered, pending: accepted - delivered - deadLettered };
  }

  /**
   * No more retries: waits for the invocations under way, then closes the journal. A delivery not finished by
   * then stays in the journal, to be delivered again by the next emulator on the same directory.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    await this.idle();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** The deliveries an entry makes: one per rule of its bus whose pattern it matches. */
  private route(id: string, entry: PutEventsEntry): Delivery[] {
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '{}');
    } catch {
      this.log(`EventBridge: dropped event ${id} with invalid JSON detail`);
      return [];
    }
    const event: BusEvent = {
      version: '0',
      id,
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: '000000000000',
      time: (entry.Time ? new Date(entry.Time) : new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: entry.Resources ?? [],
      detail,
    };
    const bus = entry.EventBusName && entry.EventBusName !== 'default' ? entry.EventBusName : 'default';
    return EVENT_RULES.filter(
      (rule) => (rule.bus === 'product' ? this.productBusName : 'default') === bus && matchesPattern(rule.pattern, event),
    ).map((rule) => ({ id: `${id}/${rule.id}`, ruleId: rule.id, fn: rule.function, event }));
  }

  private start(delivery: Delivery): void {
    this.counters.accepted++;
    const run = this.deliver(delivery)
      .catch((error: unknown) => this.log(`EventBridge: delivery ${delivery.id} could not be recorded: ${(error as Error).message}`))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { ruleId, fn, event } = delivery;
    let lastError = '';
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      if (attempt > 1) {
        if (this.stopped) return;
        this.counters.retried++;
        await this.sleep(backoff(this.retry, attempt - 1));
        if (this.stopped) return;
      }
      try {
        await this.invoke(fn, event);
        this.append([{ op: 'done', id: delivery.id }]);
        this.counters.delivered++;
        return;
      } catch (error) {
        lastError = (error as Error)?.message ?? String(error);
        this.log(`EventBridge rule ${ruleId} -> ${fn} failed (attempt ${attempt}): ${lastError}`);
      }
    }
    const letter: DeadLetter = {
      ruleId,
      function: fn,
      event,
      error: lastError,
      attempts: this.retry.attempts,
      at: new Date().toISOString(),
    };
    this.append([{ op: 'dead', id: delivery.id, letter }]);
    this.deadLetters.push(letter);
    this.counters.deadLettered++;
    this.log(
      `EventBridge: dead letter: rule ${ruleId} -> ${fn} gave up on event ${event.id} after ${letter.attempts} attempts: ${lastError}`,
    );
  }

  /** Waits (a ref'd timer, as a pending delivery should keep the process alive), or less if stop() is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Writes journal lines (whole, in one writeSync loop) before what they record is answered or counted. */
  private append(records: JournalRecord[]): void {
    if (this.fd === undefined || records.length === 0) return;
    const lines = Buffer.from(records.map((record) => JSON.stringify(record) + '\n').join(''), 'utf8');
    let offset = 0;
    while (offset < lines.length) offset += fs.writeSync(this.fd, lines, offset, lines.length - offset);
  }

  /**
   * Replays the journal (ignoring a torn last line), rewrites it compacted via a temp file + rename (dead letters
   * and unfinished deliveries only), keeps it open, and returns the unfinished deliveries, oldest first.
   */
  private openJournal(dir: string): Delivery[] {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'events.jsonl');
    const unfinished = new Map<string, Delivery>();
    const dead: JournalRecord[] = [];
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const record = parseJournalLine<JournalRecord>(line);
        if (record?.op === 'accept') unfinished.set(record.delivery.id, record.delivery);
        else if (record?.op === 'done') unfinished.delete(record.id);
        else if (record?.op === 'dead') {
          unfinished.delete(record.id);
          this.deadLetters.push(record.letter);
          dead.push(record);
        }
      }
    }
    const snapshot = [...dead, ...[...unfinished.values()].map((delivery): JournalRecord => ({ op: 'accept', delivery }))];
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, snapshot.map((record) => JSON.stringify(record) + '\n').join(''));
    fs.renameSync(tmp, file);
    this.fd = fs.openSync(file, 'a');
    return [...unfinished.values()];
  }
}

/** The wait before retry n (1-based): base × 2^(n-1), capped, then between half and all of it (equal jitter). */
export function backoff(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

function checkRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { attempts, baseDelayMs, maxDelayMs } = policy;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new Error(`EventBridge retry attempts must be a whole number from 1, got ${attempts}`);
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= baseDelayMs))
    throw new Error(`EventBridge retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs, got ${baseDelayMs} and ${maxDelayMs}`);
  return { attempts, baseDelayMs, maxDelayMs };
}
