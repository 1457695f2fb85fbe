import * as z from 'zod';

/** Tenant ids are chosen by the MSP (slugs) and must never contain the key separator '#' (lib/store/keys.ts). */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const tenantSchema = z.object({
  id: z.string().regex(TENANT_ID_PATTERN),
  name: z.string().min(1).max(128),
  createdAt: z.iso.datetime(),
});
export type Tenant = z.infer<typeof tenantSchema>;
