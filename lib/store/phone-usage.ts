import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys';
import type { TableRef } from './table-ref';
import { isConditionFailure } from './transact';

/**
 * The SMS and voice messages a tenant got this calendar month (UTC), against the stack's monthly cap:
 * each message is counted before it is sent, and refused once the cap is reached.
 */
export type PhoneCharge = { allowed: true; used: number } | { allowed: false; used: number };

export const monthOf = (at: Date) => at.toISOString().slice(0, 7);

export async function chargePhoneMessage(table: TableRef, tenantId: string, at: Date, cap: number): Promise<PhoneCharge> {
  if (cap <= 0) return { allowed: false, used: 0 };
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.phoneUsage(tenantId, monthOf(at)),
        UpdateExpression: 'SET entity = :entity, updatedAt = :at ADD used :one',
        ConditionExpression: 'attribute_not_exists(used) OR used < :cap',
        ExpressionAttributeValues: { ':entity': 'phoneUsage', ':at': at.toISOString(), ':one': 1, ':cap': cap },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { allowed: true, used: Number(Attributes?.used ?? 1) };
  } catch (error) {
    if (isConditionFailure(error)) return { allowed: false, used: cap };
    throw error;
  }
}
