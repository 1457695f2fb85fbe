import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STREAM_RELAY } from '../../functions/catalog';
import { acknowledgeNag } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import { addSchedules } from './triggers';

export interface EventDeliveryProps {
  shared: SharedResources;
}

const FUNCTIONS = ['streamRelay', 'repairSweep'] as const;

/**
 * Delivery of what transactions commit (the transactional outbox) and its safety net:
 * - an EventBridge Pipe reads the table's stream, passes only new outbox items (committed events) and
 *   new alert items (STREAM_RELAY.filter), and invokes the relay function, which puts the events on the
 *   bus and the alerts on the correlation queue. A batch that keeps failing is split and retried, then
 *   its description goes to the StreamDeadLetterQueue (alarmed; docs/operations.md says how to redrive);
 * - the repair sweep gives open incidents the SLA clocks and decisions their events should have given
 *   them, and counts each repair (alarmed too).
 */
export class EventDelivery extends Construct {
  readonly functions: Record<(typeof FUNCTIONS)[number], NodejsFunction>;
  readonly deadLetterQueue: sqs.Queue;
  readonly pipe: pipes.CfnPipe;

  constructor(scope: Construct, id: string, props: EventDeliveryProps) {
    super(scope, id);
    const { shared } = props;
    const { table } = shared;
    if (!table.tableStreamArn) throw new Error('The table needs its stream (infra/constructs/data.ts) for the outbox');

    this.functions = createCatalogFunctions(
      this,
      FUNCTIONS,
      {
        relay: {
          TABLE_NAME: table.tableName,
          AW_STAGE: shared.stage,
          EVENT_BUS_NAME: shared.eventBus.eventBusName,
          ALERT_QUEUE_URL: shared.alertQueue.queueUrl,
        },
        repair: { TABLE_NAME: table.tableName, AW_STAGE: shared.stage },
      },
      shared,
    );
    addSchedules(this, this.functions);

    this.deadLetterQueue = new sqs.Queue(this, 'StreamDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', "This queue is itself a dead-letter queue: the stream Pipe's.");

    const role = new iam.Role(this, 'PipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: `Alert Whisperer (${shared.stage}) stream relay pipe: reads the table's stream, invokes the relay`,
    });
    // DescribeStream, GetRecords and GetShardIterator on this table's stream; kms:Decrypt on its key.
    table.grantStreamRead(role);
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      "dynamodb:ListStreams supports no resource-level permissions (CDK grantStreamRead); every other stream action names this table's stream.",
    );
    // The relay function itself (grantInvoke would add its versions, `:*`, which the Pipe never calls).
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.functions.streamRelay.functionArn] }));
    this.deadLetterQueue.grantSendMessages(role);

    const relay = this.functions[STREAM_RELAY.consumer as 'streamRelay'];
    this.pipe = new pipes.CfnPipe(this, 'StreamRelayPipe', {
      description: 'New outbox items (committed events) and new alerts, from the table stream to the relay function',
      roleArn: role.roleArn,
      source: table.tableStreamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'TRIM_HORIZON',
          batchSize: STREAM_RELAY.batchSize,
          maximumBatchingWindowInSeconds: STREAM_RELAY.maximumBatchingWindowSeconds,
          maximumRetryAttempts: STREAM_RELAY.maximumRetryAttempts,
          maximumRecordAgeInSeconds: STREAM_RELAY.maximumRecordAgeSeconds,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          // Records of one item stay in order; different items' batches run side by side.
          parallelizationFactor: 10,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(STREAM_RELAY.filter) }] },
      },
      target: relay.functionArn,
      targetParameters: { lambdaFunctionParameters: { invocationType: 'REQUEST_RESPONSE' } },
    });
    // The role's policy must exist before the pipe starts reading.
    this.pipe.node.addDependency(role);

    shared.monitoring.watchDeadLetterQueue('StreamDeadLetterQueue', this.deadLetterQueue, 'A batch of committed events or new alerts');
  }
}
