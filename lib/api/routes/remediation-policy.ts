import * as z from 'zod';
import { maintenanceWindowSchema, remediationPolicySchema, type RemediationPolicy } from '../../domain/remediation/decision';
import { REMEDIATION_ROLE_PREFIX } from '../../domain/remediation/step-contract';
import { json } from '../../http/http';
import { remediationExternalId, remediationPolicies } from '../../store/remediation';
import { eachElement, maxLength } from '../../util/input-limits';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { STALE_VERSION_DOC } from '../policy-changes';
import { mergedPolicy, policyRoutes } from '../policy-routes';
import { remediationAccessResponse, remediationPolicyViewResponse, tenantPathParams } from '../schemas';
import { apiBaseUrl } from './integration-setup';
import { REMEDIATION_TAG } from './remediation-shared';

/**
 * A tenant's remediation policy (read, change some fields, reset; a change names the version it was
 * based on) and its cross-account access (the external id its clients' remediation roles require).
 */

const tag = REMEDIATION_TAG;

/** The policy as a request carries it: the domain schema with its strings bounded (HH:MM, runbook ids), its own checks kept. */
const maintenanceWindowRequest = maintenanceWindowSchema.safeExtend({
  start: maxLength(maintenanceWindowSchema.shape.start, 5),
  end: maxLength(maintenanceWindowSchema.shape.end, 5),
});
const policyRequest = remediationPolicySchema.safeExtend({
  maintenanceWindows: eachElement(remediationPolicySchema.shape.maintenanceWindows, () => maintenanceWindowRequest),
  disabledRunbooks: eachElement(remediationPolicySchema.shape.disabledRunbooks, (runbookId) => maxLength(runbookId, 64)),
});

/** A partial remediation policy and, optionally, the version it is based on (the fields are checked once merged). */
const policyChange = z.looseObject({ version: z.number().int().min(0).optional(), circuitBreaker: z.looseObject({}).optional() });
/** The body as documented: any policy field (every one is optional on the input side), and the version read. */
const policyChangeDoc = policyRequest.extend({
  version: z.number().int().min(0).optional().describe(STALE_VERSION_DOC),
});
const ONBOARDING_APP = "npx cdk deploy --app 'npx tsx infra/onboarding/app.ts'";

/** The current policy with the change applied (arrays replaced, circuitBreaker field by field), or a 400 naming the failing fields. */
function applyChange(current: RemediationPolicy, change: Record<string, unknown>): RemediationPolicy {
  const breaker = change.circuitBreaker;
  return mergedPolicy(
    policyRequest.safeParse({
      ...current,
      ...change,
      ...(breaker && typeof breaker === 'object' ? { circuitBreaker: { ...current.circuitBreaker, ...breaker } } : {}),
    }),
  );
}

export function remediationPolicyRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  /** The path's tenant, authorized for the route's action; 404 for a tenant that does not exist or is not visible. */
  const tenant = { from: 'path', mustExist: true } as const;

  return [
    ...policyRoutes(context, remediationPolicies, {
      path: '/v1/tenants/{id}/remediation/policy',
      tag,
      view: remediationPolicyViewResponse,
      versioned: true,
      conflict: 'The policy changed meanwhile (a stale `version`): read it again',
      read: { summary: "A tenant's remediation policy, every default filled in" },
      change: {
        summary: 'Change some fields of the remediation policy',
        description:
          'Only the fields sent change (`circuitBreaker` field by field; lists are replaced). With `version` (from GET), a policy changed since is not overwritten (409). A change that changes nothing is not audited.',
        body: policyChange,
        documentedBody: policyChangeDoc,
        audit: 'remediation-policy.update',
        apply: applyChange,
      },
      reset: {
        summary: 'Reset the remediation policy to the defaults',
        description: 'Auto-execution is off by default. A policy already at the defaults is not changed (nor audited).',
        audit: 'remediation-policy.reset',
      },
    }),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/tenants/{id}/remediation/access',
        summary: "What the tenant's clients deploy to let runbooks run in their AWS accounts",
        description:
          "The external id the client's remediation role requires (created on first read, never changed afterwards), the role name prefix, and the deployment command of docs/onboarding.md with this tenant's values.",
        tag,
        scope: 'tenant',
        action: 'integration.read',
        params: tenantPathParams,
        tenant,
        responses: { 200: remediationAccessResponse },
      },
      async ({ event, tenantId }) => {
        // Created on the first read (and never changed): the client's role is deployed with it.
        const externalId = await remediationExternalId(deps.table, tenantId);
        const webhookUrl = `${apiBaseUrl(event)}/v1/webhooks/cloudwatch?api_key=<key>`;
        return json(200, {
          tenantId,
          externalId,
          roleNamePrefix: REMEDIATION_ROLE_PREFIX,
          mspAccountHint: 'the account running Alert Whisperer',
          deploy: `${ONBOARDING_APP} -c mspAccountId=<MSP account> -c externalId=${externalId} -c tenantId=${tenantId} -c webhookUrl='${webhookUrl}'`,
        });
      },
    ),
  ];
}
