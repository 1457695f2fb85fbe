// The fault proxy in front of the real local upstreams (DynamoDB Local, the SQS, EventBridge and Scheduler
// emulators behind one loopback server as in the local stack, and the local SES), driven by the real AWS SDK v3
// clients: at fraction 1 each fault reaches the caller as the modelled exception the SDK makes of AWS's own answer
// (or as the failed entry of a batch), classified for retry the way AWS's answer would be; at fraction 0 every call
// passes through unchanged.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  PutItemCommand,
  ThrottlingException as DynamoThrottlingException,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, InternalException, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException as SchedulerThrottlingException,
} from '@aws-sdk/client-scheduler';
import { SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { EventBridgeEmulator } from '../../local/aws/eventbridge-emulator';
import { FaultInjector, parseFaults, startFaultProxy, type FaultProxy } from '../../local/aws/faults';
import { SchedulerEmulator } from '../../local/aws/scheduler-emulator';
import { startLocalSes, type LocalSes } from '../../local/aws/ses';
import { SqsEmulator } from '../../local/aws/sqs-emulator';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb';
import { testDynamoEndpoint } from '../helpers/dynamo';

const TABLE_NAME = `fault-proxy-${Date.now().toString(36)}`;
const QUEUE = 'fault-proxy-queue';
const BUS = 'aw-test-bus';
const ALARM = { Source: 'aws.cloudwatch', DetailType: 'CloudWatch Alarm State Change' };

let dynamoEndpoint: string;
let awsServer: http.Server;
let awsEndpoint: string;
let sqsEmulator: SqsEmulator;
let eventBus: EventBridgeEmulator;
let scheduler: SchedulerEmulator;
let ses: LocalSes;
/** What the EventBridge emulator delivered: the `marker` of each event's detail. */
const delivered: string[] = [];
const proxies: FaultProxy[] = [];
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  dynamoEndpoint = testDynamoEndpoint();
  sqsEmulator = new SqsEmulator({ dataDir: null });
  eventBus = new EventBridgeEmulator(
    async (_fn, event) => {
      delivered.push((event as { detail: { marker: string } }).detail.marker);
    },
    () => undefined,
    BUS,
  );
  scheduler = new SchedulerEmulator({ invoke: () => undefined });
  awsServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        if (await sqsEmulator.handle(req, res, body)) return;
        if (await eventBus.handle(req, res, body)) return;
        if (await scheduler.handle(req, res, body)) return;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unknown local AWS operation' }));
      })();
    });
  });
  await new Promise<void>((resolve) => awsServer.listen(0, '127.0.0.1', resolve));
  awsEndpoint = `http://127.0.0.1:${(awsServer.address() as AddressInfo).port}`;
  sqsEmulator.createQueue(QUEUE, { visibilityTimeoutSeconds: 30 });
  [ses] = await Promise.all([startLocalSes({ log: () => undefined }), ensureTable(dynamoEndpoint, TABLE_NAME)]);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  await eventBus.idle();
  await scheduler.stop();
  sqsEmulator.close();
  await new Promise<void>((resolve) => awsServer.close(() => resolve()));
  awsServer.closeAllConnections();
  await ses.stop();
});

async function proxy(spec: string, upstream: string, log?: (line: string) => void): Promise<{ endpoint: string; injector: FaultInjector }> {
  const injector = new FaultInjector(parseFaults(spec));
  const started = await startFaultProxy({ upstream, injector, ...(log ? { log } : {}) });
  proxies.push(started);
  return { endpoint: started.endpoint, injector };
}

/**
 * Never retries (as maxAttempts: 1 does) but records how the SDK's retry middleware classified each error:
 * THROTTLING and TRANSIENT are the kinds its standard strategy retries, CLIENT_ERROR and SERVER_ERROR are not.
 */
function classifying(seen: string[]) {
  const token = { getRetryCount: () => 0, getRetryDelay: () => 0, getRetryCost: () => 0 };
  return {
    acquireInitialRetryToken: async () => token,
    refreshRetryTokenForRetry: async (_token: unknown, info: { errorType: string }): Promise<typeof token> => {
      seen.push(info.errorType);
      throw new Error('no retries here');
    },
    recordSuccess: () => undefined,
  };
}

function client<T extends { destroy(): void }>(
  Client: new (config: Record<string, unknown>) => T,
  endpoint: string,
  seen: string[] = [],
): T {
  const created = new Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    retryStrategy: classifying(seen),
  });
  clients.push(created);
  return created;
}

/** The error a call fails with (the test fails if it succeeds). */
async function failure(
  call: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number }; $fault: string; $retryable?: unknown }> {
  try {
    await call;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the call to fail');
}

const item = (id: string) => ({ pk: { S: `FAULT#${id}` }, sk: { S: 'ITEM' }, value: { S: id } });
const alarmEntries = (markers: string[]): PutEventsRequestEntry[] =>
  markers.map((marker) => ({ ...ALARM, Detail: JSON.stringify({ marker }) }));

function schedule(name: string) {
  const dueMs = Math.ceil((Date.now() + 3_600_000) / 1000) * 1000;
  return new CreateScheduleCommand({
    Name: name,
    ScheduleExpression: `at(${new Date(dueMs).toISOString().slice(0, 19)})`,
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: 'arn:aws:lambda:us-east-1:000000000000:function:aw-local-slaTimer',
      RoleArn: 'arn:aws:iam::000000000000:role/s',
      Input: '{}',
    },
  });
}

const email = (subject: string) =>
  new SendEmailCommand({
    FromEmailAddress: 'alerts@msp.example',
    Destination: { ToAddresses: ['tech@msp.example'] },
    Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'body' } } } },
  });

test('ddb-throttle: ThrottlingException (retried as throttling); a transaction is sometimes cancelled by a throttled item instead', async () => {
  const { endpoint, injector } = await proxy('ddb-throttle:1,seed:11', dynamoEndpoint);
  const seen: string[] = [];
  const dynamo = client(DynamoDBClient, endpoint, seen);
  // The control plane is never faulted.
  await expect(dynamo.send(new DescribeTableCommand({ TableName: TABLE_NAME }))).resolves.toMatchObject({
    Table: { TableName: TABLE_NAME },
  });

  const throttled = await failure(dynamo.send(new PutItemCommand({ TableName: TABLE_NAME, Item: item('t1') })));
  expect(throttled).toBeInstanceOf(DynamoThrottlingException);
  expect(throttled).toMatchObject({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'Rate of requests exceeds the allowed throughput.',
  });
  expect(throttled.$metadata.httpStatusCode).toBe(400);
  expect(seen).toEqual(['THROTTLING']);

  const names = new Set<string>();
  for (let i = 0; i < 12; i++) {
    seen.length = 0;
    const error = await failure(
      dynamo.send(
        new TransactWriteItemsCommand({
          TransactItems: ['a', 'b', 'c'].map((id) => ({ Put: { TableName: TABLE_NAME, Item: item(`tx-${id}`) } })),
        }),
      ),
    );
    names.add(error.name);
    if (error instanceof TransactionCanceledException) {
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, ThrottlingError]',
      );
      expect(error.CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'None', 'ThrottlingError']);
      expect(error.CancellationReasons?.[2]?.Message).toMatch(/^Throughput exceeds the current capacity/);
      // The SDK does not retry a cancelled transaction, whatever its reasons: the caller has to.
      expect(seen).toEqual(['CLIENT_ERROR']);
    } else {
      expect(error).toBeInstanceOf(DynamoThrottlingException);
      expect(seen).toEqual(['THROTTLING']);
    }
  }
  expect(names).toEqual(new Set(['ThrottlingException', 'TransactionCanceledException']));
  expect(injector.counts()).toEqual({ 'ddb-throttle': { calls: 13, injected: 13 } });
  // Nothing was written.
  const direct = client(DynamoDBClient, dynamoEndpoint);
  expect(
    (await direct.send(new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: item('t1').pk, sk: item('t1').sk } }))).Item,
  ).toBeUndefined();
});

test('ddb-error: InternalServerError, HTTP 500, retried as transient', async () => {
  const { endpoint } = await proxy('ddb-error:1', dynamoEndpoint);
  const seen: string[] = [];
  const error = await failure(
    client(DynamoDBClient, endpoint, seen).send(new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: { S: 'x' }, sk: { S: 'y' } } })),
  );
  expect(error).toBeInstanceOf(InternalServerError);
  expect(error).toMatchObject({ name: 'InternalServerError', $fault: 'server', message: 'Internal server error' });
  expect(error.$metadata.httpStatusCode).toBe(500);
  expect(seen).toEqual(['TRANSIENT']);
});

test('sqs-send: InternalError (HTTP 500, from the query-compatible header), or one batch entry failed and not sent', async () => {
  const { endpoint } = await proxy('sqs-send:1,seed:5', awsEndpoint);
  const seen: string[] = [];
  const sqs = client(SQSClient, endpoint, seen);
  const queueUrl = sqsEmulator.queueUrl(QUEUE, endpoint);

  const error = await failure(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'lost' })));
  // SQS models no InternalError: the SDK raises its base exception under the header's code.
  expect(error).toBeInstanceOf(SQSServiceException);
  expect(error).toMatchObject({ name: 'InternalError', $fault: 'server', message: 'We encountered an internal error. Please try again.' });
  expect(error.$metadata.httpStatusCode).toBe(500);
  expect(seen).toEqual(['TRANSIENT']);

  const sent: string[] = [];
  let partial = 0;
  let whole = 0;
  for (let round = 0; round < 12; round++) {
    const entries = ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: `${round}-${id}` }));
    try {
      const output = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      partial++;
      expect(output.Failed).toEqual([
        {
          Id: expect.any(String),
          SenderFault: false,
          Code: 'InternalError',
          Message: 'We encountered an internal error. Please try again.',
        },
      ]);
      expect(output.Successful).toHaveLength(2);
      expect([...output.Successful!.map((entry) => entry.Id), output.Failed![0]!.Id].sort()).toEqual(['a', 'b', 'c']);
      sent.push(...output.Successful!.map((entry) => `${round}-${entry.Id}`));
    } catch (caught) {
      whole++;
      expect(caught).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    }
  }
  expect(partial).toBeGreaterThan(0);
  expect(whole).toBeGreaterThan(0);

  // The queue holds exactly the entries reported sent (ReceiveMessage is never faulted).
  const received: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!Messages.length) break;
    received.push(...Messages.map((message) => message.Body!));
  }
  expect(received.sort()).toEqual(sent.sort());
});

test('eventbridge: InternalException (HTTP 500), or one entry failed in place and not delivered', async () => {
  const { endpoint, injector } = await proxy('eventbridge:1,seed:3', awsEndpoint);
  const seen: string[] = [];
  const events = client(EventBridgeClient, endpoint, seen);
  let partial = 0;
  let whole = 0;
  const accepted: string[] = [];
  for (let round = 0; round < 12; round++) {
    seen.length = 0;
    const markers = ['a', 'b', 'c'].map((id) => `eb-${round}-${id}`);
    try {
      const output = await events.send(new PutEventsCommand({ Entries: alarmEntries(markers) }));
      partial++;
      expect(output.FailedEntryCount).toBe(1);
      expect(output.Entries).toHaveLength(3);
      const failedAt = output.Entries!.findIndex((entry) => entry.ErrorCode);
      expect(output.Entries![failedAt]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error.' });
      output.Entries!.forEach((entry, index) => {
        if (index !== failedAt) {
          expect(entry.EventId).toEqual(expect.any(String));
          accepted.push(markers[index]!);
        }
      });
    } catch (caught) {
      whole++;
      expect(caught).toBeInstanceOf(InternalException);
      expect(caught).toMatchObject({ name: 'InternalException', $fault: 'server', $metadata: { httpStatusCode: 500 } });
      expect(seen).toEqual(['TRANSIENT']);
    }
  }
  expect(partial).toBeGreaterThan(0);
  expect(whole).toBeGreaterThan(0);
  // A lone entry fails without any forwarding.
  const lone = await events.send(new PutEventsCommand({ Entries: alarmEntries(['eb-lone']) })).catch(() => undefined);
  if (lone) expect(lone).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
  await eventBus.idle();
  expect(delivered.filter((marker) => marker.startsWith('eb-')).sort()).toEqual(accepted.sort());
  expect(injector.counts()).toEqual({ eventbridge: { calls: 13, injected: 13 } });
});

test('scheduler: InternalServerException (500) or ThrottlingException (429), by x-amzn-errortype; reads pass', async () => {
  const logs: string[] = [];
  const { endpoint } = await proxy('scheduler:1,seed:9', awsEndpoint, (line) => logs.push(line));
  const seen: string[] = [];
  const schedules = client(SchedulerClient, endpoint, seen);
  const names = new Set<string>();
  for (let i = 0; i < 10; i++) {
    seen.length = 0;
    const error = await failure(schedules.send(schedule(`faulted-${i}`)));
    names.add(error.name);
    if (error.name === 'InternalServerException') {
      expect(error).toBeInstanceOf(InternalServerException);
      expect(error.$metadata.httpStatusCode).toBe(500);
      expect(seen).toEqual(['TRANSIENT']);
    } else {
      expect(error).toBeInstanceOf(SchedulerThrottlingException);
      expect(error.$metadata.httpStatusCode).toBe(429);
      expect(seen).toEqual(['THROTTLING']);
    }
  }
  expect(names).toEqual(new Set(['InternalServerException', 'ThrottlingException']));
  // Nothing was forwarded: the schedule does not exist (GetSchedule itself is never faulted).
  await expect(schedules.send(new GetScheduleCommand({ Name: 'faulted-0' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  expect(scheduler.list()).toEqual([]);
  expect(logs).toHaveLength(10);
  expect(logs[0]).toMatch(/^fault scheduler: scheduler CreateSchedule -> (500 InternalServerException|429 ThrottlingException)$/);
});

test('ses: TooManyRequestsException, HTTP 429, retried as throttling; nothing is sent', async () => {
  const { endpoint } = await proxy('ses:1', ses.endpoint);
  const seen: string[] = [];
  const before = (await ses.sentMail()).length;
  const error = await failure(client(SESv2Client, endpoint, seen).send(email('throttled')));
  expect(error).toBeInstanceOf(TooManyRequestsException);
  expect(error).toMatchObject({ name: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' });
  expect(error.$metadata.httpStatusCode).toBe(429);
  expect(seen).toEqual(['THROTTLING']);
  expect(await ses.sentMail()).toHaveLength(before);
});

test('sfn: ThrottlingException (400) or ServiceUnavailable (503), both retried by the SDK', async () => {
  const { endpoint } = await proxy('sfn:1,seed:2', awsEndpoint);
  const seen: string[] = [];
  const sfn = client(SFNClient, endpoint, seen);
  const kinds = new Map<string, string>();
  for (let i = 0; i < 10; i++) {
    seen.length = 0;
    const error = await failure(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:RunbookExecution', input: '{}' }),
      ),
    );
    // SFN models neither error: the base exception carries the name from `__type`.
    expect(error).toBeInstanceOf(SFNServiceException);
    kinds.set(`${error.name} ${error.$metadata.httpStatusCode}`, seen[0]!);
  }
  expect(Object.fromEntries(kinds)).toEqual({ 'ThrottlingException 400': 'THROTTLING', 'ServiceUnavailable 503': 'TRANSIENT' });
});

test('at fraction 0 every call passes through unchanged', async () => {
  const spec = 'eventbridge:0,sqs-send:0,scheduler:0,ses:0,ddb-throttle:0,ddb-error:0,sfn:0';
  const aws = await proxy(spec, awsEndpoint);
  const db = await proxy(spec, dynamoEndpoint);
  const mail = await proxy(spec, ses.endpoint);

  const dynamo = client(DynamoDBClient, db.endpoint);
  await dynamo.send(new PutItemCommand({ TableName: TABLE_NAME, Item: item('pass') }));
  const { Item } = await dynamo.send(new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: item('pass').pk, sk: item('pass').sk } }));
  expect(Item).toEqual(item('pass'));

  // The SDK checks the MD5 of the body and attributes SQS returns: they come through intact.
  const sqs = client(SQSClient, aws.endpoint);
  const queueUrl = sqsEmulator.queueUrl(QUEUE, aws.endpoint);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: 'through',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
    }),
  );
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
  );
  expect(Messages.map((message) => [message.Body, message.MessageAttributes?.kind?.StringValue])).toEqual([['through', 'test']]);

  const events = client(EventBridgeClient, aws.endpoint);
  const put = await events.send(new PutEventsCommand({ Entries: alarmEntries(['pass-1', 'pass-2']) }));
  expect(put).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }, { EventId: expect.any(String) }] });
  await eventBus.idle();
  expect(delivered).toEqual(expect.arrayContaining(['pass-1', 'pass-2']));

  const schedules = client(SchedulerClient, aws.endpoint);
  await schedules.send(schedule('passed'));
  await expect(schedules.send(new GetScheduleCommand({ Name: 'passed' }))).resolves.toMatchObject({ Name: 'passed', State: 'ENABLED' });

  await client(SESv2Client, mail.endpoint).send(email('passed through'));
  expect((await ses.sentMail()).map((sent) => sent.subject)).toContain('passed through');

  expect(aws.injector.counts()).toMatchObject({
    'sqs-send': { calls: 1, injected: 0 },
    eventbridge: { calls: 1, injected: 0 },
    scheduler: { calls: 1, injected: 0 },
  });
  expect(db.injector.counts()).toMatchObject({ 'ddb-throttle': { calls: 2, injected: 0 }, 'ddb-error': { calls: 2, injected: 0 } });
  expect(mail.injector.counts()).toMatchObject({ ses: { calls: 1, injected: 0 } });
});

test('an upstream that is down is a 502, which the SDK retries as transient', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const lines: string[] = [];
  const { endpoint } = await proxy('', `http://127.0.0.1:${port}`, (line) => lines.push(line));
  const seen: string[] = [];
  const error = await failure(client(DynamoDBClient, endpoint, seen).send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } })));
  expect(error.$metadata.httpStatusCode).toBe(502);
  expect(seen).toEqual(['TRANSIENT']);
  expect(lines[0]).toMatch(/ECONNREFUSED/);
});
