import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { correlationPolicySchema, DEFAULT_POLICY, type CorrelationPolicy } from '../correlation/policy';
import { logger } from '../observability';
import { TtlCache } from '../util/ttl-cache';
import { keys } from './keys';
import type { TableRef } from './table-ref';

/** The tenant's stored policy with every default filled in; the defaults when it never set one. */
export async function getCorrelationPolicy(
  table: TableRef,
  tenantId: string,
): Promise<{ policy: CorrelationPolicy; updatedAt?: string; updatedBy?: string }> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.correlationPolicy(tenantId) }));
  if (!Item) return { policy: DEFAULT_POLICY };
  const parsed = correlationPolicySchema.safeParse(Item.policy);
  if (!parsed.success) {
    // Written by an older version with a field since removed or narrowed: run on the defaults and say so.
    logger.warn('Stored correlation policy is not valid any more; using the defaults', { tenantId, issues: parsed.error.issues.length });
    return { policy: DEFAULT_POLICY };
  }
  return { policy: parsed.data, updatedAt: Item.updatedAt as string, updatedBy: Item.updatedBy as string };
}

export async function putCorrelationPolicy(
  table: TableRef,
  tenantId: string,
  policy: CorrelationPolicy,
  updatedBy: string,
  now: Date,
): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.correlationPolicy(tenantId), entity: 'correlationPolicy', tenantId, policy, updatedAt: now.toISOString(), updatedBy },
    }),
  );
}

/** Policies are read for every alert: a warm function keeps each a minute (an edit applies within a minute). */
export class PolicyCache extends TtlCache<CorrelationPolicy> {
  constructor(table: TableRef, maxAgeMs = 60_000, clock?: () => number) {
    super(async (tenantId) => (await getCorrelationPolicy(table, tenantId)).policy, maxAgeMs, clock);
  }
}
