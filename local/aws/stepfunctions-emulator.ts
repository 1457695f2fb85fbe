import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type RunOptions } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3.0.0 (engines: node >= 22) calls `Promise.withResolvers` (ES2024) in every Task
// state, which Node 20 lacks: without this polyfill each Task fails with "Promise.withResolvers is not a
// function". Installed only when missing, with the spec's semantics (NewPromiseCapability of `this`, a
// writable, configurable, non-enumerable method). The package calls it at run time, so installing it after
// the imports above is early enough.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  const withResolvers = function <T>(this: PromiseConstructor) {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new this<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  Object.defineProperty(Promise, 'withResolvers', { value: withResolvers, writable: true, configurable: true, enumerable: false });
}

/**
 * A local AWS Step Functions (Standard workflows, JSONPath) speaking the SFN JSON 1.0 protocol, so that
 * handlers' `@aws-sdk/client-sfn` calls reach it through `AWS_ENDPOINT_URL_SFN`. The states are
 * interpreted by aws-local-stepfunctions; every Task is bound to `invokeFunction` (`lambda:invoke`,
 * `lambda:invoke.waitForTaskToken` or a plain Lambda ARN), Wait states and Retry intervals are scaled by
 * `waitScale`. Operations: StartExecution, DescribeExecution, StopExecution, ListExecutions,
 * SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. In memory only (executions are lost on restart).
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StepFunctionsEmulatorOptions {
  /** Runs a Lambda locally; an error it throws reaches the state machine under its `.name`. */
  invokeFunction: (functionName: string, payload: unknown) => Promise<unknown>;
  log: (line: string) => void;
  region?: string;
  accountId?: string;
  /** Multiplies every Wait state's Seconds and every Retry interval (default 1; tests use e.g. 0.001). */
  waitScale?: number;
}

type Json = Record<string, unknown>;
type Definition = ConstructorParameters<typeof StateMachine>[0];
type Overrides = NonNullable<RunOptions['overrides']>;
type TaskHandler = (input: unknown) => Promise<unknown>;

/** How a Task state calls its function: `lambda:invoke`, `lambda:invoke.waitForTaskToken`, or a Lambda ARN as Resource. */
interface TaskBinding {
  kind: 'invoke' | 'waitForTaskToken' | 'function';
  resource: string;
}

interface RegisteredMachine {
  arn: string;
  name: string;
  machine: StateMachine;
  /** Task states by name (including those of Parallel branches and Map processors). */
  tasks: Map<string, TaskBinding>;
  waitTimeOverrides: Record<string, number>;
  retryIntervalOverrides: Record<string, number[]>;
}

interface TokenWaiter {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

interface Execution {
  arn: string;
  name: string;
  stateMachineArn: string;
  input: string;
  startDate: Date;
  stopDate?: Date;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  /** The current `$$.Task.Token` (the same object the package's Context Object holds, so it can rotate). */
  task: { Token: string };
  /** Set while a waitForTaskToken Task of this execution accepts SendTask* for `task.Token`. */
  waiter?: TokenWaiter;
  /** True while the execution does nothing but wait for SendTaskSuccess/SendTaskFailure. */
  parked: boolean;
  abort: () => void;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_INVOKE_WAIT = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_FUNCTION = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(?::[\w$-]+)?$/;

/** An SFN service error: `__type` is the modelled exception's name (the SDK maps it to its class). */
export class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export class StepFunctionsEmulator {
  readonly region: string;
  readonly accountId: string;
  private readonly invokeFunction: StepFunctionsEmulatorOptions['invokeFunction'];
  private readonly log: (line: string) => void;
  private readonly waitScale: number;
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly executions = new Map<string, Execution>();
  private readonly running = new Set<Execution>();
  /** Live task tokens -> their execution; a token leaves the map once SendTaskSuccess/Failure used it. */
  private readonly tokens = new Map<string, Execution>();
  private readonly changeListeners = new Set<() => void>();

  constructor(opts: StepFunctionsEmulatorOptions) {
    this.invokeFunction = opts.invokeFunction;
    this.log = opts.log;
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '000000000000';
    this.waitScale = opts.waitScale ?? 1;
  }

  /**
   * Registers (or replaces, like UpdateStateMachine) a state machine; returns its ARN. Throws when the
   * definition is invalid or has a Task whose Resource cannot run locally.
   */
  registerStateMachine(name: string, definition: object): string {
    if (!NAME.test(name)) throw new SfnError('InvalidName', `Invalid state machine name: ${name}`);
    const def = JSON.parse(JSON.stringify(definition)) as Json;
    const arn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
    const registered: RegisteredMachine = {
      arn,
      name,
      machine: new StateMachine(def as unknown as Definition, { validationOptions: { checkArn: false } }),
      tasks: new Map(),
      waitTimeOverrides: {},
      retryIntervalOverrides: {},
    };
    this.collectStates(def, registered);
    this.machines.set(arn, registered);
    return arn;
  }

  /** Serves one SFN JSON 1.0 request; returns false (without touching res) if it is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return false;
    const op = target.slice(TARGET_PREFIX.length);
    let status = 200;
    let payload: Json;
    try {
      payload = this.dispatch(op, parseBody(body));
    } catch (err) {
      const known = err instanceof SfnError;
      status = known ? 400 : 500;
      payload = { __type: known ? err.type : 'InternalFailure', message: err instanceof Error ? err.message : String(err) };
    }
    if (!res.destroyed) {
      res.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(payload));
    }
    return true;
  }

  /** Resolves once no execution is running, except those parked on a task token (e.g. awaiting approval). */
  async idle(): Promise<void> {
    while ([...this.running].some((e) => !e.parked)) {
      await new Promise<void>((resolve) => this.changeListeners.add(resolve));
    }
  }

  /** Aborts every running execution (a parked Task is released, so no timer keeps the process alive). */
  stop(): void {
    for (const execution of [...this.running]) this.abortExecution(execution, 'Emulator stopped', undefined);
  }

  private dispatch(op: string, input: Json): Json {
    switch (op) {
      case 'StartExecution':
        return this.startExecution(input);
      case 'DescribeExecution':
        return describe(this.execution(input));
      case 'StopExecution': {
        const execution = this.execution(input);
        if (execution.status === 'RUNNING') this.abortExecution(execution, optStr(input, 'error'), optStr(input, 'cause'));
        return { stopDate: seconds(execution.stopDate ?? new Date()) };
      }
      case 'ListExecutions': {
        const machine = this.machine(input);
        const filter = optStr(input, 'statusFilter');
        const executions = [...this.executions.values()]
          .filter((e) => e.stateMachineArn === machine.arn && (!filter || e.status === filter))
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
          .map((e) => {
            const { executionArn, stateMachineArn, name, status, startDate, stopDate } = describe(e);
            return { executionArn, stateMachineArn, name, status, startDate, ...(stopDate === undefined ? {} : { stopDate }) };
          });
        return { executions };
      }
      case 'SendTaskSuccess': {
        const raw = str(input, 'output');
        let output: unknown;
        try {
          output = JSON.parse(raw);
        } catch {
          throw new SfnError('InvalidOutput', 'The output is not valid JSON.');
        }
        this.takeWaiter(str(input, 'taskToken')).resolve(output);
        return {};
      }
      case 'SendTaskFailure': {
        const error = new Error(optStr(input, 'cause') ?? '');
        error.name = optStr(input, 'error') ?? '';
        this.takeWaiter(str(input, 'taskToken')).reject(error);
        return {};
      }
      case 'SendTaskHeartbeat':
        this.liveExecution(str(input, 'taskToken'));
        return {};
      default:
        throw new SfnError('UnknownOperationException', `${TARGET_PREFIX}${op} is not emulated locally`);
    }
  }

  private startExecution(input: Json): Json {
    const machine = this.machine(input);
    const name = optStr(input, 'name') ?? randomUUID();
    if (!NAME.test(name)) throw new SfnError('InvalidName', `Invalid execution name: ${name}`);
    const rawInput = optStr(input, 'input') ?? '{}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawInput);
    } catch {
      throw new SfnError('InvalidExecutionInput', 'The execution input is not valid JSON.');
    }
    const arn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // As AWS: the same name and input while the execution runs is idempotent; otherwise the name is taken.
      if (existing.status === 'RUNNING' && existing.input === rawInput)
        return { executionArn: arn, startDate: seconds(existing.startDate) };
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }

    const execution: Execution = {
      arn,
      name,
      stateMachineArn: machine.arn,
      input: rawInput,
      startDate: new Date(),
      status: 'RUNNING',
      task: { Token: newToken() },
      parked: false,
      abort: () => {},
    };
    this.executions.set(arn, execution);
    this.running.add(execution);
    this.tokens.set(execution.task.Token, execution);

    const handlers: Record<string, TaskHandler> = {};
    for (const [stateName, task] of machine.tasks) handlers[stateName] = (params) => this.runTask(execution, task, params);
    const overrides: Overrides = {
      taskResourceLocalHandlers: handlers as NonNullable<Overrides['taskResourceLocalHandlers']>,
      waitTimeOverrides: machine.waitTimeOverrides,
      // Unscaled, the definition's own IntervalSeconds/BackoffRate/JitterStrategy apply (an override is a fixed pause).
      ...(this.waitScale === 1 ? {} : { retryIntervalOverrides: machine.retryIntervalOverrides }),
    };
    // The package overwrites Execution.Input and Execution.StartTime with its own values (same input, a
    // start time a few microseconds later); the other fields are passed through.
    const context = {
      Execution: { Id: arn, Name: name, StartTime: execution.startDate.toISOString(), Input: parsed },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: execution.task,
    } as RunOptions['context'];
    const run = machine.machine.run(parsed as Parameters<StateMachine['run']>[0], { overrides, context });
    execution.abort = run.abort;
    this.log(`sfn ${name} started (${machine.name})`);
    run.result.then(
      (output) => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: unknown) => this.finish(execution, ...failure(err)),
    );
    return { executionArn: arn, startDate: seconds(execution.startDate) };
  }

  /** One Task attempt. Errors keep their `.name` so that the definition's Retry/Catch match on it. */
  private async runTask(execution: Execution, task: TaskBinding, params: unknown): Promise<unknown> {
    // The package retries a failed Task without looking at its abort signal: never invoke for a stopped execution.
    if (execution.status !== 'RUNNING') throw released(execution);
    if (task.kind === 'function') return clone(await this.call(task.resource, params));
    const { FunctionName, Payload } = (params ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    if (typeof FunctionName !== 'string') throw named('States.Runtime', `Task ${task.resource}: Parameters.FunctionName must be a string`);
    if (task.kind === 'invoke') return { Payload: clone(await this.call(FunctionName, Payload)), StatusCode: 200 };

    // waitForTaskToken: accept SendTask* from now on (the function may hand the token on before returning).
    const result = new Promise<unknown>((resolve, reject) => {
      execution.waiter = { resolve, reject };
    });
    result.catch(() => {}); // a failure sent while the invocation still runs is read below, not unhandled
    const waiter = execution.waiter!;
    try {
      await this.call(FunctionName, Payload);
    } catch (error) {
      if (execution.waiter === waiter) execution.waiter = undefined;
      throw error;
    }
    if (execution.status !== 'RUNNING') throw released(execution);
    execution.parked = execution.waiter === waiter;
    this.changed();
    try {
      return clone(await result);
    } finally {
      execution.parked = false;
      this.changed();
    }
  }

  private async call(functionName: string, payload: unknown): Promise<unknown> {
    try {
      return await this.invokeFunction(functionName, clone(payload));
    } catch (error) {
      if (error instanceof Error) throw error;
      throw named('Error', String(error));
    }
  }

  /** The waiter of a live token; the token is used up (a later SendTask* for it gets TaskDoesNotExist). */
  private takeWaiter(token: string): TokenWaiter {
    const execution = this.liveExecution(token);
    const waiter = execution.waiter!;
    execution.waiter = undefined;
    this.tokens.delete(token);
    // A later waitForTaskToken state of the same execution gets a fresh token ($$.Task.Token is this object).
    execution.task.Token = newToken();
    this.tokens.set(execution.task.Token, execution);
    return waiter;
  }

  private liveExecution(token: string): Execution {
    const execution = this.tokens.get(token);
    if (!execution || execution.status !== 'RUNNING' || !execution.waiter)
      throw new SfnError('TaskDoesNotExist', 'Task does not exist anymore');
    return execution;
  }

  private abortExecution(execution: Execution, error: string | undefined, cause: string | undefined): void {
    this.finish(execution, 'ABORTED', { error, cause });
    execution.abort();
  }

  private finish(execution: Execution, status: ExecutionStatus, fields: Pick<Execution, 'output' | 'error' | 'cause'>): void {
    if (execution.status !== 'RUNNING') return; // already stopped: the package settles later
    Object.assign(execution, { status, stopDate: new Date() }, fields);
    this.running.delete(execution);
    this.tokens.delete(execution.task.Token);
    const waiter = execution.waiter;
    execution.waiter = undefined;
    execution.parked = false;
    // Release a parked Task so that the package clears its TimeoutSeconds timer (a 24 h backstop here).
    waiter?.reject(released(execution));
    const ms = execution.stopDate!.getTime() - execution.startDate.getTime();
    this.log(`sfn ${execution.name} ${status} in ${ms} ms${execution.error ? ` (${execution.error})` : ''}`);
    this.changed();
  }

  private changed(): void {
    const listeners = [...this.changeListeners];
    this.changeListeners.clear();
    for (const listener of listeners) listener();
  }

  private machine(input: Json): RegisteredMachine {
    const arn = str(input, 'stateMachineArn');
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(input: Json): Execution {
    const arn = str(input, 'executionArn');
    const execution = this.executions.get(arn);
    if (!execution) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /** Walks the states (with Parallel branches and Map processors) for Task bindings and Wait/Retry scaling. */
  private collectStates(def: Json, into: RegisteredMachine): void {
    for (const [stateName, state] of Object.entries((def.States ?? {}) as Record<string, Json>)) {
      if (state.Type === 'Task') {
        const resource = String(state.Resource);
        const kind = LAMBDA_INVOKE.test(resource)
          ? 'invoke'
          : LAMBDA_INVOKE_WAIT.test(resource)
            ? 'waitForTaskToken'
            : LAMBDA_FUNCTION.test(resource)
              ? 'function'
              : undefined;
        if (!kind) throw new SfnError('InvalidDefinition', `Task ${stateName}: resource ${resource} is not emulated locally`);
        into.tasks.set(stateName, { kind, resource });
      }
      if (state.Type === 'Wait' && typeof state.Seconds === 'number')
        into.waitTimeOverrides[stateName] = state.Seconds * 1000 * this.waitScale;
      if (Array.isArray(state.Retry)) {
        into.retryIntervalOverrides[stateName] = (state.Retry as Json[]).map((r) => Number(r.IntervalSeconds ?? 1) * 1000 * this.waitScale);
      }
      for (const branch of (state.Branches ?? []) as Json[]) this.collectStates(branch, into);
      for (const sub of [state.ItemProcessor, state.Iterator]) if (sub) this.collectStates(sub as Json, into);
    }
  }
}

function describe(e: Execution): Json {
  return {
    executionArn: e.arn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    ...(e.stopDate ? { stopDate: seconds(e.stopDate) } : {}),
    input: e.input,
    ...(e.output === undefined ? {} : { output: e.output }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
  };
}

/** How a rejected run ends: ExecutionError wraps the state's error (a Fail state's Error/Cause, or a Task's). */
function failure(err: unknown): [ExecutionStatus, Pick<Execution, 'error' | 'cause'>] {
  if (err instanceof ExecutionAbortedError) return ['ABORTED', {}];
  if (err instanceof ExecutionTimeoutError) return ['TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out.' }];
  const inner = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
  if (inner instanceof Error) return ['FAILED', { error: inner.name, cause: inner.message }];
  return ['FAILED', { error: 'States.Runtime', cause: String(inner) }];
}

const seconds = (d: Date): number => d.getTime() / 1000;
const newToken = (): string => randomBytes(48).toString('base64url');
const clone = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null)) as unknown;

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Ends the Task of a stopped execution: neither retryable nor catchable (the package reads the
 * `isRetryable`/`isCatchable` getters of its RuntimeError, `?? true` for other errors), so no Retry or
 * Catch of the definition runs after the stop.
 */
function released(execution: Execution): Error {
  return Object.assign(named('States.Runtime', `Execution ${execution.status.toLowerCase()}`), { isRetryable: false, isCatchable: false });
}

function parseBody(body: Buffer): Json {
  if (!body.length) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SfnError('SerializationException', 'Malformed JSON request body');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new SfnError('SerializationException', 'The request body must be a JSON object');
  return parsed as Json;
}

function str(input: Json, key: string): string {
  const v = input[key];
  if (typeof v !== 'string' || !v) throw new SfnError('MissingRequiredParameter', `Missing required parameter: ${key}`);
  return v;
}

function optStr(input: Json, key: string): string | undefined {
  const v = input[key];
  return typeof v === 'string' ? v : undefined;
}
