// The local EventBridge bus on a real HTTP server, driven by the real EventBridgeClient: a failing target is
// retried with backoff, then dead-lettered with a record; with a data directory every accepted delivery survives a
// crash (an emulator dropped without stop()) and is delivered by the next emulator on the same directory, with the
// same event, while finished deliveries and dead letters are not replayed.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_RULES, type FunctionName } from '../../functions/catalog';
import { backoff, EventBridgeEmulator, matchesPattern, type EventBridgeEmulatorOptions } from '../../local/aws/eventbridge-emulator';

const BUS = 'aw-test-bus';
const ALARM = { Source: 'aws.cloudwatch', DetailType: 'CloudWatch Alarm State Change' };
/** The catalog's rules a CloudWatch alarm event on the default bus matches: each is one delivery. */
const ALARM_RULES = EVENT_RULES.filter(
  (rule) => rule.bus === 'default' && matchesPattern(rule.pattern, { source: ALARM.Source, 'detail-type': ALARM.DetailType, detail: {} }),
);
const FAST = { attempts: 4, baseDelayMs: 2, maxDelayMs: 10 };

interface Invocation {
  fn: FunctionName;
  event: { id: string; source: string; detail: { n: number } };
}

let server: Server;
let client: EventBridgeClient;
let emulator: EventBridgeEmulator;
let invocations: Invocation[];
let behaviour: (invocation: Invocation) => Promise<void>;
let logs: string[];
let dataDir: string;
const journal = () => path.join(dataDir, 'events.jsonl');

function startEmulator(options: EventBridgeEmulatorOptions = {}): EventBridgeEmulator {
  return new EventBridgeEmulator(
    async (fn, event) => {
      const invocation = { fn, event: event as Invocation['event'] };
      invocations.push(invocation);
      await behaviour(invocation);
    },
    (line) => logs.push(line),
    BUS,
    'us-east-1',
    { retry: FAST, ...options },
  );
}

async function put(...numbers: number[]): Promise<string[]> {
  const output = await client.send(new PutEventsCommand({ Entries: numbers.map((n) => ({ ...ALARM, Detail: JSON.stringify({ n }) })) }));
  expect(output.FailedEntryCount).toBe(0);
  return output.Entries!.map((entry) => entry.EventId!);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  expect(ALARM_RULES.length).toBeGreaterThan(0);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void emulator.handle(req, res, Buffer.concat(chunks)).then((handled) => {
        if (!handled) res.writeHead(400).end();
      });
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  invocations = [];
  behaviour = async () => undefined;
  logs = [];
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-eventbridge-'));
});

afterEach(async () => {
  await emulator.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a failing target is retried with backoff until it succeeds', async () => {
  emulator = startEmulator();
  let failures = 2;
  behaviour = async () => {
    if (failures-- > 0) throw new Error('Lambda throttled');
  };
  const [eventId] = await put(1);
  await emulator.idle();
  const deliveries = ALARM_RULES.length;
  expect(invocations).toHaveLength(2 + deliveries);
  expect(invocations.every((invocation) => invocation.event.id === eventId && invocation.event.detail.n === 1)).toBe(true);
  expect(emulator.stats()).toEqual({ accepted: deliveries, delivered: deliveries, retried: 2, deadLettered: 0, pending: 0 });
  expect(emulator.deadLetters).toEqual([]);
  expect(logs.filter((line) => line.includes('failed (attempt'))).toHaveLength(2);
});

test('a target that keeps failing is dead-lettered after the attempts, with a record and one log line', async () => {
  emulator = startEmulator({ dataDir });
  behaviour = async () => {
    throw new Error('function error');
  };
  const [eventId] = await put(2);
  await emulator.idle();
  const deliveries = ALARM_RULES.length;
  expect(invocations).toHaveLength(FAST.attempts * deliveries);
  expect(emulator.deadLetters).toEqual(
    ALARM_RULES.map((rule) => ({
      ruleId: rule.id,
      function: rule.function,
      event: expect.objectContaining({ id: eventId, source: ALARM.Source, detail: { n: 2 } }),
      error: 'function error',
      attempts: FAST.attempts,
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    })),
  );
  expect(emulator.stats()).toEqual({
    accepted: deliveries,
    delivered: 0,
    retried: (FAST.attempts - 1) * deliveries,
    deadLettered: deliveries,
    pending: 0,
  });
  expect(logs.filter((line) => line.startsWith('EventBridge: dead letter:'))).toHaveLength(deliveries);

  // Dead letters survive a restart and are not delivered again.
  await emulator.stop();
  invocations = [];
  emulator = startEmulator({ dataDir });
  await emulator.idle();
  expect(invocations).toEqual([]);
  expect(emulator.deadLetters).toHaveLength(deliveries);
  expect(emulator.deadLetters[0]!.event).toMatchObject({ id: eventId });
});

test('accepted deliveries survive a crash and are delivered after the restart; finished ones are not', async () => {
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  behaviour = async (invocation) => {
    if (invocation.event.detail.n !== 0) await hung; // the process dies while these run
  };
  const crashed = startEmulator({ dataDir });
  emulator = crashed;
  const [finished] = await put(0);
  await sleep(20);
  const cut = await put(1, 2);
  expect(crashed.stats()).toMatchObject({ delivered: ALARM_RULES.length, pending: 2 * ALARM_RULES.length });

  // A new process on the same directory, without anything flushed or stopped in the old one.
  invocations = [];
  behaviour = async () => undefined;
  emulator = startEmulator({ dataDir });
  await emulator.idle();
  expect(invocations.map((invocation) => [invocation.event.id, invocation.event.detail.n]).sort()).toEqual(
    cut.flatMap((id, index) => ALARM_RULES.map(() => [id, index + 1])).sort(),
  );
  expect(invocations.map((invocation) => invocation.event.id)).not.toContain(finished);
  expect(emulator.stats()).toEqual({
    accepted: 2 * ALARM_RULES.length,
    delivered: 2 * ALARM_RULES.length,
    retried: 0,
    deadLettered: 0,
    pending: 0,
  });
  expect(logs).toContain(`EventBridge: delivering again ${2 * ALARM_RULES.length} deliveries the last run left unfinished`);

  // Delivered now: the next restart has nothing to replay.
  await emulator.stop();
  invocations = [];
  emulator = startEmulator({ dataDir });
  await emulator.idle();
  expect(invocations).toEqual([]);
  expect(fs.readFileSync(journal(), 'utf8')).toBe('');
  release();
  await crashed.stop();
});

test('a torn last journal line is ignored; stop() does not wait out a retry, which the next run makes', async () => {
  behaviour = async () => {
    throw new Error('down');
  };
  emulator = startEmulator({ dataDir, retry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
  const [eventId] = await put(3);
  await sleep(20);
  const stopping = Date.now();
  await emulator.stop();
  expect(Date.now() - stopping).toBeLessThan(1_000);
  expect(emulator.stats()).toMatchObject({ delivered: 0, deadLettered: 0, retried: ALARM_RULES.length, pending: ALARM_RULES.length });
  fs.appendFileSync(journal(), '{"op":"accept","delivery":{"id":"torn/rule","ruleId":"ru');

  invocations = [];
  behaviour = async () => undefined;
  emulator = startEmulator({ dataDir });
  await emulator.idle();
  expect(invocations.map((invocation) => invocation.event.id)).toEqual(ALARM_RULES.map(() => eventId));
  expect(fs.readFileSync(journal(), 'utf8')).not.toContain('torn');
});

test('the four-argument constructor keeps working in memory, with the default retries', async () => {
  emulator = new EventBridgeEmulator(
    async (fn, event) => {
      invocations.push({ fn, event: event as Invocation['event'] });
    },
    (line) => logs.push(line),
    BUS,
  );
  await put(4);
  await emulator.idle();
  expect(invocations).toHaveLength(ALARM_RULES.length);
  expect(fs.readdirSync(dataDir)).toEqual([]);
});

test('backoff doubles from the base up to the cap, with jitter between half and all of it', () => {
  const policy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 };
  expect([1, 2, 3, 7, 8, 20].map((retry) => backoff(policy, retry, () => 0.999999))).toEqual(
    [100, 200, 400, 6_400, 10_000, 10_000].map((ms) => expect.closeTo(ms, 0)),
  );
  expect([1, 2, 8].map((retry) => backoff(policy, retry, () => 0))).toEqual([50, 100, 5_000]);
});
