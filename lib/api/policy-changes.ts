import * as z from 'zod';
import { conflict } from '../errors';
import type { RouteRequest } from './define-route';

/**
 * How the settings routes change a tenant's versioned policies (correlation, remediation, SLA, escalation):
 * only with the version read, audited with the fields that changed, and not at all when nothing changes.
 */

export const STALE_POLICY = 'The policy changed meanwhile: read it again and repeat the change';
/** How a request's `version` field is documented. */
export const STALE_VERSION_DOC = 'The `version` the change is based on (from GET): a stale one is refused (409)';

export interface FieldDifference {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** The query of a reset (DELETE) of a tenant's policy: the version it is based on. */
export const resetQuery = z.object({
  version: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The `version` the reset is based on (from GET): a stale one is refused (409)'),
});

/** The top-level fields that differ, before and after: the audit summary of a change. */
export function fieldDifference<T extends object>(before: T, after: T): FieldDifference {
  const result: FieldDifference = { before: {}, after: {} };
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof T & string>) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    result.before[key] = before[key];
    result.after[key] = after[key];
  }
  return result;
}

/** A 409 with the current version when the caller sent the version it read and the policy has moved on. */
export function checkVersion(given: number | undefined, current: number, message = STALE_POLICY): void {
  if (given !== undefined && given !== current) throw conflict(message, { version: current });
}

/**
 * Stores `next` if the policy is still at the version read, and audits the fields it changes (under the
 * route's declared action); nothing at all when it changes nothing. `differ` defaults to the top-level fields.
 */
export async function storePolicyChange<P extends object>(
  audit: RouteRequest['audit'],
  change: {
    tenantId: string;
    current: { policy: P; version: number };
    next: P;
    write: (policy: P, expectedVersion: number) => Promise<boolean>;
    type: string;
    differ?: (before: P, after: P) => FieldDifference;
  },
): Promise<void> {
  const { tenantId, current, next } = change;
  const summary = (change.differ ?? fieldDifference)(current.policy, next);
  if (!Object.keys(summary.after).length) return;
  if (!(await change.write(next, current.version))) throw conflict(STALE_POLICY);
  await audit({ tenantId, resource: { type: change.type, id: tenantId }, summary });
}
