import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_QUEUE, EVENT_RULES, SCHEDULES, type FunctionName } from '../../functions/catalog';
import type { Stage } from '../config';

export interface MessagingProps {
  stage: Stage;
}

/**
 * The durable hand-off between ingestion and correlation (SQS with a dead-letter queue), the bus
 * for domain events and the scheduled invocations. The queue and the bus exist before the functions
 * (whose environments name them); `connect` then attaches the consumers once the functions exist.
 */
export class Messaging extends Construct {
  readonly alertQueue: sqs.Queue;
  readonly alertDeadLetterQueue: sqs.Queue;
  readonly eventBus: events.EventBus;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const removalPolicy = props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.alertDeadLetterQueue = new sqs.Queue(this, 'AlertDeadLetterQueue', {
      // The longest SQS allows: time to investigate and redrive failed alerts.
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    this.alertQueue = new sqs.Queue(this, 'AlertQueue', {
      visibilityTimeout: Duration.seconds(ALERT_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.alertDeadLetterQueue, maxReceiveCount: ALERT_QUEUE.maxReceiveCount },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    this.eventBus = new events.EventBus(this, 'EventBus', {
      description: `Alert Whisperer (${props.stage}) domain events`,
    });
  }

  /** Attaches the queue consumer, the bus rules' targets and the schedules from the catalog. */
  connect(functions: Record<FunctionName, lambda.IFunction>): void {
    functions[ALERT_QUEUE.consumer].addEventSource(
      new SqsEventSource(this.alertQueue, {
        batchSize: ALERT_QUEUE.batchSize,
        maxBatchingWindow: Duration.seconds(ALERT_QUEUE.maxBatchingWindowSeconds),
        // One bad alert must not send its whole batch back to the queue.
        reportBatchItemFailures: true,
      }),
    );

    for (const rule of EVENT_RULES) {
      new events.Rule(this, rule.id, {
        // Without a bus, the rule is on the account's default bus.
        ...(rule.bus === 'product' ? { eventBus: this.eventBus } : {}),
        description: rule.description,
        eventPattern: { source: rule.pattern.source, detailType: rule.pattern['detail-type'] },
        targets: [new targets.LambdaFunction(functions[rule.function])],
      });
    }

    // Scheduled rules live on the account's default bus (EventBridge allows schedules nowhere else).
    for (const schedule of SCHEDULES) {
      new events.Rule(this, schedule.id, {
        description: schedule.description,
        schedule: events.Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        targets: [new targets.LambdaFunction(functions[schedule.function])],
      });
    }
  }
}
