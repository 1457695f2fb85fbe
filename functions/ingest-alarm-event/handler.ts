import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { sqsAlertQueue } from '../../lib/aws/alert-queue';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { ingestAlarmEvent } from '../../lib/ingest/alarm-event';
import { InventoryCache } from '../../lib/store/assets';

const env = readEnv('ingest');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = { table, inventory: new InventoryCache(table), enqueue: sqsAlertQueue(env.ALERT_QUEUE_URL), now: () => new Date() };

export const handler = middy<EventBridgeEvent<'CloudWatch Alarm State Change', unknown>, unknown>().handler((event) =>
  ingestAlarmEvent(event, deps),
);
