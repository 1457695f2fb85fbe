import { useMutation } from '@tanstack/react-query';
import * as z from 'zod';
import { call, type Api, type Schemas } from '../../api/client';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

type Incident = Schemas['Incident'];

/** A callback request as the form holds it: the phone is optional (the provider has the contact's number). */
export interface CallbackDraft {
  phone: string;
  message: string;
}

export const emptyCallbackDraft: CallbackDraft = { phone: '', message: '' };

export interface CallbackBody {
  phone?: string;
  message: string;
}

/** The body sent: an empty phone is left out rather than sent blank. */
export function callbackBodyOf(draft: CallbackDraft): CallbackBody {
  const phone = draft.phone.replace(/[\s().-]/g, '');
  const message = draft.message.trim();
  return phone ? { phone, message } : { message };
}

/** Checked before any request as the API checks it: a message, and a phone number in E.164 (+ and up to 15 digits) when given. */
export const callbackFormSchema = z
  .custom<CallbackDraft>()
  .transform(callbackBodyOf)
  .pipe(
    z.object({
      phone: z
        .string()
        .regex(/^\+[1-9]\d{6,14}$/, 'A phone number in international format, such as +14155550123')
        .optional(),
      message: z.string().min(1, 'Say what the call is about').max(1000),
    }),
  );

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
