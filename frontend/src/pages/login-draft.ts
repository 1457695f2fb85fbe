import * as z from 'zod';
import { loginRequestSchema } from '../../../lib/domain/session-requests';

export interface LoginDraft {
  email: string;
  password: string;
}

export const emptyLoginDraft: LoginDraft = { email: '', password: '' };

/** The credentials as the sign-in sends them: the email without the spaces a paste brings along. */
export function credentialsOf(draft: LoginDraft): LoginDraft {
  return { email: draft.email.trim(), password: draft.password };
}

/** The two fields a person types, with the API's own rules (the proof key is the session's to add). */
const credentialsSchema = loginRequestSchema.pick({ email: true, password: true });

export const loginFormSchema = z.custom<LoginDraft>().transform(credentialsOf).pipe(credentialsSchema);
