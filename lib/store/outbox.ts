import { monotonicFactory } from 'ulid';
import * as z from 'zod';
import { parseDomainEvent, type DomainEvent, type NewDomainEvent } from '../domain/events';
import { entityOf } from './entity';
import { keys, ttlAfter } from './keys';
import type { TableRef } from './table-ref';
import { transactWrite, type TransactItem } from './transact';

/**
 * The transactional outbox. A state change and the events it implies are written in one transaction:
 * the change's items plus one outbox item holding its events. The table's stream carries the outbox
 * item to the relay (lib/relay/stream-relay.ts), which puts the events on the bus: an event is never
 * lost after its change committed, and never sent for a change that did not commit.
 */
export const OUTBOX_ENTITY = 'outbox';
/** Longer than the stream keeps records (24 h), so a redrive from the stream's dead-letter queue can still read it. */
export const OUTBOX_RETENTION_SECONDS = 3 * 24 * 3600;

/** Monotonic: events written in one millisecond keep their order when sorted by id. */
const nextEventId = monotonicFactory();

/** The events with their ids, each checked against its detail-type's contract (a mismatch is a bug: it throws). */
export function stampEvents(tenantId: string, events: readonly NewDomainEvent[], now: Date): DomainEvent[] {
  return events.map((event) => {
    if (event.detail.tenantId !== tenantId)
      throw new Error(`An event of ${event.detail.tenantId} cannot be written with ${tenantId}'s change`);
    return parseDomainEvent(event.detailType, { ...event.detail, eventId: nextEventId(now.getTime()) });
  });
}

/** The outbox item of one transaction's events (all of one tenant). */
export function outboxPut(table: TableRef, tenantId: string, events: readonly NewDomainEvent[], now: Date): TransactItem {
  const stamped = stampEvents(tenantId, events, now);
  const outboxId = stamped[0]?.detail.eventId;
  if (!outboxId) throw new Error('An outbox item needs at least one event');
  return {
    Put: {
      TableName: table.tableName,
      Item: {
        ...keys.outbox(tenantId, outboxId),
        entity: OUTBOX_ENTITY,
        tenantId,
        events: stamped,
        createdAt: now.toISOString(),
        ttl: ttlAfter(now, OUTBOX_RETENTION_SECONDS),
      },
      // A fresh id: never overwrites, so the stream always sees an INSERT.
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The outbox item: the events as they were written, each parsed against its contract when read (parseDomainEvent). */
const outboxItemSchema = z.object({ events: z.array(z.object({ detailType: z.string(), detail: z.unknown() })) });

/** The events an outbox item holds (from the stream); an event that breaks its contract throws. */
export function eventsOfOutboxItem(item: Record<string, unknown>): DomainEvent[] {
  return entityOf(outboxItemSchema, item).events.map((event) => parseDomainEvent(event.detailType, event.detail));
}

/** `items` plus the outbox item of `events` (none when there are no events). */
export function withEvents(
  table: TableRef,
  tenantId: string,
  items: readonly TransactItem[],
  events: readonly NewDomainEvent[],
  now: Date,
): TransactItem[] {
  return events.length ? [...items, outboxPut(table, tenantId, events, now)] : [...items];
}

/** Events that announce no state change of their own (an operator's request): written alone. */
export async function writeEvents(table: TableRef, tenantId: string, events: readonly NewDomainEvent[], now: Date): Promise<void> {
  if (events.length) await transactWrite(table, [outboxPut(table, tenantId, events, now)]);
}
