import type { Context, ScheduledEvent } from 'aws-lambda';
import { jest } from '@jest/globals';
import middy from '@middy/core';
import { mockClient } from 'aws-sdk-client-mock';
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { countMetric, logger, measureMetric, METRICS_NAMESPACE, observed } from '../../lib/observability';

/**
 * Business metrics and the invocation's log keys: `observed()` publishes what an invocation counted as
 * CloudWatch EMF lines on stdout when it ends (and nothing when it counted nothing), and the correlation
 * id it appends to the logger's keys is gone after. Then a real handler (the approval sweep, its AWS
 * calls mocked) emits the metric its work implies.
 */
interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

const context = {
  functionName: 'aw-test-fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:aw-test-fn',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

let written: string[] = [];

beforeAll(() => {
  // The metrics instance is made on first publish, with these.
  process.env.AW_STAGE = 'unit';
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  logger.setLogLevel('INFO');
});

beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

function jsonLines(): Array<Record<string, unknown>> {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const emfLines = () => jsonLines().filter((line): line is EmfLine => '_aws' in line);
const logLines = () => jsonLines().filter((line) => !('_aws' in line));

test('an invocation publishes its counts at its end: one EMF document per dimension set, summed, with service and stage', async () => {
  const handler = middy<{ correlationId: string }, string>()
    .use(observed<{ correlationId: string }, string>({ correlationId: (event) => event.correlationId }))
    .handler(async () => {
      countMetric('AlertsAccepted', 2);
      countMetric('AlertsAccepted');
      countMetric('AlertsDuplicate', 0); // nothing to count
      countMetric('NotificationsSent', 1, { channel: 'email' });
      countMetric('NotificationsSent', 1, { channel: 'email' });
      countMetric('NotificationsFailed', 1, { channel: 'slack' });
      expect(emfLines()).toEqual([]); // not before the end
      return 'done';
    });
  await handler({ correlationId: 'corr-unit-1' }, context);

  const lines = emfLines();
  expect(lines).toHaveLength(3);
  for (const line of lines) {
    expect(line._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
    expect(line).toMatchObject({ service: 'alert-whisperer', stage: 'unit' });
    expect(line._aws.CloudWatchMetrics[0]!.Metrics.every((metric) => metric.Unit === 'Count')).toBe(true);
  }
  const plain = lines.find((line) => 'AlertsAccepted' in line)!;
  expect(plain._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stage']]);
  expect(plain.AlertsAccepted).toBe(3);
  expect(plain).not.toHaveProperty('AlertsDuplicate');
  const email = lines.find((line) => line.channel === 'email')!;
  expect(email._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stage', 'channel']]);
  expect(email.NotificationsSent).toBe(2);
  expect(lines.find((line) => line.channel === 'slack')).toMatchObject({ NotificationsFailed: 1 });
  // No cold-start metric.
  expect(lines.some((line) => 'ColdStart' in line)).toBe(false);
});

test('a measurement (the SLA timer lag) is published as measured, in its unit, beside the counts and with their dimensions', async () => {
  const handler = middy<unknown, void>()
    .use(observed())
    .handler(async () => {
      measureMetric('SlaTimerLagSeconds', 1.25);
      measureMetric('SlaTimerLagSeconds', 0.5);
      measureMetric('SlaTimerLagSeconds', Number.NaN); // not a measurement
      countMetric('SlaBreaches');
    });
  await handler({}, context);
  const [line, ...more] = emfLines();
  expect(more).toEqual([]);
  expect(line!._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
  expect(line!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stage']]);
  expect(line!._aws.CloudWatchMetrics[0]!.Metrics).toEqual(
    expect.arrayContaining([
      { Name: 'SlaTimerLagSeconds', Unit: 'Seconds' },
      { Name: 'SlaBreaches', Unit: 'Count' },
    ]),
  );
  // Each value as it was (CloudWatch's Maximum sees 1.25), not a sum.
  expect(line).toMatchObject({ SlaTimerLagSeconds: [1.25, 0.5], SlaBreaches: 1, service: 'alert-whisperer', stage: 'unit' });
});

test('an invocation that counted nothing writes nothing, not even a warning', async () => {
  const handler = middy<unknown, void>()
    .use(observed())
    .handler(async () => undefined);
  await handler({}, context);
  expect(written.join('')).toBe('');
});

test('counts outside an invocation are not kept; a failed invocation still publishes', async () => {
  countMetric('IncidentsOpened'); // lib code called by a script or a test: nothing would publish it
  const handler = middy<unknown, void>()
    .use(observed())
    .handler(async () => {
      countMetric('SlaBreaches');
      throw new Error('boom');
    });
  await expect(handler({}, context)).rejects.toThrow('boom');
  const lines = emfLines();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ SlaBreaches: 1 });
  expect(lines[0]).not.toHaveProperty('IncidentsOpened');
});

test("the correlation id is on every log line of the invocation (with Lambda's context), and gone after it", async () => {
  const handler = middy<{ detail: { correlationId: string } }, void>()
    .use(observed<{ detail: { correlationId: string } }, void>({ correlationId: (event) => event.detail.correlationId }))
    .handler(async () => {
      logger.info('inside');
      logger.appendKeys({ executionId: 'exec-1' });
      logger.info('inside again');
    });
  await handler({ detail: { correlationId: 'corr-unit-2' } }, context);
  logger.info('between invocations');

  const [inside, again, after] = logLines();
  expect(inside).toMatchObject({ message: 'inside', correlationId: 'corr-unit-2', function_request_id: 'req-1' });
  expect(again).toMatchObject({ message: 'inside again', correlationId: 'corr-unit-2', executionId: 'exec-1' });
  expect(after).toMatchObject({ message: 'between invocations' });
  expect(after).not.toHaveProperty('correlationId');
  expect(after).not.toHaveProperty('executionId');
});

describe('the approval sweep', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sfn = mockClient(SFNClient);
  const bus = mockClient(EventBridgeClient);

  beforeAll(() => {
    Object.assign(process.env, { TABLE_NAME: 'aw-unit', EVENT_BUS_NAME: 'aw-unit-bus', AWS_REGION: 'us-east-1' });
  });

  afterAll(() => {
    dynamo.restore();
    sfn.restore();
    bus.restore();
  });

  test('publishes ApprovalsExpired for the request it expired', async () => {
    const approval = {
      pk: 'T#acme#APPROVAL',
      sk: 'exec-1',
      id: 'exec-1',
      tenantId: 'acme',
      incidentId: 'inc-1',
      runbookId: 'linux-memory-relief',
      runbookName: 'Linux memory relief',
      risk: 'medium',
      requiredRole: 'msp_admin',
      requestedBy: 'system',
      reasons: ['medium risk'],
      state: 'expired',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
      taskToken: 'token-1',
    };
    dynamo.on(QueryCommand).resolves({ Items: [{ tenantId: 'acme', approvalId: 'exec-1' }] });
    // The approval is the only item there is (its execution is not read back as an approval).
    dynamo.on(GetCommand).resolves({});
    dynamo.on(GetCommand, { Key: { pk: 'T#acme#APPROVAL', sk: 'exec-1' } }).resolves({ Item: approval });
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const { handler } = await import('../../functions/approval-sweep/handler');
    expect(await handler({} as ScheduledEvent, context)).toEqual({ expired: 1 });

    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toMatchObject({ taskToken: 'token-1', error: 'ApprovalExpired' });
    const lines = emfLines();
    expect(lines.flatMap((line) => line._aws.CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name))).toEqual(['ApprovalsExpired']);
    expect(lines[0]).toMatchObject({ ApprovalsExpired: 1, service: 'alert-whisperer', stage: 'unit' });

    // A sweep with nothing due publishes nothing.
    written = [];
    dynamo.on(QueryCommand).resolves({ Items: [] });
    expect(await handler({} as ScheduledEvent, context)).toEqual({ expired: 0 });
    expect(emfLines()).toEqual([]);
  });
});
