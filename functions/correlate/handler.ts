import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { eventBridgePublisher } from '../../lib/aws/event-publisher';
import { readEnv } from '../../lib/config/env';
import { correlateRecords } from '../../lib/correlation/queue-consumer';
import { InventoryCache } from '../../lib/store/assets';
import { PolicyCache } from '../../lib/store/correlation-policy';

const env = readEnv('correlate');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = {
  table,
  publish: eventBridgePublisher(env.EVENT_BUS_NAME),
  now: () => new Date(),
  inventory: new InventoryCache(table),
  policies: new PolicyCache(table),
};

/** SQS consumer with partial batch failure reporting: a failed alert is retried alone, then dead-lettered. */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event) => correlateRecords(event.Records, deps));
