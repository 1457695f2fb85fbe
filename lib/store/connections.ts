import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { entitySchema, timestamp } from '../domain/entity-schema';
import { ROLES, type Role } from '../domain/user';
import { ConditionFailedError, transactWrite } from './transact';
import { keys, ttlAfter } from './keys';
import { entityOf, validEntity } from './entity';
import { queryAll, type TableRef } from './table-ref';

/** API Gateway closes WebSocket connections after 2 hours; the items expire with them. */
export const CONNECTION_TTL_SECONDS = 2 * 3600;

/** How many incidents one connection may follow at once (`$default` subscribe answers `limit` beyond). */
export const MAX_INCIDENT_SUBSCRIPTIONS = 20;

/** The connection item's string set of followed incidents, as `tenantId#incidentId` (tenant ids never hold `#`). */
const INCIDENT_SUBSCRIPTIONS = 'incidentSubscriptions';

export interface Connection {
  connectionId: string;
  userId: string;
  /** The user's access version the connection was opened with: when it moves on, the connection is closed. */
  authVersion: number;
  role: Role;
  /** Tenants whose events this connection receives; empty with allTenants for MSP admins. */
  tenantIds: string[];
  allTenants: boolean;
  connectedAt: string;
}

const connectionSchema = entitySchema<Connection>({
  connectionId: z.string().min(1),
  userId: z.string().min(1),
  authVersion: z.number().int().min(0),
  role: z.enum(ROLES),
  tenantIds: z.array(z.string()),
  allTenants: z.boolean(),
  connectedAt: timestamp,
});

/** Beside the connection on its item: the incidents it follows. */
const followedIncidentsSchema = z.object({ [INCIDENT_SUBSCRIPTIONS]: z.set(z.string()).optional() });

/** One incident a connection follows. */
export interface IncidentRef {
  tenantId: string;
  incidentId: string;
}

/** A stored connection with what `$default` needs besides the entity: its expiry and followed incidents. */
export interface ConnectionState {
  connection: Connection;
  /** The connection item's TTL (epoch seconds); its incident subscriptions expire with it. */
  ttl: number;
  incidents: IncidentRef[];
}

/** Whether the connection may see the tenant's events (the check every push and subscription starts with). */
export function maySee(connection: Pick<Connection, 'allTenants' | 'tenantIds'>, tenantId: string): boolean {
  return connection.allTenants || connection.tenantIds.includes(tenantId);
}

const refString = (ref: IncidentRef) => `${ref.tenantId}#${ref.incidentId}`;

function parseRef(value: string): IncidentRef {
  const at = value.indexOf('#');
  return { tenantId: value.slice(0, at), incidentId: value.slice(at + 1) };
}

function tenantSubscriptionKeys(connection: Connection) {
  return connection.allTenants
    ? [keys.wsAllTenantsSubscription(connection.connectionId)]
    : connection.tenantIds.map((tenantId) => keys.wsTenantSubscription(tenantId, connection.connectionId));
}

export async function saveConnection(table: TableRef, connection: Connection, now: Date): Promise<void> {
  const ttl = ttlAfter(now, CONNECTION_TTL_SECONDS);
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.wsConnection(connection.connectionId), entity: 'wsConnection', ttl, ...validEntity(connectionSchema, connection) },
    }),
  );
  // Each subscription names the user and the access version, so the fan-out checks them without reading the connection.
  const subscriptions = tenantSubscriptionKeys(connection).map((key) => ({
    PutRequest: {
      Item: {
        ...key,
        entity: 'wsSubscription',
        connectionId: connection.connectionId,
        userId: connection.userId,
        authVersion: connection.authVersion,
        ttl,
      },
    },
  }));
  for (let start = 0; start < subscriptions.length; start += 25) {
    await table.db.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: subscriptions.slice(start, start + 25) } }));
  }
}

export async function getConnectionState(table: TableRef, connectionId: string): Promise<ConnectionState | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.wsConnection(connectionId), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const connection = entityOf(connectionSchema, Item);
  const followed = entityOf(followedIncidentsSchema, Item)[INCIDENT_SUBSCRIPTIONS];
  return {
    connection,
    ttl: typeof Item.ttl === 'number' ? Item.ttl : ttlAfter(new Date(connection.connectedAt), CONNECTION_TTL_SECONDS),
    incidents: [...(followed ?? [])].map(parseRef),
  };
}

/** The connection item, its tenant subscriptions and its incident subscriptions. */
export async function deleteConnection(table: TableRef, connectionId: string): Promise<void> {
  const state = await getConnectionState(table, connectionId);
  if (!state) return;
  const deletes = [
    ...tenantSubscriptionKeys(state.connection),
    ...state.incidents.map((ref) => keys.wsIncidentSubscription(ref.tenantId, ref.incidentId, connectionId)),
    // The connection item last: if a delete above fails, the next attempt still finds what to delete.
  ];
  await Promise.all(deletes.map((Key) => table.db.send(new DeleteCommand({ TableName: table.tableName, Key }))));
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: keys.wsConnection(connectionId) }));
}

/**
 * Whether the tenant has this incident (a subscription to an unknown incident answers `not_found`, as
 * one to a tenant the connection may not see does). Reads the incident item's key only.
 */
export async function incidentExists(table: TableRef, ref: IncidentRef): Promise<boolean> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.incident(ref.tenantId, ref.incidentId), ProjectionExpression: 'pk' }),
  );
  return Item !== undefined;
}

/** The connection item's condition (the transaction's first item) did not hold. */
function connectionConditionFailed(error: unknown): boolean {
  return error instanceof ConditionFailedError && error.failedAt(0);
}

/**
 * Adds the incident to the connection's set (at most MAX_INCIDENT_SUBSCRIPTIONS; following one again
 * is a no-op) and puts its subscription item, with the connection's TTL, in one transaction. The
 * caller checks first that the connection may see the tenant: this only records the wish, and the
 * fan-out checks the tenant again. `limit` when the set is full, `gone` when the connection item is.
 */
export async function subscribeToIncident(
  table: TableRef,
  state: Pick<ConnectionState, 'connection' | 'ttl'>,
  ref: IncidentRef,
): Promise<'subscribed' | 'limit' | 'gone'> {
  const { connectionId } = state.connection;
  try {
    await transactWrite(table, [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.wsConnection(connectionId),
          UpdateExpression: 'ADD #subs :ref',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#subs) OR size(#subs) < :max OR contains(#subs, :one))',
          ExpressionAttributeNames: { '#subs': INCIDENT_SUBSCRIPTIONS },
          ExpressionAttributeValues: { ':ref': new Set([refString(ref)]), ':one': refString(ref), ':max': MAX_INCIDENT_SUBSCRIPTIONS },
        },
      },
      {
        Put: {
          TableName: table.tableName,
          Item: {
            ...keys.wsIncidentSubscription(ref.tenantId, ref.incidentId, connectionId),
            entity: 'wsIncidentSubscription',
            connectionId,
            ttl: state.ttl,
          },
        },
      },
    ]);
    return 'subscribed';
  } catch (error) {
    if (!connectionConditionFailed(error)) throw error;
    return (await getConnectionState(table, connectionId)) ? 'limit' : 'gone';
  }
}

/** Removes the incident from the connection's set and deletes its subscription item (a no-op when not followed). */
export async function unsubscribeFromIncident(table: TableRef, connectionId: string, ref: IncidentRef): Promise<void> {
  try {
    await transactWrite(table, [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.wsConnection(connectionId),
          UpdateExpression: 'DELETE #subs :ref',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#subs': INCIDENT_SUBSCRIPTIONS },
          ExpressionAttributeValues: { ':ref': new Set([refString(ref)]) },
        },
      },
      { Delete: { TableName: table.tableName, Key: keys.wsIncidentSubscription(ref.tenantId, ref.incidentId, connectionId) } },
    ]);
  } catch (error) {
    if (!connectionConditionFailed(error)) throw error;
    // The connection item is gone: $disconnect (or the fan-out's 410) deleted its subscriptions with it.
  }
}

async function subscriptionsIn(table: TableRef, pk: string): Promise<Array<Record<string, unknown>>> {
  return queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
}

/** A connection allowed to see a tenant, with whose access it was opened (absent on items from before versions). */
const tenantConnectionSchema = z.object({
  connectionId: z.string().min(1),
  userId: z.string().min(1).optional(),
  authVersion: z.number().int().min(0).optional(),
});
export type TenantConnection = z.output<typeof tenantConnectionSchema>;

async function connectionIdsIn(table: TableRef, pk: string): Promise<string[]> {
  return (await subscriptionsIn(table, pk)).map((item) => entityOf(tenantConnectionSchema, item).connectionId);
}

/** Connections allowed to see the tenant: its own subscribers and the all-tenant ones. */
export async function connectionsForTenant(table: TableRef, tenantId: string): Promise<TenantConnection[]> {
  const partitions = [keys.wsTenantSubscribers(tenantId).pk, keys.wsAllTenantsSubscribers().pk];
  const items = (await Promise.all(partitions.map((pk) => subscriptionsIn(table, pk)))).flat();
  const byId = new Map<string, TenantConnection>();
  for (const item of items) {
    const connection = entityOf(tenantConnectionSchema, item);
    byId.set(connection.connectionId, connection);
  }
  return [...byId.values()];
}

/** Connection ids that asked to follow the incident. Not a permission: intersect with connectionsForTenant. */
export async function incidentSubscribers(table: TableRef, ref: IncidentRef): Promise<string[]> {
  return connectionIdsIn(table, keys.wsIncidentSubscribers(ref.tenantId, ref.incidentId).pk);
}
