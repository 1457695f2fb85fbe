import * as z from 'zod';
import type { AccessClaims } from '../../auth/tokens';
import {
  DEFAULT_ESCALATION_POLICY,
  escalationLevelSchema,
  escalationPolicySchema,
  escalationTargetSchema,
  type EscalationPolicy,
} from '../../domain/escalation/policy';
import { DEFAULT_SLA_POLICY, slaPolicySchema, type SlaPolicy } from '../../domain/sla/policy';
import { worksFor } from '../../domain/user';
import { badRequest } from '../../errors';
import { json, zodDetails } from '../../http/http';
import { listSchedules } from '../../store/oncall';
import { getEscalationPolicy, getSlaPolicy, putEscalationPolicy, putSlaPolicy } from '../../store/sla';
import { listUsers } from '../../store/users';
import { eachElement, eachOption, maxLength } from '../../util/input-limits';
import type { Route, RouteContext } from '../context';
import { routeDefiner, type RouteRequest } from '../define-route';
import { checkVersion, resetQuery, STALE_POLICY, STALE_VERSION_DOC, storePolicyChange } from '../policy-changes';
import { escalationPolicyViewResponse, slaPolicyViewResponse, tenantPathParams, USER_ID_MAX } from '../schemas';

/**
 * A tenant's SLA policy (response and resolution targets per severity, warnings) and escalation chain
 * (levels of people or on-call schedules, each after a delay) through the operator API: read with every
 * default filled in, change some fields, reset; each change names the version it was based on and is
 * audited field by field. A tenant the caller cannot see is a 404.
 */

const slaTag = 'sla';
const version = z.number().int().min(0);

// Request-side chains: the domain schema (lib/domain/escalation/policy.ts) with every id bounded.
const escalationTargetRequest = eachOption(escalationTargetSchema, (option) => {
  const target = option as z.ZodObject<{ kind: z.ZodLiteral; scheduleId?: z.ZodOptional<z.ZodString>; userId?: z.ZodString }>;
  const { scheduleId, userId } = target.shape;
  if (scheduleId) return target.safeExtend({ scheduleId: maxLength(scheduleId, 64) });
  if (userId) return target.safeExtend({ userId: maxLength(userId, USER_ID_MAX) });
  return target;
});
const escalationLevelRequest = escalationLevelSchema.safeExtend({
  targets: eachElement(escalationLevelSchema.shape.targets, () => escalationTargetRequest),
});
const escalationPolicyRequest = escalationPolicySchema.safeExtend({
  id: maxLength(escalationPolicySchema.shape.id, 128),
  levels: eachElement(escalationPolicySchema.shape.levels, () => escalationLevelRequest),
});

/** A partial policy and, optionally, the version it is based on; the fields are checked once merged. */
const slaChange = z.looseObject({
  version: version.optional(),
  targets: z.looseObject({}).optional(),
  warning: z.looseObject({}).optional(),
});
const slaChangeDoc = slaPolicySchema.extend({ version: version.optional().describe(STALE_VERSION_DOC) });
const escalationChange = z.looseObject({ version: version.optional() });
const escalationChangeDoc = escalationPolicyRequest.partial().extend({ version: version.optional().describe(STALE_VERSION_DOC) });

export function slaRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  /** The path's tenant, authorized for the route's action; 404 for a tenant that does not exist or is not visible. */
  const tenant = { from: 'path', mustExist: true } as const;

  async function slaView(tenantId: string) {
    const { policy, version: current, updatedAt, updatedBy } = await getSlaPolicy(deps.table, tenantId);
    return {
      tenantId,
      policy,
      defaults: DEFAULT_SLA_POLICY,
      version: current,
      ...(updatedAt ? { updatedAt } : {}),
      ...(updatedBy ? { updatedBy } : {}),
    };
  }

  async function escalationView(tenantId: string) {
    const { policy, version: current, updatedAt, updatedBy } = await getEscalationPolicy(deps.table, tenantId);
    return {
      tenantId,
      policy,
      defaults: DEFAULT_ESCALATION_POLICY,
      version: current,
      ...(updatedAt ? { updatedAt } : {}),
      ...(updatedBy ? { updatedBy } : {}),
    };
  }

  function parsed<T>(result: { success: true; data: T } | { success: false; error: z.ZodError }): T {
    if (!result.success) throw badRequest('The request body is not valid', zodDetails(result.error));
    return result.data;
  }

  /** Targets naming a user or a schedule must name one of the tenant's. */
  async function checkEscalationTargets(tenantId: string, policy: EscalationPolicy): Promise<void> {
    const users: Array<{ path: string; userId: string }> = [];
    const schedules: Array<{ path: string; scheduleId: string }> = [];
    policy.levels.forEach((level, l) =>
      level.targets.forEach((target, t) => {
        const path = `levels.${l}.targets.${t}`;
        if (target.kind === 'user') users.push({ path: `${path}.userId`, userId: target.userId });
        if (target.kind === 'on-call' && target.scheduleId) schedules.push({ path: `${path}.scheduleId`, scheduleId: target.scheduleId });
      }),
    );
    const known = new Set(schedules.length ? (await listSchedules(deps.table, tenantId)).map(({ schedule }) => schedule.id) : []);
    const problems = schedules
      .filter(({ scheduleId }) => !known.has(scheduleId))
      .map(({ path, scheduleId }) => ({ path, message: `${tenantId} has no schedule ${scheduleId}` }));
    if (problems.length) throw badRequest('The chain names schedules the tenant does not have', problems);
    if (users.length) {
      const directory = new Map((await listUsers(deps.table)).map((user) => [user.id, user]));
      const strangers = users
        .filter(({ userId }) => !worksFor(directory.get(userId), tenantId))
        .map(({ path, userId }) => ({ path, message: `${userId} is not a user of ${tenantId}` }));
      if (strangers.length) throw badRequest('The chain names users who do not work for the tenant', strangers);
    }
  }

  /** Stores `next` if the policy is still at the version read, and audits the fields it changes (lib/api/policy-changes.ts). */
  const storePolicy = <P extends object>(
    { tenantId, audit }: Pick<RouteRequest, 'audit'> & { tenantId: string },
    current: { policy: P; version: number },
    next: P,
    write: (policy: P, expectedVersion: number) => Promise<boolean>,
    type: string,
  ) => storePolicyChange(audit, { tenantId, current, next, write, type });

  /** Writes the tenant's SLA policy (or escalation chain) as the principal, conditional on the version read. */
  const slaWriter = (principal: AccessClaims, tenantId: string) => (policy: SlaPolicy, expected: number) =>
    putSlaPolicy(deps.table, tenantId, policy, principal.email, deps.now(), expected);
  const escalationWriter = (principal: AccessClaims, tenantId: string) => (policy: EscalationPolicy, expected: number) =>
    putEscalationPolicy(deps.table, tenantId, policy, principal.email, deps.now(), expected);

  const slaPath = '/v1/tenants/{id}/sla/policy';
  const escalationPath = '/v1/tenants/{id}/escalation/policy';

  return [
    defineRoute(
      {
        method: 'GET',
        path: slaPath,
        summary: "A tenant's SLA policy (response and resolution targets per severity, warnings), every default filled in",
        description: '`version` is what a change sends back to be accepted.',
        tag: slaTag,
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        tenant,
        responses: { 200: slaPolicyViewResponse },
      },
      async ({ tenantId }) => json(200, await slaView(tenantId)),
    ),
    defineRoute(
      {
        method: 'PUT',
        path: slaPath,
        summary: 'Change some fields of the SLA policy',
        description:
          'Only the fields sent change: `targets` severity by severity (each with both windows), `warning` field by field. With `version` (from GET), a policy changed since is not overwritten (409). A change that changes nothing is not audited.',
        tag: slaTag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        tenant,
        body: slaChange,
        documentedBody: slaChangeDoc,
        responses: { 200: slaPolicyViewResponse },
        errors: { 409: 'The policy changed meanwhile (a stale `version`): read it again' },
        audit: { action: 'sla-policy.update', log: 'tenant' },
      },
      async (request) => {
        const { principal, tenantId } = request;
        const { version: given, ...change } = request.body;
        const current = await getSlaPolicy(deps.table, tenantId);
        checkVersion(given, current.version, STALE_POLICY);
        const next = parsed(
          slaPolicySchema.safeParse({
            ...current.policy,
            ...change,
            targets: { ...current.policy.targets, ...change.targets },
            warning: { ...current.policy.warning, ...change.warning },
          }),
        );
        await storePolicy(request, current, next, slaWriter(principal, tenantId), 'slaPolicy');
        return json(200, await slaView(tenantId));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: slaPath,
        summary: 'Reset the SLA policy to the defaults',
        description: 'A policy already at the defaults is not changed (nor audited).',
        tag: slaTag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        tenant,
        query: resetQuery,
        responses: { 200: slaPolicyViewResponse },
        errors: { 409: 'The policy changed meanwhile (a stale `version`): read it again' },
        audit: { action: 'sla-policy.reset', log: 'tenant' },
      },
      async (request) => {
        const { principal, tenantId } = request;
        const current = await getSlaPolicy(deps.table, tenantId);
        checkVersion(request.query.version, current.version, STALE_POLICY);
        await storePolicy(request, current, DEFAULT_SLA_POLICY, slaWriter(principal, tenantId), 'slaPolicy');
        return json(200, await slaView(tenantId));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: escalationPath,
        summary: "A tenant's escalation chain, the default chain when it never set one",
        description: '`version` is what a change sends back to be accepted.',
        tag: slaTag,
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        tenant,
        responses: { 200: escalationPolicyViewResponse },
      },
      async ({ tenantId }) => json(200, await escalationView(tenantId)),
    ),
    defineRoute(
      {
        method: 'PUT',
        path: escalationPath,
        summary: 'Change some fields of the escalation chain',
        description:
          'Only the fields sent change (`levels` is replaced as a whole). Targets: the assignee, whoever is on call (in a named schedule of the tenant, or its default), every company or MSP admin, one user of the tenant. With `version` (from GET), a chain changed since is not overwritten (409). A change that changes nothing is not audited.',
        tag: slaTag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        tenant,
        body: escalationChange,
        documentedBody: escalationChangeDoc,
        responses: { 200: escalationPolicyViewResponse },
        errors: { 409: 'The chain changed meanwhile (a stale `version`): read it again' },
        audit: { action: 'escalation-policy.update', log: 'tenant' },
      },
      async (request) => {
        const { principal, tenantId } = request;
        const { version: given, ...change } = request.body;
        const current = await getEscalationPolicy(deps.table, tenantId);
        checkVersion(given, current.version, STALE_POLICY);
        const next = parsed(escalationPolicyRequest.safeParse({ ...current.policy, ...change }));
        await checkEscalationTargets(tenantId, next);
        await storePolicy(request, current, next, escalationWriter(principal, tenantId), 'escalationPolicy');
        return json(200, await escalationView(tenantId));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: escalationPath,
        summary: 'Reset the escalation chain to the default',
        description:
          'The default: the assignee (or whoever is on call) for 15 minutes, then the company admins for 30, then the MSP admins. A chain already at the default is not changed (nor audited).',
        tag: slaTag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        tenant,
        query: resetQuery,
        responses: { 200: escalationPolicyViewResponse },
        errors: { 409: 'The chain changed meanwhile (a stale `version`): read it again' },
        audit: { action: 'escalation-policy.reset', log: 'tenant' },
      },
      async (request) => {
        const { principal, tenantId } = request;
        const current = await getEscalationPolicy(deps.table, tenantId);
        checkVersion(request.query.version, current.version, STALE_POLICY);
        await storePolicy(request, current, DEFAULT_ESCALATION_POLICY, escalationWriter(principal, tenantId), 'escalationPolicy');
        return json(200, await escalationView(tenantId));
      },
    ),
  ];
}
