import * as z from 'zod';

export interface LoginDraft {
  email: string;
  password: string;
}

export const emptyLoginDraft: LoginDraft = { email: '', password: '' };

/** The credentials as the sign-in sends them: the email without the spaces a paste brings along. */
export function credentialsOf(draft: LoginDraft): LoginDraft {
  return { email: draft.email.trim(), password: draft.password };
}

/**
 * The email and password rules of the API's loginRequestSchema (lib/auth/login.ts). That module hashes with
 * node:crypto and its schema also takes the session's proof key, which the session adds itself, so the two
 * fields a person types are repeated here rather than imported.
 */
const credentialsSchema = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
});

export const loginFormSchema = z.custom<LoginDraft>().transform(credentialsOf).pipe(credentialsSchema);
