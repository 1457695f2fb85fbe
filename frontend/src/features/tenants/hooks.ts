import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

type Tenant = Schemas['Tenant'];

export const tenantKeys = {
  all: ['tenants'] as const,
  /** Per user: another user signing in on the same tab sees other companies. */
  list: (userId: string | undefined) => [...tenantKeys.all, 'list', userId] as const,
  detail: (tenantId: string) => [...tenantKeys.all, 'detail', tenantId] as const,
};

/** The companies the signed-in user may see. */
export function useTenantList(userId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: tenantKeys.list(userId),
    queryFn: () => call(api.GET('/v1/tenants')),
    enabled: Boolean(userId),
    staleTime: 60_000,
  });
}

export function useTenant(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: tenantKeys.detail(tenantId),
    queryFn: () => call(api.GET('/v1/tenants/{id}', { params: { path: { id: tenantId } } })),
  });
}

export interface NewTenant {
  id: string;
  name: string;
  criticalAutoRemediation: boolean;
}

/** Adds a company; the picker and the lists show it once they are read again. */
export function useCreateTenant(reactions: Reactions<Tenant, NewTenant> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: NewTenant) =>
      call(
        api.POST('/v1/tenants', {
          body: { id: input.id, name: input.name, settings: { criticalAutoRemediation: input.criticalAutoRemediation } },
        }),
      ),
    onSuccess: async (tenant, input) => {
      await queryClient.invalidateQueries({ queryKey: tenantKeys.all });
      await reactions.onSuccess?.(tenant, input);
    },
    onError: reactions.onError,
  });
}
