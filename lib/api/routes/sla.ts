import * as z from 'zod';
import {
  escalationLevelSchema,
  escalationPolicySchema,
  escalationTargetSchema,
  type EscalationPolicy,
} from '../../domain/escalation/policy';
import { slaPolicySchema, type SlaPolicy } from '../../domain/sla/policy';
import { worksFor } from '../../domain/user';
import { badRequest } from '../../errors';
import { listSchedules } from '../../store/oncall';
import { escalationPolicies, slaPolicies } from '../../store/sla';
import { listUsers } from '../../store/users';
import { eachElement, eachOption, maxLength } from '../../util/input-limits';
import type { Route, RouteContext } from '../context';
import { STALE_VERSION_DOC } from '../policy-changes';
import { mergedPolicy, policyRoutes } from '../policy-routes';
import { escalationPolicyViewResponse, slaPolicyViewResponse, USER_ID_MAX } from '../schemas';

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
  calendar: z.looseObject({ week: z.looseObject({}).optional() }).optional(),
});
type SlaChange = z.infer<typeof slaChange>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each object of `change` merged over the same key of `current`; anything else replaces it. */
function mergeEach(current: Record<string, unknown>, change: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!change) return current;
  return Object.fromEntries(
    [...new Set([...Object.keys(current), ...Object.keys(change)])].map((key) => {
      const [was, now] = [current[key], change[key]];
      return [key, key in change ? (isRecord(was) && isRecord(now) ? { ...was, ...now } : now) : was];
    }),
  );
}

/** Targets severity by severity and field by field; the calendar field by field, its week weekday by weekday (holidays as a whole). */
function mergedSla(current: SlaPolicy, change: SlaChange): unknown {
  const calendar = change.calendar
    ? { ...current.calendar, ...change.calendar, week: { ...current.calendar.week, ...change.calendar.week } }
    : current.calendar;
  return {
    ...current,
    ...change,
    targets: mergeEach(current.targets, change.targets),
    warning: { ...current.warning, ...change.warning },
    calendar,
  };
}
const slaChangeDoc = slaPolicySchema.extend({ version: version.optional().describe(STALE_VERSION_DOC) });
const escalationChange = z.looseObject({ version: version.optional() });
const escalationChangeDoc = escalationPolicyRequest.partial().extend({ version: version.optional().describe(STALE_VERSION_DOC) });

export function slaRoutes(context: RouteContext): Route[] {
  const { deps } = context;

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

  return [
    ...policyRoutes(context, slaPolicies, {
      path: '/v1/tenants/{id}/sla/policy',
      tag: slaTag,
      view: slaPolicyViewResponse,
      versioned: true,
      conflict: 'The policy changed meanwhile (a stale `version`): read it again',
      read: {
        summary:
          "A tenant's SLA policy (response and resolution targets per severity, warnings, the service calendar), every default filled in",
      },
      change: {
        summary: 'Change some fields of the SLA policy',
        description:
          'Only the fields sent change: `targets` severity by severity and field by field (`coverage`: `24x7`, or `business-hours` to count only the time `calendar` covers), `warning` field by field, `calendar` field by field (`week` weekday by weekday, `holidays` as a whole). With `version` (from GET), a policy changed since is not overwritten (409). A change that changes nothing is not audited.',
        body: slaChange,
        documentedBody: slaChangeDoc,
        audit: 'sla-policy.update',
        apply: (current, change) => mergedPolicy(slaPolicySchema.safeParse(mergedSla(current, change))),
      },
      reset: {
        summary: 'Reset the SLA policy to the defaults',
        description: 'A policy already at the defaults is not changed (nor audited).',
        audit: 'sla-policy.reset',
      },
    }),
    ...policyRoutes(context, escalationPolicies, {
      path: '/v1/tenants/{id}/escalation/policy',
      tag: slaTag,
      view: escalationPolicyViewResponse,
      versioned: true,
      conflict: 'The chain changed meanwhile (a stale `version`): read it again',
      read: { summary: "A tenant's escalation chain, the default chain when it never set one" },
      change: {
        summary: 'Change some fields of the escalation chain',
        description:
          'Only the fields sent change (`levels` is replaced as a whole). Targets: the assignee, whoever is on call (in a named schedule of the tenant, or its default), every company or MSP admin, one user of the tenant. With `version` (from GET), a chain changed since is not overwritten (409). A change that changes nothing is not audited.',
        body: escalationChange,
        documentedBody: escalationChangeDoc,
        audit: 'escalation-policy.update',
        apply: async (current, change, tenantId) => {
          const next = mergedPolicy(escalationPolicyRequest.safeParse({ ...current, ...change }));
          await checkEscalationTargets(tenantId, next);
          return next;
        },
      },
      reset: {
        summary: 'Reset the escalation chain to the default',
        description:
          'The default: the assignee (or whoever is on call) for 15 minutes, then the company admins for 30, then the MSP admins. A chain already at the default is not changed (nor audited).',
        audit: 'escalation-policy.reset',
      },
    }),
  ];
}
