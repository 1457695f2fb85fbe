// Small, durable SQS emulator speaking the SQS JSON protocol (awsJson1_0, as sent by @aws-sdk/client-sqs v3):
// POST / with `x-amz-target: AmazonSQS.<Operation>`, JSON bodies, errors as
// `{"__type":"com.amazonaws.sqs#<Shape>","message":...}` plus the `x-amzn-query-error: <QueryCode>;Sender` header
// that the SDK (awsQueryCompatible) uses to pick the modelled exception. Standard queues only (no FIFO).
// Durability: one append-only JSON-lines journal per queue (send / del / rc / purge), replayed and compacted
// when the queue is (re)created; in-flight messages become visible again after a restart.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string; // base64 on the wire (JSON protocol blob)
}

interface Message {
  id: string;
  body: string;
  md5: string;
  attrs?: Record<string, MessageAttributeValue>;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  visibleAt: number;
  receipt?: string; // current receipt handle while in flight
}

interface Queue {
  name: string;
  arn: string;
  createdAt: number;
  cfg: CreateQueueOptions;
  messages: Map<string, Message>; // insertion order = delivery order for visible messages
  waiters: Set<() => void>;
  fd?: number;
}

export interface CreateQueueOptions {
  visibilityTimeoutSeconds: number;
  maxReceiveCount?: number;
  deadLetterQueueName?: string;
}

type Json = Record<string, unknown>;

const ERRORS: Record<string, [queryCode: string, status: number]> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  MissingParameter: ['MissingParameter', 400],
  SerializationException: ['SerializationException', 400],
  InternalFailure: ['InternalFailure', 500],
};

export class SqsError extends Error {
  readonly code: keyof typeof ERRORS;
  constructor(code: keyof typeof ERRORS, message: string) {
    super(message);
    this.code = code;
  }
}

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_BODY_BYTES = 1024 * 1024;

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** MD5OfMessageAttributes per the SQS developer guide: by name order, name and data type (4-byte big-endian length +
 * UTF-8), a transport byte (1 string/number, 2 binary), value (length + bytes). */
export function md5OfMessageAttributes(attrs: Record<string, MessageAttributeValue>): string {
  const parts: Buffer[] = [];
  const lenPrefixed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name]!;
    lenPrefixed(Buffer.from(name, 'utf8'));
    lenPrefixed(Buffer.from(a.DataType, 'utf8'));
    const binary = a.BinaryValue !== undefined && a.StringValue === undefined;
    parts.push(Buffer.from([binary ? 2 : 1]));
    lenPrefixed(binary ? Buffer.from(a.BinaryValue!, 'base64') : Buffer.from(a.StringValue ?? '', 'utf8'));
  }
  return md5Hex(Buffer.concat(parts));
}

export class SqsEmulator {
  readonly accountId: string;
  readonly region: string;
  /** Base used for the URL returned by createQueue(); API responses use the request's Host header instead. */
  baseUrl: string;
  private readonly dataDir: string | null;
  private readonly queues = new Map<string, Queue>();
  private closed = false;

  constructor(opts: { dataDir: string | null; accountId?: string; region?: string; baseUrl?: string }) {
    this.dataDir = opts.dataDir;
    this.accountId = opts.accountId ?? '000000000000';
    this.region = opts.region ?? 'us-east-1';
    this.baseUrl = opts.baseUrl ?? 'http://localhost:9324';
    if (this.dataDir) fs.mkdirSync(this.dataDir, { recursive: true });
  }

  queueUrl(name: string, baseUrl: string = this.baseUrl): string {
    return `${baseUrl.replace(/\/+$/, '')}/${this.accountId}/${name}`;
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  /** Idempotent; updates the configuration of an existing queue. Loads (and compacts) its journal on first creation. */
  createQueue(name: string, opts: CreateQueueOptions): string {
    if (!QUEUE_NAME.test(name)) throw new SqsError('InvalidParameterValue', `Invalid queue name: ${name}`);
    let q = this.queues.get(name);
    if (!q) {
      q = { name, arn: this.queueArn(name), createdAt: Date.now(), cfg: opts, messages: new Map(), waiters: new Set() };
      this.load(q);
      this.queues.set(name, q);
    }
    q.cfg = { ...opts };
    return this.queueUrl(name);
  }

  /** Closes journals and releases pending long polls (they answer with no messages). */
  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) {
      this.wake(q);
      if (q.fd !== undefined) fs.closeSync(q.fd);
      q.fd = undefined;
    }
  }

  /** Serves one SQS JSON-protocol request; returns false (without touching res) if it is not one. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean> {
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith('AmazonSQS.')) return false;
    const op = target.slice('AmazonSQS.'.length);
    const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
    let aborted = false;
    res.on('close', () => (aborted = true));
    let status = 200;
    let payload: Json;
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() };
    try {
      const input = body.length ? parseLine(body.toString('utf8')) : {};
      if (!input) throw new SqsError('SerializationException', 'Malformed JSON request body');
      payload = await this.dispatch(op, input, baseUrl, () => aborted || this.closed);
    } catch (err) {
      const known = err instanceof SqsError;
      const code = known ? err.code : 'InternalFailure';
      const [queryCode, httpStatus] = ERRORS[code]!;
      status = httpStatus;
      headers['x-amzn-query-error'] = `${queryCode};${known ? 'Sender' : 'Receiver'}`;
      payload = { __type: `com.amazonaws.sqs#${code}`, message: err instanceof Error ? err.message : String(err) };
    }
    if (!res.destroyed) {
      res.writeHead(status, headers);
      res.end(JSON.stringify(payload));
    }
    return true;
  }

  private async dispatch(op: string, input: Json, baseUrl: string, gone: () => boolean): Promise<Json> {
    switch (op) {
      case 'GetQueueUrl': {
        const name = str(input, 'QueueName');
        if (!this.queues.has(name)) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: this.queueUrl(name, baseUrl) };
      }
      case 'CreateQueue': {
        const name = str(input, 'QueueName');
        if (!this.queues.has(name)) {
          const attrs = (input.Attributes ?? {}) as Record<string, string>;
          const redrive = attrs.RedrivePolicy ? (JSON.parse(attrs.RedrivePolicy) as Json) : undefined;
          this.createQueue(name, {
            visibilityTimeoutSeconds: attrs.VisibilityTimeout ? Number(attrs.VisibilityTimeout) : 30,
            maxReceiveCount: redrive ? Number(redrive.maxReceiveCount) : undefined,
            deadLetterQueueName: redrive ? String(redrive.deadLetterTargetArn).split(':').pop() : undefined,
          });
        }
        return { QueueUrl: this.queueUrl(name, baseUrl) };
      }
      case 'SendMessage': {
        const q = this.queue(input);
        return sendResult(this.send(q, input));
      }
      case 'SendMessageBatch': {
        const q = this.queue(input);
        return perEntry(input, (e) => sendResult(this.send(q, e)));
      }
      case 'ReceiveMessage':
        return this.receive(this.queue(input), input, gone);
      case 'DeleteMessage':
        this.deleteMessage(this.queue(input), str(input, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch': {
        const q = this.queue(input);
        return perEntry(input, (e) => (this.deleteMessage(q, str(e, 'ReceiptHandle')), {}));
      }
      case 'ChangeMessageVisibility': {
        const q = this.queue(input);
        const vt = int(input, 'VisibilityTimeout', undefined, 0, 43200);
        const m = this.byReceipt(q, str(input, 'ReceiptHandle'));
        if (!m || m.receipt !== input.ReceiptHandle || m.visibleAt <= Date.now())
          throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
        m.visibleAt = Date.now() + vt * 1000;
        if (vt === 0) this.wake(q);
        return {};
      }
      case 'GetQueueAttributes':
        return { Attributes: this.attributes(this.queue(input), input) };
      case 'PurgeQueue': {
        const q = this.queue(input);
        q.messages.clear();
        this.append(q, { op: 'purge' });
        return {};
      }
      default:
        throw new SqsError('UnsupportedOperation', `Operation ${op} is not supported by the local SQS emulator`);
    }
  }

  private queue(input: Json): Queue {
    const url = str(input, 'QueueUrl');
    const name = url.replace(/\/+$/, '').split('/').pop() ?? '';
    const q = this.queues.get(name);
    if (!q) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  }

  private send(q: Queue, input: Json): Message {
    if (typeof input.MessageBody !== 'string')
      throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    const body = input.MessageBody;
    if (body.length === 0 || Buffer.byteLength(body) > MAX_BODY_BYTES)
      throw new SqsError('InvalidParameterValue', 'MessageBody must be between 1 byte and 1 MiB long.');
    const attrs = input.MessageAttributes as Record<string, MessageAttributeValue> | undefined;
    for (const [k, v] of Object.entries(attrs ?? {})) {
      if (!v || typeof v.DataType !== 'string' || (v.StringValue === undefined && v.BinaryValue === undefined))
        throw new SqsError('InvalidParameterValue', `Message attribute ${k} must have a DataType and a value.`);
    }
    const delay = int(input, 'DelaySeconds', 0, 0, 900);
    const now = Date.now();
    const m: Message = {
      id: randomUUID(),
      body,
      md5: md5Hex(body),
      ...(attrs && Object.keys(attrs).length ? { attrs } : {}),
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + delay * 1000,
    };
    this.store(q, m);
    return m;
  }

  private store(q: Queue, m: Message): void {
    this.append(q, sendRecord(m));
    q.messages.set(m.id, m);
    this.wake(q);
  }

  private async receive(q: Queue, input: Json, gone: () => boolean): Promise<Json> {
    const max = int(input, 'MaxNumberOfMessages', 1, 1, 10);
    const vt = int(input, 'VisibilityTimeout', q.cfg.visibilityTimeoutSeconds, 0, 43200);
    const wait = int(input, 'WaitTimeSeconds', 0, 0, 20);
    const sysNames = [...list(input.AttributeNames), ...list(input.MessageSystemAttributeNames)];
    const attrNames = list(input.MessageAttributeNames);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      if (gone()) return {};
      const now = Date.now();
      this.sweep(q, now);
      const picked: Message[] = [];
      for (const m of q.messages.values()) {
        if (picked.length >= max) break;
        if (m.visibleAt <= now) picked.push(m);
      }
      if (picked.length) return { Messages: picked.map((m) => this.deliver(q, m, now, vt, sysNames, attrNames)) };
      if (now >= deadline) return {};
      let next = deadline;
      for (const m of q.messages.values()) next = Math.min(next, m.visibleAt);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          q.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(5, Math.min(next - now, 1000))); // re-check `gone` at least every second
        q.waiters.add(done);
      });
    }
  }

  private deliver(q: Queue, m: Message, now: number, vt: number, sysNames: string[], attrNames: string[]): Json {
    m.receiveCount += 1;
    m.firstReceiveAt ??= now;
    m.visibleAt = now + vt * 1000;
    m.receipt = Buffer.from(`${q.name}:${m.id}:${randomUUID()}`).toString('base64');
    this.append(q, { op: 'rc', id: m.id, receiveCount: m.receiveCount, firstReceiveAt: m.firstReceiveAt });
    const sys: Record<string, string> = {
      SenderId: this.accountId,
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
    };
    const all = sysNames.includes('All');
    const Attributes = Object.fromEntries(Object.entries(sys).filter(([k]) => all || sysNames.includes(k)));
    const out: Json = { MessageId: m.id, ReceiptHandle: m.receipt, MD5OfBody: m.md5, Body: m.body };
    if (Object.keys(Attributes).length) out.Attributes = Attributes;
    if (m.attrs && attrNames.length) {
      const wanted = Object.entries(m.attrs).filter(([k]) =>
        attrNames.some((p) => p === 'All' || p === '.*' || p === k || (p.endsWith('.*') && k.startsWith(p.slice(0, -1)))),
      );
      if (wanted.length) {
        out.MessageAttributes = Object.fromEntries(wanted);
        out.MD5OfMessageAttributes = md5OfMessageAttributes(out.MessageAttributes as Record<string, MessageAttributeValue>);
      }
    }
    return out;
  }

  /** Moves visible messages that exhausted maxReceiveCount to the dead-letter queue (DLQ first, then source). */
  private sweep(q: Queue, now: number): void {
    const dlq = q.cfg.deadLetterQueueName ? this.queues.get(q.cfg.deadLetterQueueName) : undefined;
    if (!dlq || !q.cfg.maxReceiveCount) return;
    for (const m of [...q.messages.values()]) {
      if (m.visibleAt > now || m.receiveCount < q.cfg.maxReceiveCount) continue;
      this.store(dlq, { ...m, visibleAt: now, receipt: undefined });
      q.messages.delete(m.id);
      this.append(q, { op: 'del', id: m.id });
    }
  }

  private byReceipt(q: Queue, handle: string): Message | undefined {
    const decoded = Buffer.from(handle, 'base64').toString('utf8').split(':');
    if (decoded.length !== 3 || decoded[0] !== q.name)
      throw new SqsError('ReceiptHandleIsInvalid', `The receipt handle "${handle}" is not a valid receipt handle.`);
    return q.messages.get(decoded[1]!);
  }

  /** Like SQS: deleting with a stale receipt handle succeeds but leaves the (redelivered) message in place. */
  private deleteMessage(q: Queue, handle: string): void {
    const m = this.byReceipt(q, handle);
    if (!m || m.receipt !== handle) return;
    q.messages.delete(m.id);
    this.append(q, { op: 'del', id: m.id });
  }

  private attributes(q: Queue, input: Json): Record<string, string> {
    const now = Date.now();
    this.sweep(q, now);
    let [visible, inflight, delayed] = [0, 0, 0];
    for (const m of q.messages.values()) {
      if (m.visibleAt <= now) visible++;
      else if (m.receipt) inflight++;
      else delayed++;
    }
    const all: Record<string, string> = {
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inflight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      VisibilityTimeout: String(q.cfg.visibilityTimeoutSeconds),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.createdAt / 1000)),
      ...{ DelaySeconds: '0', ReceiveMessageWaitTimeSeconds: '0', MessageRetentionPeriod: '345600' },
      MaximumMessageSize: String(MAX_BODY_BYTES),
    };
    if (q.cfg.deadLetterQueueName && q.cfg.maxReceiveCount)
      all.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: this.queueArn(q.cfg.deadLetterQueueName),
        maxReceiveCount: q.cfg.maxReceiveCount,
      });
    const names = list(input.AttributeNames);
    if (names.includes('All')) return all;
    return Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
  }

  private wake(q: Queue): void {
    for (const w of [...q.waiters]) w();
  }

  private append(q: Queue, rec: Json): void {
    if (q.fd === undefined) return;
    const buf = Buffer.from(JSON.stringify(rec) + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(q.fd, buf, off, buf.length - off);
  }

  /** Replays the journal (ignoring a torn last line), then rewrites it compacted via a temp file + rename. */
  private load(q: Queue): void {
    if (!this.dataDir) return;
    const file = path.join(this.dataDir, `${q.name}.jsonl`);
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const r = parseLine(line); // undefined for a blank line or a torn write from a crash
        const { op, id, ...fields } = r ?? {};
        // In-flight messages become visible again after a restart (visibleAt 0, no receipt).
        if (op === 'send') q.messages.set(String(id), { ...(fields as SendFields), id: String(id), md5: '', visibleAt: 0 });
        else if (op === 'rc') Object.assign(q.messages.get(String(id)) ?? {}, fields);
        else if (op === 'del') q.messages.delete(String(id));
        else if (op === 'purge') q.messages.clear();
      }
      for (const m of q.messages.values()) m.md5 = md5Hex(m.body);
    }
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, [...q.messages.values()].map((m) => JSON.stringify(sendRecord(m)) + '\n').join(''));
    fs.renameSync(tmp, file);
    q.fd = fs.openSync(file, 'a');
  }
}

type SendFields = Pick<Message, 'body' | 'attrs' | 'sentAt' | 'receiveCount' | 'firstReceiveAt'>;
const sendRecord = (m: Message): Json => {
  const { body, attrs, sentAt, receiveCount, firstReceiveAt } = m;
  return { op: 'send', id: m.id, body, attrs, sentAt, receiveCount, firstReceiveAt };
};

const sendResult = (m: Message): Json => ({
  MessageId: m.id,
  MD5OfMessageBody: m.md5,
  ...(m.attrs ? { MD5OfMessageAttributes: md5OfMessageAttributes(m.attrs) } : {}),
});

function str(input: Json, key: string): string {
  const v = input[key];
  if (typeof v !== 'string' || !v) throw new SqsError('MissingParameter', `The request must contain the parameter ${key}.`);
  return v;
}

function int(input: Json, key: string, dflt: number | undefined, min: number, max: number): number {
  const v = input[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new SqsError('MissingParameter', `The request must contain the parameter ${key}.`);
    return dflt;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new SqsError('InvalidParameterValue', `Value ${String(v)} for ${key} is invalid: must be ${min}-${max}.`);
  return n;
}

function parseLine(line: string): Json | undefined {
  if (!line.trim()) return undefined;
  try {
    return JSON.parse(line) as Json;
  } catch {
    return undefined;
  }
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Runs fn per batch entry (1-10, distinct Ids), collecting per-entry Successful / Failed results. */
function perEntry(input: Json, fn: (entry: Json) => Json): Json {
  const Successful: Json[] = [];
  const Failed: Json[] = [];
  for (const e of batchEntries(input)) {
    try {
      Successful.push({ Id: e.Id, ...fn(e) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      Failed.push({ Id: e.Id, SenderFault: true, Code: err.code, Message: err.message });
    }
  }
  return { Successful, Failed };
}

function batchEntries(input: Json): Json[] {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Json[]) : [];
  if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (entries.length > 10) throw new SqsError('TooManyEntriesInBatchRequest', `At most 10 entries per request; got ${entries.length}.`);
  const ids = new Set(entries.map((e) => e.Id));
  if (ids.size !== entries.length)
    throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  return entries;
}
