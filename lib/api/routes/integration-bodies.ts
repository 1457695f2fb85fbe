import * as z from 'zod';

/** What the integration resources (API keys, signing, ingestion sources, the overview) share. */

export const INTEGRATIONS_TAG = 'integrations';

const MAX_OVERLAP_SECONDS = 30 * 24 * 3600;

/** How long a replaced key or secret keeps working (default a day): the body of a rotation, which may be left out. */
export const overlapBody = z.strictObject({ overlapSeconds: z.number().int().min(0).max(MAX_OVERLAP_SECONDS).default(86_400) });
