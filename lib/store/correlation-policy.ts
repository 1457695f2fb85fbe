import { correlationPolicySchema, DEFAULT_POLICY, policyDifference, type CorrelationPolicy } from '../domain/correlation/policy';
import { TtlCache } from '../util/ttl-cache';
import { keys } from './keys';
import type { TableRef } from './table-ref';
import { versionedPolicy } from './versioned-policy';

/**
 * The tenant's correlation policy, read with every default filled in. Only the fields a tenant changed
 * are stored, so a default improved later reaches every tenant that kept it.
 */
export const correlationPolicies = versionedPolicy<CorrelationPolicy>({
  entity: 'correlationPolicy',
  key: keys.correlationPolicy,
  schema: correlationPolicySchema,
  defaults: DEFAULT_POLICY,
  what: 'correlation policy',
  stored: (policy) => policyDifference(DEFAULT_POLICY, policy).after,
});

/** Policies are read for every alert: a warm function keeps each a minute (an edit applies within a minute). */
export class PolicyCache extends TtlCache<CorrelationPolicy> {
  constructor(table: TableRef, maxAgeMs = 60_000, clock?: () => number) {
    super(async (tenantId) => (await correlationPolicies.get(table, tenantId)).policy, maxAgeMs, clock);
  }
}
