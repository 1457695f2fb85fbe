// Fault injection for the local stack (AW_FAULTS): an HTTP proxy in front of a local AWS endpoint that fails a
// chosen fraction of calls exactly the way AWS fails them, so the handlers' real AWS SDK v3 clients parse the
// modelled exceptions and apply their own retries, and the product's own error handling is exercised.
// Local only: lib/ and functions/ must never import it (they meet faults through the endpoints they are given).
//
// How the SDK (@aws-sdk/core 3.9x protocols) reads each answer, which is why the shapes below look the way they do:
// - awsJson1_0/1_1 (DynamoDB, SQS, EventBridge, Step Functions): the error name is `__type` after its `#`, so
//   `com.amazonaws.dynamodb.v20120810#ThrottlingException` becomes ThrottlingException. A name the client does
//   not model (SFN's ThrottlingException) still becomes the service's base exception with that name.
// - SQS is awsQueryCompatible: the `x-amzn-query-error: <Code>;<Sender|Receiver>` header wins over `__type`.
// - restJson1 (Scheduler, SES v2): the `x-amzn-errortype` header names the error.
// - Retries: a name in the SDK's throttling list (ThrottlingException, TooManyRequestsException), HTTP 429, or
//   HTTP 500/502/503/504 is retried; a 400 TransactionCanceledException is not, whatever its reasons say.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULT_NAMES = ['eventbridge', 'sqs-send', 'scheduler', 'ses', 'ddb-throttle', 'ddb-error', 'sfn'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
export type FaultService = 'dynamodb' | 'sqs' | 'events' | 'scheduler' | 'ses' | 'sfn';

export interface FaultCall {
  service: FaultService;
  operation: string;
}

export interface FaultPlan {
  /** The fraction of eligible calls each fault fails, in [0, 1]; a fault not listed never happens. */
  fractions: Partial<Record<FaultName, number>>;
  /** Seeds the random choices (reproducible runs); absent: Math.random. */
  seed?: number;
}

const DDB_DATA_PLANE = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
];

/** Which calls each fault may fail: the table setup (CreateTable, UpdateTimeToLive...) always goes through. */
const ELIGIBLE: Record<FaultName, { service: FaultService; operations: ReadonlySet<string> }> = {
  eventbridge: { service: 'events', operations: new Set(['PutEvents']) },
  'sqs-send': { service: 'sqs', operations: new Set(['SendMessage', 'SendMessageBatch']) },
  scheduler: { service: 'scheduler', operations: new Set(['CreateSchedule', 'UpdateSchedule', 'DeleteSchedule']) },
  ses: { service: 'ses', operations: new Set(['SendEmail']) },
  'ddb-throttle': { service: 'dynamodb', operations: new Set(DDB_DATA_PLANE) },
  'ddb-error': { service: 'dynamodb', operations: new Set(DDB_DATA_PLANE) },
  sfn: { service: 'sfn', operations: new Set(['StartExecution', 'SendTaskSuccess', 'SendTaskFailure']) },
};

const VALID = `valid names: ${FAULT_NAMES.join(', ')} (each as name:fraction with a fraction in [0, 1]), and seed:<integer>`;
const FRACTION = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const INTEGER = /^-?\d+$/;

/**
 * Parses AW_FAULTS, e.g. `eventbridge:0.3,sqs-send:0.1,seed:42`. Empty or undefined: no faults. Throws on an
 * unknown name, a missing or out-of-range fraction, or a name given twice, naming the bad entry.
 */
export function parseFaults(spec: string | undefined): FaultPlan {
  const plan: FaultPlan = { fractions: {} };
  if (spec === undefined || spec.trim() === '') return plan;
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    const bad = (why: string) => new Error(`AW_FAULTS: ${why} in "${entry}" (from "${spec}"); ${VALID}`);
    const parts = entry.split(':').map((part) => part.trim());
    if (entry === '') throw bad('an empty entry');
    if (parts.length > 2) throw bad('more than one ":"');
    if (parts.length < 2 || parts[1] === '') throw bad('a missing value');
    const [name, value] = parts as [string, string];
    if (name === 'seed') {
      if (plan.seed !== undefined) throw bad('seed given twice');
      if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) throw bad(`the seed "${value}" is not an integer`);
      plan.seed = Number(value);
      continue;
    }
    if (!isFaultName(name)) throw bad(`unknown fault "${name}"`);
    if (plan.fractions[name] !== undefined) throw bad(`fault "${name}" given twice`);
    const fraction = Number(value);
    if (!FRACTION.test(value) || !(fraction >= 0 && fraction <= 1)) throw bad(`the fraction "${value}" is not a number in [0, 1]`);
    plan.fractions[name] = fraction;
  }
  return plan;
}

function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Decides, call by call, which fault (if any) to inject, and counts what it did. */
export class FaultInjector {
  private readonly random: () => number;
  private readonly tallies = new Map<FaultName, { calls: number; injected: number }>();

  constructor(readonly plan: FaultPlan) {
    this.random = plan.seed === undefined ? Math.random : mulberry32(plan.seed);
    for (const name of FAULT_NAMES) if (plan.fractions[name] !== undefined) this.tallies.set(name, { calls: 0, injected: 0 });
  }

  /** True when the plan has no fault with a fraction above 0 (a proxy would only forward). */
  get inert(): boolean {
    return Object.values(this.plan.fractions).every((fraction) => !fraction);
  }

  /**
   * The fault to answer this call with, or undefined to forward it. A DynamoDB call is offered to ddb-throttle
   * first, then (if not throttled) to ddb-error, so each counts the calls it could still fail.
   */
  decide(call: FaultCall): FaultName | undefined {
    for (const name of FAULT_NAMES) {
      const fraction = this.plan.fractions[name];
      const eligible = ELIGIBLE[name];
      if (fraction === undefined || eligible.service !== call.service || !eligible.operations.has(call.operation)) continue;
      const tally = this.tallies.get(name)!;
      tally.calls++;
      // Always draw, even for 0 and 1, so a seeded run makes the same choices whatever the fractions.
      if (this.random() < fraction) {
        tally.injected++;
        return name;
      }
    }
    return undefined;
  }

  /** A number in [0, 1) from the same generator: the proxy picks a fault's shape and failed entry with it. */
  next(): number {
    return this.random();
  }

  /** Per fault of the plan: the calls it could fail, and how many it failed. */
  counts(): Record<string, { calls: number; injected: number }> {
    return Object.fromEntries([...this.tallies].map(([name, tally]) => [name, { ...tally }]));
  }
}

/** The service and operation of a request, as the AWS SDK v3 clients send them; undefined for anything else. */
export function identifyCall(
  method: string,
  url: string,
  headers: http.IncomingHttpHeaders,
): (Omit<FaultCall, 'service'> & { service: FaultService | 'dynamodbstreams' }) | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const dot = target.indexOf('.');
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    const service = (
      {
        DynamoDB_20120810: 'dynamodb',
        // Same endpoint as DynamoDB, but never faulted: the plan covers the product's data-plane calls only.
        DynamoDBStreams_20120810: 'dynamodbstreams',
        AmazonSQS: 'sqs',
        AWSEvents: 'events',
        AWSStepFunctions: 'sfn',
      } as const
    )[prefix];
    return dot > 0 && service ? { service, operation } : undefined;
  }
  const path = new URL(url, 'http://localhost').pathname;
  if (/^\/schedules\/[^/]+\/?$/.test(path)) {
    const operation = { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' }[method];
    return operation ? { service: 'scheduler', operation } : undefined;
  }
  if (/^\/schedules\/?$/.test(path) && method === 'GET') return { service: 'scheduler', operation: 'ListSchedules' };
  if (path === '/v2/email/outbound-emails' && method === 'POST') return { service: 'ses', operation: 'SendEmail' };
  return undefined;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the SDK's endpoint (AWS_ENDPOINT_URL_*) here instead of at the upstream. */
  endpoint: string;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real local endpoint (DynamoDB Local, the emulators' server, the local SES), http only. */
  upstream: string;
  injector: FaultInjector;
  /** One line per injected fault. */
  log?: (line: string) => void;
}

/** A complete answer made up here. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_1_0 = 'application/x-amz-json-1.0';
const JSON_1_1 = 'application/x-amz-json-1.1';
const REST_JSON = 'application/json';
/** Connection-level headers a proxy must not pass on (RFC 9110 §7.6.1), plus the framing Node sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Starts the proxy on a free loopback port. Each request is buffered, identified, offered to the injector, then
 * either answered with the fault or forwarded unchanged (method, path, headers, body) with the answer streamed
 * back. A fault that fails one entry of a batch forwards the other entries and merges the two answers.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:') throw new Error(`The fault proxy forwards to http endpoints only, not ${options.upstream}`);
  const agent = new http.Agent({ keepAlive: true });
  const forwarder = new Forwarder(upstream, agent);
  const faults = new FaultResponder(options.injector, forwarder);
  const log = options.log ?? (() => undefined);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void serve(req, res, body).catch((error: unknown) => {
        // The upstream is down (a restart under way): a 502 is transient to the SDK, which retries.
        log(`fault proxy: ${req.method} ${req.url} -> ${options.upstream}: ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(502, { 'content-type': REST_JSON }).end(JSON.stringify({ message: 'Bad gateway' }));
        else res.destroy();
      });
    });
  });

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const call = identifyCall(req.method ?? 'GET', req.url ?? '/', req.headers);
    const fault =
      call && call.service !== 'dynamodbstreams'
        ? options.injector.decide({ service: call.service, operation: call.operation })
        : undefined;
    if (!call || !fault) return forwarder.pipe(req, body, res);
    const answer = await faults.answer(fault, call.operation, req, body);
    log(`fault ${fault}: ${call.service} ${call.operation} -> ${answer.status} ${describeAnswer(answer)}`);
    if (!res.destroyed)
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) }).end(answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

/** Sends requests on to the upstream. */
class Forwarder {
  constructor(
    private readonly upstream: URL,
    private readonly agent: http.Agent,
  ) {}

  /** Forwards the request unchanged and streams the answer back. */
  async pipe(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const answer = await this.send(req, body);
    res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
    answer.pipe(res);
    await new Promise<void>((resolve, reject) => {
      answer.once('end', resolve);
      answer.once('error', reject);
    });
  }

  /** Forwards the request with another body (a batch without its failed entry) and reads the whole answer. */
  async exchange(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const answer = await this.send(req, body);
    const chunks: Buffer[] = [];
    for await (const chunk of answer) chunks.push(chunk as Buffer);
    return { status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) };
  }

  private send(req: http.IncomingMessage, body: Buffer): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers = withoutHopByHop(req.headers);
      headers['content-length'] = String(body.length);
      const request = http.request(
        {
          hostname: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        resolve,
      );
      request.once('error', reject);
      request.end(body);
    });
  }
}

/** Builds each fault's answer the way AWS answers it. */
class FaultResponder {
  constructor(
    private readonly injector: FaultInjector,
    private readonly forwarder: Forwarder,
  ) {}

  async answer(fault: FaultName, operation: string, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    switch (fault) {
      case 'ddb-throttle':
        return operation === 'TransactWriteItems' && this.coin() ? transactionThrottled(body) : dynamoThrottled();
      case 'ddb-error':
        return jsonAnswer(500, JSON_1_0, {
          __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
          message: 'Internal server error',
        });
      case 'eventbridge':
        return this.coin() ? eventBridgeInternal() : this.putEventsWithOneFailure(req, body);
      case 'sqs-send':
        return operation === 'SendMessageBatch' && this.coin() ? this.sendBatchWithOneFailure(req, body) : sqsInternal();
      case 'scheduler':
        return this.coin()
          ? restError(500, 'InternalServerException', { Message: 'Unexpected error encountered while processing the request.' })
          : restError(429, 'ThrottlingException', { Message: 'Rate exceeded' });
      case 'ses':
        return restError(429, 'TooManyRequestsException', { message: 'Maximum sending rate exceeded.' });
      case 'sfn':
        // SFN models neither: the SDK raises its base exception named after `__type`, retried by that name (a
        // throttling error) or by the 503 status (a transient one).
        return this.coin()
          ? jsonAnswer(400, JSON_1_0, { __type: 'com.amazonaws.swf.service.v2.model#ThrottlingException', message: 'Rate exceeded' })
          : jsonAnswer(503, JSON_1_0, { __type: 'com.amazonaws.swf.service.v2.model#ServiceUnavailable', message: 'Service Unavailable' });
    }
  }

  private coin(): boolean {
    return this.injector.next() < 0.5;
  }

  private pick(count: number): number {
    return Math.min(count - 1, Math.floor(this.injector.next() * count));
  }

  /**
   * PutEvents that fails one entry the way EventBridge does (HTTP 200, FailedEntryCount): the other entries are
   * forwarded, and the answers merged so Entries line up with the request's entries.
   */
  private async putEventsWithOneFailure(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const input = parseJson(body);
    const entries = Array.isArray(input?.Entries) ? (input.Entries as unknown[]) : [];
    if (entries.length === 0) return eventBridgeInternal();
    const failed = this.pick(entries.length);
    const failure = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error.' };
    if (entries.length === 1) return jsonAnswer(200, JSON_1_1, { FailedEntryCount: 1, Entries: [failure] });
    const rest = { ...input, Entries: entries.filter((_, index) => index !== failed) };
    const forwarded = await this.forwarder.exchange(req, Buffer.from(JSON.stringify(rest)));
    const output = forwarded.status === 200 ? parseJson(forwarded.body) : undefined;
    if (!output || !Array.isArray(output.Entries)) return passThrough(forwarded);
    const merged = [...(output.Entries as unknown[])];
    merged.splice(failed, 0, failure);
    return jsonAnswer(200, contentType(forwarded.headers, JSON_1_1), {
      ...output,
      FailedEntryCount: Number(output.FailedEntryCount ?? 0) + 1,
      Entries: merged,
    });
  }

  /** SendMessageBatch with one entry in Failed (a server-side fault, not the sender's); the others are forwarded. */
  private async sendBatchWithOneFailure(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const input = parseJson(body);
    const entries = Array.isArray(input?.Entries) ? (input.Entries as Array<{ Id?: unknown }>) : [];
    if (entries.length === 0) return sqsInternal();
    const failed = this.pick(entries.length);
    const failure = {
      Id: entries[failed]?.Id,
      SenderFault: false,
      Code: 'InternalError',
      Message: 'We encountered an internal error. Please try again.',
    };
    if (entries.length === 1) return jsonAnswer(200, JSON_1_0, { Successful: [], Failed: [failure] });
    const rest = { ...input, Entries: entries.filter((_, index) => index !== failed) };
    const forwarded = await this.forwarder.exchange(req, Buffer.from(JSON.stringify(rest)));
    const output = forwarded.status === 200 ? parseJson(forwarded.body) : undefined;
    if (!output) return passThrough(forwarded);
    const alreadyFailed = Array.isArray(output.Failed) ? (output.Failed as unknown[]) : [];
    return jsonAnswer(200, contentType(forwarded.headers, JSON_1_0), {
      ...output,
      Successful: Array.isArray(output.Successful) ? output.Successful : [],
      Failed: [...alreadyFailed, failure],
    });
  }
}

function dynamoThrottled(): Answer {
  return jsonAnswer(400, JSON_1_0, {
    __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  });
}

/** What DynamoDB answers when one item of a transaction hit a throttled index: one reason per item, in order. */
function transactionThrottled(body: Buffer): Answer {
  const items = parseJson(body)?.TransactItems;
  const count = Array.isArray(items) ? items.length : 0;
  if (count === 0) return dynamoThrottled();
  // Which item throttled does not matter to callers; the last keeps it deterministic without drawing again.
  const reasons = Array.from({ length: count }, (_, index) =>
    index === count - 1
      ? {
          Code: 'ThrottlingError',
          Message:
            'Throughput exceeds the current capacity for one or more global secondary indexes. DynamoDB is automatically scaling your index so please try again shortly.',
        }
      : { Code: 'None' },
  );
  return jsonAnswer(400, JSON_1_0, {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    // DynamoDB spells this one's message with a capital M.
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
    CancellationReasons: reasons,
  });
}

function eventBridgeInternal(): Answer {
  return jsonAnswer(500, JSON_1_1, { __type: 'InternalException', message: 'Internal service error.' });
}

function sqsInternal(): Answer {
  const answer = jsonAnswer(500, JSON_1_0, {
    __type: 'com.amazonaws.sqs#InternalError',
    message: 'We encountered an internal error. Please try again.',
  });
  answer.headers['x-amzn-query-error'] = 'InternalError;Receiver';
  return answer;
}

function restError(status: number, type: string, body: Record<string, unknown>): Answer {
  const answer = jsonAnswer(status, REST_JSON, body);
  answer.headers['x-amzn-errortype'] = type;
  return answer;
}

function jsonAnswer(status: number, type: string, body: unknown): Answer {
  return { status, headers: { 'content-type': type, 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) };
}

/** An upstream answer we could not merge (an error, say), passed on as it came. */
function passThrough(forwarded: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }): Answer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(withoutHopByHop(forwarded.headers)))
    if (name !== 'content-length' && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  return { status: forwarded.status, headers, body: forwarded.body.toString('utf8') };
}

function contentType(headers: http.IncomingHttpHeaders, fallback: string): string {
  return headers['content-type'] ?? fallback;
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const kept: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) kept[name] = value;
  return kept;
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeAnswer(answer: Answer): string {
  const type = answer.headers['x-amzn-errortype'] ?? (parseJson(Buffer.from(answer.body))?.__type as string | undefined);
  return type ? type.split('#').pop()! : 'one entry failed';
}
