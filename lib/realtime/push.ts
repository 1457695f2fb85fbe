import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { connectionsApi } from '../aws/clients';
import { deleteConnection, connectionsForTenant } from '../store/connections';
import type { TableRef } from '../store/table-ref';

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

/** Sends a tenant's event to every connection allowed to see that tenant, and to no other. */
export async function pushToTenant(
  table: TableRef,
  endpoint: string,
  tenantId: string,
  message: unknown,
): Promise<{ delivered: number; gone: number }> {
  const connectionIds = await connectionsForTenant(table, tenantId);
  const results = await Promise.all(connectionIds.map((id) => postToConnection(table, endpoint, id, message)));
  const delivered = results.filter(Boolean).length;
  return { delivered, gone: results.length - delivered };
}
