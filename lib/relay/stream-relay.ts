import { canonicalAlertSchema, type CanonicalAlert } from '../domain/alert';
import type { DomainEvent } from '../domain/events';
import { logger } from '../observability';
import { eventsOfOutboxItem, OUTBOX_ENTITY } from '../store/outbox';
import { insertedItem, type StreamRecord } from '../store/stream';
import { entityOf } from '../store/entity';

/**
 * The stream relay: what leaves the table's stream. Two kinds of new items carry work for later stages:
 * an outbox item (the events a transaction committed: they go to the event bus) and a freshly ingested
 * alert (it goes to the correlation queue). Ingestion and every state change only write to the table;
 * this relay is the one place that hands their work on, so nothing a transaction committed can be left
 * behind by a crash or a failed call after it. In AWS an EventBridge Pipe reads the stream (filtered by
 * STREAM_RELAY.filter in functions/catalog.ts) and invokes the relay function with each batch; the local
 * stack reads DynamoDB Local's stream and invokes the same function. At least once: a failed batch is
 * retried whole, so consumers skip events they have handled, and correlation skips alerts it has seen.
 */

export interface RelayDeps {
  /** Puts events on the bus (all of them, or throws). */
  publish: (events: DomainEvent[]) => Promise<void>;
  /** Hands alerts to correlation (all of them, or throws). */
  enqueue: (alerts: CanonicalAlert[]) => Promise<void>;
  /**
   * Counts the asset names of new alerts the inventory did not know (lib/store/alerts.ts
   * `noteUnresolvedAssetRefs`): the alerts with no asset that are not host-less. Best effort.
   */
  noteUnresolved?: (alerts: CanonicalAlert[]) => Promise<void>;
}

export interface RelayWork {
  events: DomainEvent[];
  alerts: CanonicalAlert[];
  /** Records that carry nothing to hand on (filtered out in AWS already; the local reader sees every record). */
  ignored: number;
}

/**
 * What a batch of stream records carries. An outbox item whose events break their contract, or an alert
 * item that is not a canonical alert, throws: the batch is retried and then dead-lettered, loudly,
 * rather than dropped (it would be a bug in a writer).
 */
export function workOf(records: readonly StreamRecord[]): RelayWork {
  const work: RelayWork = { events: [], alerts: [], ignored: 0 };
  for (const record of records) {
    const item = insertedItem(record);
    if (item?.entity === OUTBOX_ENTITY) {
      work.events.push(...eventsOfOutboxItem(item));
    } else if (item?.entity === 'alert' && item.incidentId === undefined && item.correlation === undefined) {
      // A new alert from ingestion. (Correlation rewrites an alert with its incident: that is not new work.)
      work.alerts.push(entityOf(canonicalAlertSchema, item));
    } else {
      work.ignored++;
    }
  }
  return work;
}

/**
 * Hands a batch's events to the bus and its new alerts to correlation, then counts the new alerts'
 * unresolved asset names. The count is best effort and approximate: it starts only once the hand-off
 * succeeded (a batch that fails and is retried whole counts once, when it goes through), a failure is
 * logged and never fails the batch (those alerts are not counted), and a batch retried after its count
 * (the function timed out after it) counts twice. The list it feeds is for an operator to map names,
 * so a count that is off by a batch now and then does no harm.
 */
export async function relayStreamRecords(
  records: readonly StreamRecord[],
  deps: RelayDeps,
): Promise<{ events: number; alerts: number; ignored: number }> {
  const work = workOf(records);
  await Promise.all([
    work.events.length ? deps.publish(work.events) : undefined,
    work.alerts.length ? deps.enqueue(work.alerts) : undefined,
  ]);
  const unresolved = work.alerts.filter((alert) => !alert.assetId && !alert.hostless);
  if (unresolved.length && deps.noteUnresolved) {
    try {
      await deps.noteUnresolved(unresolved);
    } catch (error) {
      logger.warn('Could not count unresolved asset names', { alerts: unresolved.length, error: error as Error });
    }
  }
  if (work.events.length || work.alerts.length)
    logger.debug('Relayed stream records', { events: work.events.length, alerts: work.alerts.length, ignored: work.ignored });
  return { events: work.events.length, alerts: work.alerts.length, ignored: work.ignored };
}
