import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { LiveEvent } from '../../realtime/event';
import { kpiKeys } from '../kpis/hooks';
import { technicianKeys } from '../oncall/hooks';
import type { Reactions } from '../reactions';
import { executionKeys } from '../runbooks/hooks';

type Incident = Schemas['Incident'];
type IncidentDetail = Schemas['IncidentDetail'];
type Execution = Schemas['Execution'];
type IncidentQuery = NonNullable<paths['/v1/incidents']['get']['parameters']['query']>;
type ResolutionCode = NonNullable<paths['/v1/incidents/{id}/resolve']['post']['requestBody']>['content']['application/json']['code'];

/**
 * The incidents' query keys. The lists and each incident's detail have different roots: an event refreshes
 * every list but only the detail of the incident it names.
 */
export const incidentKeys = {
  lists: ['incidents'] as const,
  /** `query`: the API's own query parameters, so equal requests share one cache entry. */
  list: (query: IncidentQuery) => [...incidentKeys.lists, query] as const,
  pages: (query: Omit<IncidentQuery, 'cursor' | 'limit'>) => [...incidentKeys.lists, 'pages', query] as const,
  detail: (tenantId: string, incidentId: string) => ['incident', tenantId, incidentId] as const,
  /** Under the detail: refreshed with it. */
  alerts: (tenantId: string, incidentId: string, since: string) => [...incidentKeys.detail(tenantId, incidentId), 'alerts', since] as const,
};

/** Any event can add, move or close an incident in a list; the named incident's detail changed. */
export function incidentsStaleAfter(event: LiveEvent): QueryKey[] {
  return event.incidentId ? [incidentKeys.lists, incidentKeys.detail(event.tenantId, event.incidentId)] : [incidentKeys.lists];
}

function incidentsQuery(api: ReturnType<typeof useApi>, query: IncidentQuery) {
  return {
    queryKey: incidentKeys.list(query),
    queryFn: () => call(api.GET('/v1/incidents', { params: { query } })),
  };
}

export function useIncidentList(query: IncidentQuery, enabled = true) {
  const api = useApi();
  return useQuery({ ...incidentsQuery(api, query), enabled });
}

/** The active incidents of several companies at once (up to `limit` each). */
export function useActiveIncidentsOf(tenantIds: string[], limit: number) {
  const api = useApi();
  return useQueries({ queries: tenantIds.map((tenant) => incidentsQuery(api, { tenant, status: 'active', limit })) });
}

/** The incident queue, `pageSize` at a time (cursor pages). */
export function useIncidentPages(query: Omit<IncidentQuery, 'cursor' | 'limit'>, pageSize: number) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: incidentKeys.pages(query),
    queryFn: ({ pageParam }) => call(api.GET('/v1/incidents', { params: { query: { ...query, cursor: pageParam, limit: pageSize } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

/** One incident with its alerts and timeline (the live updates refresh it). */
export function useIncident(tenantId: string, incidentId: string, staleTime?: number) {
  const api = useApi();
  return useQuery({
    queryKey: incidentKeys.detail(tenantId, incidentId),
    queryFn: () => call(api.GET('/v1/incidents/{id}', { params: { path: { id: incidentId }, query: { tenant: tenantId } } })),
    staleTime,
  });
}

/** The company's alerts since just before the incident opened (each names the webhook request that brought it). */
export function useIncidentAlerts(incident: Incident, enabled: boolean) {
  const api = useApi();
  const { tenantId } = incident;
  const since = new Date(new Date(incident.openedAt).getTime() - 15 * 60_000).toISOString();
  return useQuery({
    queryKey: incidentKeys.alerts(tenantId, incident.id, since),
    queryFn: () => call(api.GET('/v1/alerts', { params: { query: { tenant: tenantId, since, limit: 200 } } })),
    enabled,
    staleTime: 60_000,
  });
}

/**
 * After an operator's action: the answer is the incident as it is now; the lists, the KPIs and (where the
 * action moves workload) the technicians are read again.
 */
function useSettle(incident: Incident) {
  const queryClient = useQueryClient();
  return (next: IncidentDetail | undefined, alsoStale: QueryKey[] = []) => {
    const detail = incidentKeys.detail(incident.tenantId, incident.id);
    if (next) queryClient.setQueryData(detail, next);
    for (const queryKey of [detail, incidentKeys.lists, kpiKeys.all, ...alsoStale]) void queryClient.invalidateQueries({ queryKey });
  };
}

function pathOf(incident: Incident) {
  return { params: { path: { id: incident.id }, query: { tenant: incident.tenantId } } };
}

/** An incident action whose answer is the incident after it. */
function useIncidentAction<V>(
  incident: Incident,
  send: (api: ReturnType<typeof useApi>, variables: V) => Promise<IncidentDetail>,
  reactions: Reactions<IncidentDetail, V>,
  alsoStale: QueryKey[] = [],
) {
  const api = useApi();
  const settle = useSettle(incident);
  return useMutation({
    mutationFn: (variables: V) => send(api, variables),
    onSuccess: (next, variables) => {
      settle(next, alsoStale);
      return reactions.onSuccess?.(next, variables);
    },
    onError: reactions.onError,
  });
}

export function useAcknowledgeIncident(incident: Incident, reactions: Reactions<IncidentDetail> = {}) {
  return useIncidentAction<void>(incident, (api) => call(api.POST('/v1/incidents/{id}/acknowledge', pathOf(incident))), reactions);
}

/** `null` unassigns. */
export function useAssignIncident(incident: Incident, reactions: Reactions<IncidentDetail, string | null> = {}) {
  return useIncidentAction(
    incident,
    (api, userId: string | null) => call(api.POST('/v1/incidents/{id}/assign', { ...pathOf(incident), body: { userId } })),
    reactions,
    [technicianKeys.all],
  );
}

export function useResolveIncident(incident: Incident, reactions: Reactions<IncidentDetail, { code: ResolutionCode; note?: string }> = {}) {
  return useIncidentAction(
    incident,
    (api, body: { code: ResolutionCode; note?: string }) => call(api.POST('/v1/incidents/{id}/resolve', { ...pathOf(incident), body })),
    reactions,
    [technicianKeys.all],
  );
}

export function useReopenIncident(incident: Incident, reactions: Reactions<IncidentDetail> = {}) {
  return useIncidentAction<void>(
    incident,
    (api) => call(api.POST('/v1/incidents/{id}/reopen', { ...pathOf(incident), body: {} })),
    reactions,
  );
}

/** Pauses the SLA clocks; an empty reason is left out. */
export function usePauseSla(incident: Incident, reactions: Reactions<IncidentDetail, string> = {}) {
  return useIncidentAction(
    incident,
    (api, reason: string) => call(api.POST('/v1/incidents/{id}/sla/pause', { ...pathOf(incident), body: reason ? { reason } : {} })),
    reactions,
  );
}

export function useResumeSla(incident: Incident, reactions: Reactions<IncidentDetail> = {}) {
  return useIncidentAction<void>(incident, (api) => call(api.POST('/v1/incidents/{id}/sla/resume', pathOf(incident))), reactions);
}

/** A note changes the incident's timeline only: no list or KPI moves. */
export function useAddNote(incident: Incident, reactions: Reactions<IncidentDetail, string> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => call(api.POST('/v1/incidents/{id}/notes', { ...pathOf(incident), body: { text } })),
    onSuccess: (next, text) => {
      const detail = incidentKeys.detail(incident.tenantId, incident.id);
      queryClient.setQueryData(detail, next);
      void queryClient.invalidateQueries({ queryKey: detail });
      return reactions.onSuccess?.(next, text);
    },
    onError: reactions.onError,
  });
}

export interface RunRequest {
  runbookId: string;
  params: Record<string, string | number>;
  dryRun: boolean;
}

/** Runs a runbook against the incident (or asks for its approval). */
export function useRunRunbook(incident: Incident, reactions: Reactions<Execution, RunRequest> = {}) {
  const api = useApi();
  const settle = useSettle(incident);
  return useMutation({
    mutationFn: (body: RunRequest) => call(api.POST('/v1/incidents/{id}/execute', { ...pathOf(incident), body })),
    onSuccess: (execution, body) => {
      settle(undefined, [executionKeys.all]);
      return reactions.onSuccess?.(execution, body);
    },
    onError: reactions.onError,
  });
}
