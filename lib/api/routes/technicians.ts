import { can, canSeeTenant } from '../../auth/permissions';
import type { AccessClaims } from '../../auth/tokens';
import { isActiveIncident } from '../../domain/incident-status';
import { badRequest, forbidden, notFound } from '../../errors';
import { json } from '../../http/http';
import { listIncidents } from '../../store/incidents';
import {
  getTechnicianProfile,
  getTechnicianProfiles,
  onCallNow,
  putTechnicianProfile,
  technicianProfileSchema,
  type TechnicianProfile,
} from '../../store/oncall';
import { getUser, listUsers, type StoredUser } from '../../store/users';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { technicianListResponse, technicianPathParams, technicianProfileResponse, tenantQuery } from '../schemas';

/**
 * A tenant's technicians as the routing sees them (skills, workload cap, active, open incidents, on
 * call) and each technician's routing profile (cap, active; the skills stay on the user).
 */

const oncallTag = 'oncall';
const profileBody = technicianProfileSchema;

export function technicianRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);

  /** Open or acknowledged incidents of the tenant, per assignee. */
  async function openCounts(tenantId: string): Promise<Map<string, number>> {
    const open = await listIncidents(deps.table, tenantId, {
      limit: 1000,
      maxRead: 2000,
      where: (incident) => isActiveIncident(incident) && Boolean(incident.assignee),
    });
    const counts = new Map<string, number>();
    for (const incident of open) counts.set(incident.assignee!.userId, (counts.get(incident.assignee!.userId) ?? 0) + 1);
    return counts;
  }

  function profileView(principal: AccessClaims, user: StoredUser, profile: TechnicianProfile) {
    return {
      userId: user.id,
      name: user.name,
      email: user.email,
      skills: user.skills ?? [],
      tenantIds: principal.role === 'msp_admin' ? user.tenantIds : user.tenantIds.filter((tenantId) => canSeeTenant(principal, tenantId)),
      maxOpenIncidents: profile.maxOpenIncidents,
      active: profile.active,
      ...(profile.updatedAt ? { updatedAt: profile.updatedAt } : {}),
      ...(profile.updatedBy ? { updatedBy: profile.updatedBy } : {}),
    };
  }

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/technicians',
        summary: "The tenant's technicians as the routing sees them",
        description:
          "Skills (kept on the user: PATCH /v1/users/{id}), workload cap and active (the profile: PUT /v1/technicians/{userId}/profile), the tenant's open incidents assigned to each, and whether they are on call now.",
        tag: oncallTag,
        scope: 'tenant',
        action: 'user.read',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: technicianListResponse },
      },
      async ({ principal, tenantId }) => {
        const now = deps.now();
        const users = (await listUsers(deps.table)).filter((user) => user.role === 'technician' && user.tenantIds.includes(tenantId));
        const [profiles, counts, onCall] = await Promise.all([
          getTechnicianProfiles(
            deps.table,
            users.map((user) => user.id),
          ),
          openCounts(tenantId),
          onCallNow(deps.table, tenantId, now),
        ]);
        return json(200, {
          tenantId,
          at: now.toISOString(),
          technicians: users.map((user) => {
            const { updatedAt: _at, updatedBy: _by, ...view } = profileView(principal, user, profiles.get(user.id)!);
            const schedules = onCall.onCall.filter((entry) => entry.userId === user.id).map((entry) => entry.schedule.id);
            return { ...view, openIncidents: counts.get(user.id) ?? 0, onCall: schedules.length > 0, onCallSchedules: schedules };
          }),
        });
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        path: '/v1/technicians/{userId}/profile',
        summary: "Set a technician's workload cap and whether the routing may pick them",
        description:
          'Company admins set the profile of technicians who work only for tenants they manage (a technician shared with another company: an MSP admin). Without a profile a technician takes at most 5 open incidents and is active. Skills stay on the user (PATCH /v1/users/{id}).',
        tag: oncallTag,
        scope: 'tenant',
        action: 'user.write',
        params: technicianPathParams,
        malformedPathIs404: 'Technician',
        body: profileBody,
        responses: { 200: technicianProfileResponse },
        errors: {
          400: 'Invalid input, or the user is not a technician',
          403: 'The caller may not change users of every company the technician works for',
          404: "No such technician among the caller's tenants",
        },
        audit: { action: 'technician-profile.update', log: 'both' },
      },
      async ({ principal, params: { userId }, body, audit }) => {
        // Its tenants are the technician's, checked here: every one of them, not one the request names.
        const user = await getUser(deps.table, userId);
        const visibleTenants = user ? user.tenantIds.filter((tenantId) => canSeeTenant(principal, tenantId)) : [];
        if (!user || (principal.role !== 'msp_admin' && !visibleTenants.length)) throw notFound('Technician');
        // One profile serves every company the technician works for (their cap and whether routing picks
        // them): changing it changes other companies' routing, so it needs the right on all of them.
        if (!user.tenantIds.every((tenantId) => can(principal, 'user.write', tenantId))) {
          throw forbidden(
            visibleTenants.length < user.tenantIds.length
              ? 'This technician also works for companies you do not manage: an MSP admin (or an admin of each) changes their profile'
              : `Your role (${principal.role}) may not user: write`,
          );
        }
        if (user.role !== 'technician') throw badRequest('Only technicians have a routing profile');
        const before = await getTechnicianProfile(deps.table, user.id);
        // The same values again (the defaults included) change nothing: no write, no audit entry.
        if (before.maxOpenIncidents === body.maxOpenIncidents && before.active === body.active) {
          return json(200, profileView(principal, user, before));
        }
        const after = await putTechnicianProfile(deps.table, user.id, body, { updatedBy: principal.email, now: deps.now() });
        const summary = {
          before: { maxOpenIncidents: before.maxOpenIncidents, active: before.active },
          after: { maxOpenIncidents: after.maxOpenIncidents, active: after.active },
        };
        // Like the user itself: in the MSP's log and in the log of every tenant the technician works for.
        await audit({ resource: { type: 'user', id: user.id }, summary });
        for (const tenantId of user.tenantIds) {
          await audit({
            tenantId,
            resource: { type: 'user', id: user.id },
            summary,
          });
        }
        return json(200, profileView(principal, user, after));
      },
    ),
  ];
}
