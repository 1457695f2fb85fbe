import { useQueries, useQuery } from '@tanstack/react-query';
import { call } from '../../api/client';
import { useApi, useSession } from '../../auth/session';

export const userKeys = {
  all: ['users'] as const,
  /** No tenant: every user (MSP admins only). */
  list: (tenantId: string | undefined) => [...userKeys.all, tenantId ?? 'all'] as const,
};

function usersQuery(api: ReturnType<typeof useApi>, tenantId: string | undefined) {
  return {
    queryKey: userKeys.list(tenantId),
    queryFn: () => call(api.GET('/v1/users', { params: { query: { tenant: tenantId } } })),
  };
}

/** A company's users (the people an escalation level may name). */
export function useUsers(tenantId: string) {
  const api = useApi();
  return useQuery(usersQuery(api, tenantId));
}

/** Users by id, for names (user ids are what the API records): the companies' users, every user for MSP admins, "You". */
export function useUserNames(tenantIds: string[]): Map<string, string> {
  const api = useApi();
  const { user, can } = useSession();
  // MSP admins belong to no company: only the whole list names them.
  const scopes: (string | undefined)[] = can('user.read') ? [undefined] : tenantIds;
  const results = useQueries({
    queries: scopes.map((tenantId) => ({ ...usersQuery(api, tenantId), staleTime: 5 * 60_000, retry: false })),
  });
  const names = new Map<string, string>();
  for (const result of results) {
    for (const listed of result.data?.users ?? []) names.set(listed.id, listed.name);
  }
  if (user) names.set(user.id, 'You');
  return names;
}
