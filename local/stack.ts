import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../lib/aws/clients';
import type { TableRef } from '../lib/store/table-ref';
import { ALERT_QUEUE, STREAM_RELAY, type FunctionName } from '../functions/catalog';
import { runbookExecutionAsl } from '../infra/constructs/runbook-execution-definition';
import { EventBridgeEmulator } from './aws/eventbridge-emulator';
import { FaultInjector, parseFaults, startFaultProxy, type FaultProxy } from './aws/faults';
import { startMotoServer, type MotoServer } from './aws/moto';
import { lambdaFunctionName, SchedulerEmulator } from './aws/scheduler-emulator';
import { startLocalSes, type LocalSes } from './aws/ses';
import {
  LOCAL_ORIGINATION_NUMBER,
  startLocalSmsVoice,
  type DeliveryStatusEvent,
  type InboundSms,
  type LocalSmsVoice,
} from './aws/sms-voice';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StepFunctionsEmulator } from './aws/stepfunctions-emulator';
import { startSqsEventSource, type SqsEventSource } from './aws/event-source-poller';
import { LocalScheduler } from './aws/scheduler';
import { SqsEmulator } from './aws/sqs-emulator';
import { StreamReader } from './aws/stream-reader';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { LocalGateway, WEBSOCKET_PATH } from './gateway';
import { LocalLambdas } from './lambda-runtime';
import { logger } from '../lib/observability';

export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));
export const LOCAL_TABLE_NAME = 'alert-whisperer-local';
/** Written by `npm start` into the data directory while it runs. */
export const RUNTIME_FILE = 'runtime.json';

/** Where local data lives: `.local/` in the repository, or AW_LOCAL_DIR. */
export function localDataDir(): string {
  return process.env.AW_LOCAL_DIR ?? join(ROOT_DIR, '.local');
}
const ALERT_QUEUE_NAME = 'aw-alerts';
const ALERT_DLQ_NAME = 'aw-alerts-dlq';
const EVENT_BUS_NAME = 'aw-local-bus';
const SLA_SCHEDULE_GROUP = 'aw-local-sla';
/** The client reports' delivery schedules (one per company), invoking the reports function. */
const REPORT_SCHEDULE_GROUP = 'aw-local-reports';

export interface LocalStackOptions {
  /** Gateway port; 0 picks a free one (tests). */
  port: number;
  host?: string;
  /** Where DynamoDB Local, the queue journal and the JWT keys persist; null keeps everything in memory/tmp. */
  dataDir: string | null;
  /** Use an already running DynamoDB Local instead of starting one (tests share one). */
  dynamoEndpoint?: string;
  /** Use an already running moto server (the SSM and STS of client accounts) instead of starting one. */
  motoEndpoint?: string;
  tableName?: string;
  /** Log level of the handlers' structured logs (Powertools). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  log?: (line: string) => void;
  /**
   * Start the queue's event source and the catalog's schedules (default true); `npm run invoke` runs
   * one handler and nothing else.
   */
  consumers?: boolean;
  /**
   * Multiplies the interval of every schedule in the catalog (default: AW_SCHEDULE_SCALE, else 1):
   * 0.01 runs the 1-minute settle sweep every 600 ms, for tests and demos. It scales the runbook state
   * machine's Wait states (20 s between SSM polls) too.
   */
  scheduleScale?: number;
  /** SNS signature checks on `cloudwatch` webhooks; 'off' only when asked for (AW_SNS_VERIFY=off). */
  snsVerify?: 'on' | 'off';
  /**
   * Fault injection (default: AW_FAULTS), e.g. `eventbridge:0.3,sqs-send:0.1,ddb-throttle:0.05`: that
   * fraction of the handlers' calls at each named boundary fails the way AWS fails (local/aws/faults.ts).
   */
  faults?: string;
  /** Called with each SMS a recipient sends back through the local SMS and voice page (the two-way SMS SNS payload). */
  onInboundSms?: (message: InboundSms) => void | Promise<void>;
}

export interface LocalStack {
  apiUrl: string;
  /** The local SES: its sent mail (and its web page, `ses.viewerUrl`). */
  ses: LocalSes;
  /** The local SMS and voice (AWS End User Messaging): its texts and calls, and its web page, `smsVoice.viewerUrl`. */
  smsVoice: LocalSmsVoice;
  /** The local EventBridge Scheduler holding the SLA timers. */
  scheduler: SchedulerEmulator;
  /** The stand-in for the table stream's Pipe (committed events and new alerts to the relay); absent without consumers. */
  streamReader: StreamReader | undefined;
  wsUrl: string;
  dashboardUrl: string;
  table: TableRef;
  queueUrl: string;
  dlqUrl: string;
  sqs: SQSClient;
  lambdas: LocalLambdas;
  /** The variables the handlers run with (what the CDK stack sets in AWS), pointed at the local pieces. */
  environment: Record<string, string>;
  /** Waits until queued alerts are correlated, scheduled runs under way end and every event is delivered. */
  idle(): Promise<void>;
  /** What was delivered and what was given up on: the bus, the stream's Pipe, the SLA timers, the alert queue's dead letters. */
  deliveryStats(): Promise<DeliveryStats>;
  /** Calls eligible for each injected fault, and how many failed (empty without AW_FAULTS). */
  faultCounts(): Record<string, { calls: number; injected: number }>;
  /** Stops the queue consumer only (the queue keeps accepting), to test that nothing is lost. */
  pauseCorrelation(): Promise<void>;
  resumeCorrelation(): void;
  stop(): Promise<void>;
}

export interface DeliveryStats {
  eventBus: { accepted: number; delivered: number; retried: number; deadLettered: number; pending: number };
  stream: { records: number; relayed: number; batches: number; retries: number; events: number; alerts: number; deadLettered: number };
  /** SLA timers whose target failed every attempt. */
  timersDeadLettered: number;
  /** Alerts in the correlation queue's dead-letter queue. */
  alertsDeadLettered: number;
}

/** The JWT signing keys for local mode, generated once into the data directory. */
function ensureAuthKeys(dir: string): string {
  const file = join(dir, 'auth-keys.json');
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify({ current: { kid: 'local-1', secret: randomBytes(48).toString('base64url') }, previous: [] }), {
      mode: 0o600,
    });
  }
  return file;
}

/** The schedule scale from the option, else from AW_SCHEDULE_SCALE, else 1. */
function scheduleScale(option: number | undefined): number {
  const raw = option ?? process.env.AW_SCHEDULE_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`AW_SCHEDULE_SCALE must be a positive number, got ${raw}`);
  return scale;
}

/**
 * The whole system on one machine: DynamoDB Local, a local SQS queue with its dead-letter queue and
 * the event source that drains it, a local EventBridge bus with the catalog's rules, timers for the
 * catalog's schedules, and the gateway serving the catalog's HTTP and WebSocket routes, all calling
 * the same handler modules as Lambda.
 * The handlers find these through the same environment variables they read in AWS.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aw-local-'));
  mkdirSync(dataDir, { recursive: true });
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  const scale = scheduleScale(options.scheduleScale);

  let dynamo: DynamoDbLocal | undefined;
  const dynamoEndpoint =
    options.dynamoEndpoint ??
    (dynamo = await startDynamoDbLocal({ dataDir: options.dataDir ? join(dataDir, 'dynamodb') : undefined })).endpoint;
  await ensureTable(dynamoEndpoint, tableName);
  let moto: MotoServer | undefined;
  const motoEndpoint = options.motoEndpoint ?? (moto = await startMotoServer({ log })).endpoint;

  const ses = await startLocalSes({ log });
  // A reply goes where AWS sends it: an SNS notification to the respond function (two-way SMS).
  // Delivery statuses go where AWS puts them: the account's default bus (its rule invokes the respond function).
  const statusEvents: { put?: (event: DeliveryStatusEvent) => Promise<void> } = {};
  const smsVoice = await startLocalSmsVoice({
    log,
    onInbound: options.onInboundSms ?? (async (message) => void (await invoke('respond', snsEventOf(message)))),
    onStatusEvent: async (event) => statusEvents.put?.(event),
  });
  const lambdas = new LocalLambdas(ROOT_DIR);
  // The durable emulators replay what was left undone (a crash) as soon as they are made, and the handlers
  // read their environment when they first load: nothing is invoked before the environment is set (below).
  let environmentSet!: () => void;
  const environmentReady = new Promise<void>((resolvePromise) => (environmentSet = resolvePromise));
  const invoke = async (fn: Parameters<LocalLambdas['invoke']>[0], event: unknown) => {
    await environmentReady;
    return lambdas.invoke(fn, event);
  };
  const faultPlan = parseFaults(options.faults ?? process.env.AW_FAULTS);
  const injector = new FaultInjector(faultPlan);
  const proxies: FaultProxy[] = [];
  /** The endpoint the handlers use: the service itself, or a fault-injecting proxy in front of it. */
  const faulty = async (upstream: string): Promise<string> => {
    if (injector.inert) return upstream;
    const proxy = await startFaultProxy({ upstream, injector, log });
    proxies.push(proxy);
    return proxy.endpoint;
  };

  // Local AWS services (SQS and EventBridge JSON protocols) on a private loopback port.
  const sqsEmulator = new SqsEmulator({ dataDir: options.dataDir ? join(dataDir, 'sqs') : null, region: LOCAL_REGION });
  const eventBus = new EventBridgeEmulator(invoke, log, EVENT_BUS_NAME, LOCAL_REGION, {
    dataDir: options.dataDir ? join(dataDir, 'eventbridge') : null,
  });
  // SLA timers: one-time schedules whose target is a catalog function (by its local ARN's name).
  const schedules = new SchedulerEmulator({
    invoke: (targetArn, input) => invoke(lambdaFunctionName(targetArn)!.replace(/^aw-local-/, '') as FunctionName, JSON.parse(input)),
    log,
    region: LOCAL_REGION,
    dataDir: options.dataDir ? join(dataDir, 'scheduler') : null,
  });
  schedules.createScheduleGroup(SLA_SCHEDULE_GROUP);
  schedules.createScheduleGroup(REPORT_SCHEDULE_GROUP);
  // The runbook state machine: the CDK definition, its one Task bound to the runbook step handler.
  const stepFunctions = new StepFunctionsEmulator({
    invokeFunction: (functionName, payload) => invoke(functionName as FunctionName, payload),
    log,
    region: LOCAL_REGION,
    waitScale: scale,
  });
  const stateMachineArn = stepFunctions.registerStateMachine(
    'RunbookExecution',
    JSON.parse(JSON.stringify(runbookExecutionAsl()).replaceAll('${RunbookStepArn}', 'runbookStep' satisfies FunctionName)) as object,
  );
  const awsServer: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        if (await sqsEmulator.handle(req, res, body)) return;
        if (await eventBus.handle(req, res, body)) return;
        if (await stepFunctions.handle(req, res, body)) return;
        if (await schedules.handle(req, res, body)) return;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Unknown local AWS operation' }));
      })().catch((error: unknown) => {
        log(`local AWS error: ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  });
  const awsPort = await new Promise<number>((resolvePromise) =>
    awsServer.listen(0, '127.0.0.1', () => resolvePromise((awsServer.address() as { port: number }).port)),
  );
  const awsEndpoint = `http://127.0.0.1:${awsPort}`;
  sqsEmulator.baseUrl = awsEndpoint;
  sqsEmulator.createQueue(ALERT_DLQ_NAME, { visibilityTimeoutSeconds: 30 });
  sqsEmulator.createQueue(ALERT_QUEUE_NAME, {
    visibilityTimeoutSeconds: ALERT_QUEUE.visibilityTimeoutSeconds,
    maxReceiveCount: ALERT_QUEUE.maxReceiveCount,
    deadLetterQueueName: ALERT_DLQ_NAME,
  });
  const queueUrl = sqsEmulator.queueUrl(ALERT_QUEUE_NAME, awsEndpoint);
  const dlqUrl = sqsEmulator.queueUrl(ALERT_DLQ_NAME, awsEndpoint);
  // What the handlers reach (through the fault proxies when AW_FAULTS asks for faults). The SQS client sends to
  // the queue URL's host, so the handlers' queue URL names the proxy too.
  const handlerDynamoEndpoint = await faulty(dynamoEndpoint);
  const handlerAwsEndpoint = await faulty(awsEndpoint);
  const handlerSesEndpoint = await faulty(ses.endpoint);
  const handlerSmsVoiceEndpoint = await faulty(smsVoice.endpoint);
  if (!injector.inert) log(`Fault injection on: ${options.faults ?? process.env.AW_FAULTS}`);

  let gatewayUrl = '';
  const gateway = new LocalGateway({
    lambdas,
    staticDir: dashboardDir(),
    dashboardConfig: (host) => {
      // The page's own origin, so localhost, 127.0.0.1 or a LAN name (AW_HOST=0.0.0.0) all work without CORS.
      const origin = host && /^([\w.-]+|\[[\d:a-f]+\])(:\d+)?$/i.test(host) ? `http://${host}` : gatewayUrl;
      return { apiUrl: origin, wsUrl: `${origin.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`, stage: 'local' };
    },
    log,
  });
  const port = await gateway.listen(options.port, host);
  gatewayUrl = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;

  // The same variables the CDK stack sets on the functions, pointed at the local pieces.
  const environment: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: handlerDynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: handlerAwsEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: handlerAwsEndpoint,
    AWS_ENDPOINT_URL_SFN: handlerAwsEndpoint,
    AWS_ENDPOINT_URL_SCHEDULER: handlerAwsEndpoint,
    AWS_ENDPOINT_URL_SESV2: handlerSesEndpoint,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: handlerSmsVoiceEndpoint,
    SLA_SCHEDULE_GROUP,
    SLA_SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/aw-local-scheduler',
    REPORT_SCHEDULE_GROUP,
    REPORT_SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/aw-local-scheduler',
    SES_SENDER: 'alerts@msp.example',
    DASHBOARD_URL: gatewayUrl,
    ACTION_LINK_BASE_URL: gatewayUrl,
    SMS_ORIGINATION_IDENTITY: LOCAL_ORIGINATION_NUMBER,
    AWS_ENDPOINT_URL_SSM: motoEndpoint,
    AWS_ENDPOINT_URL_STS: motoEndpoint,
    STATE_MACHINE_ARN: stateMachineArn,
    TABLE_NAME: tableName,
    AW_STAGE: 'local',
    // Tenants' notification webhooks may point at loopback receivers on a laptop (never in Lambda: lib/util/safe-url.ts).
    AW_ALLOW_PRIVATE_WEBHOOKS: 'local',
    EVENT_BUS_NAME,
    ALERT_QUEUE_URL: sqsEmulator.queueUrl(ALERT_QUEUE_NAME, handlerAwsEndpoint),
    AUTH_KEYS_FILE: ensureAuthKeys(dataDir),
    WS_MANAGEMENT_ENDPOINT: gatewayUrl,
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
    POWERTOOLS_DEV: 'true',
    AW_SNS_VERIFY: options.snsVerify ?? 'on',
  };
  Object.assign(process.env, environment);
  // The shared logger may exist already (whoever imported the handlers first made it): give it the stack's level too.
  logger.setLogLevel(environment.POWERTOOLS_LOG_LEVEL as Parameters<typeof logger.setLogLevel>[0]);
  environmentSet();

  const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: awsEndpoint });
  const eventBridge = new EventBridgeClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: awsEndpoint });
  statusEvents.put = async (event) => {
    await eventBridge.send(
      new PutEventsCommand({ Entries: [{ Source: event.source, DetailType: event.detailType, Detail: JSON.stringify(event.detail) }] }),
    );
  };
  let consumer: SqsEventSource | undefined;
  const startConsumer = () =>
    startSqsEventSource({
      sqs,
      queueUrl,
      queueArn: sqsEmulator.queueArn(ALERT_QUEUE_NAME),
      batchSize: ALERT_QUEUE.batchSize,
      maxBatchingWindowMs: 50,
      // As many batches at once as the event source's maximum concurrency in AWS.
      concurrency: ALERT_QUEUE.maxConcurrency,
      invoke: async (event) => (await lambdas.invoke(ALERT_QUEUE.consumer, event)) as never,
      onError: (error) => log(`correlation consumer: ${(error as Error).message}`),
    });
  if (options.consumers !== false) consumer = startConsumer();
  // Started after the environment is set: the handlers validate it when they first load.
  const scheduler = options.consumers !== false ? new LocalScheduler({ invoke, log, scale, region: LOCAL_REGION }) : undefined;
  // The table stream's Pipe: new outbox items and alerts to the relay function, which puts them on the bus and the queue.
  const streamReader =
    options.consumers !== false
      ? new StreamReader({
          endpoint: dynamoEndpoint,
          region: LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
          tableName,
          dataDir: options.dataDir ? dataDir : null,
          filter: STREAM_RELAY.filter,
          batchSize: STREAM_RELAY.batchSize,
          maxRetryAttempts: STREAM_RELAY.maximumRetryAttempts,
          retryDelayMs: 100,
          invoke: async (records) => lambdas.invoke(STREAM_RELAY.consumer, records),
          log,
        })
      : undefined;
  streamReader?.start();

  const table: TableRef = {
    db: createDocumentClient({ endpoint: dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    tableName,
  };

  return {
    apiUrl: gatewayUrl,
    ses,
    smsVoice,
    scheduler: schedules,
    streamReader,
    wsUrl: `${gatewayUrl.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`,
    dashboardUrl: `${gatewayUrl}/`,
    table,
    queueUrl,
    dlqUrl,
    sqs,
    lambdas,
    environment,
    async idle() {
      // Work hands work on (a webhook -> the stream -> the queue -> correlation -> the stream -> the bus -> ...):
      // idle once a round finds every piece idle and the stream had nothing new to hand on.
      let quietRounds = 0;
      for (let round = 0; round < 50 && quietRounds < 2; round++) {
        const before = streamReader?.activityCount ?? 0;
        await gateway.idle();
        await streamReader?.idle();
        await consumer?.idle();
        await scheduler?.idle();
        await eventBus.idle();
        await stepFunctions.idle();
        await schedules.idle();
        await streamReader?.idle();
        quietRounds = (streamReader?.activityCount ?? 0) === before ? quietRounds + 1 : 0;
      }
    },
    async deliveryStats() {
      const dlq = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        eventBus: eventBus.stats(),
        stream: streamReader?.stats() ?? { records: 0, relayed: 0, batches: 0, retries: 0, events: 0, alerts: 0, deadLettered: 0 },
        timersDeadLettered: schedules.deadLetters.length,
        alertsDeadLettered:
          Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(dlq.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    faultCounts: () => injector.counts(),
    async pauseCorrelation() {
      await consumer?.stop();
      consumer = undefined;
    },
    resumeCorrelation() {
      consumer ??= startConsumer();
    },
    async stop() {
      await scheduler?.stop();
      stepFunctions.stop();
      schedules.stop();
      await consumer?.stop();
      await streamReader?.stop();
      await gateway.close();
      await eventBus.stop();
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await new Promise<void>((resolvePromise) => awsServer.close(() => resolvePromise()));
      awsServer.closeAllConnections?.();
      sqsEmulator.close();
      sqs.destroy();
      table.db.destroy();
      await dynamo?.stop();
      await moto?.stop();
      await ses.stop();
      await smsVoice.close();
    },
  };
}

/** The built dashboard (`npm start` builds it first; `npm run build:frontend` by hand). */
function dashboardDir(): string | undefined {
  const dir = join(ROOT_DIR, 'frontend', 'dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** The SNS notification two-way SMS publishes for a reply, as Lambda receives it. */
function snsEventOf(message: InboundSms) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:aw-local-inbound-sms:local',
        Sns: {
          Type: 'Notification',
          MessageId: message.inboundMessageId,
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:aw-local-inbound-sms',
          Message: JSON.stringify(message),
          Timestamp: new Date().toISOString(),
        },
      },
    ],
  };
}
