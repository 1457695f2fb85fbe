// Movable timers (lib/aws/scheduler.ts schedulerMovableTimers), the client reports' schedules: one schedule per
// name, updated in place (UpdateSchedule replaces every field, so the whole schedule is sent), created when it
// does not exist, updated after all when another call created it meanwhile; kept after it fires
// (ActionAfterCompletion NONE); deleting one that is gone is fine. The emulator-backed path is in
// test/integration/report-delivery.test.ts; the race between two first puts can only be staged here.
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { schedulerMovableTimers } from '../../lib/aws/scheduler';

const scheduler = mockClient(SchedulerClient);
const timers = schedulerMovableTimers({
  groupName: 'aw-prod-reports',
  targetArn: 'arn:aws:lambda:eu-west-1:111122223333:function:aw-prod-reports',
  roleArn: 'arn:aws:iam::111122223333:role/aw-prod-report-scheduler',
  now: () => new Date('2026-11-20T10:00:00.000Z'),
  client: new SchedulerClient({ region: 'eu-west-1' }),
});
const timer = {
  name: 'report-acme',
  at: new Date('2026-12-01T07:00:00.000Z'),
  payload: { type: 'report-delivery', tenantId: 'acme', period: '2026-11', attempt: 1 },
};
const error = <E>(Type: new (options: never) => E, status: number) =>
  new Type({ $metadata: { httpStatusCode: status }, message: 'from Scheduler', Message: 'from Scheduler' } as never);

beforeEach(() => scheduler.reset());

test('a put updates the schedule in place with every field, kept after it fires', async () => {
  scheduler.on(UpdateScheduleCommand).resolves({});
  await timers.put(timer);
  expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toEqual({
    Name: 'report-acme',
    GroupName: 'aw-prod-reports',
    ScheduleExpression: 'at(2026-12-01T07:00:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'NONE',
    State: 'ENABLED',
    Target: {
      Arn: 'arn:aws:lambda:eu-west-1:111122223333:function:aw-prod-reports',
      RoleArn: 'arn:aws:iam::111122223333:role/aw-prod-report-scheduler',
      Input: JSON.stringify(timer.payload),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
    },
  });
});

test('a put creates the schedule when there is none, and updates it after all when another call created it first', async () => {
  scheduler.on(UpdateScheduleCommand).rejectsOnce(error(ResourceNotFoundException, 404)).resolves({});
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  await timers.put(timer);
  expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(1);

  scheduler.reset();
  scheduler.on(UpdateScheduleCommand).rejectsOnce(error(ResourceNotFoundException, 404)).resolves({});
  scheduler.on(CreateScheduleCommand).rejects(error(ConflictException, 409));
  await timers.put(timer);
  expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(2);
});

test('a time already past is scheduled for the next whole minute; other errors and bad names are thrown', async () => {
  scheduler.on(UpdateScheduleCommand).resolves({});
  await timers.put({ ...timer, at: new Date('2026-11-20T09:00:00.000Z') });
  expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input.ScheduleExpression).toBe('at(2026-11-20T10:01:00)');

  scheduler.reset();
  scheduler.on(UpdateScheduleCommand).rejects(error(ValidationException, 400));
  await expect(timers.put(timer)).rejects.toThrow('from Scheduler');
  await expect(timers.put({ ...timer, name: 'report/acme' })).rejects.toThrow('Invalid schedule name');
});

test('deleting a schedule that is gone already is fine', async () => {
  scheduler.on(DeleteScheduleCommand).rejects(error(ResourceNotFoundException, 404));
  await expect(timers.delete('report-acme')).resolves.toBeUndefined();
  expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({ Name: 'report-acme', GroupName: 'aw-prod-reports' });
});
