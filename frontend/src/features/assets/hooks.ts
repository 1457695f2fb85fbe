import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

type Asset = Schemas['Asset'];

export const assetKeys = {
  all: ['assets'] as const,
  list: (tenantId: string) => [...assetKeys.all, tenantId] as const,
};

function assetsQuery(api: ReturnType<typeof useApi>, tenantId: string) {
  return {
    queryKey: assetKeys.list(tenantId),
    queryFn: () => call(api.GET('/v1/assets', { params: { query: { tenant: tenantId } } })),
  };
}

export function useAssets(tenantId: string, enabled = true) {
  const api = useApi();
  return useQuery({ ...assetsQuery(api, tenantId), enabled });
}

/** The assets of several companies at once. */
export function useAssetsOf(tenantIds: string[]) {
  const api = useApi();
  return useQueries({ queries: tenantIds.map((tenantId) => assetsQuery(api, tenantId)) });
}

/** An asset as the form sends it (when replacing one, its id comes from the path). */
export type AssetInput = paths['/v1/assets']['post']['requestBody']['content']['application/json'];

/**
 * Adds an asset (`existing` undefined) or replaces one; the company's asset list is read again before the
 * component hears of it, so the graph it returns to already shows the change.
 */
export function useSaveAsset(tenantId: string, existing: Asset | undefined, reactions: Reactions<Asset, AssetInput> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: AssetInput) =>
      existing
        ? call(api.PUT('/v1/assets/{id}', { params: { path: { id: existing.id }, query: { tenant: tenantId } }, body }))
        : call(api.POST('/v1/assets', { params: { query: { tenant: tenantId } }, body: { ...body, id } })),
    onSuccess: async (saved, input) => {
      await queryClient.invalidateQueries({ queryKey: assetKeys.list(tenantId) });
      await reactions.onSuccess?.(saved, input);
    },
    onError: reactions.onError,
  });
}
