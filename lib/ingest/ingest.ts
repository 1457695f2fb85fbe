import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { CanonicalAlert } from '../domain/alert';
import { AppError, unprocessable } from '../errors';
import type { InventoryCache } from '../store/assets';
import {
  DuplicateDeliveryError,
  getAlerts,
  markDeliveryEnqueued,
  MAX_ALERTS_PER_DELIVERY,
  storeDelivery,
  type DeliveryRecord,
} from '../store/alerts';
import type { TableRef } from '../store/table-ref';
import { adapterFor } from './formats';

/** Hands accepted alerts to correlation (SQS in AWS and on the local stack). */
export type EnqueueAlerts = (alerts: CanonicalAlert[]) => Promise<void>;

export interface IngestDeps {
  table: TableRef;
  inventory: InventoryCache;
  enqueue: EnqueueAlerts;
  now: () => Date;
}

export interface Delivery {
  tenantId: string;
  source: string;
  /** The parsed JSON body. */
  body: unknown;
  /** The raw body, for the content hash when the delivery carries no id of its own. */
  rawBody: string;
  /** `X-Delivery-ID`, or the tool's own id; undefined falls back to a content hash. */
  deliveryId?: string;
}

export interface IngestResult {
  duplicate: boolean;
  accepted: Array<{ alertId: string; deliveryId: string; duplicate: boolean }>;
}

export function contentDeliveryId(source: string, rawBody: string): string {
  return `sha256:${createHash('sha256').update(source).update('\n').update(rawBody).digest('hex')}`;
}

/**
 * Accepts one delivery: normalize with the tool's adapter, resolve assets, store the delivery and its
 * alerts atomically, then enqueue them for correlation. A repeat within 24 h stores nothing new and
 * answers with the original alert ids (enqueueing again only if the first attempt never got that far).
 */
export async function ingestDelivery(delivery: Delivery, deps: IngestDeps): Promise<IngestResult> {
  const adapter = adapterFor(delivery.source);
  if (!adapter) throw new AppError(404, 'unknown_source', `Unknown webhook source '${delivery.source}'`);

  const receivedAt = deps.now();
  let normalized;
  try {
    normalized = adapter(delivery.body, receivedAt);
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw unprocessable(
        `Not a valid ${delivery.source} payload`,
        error.issues.map(({ path, message }) => ({ path: path.join('.'), message })),
      );
    }
    throw error;
  }
  if (normalized.length === 0) throw unprocessable(`The ${delivery.source} payload carries no alerts`);
  if (normalized.length > MAX_ALERTS_PER_DELIVERY) {
    throw unprocessable(`A delivery may carry at most ${MAX_ALERTS_PER_DELIVERY} alerts`, { count: normalized.length });
  }

  const deliveryId = delivery.deliveryId ?? contentDeliveryId(delivery.source, delivery.rawBody);
  const inventory = await deps.inventory.get(delivery.tenantId);
  const alerts: CanonicalAlert[] = normalized.map((alert) => ({
    ...alert,
    id: ulid(receivedAt.getTime()),
    tenantId: delivery.tenantId,
    assetId: inventory.resolve(alert.assetRef)?.id ?? null,
    receivedAt: receivedAt.toISOString(),
    deliveryId,
  }));
  const record: DeliveryRecord = {
    deliveryId,
    tenantId: delivery.tenantId,
    source: delivery.source,
    alertIds: alerts.map((alert) => alert.id),
    receivedAt: receivedAt.toISOString(),
    enqueued: false,
  };

  try {
    await storeDelivery(deps.table, record, alerts);
  } catch (error) {
    if (!(error instanceof DuplicateDeliveryError)) throw error;
    const original = error.original;
    if (!original.enqueued) await enqueueAndMark(original, await getAlerts(deps.table, delivery.tenantId, original.alertIds), deps);
    return {
      duplicate: true,
      accepted: original.alertIds.map((alertId) => ({ alertId, deliveryId, duplicate: true })),
    };
  }
  await enqueueAndMark(record, alerts, deps);
  return { duplicate: false, accepted: alerts.map((alert) => ({ alertId: alert.id, deliveryId, duplicate: false })) };
}

async function enqueueAndMark(record: DeliveryRecord, alerts: CanonicalAlert[], deps: IngestDeps): Promise<void> {
  await deps.enqueue(alerts);
  await markDeliveryEnqueued(deps.table, record.tenantId, record.deliveryId);
}
