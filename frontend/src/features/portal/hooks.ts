import { useMutation } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';
import type { CallbackBody } from './callback-draft';

type Incident = Schemas['Incident'];

/** Asks the service provider to call the client back about the incident. */
export function useRequestCallback(incident: Incident, reactions: Reactions<unknown, CallbackBody> = {}) {
  const api = useApi();
  return useMutation({
    mutationFn: (body: CallbackBody) =>
      call(api.POST('/v1/incidents/{id}/callback', { params: { path: { id: incident.id }, query: { tenant: incident.tenantId } }, body })),
    onSuccess: reactions.onSuccess,
    onError: reactions.onError,
  });
}
