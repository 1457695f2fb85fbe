import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CanonicalAlert } from '../domain/alert';
import { keys, ttlAfter } from './keys';
import { entityOf, type TableRef } from './table-ref';

export const DELIVERY_IDEMPOTENCY_SECONDS = 24 * 3600;
export const ALERT_RETENTION_SECONDS = 90 * 24 * 3600;
/** One transaction holds the delivery record and its alerts; DynamoDB allows 100 items. */
export const MAX_ALERTS_PER_DELIVERY = 99;

export interface DeliveryRecord {
  deliveryId: string;
  tenantId: string;
  source: string;
  alertIds: string[];
  receivedAt: string;
  /** False until the alerts are on the queue: a repeat delivery then enqueues them again. */
  enqueued: boolean;
}

export class DuplicateDeliveryError extends Error {
  constructor(readonly original: DeliveryRecord) {
    super(`Delivery ${original.deliveryId} was already accepted`);
  }
}

/**
 * Stores a delivery and all its alerts atomically, or nothing: a repeat of the same delivery id
 * within 24 h raises DuplicateDeliveryError with the original record.
 */
export async function storeDelivery(table: TableRef, delivery: DeliveryRecord, alerts: CanonicalAlert[]): Promise<void> {
  const receivedAt = new Date(delivery.receivedAt);
  try {
    await table.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table.tableName,
              Item: {
                ...keys.delivery(delivery.tenantId, delivery.deliveryId),
                entity: 'delivery',
                ttl: ttlAfter(receivedAt, DELIVERY_IDEMPOTENCY_SECONDS),
                ...delivery,
              },
              // An expired record (TTL deletion lags) no longer counts as a repeat.
              ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':now': Math.floor(receivedAt.getTime() / 1000) },
            },
          },
          ...alerts.map((alert) => ({
            Put: {
              TableName: table.tableName,
              Item: {
                ...keys.alert(alert.tenantId, alert.id),
                entity: 'alert',
                ttl: ttlAfter(receivedAt, ALERT_RETENTION_SECONDS),
                ...alert,
              },
            },
          })),
        ],
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'TransactionCanceledException') {
      const original = await getDelivery(table, delivery.tenantId, delivery.deliveryId);
      if (original) throw new DuplicateDeliveryError(original);
    }
    throw error;
  }
}

export async function getDelivery(table: TableRef, tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.delivery(tenantId, deliveryId), ConsistentRead: true }),
  );
  return entityOf<DeliveryRecord>(Item);
}

export async function markDeliveryEnqueued(table: TableRef, tenantId: string, deliveryId: string): Promise<void> {
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.delivery(tenantId, deliveryId),
      UpdateExpression: 'SET enqueued = :true',
      ExpressionAttributeValues: { ':true': true },
    }),
  );
}

export async function getAlerts(table: TableRef, tenantId: string, alertIds: string[]): Promise<CanonicalAlert[]> {
  const alerts = await Promise.all(
    alertIds.map(async (alertId) => {
      const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.alert(tenantId, alertId) }));
      return entityOf<CanonicalAlert>(Item);
    }),
  );
  return alerts.filter((alert): alert is CanonicalAlert => alert !== undefined);
}

/** Newest first. */
export async function listAlerts(table: TableRef, tenantId: string, limit = 50): Promise<CanonicalAlert[]> {
  const { Items } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.alertsOf(tenantId).pk },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (Items ?? []).map((item) => entityOf<CanonicalAlert>(item) as CanonicalAlert);
}
