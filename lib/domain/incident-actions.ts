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
/** Who reads a note: the MSP's people only (`internal`, the default) or the client's viewers too. */
export const NOTE_VISIBILITIES = ['internal', 'client'] as const;
export type NoteVisibility = (typeof NOTE_VISIBILITIES)[number];

/** `visibility: 'client'` lets the client's viewers read the note (theirs always are); the default is internal. */
export const incidentNoteBody = z
  .object({ text: z.string().trim().min(1).max(4000), visibility: z.enum(NOTE_VISIBILITIES).optional() })
  .strict();
