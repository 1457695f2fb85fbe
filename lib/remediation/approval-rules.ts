import { can, type Action, type Principal } from '../auth/permissions';
import type { Risk } from '../domain/remediation/runbook';
import type { ApproverRole } from '../domain/remediation/decision';

/**
 * Who may decide an approval request, on top of the permission matrix
 * (lib/auth/permissions.ts: `approval.decide.medium` for company admins of the tenant and MSP admins,
 * `approval.decide.high` for MSP admins):
 * - a request that needs an MSP admin (high risk, or a blast radius over the tenant's limit) needs
 *   `approval.decide.high`; any other (medium risk; low risk when the policy asks) `approval.decide.medium`;
 * - nobody decides their own request; an expired or already decided request cannot be decided.
 */
export interface ApprovalRequestView {
  tenantId: string;
  risk: Risk;
  requiredRole: ApproverRole;
  requestedBy: string;
  state: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  expiresAt: string;
}

export type ApprovalRefusal = 'not_pending' | 'expired' | 'own_request' | 'role';

/** The role a request needs, from its risk and what the decision asked for (the stricter wins). */
export function approverRoleFor(risk: Risk, requested: ApproverRole): ApproverRole {
  return risk === 'high' || requested === 'msp_admin' ? 'msp_admin' : 'company_admin';
}

/** The permission deciding the request takes. */
export function approvalAction(request: Pick<ApprovalRequestView, 'risk' | 'requiredRole'>): Action {
  return approverRoleFor(request.risk, request.requiredRole) === 'msp_admin' ? 'approval.decide.high' : 'approval.decide.medium';
}

/** Undefined when the approver (`sub` is the user id) may decide the request now; else why not. */
export function approvalRefusal(
  request: ApprovalRequestView,
  approver: Principal & { sub: string },
  now: Date,
): ApprovalRefusal | undefined {
  if (request.state !== 'pending') return 'not_pending';
  if (Date.parse(request.expiresAt) <= now.getTime()) return 'expired';
  if (request.requestedBy === approver.sub) return 'own_request';
  return can(approver, approvalAction(request), request.tenantId) ? undefined : 'role';
}
