import * as z from 'zod';

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
