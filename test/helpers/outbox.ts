import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../../lib/domain/events';
import { OUTBOX_ENTITY } from '../../lib/store/outbox';
import type { TableRef } from '../../lib/store/table-ref';

/**
 * Every event committed to a test table's outbox, oldest first (event ids are monotonic ULIDs): what
 * the stream relay would put on the bus. A scan: test tables are small.
 */
export async function committedEvents(table: TableRef, filter: (event: DomainEvent) => boolean = () => true): Promise<DomainEvent[]> {
  const events: DomainEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'entity = :outbox',
        ExpressionAttributeValues: { ':outbox': OUTBOX_ENTITY },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) events.push(...(item.events as DomainEvent[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return events.sort((a, b) => (a.detail.eventId < b.detail.eventId ? -1 : a.detail.eventId > b.detail.eventId ? 1 : 0)).filter(filter);
}
