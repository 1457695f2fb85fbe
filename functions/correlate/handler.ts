import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { eventBridgePublisher } from '../../lib/aws/event-publisher';
import { readEnv } from '../../lib/config/env';
import { correlateRecords } from '../../lib/correlation/queue-consumer';

const env = readEnv('correlate');
const deps = {
  table: { db: dynamo(), tableName: env.TABLE_NAME },
  publish: eventBridgePublisher(env.EVENT_BUS_NAME),
  now: () => new Date(),
};

/** SQS consumer with partial batch failure reporting: a failed alert is retried alone, then dead-lettered. */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event) => correlateRecords(event.Records, deps));
