// The EventBridge Scheduler adapter: the CreateSchedule input of a one-time timer (UTC at(), rounded up to
// Scheduler's one-minute precision, deleted after it runs, retried and dead-lettered), idempotent create
// (ConflictException) and delete (ResourceNotFoundException), and schedule names valid for ULID incidents.
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { ulid } from 'ulid';
import {
  atExpression,
  createTimer,
  deleteTimer,
  isValidScheduleName,
  scheduledTime,
  schedulerTimers,
  type CreateTimerInput,
} from '../../lib/aws/scheduler';
import { escalationTimerName } from '../../lib/domain/escalation/policy';
import { SLA_TIMER_KINDS, timerName } from '../../lib/domain/sla/policy';
import { slaScheduleName } from '../../lib/sla/service';

const scheduler = mockClient(SchedulerClient);

const base: CreateTimerInput = {
  name: 'sla-response-breach-01KAZ4R7V3N2Q8M5T6Y9W0X1C2.abcdEF_-',
  at: new Date('2026-11-24T10:30:00.000Z'),
  payload: { type: 'sla', tenantId: 'acme', incidentId: '01KAZ4R7V3N2Q8M5T6Y9W0X1C2' },
  groupName: 'aw-sla-timers',
  targetArn: 'arn:aws:lambda:us-east-1:111122223333:function:aw-prod-slaTimer',
  roleArn: 'arn:aws:iam::111122223333:role/aw-prod-scheduler',
  now: new Date('2026-11-24T10:00:00.000Z'),
};

const conflict = () =>
  new ConflictException({ $metadata: { httpStatusCode: 409 }, message: 'Schedule already exists.', Message: 'Schedule already exists.' });
const notFound = () =>
  new ResourceNotFoundException({
    $metadata: { httpStatusCode: 404 },
    message: 'Schedule does not exist.',
    Message: 'Schedule does not exist.',
  });

beforeEach(() => scheduler.reset());

test('a timer is a one-time UTC schedule that invokes the target once with the payload, retries, and deletes itself', async () => {
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:111122223333:schedule/aw-sla-timers/x' });
  expect(await createTimer({ ...base, deadLetterArn: 'arn:aws:sqs:us-east-1:111122223333:aw-sla-timers-dlq' })).toBe('created');
  const [call] = scheduler.commandCalls(CreateScheduleCommand);
  expect(call!.args[0].input).toEqual({
    Name: base.name,
    GroupName: 'aw-sla-timers',
    ScheduleExpression: 'at(2026-11-24T10:30:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Target: {
      Arn: base.targetArn,
      RoleArn: base.roleArn,
      Input: JSON.stringify(base.payload),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111122223333:aw-sla-timers-dlq' },
    },
  });
});

test('without a dead-letter queue the target has no DeadLetterConfig', async () => {
  scheduler.on(CreateScheduleCommand).resolves({});
  await createTimer(base);
  expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target).not.toHaveProperty('DeadLetterConfig');
});

test('the time is rounded up to the minute (never early) and a past time becomes the next minute', () => {
  const now = new Date('2026-11-24T10:00:00.000Z');
  expect(atExpression(scheduledTime(new Date('2026-11-24T10:24:00.000Z'), now))).toBe('at(2026-11-24T10:24:00)');
  expect(atExpression(scheduledTime(new Date('2026-11-24T10:24:00.001Z'), now))).toBe('at(2026-11-24T10:25:00)');
  expect(atExpression(scheduledTime(new Date('2026-11-24T10:24:30.000Z'), now))).toBe('at(2026-11-24T10:25:00)');
  expect(atExpression(scheduledTime(new Date('2026-11-24T09:00:00.000Z'), now))).toBe('at(2026-11-24T10:01:00)');
  expect(atExpression(scheduledTime(now, new Date('2026-11-24T10:00:59.500Z')))).toBe('at(2026-11-24T10:02:00)');
});

test('creating a timer that exists is a success (idempotent); other errors are not', async () => {
  scheduler
    .on(CreateScheduleCommand)
    .rejectsOnce(conflict())
    .rejectsOnce(new ValidationException({ $metadata: {}, message: 'bad', Message: 'bad' }));
  expect(await createTimer(base)).toBe('exists');
  await expect(createTimer(base)).rejects.toThrow('bad');
});

test('deleting a timer that is gone is a success; other errors are not', async () => {
  scheduler.on(DeleteScheduleCommand).resolvesOnce({}).rejectsOnce(notFound()).rejectsOnce(new Error('throttled'));
  expect(await deleteTimer('sla-x', 'aw-sla-timers')).toBe('deleted');
  expect(await deleteTimer('sla-x', 'aw-sla-timers')).toBe('not-found');
  await expect(deleteTimer('sla-x', 'aw-sla-timers')).rejects.toThrow('throttled');
  expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({ Name: 'sla-x', GroupName: 'aw-sla-timers' });
});

test('the Timers implementation hides the group, target and role, and reads time from the clock it is given', async () => {
  scheduler.on(CreateScheduleCommand).rejects(conflict());
  scheduler.on(DeleteScheduleCommand).rejects(notFound());
  const timers = schedulerTimers({
    groupName: 'aw-sla-timers',
    targetArn: base.targetArn,
    roleArn: base.roleArn,
    now: () => new Date('2026-11-24T10:00:00Z'),
  });
  await expect(timers.create({ name: 'esc-0-x', at: new Date('2026-11-24T09:00:00Z'), payload: { a: 1 } })).resolves.toBeUndefined();
  await expect(timers.delete('esc-0-x')).resolves.toBeUndefined();
  expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toMatchObject({
    Name: 'esc-0-x',
    GroupName: 'aw-sla-timers',
    ScheduleExpression: 'at(2026-11-24T10:01:00)',
    Target: { Arn: base.targetArn, RoleArn: base.roleArn, Input: '{"a":1}' },
  });
});

test('an invalid schedule name is refused before calling Scheduler', async () => {
  await expect(createTimer({ ...base, name: 'sla#bad' })).rejects.toThrow('Invalid schedule name');
  await expect(createTimer({ ...base, name: 'x'.repeat(65) })).rejects.toThrow('Invalid schedule name');
  expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
});

test('timer names are valid Scheduler names for ULID incidents, and unique per instant', () => {
  const incidentId = ulid();
  for (const kind of SLA_TIMER_KINDS) {
    expect(isValidScheduleName(timerName(incidentId, kind))).toBe(true);
    const name = slaScheduleName(incidentId, kind, '2026-11-24T10:30:00.000Z');
    expect(isValidScheduleName(name)).toBe(true);
    expect(name.startsWith(timerName(incidentId, kind))).toBe(true);
    expect(slaScheduleName(incidentId, kind, '2026-11-24T10:30:00.000Z')).toBe(name);
    expect(slaScheduleName(incidentId, kind, '2026-11-24T10:31:00.000Z')).not.toBe(name);
    const retry = slaScheduleName(incidentId, kind, '2026-11-24T10:30:00.000Z', new Date('2026-11-24T10:29:00Z'));
    expect(isValidScheduleName(retry)).toBe(true);
    expect(retry).not.toBe(name);
  }
  for (let level = 0; level < 10; level++) expect(isValidScheduleName(escalationTimerName(incidentId, level))).toBe(true);
  // Ids that are not plain ULIDs still give valid names, and different ones.
  const odd = slaScheduleName(
    'tenant#incident/with:odd chars and a length well past sixty-four characters',
    'resolution-warning',
    '2026-11-24T10:30:00.000Z',
  );
  expect(isValidScheduleName(odd)).toBe(true);
  expect(odd).not.toBe(
    slaScheduleName(
      'tenant#incident/with:odd chars and a length well past sixty-four characterz',
      'resolution-warning',
      '2026-11-24T10:30:00.000Z',
    ),
  );
});
