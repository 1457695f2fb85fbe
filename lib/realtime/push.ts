import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { connectionsApi } from '../aws/clients';
import { DETAIL_TYPES } from '../events';
import { deleteConnection, connectionsForTenant, incidentSubscribers } from '../store/connections';
import type { TableRef } from '../store/table-ref';

/**
 * Detail-types about one incident's progress: pushed only to the connections that follow that incident
 * (`$default` subscribe) among those allowed to see its tenant. Every other event is tenant-level and
 * goes to every connection allowed to see the tenant (the dashboard's incident list and live feed).
 */
export const INCIDENT_DETAIL_EVENTS: ReadonlySet<string> = new Set<string>([
  DETAIL_TYPES.incidentUpdated,
  DETAIL_TYPES.executionStarted,
  DETAIL_TYPES.executionFinished,
]);

/**
 * The one module that talks to API Gateway's @connections endpoint. A connection that is gone
 * (410) is deleted, so the next fan-out does not try it again.
 */
export async function postToConnection(table: TableRef, endpoint: string, connectionId: string, message: unknown): Promise<boolean> {
  try {
    await connectionsApi(endpoint).send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(JSON.stringify(message)) }),
    );
    return true;
  } catch (error) {
    if (error instanceof GoneException || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) {
      await deleteConnection(table, connectionId);
      return false;
    }
    throw error;
  }
}

async function pushTo(table: TableRef, endpoint: string, connectionIds: string[], message: unknown) {
  const results = await Promise.all(connectionIds.map((id) => postToConnection(table, endpoint, id, message)));
  const delivered = results.filter(Boolean).length;
  return { delivered, gone: results.length - delivered };
}

/** Sends a tenant's event to every connection allowed to see that tenant, and to no other. */
export async function pushToTenant(
  table: TableRef,
  endpoint: string,
  tenantId: string,
  message: unknown,
): Promise<{ delivered: number; gone: number }> {
  return pushTo(table, endpoint, await connectionsForTenant(table, tenantId), message);
}

/**
 * Sends a domain event to the connections it concerns. The tenant comes first: only connections allowed
 * to see the event's tenant are candidates. An INCIDENT_DETAIL_EVENTS event then goes only to those of
 * them following its incident (none when it names no incident); a subscription item alone never makes a
 * connection a recipient, so it cannot widen what the connection sees.
 */
export async function pushDomainEvent(
  table: TableRef,
  endpoint: string,
  event: { detailType: string; tenantId: string; incidentId?: string },
  message: unknown,
): Promise<{ delivered: number; gone: number }> {
  const allowed = await connectionsForTenant(table, event.tenantId);
  if (!allowed.length || !INCIDENT_DETAIL_EVENTS.has(event.detailType)) return pushTo(table, endpoint, allowed, message);
  if (!event.incidentId) return { delivered: 0, gone: 0 };
  const following = new Set(await incidentSubscribers(table, { tenantId: event.tenantId, incidentId: event.incidentId }));
  return pushTo(
    table,
    endpoint,
    allowed.filter((id) => following.has(id)),
    message,
  );
}
