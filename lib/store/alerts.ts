import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { canonicalAlertSchema, type CanonicalAlert } from '../domain/alert';
import { timestamp, type ShapeOf } from '../domain/entity-schema';
import { keyDigest, keys, ttlAfter } from './keys';
import { entityOf, validEntity } from './entity';
import { batchGetItems, queryAll, queryPage, type TableRef } from './table-ref';
import { cancellationCodes, ConditionFailedError, StoreBusyError, transactWrite, type TransactItem } from './transact';

export const DELIVERY_IDEMPOTENCY_SECONDS = 24 * 3600;
export const ALERT_RETENTION_SECONDS = 90 * 24 * 3600;
/** A payload may carry this many alerts; more is a 413 (Alertmanager's max_alerts should be set below it). */
export const MAX_ALERTS_PER_DELIVERY = 500;
/** A transaction holds at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;
/** Each alert is written with its idempotency record: two items, so 50 alerts per 100-item transaction. */
const ALERTS_PER_TRANSACTION = MAX_TRANSACTION_ITEMS / 2;
/** The first transaction of a delivery with a charge (one more item) holds one alert fewer. */
const ALERTS_WITH_CHARGE = ALERTS_PER_TRANSACTION - 1;

/** The stored alert: the canonical alert and what correlation later records on it (its incident, or why none). */
const storedAlertSchema = canonicalAlertSchema.extend({ incidentId: z.string().min(1).optional(), correlation: z.string().optional() });
export type StoredAlert = z.output<typeof storedAlertSchema>;
/** Its fields' schemas, for reads that project some of them (pickShape). */
export const storedAlertShape: ShapeOf<StoredAlert> = storedAlertSchema.shape;

/** The alert as an item; expires ALERT_RETENTION_SECONDS after it was received. */
export function storedAlertItem(alert: CanonicalAlert, link: { incidentId?: string; correlation?: string } = {}): Record<string, unknown> {
  return {
    ...keys.alert(alert.tenantId, alert.id),
    entity: 'alert',
    ttl: ttlAfter(new Date(alert.receivedAt), ALERT_RETENTION_SECONDS),
    ...validEntity(storedAlertSchema, { ...alert, ...link }),
  };
}

/** Remembers, for 24 h, which alert a delivery id produced. */
const deliveryRecordSchema = z.object({ deliveryId: z.string().min(1), alertId: z.string().min(1), receivedAt: timestamp });
type DeliveryRecord = z.output<typeof deliveryRecordSchema>;

export interface StoreResult {
  /** Alerts stored by this call. */
  stored: CanonicalAlert[];
  /** For each delivery id already seen within 24 h: the alert it produced then. */
  duplicates: Map<string, string>;
  /** The charge refused the alerts (the tenant's rate limit): nothing was stored. */
  refused?: { retryAfterSeconds: number };
}

/**
 * A conditional write that goes with a delivery's first transaction, sized by the new alerts it stores:
 * the tenant's rate-limit charge (lib/ingest/rate-limit.ts `rateLimitCharge`). Its caller decides what
 * a failed condition means.
 */
export interface DeliveryCharge {
  /** The item that charges `count` new alerts. */
  item(count: number): TransactItem;
  /**
   * Its condition did not hold; `current` is the item as it was, when DynamoDB returned it. A retry (item()
   * then gives the next attempt's write) or a refusal.
   */
  rejected(current: Record<string, unknown> | undefined, count: number): Promise<ChargeVerdict>;
  /** Its transaction committed. */
  committed(): void;
}

export type ChargeVerdict = { retry: true } | { retry: false; retryAfterSeconds: number };

/**
 * Transactions of one delivery written at once: a 500-alert delivery is 10 transactions, written in 3
 * rounds (with a charge, 11 in 4: the charging one first, alone).
 */
const PARALLEL_TRANSACTIONS = 4;

/**
 * Stores alerts (each with a delivery id of its own) with their idempotency records, reading nothing
 * first. Each alert and its record are written in one transaction (so there is never an alert without
 * its record, or the reverse), up to 50 alerts a transaction and a few transactions at once; the
 * record's Put is conditional (no unexpired record of that delivery id), so a delivery id seen within
 * 24 h stores nothing: DynamoDB cancels the transaction and returns the record (ALL_OLD), which names
 * the original alert, and the transaction is written again without the repeats. A fresh delivery is
 * therefore one request per 50 alerts; a repeat costs one cancelled transaction.
 *
 * With a `charge` (the tenant's rate limit), the first transaction (up to 49 alerts) carries it too,
 * for all the alerts to store: refused, nothing is stored (`refused`); stored, the remaining
 * transactions follow without a charge. A repeat found in the first transaction has the other alerts'
 * records read (one BatchGet) before anything is charged, so repeats are never charged.
 *
 * Throttling is retried (transactWrite), then throws StoreBusyError: the alerts stored by then stay
 * stored (and reach correlation), the sender retries the delivery, and its stored alerts are
 * recognised as repeats.
 */
export async function storeAlerts(
  table: TableRef,
  tenantId: string,
  alerts: CanonicalAlert[],
  now: Date,
  charge?: DeliveryCharge,
): Promise<StoreResult> {
  const duplicates = new Map<string, string>();
  const stored: CanonicalAlert[] = [];
  let rest = alerts;
  if (charge) {
    const first = await storeCharged(table, tenantId, alerts, now, charge, duplicates);
    if ('refused' in first) return { stored: [], duplicates, refused: first.refused };
    stored.push(...first.stored);
    rest = first.rest;
  }
  const chunks: CanonicalAlert[][] = [];
  for (let start = 0; start < rest.length; start += ALERTS_PER_TRANSACTION) chunks.push(rest.slice(start, start + ALERTS_PER_TRANSACTION));
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
  return { stored: [...stored, ...storedChunks.flat()], duplicates };
}

/**
 * The first transaction of a charged delivery: up to 49 alerts with their records, and the charge for
 * every alert still to store. Repeats leave the transaction (and the count); a refused charge stores nothing.
 */
async function storeCharged(
  table: TableRef,
  tenantId: string,
  alerts: CanonicalAlert[],
  now: Date,
  charge: DeliveryCharge,
  duplicates: Map<string, string>,
): Promise<{ stored: CanonicalAlert[]; rest: CanonicalAlert[] } | { refused: { retryAfterSeconds: number } }> {
  let fresh = alerts;
  let restRead = false;
  for (;;) {
    // Every alert a repeat: nothing to store, nothing to charge.
    if (!fresh.length) return { stored: [], rest: [] };
    const chunk = fresh.slice(0, ALERTS_WITH_CHARGE);
    const writes = alertWrites(table, tenantId, chunk, now);
    try {
      await transactWriteThroughConflicts(table, () => [...writes, charge.item(fresh.length)]);
      charge.committed();
      return { stored: chunk, rest: fresh.slice(chunk.length) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const repeats = await noteRepeats(table, tenantId, chunk, error, now, duplicates);
      if (repeats && !restRead && fresh.length > chunk.length) {
        // A sender retrying a large delivery: its other alerts may be repeats too. Read their records once rather than charge for them.
        restRead = true;
        const seen = await findDeliveries(
          table,
          tenantId,
          fresh.slice(chunk.length).map((alert) => alert.deliveryId),
          now,
        );
        for (const [deliveryId, alertId] of seen) duplicates.set(deliveryId, alertId);
      }
      fresh = fresh.filter((alert) => !duplicates.has(alert.deliveryId));
      if (error.failedAt(writes.length)) {
        if (!fresh.length) continue;
        const verdict = await charge.rejected(error.items[writes.length], fresh.length);
        if (!verdict.retry) return { refused: { retryAfterSeconds: verdict.retryAfterSeconds } };
      } else if (!repeats) throw error;
    }
  }
}

/** One transaction's alerts; the ones a cancellation names as repeats leave it, and the rest is written again. */
async function storeChunk(
  table: TableRef,
  tenantId: string,
  chunk: CanonicalAlert[],
  now: Date,
  duplicates: Map<string, string>,
): Promise<CanonicalAlert[]> {
  let pending = chunk;
  while (pending.length) {
    try {
      await transactWrite(table, alertWrites(table, tenantId, pending, now));
      return pending;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (!(await noteRepeats(table, tenantId, pending, error, now, duplicates))) throw error;
      pending = pending.filter((alert) => !duplicates.has(alert.deliveryId));
    }
  }
  return [];
}

/**
 * The alerts of a cancelled transaction (written by `alertWrites`) whose idempotency record's condition
 * failed: each is a repeat of the alert its record names (returned with the cancellation, else read).
 * Records each in `duplicates`; how many there were.
 */
async function noteRepeats(
  table: TableRef,
  tenantId: string,
  chunk: CanonicalAlert[],
  error: ConditionFailedError,
  now: Date,
  duplicates: Map<string, string>,
): Promise<number> {
  let repeats = 0;
  const unread: string[] = [];
  chunk.forEach((alert, index) => {
    if (!error.failedAt(2 * index)) return;
    const record = error.items[2 * index];
    if (typeof record?.alertId === 'string') duplicates.set(alert.deliveryId, record.alertId);
    else unread.push(alert.deliveryId);
    repeats++;
  });
  if (unread.length) {
    const seen = await findDeliveries(table, tenantId, unread, now);
    for (const deliveryId of unread) {
      const original = seen.get(deliveryId);
      if (!original) throw error;
      duplicates.set(deliveryId, original);
    }
  }
  return repeats;
}

/**
 * How long a transaction that carries a charge keeps being tried (in rounds of transactWrite, each with
 * its own retries and backoff) while it only conflicts with other transactions on the same item:
 * concurrent deliveries of one tenant all update its bucket, and DynamoDB cancels every transaction on
 * an item while another one holds it. Throttling gets no extra rounds (StoreBusyError: 503, retry later).
 */
const CONFLICT_BUDGET_MS = 4_000;

async function transactWriteThroughConflicts(table: TableRef, items: () => TransactItem[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await transactWrite(table, items());
      return;
    } catch (error) {
      const codes = error instanceof StoreBusyError ? cancellationCodes(error.cause) : undefined;
      const onlyConflicts = codes?.includes('TransactionConflict') && codes.every((code) => !code || !BUSY_NOT_CONFLICT.has(code));
      if (onlyConflicts && Date.now() - started < CONFLICT_BUDGET_MS) continue;
      throw error;
    }
  }
}

/** Cancellation reasons that say the table itself is busy (not another transaction): no extra rounds for those. */
const BUSY_NOT_CONFLICT: ReadonlySet<string> = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** Each alert's idempotency record (conditional: none unexpired yet) and its item: two writes an alert, in the alerts' order. */
function alertWrites(table: TableRef, tenantId: string, alerts: CanonicalAlert[], now: Date): TransactItem[] {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return alerts.flatMap((alert): TransactItem[] => {
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
          // A repeat's cancellation names its original alert: no read to answer it.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Put: { TableName: table.tableName, Item: storedAlertItem(alert) } },
    ];
  });
}

/** Delivery ids seen within the last 24 h, with the alert each produced. */
export async function findDeliveries(table: TableRef, tenantId: string, deliveryIds: string[], now: Date): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(deliveryIds)];
  const nowSeconds = Math.floor(now.getTime() / 1000);
  for (let start = 0; start < unique.length; start += 100) {
    const items = await batchGetItems(
      table,
      unique.slice(start, start + 100).map((id) => keys.delivery(tenantId, id)),
      { consistent: true },
    );
    for (const item of items) {
      // DynamoDB deletes expired items within days, not at once: an expired record is not a duplicate.
      if (typeof item.ttl !== 'number' || item.ttl < nowSeconds) continue;
      const record = entityOf(deliveryRecordSchema, item);
      found.set(record.deliveryId, record.alertId);
    }
  }
  return found;
}

export async function getAlert(table: TableRef, tenantId: string, alertId: string): Promise<StoredAlert | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.alert(tenantId, alertId), ConsistentRead: true }),
  );
  return entityOf(storedAlertSchema, Item);
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
    alerts: result.items.map((item) => entityOf(storedAlertSchema, item)),
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
 * Counts asset references that resolved to no inventory asset, per tenant, so the operator can map them
 * (add them as aliases) from a list: the new alerts with no asset that are not host-less, one UpdateItem
 * per tenant and name (case and surrounding spaces aside) however many alerts use it. The stream relay
 * calls it with each batch of new alerts (lib/relay/stream-relay.ts). Throws the first failure once
 * every update has been tried.
 */
export async function noteUnresolvedAssetRefs(table: TableRef, alerts: readonly CanonicalAlert[]): Promise<void> {
  const groups = new Map<string, { tenantId: string; name: string; count: number; first: CanonicalAlert; last: CanonicalAlert }>();
  for (const alert of alerts) {
    if (alert.assetId || alert.hostless) continue;
    const name = alert.assetRef.trim().toLowerCase();
    const id = `${alert.tenantId}\n${name}`;
    const group = groups.get(id);
    if (!group) groups.set(id, { tenantId: alert.tenantId, name, count: 1, first: alert, last: alert });
    else {
      group.count++;
      if (alert.receivedAt < group.first.receivedAt) group.first = alert;
      if (alert.receivedAt >= group.last.receivedAt) group.last = alert;
    }
  }
  const outcomes = await Promise.allSettled(
    [...groups.values()].map(({ tenantId, name, count, first, last }) =>
      table.db.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: keys.unresolvedAssetRef(tenantId, keyDigest(name)),
          UpdateExpression:
            'SET entity = :entity, assetRef = :ref, lastSeenAt = :last, firstSeenAt = if_not_exists(firstSeenAt, :first), lastSource = :source ADD alertCount :count',
          ExpressionAttributeValues: {
            ':entity': 'unresolvedAssetRef',
            ':ref': last.assetRef,
            ':last': last.receivedAt,
            ':first': first.receivedAt,
            ':source': last.source,
            ':count': count,
          },
        }),
      ),
    ),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

const unresolvedAssetRefSchema = z.object({
  assetRef: z.string(),
  alertCount: z.number().int(),
  firstSeenAt: timestamp,
  lastSeenAt: timestamp,
  lastSource: z.string(),
});
export type UnresolvedAssetRef = z.output<typeof unresolvedAssetRefSchema>;

export async function listUnresolvedAssetRefs(table: TableRef, tenantId: string): Promise<UnresolvedAssetRef[]> {
  const { pk, skPrefix } = keys.unresolvedAssetRefsOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map((item) => entityOf(unresolvedAssetRefSchema, item)).sort((a, b) => b.alertCount - a.alertCount);
}
