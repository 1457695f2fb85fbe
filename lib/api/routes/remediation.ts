import type { Route, RouteContext } from '../context';
import { approvalRoutes } from './approvals';
import { executionRoutes } from './executions';
import { remediationPolicyRoutes } from './remediation-policy';

/**
 * Remediation through the operator API, one file per resource: approval requests (./approvals.ts),
 * runbook executions and running a runbook by hand (./executions.ts), and a tenant's remediation policy
 * and cross-account access (./remediation-policy.ts).
 */
export function remediationRoutes(context: RouteContext): Route[] {
  return [...approvalRoutes(context), ...executionRoutes(context), ...remediationPolicyRoutes(context)];
}
