import * as z from 'zod';
import { TENANT_ID_PATTERN } from '../store/keys';

export const tenantSchema = z.object({
  id: z.string().regex(TENANT_ID_PATTERN),
  name: z.string().min(1).max(128),
  createdAt: z.iso.datetime(),
});
export type Tenant = z.infer<typeof tenantSchema>;
