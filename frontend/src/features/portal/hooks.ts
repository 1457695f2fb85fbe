import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import { incidentKeys } from '../incidents/hooks';
import type { Reactions } from '../reactions';
import type { CallbackBody } from './callback-draft';

type Incident = Schemas['Incident'];

/** Asks the service provider to call the client back about the incident; the request is a note on it, so its page is read again. */
export function useRequestCallback(incident: Incident, reactions: Reactions<unknown, CallbackBody> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CallbackBody) =>
      call(api.POST('/v1/incidents/{id}/callback', { params: { path: { id: incident.id }, query: { tenant: incident.tenantId } }, body })),
    onSuccess: (answer, body) => {
      void queryClient.invalidateQueries({ queryKey: incidentKeys.detail(incident.tenantId, incident.id) });
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}
