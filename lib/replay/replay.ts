/**
 * Replay: runs recorded webhook deliveries through the same normalize, ingest and
 * correlate code as the live system, against a table, and reports the incidents they formed.
 *
 * Input is trusted: no API key, signature or rate-limit checks. The clock of each delivery is its
 * `receivedAt`. Each delivery goes through `ingestDelivery` (its line `id` is the delivery id, so a
 * repeated line is recognised as a repeat and stores nothing new); the alerts it stored go straight to
 * correlation, as the table's stream would take them (no stream, no SQS, no event bus).
 *
 * Ordering and concurrency: ingestion runs concurrently, except that deliveries with the same id (a
 * retry) are ingested in input order, so the repeat is recognised as one. Correlation runs in input
 * order per tenant (correlation never crosses tenants): each tenant has one lane that takes every
 * ingested delivery at its head, in order, and correlates their alerts as one batch (alerts of one
 * scope decided on one read of the scope state and committed in one transaction; scopes of the batch
 * run concurrently). Each alert is processed at its own receipt time.
 *
 * Result: every delivery line appears, repeats included, in
 *  - the `deliveryIds` of each incident one of its alerts joined (an Alertmanager group whose alerts
 *    went to two incidents is listed in both; a line is listed once per incident), or else
 *  - `unmatched`, when none of its alerts joined an incident (a resolution with no open incident
 *    for it, or a payload with no alerts), or else
 *  - `rejected`, when its tool's adapter refused it (not a valid payload of that source, unknown source).
 */
import * as z from 'zod';
import { correlateAlerts, settleDueIncidents, type CorrelateDeps } from '../correlation/correlate';
import { DEFAULT_POLICY, type CorrelationPolicy } from '../domain/correlation/policy';
import type { CanonicalAlert } from '../domain/alert';
import { assetSchema, Inventory } from '../domain/asset';
import { AppError } from '../errors';
import { ingestDeliveries } from '../ingest/ingest';
import { getAlert } from '../store/alerts';
import { InventoryCache, putAsset } from '../store/assets';
import { TENANT_ID_PATTERN } from '../domain/tenant';
import { getIncidents } from '../store/incidents';
import type { TableRef } from '../store/table-ref';
import type { Incident } from '../domain/incident';
import { putTenant } from '../store/tenants';

// --- Input formats ------------------------------------------------------------------------------------

export const replayFixtureSchema = z.object({
  tenants: z.array(
    z.object({
      id: z.string().regex(TENANT_ID_PATTERN),
      name: z.string().min(1).max(128),
      assets: z.array(assetSchema).default([]),
    }),
  ),
});
export type ReplayFixture = z.input<typeof replayFixtureSchema>;

/** One line of deliveries.ndjson: `body` is the raw payload as the tool sends it. */
export const replayDeliverySchema = z.object({
  id: z.string().min(1).max(512),
  tenant: z.string().regex(TENANT_ID_PATTERN),
  source: z.string().min(1).max(64),
  receivedAt: z.iso.datetime({ offset: true }),
  body: z.unknown().refine((body) => body !== undefined, { message: 'body is required' }),
});
export interface ReplayDelivery {
  id: string;
  tenant: string;
  /** As in `/v1/webhooks/{source}`: picks the adapter. */
  source: string;
  receivedAt: string;
  body: unknown;
}

/** A problem with the input itself (not with a payload): the replay stops. */
export class ReplayInputError extends Error {
  constructor(
    message: string,
    /** 1-based position of the delivery in the input (the CLI reports file line numbers itself). */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ReplayInputError';
  }
}

// --- Output -------------------------------------------------------------------------------------------

export interface ReplayIncident {
  id: string;
  tenant: string;
  status: string;
  rootAssetId: string | null;
  /** Every delivery line that joined it, in input order, repeats included. */
  deliveryIds: string[];
}

export interface ReplayedDelivery {
  id: string;
  tenant: string;
  /** The delivery's alerts in payload order: the alert (the original one for a repeat) and its incident. */
  alerts: Array<{ alertId: string; incidentId: string | null }>;
  rejected?: { code: string; message: string };
}

export interface ReplayStats {
  deliveries: number;
  /** Alerts carried by the deliveries (repeats included). */
  alerts: number;
  /** Alerts stored: new ones, repeats excluded. */
  storedAlerts: number;
  incidents: number;
  unmatched: number;
  rejected: number;
  /** Wall time of ingestion and correlation (fixture setup and the read-back excluded). */
  processingSeconds: number;
  deliveriesPerSecond: number;
}

export interface ReplayResult {
  incidents: ReplayIncident[];
  /** Delivery ids (repeats included) none of whose alerts joined an incident. */
  unmatched: string[];
  rejected: Array<{ id: string; tenant: string; code: string; message: string }>;
  /** Per input delivery, in input order: what became of each of its alerts (for scoring). */
  deliveries: ReplayedDelivery[];
  stats: ReplayStats;
}

export interface ReplayProgress {
  processed: number;
  alerts: number;
  seconds: number;
}

export interface ReplayDeps {
  table: TableRef;
  /** Called after each delivery is fully processed (cheap: throttle output yourself). */
  onProgress?: (progress: ReplayProgress) => void;
  /** Called once the fixture is in the table, just before the first delivery (to start counters). */
  onProcessingStart?: () => void;
  /** Called once ingestion and correlation are done, before the incidents are read back. */
  onProcessed?: () => void;
  /** Deliveries ingested at once. Default 32. */
  concurrency?: number;
  policy?: CorrelationPolicy;
}

export interface ReplayInput {
  fixture: ReplayFixture;
  deliveries: AsyncIterable<ReplayDelivery> | Iterable<ReplayDelivery>;
}

// --- The replay ---------------------------------------------------------------------------------------

export async function replayDeliveries(input: ReplayInput, deps: ReplayDeps): Promise<ReplayResult> {
  const fixture = replayFixtureSchema.parse(input.fixture);
  const { table } = deps;
  const concurrency = Math.max(1, deps.concurrency ?? 32);

  await createFixture(table, fixture);
  const inventories = new Map(fixture.tenants.map((tenant) => [tenant.id, new Inventory(tenant.assets)]));
  // The fixture does not change during a replay: one load per tenant.
  const inventory = new InventoryCache(table, Number.POSITIVE_INFINITY);

  const replayed: ReplayedDelivery[] = [];
  /** Alerts handed to correlation in this replay: a repeat of one of them is not handed over again. */
  const handedOver = new Set<string>();
  /** Alert id -> its incident (null: it joined none), from correlation's decisions. */
  const outcome = new Map<string, string | null>();
  const alertTenant = new Map<string, string>();
  const policy = deps.policy ?? DEFAULT_POLICY;
  let clockStart = Number.POSITIVE_INFINITY;
  let latestReceipt = 0;
  const correlateDeps: CorrelateDeps = {
    table,
    // The replay's clock stands at its first delivery: every alert is then processed at its own receipt time.
    now: () => new Date(Number.isFinite(clockStart) ? clockStart : 0),
    inventory: { get: async (tenantId) => inventories.get(tenantId) as Inventory },
    policies: { get: async () => policy },
  };

  let processed = 0;
  let alertCount = 0;
  let storedAlerts = 0;
  deps.onProcessingStart?.();
  const started = performance.now();
  const scheduler = new OrderedScheduler(concurrency);
  const lanes = new CorrelationLanes(
    async (entries) => {
      const alerts = entries.flatMap((entry) => entry.alerts);
      const results = alerts.length ? await correlateAlerts(alerts, correlateDeps) : [];
      for (const [index, result] of results.entries()) {
        const alert = alerts[index] as CanonicalAlert;
        if (result.kind === 'failed') throw result.error;
        if (result.kind === 'duplicate') continue; // correlated before: read back at the end
        outcome.set(alert.id, result.kind === 'unmatched-resolution' ? null : result.incidentId);
      }
      for (const entry of entries) {
        processed += entry.records.length;
        for (const record of entry.records) alertCount += record.alerts.length;
        latestReceipt = Math.max(latestReceipt, entry.receivedAt);
      }
      deps.onProgress?.({ processed, alerts: alertCount, seconds: (performance.now() - started) / 1000 });
    },
    // Batches waiting for correlation at most.
    Math.max(16, concurrency * 2),
  );

  /** Ingests one tenant's consecutive deliveries as one batch, then hands them to the tenant's lane. */
  const ingestBatch = (tenant: string, batch: Array<{ delivery: ReplayDelivery; record: ReplayedDelivery }>) => {
    const toCorrelate: CanonicalAlert[] = [];
    const ingested = scheduler.run(
      batch.map(({ delivery }) => `${tenant}|${delivery.id}`),
      [],
      async () => {
        const { results, stored } = await ingestDeliveries(
          batch.map(({ delivery }) => ({
            tenantId: tenant,
            source: delivery.source,
            body: delivery.body,
            rawBody: JSON.stringify(delivery.body),
            deliveryId: delivery.id,
            receivedAt: new Date(delivery.receivedAt),
          })),
          {
            table,
            inventory,
            now: () => new Date((batch[0] as { delivery: ReplayDelivery }).delivery.receivedAt),
          },
        );
        // What the table's stream would hand to correlation: the alerts this batch stored.
        for (const alert of stored) {
          if (handedOver.has(alert.id)) continue;
          handedOver.add(alert.id);
          alertTenant.set(alert.id, alert.tenantId);
          toCorrelate.push(alert);
        }
        for (const [index, result] of results.entries()) {
          const { record } = batch[index] as { record: ReplayedDelivery };
          if (result instanceof AppError) {
            record.rejected = { code: result.code, message: result.message };
            continue;
          }
          record.alerts = result.accepted.map(({ alertId }) => ({ alertId, incidentId: null }));
          for (const entry of result.accepted) alertTenant.set(entry.alertId, tenant);
          storedAlerts += result.accepted.filter((entry) => !entry.duplicate).length;
        }
      },
    );
    lanes.push(tenant, {
      ingested,
      records: batch.map(({ record }) => record),
      alerts: toCorrelate,
      receivedAt: Math.max(...batch.map(({ delivery }) => Date.parse(delivery.receivedAt))),
    });
  };

  /** Deliveries read but not yet handed to ingestion, per tenant (in input order). */
  const buffers = new Map<string, Array<{ delivery: ReplayDelivery; record: ReplayedDelivery }>>();
  const flush = (tenant: string) => {
    const batch = buffers.get(tenant);
    if (!batch?.length) return;
    buffers.delete(tenant);
    ingestBatch(tenant, batch);
  };

  let position = 0;
  try {
    for await (const delivery of input.deliveries) {
      position++;
      if (!inventories.has(delivery.tenant)) {
        throw new ReplayInputError(`delivery ${delivery.id}: tenant '${delivery.tenant}' is not in the fixture`, position);
      }
      const record: ReplayedDelivery = { id: delivery.id, tenant: delivery.tenant, alerts: [] };
      replayed.push(record);
      clockStart = Math.min(clockStart, Date.parse(delivery.receivedAt));
      let buffer = buffers.get(delivery.tenant);
      if (!buffer) buffers.set(delivery.tenant, (buffer = []));
      buffer.push({ delivery, record });
      if (buffer.length >= INGEST_BATCH) {
        await Promise.all([scheduler.admit(), lanes.admit()]);
        scheduler.throwIfFailed();
        lanes.throwIfFailed();
        flush(delivery.tenant);
      }
    }
    for (const tenant of [...buffers.keys()]) flush(tenant);
  } finally {
    // Never leave work running against the table, whatever happened to the input.
    await scheduler.drain();
    await lanes.drain();
  }
  scheduler.throwIfFailed();
  lanes.throwIfFailed();
  // The input has ended and nothing more will fire: let every grace period run out.
  if (latestReceipt) {
    const end = new Date(latestReceipt + policy.graceSeconds * 1000);
    await settleDueIncidents({ ...correlateDeps, now: () => end });
  }
  const processingSeconds = (performance.now() - started) / 1000;
  deps.onProcessed?.();

  // Alerts correlated before this replay saw them (a repeat of an alert correlated by an earlier
  // delivery is resolved from the decision map; this covers anything else, e.g. a 'duplicate' answer).
  const unknown = new Set<string>();
  for (const record of replayed) for (const alert of record.alerts) if (!outcome.has(alert.alertId)) unknown.add(alert.alertId);
  await mapLimit([...unknown], concurrency, async (alertId) => {
    const stored = await getAlert(table, alertTenant.get(alertId) as string, alertId);
    outcome.set(alertId, stored?.incidentId ?? null);
  });

  // Incidents merged into another (a cascade whose root fired late) are reported as the survivor.
  const items = await readIncidents(
    table,
    [...new Set([...outcome].filter(([, id]) => id).map(([alertId, id]) => `${alertTenant.get(alertId) as string}|${id as string}`))].map(
      (key) => {
        const [tenant, id] = key.split('|') as [string, string];
        return { tenant, id };
      },
    ),
  );
  const survivorOf = (tenant: string, id: string): string => {
    let current = id;
    for (let hops = 0; hops < 100; hops++) {
      const into = items.get(`${tenant}|${current}`)?.mergedInto;
      if (into === undefined) break;
      current = into;
    }
    return current;
  };

  const members = new Map<string, { tenant: string; deliveryIds: string[] }>();
  const unmatched: string[] = [];
  const rejected: ReplayResult['rejected'] = [];
  for (const record of replayed) {
    if (record.rejected) {
      rejected.push({ id: record.id, tenant: record.tenant, ...record.rejected });
      continue;
    }
    const joined = new Set<string>();
    for (const alert of record.alerts) {
      const decided = outcome.get(alert.alertId) ?? null;
      alert.incidentId = decided ? survivorOf(record.tenant, decided) : null;
      if (alert.incidentId) joined.add(alert.incidentId);
    }
    if (!joined.size) unmatched.push(record.id);
    for (const incidentId of joined) {
      let entry = members.get(incidentId);
      if (!entry) members.set(incidentId, (entry = { tenant: record.tenant, deliveryIds: [] }));
      entry.deliveryIds.push(record.id);
    }
  }

  const incidents: ReplayIncident[] = [...members.entries()]
    .map(([id, { tenant, deliveryIds }]) => {
      const item = items.get(`${tenant}|${id}`);
      return {
        id,
        tenant,
        status: item?.status ?? 'unknown',
        rootAssetId: item?.rootAssetId ?? item?.assetId ?? null,
        deliveryIds,
      };
    })
    .sort((a, b) => (a.tenant === b.tenant ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.tenant < b.tenant ? -1 : 1));

  return {
    incidents,
    unmatched,
    rejected,
    deliveries: replayed,
    stats: {
      deliveries: replayed.length,
      alerts: alertCount,
      storedAlerts,
      incidents: incidents.length,
      unmatched: unmatched.length,
      rejected: rejected.length,
      processingSeconds,
      deliveriesPerSecond: replayed.length / Math.max(processingSeconds, 1e-9),
    },
  };
}

/** The output file's shape: `{"incidents": [...], "unmatched": [...], "rejected": [...]}`. */
export function replayOutput(result: ReplayResult): Pick<ReplayResult, 'incidents' | 'unmatched' | 'rejected'> {
  return { incidents: result.incidents, unmatched: result.unmatched, rejected: result.rejected };
}

async function createFixture(table: TableRef, fixture: z.infer<typeof replayFixtureSchema>): Promise<void> {
  const createdAt = new Date().toISOString();
  const seen = new Set<string>();
  for (const tenant of fixture.tenants) {
    if (seen.has(tenant.id)) throw new ReplayInputError(`fixture: tenant '${tenant.id}' is listed twice`);
    seen.add(tenant.id);
  }
  await mapLimit(fixture.tenants, 8, async (tenant) => {
    await putTenant(table, { id: tenant.id, name: tenant.name, createdAt });
    await mapLimit(tenant.assets, 8, (asset) => putAsset(table, tenant.id, asset));
  });
}

/** The incident items (status, root asset) by `tenant|id`: BatchGet, 100 keys a request. */
async function readIncidents(table: TableRef, wanted: Array<{ id: string; tenant: string }>): Promise<Map<string, Incident>> {
  const found = new Map<string, Incident>();
  const chunks: Array<typeof wanted> = [];
  for (let start = 0; start < wanted.length; start += 100) chunks.push(wanted.slice(start, start + 100));
  await mapLimit(chunks, 4, async (chunk) => {
    const incidents = await getIncidents(
      table,
      chunk.map(({ id, tenant }) => ({ tenantId: tenant, incidentId: id })),
    );
    for (const incident of incidents) found.set(`${incident.tenantId}|${incident.id}`, incident);
  });
  return found;
}

async function mapLimit<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/**
 * Runs tasks with at most `concurrency` at once, each after the previous task of every key it names
 * (and after the promises it is given). A task takes its slot only once it may start, so a running
 * task never waits for a queued one. `admit` bounds how many deliveries are scheduled ahead.
 * The first failure stops new work; `drain` waits for what was started.
 */
class OrderedScheduler {
  private readonly tails = new Map<string, Promise<void>>();
  private running = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private pending = 0;
  private readonly admitWaiters: Array<() => void> = [];
  private readonly window: number;
  private failure: { error: unknown } | undefined;

  constructor(private readonly concurrency: number) {
    this.window = Math.max(64, concurrency * 16);
  }

  run(taskKeys: string[], after: Promise<void>[], task: () => Promise<void>): Promise<void> {
    const previous = [...taskKeys.map((key) => this.tails.get(key)).filter((tail): tail is Promise<void> => tail !== undefined), ...after];
    this.pending++;
    const done = (async () => {
      try {
        if (previous.length) await Promise.all(previous);
        if (this.failure) return;
        await this.acquire();
        try {
          if (!this.failure) await task();
        } finally {
          this.release();
        }
      } catch (error) {
        this.failure ??= { error };
      } finally {
        this.pending--;
        this.admitWaiters.shift()?.();
      }
    })();
    for (const key of taskKeys) this.tails.set(key, done);
    // Forget a key once its last task is done, so the map stays as small as the work in flight.
    void done.then(() => {
      for (const key of taskKeys) if (this.tails.get(key) === done) this.tails.delete(key);
    });
    return done;
  }

  /** Resolves when fewer than `window` tasks are scheduled and unfinished. */
  async admit(): Promise<void> {
    while (this.pending >= this.window) await new Promise<void>((resolve) => this.admitWaiters.push(resolve));
  }

  async drain(): Promise<void> {
    while (this.pending > 0) await new Promise<void>((resolve) => this.admitWaiters.push(resolve));
    // Wake anyone else waiting, so nothing hangs.
    while (this.admitWaiters.length) this.admitWaiters.shift()?.();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private async acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private release(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.running--;
  }
}

interface LaneEntry {
  /** Resolves when the batch is ingested (never rejects: the scheduler keeps the failure). */
  ingested: Promise<void>;
  records: ReplayedDelivery[];
  /** Filled by ingestion: the new alerts to correlate. */
  alerts: CanonicalAlert[];
  receivedAt: number;
  /** Set once `ingested` has resolved. */
  ingestDone?: boolean;
}

/** Deliveries of one tenant ingested together (one idempotency read, one or two transactions). */
const INGEST_BATCH = 25;
/** Alerts a lane hands to correlation at once (a delivery is never split). */
const LANE_BATCH_ALERTS = 256;

/**
 * One correlation lane per tenant: deliveries are correlated in input order; whatever is ingested at
 * the head of a lane when it is free goes as one batch. The first failure stops every lane.
 */
class CorrelationLanes {
  private readonly lanes = new Map<string, { queue: LaneEntry[]; run: Promise<void> | undefined }>();
  private backlog = 0;
  private readonly waiters: Array<() => void> = [];
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly correlate: (entries: LaneEntry[]) => Promise<void>,
    private readonly window: number,
  ) {}

  push(key: string, entry: LaneEntry): void {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { queue: [], run: undefined }));
    lane.queue.push(entry);
    this.backlog++;
    void entry.ingested.then(() => {
      entry.ingestDone = true;
    });
    if (!lane.run) lane.run = this.drainLane(lane);
  }

  private async drainLane(lane: { queue: LaneEntry[]; run: Promise<void> | undefined }): Promise<void> {
    try {
      while (lane.queue.length && !this.failure) {
        await (lane.queue[0] as LaneEntry).ingested;
        // Every ingested entry at the head, in order, up to the batch size (the head's flag is set:
        // its `then` was registered before this `await`).
        let take = 0;
        let alerts = 0;
        while (take < lane.queue.length && (lane.queue[take] as LaneEntry).ingestDone) {
          const size = (lane.queue[take] as LaneEntry).alerts.length;
          if (take > 0 && alerts + size > LANE_BATCH_ALERTS) break;
          alerts += size;
          take++;
        }
        const batch = lane.queue.splice(0, Math.max(1, take));
        await this.correlate(batch);
        this.backlog -= batch.length;
        while (this.waiters.length && this.backlog < this.window) this.waiters.shift()?.();
      }
    } catch (error) {
      this.failure ??= { error };
    } finally {
      lane.run = undefined;
      if (this.failure) while (this.waiters.length) this.waiters.shift()?.();
    }
  }

  /** Resolves when fewer than `window` deliveries wait for correlation. */
  async admit(): Promise<void> {
    while (this.backlog >= this.window && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async drain(): Promise<void> {
    for (;;) {
      const running = [...this.lanes.values()].map((lane) => lane.run).filter((run): run is Promise<void> => run !== undefined);
      if (!running.length) return;
      await Promise.all(running);
    }
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
