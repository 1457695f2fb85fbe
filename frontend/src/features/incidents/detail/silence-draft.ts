import * as z from 'zod';
import type { SilenceBody } from '../../maintenance/hooks';

/*
 * The silence form's values and the body they become (POST /v1/incidents/{id}/silence). The body's schema is
 * the route's (lib/api/routes/maintenance.ts imports the store, so the dashboard cannot import it): this is a
 * copy with the API's limits and messages, and the service's rule that a silence ends in the future. The
 * values keep the names of the body's fields, so the API's messages land on the same inputs.
 */

/** How long, as the ISO 8601 durations the API takes; '' is "until a time". */
export const SILENCE_LENGTHS = [
  { value: 'PT1H', label: '1 hour' },
  { value: 'PT2H', label: '2 hours' },
  { value: 'PT4H', label: '4 hours' },
  { value: 'PT8H', label: '8 hours' },
] as const;

export interface SilenceDraft {
  for: (typeof SILENCE_LENGTHS)[number]['value'] | '';
  /** A datetime-local value (the browser's time zone), used when `for` is ''. */
  until: string;
  endWhenResolved: boolean;
  reason: string;
}

export const emptySilenceDraft: SilenceDraft = { for: 'PT2H', until: '', endWhenResolved: true, reason: '' };

/** The body: the length or the end (an instant), and the reason only when one is given. */
export function silenceBodyOf(draft: SilenceDraft): SilenceBody {
  const reason = draft.reason.trim();
  const until = draft.until ? new Date(draft.until) : undefined;
  return {
    ...(draft.for ? { for: draft.for } : until ? { until: Number.isNaN(until.getTime()) ? draft.until : until.toISOString() } : {}),
    endWhenResolved: draft.endWhenResolved,
    ...(reason ? { reason } : {}),
  };
}

const silenceBodySchema = z
  .object({
    for: z.string().max(20).optional(),
    until: z.iso.datetime({ offset: true }).max(40).optional(),
    endWhenResolved: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((body, context) => {
    // The API names `for`; with "until" chosen and no time given, the missing one is the time.
    if (Boolean(body.for) === Boolean(body.until))
      context.addIssue({ code: 'custom', path: ['until'], message: 'Give either for or until' });
    if (body.until && Date.parse(body.until) <= Date.now())
      context.addIssue({ code: 'custom', path: ['until'], message: 'The silence must end in the future' });
  });

export const silenceFormSchema = z.custom<SilenceDraft>().transform(silenceBodyOf).pipe(silenceBodySchema);
