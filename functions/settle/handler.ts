import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { eventBridgePublisher } from '../../lib/aws/event-publisher';
import { readEnv } from '../../lib/config/env';
import { settleDueIncidents } from '../../lib/correlation/correlate';
import { logger } from '../../lib/observability';
import { InventoryCache } from '../../lib/store/assets';
import { PolicyCache } from '../../lib/store/correlation-policy';

const env = readEnv('settle');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = {
  table,
  publish: eventBridgePublisher(env.EVENT_BUS_NAME),
  now: () => new Date(),
  inventory: new InventoryCache(table),
  policies: new PolicyCache(table),
};

/**
 * Runs every minute (functions/catalog.ts SCHEDULES): resolves the incidents whose grace period ended
 * with no alert coming to their scope since. A failed run throws, so its markers stay for the next run.
 */
export const handler = middy<ScheduledEvent, { scopes: number; resolved: number }>().handler(async () => {
  const result = await settleDueIncidents(deps);
  // Every minute: a sweep that found nothing due logs at DEBUG only.
  if (result.scopes) logger.info('Settle sweep done', result);
  else logger.debug('Settle sweep done', result);
  return result;
});
