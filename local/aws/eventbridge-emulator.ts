import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_RULES, type FunctionName } from '../../functions/catalog';

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

/**
 * A local EventBridge bus speaking the PutEvents JSON protocol. Matching events invoke the rules'
 * target functions asynchronously, as EventBridge does, with a few retries on failure.
 */
export class EventBridgeEmulator {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly invoke: (fn: FunctionName, event: unknown) => Promise<unknown>,
    private readonly log: (line: string) => void,
    /** The product's bus; entries without a bus name (or 'default') go to the default bus's rules. */
    private readonly productBusName: string,
    private readonly region = 'us-east-1',
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith('AWSEvents.')) return false;
    if (target !== 'AWSEvents.PutEvents') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `${target} is not emulated locally` }));
      return true;
    }
    const { Entries = [] } = JSON.parse(body.toString('utf8') || '{}') as { Entries?: PutEventsEntry[] };
    const results = Entries.map((entry) => {
      const id = randomUUID();
      this.dispatch(id, entry);
      return { EventId: id };
    });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ Entries: results, FailedEntryCount: 0 }));
    return true;
  }

  private dispatch(id: string, entry: PutEventsEntry): void {
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '{}');
    } catch {
      this.log(`EventBridge: dropped event ${id} with invalid JSON detail`);
      return;
    }
    const event = {
      version: '0',
      id,
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: '000000000000',
      time: entry.Time ? new Date(entry.Time).toISOString().replace(/\.\d{3}Z$/, 'Z') : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: entry.Resources ?? [],
      detail,
    };
    const bus = entry.EventBusName && entry.EventBusName !== 'default' ? entry.EventBusName : 'default';
    for (const rule of EVENT_RULES) {
      const ruleBus = rule.bus === 'product' ? this.productBusName : 'default';
      if (ruleBus !== bus || !matchesPattern(rule.pattern, event)) continue;
      const delivery = this.deliver(rule.id, rule.function, event);
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  private async deliver(ruleId: string, fn: FunctionName, event: unknown): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.invoke(fn, event);
        return;
      } catch (error) {
        this.log(`EventBridge rule ${ruleId} -> ${fn} failed (attempt ${attempt}): ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
