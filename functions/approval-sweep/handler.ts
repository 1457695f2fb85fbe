import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { eventBridgePublisher } from '../../lib/aws/event-publisher';
import { tokenOnlyOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { logger } from '../../lib/observability';
import { expireApprovals } from '../../lib/remediation/service';
import { InventoryCache } from '../../lib/store/assets';
import { PolicyCache } from '../../lib/store/correlation-policy';

const env = readEnv('automation');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = {
  table,
  publish: eventBridgePublisher(env.EVENT_BUS_NAME),
  now: () => new Date(),
  inventory: new InventoryCache(table),
  policies: new PolicyCache(table),
  orchestrator: tokenOnlyOrchestrator(),
};

/**
 * Runs every minute (functions/catalog.ts SCHEDULES): expires the approval requests past their expiry
 * and fails their executions' task tokens with ApprovalExpired, so the incidents escalate to a person.
 */
export const handler = middy<ScheduledEvent, { expired: number }>().handler(async () => {
  const expired = await expireApprovals(deps);
  if (expired) logger.info('Approval sweep done', { expired });
  else logger.debug('Approval sweep done', { expired });
  return { expired };
});
