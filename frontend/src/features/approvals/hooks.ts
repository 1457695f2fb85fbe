import { useMutation, useQueries, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import type { LiveEvent } from '../../realtime/event';
import { incidentKeys } from '../incidents/hooks';
import type { Reactions } from '../reactions';
import { executionKeys } from '../runbooks/hooks';

type ApprovalView = Schemas['ApprovalView'];
type Verdict = 'approve' | 'reject';

export const approvalKeys = {
  all: ['approvals'] as const,
  /** `filter`: every request, or only those the user may decide. */
  list: (tenantId: string | undefined, filter: 'all' | 'decidable') => [...approvalKeys.all, 'list', tenantId ?? 'all', filter] as const,
  detail: (tenantId: string, approvalId: string) => [...approvalKeys.all, 'detail', tenantId, approvalId] as const,
};

/** A request was made, decided or expired. */
export function approvalsStaleAfter(event: LiveEvent): QueryKey[] {
  return /Approval/.test(event.type) ? [approvalKeys.all] : [];
}

/** The approval requests (read again every minute: they expire on their own). */
export function useApprovals(tenantId: string | undefined, filter: 'all' | 'decidable') {
  const api = useApi();
  return useQuery({
    queryKey: approvalKeys.list(tenantId, filter),
    queryFn: () =>
      call(api.GET('/v1/approvals', { params: { query: { tenant: tenantId, mine: filter === 'decidable' ? 'decidable' : undefined } } })),
    refetchInterval: 60_000,
  });
}

/** Decided requests, one by one: who decided and their comment (a decision never changes). */
export function useApprovalDetails(rows: { tenantId: string; id: string }[]) {
  const api = useApi();
  return useQueries({
    queries: rows.map((row) => ({
      queryKey: approvalKeys.detail(row.tenantId, row.id),
      queryFn: () => call(api.GET('/v1/approvals/{id}', { params: { path: { id: row.id }, query: { tenant: row.tenantId } } })),
      staleTime: 5 * 60_000,
      retry: false,
    })),
  });
}

type Decided = Awaited<ReturnType<typeof decide>>;

function decide(api: ReturnType<typeof useApi>, approval: ApprovalView, verdict: Verdict, comment: string) {
  const params = { path: { id: approval.id }, query: { tenant: approval.tenantId } };
  return verdict === 'approve'
    ? call(api.POST('/v1/approvals/{id}/approve', { params, body: comment ? { comment } : {} }))
    : call(api.POST('/v1/approvals/{id}/reject', { params, body: { comment } }));
}

/**
 * Approves or rejects a request with the comment given to `mutate`. The component hears of the decision
 * first (its dialog closes at once); the approvals, the incident and its executions are read again behind it.
 */
export function useDecideApproval(approval: ApprovalView, verdict: Verdict, reactions: Reactions<Decided, string> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (comment: string) => decide(api, approval, verdict, comment),
    onSuccess: async (decided, comment) => {
      await reactions.onSuccess?.(decided, comment);
      await Promise.all(
        [approvalKeys.all, incidentKeys.lists, incidentKeys.detail(approval.tenantId, approval.incidentId), executionKeys.all].map(
          (queryKey) => queryClient.invalidateQueries({ queryKey }),
        ),
      );
    },
    onError: reactions.onError,
  });
}
