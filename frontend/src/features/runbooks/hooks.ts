import { useQueries, useQuery, type QueryKey } from '@tanstack/react-query';
import { call } from '../../api/client';
import { useApi } from '../../auth/session';
import type { LiveEvent } from '../../realtime/event';

/** How many executions a company's "recent runs" list asks for. */
const EXECUTION_PAGE = 100;

export const runbookKeys = {
  all: ['runbooks'] as const,
  list: (tenantId: string | undefined) => [...runbookKeys.all, tenantId] as const,
};

export const executionKeys = {
  all: ['executions'] as const,
  recent: (tenantId: string) => [...executionKeys.all, 'recent', tenantId] as const,
  ofIncident: (tenantId: string, incidentId: string) => [...executionKeys.all, 'incident', tenantId, incidentId] as const,
  detail: (tenantId: string, executionId: string) => [...executionKeys.all, 'detail', tenantId, executionId] as const,
};

/** An execution started, waits for approval, ran a step or finished: every list of executions may have changed. */
export function executionsStaleAfter(event: LiveEvent): QueryKey[] {
  return /Execution/.test(event.type) ? [executionKeys.all] : [];
}

/** A company's runbooks (they change only when the library is deployed: kept for five minutes). */
export function useRunbooks(tenantId: string | undefined, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: runbookKeys.list(tenantId),
    queryFn: () => call(api.GET('/v1/runbooks', { params: { query: { tenant: tenantId } } })),
    enabled: Boolean(tenantId) && enabled,
    staleTime: 5 * 60_000,
  });
}

function recentExecutionsQuery(api: ReturnType<typeof useApi>, tenantId: string) {
  return {
    queryKey: executionKeys.recent(tenantId),
    queryFn: () => call(api.GET('/v1/executions', { params: { query: { tenant: tenantId, limit: EXECUTION_PAGE } } })),
  };
}

/** A company's newest executions (one cache entry shared by every page). */
export function useTenantExecutions(tenantId: string | undefined) {
  const api = useApi();
  return useQuery({ ...recentExecutionsQuery(api, tenantId ?? ''), enabled: Boolean(tenantId) });
}

/** The newest executions of several companies at once. */
export function useExecutionsOf(tenantIds: string[], enabled = true) {
  const api = useApi();
  return useQueries({
    queries: tenantIds.map((tenantId) => ({ ...recentExecutionsQuery(api, tenantId), enabled })),
  });
}

/** The runs of one incident's runbooks. */
export function useIncidentExecutions(tenantId: string, incidentId: string) {
  const api = useApi();
  return useQuery({
    queryKey: executionKeys.ofIncident(tenantId, incidentId),
    queryFn: () => call(api.GET('/v1/executions', { params: { query: { tenant: tenantId, incidentId, limit: 20 } } })),
  });
}

/** One execution: its targets and parameters. */
export function useExecution(tenantId: string, executionId: string) {
  const api = useApi();
  return useQuery({
    queryKey: executionKeys.detail(tenantId, executionId),
    queryFn: () => call(api.GET('/v1/executions/{id}', { params: { path: { id: executionId }, query: { tenant: tenantId } } })),
    staleTime: 60_000,
  });
}
