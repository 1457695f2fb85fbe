import { useMutation } from '@tanstack/react-query';
import { call, type Api, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';
import type { CallbackBody } from './callback-draft';

type Incident = Schemas['Incident'];

/** The API client without its path types, for a route the generated types may not name yet. */
type LooseApi = {
  POST: (path: string, init: { params: { path: { id: string }; query: { tenant: string } }; body: unknown }) => ReturnType<Api['POST']>;
};

/** Asks the service provider to call the client back about the incident. */
export function useRequestCallback(incident: Incident, reactions: Reactions<unknown, CallbackBody> = {}) {
  const api = useApi() as unknown as LooseApi;
  return useMutation({
    mutationFn: (body: CallbackBody) =>
      call<unknown>(
        api.POST('/v1/incidents/{id}/callback', { params: { path: { id: incident.id }, query: { tenant: incident.tenantId } }, body }),
      ),
    onSuccess: reactions.onSuccess,
    onError: reactions.onError,
  });
}
