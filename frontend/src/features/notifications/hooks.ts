import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, type Api } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';
import { settingsKey } from '../settings';

export const notificationKeys = {
  channels: (tenantId: string) => [...settingsKey(tenantId), 'channels'] as const,
  /** The signed-in user's own preferences, the same in every company. */
  mine: ['me', 'notification-preferences'] as const,
};

type ChannelsAnswer = paths['/v1/tenants/{id}/notifications/channels']['get']['responses'][200]['content']['application/json'];
export type ChannelsChange = NonNullable<
  paths['/v1/tenants/{id}/notifications/channels']['put']['requestBody']
>['content']['application/json'];
type PreferencesAnswer = paths['/v1/me/notification-preferences']['get']['responses'][200]['content']['application/json'];
export type PreferencesChange = NonNullable<paths['/v1/me/notification-preferences']['put']['requestBody']>['content']['application/json'];

export function useChannels(tenantId: string) {
  const api = useApi();
  return useQuery({
    queryKey: notificationKeys.channels(tenantId),
    queryFn: () => call(api.GET('/v1/tenants/{id}/notifications/channels', { params: { path: { id: tenantId } } })),
  });
}

/** The answer is the channels as stored (secrets masked): it replaces the cached entry. */
export function useSaveChannels(tenantId: string, reactions: Reactions<ChannelsAnswer, ChannelsChange> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ChannelsChange) =>
      call(api.PUT('/v1/tenants/{id}/notifications/channels', { params: { path: { id: tenantId } }, body })),
    onSuccess: (answer, body) => {
      queryClient.setQueryData(notificationKeys.channels(tenantId), answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

export function useMyPreferences() {
  const api = useApi();
  return useQuery({ queryKey: notificationKeys.mine, queryFn: () => call(api.GET('/v1/me/notification-preferences')) });
}

export function useSaveMyPreferences(reactions: Reactions<PreferencesAnswer, PreferencesChange> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PreferencesChange) => call(api.PUT('/v1/me/notification-preferences', { body })),
    onSuccess: (answer, body) => {
      queryClient.setQueryData(notificationKeys.mine, answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

/**
 * One cheap request the signed-in user may always make: after the WebSocket refused to connect, its 401 (if
 * any) renews or ends the session through the client. Its answer does not matter.
 */
export function probeSession(api: Api): void {
  void api.GET('/v1/me/notification-preferences').catch(() => undefined);
}
