import type * as z from 'zod';
import { badRequest } from '../errors';
import { json, zodDetails } from '../http/http';
import type { VersionedPolicy } from '../store/versioned-policy';
import type { Route, RouteContext } from './context';
import { EXISTING_PATH_TENANT, routeDefiner, type RouteRequest } from './define-route';
import { checkVersion, resetQuery, storePolicyChange, type FieldDifference } from './policy-changes';
import { tenantPathParams } from './schemas';

/**
 * A tenant's versioned policy as a resource (correlation, remediation, SLA, escalation): GET it with the
 * defaults beside it, PUT a change of some fields, DELETE to reset it to the defaults. Every change is
 * checked against the version read and audited field by field (lib/api/policy-changes.ts); what differs
 * between the policies is how a change merges into the stored policy and what the routes are called.
 */

/** A change body: some fields of the policy, and maybe the version the change is based on. */
interface ChangeBody {
  version?: number;
  [field: string]: unknown;
}

export interface PolicyRouteSpec<P extends object, C extends ChangeBody> {
  path: string;
  tag: string;
  /** The answer of every route: the policy, its defaults, who changed it last. */
  view: z.ZodType;
  /**
   * The view shows the version, and a change (`version` in the body) or a reset (`?version=`) naming a
   * stale one is refused. The correlation policy's routes predate versions: its writes are conditional
   * on the version its route read, but a client cannot name one.
   */
  versioned: boolean;
  /** How the 409 of a change or a reset is documented. */
  conflict: string;
  read: { summary: string };
  change: {
    summary: string;
    description: string;
    /** The body's outline; `apply` checks the fields once merged with the stored policy. */
    body: z.ZodType<C>;
    /** The fields a client may send, as the OpenAPI document shows them. */
    documentedBody: z.ZodType;
    audit: string;
    /** The stored policy with the change applied, or a 400 naming the failing fields (`version` is not part of the change). */
    apply(current: P, change: C, tenantId: string): P | Promise<P>;
  };
  reset: { summary: string; description: string; audit: string };
  /** The audit summary of a change: the top-level fields that differ unless said otherwise. */
  differ?: (before: P, after: P) => FieldDifference;
}

/** The outcome of parsing a merged policy, or a 400 naming the failing fields. */
export function mergedPolicy<T>(result: z.ZodSafeParseResult<T>): T {
  if (!result.success) throw badRequest('The request body is not valid', zodDetails(result.error));
  return result.data;
}

const VERSION_DESCRIPTION = '`version` is what a change sends back to be accepted.';

export function policyRoutes<P extends object, C extends ChangeBody>(
  context: RouteContext,
  policies: VersionedPolicy<P>,
  spec: PolicyRouteSpec<P, C>,
): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const { path, tag, versioned, read, change, reset } = spec;
  const declared = { tag, scope: 'tenant', params: tenantPathParams, tenant: EXISTING_PATH_TENANT, responses: { 200: spec.view } } as const;

  async function view(tenantId: string) {
    const { policy, version, updatedAt, updatedBy } = await policies.get(deps.table, tenantId);
    return {
      tenantId,
      policy,
      defaults: policies.defaults,
      ...(versioned ? { version } : {}),
      ...(updatedAt ? { updatedAt } : {}),
      ...(updatedBy ? { updatedBy } : {}),
    };
  }

  /** Stores `next` if the policy is still at the version read, and audits the fields it changes; nothing at all when it changes nothing. */
  const store = (
    { principal, tenantId, audit }: Pick<RouteRequest<'tenant'>, 'principal' | 'audit'> & { tenantId: string },
    current: { policy: P; version: number },
    next: P,
  ) =>
    storePolicyChange(audit, {
      tenantId,
      current,
      next,
      write: (policy, expected) => policies.put(deps.table, tenantId, policy, principal.email, deps.now(), expected),
      type: policies.entity,
      ...(spec.differ ? { differ: spec.differ } : {}),
    });

  return [
    defineRoute(
      {
        ...declared,
        method: 'GET',
        path,
        summary: read.summary,
        description: versioned ? VERSION_DESCRIPTION : undefined,
        action: 'settings.read',
      },
      async ({ tenantId }) => json(200, await view(tenantId)),
    ),
    defineRoute(
      {
        ...declared,
        method: 'PUT',
        path,
        summary: change.summary,
        description: change.description,
        action: 'settings.update',
        body: change.body,
        documentedBody: change.documentedBody,
        errors: { 409: spec.conflict },
        audit: { action: change.audit, log: 'tenant' },
      },
      async (request) => {
        const { tenantId, body } = request;
        const current = await policies.get(deps.table, tenantId);
        if (versioned) checkVersion(body.version, current.version);
        await store(request, current, await change.apply(current.policy, versioned ? withoutVersion(body) : body, tenantId));
        return json(200, await view(tenantId));
      },
    ),
    defineRoute(
      {
        ...declared,
        method: 'DELETE',
        path,
        summary: reset.summary,
        description: reset.description,
        action: 'settings.update',
        query: versioned ? resetQuery : undefined,
        errors: { 409: spec.conflict },
        audit: { action: reset.audit, log: 'tenant' },
      },
      async (request) => {
        const current = await policies.get(deps.table, request.tenantId);
        checkVersion(request.query?.version, current.version);
        await store(request, current, policies.defaults);
        return json(200, await view(request.tenantId));
      },
    ),
  ];
}

/** The change a body asks for: the body without the version it is based on. */
function withoutVersion<C extends ChangeBody>(body: C): C {
  const change = { ...body };
  delete change.version;
  return change;
}
