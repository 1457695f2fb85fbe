import middy from '@middy/core';
import { sqsAlertQueue } from '../../lib/aws/alert-queue';
import { dynamo } from '../../lib/aws/clients';
import { eventBridgePublisher } from '../../lib/aws/event-publisher';
import { readEnv } from '../../lib/config/env';
import { observed } from '../../lib/observability';
import { relayStreamRecords } from '../../lib/relay/stream-relay';
import type { StreamRecord } from '../../lib/store/stream';
import { noteUnresolvedAssetRefs } from '../../lib/store/alerts';

const env = readEnv('relay');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = {
  publish: eventBridgePublisher(env.EVENT_BUS_NAME),
  enqueue: sqsAlertQueue(env.ALERT_QUEUE_URL),
  noteUnresolved: (alerts: Parameters<typeof noteUnresolvedAssetRefs>[1]) => noteUnresolvedAssetRefs(table, alerts),
};

/**
 * The target of the table stream's Pipe (functions/catalog.ts STREAM_RELAY): a batch of stream records,
 * already filtered to new outbox and alert items. A failure throws, so the Pipe retries the batch
 * (bisecting it), then sends it to its dead-letter queue. The one table write: the count of unresolved
 * asset names (best effort, after the hand-off).
 */
export const handler = middy<StreamRecord[], { events: number; alerts: number; ignored: number }>()
  .use(observed())
  .handler((records) => relayStreamRecords(Array.isArray(records) ? records : [], deps));
