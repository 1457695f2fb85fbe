import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { correlationPolicySchema, DEFAULT_POLICY, policyDifference, type CorrelationPolicy } from '../correlation/policy';
import { logger } from '../observability';
import { TtlCache } from '../util/ttl-cache';
import { keys } from './keys';
import type { TableRef } from './table-ref';

export interface StoredPolicy {
  policy: CorrelationPolicy;
  /** 0 when the tenant never set one; a write must name the version it read. */
  version: number;
  updatedAt?: string;
  updatedBy?: string;
}

/**
 * The tenant's policy with every default filled in; the defaults when it never set one. Only the
 * fields a tenant changed are stored, so a default improved later reaches every tenant that kept it.
 */
export async function getCorrelationPolicy(table: TableRef, tenantId: string): Promise<StoredPolicy> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.correlationPolicy(tenantId), ConsistentRead: true }),
  );
  if (!Item) return { policy: DEFAULT_POLICY, version: 0 };
  const version = (Item.version as number | undefined) ?? 1;
  const parsed = correlationPolicySchema.safeParse(Item.policy);
  if (!parsed.success) {
    // Written by an older version with a field since removed or narrowed: run on the defaults and say so.
    logger.warn('Stored correlation policy is not valid any more; using the defaults', { tenantId, issues: parsed.error.issues.length });
    return { policy: DEFAULT_POLICY, version };
  }
  return { policy: parsed.data, version, updatedAt: Item.updatedAt as string, updatedBy: Item.updatedBy as string };
}

/** Stores the policy (its differences from the defaults) if the stored one is still at `expectedVersion`; false otherwise. */
export async function putCorrelationPolicy(
  table: TableRef,
  tenantId: string,
  policy: CorrelationPolicy,
  updatedBy: string,
  now: Date,
  expectedVersion: number,
): Promise<boolean> {
  const changed = policyDifference(DEFAULT_POLICY, policy).after;
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.correlationPolicy(tenantId),
          entity: 'correlationPolicy',
          tenantId,
          policy: changed,
          version: expectedVersion + 1,
          updatedAt: now.toISOString(),
          updatedBy,
        },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Policies are read for every alert: a warm function keeps each a minute (an edit applies within a minute). */
export class PolicyCache extends TtlCache<CorrelationPolicy> {
  constructor(table: TableRef, maxAgeMs = 60_000, clock?: () => number) {
    super(async (tenantId) => (await getCorrelationPolicy(table, tenantId)).policy, maxAgeMs, clock);
  }
}
