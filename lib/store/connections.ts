import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../domain/user';
import { keys, ttlAfter } from './keys';
import { entityOf, queryAll, type TableRef } from './table-ref';

/** API Gateway closes WebSocket connections after 2 hours; the items expire with them. */
export const CONNECTION_TTL_SECONDS = 2 * 3600;

export interface Connection {
  connectionId: string;
  userId: string;
  role: Role;
  /** Tenants whose events this connection receives; empty with allTenants for MSP admins. */
  tenantIds: string[];
  allTenants: boolean;
  connectedAt: string;
}

function subscriptionKeys(connection: Connection) {
  return connection.allTenants
    ? [keys.wsAllTenantsSubscription(connection.connectionId)]
    : connection.tenantIds.map((tenantId) => keys.wsTenantSubscription(tenantId, connection.connectionId));
}

export async function saveConnection(table: TableRef, connection: Connection, now: Date): Promise<void> {
  const ttl = ttlAfter(now, CONNECTION_TTL_SECONDS);
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.wsConnection(connection.connectionId), entity: 'wsConnection', ttl, ...connection },
    }),
  );
  const subscriptions = subscriptionKeys(connection).map((key) => ({
    PutRequest: { Item: { ...key, entity: 'wsSubscription', connectionId: connection.connectionId, ttl } },
  }));
  for (let start = 0; start < subscriptions.length; start += 25) {
    await table.db.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: subscriptions.slice(start, start + 25) } }));
  }
}

export async function getConnection(table: TableRef, connectionId: string): Promise<Connection | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.wsConnection(connectionId) }));
  return entityOf<Connection>(Item);
}

export async function deleteConnection(table: TableRef, connectionId: string): Promise<void> {
  const connection = await getConnection(table, connectionId);
  if (!connection) return;
  const deletes = [keys.wsConnection(connectionId), ...subscriptionKeys(connection)];
  await Promise.all(deletes.map((Key) => table.db.send(new DeleteCommand({ TableName: table.tableName, Key }))));
}

/** Connection ids allowed to see the tenant: its own subscribers and the all-tenant ones. */
export async function connectionsForTenant(table: TableRef, tenantId: string): Promise<string[]> {
  const partitions = [keys.wsTenantSubscribers(tenantId).pk, keys.wsAllTenantsSubscribers().pk];
  const ids = await Promise.all(
    partitions.map(async (pk) =>
      (await queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } })).map(
        (item) => item.connectionId as string,
      ),
    ),
  );
  return [...new Set(ids.flat())];
}
