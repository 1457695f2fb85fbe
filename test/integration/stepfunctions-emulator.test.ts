// The local Step Functions emulator driven by the real @aws-sdk/client-sfn over loopback HTTP, running the
// product's runbook execution definition (infra/constructs/automation.ts) against a scripted runbook step.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { runbookExecutionAsl } from '../../infra/constructs/runbook-execution-definition';
import { StepFunctionsEmulator } from '../../local/aws/stepfunctions-emulator';
import {
  runbookStepRequestSchema,
  type RunbookExecutionInput,
  type RunbookStepRequest,
  type SectionName,
} from '../../lib/domain/remediation/step-contract';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const WAIT_SCALE = 0.001; // the 20 s poll interval becomes 20 ms, the 2 s retry interval 2 ms

type RecordOutcome = Extract<RunbookStepRequest, { op: 'recordOutcome' }>;

/** Plays the runbook step Lambda: every request is checked against the step's contract. */
class FakeRunbookStep {
  /** SSM statuses returned by successive polls of a section (then 'Success'). */
  readonly statuses: Partial<Record<SectionName, string[]>> = {};
  /** Ops whose next call throws an Error with this name (e.g. 'TransientError', which the definition retries). */
  readonly failOnce = new Map<RunbookStepRequest['op'], string>();
  readonly calls: RunbookStepRequest[] = [];
  readonly sent: SectionName[] = [];
  readonly tokens: string[] = [];
  readonly outcomes: RecordOutcome[] = [];
  private commands = 0;
  private readonly sections = new Map<string, SectionName>();

  invoke = async (functionName: string, payload: unknown): Promise<unknown> => {
    expect(functionName).toBe('runbookStep');
    const request = runbookStepRequestSchema.parse(payload);
    this.calls.push(request);
    await new Promise((resolve) => setImmediate(resolve));
    const errorName = this.failOnce.get(request.op);
    if (errorName) {
      this.failOnce.delete(request.op);
      throw Object.assign(new Error(`${request.op} failed: ${errorName}`), { name: errorName });
    }
    switch (request.op) {
      case 'sendCommand': {
        const commandId = `cmd-${++this.commands}`;
        this.sent.push(request.section);
        this.sections.set(commandId, request.section);
        return { commandId };
      }
      case 'getCommandInvocation': {
        const section = this.sections.get(request.commandId)!;
        const status = this.statuses[section]?.shift() ?? 'Success';
        return { status, output: `${section}: ${status}` };
      }
      case 'awaitApproval':
        this.tokens.push(request.taskToken);
        return {};
      case 'recordOutcome':
        this.outcomes.push(request);
        return {};
    }
  };
}

interface Running {
  emulator: StepFunctionsEmulator;
  step: FakeRunbookStep;
  sfn: SFNClient;
  logs: string[];
  stateMachineArn: string;
  start(input: RunbookExecutionInput, name?: string): Promise<string>;
  describe(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /** Waits until the execution is no longer RUNNING. */
  settle(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  close(): Promise<void>;
}

async function startEmulator(): Promise<Running> {
  const step = new FakeRunbookStep();
  const logs: string[] = [];
  const emulator = new StepFunctionsEmulator({
    invokeFunction: step.invoke,
    log: (line) => logs.push(line),
    accountId: '000000000000',
    waitScale: WAIT_SCALE,
  });
  const definition = JSON.parse(JSON.stringify(runbookExecutionAsl()).replaceAll('${RunbookStepArn}', 'runbookStep')) as object;
  const stateMachineArn = emulator.registerStateMachine('RunbookExecution', definition);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      emulator.handle(req, res, Buffer.concat(chunks)).then(
        (handled) => {
          if (!handled) res.writeHead(404).end('not sfn');
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sfn = new SFNClient({ region: 'us-east-1', credentials, endpoint });
  const describe = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
  return {
    emulator,
    step,
    sfn,
    logs,
    stateMachineArn,
    describe,
    async start(input, name) {
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return out.executionArn!;
    },
    async settle(executionArn) {
      for (;;) {
        const out = await describe(executionArn);
        if (out.status !== 'RUNNING') return out;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      emulator.stop();
      sfn.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function executionInput(overrides: Partial<RunbookExecutionInput> = {}): RunbookExecutionInput {
  return {
    tenantId: 'tenant-1',
    incidentId: 'inc-1',
    executionId: 'exec-1',
    runbookId: 'rb-disk-cleanup',
    readOnly: false,
    dryRun: false,
    approval: { required: false },
    target: {
      accountId: '123456789012',
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::123456789012:role/AlertWhispererRemediation',
      externalId: 'ext-tenant-1',
      instanceIds: ['i-0123456789abcdef0'],
      documentName: 'AWS-RunShellScript',
    },
    timeoutSeconds: 600,
    sections: {
      preChecks: ['df -h /'],
      commands: ['echo s3cr3t-command-line'],
      verification: ['test -f /tmp/ok'],
      rollback: ['echo rollback'],
    },
    ...overrides,
  };
}

describe('Step Functions emulator (real SFNClient over HTTP, runbook execution definition)', () => {
  let env: Running;
  beforeEach(async () => {
    env = await startEmulator();
  });
  afterEach(async () => {
    await env.close();
  });

  test('happy path without approval: the sections run, the Wait states are scaled, the outcome is recorded', async () => {
    const started = Date.now();
    env.step.statuses.commands = ['InProgress', 'InProgress']; // two more poll loops (Wait -> Poll -> Check)
    const arn = await env.start(executionInput(), 'exec-1');
    expect(arn).toBe('arn:aws:states:us-east-1:000000000000:execution:RunbookExecution:exec-1');
    const done = await env.settle(arn);
    expect(Date.now() - started).toBeLessThan(2000);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.name).toBe('exec-1');
    expect(done.stateMachineArn).toBe(env.stateMachineArn);
    expect(done.startDate).toBeInstanceOf(Date);
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate!.getTime());
    expect(JSON.parse(done.input!)).toEqual(executionInput());
    expect(JSON.parse(done.output!)).toMatchObject({ outcome: { status: 'succeeded' }, executionId: 'exec-1' });

    expect(env.step.sent).toEqual(['preChecks', 'commands', 'verification']);
    expect(env.step.calls.filter((c) => c.op === 'getCommandInvocation')).toHaveLength(5);
    expect(env.step.tokens).toEqual([]);
    expect(env.step.outcomes).toHaveLength(1);
    const [outcome] = env.step.outcomes;
    expect(outcome).toMatchObject({
      executionId: 'exec-1',
      incidentId: 'inc-1',
      outcome: { status: 'succeeded', failedSection: 'verification' },
      current: { section: 'verification', status: 'Success', output: 'verification: Success' },
      error: { Error: '', Cause: '' },
    });
    expect(new Date(outcome!.startedAt).toISOString()).toBe(outcome!.startedAt); // $$.Execution.StartTime

    const list = await env.sfn.send(new ListExecutionsCommand({ stateMachineArn: env.stateMachineArn, statusFilter: 'SUCCEEDED' }));
    expect(list.executions?.map((e) => e.executionArn)).toEqual([arn]);
    const running = await env.sfn.send(new ListExecutionsCommand({ stateMachineArn: env.stateMachineArn, statusFilter: 'RUNNING' }));
    expect(running.executions).toEqual([]);

    expect(env.logs).toEqual([expect.stringMatching(/^sfn exec-1 started/), expect.stringMatching(/^sfn exec-1 SUCCEEDED in \d+ ms$/)]);
    expect(env.logs.join('\n')).not.toContain('s3cr3t');
  });

  test('approval required: parks on the task token (idle() resolves), then SendTaskSuccess runs the sections; the token is used up', async () => {
    const arn = await env.start(executionInput({ approval: { required: true } }), 'exec-approval');
    await env.emulator.idle(); // resolves although the execution waits for its approval
    expect(env.step.tokens).toHaveLength(1);
    expect((await env.describe(arn)).status).toBe('RUNNING');
    expect(env.step.sent).toEqual([]);
    const [token] = env.step.tokens;

    await expect(env.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approvedBy":"tech-1"}' }))).resolves.toBeDefined();
    const done = await env.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(env.step.sent).toEqual(['preChecks', 'commands', 'verification']);
    expect(env.step.outcomes[0]?.outcome.status).toBe('succeeded');

    // A used token, then an unknown one: TaskDoesNotExist (the SDK's modelled exception).
    await expect(env.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      env.sfn.send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'ApprovalRejected', cause: 'no' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  test('SendTaskFailure with ApprovalRejected: the outcome is approval-rejected and the execution FAILED', async () => {
    const arn = await env.start(executionInput({ approval: { required: true } }), 'exec-rejected');
    await env.emulator.idle();
    await env.sfn.send(
      new SendTaskFailureCommand({ taskToken: env.step.tokens[0], error: 'ApprovalRejected', cause: 'Rejected by tech-1' }),
    );
    const done = await env.settle(arn);

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('RunbookFailed');
    expect(done.cause).toBe('The runbook execution did not succeed: see the incident.');
    expect(env.step.sent).toEqual([]);
    expect(env.step.outcomes).toHaveLength(1);
    expect(env.step.outcomes[0]).toMatchObject({
      outcome: { status: 'approval-rejected', failedSection: 'none' },
      error: { Error: 'ApprovalRejected', Cause: 'Rejected by tech-1' },
    });
    expect(env.logs.at(-1)).toMatch(/^sfn exec-rejected FAILED in \d+ ms \(RunbookFailed\)$/);
    await expect(
      env.sfn.send(new SendTaskFailureCommand({ taskToken: env.step.tokens[0], error: 'ApprovalRejected' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  test('commands failing: the rollback section is sent and the outcome reads "commands-failed, rolled back"', async () => {
    env.step.statuses.commands = ['InProgress', 'Failed'];
    const arn = await env.start(executionInput(), 'exec-rollback');
    const done = await env.settle(arn);

    expect(done.status).toBe('FAILED');
    expect(env.step.sent).toEqual(['preChecks', 'commands', 'rollback']);
    expect(env.step.outcomes[0]).toMatchObject({
      outcome: { status: 'commands-failed, rolled back', failedSection: 'commands' },
      current: { section: 'rollback', status: 'Success' },
    });
  });

  test('a step throwing an Error named TransientError is retried (Retry of the definition, interval scaled)', async () => {
    env.step.failOnce.set('sendCommand', 'TransientError');
    env.step.failOnce.set('getCommandInvocation', 'TransientError');
    const started = Date.now();
    const arn = await env.start(executionInput(), 'exec-retry');
    const done = await env.settle(arn);
    expect(Date.now() - started).toBeLessThan(2000);

    expect(done.status).toBe('SUCCEEDED');
    const sends = env.step.calls.filter((c) => c.op === 'sendCommand').map((c) => c.section);
    expect(sends).toEqual(['preChecks', 'preChecks', 'commands', 'verification']);
    expect(env.step.sent).toEqual(['preChecks', 'commands', 'verification']);
    expect(env.step.outcomes[0]?.outcome.status).toBe('succeeded');
  });

  test('a step error that is not retried reaches the Catch under its name and message', async () => {
    env.step.failOnce.set('sendCommand', 'AccessDenied');
    const done = await env.settle(await env.start(executionInput(), 'exec-denied'));

    expect(done.status).toBe('FAILED');
    expect(env.step.calls.filter((c) => c.op === 'sendCommand')).toHaveLength(1); // not in the Retry list
    expect(env.step.outcomes[0]).toMatchObject({
      outcome: { status: 'prechecks-failed', failedSection: 'none' },
      error: { Error: 'AccessDenied', Cause: 'sendCommand failed: AccessDenied' },
    });
  });

  test('StartExecution is idempotent for the same name and input while running; otherwise ExecutionAlreadyExists', async () => {
    const input = executionInput({ approval: { required: true } });
    const first = await env.sfn.send(
      new StartExecutionCommand({ stateMachineArn: env.stateMachineArn, name: 'exec-idem', input: JSON.stringify(input) }),
    );
    const again = await env.sfn.send(
      new StartExecutionCommand({ stateMachineArn: env.stateMachineArn, name: 'exec-idem', input: JSON.stringify(input) }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await env.emulator.idle();
    expect(env.step.tokens).toHaveLength(1); // one execution, one approval request

    const other = JSON.stringify({ ...input, incidentId: 'inc-2' });
    await expect(
      env.sfn.send(new StartExecutionCommand({ stateMachineArn: env.stateMachineArn, name: 'exec-idem', input: other })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    // StopExecution aborts; the parked approval is released and its token is dead.
    await env.sfn.send(new StopExecutionCommand({ executionArn: first.executionArn, error: 'Cancelled', cause: 'by test' }));
    const stopped = await env.describe(first.executionArn!);
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'by test' });
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await expect(env.sfn.send(new SendTaskSuccessCommand({ taskToken: env.step.tokens[0], output: '{}' }))).rejects.toBeInstanceOf(
      TaskDoesNotExist,
    );
    // As AWS: a closed execution's name cannot be reused, even with the same input.
    await expect(
      env.sfn.send(new StartExecutionCommand({ stateMachineArn: env.stateMachineArn, name: 'exec-idem', input: JSON.stringify(input) })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(env.step.outcomes).toEqual([]); // nothing ran after the stop
    expect(env.step.sent).toEqual([]);
  });

  test('idle() waits for running executions but not for those parked on a task token; stop() aborts them', async () => {
    const parked = await env.start(executionInput({ approval: { required: true } }), 'exec-parked');
    const busy = await env.start(executionInput({ executionId: 'exec-busy' }), 'exec-busy');
    await env.emulator.idle();
    expect((await env.describe(busy)).status).toBe('SUCCEEDED');
    expect((await env.describe(parked)).status).toBe('RUNNING');

    env.emulator.stop();
    expect((await env.describe(parked)).status).toBe('ABORTED');
    await env.emulator.idle();
  });

  test('errors: unknown operation, unknown execution, unknown state machine, invalid input', async () => {
    await expect(env.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: env.stateMachineArn }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(env.describe(`${env.stateMachineArn.replace(':stateMachine:', ':execution:')}:nope`)).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(
      env.sfn.send(new StartExecutionCommand({ stateMachineArn: `${env.stateMachineArn}-missing`, input: '{}' })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      env.sfn.send(new StartExecutionCommand({ stateMachineArn: env.stateMachineArn, input: '{not json' })),
    ).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
  });
});
