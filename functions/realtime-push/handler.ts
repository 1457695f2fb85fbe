import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { domainEventDetailSchema } from '../../lib/events';
import { pushToTenant } from '../../lib/realtime/push';
import { realtimeDeps } from '../../lib/realtime/handlers-env';

const deps = realtimeDeps();

/** Pushes one domain event to the dashboards allowed to see its tenant. */
export const handler = middy<EventBridgeEvent<string, unknown>, { delivered: number; gone: number }>().handler(async (event) => {
  const detail = domainEventDetailSchema.parse(event.detail);
  return pushToTenant(deps.table, deps.endpoint, detail.tenantId, { type: event['detail-type'], at: event.time, ...detail });
});
