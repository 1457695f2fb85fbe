import { ulid } from 'ulid';
import * as z from 'zod';
import { passwordPolicy } from '../../auth/login';
import { hashPassword } from '../../auth/password';
import { authorize, canSeeTenant } from '../../auth/permissions';
import type { AccessClaims } from '../../auth/tokens';
import { isStaff, publicUser, ROLES, type PublicUser, type Role, type User } from '../../domain/user';
import { badRequest, forbidden, notFound } from '../../errors';
import { json } from '../../http/http';
import { releaseAssignments } from '../../oncall/release';
import { removeUserPhone } from '../../store/phones';
import { revokeAllSessions } from '../../store/sessions';
import { getTenant } from '../../store/tenants';
import { createUser, deleteUser, getUser, listUsers, updateUser, type StoredUser, type UserChanges } from '../../store/users';
import { noContent, type Route, type RouteContext } from '../context';
import { routeDefiner, type RouteRequest } from '../define-route';
import { tenantIdParam, tenantQuery, userListResponse, userPathParams, userResponse } from '../schemas';

/**
 * Users and technicians. MSP admins manage everyone; a company admin manages the technicians and
 * company admins whose tenants are all theirs, and may only give them roles and tenants within those
 * rules (never msp_admin, never another company's tenant). Nobody changes their own role or deletes
 * themselves. Users are MSP-level items, so each change is audited in the MSP's log and in the log of
 * every tenant the user belongs to (before or after), where that tenant's admins can read it.
 *
 * A changed role or tenant list, or a deletion, moves the user's access version on: access tokens and
 * live-update connections made before stop working within seconds (lib/auth/access.ts). A deleted user's
 * sessions are revoked at once; a changed user's next refresh gives a token with the new access.
 */

const tenantIdsSchema = z
  .array(tenantIdParam)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'tenant ids repeat');
const skillsSchema = z.array(z.string().trim().min(1).max(64)).max(50);

const createBody = z.strictObject({
  email: z
    .email()
    .max(254)
    .transform((email) => email.toLowerCase()),
  name: z.string().trim().min(1).max(128),
  role: z.enum(ROLES),
  tenantIds: tenantIdsSchema.default([]),
  skills: skillsSchema.default([]),
  password: passwordPolicy,
});

const patchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(128).optional(),
    role: z.enum(ROLES).optional(),
    tenantIds: tenantIdsSchema.optional(),
    skills: skillsSchema.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to change');

const tag = 'users';

/** Whether the user works for a tenant the principal can see (MSP admins see everyone). */
function visible(principal: AccessClaims, user: Pick<User, 'tenantIds'>): boolean {
  return principal.role === 'msp_admin' || user.tenantIds.some((tenantId) => canSeeTenant(principal, tenantId));
}

/** The user as the principal may see them: a company's people see only their own tenants in the list. */
function viewOf(principal: AccessClaims, user: User): PublicUser {
  const view = publicUser(user);
  return principal.role === 'msp_admin'
    ? view
    : { ...view, tenantIds: view.tenantIds.filter((tenantId) => canSeeTenant(principal, tenantId)) };
}

export function userRoutes(context: RouteContext): Route[] {
  const { deps, accessChanged, tenantsFor } = context;
  const defineRoute = routeDefiner(context);
  /** The user named in the path, if the principal may see them; else 404 (as if it did not exist). */
  async function visibleTarget(id: string, principal: AccessClaims): Promise<StoredUser> {
    const user = await getUser(deps.table, id);
    if (!user || !visible(principal, user)) throw notFound('User');
    return user;
  }

  /** May the principal change or delete this (visible) user? Only if they hold user.write on every tenant of the user. */
  function authorizeManage(principal: AccessClaims, user: User): void {
    if (principal.role === 'msp_admin') return;
    if (user.role === 'msp_admin' || user.tenantIds.length === 0) throw forbidden('Only an MSP admin may manage this user');
    for (const tenantId of user.tenantIds) {
      if (!canSeeTenant(principal, tenantId)) throw forbidden('This user also works for companies you do not manage');
      authorize(principal, 'user.write', tenantId, 'Tenant');
    }
  }

  /** May the principal give this role and these tenants? 404 for a tenant they cannot see, 403 for a role they may not give. */
  async function authorizeAssignment(principal: AccessClaims, role: Role, tenantIds: string[]): Promise<void> {
    if (role === 'msp_admin') {
      authorize(principal, 'user.write');
      if (principal.role !== 'msp_admin') throw forbidden('Only an MSP admin may create or promote MSP admins');
      if (tenantIds.length) throw badRequest('An MSP admin sees every tenant: leave tenantIds empty');
      return;
    }
    if (!tenantIds.length) throw badRequest(`A ${role} needs at least one tenant`);
    // A client's viewer speaks for one company: with two, each would see the other's name on the other's incidents.
    if (role === 'client_viewer' && tenantIds.length !== 1) throw badRequest('A client_viewer belongs to exactly one tenant');
    for (const tenantId of tenantIds) authorize(principal, 'user.write', tenantId, 'Tenant');
    const missing = (
      await Promise.all(tenantIds.map(async (tenantId) => ((await getTenant(deps.table, tenantId)) ? undefined : tenantId)))
    ).filter((tenantId) => tenantId !== undefined);
    if (missing.length) throw badRequest('Unknown tenants', { tenantIds: missing });
  }

  /** One entry in the MSP's log and one in each tenant's the user belongs to (before or after). */
  async function auditUser(
    audit: RouteRequest['audit'],
    userId: string,
    before: PublicUser | undefined,
    after: PublicUser | undefined,
  ): Promise<void> {
    const summary = { ...(before ? { before } : {}), ...(after ? { after } : {}) };
    const tenants = new Set([...(before?.tenantIds ?? []), ...(after?.tenantIds ?? [])]);
    const scoped = (user: PublicUser | undefined, tenantId: string) =>
      user && { ...user, tenantIds: user.tenantIds.filter((id) => id === tenantId) };
    await audit({ resource: { type: 'user', id: userId }, summary });
    for (const tenantId of tenants) {
      const before_ = scoped(before, tenantId);
      const after_ = scoped(after, tenantId);
      await audit({
        tenantId,
        resource: { type: 'user', id: userId },
        summary: { ...(before_ ? { before: before_ } : {}), ...(after_ ? { after: after_ } : {}) },
      });
    }
  }

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/users',
        summary: 'Users and technicians',
        description: "The users of `?tenant=`; without it, every user for MSP admins, or the users of the caller's tenants.",
        tag,
        scope: 'tenant',
        action: 'user.read',
        query: tenantQuery,
        responses: { 200: userListResponse },
      },
      async ({ principal, query: { tenant } }) => {
        // Unlike other tenant routes, no tenant lists everyone the caller may see: resolved here.
        if (tenant !== undefined) authorize(principal, 'user.read', tenant, 'Tenant');
        else if (principal.role !== 'msp_admin' && !principal.tenants.length) authorize(principal, 'user.read');
        const users = await listUsers(deps.table);
        let selected: StoredUser[];
        if (principal.role === 'msp_admin' && tenant === undefined) selected = users;
        else {
          const tenants = new Set(await tenantsFor(principal, 'user.read', tenant));
          selected = users.filter((user) => user.tenantIds.some((tenantId) => tenants.has(tenantId)));
        }
        return json(200, { users: selected.map((user) => viewOf(principal, user)) });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/users/{id}',
        summary: 'One user',
        description: "A user who works for none of the caller's tenants is a 404.",
        tag,
        scope: 'tenant',
        action: 'user.read',
        params: userPathParams,
        malformedPathIs404: 'User',
        responses: { 200: userResponse },
      },
      async ({ principal, params }) => {
        const user = await visibleTarget(params.id, principal);
        if (principal.role !== 'msp_admin')
          authorize(
            principal,
            'user.read',
            user.tenantIds.find((tenantId) => canSeeTenant(principal, tenantId)),
            'User',
          );
        return json(200, viewOf(principal, user));
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/users',
        summary: 'Create a user',
        description:
          'Company admins create technicians, company admins and client viewers of their own tenants only; only MSP admins create MSP admins (with no tenants). A client viewer (a person of the client company: docs/client-portal.md) belongs to exactly one tenant.',
        tag,
        scope: 'tenant',
        action: 'user.write',
        body: createBody,
        responses: { 201: userResponse },
        errors: { 409: 'The email is taken' },
        audit: { action: 'user.create', log: 'both' },
      },
      async ({ principal, body, audit }) => {
        await authorizeAssignment(principal, body.role, body.tenantIds);
        const { password, ...fields } = body;
        const user: StoredUser = {
          id: `usr_${ulid()}`,
          ...fields,
          createdAt: deps.now().toISOString(),
          passwordHash: await hashPassword(password),
        };
        await createUser(deps.table, user); // 409 when the email is taken
        await auditUser(audit, user.id, undefined, publicUser(user));
        return json(201, viewOf(principal, user));
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        path: '/v1/users/{id}',
        summary: "Change a user's name, role, tenants or skills",
        description:
          'A company admin manages only users whose tenants are all theirs. Nobody changes their own role. A new role or tenant list ends the access tokens and live-update connections the user holds (within 5 seconds); their next refresh gives a token with the new access. Their open incidents of a company taken off them are routed to someone else.',
        tag,
        scope: 'tenant',
        action: 'user.write',
        params: userPathParams,
        malformedPathIs404: 'User',
        body: patchBody,
        responses: { 200: userResponse },
        audit: { action: 'user.update', log: 'both' },
      },
      async ({ principal, params, body, audit }) => {
        const target = await visibleTarget(params.id, principal);
        authorizeManage(principal, target);
        const role = body.role ?? target.role;
        if (role !== target.role && target.id === principal.sub) throw forbidden('You cannot change your own role');
        // Becoming an MSP admin drops the tenant list (they see every tenant).
        const tenantIds = body.tenantIds ?? (role === 'msp_admin' ? [] : target.tenantIds);
        if (body.role !== undefined || body.tenantIds !== undefined) await authorizeAssignment(principal, role, tenantIds);
        const changes: UserChanges = {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.skills !== undefined ? { skills: body.skills } : {}),
          ...(role !== target.role ? { role } : {}),
          ...(tenantIds.join('\n') !== target.tenantIds.join('\n') ? { tenantIds } : {}),
        };
        const updated = await updateUser(deps.table, target.id, changes, { role: target.role, tenantIds: target.tenantIds });
        accessChanged(target.id);
        const leftTenants = target.tenantIds.filter((tenantId) => !updated.tenantIds.includes(tenantId));
        // Someone who became a client's viewer holds no incident anywhere: they are never assigned one.
        const leftStaff = isStaff(target.role) && !isStaff(updated.role);
        const released = leftStaff ? target.tenantIds : leftTenants;
        if (released.length) {
          const leaver = { userId: target.id, name: target.name };
          const why = leftStaff ? "is no longer on the MSP's staff" : 'no longer works for this company';
          await releaseAssignments(deps.table, leaver, released, why, principal.email, deps.now());
        }
        const before = publicUser(target);
        const after = publicUser(updated);
        if (JSON.stringify(before) !== JSON.stringify(after)) await auditUser(audit, target.id, before, after);
        return json(200, viewOf(principal, updated));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/v1/users/{id}',
        summary: 'Delete a user',
        description:
          'Their sessions end at once; their access tokens and live-update connections within 5 seconds. Nobody deletes themselves.',
        tag,
        scope: 'tenant',
        action: 'user.write',
        params: userPathParams,
        malformedPathIs404: 'User',
        responses: { 204: null },
        audit: { action: 'user.delete', log: 'both' },
      },
      async ({ principal, params, audit }) => {
        const target = await visibleTarget(params.id, principal);
        authorizeManage(principal, target);
        if (target.id === principal.sub) throw forbidden('You cannot delete yourself');
        await deleteUser(deps.table, target, { role: target.role, tenantIds: target.tenantIds });
        accessChanged(target.id);
        await revokeAllSessions(deps.table, target.id, 'user deleted', deps.now());
        // Their number is free again, and an SMS reply from it speaks for nobody.
        await removeUserPhone(deps.table, target.id);
        await releaseAssignments(
          deps.table,
          { userId: target.id, name: target.name },
          target.tenantIds,
          'was deleted',
          principal.email,
          deps.now(),
        );
        await auditUser(audit, target.id, publicUser(target), undefined);
        return noContent();
      },
    ),
  ];
}
