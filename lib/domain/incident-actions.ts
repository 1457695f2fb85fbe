import * as z from 'zod';

/**
 * The request bodies of an operator's actions on an incident. Pure zod, so the API's routes
 * (lib/api/routes/incidents.ts) and the dashboard's forms check the same rules and word the same messages.
 */

/** How an operator closed an incident (reported in KPIs: self-healed, false positives...). */
export const RESOLUTION_CODES = ['fixed', 'self-healed', 'false-positive', 'duplicate', 'wont-fix', 'other'] as const;

export const resolveIncidentBody = z
  .object({ code: z.enum(RESOLUTION_CODES), note: z.string().trim().min(1).max(2000).optional() })
  .strict();
export const reopenIncidentBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();
export const assignIncidentBody = z.object({ userId: z.string().min(1).max(128).nullable() }).strict();
export const incidentNoteBody = z.object({ text: z.string().trim().min(1).max(4000) }).strict();
