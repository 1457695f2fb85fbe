import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import type { PublicHttpApi } from './http-api';
import { addEventRules } from './triggers';

export interface IngestionProps {
  shared: SharedResources;
  httpApi: PublicHttpApi;
  /**
   * Reserved concurrency of the webhook function; undefined for none (config `ingestReservedConcurrency`).
   *
   * Why 50 in prod: concurrency is arrival rate x duration. The HTTP API admits at most 100 requests/s
   * steady and bursts of 200 (HTTP_THROTTLE); a warm webhook takes ~40-80 ms in AWS (about five DynamoDB
   * and SQS round trips), say 0.1 s. Steady: 100 x 0.1 = 10 executions; a 200-request burst spread over a
   * second: 20. 50 leaves 2.5x headroom for slow periods (0.25 s a request at the full rate) or bursts
   * packed into 0.4 s. Beyond it Lambda refuses the invocation (API Gateway answers 5xx, the tool
   * retries) and the Throttles alarm fires. The reservation also keeps ingestion alive when the operator
   * API or a correlation backlog use the rest of the account's concurrency (1,000 by default), and caps
   * what a flood can take from them.
   */
  reservedConcurrency?: number | undefined;
}

const FUNCTIONS = ['ingestWebhook', 'ingestAlarmEvent'] as const;

/**
 * The ingestion capability: the webhook function behind `POST /v1/webhooks/{source}` and the function
 * that takes CloudWatch alarm state changes from the account's default bus. Both store each accepted
 * alert; the table's stream hands it to correlation (infra/constructs/event-delivery.ts).
 *
 * An alarm event that cannot be ingested is never dropped: EventBridge retries delivery for up to a day,
 * Lambda retries a failed invocation twice, and what still fails lands in the AlarmEventDeadLetterQueue
 * (with the error, from Lambda; or as the event itself, from EventBridge), watched by an alarm.
 */
export class Ingestion extends Construct {
  readonly functions: Record<(typeof FUNCTIONS)[number], NodejsFunction>;
  readonly alarmEventDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const { shared } = props;

    this.functions = createCatalogFunctions(
      this,
      FUNCTIONS,
      {
        // SNS signatures are always checked in AWS.
        ingest: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          AW_SNS_VERIFY: 'on',
        },
      },
      shared,
      { ingestWebhook: { reservedConcurrentExecutions: props.reservedConcurrency } },
    );
    props.httpApi.addCatalogRoutes(this.functions);

    this.alarmEventDeadLetterQueue = new sqs.Queue(this, 'AlarmEventDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      this.alarmEventDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the on-failure destination of ingestAlarmEvent and the dead-letter queue of its EventBridge target.',
    );
    // Failed asynchronous invocations (after Lambda's two retries) go to the queue with their error.
    this.functions.ingestAlarmEvent.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.alarmEventDeadLetterQueue),
    });
    addEventRules(this, this.functions, shared.eventBus, {
      // Events EventBridge itself could not deliver (throttled, function missing) go there too.
      ingestAlarmEvent: { deadLetterQueue: this.alarmEventDeadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) },
    });
    shared.monitoring.watchDeadLetterQueue('AlarmEventDeadLetterQueue', this.alarmEventDeadLetterQueue, 'A CloudWatch alarm event');
  }
}
