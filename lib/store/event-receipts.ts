import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../domain/events';
import { keys, ttlAfter } from './keys';
import type { TableRef } from './table-ref';

/**
 * Which consumer has handled which event. Events are delivered at least once (the stream relay, the
 * bus and their retries may repeat one), so each consumer skips an event id it has handled. The
 * receipt is written after the work succeeded: a crash in between repeats the work (duplicates are
 * acceptable, silence is not), and every consumer's work is itself safe to repeat.
 */
export const RECEIPT_RETENTION_SECONDS = 3 * 24 * 3600;

export type EventConsumer = 'sla' | 'remediate' | 'realtimePush';

export async function hasHandled(table: TableRef, consumer: EventConsumer, event: DomainEvent): Promise<boolean> {
  const { Item } = await table.db.send(
    new GetCommand({
      TableName: table.tableName,
      Key: keys.eventReceipt(event.detail.tenantId, event.detail.eventId, consumer),
      ConsistentRead: true,
    }),
  );
  return Boolean(Item);
}

export async function markHandled(table: TableRef, consumer: EventConsumer, event: DomainEvent, now: Date): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...keys.eventReceipt(event.detail.tenantId, event.detail.eventId, consumer),
        entity: 'eventReceipt',
        tenantId: event.detail.tenantId,
        eventId: event.detail.eventId,
        detailType: event.detailType,
        consumer,
        handledAt: now.toISOString(),
        ttl: ttlAfter(now, RECEIPT_RETENTION_SECONDS),
      },
    }),
  );
}

/** Runs `work` for the event unless this consumer handled it before; records it as handled after. */
export async function handleOnce<T>(
  table: TableRef,
  consumer: EventConsumer,
  event: DomainEvent,
  now: () => Date,
  work: () => Promise<T>,
): Promise<{ handled: true; result: T } | { handled: false; reason: 'already handled' }> {
  if (await hasHandled(table, consumer, event)) return { handled: false, reason: 'already handled' };
  const result = await work();
  await markHandled(table, consumer, event, now());
  return { handled: true, result };
}
