import { DeleteConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { AccessCheck } from '../auth/access';
import { connectionsApi } from '../aws/clients';
import { DETAIL_TYPES } from '../domain/events';
import { deleteConnection, connectionsForTenant, incidentSubscribers, type TenantConnection } from '../store/connections';
import type { TableRef } from '../store/table-ref';

/** What a fan-out needs: the table, the @connections endpoint, and the check that a connection's user still has the access it was opened with. */
export interface PushDeps {
  table: TableRef;
  endpoint: string;
  access: AccessCheck;
}

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

function isGone(error: unknown): boolean {
  return error instanceof GoneException || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;
}

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
    if (isGone(error)) {
      await deleteConnection(table, connectionId);
      return false;
    }
    throw error;
  }
}

/**
 * Closes a connection whose user lost the access it was opened with (deleted, or their role or tenants
 * changed): API Gateway disconnects the browser, and its items go now rather than at `$disconnect`.
 */
export async function closeConnection(table: TableRef, endpoint: string, connectionId: string): Promise<void> {
  try {
    await connectionsApi(endpoint).send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (!isGone(error)) throw error;
  }
  await deleteConnection(table, connectionId);
}

/** Whether the connection's user still has the access it was opened with; items written before versions existed never do. */
export async function isStillAllowed(access: AccessCheck, connection: Pick<TenantConnection, 'userId' | 'authVersion'>): Promise<boolean> {
  if (connection.userId === undefined || connection.authVersion === undefined) return false;
  return access.isCurrent({ sub: connection.userId, ver: connection.authVersion });
}

async function pushTo(deps: PushDeps, connections: TenantConnection[], message: unknown) {
  const results = await Promise.all(
    connections.map(async (connection) => {
      if (await isStillAllowed(deps.access, connection))
        return postToConnection(deps.table, deps.endpoint, connection.connectionId, message);
      await closeConnection(deps.table, deps.endpoint, connection.connectionId);
      return false;
    }),
  );
  const delivered = results.filter(Boolean).length;
  return { delivered, gone: results.length - delivered };
}

/**
 * Sends a domain event to the connections it concerns. The tenant comes first: only connections allowed
 * to see the event's tenant are candidates. An INCIDENT_DETAIL_EVENTS event then goes only to those of
 * them following its incident (none when it names no incident); a subscription item alone never makes a
 * connection a recipient, so it cannot widen what the connection sees. A connection whose user lost the
 * access it was opened with is closed instead of sent to (`gone`).
 */
export async function pushDomainEvent(
  deps: PushDeps,
  event: { detailType: string; tenantId: string; incidentId?: string },
  message: unknown,
): Promise<{ delivered: number; gone: number }> {
  const allowed = await connectionsForTenant(deps.table, event.tenantId);
  if (!allowed.length || !INCIDENT_DETAIL_EVENTS.has(event.detailType)) return pushTo(deps, allowed, message);
  if (!event.incidentId) return { delivered: 0, gone: 0 };
  const following = new Set(await incidentSubscribers(deps.table, { tenantId: event.tenantId, incidentId: event.incidentId }));
  return pushTo(
    deps,
    allowed.filter((connection) => following.has(connection.connectionId)),
    message,
  );
}
