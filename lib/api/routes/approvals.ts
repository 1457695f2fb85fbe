import * as z from 'zod';
import type { AccessClaims } from '../../auth/tokens';
import { approveBody, rejectBody } from '../../domain/remediation/approval-decision';
import type { Approval } from '../../domain/remediation/execution';
import { AppError, forbidden, notFound } from '../../errors';
import { json } from '../../http/http';
import { approvalRefusal } from '../../remediation/approval-rules';
import { ApprovalRefused, decideApproval } from '../../remediation/service';
import { getApproval, listPendingApprovals, publicApproval } from '../../store/remediation';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { approvalListResponse, approvalResponse, approvalViewResponse, tenantQuery } from '../schemas';
import { REMEDIATION_TAG, ULID } from './remediation-shared';

/**
 * Approval requests: the pending ones across the tenants the caller may see (each saying whether the
 * caller may decide it), one request, and approving or rejecting it (lib/remediation/approval-rules.ts:
 * medium risk a company admin of the tenant or an MSP admin, high risk an MSP admin, never one's own
 * request, never an expired or decided one).
 */

const tag = REMEDIATION_TAG;
const approvalPathParams = z.object({ id: z.string().max(26).regex(ULID).describe("Approval request id (a ULID, its execution's id)") });

const approvalListQuery = tenantQuery.extend({
  mine: z.enum(['decidable']).optional().describe('`decidable`: only the requests the caller may approve or reject now'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

const approvalErrors = {
  403: "The role may not decide this request (high risk needs an MSP admin), or it is the caller's own request (code `own_request`)",
  409: 'The request was decided already (code `approval_decided`), has expired (code `approval_expired`), or its incident is no longer open and it was withdrawn (code `approval_withdrawn`)',
};

/** The HTTP answer to a refused decision: 404, 403 (the role; own_request), 409 (approval_expired; approval_decided; approval_withdrawn: the incident is over). */
function refusalError(error: ApprovalRefused): AppError {
  switch (error.reason) {
    case 'not_found':
      return notFound('Approval request');
    case 'role':
      return forbidden(error.message);
    case 'own_request':
      return new AppError(403, 'own_request', error.message);
    case 'expired':
      return new AppError(409, 'approval_expired', error.message);
    case 'not_pending':
      return new AppError(409, 'approval_decided', error.message);
    case 'withdrawn':
      return new AppError(409, 'approval_withdrawn', error.message);
  }
}

/** The request with whether the caller may decide it now, and why not. */
function approvalView(approval: Approval, principal: AccessClaims, now: Date) {
  const refusal = approvalRefusal(approval, principal, now);
  return { ...approval, canDecide: refusal === undefined, ...(refusal ? { refusal } : {}) };
}

export function approvalRoutes(context: RouteContext): Route[] {
  const { deps, tenantsFor } = context;
  const defineRoute = routeDefiner(context);
  const remediationDeps = context.remediation;

  const decide = (verdict: 'approve' | 'reject'): Route =>
    defineRoute(
      {
        method: 'POST',
        path: `/v1/approvals/{id}/${verdict}`,
        summary: verdict === 'approve' ? 'Approve a pending request: the runbook runs' : 'Reject a pending request: the execution ends',
        description:
          verdict === 'approve'
            ? 'Medium risk: a company admin of the tenant or an MSP admin; high risk (or a blast radius over the tenant limit): an MSP admin. Nobody decides their own request.'
            : 'A comment saying why is required. The incident then goes to a technician. Same rules as approving.',
        tag,
        scope: 'tenant',
        // Deciding anything takes approval.decide.medium at least (high risk: .high, checked with the request).
        action: 'approval.decide.medium',
        params: approvalPathParams,
        malformedPathIs404: 'Approval request',
        query: tenantQuery,
        tenant: { from: 'query' },
        body: verdict === 'approve' ? approveBody : rejectBody,
        ...(verdict === 'approve' ? { bodyOptional: true } : {}),
        responses: { 200: approvalResponse },
        errors: approvalErrors,
        audit: { action: `approval.${verdict}`, log: 'tenant' },
      },
      async ({ principal, tenantId, params: { id }, body, audit }) => {
        const comment = body.comment || undefined;
        let decided: Approval;
        try {
          decided = await decideApproval(remediationDeps, principal, tenantId, id, verdict, comment);
        } catch (error) {
          if (error instanceof ApprovalRefused) throw refusalError(error);
          throw error;
        }
        await audit({
          tenantId,
          resource: { type: 'approval', id },
          summary: {
            before: { state: 'pending' },
            after: { state: decided.state, runbookId: decided.runbookId, risk: decided.risk, ...(comment ? { comment } : {}) },
          },
        });
        return json(200, decided);
      },
    );

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/approvals',
        summary: 'Pending approval requests across the tenants the caller may see, soonest expiry first',
        description:
          'Each says whether the caller may decide it (`canDecide`) and why not (`refusal`). `?mine=decidable` keeps only those the caller may approve or reject: the approval queue.',
        tag,
        scope: 'visible',
        action: 'approval.read',
        query: approvalListQuery,
        responses: { 200: approvalListResponse },
      },
      async ({ principal, query }) => {
        const tenantIds = await tenantsFor(principal, 'approval.read', query.tenant);
        const pending = tenantIds.length ? await listPendingApprovals(deps.table, { tenantIds: new Set(tenantIds) }) : [];
        const now = deps.now();
        const views = pending
          .map((approval) => approvalView(approval, principal, now))
          .filter((view) => query.mine !== 'decidable' || view.canDecide);
        return json(200, { approvals: views.slice(0, query.limit) });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/approvals/{id}',
        summary: 'One approval request, in any state',
        tag,
        scope: 'tenant',
        action: 'approval.read',
        params: approvalPathParams,
        malformedPathIs404: 'Approval request',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: approvalViewResponse },
      },
      async ({ principal, tenantId, params: { id } }) => {
        const stored = await getApproval(deps.table, tenantId, id);
        if (!stored) throw notFound('Approval request');
        return json(200, approvalView(publicApproval(stored), principal, deps.now()));
      },
    ),
    decide('approve'),
    decide('reject'),
  ];
}
