import { useMutation, useQuery } from '@tanstack/react-query';
import { call } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';
import { settingsKey, useStoreAnswer } from '../settings';

export const slaKeys = {
  policy: (tenantId: string) => [...settingsKey(tenantId), 'sla'] as const,
  escalation: (tenantId: string) => [...settingsKey(tenantId), 'escalation'] as const,
};

type SlaAnswer = paths['/v1/tenants/{id}/sla/policy']['get']['responses'][200]['content']['application/json'];
type EscalationAnswer = paths['/v1/tenants/{id}/escalation/policy']['get']['responses'][200]['content']['application/json'];
export type SlaChange = NonNullable<paths['/v1/tenants/{id}/sla/policy']['put']['requestBody']>['content']['application/json'];
export type EscalationChange = NonNullable<
  paths['/v1/tenants/{id}/escalation/policy']['put']['requestBody']
>['content']['application/json'];

export function useSlaPolicy(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: slaKeys.policy(tenantId),
    queryFn: () => call(api.GET('/v1/tenants/{id}/sla/policy', { params: { path: { id: tenantId } } })),
  });
}

export function useSaveSlaPolicy(tenantId: string, reactions: Reactions<SlaAnswer, SlaChange> = {}) {
  const api = useApi();
  const store = useStoreAnswer(slaKeys.policy(tenantId));
  return useMutation({
    mutationFn: (body: SlaChange) => call(api.PUT('/v1/tenants/{id}/sla/policy', { params: { path: { id: tenantId } }, body })),
    onSuccess: (answer, body) => {
      store(answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

/** Back to the defaults; `version` is the one the form was read at (a later save wins with a 409). */
export function useResetSlaPolicy(tenantId: string, version: number, reactions: Reactions<SlaAnswer> = {}) {
  const api = useApi();
  const store = useStoreAnswer(slaKeys.policy(tenantId));
  return useMutation({
    mutationFn: () => call(api.DELETE('/v1/tenants/{id}/sla/policy', { params: { path: { id: tenantId }, query: { version } } })),
    onSuccess: (answer) => {
      store(answer);
      return reactions.onSuccess?.(answer);
    },
    onError: reactions.onError,
  });
}

export function useEscalationPolicy(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: slaKeys.escalation(tenantId),
    queryFn: () => call(api.GET('/v1/tenants/{id}/escalation/policy', { params: { path: { id: tenantId } } })),
  });
}

export function useSaveEscalationPolicy(tenantId: string, reactions: Reactions<EscalationAnswer, EscalationChange> = {}) {
  const api = useApi();
  const store = useStoreAnswer(slaKeys.escalation(tenantId));
  return useMutation({
    mutationFn: (body: EscalationChange) =>
      call(api.PUT('/v1/tenants/{id}/escalation/policy', { params: { path: { id: tenantId } }, body })),
    onSuccess: (answer, body) => {
      store(answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

/** Back to the default chain; `version` is the one the form was read at (a later save wins with a 409). */
export function useResetEscalationPolicy(tenantId: string, version: number, reactions: Reactions<EscalationAnswer> = {}) {
  const api = useApi();
  const store = useStoreAnswer(slaKeys.escalation(tenantId));
  return useMutation({
    mutationFn: () => call(api.DELETE('/v1/tenants/{id}/escalation/policy', { params: { path: { id: tenantId }, query: { version } } })),
    onSuccess: (answer) => {
      store(answer);
      return reactions.onSuccess?.(answer);
    },
    onError: reactions.onError,
  });
}
