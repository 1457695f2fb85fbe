import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, ttlAfter } from './keys';
import type { TableRef } from './table-ref';
import { isConditionFailure } from './transact';

/** One callback request per person and incident in this window: each one tells a person, who should not be paged again and again. */
export const CALLBACK_REQUEST_WINDOW_MS = 15 * 60_000;

/**
 * Claims a callback request of a user on an incident at `now` (one conditional write): true when their last
 * one is older than the window, else the milliseconds until another may be asked.
 */
export async function claimCallbackRequest(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  userId: string,
  now: Date,
): Promise<{ claimed: true } | { claimed: false; waitMs: number }> {
  const at = now.getTime();
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.callbackRequest(tenantId, incidentId, userId), entity: 'callbackRequest', at, ttl: ttlAfter(now, 86_400) },
        ConditionExpression: 'attribute_not_exists(#at) OR #at <= :before',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':before': at - CALLBACK_REQUEST_WINDOW_MS },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const last = Number((error as { Item?: { at?: { N?: string } } }).Item?.at?.N ?? at);
    return { claimed: false, waitMs: Math.max(1_000, last + CALLBACK_REQUEST_WINDOW_MS - at) };
  }
}
