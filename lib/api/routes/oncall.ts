import { ulid } from 'ulid';
import * as z from 'zod';
import { can, canSeeTenant, type Action } from '../../auth/permissions';
import type { AccessClaims } from '../../auth/tokens';
import { worksFor } from '../../domain/user';
import { badRequest, conflict, forbidden, notFound } from '../../errors';
import { json, parseBody, type HttpEvent } from '../../http/http';
import { coverageSchema, overrideSchema, rotationLayerSchema, scheduleSchema, type Schedule } from '../../domain/oncall/schedule';
import { listIncidents } from '../../store/incidents';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  getTechnicianProfile,
  getTechnicianProfiles,
  listSchedules,
  MAX_SCHEDULES,
  onCallNow,
  putTechnicianProfile,
  SCHEDULE_ID_PATTERN,
  technicianProfileSchema,
  updateSchedule,
  type StoredSchedule,
  type TechnicianProfile,
} from '../../store/oncall';
import { getTenant } from '../../store/tenants';
import { getUser, listUsers, type StoredUser } from '../../store/users';
import { eachElement, maxLength } from '../../util/input-limits';
import { noContent, type Route, type RouteContext } from '../context';
import { checkVersion, fieldDifference, STALE_VERSION_DOC } from '../policy-changes';
import {
  onCallNowResponse,
  scheduleListResponse,
  schedulePathParams,
  scheduleResponse,
  technicianListResponse,
  technicianPathParams,
  technicianProfileResponse,
  tenantParam,
  tenantQuery,
  USER_ID_MAX,
} from '../schemas';
import { isActiveIncident } from '../../domain/incident-status';

/**
 * On-call and routing settings through the operator API:
 * - who is on call now (or at another instant) in the tenant's schedules, and the schedules themselves
 *   (layers of rotations handing off at a local time, overrides on top; each change names the version
 *   it was based on);
 * - the tenant's technicians as the routing sees them (skills, workload cap, active, open incidents,
 *   on call) and each technician's routing profile (cap, active; the skills stay on the user).
 * A tenant the caller cannot see is a 404. The SLA policy and escalation chain: ./sla.ts.
 */

const oncallTag = 'oncall';

const STALE_SCHEDULE = 'The schedule changed meanwhile: read it again and repeat the change';

const nowQuery = z.object({
  tenant: tenantParam,
  at: z.iso
    .datetime({ offset: true })
    .max(40)
    .optional()
    .describe('Who is on call at this instant (ISO 8601) rather than now: the next shifts, a past night'),
});

const version = z.number().int().min(0);

// Request-side schedules and chains: the domain schemas (lib/domain/oncall/schedule.ts, lib/domain/escalation/policy.ts)
// with every string bounded (user ids 128, schedule ids 64, HH:MM 5, dates 10, instants 40), their own
// checks and list sizes kept.
const INSTANT_MAX = 40;
const coverageRequest = coverageSchema.safeExtend({
  from: maxLength(coverageSchema.shape.from, 5),
  to: maxLength(coverageSchema.shape.to, 5),
});
const layerShape = rotationLayerSchema.shape;
const layerRequest = rotationLayerSchema.safeExtend({
  members: eachElement(layerShape.members, (userId) => maxLength(userId, USER_ID_MAX)),
  handoffTime: maxLength(layerShape.handoffTime, 5),
  startDate: maxLength(layerShape.startDate, 10),
  endDate: maxLength(layerShape.endDate, 10),
  coverage: eachElement(layerShape.coverage, () => coverageRequest),
});
const overrideRequest = overrideSchema.safeExtend({
  userId: maxLength(overrideSchema.shape.userId, USER_ID_MAX),
  start: maxLength(overrideSchema.shape.start, INSTANT_MAX),
  end: maxLength(overrideSchema.shape.end, INSTANT_MAX),
});
const scheduleRequest = scheduleSchema.safeExtend({
  id: maxLength(scheduleSchema.shape.id, 64),
  layers: eachElement(scheduleSchema.shape.layers, () => layerRequest),
  overrides: eachElement(scheduleSchema.shape.overrides, () => overrideRequest),
});
const createScheduleBody = scheduleRequest.extend({
  id: z.string().max(64).regex(SCHEDULE_ID_PATTERN, 'Expected a slug (letters, digits, _ . -)').optional().describe('Default: a new id'),
});
const updateScheduleBody = scheduleRequest.omit({ id: true }).extend({ version: version.optional().describe(STALE_VERSION_DOC) });
const versionQuery = z.object({
  tenant: tenantParam,
  version: z.coerce.number().int().min(0).optional().describe(STALE_VERSION_DOC),
});

const profileBody = technicianProfileSchema;

/** The schedule id of the path; a malformed one cannot exist (404). */
function scheduleIdOf(event: HttpEvent): string {
  const id = event.pathParameters?.id ?? '';
  if (!SCHEDULE_ID_PATTERN.test(id)) throw notFound('Schedule');
  return id;
}

function scheduleView(stored: StoredSchedule) {
  return {
    ...stored.schedule,
    tenantId: stored.tenantId,
    version: stored.version,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
  };
}

export function oncallRoutes({ deps, principalOf, requestTenant, audit }: RouteContext): Route[] {
  /** The `?tenant=` of the request, authorized for the action; 404 for a tenant that does not exist or is not visible. */
  async function queryTenant(event: HttpEvent, principal: AccessClaims, action: Action): Promise<string> {
    const tenantId = requestTenant(event, principal, action);
    if (!(await getTenant(deps.table, tenantId))) throw notFound('Tenant');
    return tenantId;
  }

  /** A 400 naming every member or override user who is not a user of the tenant (the same words whether or not they exist). */
  async function checkPeople(tenantId: string, named: ReadonlyArray<{ path: string; userId: string }>): Promise<void> {
    if (!named.length) return;
    const users = new Map((await listUsers(deps.table)).map((user) => [user.id, user]));
    const problems = named
      .filter(({ userId }) => !worksFor(users.get(userId), tenantId))
      .map(({ path, userId }) => ({ path, message: `${userId} is not a user of ${tenantId}` }));
    if (problems.length) throw badRequest('Only users of the tenant can be on call', problems);
  }

  const peopleOf = (schedule: Pick<Schedule, 'layers' | 'overrides'>) => [
    ...schedule.layers.flatMap((layer, l) => layer.members.map((userId, m) => ({ path: `layers.${l}.members.${m}`, userId }))),
    ...(schedule.overrides ?? []).map((override, o) => ({ path: `overrides.${o}.userId`, userId: override.userId })),
  ];

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

  const schedulesPath = '/v1/oncall/schedules';
  const conflictError = { 409: 'The schedule changed meanwhile (a stale `version`): read it again' };

  return [
    {
      method: 'GET',
      path: '/v1/oncall/now',
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'oncall.read');
        const { at } = nowQuery.parse(event.queryStringParameters ?? {});
        const now = at ? new Date(at) : deps.now();
        const current = await onCallNow(deps.table, tenantId, now);
        return json(200, {
          tenantId,
          at: current.at,
          onCall: current.onCall.map((entry) => ({
            userId: entry.userId,
            name: entry.name,
            email: entry.email,
            schedule: entry.schedule,
            source: entry.source,
            layer: entry.layer,
            since: entry.shiftStart,
            until: entry.shiftEnd,
            reason: entry.reason,
          })),
        });
      },
      doc: {
        summary: 'Who is on call now in each of the tenant schedules, and until when',
        description:
          'One entry per schedule with someone on call: an override, else the first layer covering the instant. `?at=` asks about another instant.',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.read',
        query: nowQuery,
        responses: { 200: onCallNowResponse },
      },
    },
    {
      method: 'GET',
      path: schedulesPath,
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'oncall.read');
        return json(200, { tenantId, schedules: (await listSchedules(deps.table, tenantId)).map(scheduleView) });
      },
      doc: {
        summary: "The tenant's on-call schedules, oldest first",
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.read',
        query: tenantQuery,
        responses: { 200: scheduleListResponse },
      },
    },
    {
      method: 'POST',
      path: schedulesPath,
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'oncall.write');
        const body = parseBody(event, createScheduleBody);
        await checkPeople(tenantId, peopleOf(body));
        if ((await listSchedules(deps.table, tenantId)).length >= MAX_SCHEDULES) {
          throw conflict(`A tenant keeps at most ${MAX_SCHEDULES} schedules: delete one first`);
        }
        const schedule = { ...body, id: body.id ?? `sch_${ulid()}` };
        const created = await createSchedule(deps.table, tenantId, schedule, { updatedBy: principal.email, now: deps.now() });
        if (!created) throw conflict(`A schedule ${schedule.id} exists`);
        await audit(event, principal, {
          tenantId,
          action: 'oncall-schedule.create',
          resource: { type: 'oncallSchedule', id: schedule.id },
          summary: { after: created.schedule },
        });
        return json(201, scheduleView(created));
      },
      doc: {
        summary: 'Create an on-call schedule',
        description:
          'Layers in priority order (the first covering an instant decides), each a daily or weekly rotation of members handing off at `handoffTime` in its `timeZone` (a weekly one on the weekday of `startDate`), optionally only within `coverage` windows; overrides replace whoever the layers name. Members and override users must be users of the tenant (or MSP admins).',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.write',
        query: tenantQuery,
        body: createScheduleBody,
        responses: { 201: scheduleResponse },
        errors: { 409: `The id is taken, or the tenant has ${MAX_SCHEDULES} schedules already` },
        audit: { action: 'oncall-schedule.create', log: 'tenant' },
      },
    },
    {
      method: 'GET',
      path: `${schedulesPath}/{id}`,
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'oncall.read');
        const stored = await getSchedule(deps.table, tenantId, scheduleIdOf(event));
        if (!stored) throw notFound('Schedule');
        return json(200, scheduleView(stored));
      },
      doc: {
        summary: 'One on-call schedule',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.read',
        params: schedulePathParams,
        query: tenantQuery,
        responses: { 200: scheduleResponse },
      },
    },
    {
      method: 'PUT',
      path: `${schedulesPath}/{id}`,
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'oncall.write');
        const id = scheduleIdOf(event);
        const { version: given, ...body } = parseBody(event, updateScheduleBody);
        const current = await getSchedule(deps.table, tenantId, id);
        if (!current) throw notFound('Schedule');
        checkVersion(given, current.version, STALE_SCHEDULE);
        await checkPeople(tenantId, peopleOf(body));
        const next = scheduleSchema.parse({ ...body, id });
        const changes = fieldDifference(current.schedule, next);
        if (!Object.keys(changes.after).length) return json(200, scheduleView(current));
        const updated = await updateSchedule(deps.table, tenantId, next, { updatedBy: principal.email, now: deps.now() }, current.version);
        if (!updated) throw conflict(STALE_SCHEDULE);
        await audit(event, principal, {
          tenantId,
          action: 'oncall-schedule.update',
          resource: { type: 'oncallSchedule', id },
          summary: changes,
        });
        return json(200, scheduleView(updated));
      },
      doc: {
        summary: 'Replace an on-call schedule',
        description:
          'The whole schedule (name, layers, overrides) is replaced. With `version` (from GET), a schedule changed since is not overwritten (409). A change that changes nothing is not audited.',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.write',
        params: schedulePathParams,
        query: tenantQuery,
        body: updateScheduleBody,
        responses: { 200: scheduleResponse },
        errors: conflictError,
        audit: { action: 'oncall-schedule.update', log: 'tenant' },
      },
    },
    {
      method: 'DELETE',
      path: `${schedulesPath}/{id}`,
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'oncall.write');
        const id = scheduleIdOf(event);
        const { version: given } = versionQuery.parse(event.queryStringParameters ?? {});
        const current = await getSchedule(deps.table, tenantId, id);
        if (!current) throw notFound('Schedule');
        checkVersion(given, current.version, STALE_SCHEDULE);
        if (!(await deleteSchedule(deps.table, tenantId, id, current.version))) throw conflict(STALE_SCHEDULE);
        await audit(event, principal, {
          tenantId,
          action: 'oncall-schedule.delete',
          resource: { type: 'oncallSchedule', id },
          summary: { before: { name: current.schedule.name, version: current.version } },
        });
        return noContent();
      },
      doc: {
        summary: 'Delete an on-call schedule',
        description:
          'With `?version=`, a schedule changed since is not deleted (409). Escalation chains naming it then find nobody on call there.',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.write',
        params: schedulePathParams,
        query: versionQuery,
        responses: { 204: null },
        errors: conflictError,
        audit: { action: 'oncall-schedule.delete', log: 'tenant' },
      },
    },
    {
      method: 'GET',
      path: '/v1/technicians',
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = await queryTenant(event, principal, 'user.read');
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
      doc: {
        summary: "The tenant's technicians as the routing sees them",
        description:
          "Skills (kept on the user: PATCH /v1/users/{id}), workload cap and active (the profile: PUT /v1/technicians/{userId}/profile), the tenant's open incidents assigned to each, and whether they are on call now.",
        tag: oncallTag,
        scope: 'tenant',
        action: 'user.read',
        query: tenantQuery,
        responses: { 200: technicianListResponse },
      },
    },
    {
      method: 'PUT',
      path: '/v1/technicians/{userId}/profile',
      handler: async (event) => {
        const principal = await principalOf(event);
        const userId = event.pathParameters?.userId ?? '';
        const user = userId && userId.length <= 128 ? await getUser(deps.table, userId) : undefined;
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
        const body = parseBody(event, profileBody);
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
        await audit(event, principal, { action: 'technician-profile.update', resource: { type: 'user', id: user.id }, summary });
        for (const tenantId of user.tenantIds) {
          await audit(event, principal, {
            tenantId,
            action: 'technician-profile.update',
            resource: { type: 'user', id: user.id },
            summary,
          });
        }
        return json(200, profileView(principal, user, after));
      },
      doc: {
        summary: "Set a technician's workload cap and whether the routing may pick them",
        description:
          'Company admins set the profile of technicians who work only for tenants they manage (a technician shared with another company: an MSP admin). Without a profile a technician takes at most 5 open incidents and is active. Skills stay on the user (PATCH /v1/users/{id}).',
        tag: oncallTag,
        scope: 'tenant',
        action: 'user.write',
        params: technicianPathParams,
        body: profileBody,
        responses: { 200: technicianProfileResponse },
        errors: {
          400: 'Invalid input, or the user is not a technician',
          403: 'The caller may not change users of every company the technician works for',
          404: "No such technician among the caller's tenants",
        },
        audit: { action: 'technician-profile.update', log: 'both' },
      },
    },
  ];
}
