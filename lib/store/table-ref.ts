import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The table the repositories work on: passed in, never global, so tests use their own tables. */
export interface TableRef {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/** Strips the key and index attributes from a stored item, leaving the entity. */
export function entityOf<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1p, gsi1sk: _g1s, gsi2pk: _g2p, gsi2sk: _g2s, ttl: _ttl, entity: _e, ...rest } = item;
  return rest as T;
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
