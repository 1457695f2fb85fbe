import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_QUEUE } from '../../functions/catalog';
import type { Stage } from '../config';

export interface MessagingProps {
  stage: Stage;
}

/**
 * The shared channels between capabilities: the durable hand-off from ingestion to correlation (SQS
 * with a dead-letter queue) and the bus for domain events. They exist before the capabilities, whose
 * function environments name them; the consumers are attached by the capabilities that own them
 * (the queue's by Correlation, the bus rules by Realtime and, later, SLA and notifications).
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
}
