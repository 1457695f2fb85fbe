import { useInfiniteQuery } from '@tanstack/react-query';
import { call } from '../../api/client';
import { useApi } from '../../auth/session';

export const auditKeys = {
  all: ['audit'] as const,
  /** No tenant: the MSP's own log. */
  list: (tenantId: string | undefined, action: string) => [...auditKeys.all, tenantId ?? 'msp', action] as const,
};

/** The audit log, newest first, fifty entries a page. */
export function useAuditLog(tenantId: string | undefined, action: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: auditKeys.list(tenantId, action),
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/v1/audit', {
          params: { query: { tenant: tenantId, action: action || undefined, cursor: pageParam, limit: 50 } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}
