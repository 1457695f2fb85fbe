import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

export const phoneKeys = {
  /** The signed-in user's own phone number, the same in every company. */
  mine: ['me', 'phone'] as const,
};

export type Phone = paths['/v1/me/phone']['get']['responses'][200]['content']['application/json'];
export type PhoneChange = NonNullable<paths['/v1/me/phone']['put']['requestBody']>['content']['application/json'];
export type PhoneCode = NonNullable<paths['/v1/me/phone/verify']['post']['requestBody']>['content']['application/json'];

export function useMyPhone() {
  const api = useApi();
  return useQuery({ queryKey: phoneKeys.mine, queryFn: () => call(api.GET('/v1/me/phone')) });
}

/** Sends a code to the number by SMS (202); its answer, with the number pending, replaces the cached entry. */
export function useSetMyPhone(reactions: Reactions<Phone, PhoneChange> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PhoneChange) => call(api.PUT('/v1/me/phone', { body })),
    onSuccess: (answer, body) => {
      queryClient.setQueryData(phoneKeys.mine, answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

export function useVerifyMyPhone(reactions: Reactions<Phone, PhoneCode> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PhoneCode) => call(api.POST('/v1/me/phone/verify', { body })),
    onSuccess: (answer, body) => {
      queryClient.setQueryData(phoneKeys.mine, answer);
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

/** 204: no number, nothing pending. */
export function useRemoveMyPhone(reactions: Reactions<void, void> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await call(api.DELETE('/v1/me/phone'));
    },
    onSuccess: (answer, body) => {
      queryClient.setQueryData<Phone>(phoneKeys.mine, { number: null, verifiedAt: null, pending: null });
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}
