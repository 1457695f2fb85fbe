// The local EventBridge Scheduler on a real HTTP server, driven by the real SchedulerClient: a schedule fires at
// its (scaled) time with its input and deletes itself; one deleted before its time never fires; a failing target
// is retried, then dead-lettered; idle() waits for invocations under way only; stop() ends all firing. Errors come
// back as the SDK's modelled exceptions. With a data directory, schedules, groups and dead letters survive a crash
// (an emulator dropped without stop()): a new one on the same directory lists them and fires what is due, never
// fires again what completed, fires again what was cut short, and ignores a torn last journal line.
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTimer, deleteTimer } from '../../lib/aws/scheduler';
import { lambdaFunctionName, SchedulerEmulator, type SchedulerEmulatorOptions } from '../../local/aws/scheduler-emulator';

const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:aw-local-slaTimer';
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';

interface Invocation {
  targetArn: string;
  input: string;
  realMs: number;
}

let server: Server;
let client: SchedulerClient;
let emulator: SchedulerEmulator;
let invocations: Invocation[] = [];
let behaviour: (input: string) => Promise<void> = async () => undefined;
const logs: string[] = [];

function startEmulator(options: Partial<SchedulerEmulatorOptions> = {}): SchedulerEmulator {
  return new SchedulerEmulator({
    invoke: async (targetArn, input) => {
      invocations.push({ targetArn, input, realMs: performance.now() });
      await behaviour(input);
    },
    log: (line) => logs.push(line),
    timeScale: 0.01,
    retryDelayMs: 5,
    ...options,
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (await emulator.handle(req, res, Buffer.concat(chunks))) return;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Unknown local AWS operation' }));
      })();
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  client = new SchedulerClient({
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
  emulator = startEmulator();
  invocations = [];
  behaviour = async () => undefined;
  logs.length = 0;
});

afterEach(async () => {
  await emulator.stop();
});

/** `at(...)` for a whole second at least `seconds` after the emulator's now. */
function atIn(seconds: number): { expression: string; dueMs: number } {
  const dueMs = Math.ceil((emulator.now().getTime() + seconds * 1000) / 1000) * 1000;
  return { expression: `at(${new Date(dueMs).toISOString().slice(0, 19)})`, dueMs };
}

function schedule(
  name: string,
  expression: string,
  input: unknown,
  extra: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: TARGET,
      RoleArn: ROLE,
      Input: JSON.stringify(input),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
    },
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(5);
  }
}

test('a schedule fires at its scaled time with its input, then deletes itself', async () => {
  const { expression, dueMs } = atIn(30); // 30 s on the emulator's clock: about 300 ms here
  const created = performance.now();
  const lead = dueMs - emulator.now().getTime();
  const { ScheduleArn } = await client.send(
    new CreateScheduleCommand(schedule('sla-response-breach-01TEST', expression, { type: 'sla', incidentId: '01TEST' })),
  );
  expect(ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/sla-response-breach-01TEST');

  const described = await client.send(new GetScheduleCommand({ Name: 'sla-response-breach-01TEST' }));
  expect(described).toMatchObject({
    Name: 'sla-response-breach-01TEST',
    GroupName: 'default',
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: 'UTC',
    State: 'ENABLED',
    ActionAfterCompletion: 'DELETE',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: TARGET, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } },
  });
  expect(described.CreationDate).toBeInstanceOf(Date);
  const listed = await client.send(new ListSchedulesCommand({ NamePrefix: 'sla-' }));
  expect(listed.Schedules?.map((item) => [item.Name, item.GroupName, item.Target?.Arn])).toEqual([
    ['sla-response-breach-01TEST', 'default', TARGET],
  ]);

  await waitFor(() => invocations.length === 1);
  await emulator.idle();
  const fired = invocations[0]!;
  expect(fired.targetArn).toBe(TARGET);
  expect(JSON.parse(fired.input)).toEqual({ type: 'sla', incidentId: '01TEST' });
  // Due in `lead` ms of emulator time: `lead` x 0.01 ms of real time (timers are late by a little, never early).
  expect(fired.realMs - created).toBeGreaterThanOrEqual(lead * 0.01 - 15);
  expect(fired.realMs - created).toBeLessThan(lead * 0.01 + 500);

  await expect(client.send(new GetScheduleCommand({ Name: 'sla-response-breach-01TEST' }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  expect((await client.send(new ListSchedulesCommand({}))).Schedules).toEqual([]);
  await sleep(50);
  expect(invocations).toHaveLength(1);
});

test('a schedule deleted before its time never fires; deleting it again is ResourceNotFound', async () => {
  const { expression } = atIn(20);
  await client.send(new CreateScheduleCommand(schedule('esc-0-01TEST', expression, { level: 0 })));
  await client.send(new DeleteScheduleCommand({ Name: 'esc-0-01TEST', GroupName: 'default' }));
  await expect(client.send(new DeleteScheduleCommand({ Name: 'esc-0-01TEST' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  await sleep(400);
  expect(invocations).toEqual([]);
});

test('the adapter against the emulator: create twice is one schedule, delete of a gone one is fine', async () => {
  emulator.createScheduleGroup('aw-sla-timers');
  const at = new Date(emulator.now().getTime() + 90_000);
  const input = {
    name: 'sla-resolution-warning-01TEST',
    at,
    payload: { n: 1 },
    groupName: 'aw-sla-timers',
    targetArn: TARGET,
    roleArn: ROLE,
  };
  expect(await createTimer({ ...input, now: emulator.now() }, client)).toBe('created');
  expect(await createTimer({ ...input, now: emulator.now() }, client)).toBe('exists');
  expect(emulator.list('aw-sla-timers')).toHaveLength(1);
  // The adapter rounds up to the whole minute after `at` (Scheduler's precision).
  expect(Date.parse(emulator.list('aw-sla-timers')[0]!.dueAt)).toBe(Math.ceil(at.getTime() / 60_000) * 60_000);
  expect(await deleteTimer(input.name, 'aw-sla-timers', client)).toBe('deleted');
  expect(await deleteTimer(input.name, 'aw-sla-timers', client)).toBe('not-found');
});

test('the same name conflicts, unless it is the retry of the same request (same client token)', async () => {
  const { expression } = atIn(600);
  await client.send(new CreateScheduleCommand(schedule('dup', expression, {}, { ClientToken: 'token-1' })));
  await expect(client.send(new CreateScheduleCommand(schedule('dup', expression, {}, { ClientToken: 'token-1' })))).resolves.toMatchObject({
    ScheduleArn: expect.stringContaining('schedule/default/dup'),
  });
  await expect(client.send(new CreateScheduleCommand(schedule('dup', expression, {})))).rejects.toBeInstanceOf(ConflictException);
});

test('a failing target is retried; one that keeps failing is dead-lettered and the schedule deleted', async () => {
  let failures = 2;
  behaviour = async () => {
    if (failures-- > 0) throw new Error('Lambda throttled');
  };
  await client.send(new CreateScheduleCommand(schedule('flaky', atIn(1).expression, { attempt: '<aws.scheduler.attempt-number>' })));
  await waitFor(() => invocations.length === 3);
  await emulator.idle();
  expect(invocations.map((call) => JSON.parse(call.input))).toEqual([{ attempt: '1' }, { attempt: '2' }, { attempt: '3' }]);
  expect(emulator.deadLetters).toEqual([]);

  invocations = [];
  behaviour = async () => {
    throw new Error('function error');
  };
  await client.send(
    new CreateScheduleCommand(
      schedule(
        'broken',
        atIn(1).expression,
        {},
        {
          Target: {
            Arn: TARGET,
            RoleArn: ROLE,
            Input: '{}',
            RetryPolicy: { MaximumRetryAttempts: 1 },
            DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:aw-sla-dlq' },
          },
        },
      ),
    ),
  );
  await waitFor(() => emulator.deadLetters.length === 1);
  expect(invocations).toHaveLength(2); // the first attempt and its one retry
  expect(emulator.deadLetters[0]).toMatchObject({
    scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/broken',
    deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:aw-sla-dlq',
    error: 'function error',
  });
  expect(emulator.list()).toEqual([]);
  expect(logs.some((line) => line.includes('gave up after 2 attempts'))).toBe(true);
});

test('idle() waits for the invocation under way, not for schedules still to come; stop() ends all firing', async () => {
  let release!: () => void;
  behaviour = () => new Promise<void>((resolve) => (release = resolve));
  await client.send(new CreateScheduleCommand(schedule('slow', atIn(1).expression, {})));
  await client.send(new CreateScheduleCommand(schedule('tomorrow', atIn(86_400).expression, {})));
  await waitFor(() => invocations.length === 1);
  let idle = false;
  const waiting = emulator.idle().then(() => (idle = true));
  await sleep(30);
  expect(idle).toBe(false);
  release();
  await waiting;
  expect(emulator.list().map((item) => item.name)).toEqual(['tomorrow']);

  await client.send(new CreateScheduleCommand(schedule('soon', atIn(5).expression, {})));
  await emulator.stop();
  await sleep(150);
  expect(invocations).toHaveLength(1);
});

test('a schedule kept after completion (NONE) stays listed; UpdateSchedule moves a pending one', async () => {
  await client.send(new CreateScheduleCommand(schedule('kept', atIn(1).expression, {}, { ActionAfterCompletion: 'NONE' })));
  await client.send(new CreateScheduleCommand(schedule('moved', atIn(3600).expression, { v: 1 })));
  await client.send(new UpdateScheduleCommand(schedule('moved', atIn(2).expression, { v: 2 })));
  await waitFor(() => invocations.length === 2);
  await emulator.idle();
  expect(invocations.map((call) => call.input).sort()).toEqual(['{"v":2}', '{}']);
  expect(emulator.list().map((item) => [item.name, item.fired])).toEqual([['kept', true]]);
  await expect(client.send(new GetScheduleCommand({ Name: 'kept' }))).resolves.toMatchObject({ ActionAfterCompletion: 'NONE' });
});

test('groups must exist; bad expressions and names are ValidationException; other services are not answered', async () => {
  await expect(
    client.send(new CreateScheduleCommand(schedule('x', atIn(60).expression, {}, { GroupName: 'nope' }))),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
  await client.send(new CreateScheduleGroupCommand({ Name: 'aw-sla-timers' }));
  await expect(client.send(new CreateScheduleGroupCommand({ Name: 'aw-sla-timers' }))).rejects.toBeInstanceOf(ConflictException);
  await client.send(new CreateScheduleCommand(schedule('x', atIn(60).expression, {}, { GroupName: 'aw-sla-timers' })));
  expect((await client.send(new ListSchedulesCommand({ GroupName: 'aw-sla-timers' }))).Schedules?.map((item) => item.Name)).toEqual(['x']);
  expect((await client.send(new ListSchedulesCommand({ GroupName: 'default' }))).Schedules).toEqual([]);

  await expect(client.send(new CreateScheduleCommand(schedule('r', 'rate(5 minutes)', {})))).rejects.toBeInstanceOf(ValidationException);
  await expect(client.send(new CreateScheduleCommand(schedule('d', 'at(2026-02-30T10:00:00)', {})))).rejects.toBeInstanceOf(
    ValidationException,
  );
  await expect(
    client.send(new CreateScheduleCommand(schedule('tz', atIn(60).expression, {}, { ScheduleExpressionTimezone: 'Europe/Paris' }))),
  ).rejects.toBeInstanceOf(ValidationException);
  await expect(client.send(new CreateScheduleCommand(schedule('bad name!', atIn(60).expression, {})))).rejects.toBeInstanceOf(
    ValidationException,
  );

  const address = server.address() as { port: number };
  const other = await fetch(`http://127.0.0.1:${address.port}/`, {
    method: 'POST',
    headers: { 'x-amz-target': 'AmazonSQS.ListQueues' },
    body: '{}',
  });
  expect(other.status).toBe(400);
  expect(await other.json()).toEqual({ message: 'Unknown local AWS operation' });
});

test('the local stack maps a Lambda target ARN to its function name', () => {
  expect(lambdaFunctionName(TARGET)).toBe('aw-local-slaTimer');
  expect(lambdaFunctionName('arn:aws:lambda:eu-west-1:111122223333:function:aw-prod-slaTimer:live')).toBe('aw-prod-slaTimer');
  expect(lambdaFunctionName('arn:aws:sqs:us-east-1:000000000000:queue')).toBeUndefined();
});

describe('with a data directory', () => {
  let dataDir: string;
  const journal = () => path.join(dataDir, 'schedules.jsonl');
  const HOUR = 3_600_000;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-scheduler-'));
    await emulator.stop(); // the in-memory one from the outer beforeEach
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** `at(...)` for `ms` after `now` (whole seconds). */
  const atFrom = (now: number, ms: number) => `at(${new Date(Math.ceil((now + ms) / 1000) * 1000).toISOString().slice(0, 19)})`;

  test('schedules and groups survive a crash; the new emulator lists them and fires those due at once', async () => {
    const start = Date.now();
    // Real time, frozen: nothing fires in this first emulator, which is then dropped without stop().
    const crashed = startEmulator({ dataDir, timeScale: 1, clock: () => start });
    emulator = crashed;
    await client.send(new CreateScheduleGroupCommand({ Name: 'aw-sla' }));
    await client.send(new CreateScheduleCommand(schedule('due-1h', atFrom(start, HOUR), { n: 1 }, { GroupName: 'aw-sla' })));
    await client.send(new CreateScheduleCommand(schedule('moved', atFrom(start, 5 * HOUR), { n: 2 })));
    await client.send(new UpdateScheduleCommand(schedule('moved', atFrom(start, 1.5 * HOUR), { n: 3 })));
    await client.send(new CreateScheduleCommand(schedule('due-3h', atFrom(start, 3 * HOUR), { n: 4 }, { ActionAfterCompletion: 'NONE' })));
    await client.send(new CreateScheduleCommand(schedule('deleted', atFrom(start, HOUR), { n: 5 })));
    await client.send(new DeleteScheduleCommand({ Name: 'deleted' }));
    expect(invocations).toEqual([]);

    // Restarted two hours later: the two schedules due by then fire at once, the third waits.
    emulator = startEmulator({ dataDir, timeScale: 1, clock: () => Date.now() + 2 * HOUR });
    expect(emulator.list().map((item) => [item.group, item.name, item.fired])).toEqual([
      ['aw-sla', 'due-1h', false],
      ['default', 'moved', false],
      ['default', 'due-3h', false],
    ]);
    await waitFor(() => invocations.length === 2);
    await emulator.idle();
    expect(invocations.map((call) => call.input).sort()).toEqual(['{"n":1}', '{"n":3}']);
    expect(emulator.list().map((item) => item.name)).toEqual(['due-3h']);
    await expect(client.send(new GetScheduleCommand({ Name: 'due-3h' }))).resolves.toMatchObject({
      ActionAfterCompletion: 'NONE',
      Target: { Input: '{"n":4}' },
    });
    // The group survived too: schedules can still be created in it.
    await client.send(new CreateScheduleCommand(schedule('in-group', atFrom(start, 9 * HOUR), {}, { GroupName: 'aw-sla' })));
    expect(emulator.list('aw-sla').map((item) => item.name)).toEqual(['in-group']);
    await crashed.stop();
  });

  test('a completed invocation never fires again, one cut short by the crash does; dead letters are kept', async () => {
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    behaviour = async (input) => {
      if (input.includes('cut')) await hung;
      if (input.includes('broken')) throw new Error('function error');
    };
    const crashed = startEmulator({ dataDir });
    emulator = crashed;
    const noRetries = { Arn: TARGET, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 0 } };
    await client.send(new CreateScheduleCommand(schedule('done', atIn(1).expression, { run: 'done' })));
    await client.send(new CreateScheduleCommand(schedule('kept', atIn(1).expression, { run: 'kept' }, { ActionAfterCompletion: 'NONE' })));
    await client.send(new CreateScheduleCommand(schedule('cut', atIn(1).expression, { run: 'cut' })));
    await client.send(
      new CreateScheduleCommand(schedule('broken', atIn(1).expression, {}, { Target: { ...noRetries, Input: '{"run":"broken"}' } })),
    );
    await waitFor(
      () =>
        crashed.deadLetters.length === 1 &&
        crashed
          .list()
          .map((item) => item.name)
          .join() === 'kept,cut',
    );
    await waitFor(() => fs.readFileSync(journal(), 'utf8').includes('"op":"fired"'));
    expect(invocations.map((call) => JSON.parse(call.input).run).sort()).toEqual(['broken', 'cut', 'done', 'kept']);

    // The process dies with 'cut' still running: it runs again after the restart, and only it.
    invocations = [];
    behaviour = async () => undefined;
    emulator = startEmulator({ dataDir });
    expect(emulator.list().map((item) => [item.name, item.fired])).toEqual([
      ['kept', true],
      ['cut', false],
    ]);
    expect(emulator.deadLetters).toEqual([expect.objectContaining({ error: 'function error', input: '{"run":"broken"}' })]);
    await waitFor(() => invocations.length === 1);
    await emulator.idle();
    expect(JSON.parse(invocations[0]!.input)).toEqual({ run: 'cut' });
    expect(emulator.list().map((item) => item.name)).toEqual(['kept']);
    await sleep(100);
    expect(invocations).toHaveLength(1);

    // And once more: nothing is left to fire.
    await emulator.stop();
    invocations = [];
    emulator = startEmulator({ dataDir });
    await sleep(100);
    expect(invocations).toEqual([]);
    expect(emulator.list().map((item) => [item.name, item.fired])).toEqual([['kept', true]]);
    expect(emulator.deadLetters).toHaveLength(1);
    release();
    await crashed.stop();
  });

  test('a torn last journal line is ignored, and the journal is compacted and goes on', async () => {
    const start = Date.now();
    const crashed = startEmulator({ dataDir, timeScale: 1, clock: () => start });
    emulator = crashed;
    await client.send(new CreateScheduleCommand(schedule('whole', atFrom(start, HOUR), { n: 1 })));
    // The crash cut the next write short.
    fs.appendFileSync(journal(), '{"op":"put","schedule":{"name":"torn","group":"default","arn":"arn:aws:sch');

    emulator = startEmulator({ dataDir, timeScale: 1, clock: () => start });
    expect(emulator.list().map((item) => item.name)).toEqual(['whole']);
    expect(fs.readFileSync(journal(), 'utf8')).not.toContain('torn');
    await client.send(new CreateScheduleCommand(schedule('after', atFrom(start, HOUR), { n: 2 })));
    await emulator.stop();

    emulator = startEmulator({ dataDir, timeScale: 1, clock: () => start });
    expect(emulator.list().map((item) => item.name)).toEqual(['whole', 'after']);
    await crashed.stop();
  });
});
