// A local EventBridge Scheduler speaking the REST-JSON protocol of @aws-sdk/client-scheduler v3 (restJson1):
// CreateSchedule `POST /schedules/{Name}`, UpdateSchedule `PUT /schedules/{Name}`, GetSchedule
// `GET /schedules/{Name}?groupName=`, DeleteSchedule `DELETE /schedules/{Name}?groupName=&clientToken=`,
// ListSchedules `GET /schedules?ScheduleGroup=&NamePrefix=&State=&NextToken=&MaxResults=`, and the schedule
// groups under `/schedule-groups`. Bodies are JSON, timestamps epoch seconds; errors carry their shape name in
// `x-amzn-errortype` with `{"Message": ...}`, which is how the SDK picks the modelled exception.
// One-time `at(yyyy-mm-ddThh:mm:ss)` schedules only (UTC), which is what the product creates. At its time a
// schedule invokes its target through the injected `invoke(targetArn, input)` (the local stack maps the ARN to a
// catalog function), retries a failing target a few times, then deletes itself when ActionAfterCompletion is
// DELETE.
// Durability (with `dataDir`): like the SQS emulator, an append-only JSON-lines journal (`schedules.jsonl`) written
// with writeSync before a request is answered: groups, every create or update (the whole schedule), deletes, the
// completion of a schedule's invocation, and dead letters. A new emulator on the same directory replays it
// (ignoring a torn last line from a crash), compacts it (temp file + rename) and re-arms every pending schedule.
// Completion is journaled only once the invocation succeeded or was dead-lettered, so an invocation cut short by a
// crash runs again after the restart (at least once, as in AWS) and a completed one never does.
// Due times are absolute instants on the emulator's clock (`dueMs`). A scaled clock (timeScale other than 1)
// starts again at real time after a restart, so a schedule due earlier than that fires at once, and one due later
// waits its remaining scaled time from the new start.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseJournalLine } from './journal';

type Json = Record<string, unknown>;

interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  [other: string]: unknown;
}

interface Schedule {
  name: string;
  group: string;
  arn: string;
  expression: string;
  timezone?: string;
  state: 'ENABLED' | 'DISABLED';
  target: Target;
  flexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  actionAfterCompletion: 'NONE' | 'DELETE';
  description?: string;
  kmsKeyArn?: string;
  startDate?: number;
  endDate?: number;
  clientToken?: string;
  createdAt: number;
  modifiedAt: number;
  /** When it is due, on the emulator's clock (ms). */
  dueMs: number;
  /** Its one invocation has started (in memory) or completed (after a replay): it never fires again. */
  fired: boolean;
  timer?: NodeJS.Timeout;
}

/** A schedule as the journal keeps it. */
type StoredSchedule = Omit<Schedule, 'timer'>;

/** One line of the journal. */
type JournalRecord =
  | { op: 'group'; group: Group }
  | { op: 'group-del'; name: string }
  | { op: 'put'; schedule: StoredSchedule }
  | { op: 'del'; key: string }
  | { op: 'fired'; key: string }
  | { op: 'dead'; letter: DeadLetter };

interface Group {
  name: string;
  arn: string;
  createdAt: number;
  modifiedAt: number;
}

/** An invocation that failed after its retries (Scheduler would put it on the dead-letter queue). */
export interface DeadLetter {
  scheduleArn: string;
  targetArn: string;
  deadLetterArn: string | null;
  input: string;
  error: string;
  at: string;
}

export interface SchedulerEmulatorOptions {
  /** Invokes a schedule's target (a rejection is a failed attempt, retried). */
  invoke: (targetArn: string, input: string) => Promise<unknown> | unknown;
  log?: (line: string) => void;
  /**
   * Real time per scheduled time: a schedule due in D ms from its creation fires after D × timeScale ms
   * (0.001 runs a 30-minute SLA in 1.8 s; 1 is real time). Whoever creates schedules must read the time
   * from `now()` (or the `clock` given here) for their times to mean the same thing.
   */
  timeScale?: number;
  /** The emulator's clock (ms since the epoch); default: real time, or a scaled clock from now when timeScale is not 1. */
  clock?: () => number;
  /** Retries of a failing target at most (Scheduler's RetryPolicy caps it too); default 3. */
  maxRetries?: number;
  /** Real milliseconds before the n-th retry: n × this; default 50. */
  retryDelayMs?: number;
  region?: string;
  accountId?: string;
  /** Where the journal lives (schedules, groups and dead letters survive a restart); null or absent: in memory. */
  dataDir?: string | null;
}

export class SchedulerError extends Error {
  constructor(
    readonly code: 'ValidationException' | 'ResourceNotFoundException' | 'ConflictException' | 'InternalServerException',
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;
const AT_EXPRESSION = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
/** setTimeout's longest delay; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;
const CONTENT_TYPE = 'application/json';
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

/**
 * A clock running `1 / timeScale` times faster than real time from `origin` (ms): what a scaled demo or
 * test hands both to the emulator and to the code that creates schedules.
 */
export function scaledClock(timeScale: number, origin: number = Date.now()): () => number {
  const start = performance.now();
  return () => origin + Math.round((performance.now() - start) / timeScale);
}

/** The function name of a Lambda ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`), or undefined. */
export function lambdaFunctionName(arn: string): string | undefined {
  const match = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(arn);
  return match?.[1];
}

export class SchedulerEmulator {
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  /** Invocations that failed after their retries, oldest first. */
  readonly deadLetters: DeadLetter[] = [];
  private readonly clock: () => number;
  private readonly groups = new Map<string, Group>();
  /** By `group/name`. */
  private readonly schedules = new Map<string, Schedule>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** The journal's file descriptor (with a dataDir). */
  private fd?: number;

  constructor(private readonly options: SchedulerEmulatorOptions) {
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`The time scale must be a positive number, got ${timeScale}`);
    this.timeScale = timeScale;
    this.clock = options.clock ?? (timeScale === 1 ? () => Date.now() : scaledClock(timeScale));
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    if (options.dataDir) this.openJournal(options.dataDir);
    this.createScheduleGroup('default');
    for (const schedule of this.schedules.values()) this.arm(schedule);
  }

  /** The emulator's time (scaled when timeScale is not 1). */
  now(): Date {
    return new Date(this.clock());
  }

  /** Creates a schedule group (as CreateScheduleGroup does); one that exists is left alone. */
  createScheduleGroup(name: string): string {
    if (!NAME.test(name)) throw new SchedulerError('ValidationException', 400, `Invalid schedule group name: ${name}`);
    const existing = this.groups.get(name);
    if (existing) return existing.arn;
    const now = Date.now();
    const group: Group = {
      name,
      arn: `arn:aws:scheduler:${this.region}:${this.accountId}:schedule-group/${name}`,
      createdAt: now,
      modifiedAt: now,
    };
    this.append({ op: 'group', group });
    this.groups.set(name, group);
    return group.arn;
  }

  /** The schedules pending (not yet fired, or kept after firing with ActionAfterCompletion NONE). */
  list(group?: string): Array<{ name: string; group: string; dueAt: string; state: string; fired: boolean; input?: string }> {
    return [...this.schedules.values()]
      .filter((schedule) => group === undefined || schedule.group === group)
      .map((schedule) => ({
        name: schedule.name,
        group: schedule.group,
        dueAt: new Date(schedule.dueMs).toISOString(),
        state: schedule.state,
        fired: schedule.fired,
        ...(schedule.target.Input !== undefined ? { input: schedule.target.Input } : {}),
      }));
  }

  /** Serves one EventBridge Scheduler request; false (without touching res) when it is not one. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = /^\/(schedules|schedule-groups)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!route) return false;
    // Signed requests name their service in the credential scope: leave other services' requests alone.
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
    if (scope && scope[1] !== 'scheduler') return false;
    const [, collection, rawName] = route;
    const name = rawName === undefined ? undefined : decodeURIComponent(rawName);
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() };
    let status = 200;
    let payload: Json;
    try {
      const input = parseBody(body);
      payload =
        collection === 'schedules'
          ? this.dispatchSchedule(req.method ?? 'GET', name, url.searchParams, input)
          : this.dispatchGroup(req.method ?? 'GET', name, url.searchParams);
    } catch (error) {
      const known = error instanceof SchedulerError ? error : new SchedulerError('InternalServerException', 500, (error as Error).message);
      status = known.status;
      headers['x-amzn-errortype'] = known.code;
      payload = { Message: known.message };
    }
    if (!res.destroyed) {
      res.writeHead(status, headers);
      res.end(JSON.stringify(payload));
    }
    return true;
  }

  private dispatchSchedule(method: string, name: string | undefined, query: URLSearchParams, input: Json): Json {
    if (name === undefined) {
      if (method !== 'GET') throw new SchedulerError('ValidationException', 400, `${method} /schedules is not an operation`);
      return this.listSchedules(query);
    }
    switch (method) {
      case 'POST':
        return { ScheduleArn: this.put(name, input, 'create').arn };
      case 'PUT':
        return { ScheduleArn: this.put(name, input, 'update').arn };
      case 'GET':
        return describe(this.find(name, query.get('groupName')));
      case 'DELETE': {
        const schedule = this.find(name, query.get('groupName'));
        this.remove(schedule);
        return {};
      }
      default:
        throw new SchedulerError('ValidationException', 400, `${method} /schedules/{Name} is not an operation`);
    }
  }

  private dispatchGroup(method: string, name: string | undefined, query: URLSearchParams): Json {
    if (name === undefined) {
      if (method !== 'GET') throw new SchedulerError('ValidationException', 400, `${method} /schedule-groups is not an operation`);
      const prefix = query.get('NamePrefix') ?? '';
      const groups = [...this.groups.values()].filter((group) => group.name.startsWith(prefix)).sort(byName);
      const { items, next } = paginate(groups, query);
      return { ScheduleGroups: items.map(describeGroup), ...(next ? { NextToken: next } : {}) };
    }
    switch (method) {
      case 'POST':
        if (this.groups.has(name)) throw new SchedulerError('ConflictException', 409, `Schedule group ${name} already exists.`);
        return { ScheduleGroupArn: this.createScheduleGroup(name) };
      case 'GET':
        return describeGroup(this.group(name));
      case 'DELETE': {
        if (name === 'default') throw new SchedulerError('ValidationException', 400, 'The default schedule group cannot be deleted.');
        this.group(name);
        this.append({ op: 'group-del', name });
        for (const schedule of [...this.schedules.values()]) if (schedule.group === name) this.remove(schedule);
        this.groups.delete(name);
        return {};
      }
      default:
        throw new SchedulerError('ValidationException', 400, `${method} /schedule-groups/{Name} is not an operation`);
    }
  }

  private group(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new SchedulerError('ResourceNotFoundException', 404, `Schedule group ${name} does not exist.`);
    return group;
  }

  private find(name: string, groupName: string | null): Schedule {
    const group = groupName || 'default';
    this.group(group);
    const schedule = this.schedules.get(`${group}/${name}`);
    if (!schedule) throw new SchedulerError('ResourceNotFoundException', 404, `Schedule ${name} does not exist.`);
    return schedule;
  }

  private put(name: string, input: Json, mode: 'create' | 'update'): Schedule {
    if (!NAME.test(name)) throw new SchedulerError('ValidationException', 400, `Invalid schedule name: ${name}`);
    const group = this.group(optionalString(input, 'GroupName') || 'default');
    const key = `${group.name}/${name}`;
    const existing = this.schedules.get(key);
    const clientToken = optionalString(input, 'ClientToken');
    if (mode === 'create' && existing) {
      // A retried request (same client token) gets the schedule it created; anything else conflicts.
      if (clientToken && existing.clientToken === clientToken) return existing;
      throw new SchedulerError('ConflictException', 409, `Schedule ${name} already exists.`);
    }
    if (mode === 'update' && !existing) throw new SchedulerError('ResourceNotFoundException', 404, `Schedule ${name} does not exist.`);

    const expression = requiredString(input, 'ScheduleExpression');
    const timezone = optionalString(input, 'ScheduleExpressionTimezone');
    if (timezone && !UTC_ZONES.has(timezone))
      throw new SchedulerError('ValidationException', 400, `Only UTC schedules are emulated locally, not ${timezone}`);
    const dueMs = parseAt(expression);
    const target = input.Target as Target | undefined;
    if (!target || typeof target !== 'object' || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string')
      throw new SchedulerError('ValidationException', 400, 'Target with Arn and RoleArn is required.');
    if (target.Input !== undefined && typeof target.Input !== 'string')
      throw new SchedulerError('ValidationException', 400, 'Target.Input must be a string.');
    const window = input.FlexibleTimeWindow as Schedule['flexibleTimeWindow'] | undefined;
    if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE'))
      throw new SchedulerError('ValidationException', 400, 'FlexibleTimeWindow with Mode OFF or FLEXIBLE is required.');
    const after = optionalString(input, 'ActionAfterCompletion') ?? 'NONE';
    if (after !== 'NONE' && after !== 'DELETE')
      throw new SchedulerError('ValidationException', 400, `Invalid ActionAfterCompletion: ${after}`);
    const state = optionalString(input, 'State') ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw new SchedulerError('ValidationException', 400, `Invalid State: ${state}`);

    const now = Date.now();
    const schedule: Schedule = {
      name,
      group: group.name,
      arn: `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${group.name}/${name}`,
      expression,
      ...(timezone ? { timezone } : {}),
      state,
      target,
      flexibleTimeWindow: window,
      actionAfterCompletion: after,
      ...(optionalString(input, 'Description') !== undefined ? { description: optionalString(input, 'Description') } : {}),
      ...(optionalString(input, 'KmsKeyArn') !== undefined ? { kmsKeyArn: optionalString(input, 'KmsKeyArn') } : {}),
      ...(typeof input.StartDate === 'number' ? { startDate: input.StartDate } : {}),
      ...(typeof input.EndDate === 'number' ? { endDate: input.EndDate } : {}),
      ...(clientToken ? { clientToken } : {}),
      createdAt: existing?.createdAt ?? now,
      modifiedAt: now,
      dueMs,
      fired: false,
    };
    // Journaled before anything changes: a failed write leaves the old schedule armed and answers an error.
    this.append({ op: 'put', schedule: stored(schedule) });
    if (existing) this.disarm(existing);
    this.schedules.set(key, schedule);
    this.arm(schedule);
    return schedule;
  }

  private listSchedules(query: URLSearchParams): Json {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const matching = [...this.schedules.values()]
      .filter(
        (schedule) => (!group || schedule.group === group) && schedule.name.startsWith(prefix) && (!state || schedule.state === state),
      )
      .sort((a, b) => (a.group === b.group ? byName(a, b) : a.group < b.group ? -1 : 1));
    const { items, next } = paginate(matching, query);
    return {
      Schedules: items.map((schedule) => ({
        Arn: schedule.arn,
        Name: schedule.name,
        GroupName: schedule.group,
        State: schedule.state,
        CreationDate: seconds(schedule.createdAt),
        LastModificationDate: seconds(schedule.modifiedAt),
        Target: { Arn: schedule.target.Arn },
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private arm(schedule: Schedule): void {
    if (this.stopped || schedule.fired || schedule.state !== 'ENABLED') return;
    const fireAt = performance.now() + Math.max(0, schedule.dueMs - this.clock()) * this.timeScale;
    const wait = () => {
      const remaining = fireAt - performance.now();
      if (remaining > MAX_TIMEOUT_MS) {
        schedule.timer = setTimeout(wait, MAX_TIMEOUT_MS);
      } else {
        // A timer can come back a fraction of a millisecond early, which a scaled clock turns into a
        // schedule firing before its time (AWS never does): wait again until the clock has reached it.
        schedule.timer = setTimeout(
          () => (this.clock() < schedule.dueMs ? this.arm(schedule) : this.fire(schedule)),
          Math.max(0, remaining),
        );
      }
      schedule.timer.unref();
    };
    wait();
  }

  private disarm(schedule: Schedule): void {
    if (schedule.timer) clearTimeout(schedule.timer);
    schedule.timer = undefined;
  }

  private remove(schedule: Schedule): void {
    this.disarm(schedule);
    const key = keyOf(schedule);
    if (this.schedules.get(key) !== schedule) return;
    this.append({ op: 'del', key });
    this.schedules.delete(key);
  }

  private fire(schedule: Schedule): void {
    schedule.timer = undefined;
    if (this.stopped || schedule.fired || this.schedules.get(keyOf(schedule)) !== schedule) return;
    schedule.fired = true;
    const run = this.deliver(schedule)
      .then((outcome) => this.complete(schedule, outcome))
      .catch((error: unknown) => (this.options.log ?? (() => undefined))(`Scheduler: ${keyOf(schedule)}: ${(error as Error).message}`))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /**
   * Records that the schedule's invocation is over (delivered or dead-lettered) and deletes it when asked to. One
   * stopped midway records nothing: it fires again after a restart.
   */
  private complete(schedule: Schedule, outcome: 'delivered' | 'dead-lettered' | 'interrupted'): void {
    if (outcome === 'interrupted') return;
    if (schedule.actionAfterCompletion === 'DELETE') this.remove(schedule);
    else if (this.schedules.get(keyOf(schedule)) === schedule) this.append({ op: 'fired', key: keyOf(schedule) });
  }

  private async deliver(schedule: Schedule): Promise<'delivered' | 'dead-lettered' | 'interrupted'> {
    const log = this.options.log ?? (() => undefined);
    const retries = Math.max(0, Math.min(schedule.target.RetryPolicy?.MaximumRetryAttempts ?? 185, this.options.maxRetries ?? 3));
    const executionId = randomUUID();
    let lastError = '';
    let delivered = false;
    for (let attempt = 1; attempt <= retries + 1 && !this.stopped; attempt++) {
      const input = contextAttributes(schedule.target.Input ?? '', {
        'schedule-arn': schedule.arn,
        'scheduled-time': new Date(schedule.dueMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'execution-id': executionId,
        'attempt-number': String(attempt),
      });
      try {
        await this.options.invoke(schedule.target.Arn, input);
        delivered = true;
        break;
      } catch (error) {
        lastError = (error as Error)?.message ?? String(error);
        log(`Scheduler: ${schedule.group}/${schedule.name} -> ${schedule.target.Arn} failed (attempt ${attempt}): ${lastError}`);
        if (attempt <= retries) await sleep((this.options.retryDelayMs ?? 50) * attempt);
      }
    }
    if (delivered) return 'delivered';
    if (this.stopped) return 'interrupted';
    const deadLetterArn = schedule.target.DeadLetterConfig?.Arn ?? null;
    const letter: DeadLetter = {
      scheduleArn: schedule.arn,
      targetArn: schedule.target.Arn,
      deadLetterArn,
      input: schedule.target.Input ?? '',
      error: lastError,
      at: new Date().toISOString(),
    };
    this.append({ op: 'dead', letter });
    this.deadLetters.push(letter);
    log(
      `Scheduler: ${schedule.group}/${schedule.name} gave up after ${retries + 1} attempts${deadLetterArn ? ` (dead letter: ${deadLetterArn})` : ''}`,
    );
    return 'dead-lettered';
  }

  /** Resolves when no target invocation is running (it does not wait for schedules still to come). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /**
   * No more firings: clears every timer (schedules stay listed), waits for the invocations under way, then closes
   * the journal. An invocation that was still being retried is not recorded as done: it fires after a restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const schedule of this.schedules.values()) this.disarm(schedule);
    await this.idle();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** Writes one journal line (whole, with writeSync) before the change it records is made or answered. */
  private append(record: JournalRecord): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    let offset = 0;
    while (offset < line.length) offset += fs.writeSync(this.fd, line, offset, line.length - offset);
  }

  /** Replays the journal (ignoring a torn last line), rewrites it compacted via a temp file + rename, and keeps it open. */
  private openJournal(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'schedules.jsonl');
    if (fs.existsSync(file))
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) this.replay(parseJournalLine<JournalRecord>(line));
    const snapshot: JournalRecord[] = [
      ...[...this.groups.values()].map((group): JournalRecord => ({ op: 'group', group })),
      ...[...this.schedules.values()].map((schedule): JournalRecord => ({ op: 'put', schedule: stored(schedule) })),
      ...this.deadLetters.map((letter): JournalRecord => ({ op: 'dead', letter })),
    ];
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, snapshot.map((record) => JSON.stringify(record) + '\n').join(''));
    fs.renameSync(tmp, file);
    this.fd = fs.openSync(file, 'a');
  }

  private replay(record: JournalRecord | undefined): void {
    switch (record?.op) {
      case 'group':
        this.groups.set(record.group.name, record.group);
        break;
      case 'group-del':
        this.groups.delete(record.name);
        for (const [key, schedule] of this.schedules) if (schedule.group === record.name) this.schedules.delete(key);
        break;
      case 'put':
        this.schedules.set(keyOf(record.schedule), { ...record.schedule });
        break;
      case 'del':
        this.schedules.delete(record.key);
        break;
      case 'fired': {
        const schedule = this.schedules.get(record.key);
        if (schedule) schedule.fired = true;
        break;
      }
      case 'dead':
        this.deadLetters.push(record.letter);
        break;
    }
  }
}

const keyOf = (schedule: { group: string; name: string }) => `${schedule.group}/${schedule.name}`;

function stored(schedule: Schedule): StoredSchedule {
  const { timer: _timer, ...rest } = schedule;
  return rest;
}

function describe(schedule: Schedule): Json {
  return {
    Arn: schedule.arn,
    GroupName: schedule.group,
    Name: schedule.name,
    ScheduleExpression: schedule.expression,
    ...(schedule.timezone ? { ScheduleExpressionTimezone: schedule.timezone } : {}),
    State: schedule.state,
    CreationDate: seconds(schedule.createdAt),
    LastModificationDate: seconds(schedule.modifiedAt),
    Target: schedule.target,
    FlexibleTimeWindow: schedule.flexibleTimeWindow,
    ActionAfterCompletion: schedule.actionAfterCompletion,
    ...(schedule.description !== undefined ? { Description: schedule.description } : {}),
    ...(schedule.kmsKeyArn !== undefined ? { KmsKeyArn: schedule.kmsKeyArn } : {}),
    ...(schedule.startDate !== undefined ? { StartDate: schedule.startDate } : {}),
    ...(schedule.endDate !== undefined ? { EndDate: schedule.endDate } : {}),
  };
}

function describeGroup(group: Group): Json {
  return {
    Arn: group.arn,
    Name: group.name,
    State: 'ACTIVE',
    CreationDate: seconds(group.createdAt),
    LastModificationDate: seconds(group.modifiedAt),
  };
}

/** `at(yyyy-mm-ddThh:mm:ss)` as UTC milliseconds. */
function parseAt(expression: string): number {
  const match = AT_EXPRESSION.exec(expression);
  if (!match) {
    if (/^(rate|cron)\(/.test(expression))
      throw new SchedulerError('ValidationException', 400, `Only one-time at() schedules are emulated locally: ${expression}`);
    throw new SchedulerError('ValidationException', 400, `Invalid ScheduleExpression: ${expression}`);
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    throw new SchedulerError('ValidationException', 400, `Invalid date in ScheduleExpression: ${expression}`);
  return ms;
}

/** Scheduler's context attributes in a target's Input (`<aws.scheduler.scheduled-time>` and the others). */
function contextAttributes(input: string, values: Record<string, string>): string {
  return input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (whole, name: string) => values[name] ?? whole);
}

function parseBody(body: Buffer): Json {
  if (!body.length) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Json;
  } catch {
    throw new SchedulerError('ValidationException', 400, 'Malformed JSON request body');
  }
}

function requiredString(input: Json, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || !value) throw new SchedulerError('ValidationException', 400, `${key} is required.`);
  return value;
}

function optionalString(input: Json, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SchedulerError('ValidationException', 400, `${key} must be a string.`);
  return value;
}

function paginate<T>(items: T[], query: URLSearchParams): { items: T[]; next?: string } {
  const max = query.get('MaxResults') ? Number(query.get('MaxResults')) : 100;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new SchedulerError('ValidationException', 400, 'MaxResults must be 1-100.');
  const token = query.get('NextToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new SchedulerError('ValidationException', 400, 'Invalid NextToken.');
  const page = items.slice(start, start + max);
  const end = start + page.length;
  return { items: page, ...(end < items.length ? { next: Buffer.from(String(end)).toString('base64url') } : {}) };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const seconds = (ms: number) => ms / 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
