import { correlationPolicySchema, DEFAULT_POLICY, policyDifference, type CorrelationPolicy } from '../domain/correlation/policy';
import { TtlCache } from '../util/ttl-cache';
import { keys } from './keys';
import type { TableRef } from './table-ref';
import { getVersionedPolicy, putVersionedPolicy, type StoredPolicy } from './versioned-policy';

export type StoredCorrelationPolicy = StoredPolicy<CorrelationPolicy>;

/**
 * The tenant's policy with every default filled in; the defaults when it never set one. Only the
 * fields a tenant changed are stored, so a default improved later reaches every tenant that kept it.
 */
export function getCorrelationPolicy(table: TableRef, tenantId: string): Promise<StoredCorrelationPolicy> {
  return getVersionedPolicy(
    table,
    keys.correlationPolicy(tenantId),
    (value) => correlationPolicySchema.safeParse(value),
    DEFAULT_POLICY,
    'correlation policy',
    tenantId,
  );
}

/** Stores the policy (its differences from the defaults) if the stored one is still at `expectedVersion`; false otherwise. */
export function putCorrelationPolicy(
  table: TableRef,
  tenantId: string,
  policy: CorrelationPolicy,
  updatedBy: string,
  now: Date,
  expectedVersion: number,
): Promise<boolean> {
  const changed = policyDifference(DEFAULT_POLICY, policy).after;
  return putVersionedPolicy(
    table,
    keys.correlationPolicy(tenantId),
    { entity: 'correlationPolicy', tenantId, policy: changed, updatedBy, now },
    expectedVersion,
  );
}

/** Policies are read for every alert: a warm function keeps each a minute (an edit applies within a minute). */
export class PolicyCache extends TtlCache<CorrelationPolicy> {
  constructor(table: TableRef, maxAgeMs = 60_000, clock?: () => number) {
    super(async (tenantId) => (await getCorrelationPolicy(table, tenantId)).policy, maxAgeMs, clock);
  }
}
