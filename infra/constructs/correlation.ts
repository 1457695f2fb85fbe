import { Duration } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_QUEUE, type FunctionName } from '../../functions/catalog';
import { createCatalogFunctions, type SharedResources } from './functions';
import { addSchedules } from './triggers';

/** The most correlate invocations the alert queue's event source runs at once: ALERT_QUEUE.maxConcurrency (why: there). */
export const CORRELATE_MAX_CONCURRENCY = ALERT_QUEUE.maxConcurrency;

export interface CorrelationProps {
  shared: SharedResources;
  /** Dead-lettered alerts (redriven from the alert queue after ALERT_QUEUE.maxReceiveCount receives). */
  alertDeadLetterQueue: sqs.IQueue;
}

const FUNCTIONS = ['correlate', 'settle'] as const;

/**
 * The correlation capability: the consumer of the alert queue (batches with partial batch failure
 * reporting, so one bad alert is retried alone and then dead-lettered), and the settle sweep every minute
 * that resolves incidents whose grace period ended. Watches the queue's backlog and dead letters.
 */
export class Correlation extends Construct {
  readonly functions: Record<(typeof FUNCTIONS)[number], NodejsFunction>;

  constructor(scope: Construct, id: string, props: CorrelationProps) {
    super(scope, id);
    const { shared } = props;
    const base = { TABLE_NAME: shared.table.tableName, AW_STAGE: shared.stage };
    this.functions = createCatalogFunctions(this, FUNCTIONS, { correlate: base, settle: base }, shared);

    const consumer = (this.functions as Partial<Record<FunctionName, NodejsFunction>>)[ALERT_QUEUE.consumer];
    if (!consumer) throw new Error(`The alert queue's consumer '${ALERT_QUEUE.consumer}' is not a correlation function`);
    consumer.addEventSource(
      new SqsEventSource(shared.alertQueue, {
        batchSize: ALERT_QUEUE.batchSize,
        maxBatchingWindow: Duration.seconds(ALERT_QUEUE.maxBatchingWindowSeconds),
        // One bad alert must not send its whole batch back to the queue.
        reportBatchItemFailures: true,
        maxConcurrency: CORRELATE_MAX_CONCURRENCY,
      }),
    );
    addSchedules(this, this.functions);

    shared.monitoring.watchQueueAge('AlertQueue', shared.alertQueue);
    shared.monitoring.watchDeadLetterQueue('AlertDeadLetterQueue', props.alertDeadLetterQueue, 'An accepted alert');
  }
}
