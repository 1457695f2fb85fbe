import * as z from 'zod';

/**
 * `client_viewer`: a person of the client company itself (not the MSP's staff), who belongs to exactly one
 * tenant and sees its incidents, assets and reports redacted (lib/domain/client-view.ts).
 */
export const ROLES = ['msp_admin', 'company_admin', 'technician', 'client_viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The MSP's own people: everyone but a client's viewer. Only they are assigned incidents, paged or named in schedules. */
export const isStaff = (role: Role) => role !== 'client_viewer';

export const userSchema = z.object({
  id: z.string().min(1),
  email: z.email().transform((email) => email.toLowerCase()),
  name: z.string().min(1).max(128),
  role: z.enum(ROLES),
  /** The client companies the user works for; empty for MSP admins, who see every tenant. */
  tenantIds: z.array(z.string()).default([]),
  skills: z.array(z.string().min(1).max(64)).default([]),
  createdAt: z.iso.datetime(),
});
export type User = z.infer<typeof userSchema>;

/** The public view of a user (never the password hash). */
export type PublicUser = Pick<User, 'id' | 'email' | 'name' | 'role' | 'tenantIds' | 'skills'>;

export function publicUser(user: User): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, tenantIds: user.tenantIds, skills: user.skills };
}

/** Whether a user may be named in the tenant's schedules and escalation chains: an MSP admin, or staff working for it (never a client's viewer). */
export const worksFor = (user: Pick<User, 'role' | 'tenantIds'> | undefined, tenantId: string) =>
  user !== undefined && (user.role === 'msp_admin' || (isStaff(user.role) && user.tenantIds.includes(tenantId)));
