import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { traced } from '../observability';

/**
 * One-time timers on EventBridge Scheduler (SLA warnings and breaches, escalation steps): each is a
 * schedule `at(...)` in UTC that invokes the timer function once with its payload and deletes itself.
 * Both calls are idempotent: creating a schedule that exists (ConflictException) and deleting one that
 * is gone (ResourceNotFoundException, e.g. it fired) succeed, so a retried handler can repeat them.
 * The local stack points the same client at its Scheduler emulator (AWS_ENDPOINT_URL_SCHEDULER).
 */

let client: SchedulerClient | undefined;

function scheduler(): SchedulerClient {
  client ??= traced(new SchedulerClient({}));
  return client;
}

/** Scheduler's rule for schedule (and group) names. */
export const SCHEDULE_NAME_PATTERN = /^[0-9a-zA-Z_.-]{1,64}$/;

export function isValidScheduleName(name: string): boolean {
  return SCHEDULE_NAME_PATTERN.test(name);
}

const MINUTE_MS = 60_000;

/**
 * When a timer for `at` is scheduled: Scheduler invokes with one-minute precision (a schedule for 10:24
 * runs between 10:24:00 and 10:24:59), so the time is rounded up to a whole minute, which never fires
 * before `at`; a time already past (or within a second) becomes the next whole minute after `now`.
 */
export function scheduledTime(at: Date, now: Date = new Date()): Date {
  const earliest = Math.max(at.getTime(), now.getTime() + 1_000);
  return new Date(Math.ceil(earliest / MINUTE_MS) * MINUTE_MS);
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC. */
export function atExpression(time: Date): string {
  return `at(${time.toISOString().slice(0, 19)})`;
}

export interface CreateTimerInput {
  name: string;
  at: Date;
  /** The target's event (JSON-serialized into the schedule's Input). */
  payload: unknown;
  groupName: string;
  /** The function to invoke. */
  targetArn: string;
  /** The role Scheduler assumes to invoke it. */
  roleArn: string;
  /** An SQS queue for the invocations that fail after the retries. */
  deadLetterArn?: string;
  /** The current time (a scaled clock in local demos); the system clock by default. */
  now?: Date;
}

const RETRY_POLICY = { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } as const;

/** Creates the one-time schedule; 'exists' when a schedule of that name is already there (a repeat). */
export async function createTimer(input: CreateTimerInput, schedulerClient: SchedulerClient = scheduler()): Promise<'created' | 'exists'> {
  if (!isValidScheduleName(input.name)) throw new Error(`Invalid schedule name: ${JSON.stringify(input.name)}`);
  try {
    await schedulerClient.send(
      new CreateScheduleCommand({
        Name: input.name,
        GroupName: input.groupName,
        ScheduleExpression: atExpression(scheduledTime(input.at, input.now)),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Target: {
          Arn: input.targetArn,
          RoleArn: input.roleArn,
          Input: JSON.stringify(input.payload),
          RetryPolicy: { ...RETRY_POLICY },
          ...(input.deadLetterArn ? { DeadLetterConfig: { Arn: input.deadLetterArn } } : {}),
        },
      }),
    );
    return 'created';
  } catch (error) {
    if (error instanceof Error && error.name === 'ConflictException') return 'exists';
    throw error;
  }
}

/** Deletes the schedule; 'not-found' when it is gone already (fired, or deleted before). */
export async function deleteTimer(
  name: string,
  groupName: string,
  schedulerClient: SchedulerClient = scheduler(),
): Promise<'deleted' | 'not-found'> {
  try {
    await schedulerClient.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
    return 'deleted';
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return 'not-found';
    throw error;
  }
}

/** A timer the SLA service asks for. */
export interface TimerRequest {
  /** Unique in the group (1-64 of [0-9A-Za-z-_.]); creating the same name again is a no-op. */
  name: string;
  at: Date;
  payload: unknown;
}

/** One-time timers as the SLA service sees them: no SDK, no group, no target. */
export interface Timers {
  /** Idempotent: a timer of that name already pending is left as it is. */
  create(timer: TimerRequest): Promise<void>;
  /** Idempotent: a timer that is gone already (fired, deleted) is fine. */
  delete(name: string): Promise<void>;
}

export interface SchedulerTimersConfig {
  groupName: string;
  targetArn: string;
  roleArn: string;
  deadLetterArn?: string;
  /** The clock the service runs on (a scaled one in local demos and tests). */
  now?: () => Date;
  /** A client of its own (tests, the local emulator); the shared one by default. */
  client?: SchedulerClient;
}

/** Timers on EventBridge Scheduler, all in one group, all invoking one target. */
export function schedulerTimers(config: SchedulerTimersConfig): Timers {
  const { groupName, targetArn, roleArn, deadLetterArn } = config;
  return {
    async create(timer) {
      await createTimer(
        {
          name: timer.name,
          at: timer.at,
          payload: timer.payload,
          groupName,
          targetArn,
          roleArn,
          ...(deadLetterArn ? { deadLetterArn } : {}),
          ...(config.now ? { now: config.now() } : {}),
        },
        config.client ?? scheduler(),
      );
    },
    async delete(name) {
      await deleteTimer(name, groupName, config.client ?? scheduler());
    },
  };
}

/**
 * A timer that is moved rather than added: one schedule per name, whose next time replaces the last
 * (a client's next report, re-armed after each send). Kept after it fires (ActionAfterCompletion NONE),
 * so a handler re-arming it while it is being invoked never races Scheduler deleting it.
 */
export interface MovableTimers {
  /** Creates the timer, or moves it to `at` with `payload` when it exists (fired or not). */
  put(timer: TimerRequest): Promise<void>;
  /** Idempotent: a timer that is gone already is fine. */
  delete(name: string): Promise<void>;
}

/** Movable timers on EventBridge Scheduler, all in one group, all invoking one target. */
export function schedulerMovableTimers(config: SchedulerTimersConfig): MovableTimers {
  const client = () => config.client ?? scheduler();
  return {
    async put(timer) {
      if (!isValidScheduleName(timer.name)) throw new Error(`Invalid schedule name: ${JSON.stringify(timer.name)}`);
      // UpdateSchedule replaces every field, so both calls send the whole schedule.
      const schedule = {
        Name: timer.name,
        GroupName: config.groupName,
        ScheduleExpression: atExpression(scheduledTime(timer.at, config.now?.())),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' as const },
        ActionAfterCompletion: 'NONE' as const,
        State: 'ENABLED' as const,
        Target: {
          Arn: config.targetArn,
          RoleArn: config.roleArn,
          Input: JSON.stringify(timer.payload),
          RetryPolicy: { ...RETRY_POLICY },
          ...(config.deadLetterArn ? { DeadLetterConfig: { Arn: config.deadLetterArn } } : {}),
        },
      };
      const update = () => client().send(new UpdateScheduleCommand(schedule));
      // Update first (the usual case: it exists); create when it does not; update after all if another call created it meanwhile.
      try {
        await update();
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
        try {
          await client().send(new CreateScheduleCommand(schedule));
        } catch (createError) {
          if (!(createError instanceof Error && createError.name === 'ConflictException')) throw createError;
          await update();
        }
      }
    },
    async delete(name) {
      await deleteTimer(name, config.groupName, client());
    },
  };
}
