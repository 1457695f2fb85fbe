import { useMutation, useQuery } from '@tanstack/react-query';
import { call, type Api } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';
import { settingsKey, useStoreAnswer } from '../settings';

export const correlationKeys = {
  policy: (tenantId: string) => [...settingsKey(tenantId), 'correlation'] as const,
};

export type PolicyChange = NonNullable<paths['/v1/tenants/{id}/correlation/policy']['put']['requestBody']>['content']['application/json'];
type SimulationRequest = NonNullable<paths['/v1/tenants/{id}/correlation/simulate']['post']['requestBody']>['content']['application/json'];

function putPolicy(api: Api, tenantId: string, body: PolicyChange) {
  return call(api.PUT('/v1/tenants/{id}/correlation/policy', { params: { path: { id: tenantId } }, body }));
}

/** The policy as the client types it (the category pairs lose their tuple type on the way). */
type PolicyAnswer = Awaited<ReturnType<typeof putPolicy>>;

export function useCorrelationPolicy(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: correlationKeys.policy(tenantId),
    queryFn: () => call(api.GET('/v1/tenants/{id}/correlation/policy', { params: { path: { id: tenantId } } })),
  });
}

export function useSaveCorrelationPolicy(tenantId: string, reactions: Reactions<PolicyAnswer, PolicyChange> = {}) {
  const api = useApi();
  const store = useStoreAnswer(correlationKeys.policy(tenantId));
  return useMutation({
    mutationFn: (body: PolicyChange) => putPolicy(api, tenantId, body),
    onSuccess: (answer, body) => {
      store(answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

export function useResetCorrelationPolicy(tenantId: string, reactions: Reactions<PolicyAnswer> = {}) {
  const api = useApi();
  const store = useStoreAnswer(correlationKeys.policy(tenantId));
  return useMutation({
    mutationFn: () => call(api.DELETE('/v1/tenants/{id}/correlation/policy', { params: { path: { id: tenantId } } })),
    onSuccess: (answer) => {
      store(answer);
      return reactions.onSuccess?.(answer);
    },
    onError: reactions.onError,
  });
}

/** Replays the company's recent alerts under a candidate policy; nothing is stored. */
export function useSimulateCorrelation(tenantId: string) {
  const api = useApi();
  return useMutation({
    mutationFn: (body: SimulationRequest) =>
      call(api.POST('/v1/tenants/{id}/correlation/simulate', { params: { path: { id: tenantId } }, body })),
  });
}
