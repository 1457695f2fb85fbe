import * as z from 'zod';

/**
 * The bodies that approve or reject a pending run. Pure zod, so the API's routes (lib/api/routes/approvals.ts)
 * and the dashboard's decision form check the same rules: a rejection must say why.
 */
export const approveBody = z.strictObject({ comment: z.string().trim().max(1000).optional() });
export const rejectBody = z.strictObject({ comment: z.string().trim().min(1).max(1000).describe('Why: required to reject') });
