import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { correlationIdOfEvent, parseBusEvent, tenantIdOfEvent } from '../../lib/domain/events';
import { observed } from '../../lib/observability';
import { pushDomainEvent } from '../../lib/realtime/push';
import { realtimeDeps } from '../../lib/realtime/handlers-env';
import { handleOnce } from '../../lib/store/event-receipts';

const deps = realtimeDeps();

/**
 * Pushes one domain event to the dashboards allowed to see its tenant: all of them for tenant-level
 * events, only those following the incident for INCIDENT_DETAIL_EVENTS (lib/realtime/push.ts). An
 * event pushed before (a redelivery) is not pushed again.
 */
export const handler = middy<EventBridgeEvent<string, unknown>, { delivered: number; gone: number } | { skipped: string }>()
  .use(observed({ correlationId: correlationIdOfEvent, tenantId: tenantIdOfEvent }))
  .handler(async (event) => {
    const parsed = parseBusEvent(event);
    const { detail } = parsed;
    const outcome = await handleOnce(
      deps.table,
      'realtimePush',
      parsed,
      () => new Date(),
      () =>
        pushDomainEvent(
          deps,
          { detailType: parsed.detailType, tenantId: detail.tenantId, incidentId: detail.incidentId },
          { type: parsed.detailType, at: event.time, ...detail },
        ),
    );
    return outcome.handled ? outcome.result : { skipped: outcome.reason };
  });
