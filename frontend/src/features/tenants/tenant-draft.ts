import * as z from 'zod';
import { TENANT_ID_PATTERN, tenantSchema } from '../../../../lib/domain/tenant';
import type { NewTenant } from './hooks';

export interface TenantDraft {
  name: string;
  id: string;
  criticalAutoRemediation: boolean;
}

export const emptyTenantDraft: TenantDraft = { name: '', id: '', criticalAutoRemediation: false };

/** The id a company name suggests, until someone types one. */
export function tenantSlug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
}

export function newTenantOf(draft: TenantDraft): NewTenant {
  return { id: draft.id.trim(), name: draft.name.trim(), criticalAutoRemediation: draft.criticalAutoRemediation };
}

/**
 * The create body's id and name as the API checks them: the tenant's own pattern and name from lib/domain/tenant.ts.
 * The route (lib/api/routes/tenants.ts, not importable here) words the id's message itself, so that one message is repeated.
 */
const newTenantSchema = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, 'a slug: letters, digits, "_", "." or "-", at most 64, starting with a letter or digit'),
  name: tenantSchema.shape.name,
  criticalAutoRemediation: z.boolean(),
});

/** The form's values checked as the request they become. */
export const tenantFormSchema = z.custom<TenantDraft>().transform(newTenantOf).pipe(newTenantSchema);
