import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CanonicalAlert } from '../domain/alert';
import { keyDigest, keys, ttlAfter } from './keys';
import { entityOf, queryAll, queryPage, type TableRef } from './table-ref';
import { ConditionFailedError, transactWrite } from './transact';

export const DELIVERY_IDEMPOTENCY_SECONDS = 24 * 3600;
export const ALERT_RETENTION_SECONDS = 90 * 24 * 3600;
/** A payload may carry this many alerts; more is a 413 (Alertmanager's max_alerts should be set below it). */
export const MAX_ALERTS_PER_DELIVERY = 500;
/** Each alert is written with its idempotency record: two items, so 50 alerts per 100-item transaction. */
const ALERTS_PER_TRANSACTION = 50;

/** The stored alert: the canonical alert and what correlation later records on it. */
export type StoredAlert = CanonicalAlert & { incidentId?: string; correlation?: string };

/** The alert as an item; expires ALERT_RETENTION_SECONDS after it was received. */
export function storedAlertItem(alert: CanonicalAlert, link: { incidentId?: string; correlation?: string } = {}): Record<string, unknown> {
  return {
    ...keys.alert(alert.tenantId, alert.id),
    entity: 'alert',
    ttl: ttlAfter(new Date(alert.receivedAt), ALERT_RETENTION_SECONDS),
    ...alert,
    ...link,
  };
}

/** Remembers, for 24 h, which alert a delivery id produced. */
interface DeliveryRecord {
  deliveryId: string;
  alertId: string;
  receivedAt: string;
}

export interface StoreResult {
  /** Alerts stored by this call. */
  stored: CanonicalAlert[];
  /** For each delivery id already seen within 24 h: the alert it produced then. */
  duplicates: Map<string, string>;
}

/** Transactions of one delivery written at once: a 500-alert delivery is 10 transactions, written in 3 rounds. */
const PARALLEL_TRANSACTIONS = 4;

/**
 * Stores alerts with their idempotency records. Each alert and its record are written in one
 * transaction (so there is never an alert without its record, or the reverse), up to 50 alerts a
 * transaction and a few transactions at once; a delivery id seen within 24 h stores nothing and
 * reports the original alert id instead. Throttling is retried (transactWrite), then throws
 * StoreBusyError: the alerts stored by then stay stored (and reach correlation), the sender retries the
 * delivery, and its stored alerts are recognised as repeats.
 */
export async function storeAlerts(table: TableRef, tenantId: string, alerts: CanonicalAlert[], now: Date): Promise<StoreResult> {
  const duplicates = await findDeliveries(
    table,
    tenantId,
    alerts.map((alert) => alert.deliveryId),
    now,
  );
  const fresh = alerts.filter((alert) => !duplicates.has(alert.deliveryId));
  const chunks: CanonicalAlert[][] = [];
  for (let start = 0; start < fresh.length; start += ALERTS_PER_TRANSACTION)
    chunks.push(fresh.slice(start, start + ALERTS_PER_TRANSACTION));
  const storedChunks: CanonicalAlert[][] = new Array(chunks.length);
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < chunks.length) {
      const index = next++;
      try {
        storedChunks[index] = await storeChunk(table, tenantId, chunks[index] as CanonicalAlert[], now, duplicates);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_TRANSACTIONS, chunks.length) }, worker));
  if (failures.length) throw failures[0];
  return { stored: storedChunks.flat(), duplicates };
}

/** One transaction's alerts; when a concurrent identical delivery won the race for some ids, the rest one by one. */
async function storeChunk(
  table: TableRef,
  tenantId: string,
  chunk: CanonicalAlert[],
  now: Date,
  duplicates: Map<string, string>,
): Promise<CanonicalAlert[]> {
  try {
    await writeChunk(table, tenantId, chunk, now);
    return chunk;
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
  }
  const stored: CanonicalAlert[] = [];
  for (const alert of chunk) {
    try {
      await writeChunk(table, tenantId, [alert], now);
      stored.push(alert);
    } catch (single) {
      if (!(single instanceof ConditionFailedError)) throw single;
      const seen = await findDeliveries(table, tenantId, [alert.deliveryId], now);
      const original = seen.get(alert.deliveryId);
      if (!original) throw single;
      duplicates.set(alert.deliveryId, original);
    }
  }
  return stored;
}

async function writeChunk(table: TableRef, tenantId: string, alerts: CanonicalAlert[], now: Date): Promise<void> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  await transactWrite(
    table,
    alerts.flatMap((alert) => {
      const record: DeliveryRecord = { deliveryId: alert.deliveryId, alertId: alert.id, receivedAt: alert.receivedAt };
      return [
        {
          Put: {
            TableName: table.tableName,
            Item: {
              ...keys.delivery(tenantId, alert.deliveryId),
              entity: 'delivery',
              ttl: ttlAfter(now, DELIVERY_IDEMPOTENCY_SECONDS),
              ...record,
            },
            // An expired record (TTL deletion lags by hours) no longer counts as a repeat.
            ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': nowSeconds },
          },
        },
        { Put: { TableName: table.tableName, Item: storedAlertItem(alert) } },
      ];
    }),
  );
}

/** Delivery ids seen within the last 24 h, with the alert each produced. */
async function findDeliveries(table: TableRef, tenantId: string, deliveryIds: string[], now: Date): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(deliveryIds)];
  const nowSeconds = Math.floor(now.getTime() / 1000);
  for (let start = 0; start < unique.length; start += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [table.tableName]: { Keys: unique.slice(start, start + 100).map((id) => keys.delivery(tenantId, id)), ConsistentRead: true },
    };
    while (request && Object.keys(request).length) {
      const page = await table.db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of page.Responses?.[table.tableName] ?? []) {
        if ((item.ttl as number) >= nowSeconds) found.set(item.deliveryId as string, item.alertId as string);
      }
      request = page.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

export async function getAlert(table: TableRef, tenantId: string, alertId: string): Promise<StoredAlert | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.alert(tenantId, alertId), ConsistentRead: true }),
  );
  return entityOf<StoredAlert>(Item);
}

export interface AlertFilter {
  status?: string;
  severity?: string;
  source?: string;
  assetId?: string;
  deliveryId?: string;
  /** Alerts received at or after this instant. */
  since?: Date;
  /** Where correlation put them: in an incident, nowhere (a resolution that matched nothing), or not yet. */
  correlation?: AlertCorrelation;
}

export const ALERT_CORRELATIONS = ['linked', 'unmatched', 'pending'] as const;
export type AlertCorrelation = (typeof ALERT_CORRELATIONS)[number];

const CORRELATION_CONDITIONS: Record<AlertCorrelation, string> = {
  linked: 'attribute_exists(incidentId)',
  unmatched: 'attribute_exists(correlation) AND attribute_not_exists(incidentId)',
  pending: 'attribute_not_exists(correlation)',
};

/** A page of a tenant's alerts, newest first, filtered; `cursor` continues where the last page ended. */
export async function listAlerts(
  table: TableRef,
  tenantId: string,
  filter: AlertFilter,
  page: { limit: number; cursor?: Record<string, unknown> },
): Promise<{ alerts: StoredAlert[]; cursor?: Record<string, unknown> }> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': keys.alertsOf(tenantId).pk };
  const conditions: string[] = [];
  for (const field of ['status', 'severity', 'source', 'assetId', 'deliveryId'] as const) {
    const value = filter[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    conditions.push(`#${field} = :${field}`);
  }
  if (filter.correlation) conditions.push(CORRELATION_CONDITIONS[filter.correlation]);
  let keyCondition = 'pk = :pk';
  if (filter.since) {
    // Alert ids are ULIDs of their receive time: the smallest id of that millisecond bounds the range.
    values[':since'] = ulidFloor(filter.since);
    keyCondition += ' AND sk >= :since';
  }
  const result = await queryPage(
    table,
    {
      KeyConditionExpression: keyCondition,
      ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    page,
  );
  return {
    alerts: result.items.map((item) => entityOf<StoredAlert>(item) as StoredAlert),
    ...(result.cursor ? { cursor: result.cursor } : {}),
  };
}

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The smallest ULID of a millisecond: its time part followed by zeros. */
export function ulidFloor(at: Date): string {
  let time = at.getTime();
  let encoded = '';
  for (let index = 0; index < 10; index++) {
    encoded = ULID_ALPHABET[time % 32] + encoded;
    time = Math.floor(time / 32);
  }
  return `${encoded}${'0'.repeat(16)}`;
}

/**
 * An asset reference that resolved to no inventory asset: counted per tenant so the operator can map
 * it (add it as an alias) from a list.
 */
export async function noteUnresolvedAssetRef(table: TableRef, tenantId: string, assetRef: string, source: string, at: Date): Promise<void> {
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.unresolvedAssetRef(tenantId, keyDigest(assetRef.trim().toLowerCase())),
      UpdateExpression:
        'SET entity = :entity, assetRef = :ref, lastSeenAt = :at, firstSeenAt = if_not_exists(firstSeenAt, :at), lastSource = :source ADD alertCount :one',
      ExpressionAttributeValues: {
        ':entity': 'unresolvedAssetRef',
        ':ref': assetRef,
        ':at': at.toISOString(),
        ':source': source,
        ':one': 1,
      },
    }),
  );
}

export interface UnresolvedAssetRef {
  assetRef: string;
  alertCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  lastSource: string;
}

export async function listUnresolvedAssetRefs(table: TableRef, tenantId: string): Promise<UnresolvedAssetRef[]> {
  const { pk, skPrefix } = keys.unresolvedAssetRefsOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map((item) => entityOf<UnresolvedAssetRef>(item) as UnresolvedAssetRef).sort((a, b) => b.alertCount - a.alertCount);
}
