import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { logger } from '../observability';
import { changeStampSchema, entityOf } from './entity';
import type { TableRef } from './table-ref';
import { isConditionFailure } from './transact';

/**
 * A tenant's policy item (correlation, remediation, SLA, escalation): one item with the policy and a
 * version. A write names the version it read (0: none stored yet), so two admins editing at once never
 * overwrite each other silently: the second gets a conflict and reads again.
 */
export interface StoredPolicy<T> {
  policy: T;
  /** 0 when the tenant never set one; a write must name the version it read. */
  version: number;
  updatedAt?: string;
  updatedBy?: string;
}

/** The policy item; the policy itself is parsed by its own schema, apart, so that one an older version wrote falls back. */
const storedPolicySchema = changeStampSchema.extend({ policy: z.unknown(), version: z.number().int().min(1).default(1) });

/**
 * The stored policy, parsed; the fallback (the defaults) when there is none, or when what is stored no
 * longer parses (written by an older version with a field since removed or narrowed): the service then
 * runs on the defaults and says so in the log.
 */
export async function getVersionedPolicy<T>(
  table: TableRef,
  key: { pk: string; sk: string },
  parse: (value: unknown) => { success: true; data: T } | { success: false },
  fallback: T,
  what: string,
  tenantId: string,
): Promise<StoredPolicy<T>> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
  if (!Item) return { policy: fallback, version: 0 };
  const { policy, version, ...changed } = entityOf(storedPolicySchema, Item);
  const parsed = parse(policy);
  if (!parsed.success) {
    logger.warn(`Stored ${what} is not valid any more; using the defaults`, { tenantId });
    return { policy: fallback, version };
  }
  return { policy: parsed.data, version, ...changed };
}

/** Stores `policy` if the stored one is still at `expectedVersion` (0: none yet); false on a conflict. */
export async function putVersionedPolicy(
  table: TableRef,
  key: { pk: string; sk: string },
  item: { entity: string; tenantId: string; policy: unknown; updatedBy: string; now: Date },
  expectedVersion: number,
): Promise<boolean> {
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...key,
          entity: item.entity,
          tenantId: item.tenantId,
          policy: item.policy,
          version: expectedVersion + 1,
          updatedAt: item.now.toISOString(),
          updatedBy: item.updatedBy,
        },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
