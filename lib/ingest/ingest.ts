import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import * as z from 'zod';
import type { CanonicalAlert } from '../domain/alert';
import { AppError, unprocessable } from '../errors';
import { countMetric } from '../observability';
import type { InventoryCache } from '../store/assets';
import { MAX_ALERTS_PER_DELIVERY, storeAlerts } from '../store/alerts';
import type { TableRef } from '../store/table-ref';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import { adapterFor } from './formats';
import type { RateLimit } from '../domain/rate-limit';
import { rateLimitCharge } from './rate-limit';

/**
 * Ingestion only writes to the table: an alert's item (with its idempotency record) is the durable
 * hand-off, and the table's stream takes every new alert item to correlation (lib/relay/stream-relay.ts).
 * A stored alert therefore always reaches correlation, whatever happens to this request afterwards,
 * and a repeated delivery, which stores nothing, never queues anything again. A delivery of up to 49
 * new alerts is ONE DynamoDB request: a transaction of each alert with its idempotency record and the
 * tenant's rate-limit charge. The relay also counts the asset names the inventory did not know.
 */
export interface IngestDeps {
  table: TableRef;
  inventory: InventoryCache;
  now: () => Date;
}

export interface Delivery {
  tenantId: string;
  /** The webhook source (`generic`, `alertmanager`...), which picks the adapter. */
  source: string;
  /** The parsed JSON body. */
  body: unknown;
  /** The raw body, for the content hash when the delivery carries no id of its own. */
  rawBody: string;
  /** `X-Delivery-ID`, if the sender set one. */
  deliveryId?: string;
  /** The tenant's ingestion limit; the replay command (trusted input) passes none. */
  rateLimit?: RateLimit;
  /** An adapter other than the source's (CloudWatch alarm events that did not come as a webhook). */
  adapter?: FormatAdapter;
  /** When it was received, if not now (the replay's recorded receipt time). */
  receivedAt?: Date;
  /** The request's correlation id, stamped on each of its alerts. */
  correlationId?: string;
}

export interface IngestResult {
  /** True when every alert of the delivery had been accepted before (the answer is then 200). */
  duplicate: boolean;
  accepted: Array<{ alertId: string; deliveryId: string; duplicate: boolean }>;
}

export function contentHash(source: string, rawBody: string): string {
  return `sha256:${createHash('sha256').update(source).update('\n').update(rawBody).digest('hex')}`;
}

/**
 * The id that makes an alert's delivery idempotent: the sender's X-Delivery-ID, else the tool's own id
 * for that alert, else a hash of the body. A payload with several alerts numbers them.
 */
export function alertDeliveryId(delivery: Delivery, alert: AdaptedAlert, index: number, count: number): string {
  const suffix = count > 1 ? `#${index}` : '';
  if (delivery.deliveryId) return `${delivery.deliveryId}${suffix}`;
  if (alert.toolDeliveryId) return alert.toolDeliveryId;
  return `${contentHash(delivery.source, delivery.rawBody)}${suffix}`;
}

/**
 * Accepts one delivery: normalize it with its tool's adapter, resolve assets through the inventory,
 * store each alert with its idempotency record and charge the tenant's rate limit for the new ones, in
 * one transaction (the stream hands the new alerts to correlation). A repeat within 24 h stores
 * nothing, is not charged, and answers with the original alert; over the limit, nothing is stored (429).
 */
export async function ingestDelivery(delivery: Delivery, deps: IngestDeps): Promise<IngestResult> {
  const { results } = await ingestDeliveries([delivery], deps);
  const [result] = results;
  if (result instanceof AppError) throw result;
  const { accepted } = result as IngestResult;
  const duplicates = accepted.filter((alert) => alert.duplicate).length;
  countMetric('AlertsAccepted', accepted.length - duplicates);
  countMetric('AlertsDuplicate', duplicates);
  return result as IngestResult;
}

/**
 * `ingestDelivery` for several deliveries of one tenant at once, in order (the replay's batches): as few
 * transactions as the alerts need, and no read unless some are repeats. A delivery its adapter refuses
 * (or the rate limit stops) gets its error in its place; the others go on. A delivery id repeated
 * within the batch is a repeat of its first occurrence, exactly as if they had come one after the other.
 * Deliveries with a rate limit are charged each in its own transaction, so several of them are stored
 * one after the other.
 */
export async function ingestDeliveries(
  deliveries: Delivery[],
  deps: IngestDeps,
): Promise<{ results: Array<IngestResult | AppError>; stored: CanonicalAlert[] }> {
  const tenantId = deliveries[0]?.tenantId;
  if (!tenantId) return { results: [], stored: [] };
  if (deliveries.some((delivery) => delivery.tenantId !== tenantId)) throw new Error('ingestDeliveries takes deliveries of one tenant');
  if (deliveries.length > 1 && deliveries.some((delivery) => delivery.rateLimit)) {
    const results: Array<IngestResult | AppError> = [];
    const stored: CanonicalAlert[] = [];
    for (const delivery of deliveries) {
      const one = await ingestDeliveries([delivery], deps);
      results.push(...one.results);
      stored.push(...one.stored);
    }
    return { results, stored };
  }

  const results: Array<IngestResult | AppError> = [];
  /** Per delivery: its alerts (built), or its error. */
  const prepared: Array<CanonicalAlert[] | AppError> = [];
  for (const delivery of deliveries) {
    try {
      prepared.push(await prepare(delivery, deps));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      prepared.push(error);
    }
  }

  const all = prepared.flatMap((entry) => (entry instanceof AppError ? [] : entry));
  if (!all.length)
    return { results: prepared.map((entry) => (entry instanceof AppError ? entry : { duplicate: false, accepted: [] })), stored: [] };
  // The first occurrence of a delivery id in the batch is stored; later ones are its repeats.
  const first = new Map<string, CanonicalAlert>();
  for (const alert of all) if (!first.has(alert.deliveryId)) first.set(alert.deliveryId, alert);
  const now = new Date(Math.min(...all.map((alert) => Date.parse(alert.receivedAt))));
  // Only a single delivery comes with a rate limit here (see above).
  const limit = deliveries.length === 1 ? deliveries[0]?.rateLimit : undefined;
  const charge = limit ? rateLimitCharge(deps.table, tenantId, limit, () => deps.now().getTime()) : undefined;
  const { stored, duplicates, refused } = await storeAlerts(deps.table, tenantId, [...first.values()], now, charge);
  if (refused && limit) {
    const { retryAfterSeconds } = refused;
    const error = new AppError(
      429,
      'rate_limited',
      `Tenant rate limit of ${limit.perMinute} alerts a minute exceeded`,
      { retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
    return { results: [error], stored: [] };
  }

  const storedIds = new Set(stored.map((alert) => alert.id));
  for (const entry of prepared) {
    if (entry instanceof AppError) {
      results.push(entry);
      continue;
    }
    const accepted = entry.map((alert) => {
      const original = duplicates.get(alert.deliveryId) ?? (first.get(alert.deliveryId) as CanonicalAlert).id;
      const duplicate = original !== alert.id || !storedIds.has(alert.id);
      return { alertId: original, deliveryId: alert.deliveryId, duplicate };
    });
    results.push({ duplicate: accepted.length > 0 && accepted.every((item) => item.duplicate), accepted });
  }
  return { results, stored };
}

/** One delivery's alerts, adapted and resolved to assets (nothing stored or charged yet). */
async function prepare(delivery: Delivery, deps: IngestDeps): Promise<CanonicalAlert[]> {
  const adapter = delivery.adapter ?? adapterFor(delivery.source);
  if (!adapter) throw new AppError(404, 'unknown_source', `Unknown webhook source '${delivery.source}'`);

  const now = delivery.receivedAt ?? deps.now();
  let adapted: AdaptedAlert[];
  try {
    adapted = adapter(delivery.body, now);
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw unprocessable(
        `Not a valid ${delivery.source} payload`,
        error.issues.map(({ path, message }) => ({ path: path.join('.'), message })),
      );
    }
    throw error;
  }
  if (adapted.length > MAX_ALERTS_PER_DELIVERY) {
    throw new AppError(413, 'too_many_alerts', `A delivery may carry at most ${MAX_ALERTS_PER_DELIVERY} alerts`, { count: adapted.length });
  }
  if (adapted.length === 0) return [];

  const inventory = await deps.inventory.get(delivery.tenantId);
  return adapted.map(({ toolDeliveryId: _toolId, ...alert }, index) => ({
    ...alert,
    id: ulid(now.getTime()),
    tenantId: delivery.tenantId,
    // A host-less alert names no asset: what its tool shows instead (a job, a folder) is not one to resolve.
    assetId: alert.hostless ? null : (inventory.resolve(alert.assetRef)?.id ?? null),
    receivedAt: now.toISOString(),
    deliveryId: alertDeliveryId(delivery, adapted[index] as AdaptedAlert, index, adapted.length),
    ...(delivery.correlationId ? { correlationId: delivery.correlationId } : {}),
  }));
}
