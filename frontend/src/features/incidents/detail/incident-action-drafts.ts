import * as z from 'zod';
import { assignIncidentBody, incidentNoteBody, resolveIncidentBody } from '../../../../../lib/domain/incident-actions';

/*
 * The incident actions' form values and the bodies they become, checked against the API's own body schemas
 * (lib/domain/incident-actions.ts, pure zod, so imported rather than copied): a field shows the API's message
 * before any request.
 */

export type ResolveBody = z.infer<typeof resolveIncidentBody>;

export interface ResolveDraft {
  code: ResolveBody['code'];
  note: string;
}

export const emptyResolveDraft: ResolveDraft = { code: 'fixed', note: '' };

/** The note is optional: an empty one is left out rather than sent blank. */
export function resolveBodyOf(draft: ResolveDraft): ResolveBody {
  const note = draft.note.trim();
  return note ? { code: draft.code, note } : { code: draft.code };
}

export const resolveFormSchema = z.custom<ResolveDraft>().transform(resolveBodyOf).pipe(resolveIncidentBody);

export interface NoteDraft {
  text: string;
}

export const emptyNoteDraft: NoteDraft = { text: '' };

/** A note of only spaces is refused here as the API would refuse it: its schema trims before counting. */
export const noteFormSchema = z.custom<NoteDraft>().pipe(incidentNoteBody);

/** The technician picked, '' for nobody. */
export interface AssignDraft {
  userId: string;
}

export function assignDraftOf(userId: string | undefined): AssignDraft {
  return { userId: userId ?? '' };
}

export function assigneeOf(draft: AssignDraft): string | null {
  return draft.userId || null;
}

export const assignFormSchema = z
  .custom<AssignDraft>()
  .transform((draft) => ({ userId: assigneeOf(draft) }))
  .pipe(assignIncidentBody);
