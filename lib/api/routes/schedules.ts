import { ulid } from 'ulid';
import * as z from 'zod';
import { worksFor } from '../../domain/user';
import { badRequest, conflict, notFound } from '../../errors';
import { json } from '../../http/http';
import { coverageSchema, overrideSchema, rotationLayerSchema, scheduleSchema, type Schedule } from '../../domain/oncall/schedule';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  MAX_SCHEDULES,
  SCHEDULE_ID_PATTERN,
  updateSchedule,
  type StoredSchedule,
} from '../../store/oncall';
import { listUsers } from '../../store/users';
import { eachElement, maxLength } from '../../util/input-limits';
import { noContent, type Route, type RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { checkVersion, fieldDifference, STALE_VERSION_DOC } from '../policy-changes';
import { scheduleListResponse, schedulePathParams, scheduleResponse, tenantQuery, USER_ID_MAX } from '../schemas';

/**
 * A tenant's on-call schedules: layers of rotations handing off at a local time, overrides on top; each
 * change names the version it was based on.
 */

const oncallTag = 'oncall';
const STALE_SCHEDULE = 'The schedule changed meanwhile: read it again and repeat the change';
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
const versionQuery = tenantQuery.extend({
  version: z.coerce.number().int().min(0).optional().describe(STALE_VERSION_DOC),
});

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

export function scheduleRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);

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

  const schedulesPath = '/v1/oncall/schedules';
  const conflictError = { 409: 'The schedule changed meanwhile (a stale `version`): read it again' };

  return [
    defineRoute(
      {
        method: 'GET',
        path: schedulesPath,
        summary: "The tenant's on-call schedules, oldest first",
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.read',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: scheduleListResponse },
      },
      async ({ tenantId }) => {
        return json(200, { tenantId, schedules: (await listSchedules(deps.table, tenantId)).map(scheduleView) });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: schedulesPath,
        summary: 'Create an on-call schedule',
        description:
          'Layers in priority order (the first covering an instant decides), each a daily or weekly rotation of members handing off at `handoffTime` in its `timeZone` (a weekly one on the weekday of `startDate`), optionally only within `coverage` windows; overrides replace whoever the layers name. Members and override users must be users of the tenant (or MSP admins).',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.write',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: createScheduleBody,
        responses: { 201: scheduleResponse },
        errors: { 409: `The id is taken, or the tenant has ${MAX_SCHEDULES} schedules already` },
        audit: { action: 'oncall-schedule.create', log: 'tenant' },
      },
      async ({ principal, tenantId, body, audit }) => {
        await checkPeople(tenantId, peopleOf(body));
        if ((await listSchedules(deps.table, tenantId)).length >= MAX_SCHEDULES) {
          throw conflict(`A tenant keeps at most ${MAX_SCHEDULES} schedules: delete one first`);
        }
        const schedule = { ...body, id: body.id ?? `sch_${ulid()}` };
        const created = await createSchedule(deps.table, tenantId, schedule, { updatedBy: principal.email, now: deps.now() });
        if (!created) throw conflict(`A schedule ${schedule.id} exists`);
        await audit({
          tenantId,
          resource: { type: 'oncallSchedule', id: schedule.id },
          summary: { after: created.schedule },
        });
        return json(201, scheduleView(created));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: `${schedulesPath}/{id}`,
        summary: 'One on-call schedule',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.read',
        params: schedulePathParams,
        malformedPathIs404: 'Schedule',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: scheduleResponse },
      },
      async ({ tenantId, params }) => {
        const stored = await getSchedule(deps.table, tenantId, params.id);
        if (!stored) throw notFound('Schedule');
        return json(200, scheduleView(stored));
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        path: `${schedulesPath}/{id}`,
        summary: 'Replace an on-call schedule',
        description:
          'The whole schedule (name, layers, overrides) is replaced. With `version` (from GET), a schedule changed since is not overwritten (409). A change that changes nothing is not audited.',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.write',
        params: schedulePathParams,
        malformedPathIs404: 'Schedule',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: updateScheduleBody,
        responses: { 200: scheduleResponse },
        errors: conflictError,
        audit: { action: 'oncall-schedule.update', log: 'tenant' },
      },
      async ({ principal, tenantId, params, body, audit }) => {
        const { id } = params;
        const { version: given, ...schedule } = body;
        const current = await getSchedule(deps.table, tenantId, id);
        if (!current) throw notFound('Schedule');
        checkVersion(given, current.version, STALE_SCHEDULE);
        await checkPeople(tenantId, peopleOf(schedule));
        const next = scheduleSchema.parse({ ...schedule, id });
        const changes = fieldDifference(current.schedule, next);
        if (!Object.keys(changes.after).length) return json(200, scheduleView(current));
        const updated = await updateSchedule(deps.table, tenantId, next, { updatedBy: principal.email, now: deps.now() }, current.version);
        if (!updated) throw conflict(STALE_SCHEDULE);
        await audit({
          tenantId,
          resource: { type: 'oncallSchedule', id },
          summary: changes,
        });
        return json(200, scheduleView(updated));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: `${schedulesPath}/{id}`,
        summary: 'Delete an on-call schedule',
        description:
          'With `?version=`, a schedule changed since is not deleted (409). Escalation chains naming it then find nobody on call there.',
        tag: oncallTag,
        scope: 'tenant',
        action: 'oncall.write',
        params: schedulePathParams,
        malformedPathIs404: 'Schedule',
        query: versionQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 204: null },
        errors: conflictError,
        audit: { action: 'oncall-schedule.delete', log: 'tenant' },
      },
      async ({ tenantId, params, query, audit }) => {
        const { id } = params;
        const { version: given } = query;
        const current = await getSchedule(deps.table, tenantId, id);
        if (!current) throw notFound('Schedule');
        checkVersion(given, current.version, STALE_SCHEDULE);
        if (!(await deleteSchedule(deps.table, tenantId, id, current.version))) throw conflict(STALE_SCHEDULE);
        await audit({
          tenantId,
          resource: { type: 'oncallSchedule', id },
          summary: { before: { name: current.schedule.name, version: current.version } },
        });
        return noContent();
      },
    ),
  ];
}
