import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { correlationIdOfEvent, tenantIdOfEvent, domainEventDetailSchema } from '../../lib/events';
import { observed } from '../../lib/observability';
import { pushDomainEvent } from '../../lib/realtime/push';
import { realtimeDeps } from '../../lib/realtime/handlers-env';

const deps = realtimeDeps();

/**
 * Pushes one domain event to the dashboards allowed to see its tenant: all of them for tenant-level
 * events, only those following the incident for INCIDENT_DETAIL_EVENTS (lib/realtime/push.ts).
 */
export const handler = middy<EventBridgeEvent<string, unknown>, { delivered: number; gone: number }>()
  .use(observed({ correlationId: correlationIdOfEvent, tenantId: tenantIdOfEvent }))
  .handler(async (event) => {
    const detail = domainEventDetailSchema.parse(event.detail);
    return pushDomainEvent(
      deps.table,
      deps.endpoint,
      { detailType: event['detail-type'], tenantId: detail.tenantId, incidentId: detail.incidentId },
      { type: event['detail-type'], at: event.time, ...detail },
    );
  });
