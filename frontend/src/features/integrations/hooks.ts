import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, type Api } from '../../api/client';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

export const integrationKeys = {
  all: ['integrations'] as const,
  /** Keys, signing and the setup guide: one answer shared by the Keys and Integrations tabs. */
  of: (tenantId: string) => [...integrationKeys.all, tenantId] as const,
};

export function useIntegrations(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: integrationKeys.of(tenantId),
    queryFn: () => call(api.GET('/v1/integrations', { params: { query: { tenant: tenantId } } })),
  });
}

/** The changes to a company's keys and signing, each the API request it makes. */
const changes = {
  createKey: (api: Api, tenant: string) => call(api.POST('/v1/integrations/api-keys', { params: { query: { tenant } }, body: {} })),
  rotateKey: (api: Api, tenant: string, input: { keyId: string; overlapSeconds: number }) =>
    call(
      api.POST('/v1/integrations/api-keys/{keyId}/rotate', {
        params: { path: { keyId: input.keyId }, query: { tenant } },
        body: { overlapSeconds: input.overlapSeconds },
      }),
    ),
  revokeKey: (api: Api, tenant: string, keyId: string) =>
    call(api.DELETE('/v1/integrations/api-keys/{keyId}', { params: { path: { keyId }, query: { tenant } } })),
  rotateHmac: (api: Api, tenant: string, overlapSeconds: number) =>
    call(api.POST('/v1/integrations/hmac/rotate', { params: { query: { tenant } }, body: { overlapSeconds } })),
  requireSigning: (api: Api, tenant: string, required: boolean) =>
    call(api.PUT('/v1/integrations/hmac', { params: { query: { tenant } }, body: { required } })),
};

type Change = keyof typeof changes;
type VariablesOf<C extends Change> = Parameters<(typeof changes)[C]>[2];
type AnswerOf<C extends Change> = Awaited<ReturnType<(typeof changes)[C]>>;

/**
 * One change to keys or signing. The component shows the answer first (a new secret is shown once), then
 * the integrations are read again; the mutation stays pending until they are.
 */
export function useIntegrationChange<C extends Change>(
  tenantId: string,
  change: C,
  reactions: Reactions<AnswerOf<C>, VariablesOf<C>> & { onSettled?: () => void } = {},
) {
  const api = useApi();
  const queryClient = useQueryClient();
  const send = changes[change] as (api: Api, tenant: string, variables: VariablesOf<C>) => Promise<AnswerOf<C>>;
  return useMutation({
    mutationFn: (variables: VariablesOf<C>) => send(api, tenantId, variables),
    onSuccess: async (answer, variables) => {
      await reactions.onSuccess?.(answer, variables);
      await queryClient.invalidateQueries({ queryKey: integrationKeys.of(tenantId) });
    },
    onError: reactions.onError,
    onSettled: reactions.onSettled,
  });
}
