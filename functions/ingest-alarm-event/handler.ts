import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { alarmEventCorrelationId, ingestAlarmEvent } from '../../lib/ingest/alarm-event';
import { observed } from '../../lib/observability';
import { InventoryCache } from '../../lib/store/assets';

const env = readEnv('ingest');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = { table, inventory: new InventoryCache(table), now: () => new Date() };

type AlarmEvent = EventBridgeEvent<'CloudWatch Alarm State Change', unknown>;

export const handler = middy<AlarmEvent, unknown>()
  .use(observed<AlarmEvent>({ correlationId: alarmEventCorrelationId }))
  .handler((event) => ingestAlarmEvent(event, deps));
