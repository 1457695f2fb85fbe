import { BatchGetCommand, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The table the repositories work on: passed in, never global, so tests use their own tables. */
export interface TableRef {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/** Every item a query matches, following DynamoDB's pages (for bounded collections only). */
export async function queryAll(
  table: TableRef,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(new QueryCommand({ ...input, TableName: table.tableName, ExclusiveStartKey: cursor }));
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/**
 * One page of up to `limit` matching items. A FilterExpression may drop whole DynamoDB pages, so this
 * keeps reading until the page is full or the data ends; `cursor` continues where it stopped.
 */
export async function queryPage(
  table: TableRef,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>,
  page: { limit: number; cursor?: Record<string, unknown> },
): Promise<{ items: Record<string, unknown>[]; cursor?: Record<string, unknown> }> {
  const items: Record<string, unknown>[] = [];
  let cursor = page.cursor;
  do {
    const result = await table.db.send(
      new QueryCommand({ ...input, TableName: table.tableName, Limit: page.limit - items.length, ExclusiveStartKey: cursor }),
    );
    items.push(...(result.Items ?? []));
    cursor = result.LastEvaluatedKey;
  } while (cursor && items.length < page.limit);
  return { items, ...(cursor ? { cursor } : {}) };
}

/** Proves the table answers (any read does; the item need not exist): the health check. */
export async function pingTable(table: TableRef): Promise<void> {
  await table.db.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'MSP#HEALTH', sk: 'HEALTH' } }));
}

/** The items of up to 100 keys in one BatchGetItem, following its unprocessed keys (absent items are left out). */
export async function batchGetItems(
  table: TableRef,
  itemKeys: ReadonlyArray<Record<string, unknown>>,
  options: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  if (itemKeys.length > 100) throw new Error('batchGetItems reads at most 100 keys a call');
  const items: Record<string, unknown>[] = [];
  let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = itemKeys.length
    ? { [table.tableName]: { Keys: [...itemKeys], ConsistentRead: options.consistent ?? false } }
    : undefined;
  while (request && Object.keys(request).length) {
    const page = await table.db.send(new BatchGetCommand({ RequestItems: request }));
    items.push(...(page.Responses?.[table.tableName] ?? []));
    request = page.UnprocessedKeys as typeof request;
  }
  return items;
}
