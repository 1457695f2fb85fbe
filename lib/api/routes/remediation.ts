import * as z from 'zod';
import { authorize, type Action } from '../../auth/permissions';
import type { AccessClaims } from '../../auth/tokens';
import { ASSET_ID_PATTERN, type Asset } from '../../domain/asset';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors';
import { correlationIdOf, json, parseBody, zodDetails, type HttpEvent } from '../../http/http';
import { approvalRefusal } from '../../remediation/approval-rules';
import {
  DEFAULT_REMEDIATION_POLICY,
  maintenanceWindowSchema,
  remediationPolicySchema,
  type RemediationPolicy,
} from '../../domain/remediation/decision';
import { libraryRunbook } from '../../remediation/library';
import {
  RUNBOOK_ID_PATTERN,
  RunbookParameterError,
  validateParams,
  type ParamIssue,
  type RemediationTarget,
  type Runbook,
} from '../../domain/remediation/runbook';
import { ApprovalRefused, decideApproval, startRunbookExecution, type RemediationDeps } from '../../remediation/service';
import { REMEDIATION_ROLE_PREFIX } from '../../domain/remediation/step-contract';
import { getAsset, InventoryCache } from '../../store/assets';
import { PolicyCache } from '../../store/correlation-policy';
import { getIncidentDetail } from '../../store/incidents';
import { keys } from '../../store/keys';
import { EXECUTION_STATES, type Approval, type Execution } from '../../domain/remediation/execution';
import {
  getApproval,
  getExecution,
  getRemediationPolicy,
  listExecutions,
  listPendingApprovals,
  publicApproval,
  putRemediationPolicy,
  remediationExternalId,
} from '../../store/remediation';
import { getTenantRunbook } from '../../store/runbooks';
import { getTenant } from '../../store/tenants';
import { boundedRecord, eachElement, maxLength } from '../../util/input-limits';
import { pathIncidentId, pathTenantId, decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import { checkVersion, storePolicyChange } from '../policy-changes';
import {
  approvalListResponse,
  approvalResponse,
  approvalViewResponse,
  executionListResponse,
  executionResponse,
  incidentPathParams,
  remediationAccessResponse,
  remediationPolicyViewResponse,
  tenantParam,
  tenantPathParams,
  tenantQuery,
} from '../schemas';
import { apiBaseUrl } from './integrations';
import { isActiveIncident } from '../../domain/incident-status';

/**
 * Remediation through the operator API:
 * - approval requests: the pending ones across the tenants the caller may see (each saying whether the
 *   caller may decide it), one request, and approving or rejecting it (lib/remediation/approval-rules.ts:
 *   medium risk a company admin of the tenant or an MSP admin, high risk an MSP admin, never one's own
 *   request, never an expired or decided one);
 * - executions: a tenant's list (filters, cursor pages), one execution, and running a runbook on an
 *   incident by hand, which the role must allow for the runbook's risk (`execution.run.<risk>`): no
 *   approval is asked for then;
 * - a tenant's remediation policy (read, change some fields, reset; a change names the version it was
 *   based on) and its cross-account access (the external id its clients' remediation roles require).
 */

const tag = 'remediation';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const approvalPathParams = z.object({ id: z.string().max(26).regex(ULID).describe("Approval request id (a ULID, its execution's id)") });
const executionPathParams = z.object({ id: z.string().max(26).regex(ULID).describe('Execution id (a ULID)') });

const approvalListQuery = z.object({
  tenant: tenantParam,
  mine: z.enum(['decidable']).optional().describe('`decidable`: only the requests the caller may approve or reject now'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

const approveBody = z.strictObject({ comment: z.string().trim().max(1000).optional() });
const rejectBody = z.strictObject({ comment: z.string().trim().min(1).max(1000).describe('Why: required to reject') });

const executionListQuery = z.object({
  tenant: tenantParam,
  incidentId: z.string().min(1).max(128).optional(),
  state: z.enum(EXECUTION_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1024).optional(),
});

/** Most hosts one manual execution may name (the runbook's own maxTargets is usually lower). */
const MAX_TARGETS = 50;

const executeBody = z.strictObject({
  runbookId: z.string().min(3).max(64).regex(RUNBOOK_ID_PATTERN).describe('A library runbook or one of the tenant'),
  targets: z
    .array(z.string().max(128).regex(ASSET_ID_PATTERN))
    .min(1)
    .max(MAX_TARGETS)
    .refine((ids) => new Set(ids).size === ids.length, 'Each asset once')
    .optional()
    .describe("Asset ids of the tenant, each managed by Systems Manager; default: the incident's root asset"),
  dryRun: z.boolean().optional().describe("Pre-checks only, nothing changes; default: the tenant's remediation policy"),
  params: boundedRecord(z.string().max(64), z.union([z.string().max(1024), z.number()]), 40)
    .optional()
    .describe("Parameter values; the runbook's defaults fill in the rest"),
});

/** The policy as a request carries it: the domain schema with its strings bounded (HH:MM, runbook ids), its own checks kept. */
const maintenanceWindowRequest = maintenanceWindowSchema.safeExtend({
  start: maxLength(maintenanceWindowSchema.shape.start, 5),
  end: maxLength(maintenanceWindowSchema.shape.end, 5),
});
const policyRequest = remediationPolicySchema.safeExtend({
  maintenanceWindows: eachElement(remediationPolicySchema.shape.maintenanceWindows, () => maintenanceWindowRequest),
  disabledRunbooks: eachElement(remediationPolicySchema.shape.disabledRunbooks, (runbookId) => maxLength(runbookId, 64)),
});

/** A partial remediation policy and, optionally, the version it is based on (checked by the handler). */
const policyChange = z.looseObject({ version: z.number().int().min(0).optional(), circuitBreaker: z.looseObject({}).optional() });
/** The body as documented: any policy field (every one is optional on the input side), and the version read. */
const policyChangeDoc = policyRequest.extend({
  version: z.number().int().min(0).optional().describe('The `version` the change is based on (from GET): a stale one is refused (409)'),
});
const policyResetQuery = z.object({
  version: z.coerce.number().int().min(0).optional().describe('The `version` the reset is based on: a stale one is refused (409)'),
});

const ONBOARDING_APP = "npx cdk deploy --app 'npx tsx infra/onboarding/app.ts'";

/** The ULID of the path; a malformed one cannot exist (404). */
function idOf(event: HttpEvent, what: string): string {
  const id = event.pathParameters?.id ?? '';
  if (!ULID.test(id)) throw notFound(what);
  return id;
}

/** The HTTP answer to a refused decision: 404, 403 (the role; own_request), 409 (approval_expired; approval_decided; approval_withdrawn: the incident is over). */
function refusalError(error: ApprovalRefused): AppError {
  switch (error.reason) {
    case 'not_found':
      return notFound('Approval request');
    case 'role':
      return forbidden(error.message);
    case 'own_request':
      return new AppError(403, 'own_request', error.message);
    case 'expired':
      return new AppError(409, 'approval_expired', error.message);
    case 'not_pending':
      return new AppError(409, 'approval_decided', error.message);
    case 'withdrawn':
      return new AppError(409, 'approval_withdrawn', error.message);
  }
}

function paramsError(runbookId: string, issues: readonly ParamIssue[]): AppError {
  return badRequest(
    `Invalid parameters for runbook ${runbookId}`,
    issues.map(({ name, message }) => ({ path: `params.${name}`, message })),
  );
}

/** The current policy with the change applied (arrays replaced, circuitBreaker field by field), or a 400 naming the failing fields. */
function applyChange(current: RemediationPolicy, change: Record<string, unknown>): RemediationPolicy {
  const breaker = change.circuitBreaker;
  const merged = {
    ...current,
    ...change,
    ...(breaker && typeof breaker === 'object' ? { circuitBreaker: { ...current.circuitBreaker, ...breaker } } : {}),
  };
  const parsed = policyRequest.safeParse(merged);
  if (!parsed.success) throw badRequest('The request body is not valid', zodDetails(parsed.error));
  return parsed.data;
}

export function remediationRoutes({ deps, principalOf, tenantsFor, requestTenant, audit }: RouteContext): Route[] {
  const remediationDeps: RemediationDeps = {
    table: deps.table,
    now: deps.now,
    inventory: new InventoryCache(deps.table),
    policies: new PolicyCache(deps.table),
    orchestrator: deps.orchestrator,
  };

  /** The request with whether the caller may decide it now, and why not. */
  function approvalView(approval: Approval, principal: AccessClaims, now: Date) {
    const refusal = approvalRefusal(approval, principal, now);
    return { ...approval, canDecide: refusal === undefined, ...(refusal ? { refusal } : {}) };
  }

  /** The signed-in user and the path's tenant, authorized for the action; 404 for a tenant that does not exist or is not visible. */
  async function tenantRequest(event: HttpEvent, action: Action): Promise<{ principal: AccessClaims; tenantId: string }> {
    const principal = await principalOf(event);
    const tenantId = pathTenantId(event);
    authorize(principal, action, tenantId, 'Tenant');
    if (!(await getTenant(deps.table, tenantId))) throw notFound('Tenant');
    return { principal, tenantId };
  }

  async function policyView(tenantId: string) {
    const { policy, version, updatedAt, updatedBy } = await getRemediationPolicy(deps.table, tenantId);
    return {
      tenantId,
      policy,
      defaults: DEFAULT_REMEDIATION_POLICY,
      version,
      ...(updatedAt ? { updatedAt } : {}),
      ...(updatedBy ? { updatedBy } : {}),
    };
  }

  /** Stores `next` if the policy is still at the version read, and audits the fields it changes; nothing at all when it changes nothing. */
  const storePolicy = (
    event: HttpEvent,
    principal: AccessClaims,
    tenantId: string,
    current: { policy: RemediationPolicy; version: number },
    next: RemediationPolicy,
    action: string,
  ) =>
    storePolicyChange(audit, {
      event,
      principal,
      tenantId,
      current,
      next,
      write: (policy, expected) => putRemediationPolicy(deps.table, tenantId, policy, principal.email, deps.now(), expected),
      action,
      type: 'remediationPolicy',
    });

  /** The runbook by id: the library's, else the tenant's own. */
  async function runbookOf(tenantId: string, runbookId: string): Promise<Runbook | undefined> {
    return libraryRunbook(runbookId) ?? (await getTenantRunbook(deps.table, tenantId, runbookId));
  }

  /**
   * The SSM targets of the assets, or a 400 naming each problem: an asset the tenant does not have, one
   * without Systems Manager, one of the other platform, more hosts than the runbook allows, or targets in
   * several accounts or regions (an execution assumes one role, in one account and region).
   */
  async function targetsOf(tenantId: string, runbook: Runbook, assetIds: readonly string[]): Promise<RemediationTarget[]> {
    if (assetIds.length > runbook.maxTargets) {
      throw badRequest(`${runbook.id} runs on at most ${runbook.maxTargets} hosts`, [
        { path: 'targets', message: `${assetIds.length} targets; ${runbook.id} allows at most ${runbook.maxTargets}` },
      ]);
    }
    const assets = await Promise.all(assetIds.map((assetId) => getAsset(deps.table, tenantId, assetId)));
    const problems: { path: string; message: string }[] = [];
    const targets: RemediationTarget[] = [];
    assets.forEach((asset: Asset | undefined, index) => {
      const path = `targets.${index}`;
      if (!asset) problems.push({ path, message: `no asset ${assetIds[index]} in this tenant` });
      else if (!asset.ssm) problems.push({ path, message: `${asset.id} is not managed by Systems Manager (no ssm settings)` });
      else if (asset.ssm.platform !== runbook.platform)
        problems.push({ path, message: `${asset.id} is a ${asset.ssm.platform} host; ${runbook.id} runs on ${runbook.platform}` });
      else targets.push({ assetId: asset.id, ...asset.ssm });
    });
    if (!problems.length && new Set(targets.map((target) => `${target.accountId}/${target.region}/${target.roleName ?? ''}`)).size > 1) {
      problems.push({
        path: 'targets',
        message: 'the targets are in several AWS accounts, regions or remediation roles: run one execution per account, region and role',
      });
    }
    if (problems.length) throw badRequest('The targets are not valid', problems);
    return targets;
  }

  const approvalErrors = {
    403: "The role may not decide this request (high risk needs an MSP admin), or it is the caller's own request (code `own_request`)",
    409: 'The request was decided already (code `approval_decided`), has expired (code `approval_expired`), or its incident is no longer open and it was withdrawn (code `approval_withdrawn`)',
  };

  const decide = (verdict: 'approve' | 'reject'): Route => ({
    method: 'POST',
    path: `/v1/approvals/{id}/${verdict}`,
    handler: async (event) => {
      const principal = await principalOf(event);
      // Deciding anything takes approval.decide.medium at least (high risk: .high, checked with the request).
      const tenantId = requestTenant(event, principal, 'approval.decide.medium');
      const id = idOf(event, 'Approval request');
      const { comment: given } =
        verdict === 'reject' ? parseBody(event, rejectBody) : event.body?.trim() ? parseBody(event, approveBody) : { comment: undefined };
      const comment = given || undefined;
      let decided: Approval;
      try {
        decided = await decideApproval(remediationDeps, principal, tenantId, id, verdict, comment);
      } catch (error) {
        if (error instanceof ApprovalRefused) throw refusalError(error);
        throw error;
      }
      await audit(event, principal, {
        tenantId,
        action: `approval.${verdict}`,
        resource: { type: 'approval', id },
        summary: {
          before: { state: 'pending' },
          after: { state: decided.state, runbookId: decided.runbookId, risk: decided.risk, ...(comment ? { comment } : {}) },
        },
      });
      return json(200, decided);
    },
    doc: {
      summary: verdict === 'approve' ? 'Approve a pending request: the runbook runs' : 'Reject a pending request: the execution ends',
      description:
        verdict === 'approve'
          ? 'Medium risk: a company admin of the tenant or an MSP admin; high risk (or a blast radius over the tenant limit): an MSP admin. Nobody decides their own request.'
          : 'A comment saying why is required. The incident then goes to a technician. Same rules as approving.',
      tag,
      scope: 'tenant',
      action: 'approval.decide.medium',
      params: approvalPathParams,
      query: tenantQuery,
      body: verdict === 'approve' ? approveBody : rejectBody,
      ...(verdict === 'approve' ? { bodyOptional: true } : {}),
      responses: { 200: approvalResponse },
      errors: approvalErrors,
      audit: { action: `approval.${verdict}`, log: 'tenant' },
    },
  });

  const policyPath = '/v1/tenants/{id}/remediation/policy';

  return [
    {
      method: 'GET',
      path: '/v1/approvals',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = approvalListQuery.parse(event.queryStringParameters ?? {});
        const tenantIds = await tenantsFor(principal, 'approval.read', query.tenant);
        const pending = tenantIds.length ? await listPendingApprovals(deps.table, { tenantIds: new Set(tenantIds) }) : [];
        const now = deps.now();
        const views = pending
          .map((approval) => approvalView(approval, principal, now))
          .filter((view) => query.mine !== 'decidable' || view.canDecide);
        return json(200, { approvals: views.slice(0, query.limit) });
      },
      doc: {
        summary: 'Pending approval requests across the tenants the caller may see, soonest expiry first',
        description:
          'Each says whether the caller may decide it (`canDecide`) and why not (`refusal`). `?mine=decidable` keeps only those the caller may approve or reject: the approval queue.',
        tag,
        scope: 'visible',
        action: 'approval.read',
        query: approvalListQuery,
        responses: { 200: approvalListResponse },
      },
    },
    {
      method: 'GET',
      path: '/v1/approvals/{id}',
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = requestTenant(event, principal, 'approval.read');
        const stored = await getApproval(deps.table, tenantId, idOf(event, 'Approval request'));
        if (!stored) throw notFound('Approval request');
        return json(200, approvalView(publicApproval(stored), principal, deps.now()));
      },
      doc: {
        summary: 'One approval request, in any state',
        tag,
        scope: 'tenant',
        action: 'approval.read',
        params: approvalPathParams,
        query: tenantQuery,
        responses: { 200: approvalViewResponse },
      },
    },
    decide('approve'),
    decide('reject'),
    {
      method: 'GET',
      path: '/v1/executions',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = executionListQuery.parse(event.queryStringParameters ?? {});
        const tenantId = requestTenant(event, principal, 'execution.read');
        const cursor = decodeCursor(query.cursor, keys.executionsOf(tenantId).pk);
        const page = await listExecutions(
          deps.table,
          tenantId,
          { ...(query.incidentId ? { incidentId: query.incidentId } : {}), ...(query.state ? { state: query.state } : {}) },
          { limit: query.limit, ...(cursor ? { cursor } : {}) },
        );
        return json(200, { tenantId, executions: page.executions, ...(page.cursor ? { nextCursor: encodeCursor(page.cursor) } : {}) });
      },
      doc: {
        summary: "A tenant's runbook executions, newest first",
        description: 'Filters by incident and state; cursor pages.',
        tag,
        scope: 'tenant',
        action: 'execution.read',
        query: executionListQuery,
        responses: { 200: executionListResponse },
      },
    },
    {
      method: 'GET',
      path: '/v1/executions/{id}',
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = requestTenant(event, principal, 'execution.read');
        const execution = await getExecution(deps.table, tenantId, idOf(event, 'Execution'));
        if (!execution) throw notFound('Execution');
        return json(200, execution);
      },
      doc: {
        summary: 'One runbook execution',
        tag,
        scope: 'tenant',
        action: 'execution.read',
        params: executionPathParams,
        query: tenantQuery,
        responses: { 200: executionResponse },
      },
    },
    {
      method: 'POST',
      path: '/v1/incidents/{id}/execute',
      handler: async (event) => {
        const principal = await principalOf(event);
        const tenantId = requestTenant(event, principal, 'execution.run.low');
        const body = parseBody(event, executeBody);
        const detail = await getIncidentDetail(deps.table, tenantId, pathIncidentId(event));
        if (!detail) throw notFound('Incident');
        const { incident } = detail;
        const runbook = await runbookOf(tenantId, body.runbookId);
        if (!runbook) throw notFound('Runbook');
        authorize(principal, `execution.run.${runbook.risk}`, tenantId, 'Incident');

        const assetIds = body.targets ?? (incident.rootAssetId ? [incident.rootAssetId] : []);
        if (!assetIds.length) {
          throw badRequest('The incident has no known root asset: name the targets', [{ path: 'targets', message: 'required' }]);
        }
        const targets = await targetsOf(tenantId, runbook, assetIds);
        const params = body.params ?? {};
        const validated = validateParams(runbook, params);
        if (!validated.ok) throw paramsError(runbook.id, validated.issues);
        if (!isActiveIncident(incident)) {
          throw conflict(`The incident is ${incident.status}: runbooks run on open or acknowledged incidents only`);
        }
        const dryRun = body.dryRun ?? (await getRemediationPolicy(deps.table, tenantId)).policy.dryRun;

        let execution: Execution;
        try {
          execution = await startRunbookExecution(remediationDeps, {
            incident,
            runbook,
            params,
            targets,
            dryRun,
            requestedBy: principal.sub,
            requestedByName: principal.email,
            trigger: 'manual',
            correlationId: correlationIdOf(event),
          });
        } catch (error) {
          if (error instanceof RunbookParameterError) throw paramsError(runbook.id, error.issues);
          throw error;
        }
        await audit(event, principal, {
          tenantId,
          action: 'execution.start',
          resource: { type: 'execution', id: execution.id },
          summary: {
            after: {
              incidentId: incident.id,
              runbookId: runbook.id,
              risk: runbook.risk,
              targets: assetIds,
              dryRun,
              state: execution.state,
            },
          },
        });
        return json(202, execution);
      },
      doc: {
        summary: 'Run a runbook on an incident now',
        description:
          "The caller's role must allow the runbook's risk (`execution.run.low`, `.medium`, `.high`): technicians low risk, company admins up to medium, MSP admins all. No approval is asked for. Every target must be an asset of the tenant managed by Systems Manager, of the runbook's platform, in one account and region, at most the runbook's `maxTargets`. The execution runs asynchronously: follow it with GET /v1/executions/{id}.",
        tag,
        scope: 'tenant',
        action: 'execution.run.low',
        params: incidentPathParams,
        query: tenantQuery,
        body: executeBody,
        responses: { 202: executionResponse },
        errors: {
          400: 'Invalid input: unknown or unmanaged targets, the wrong platform, too many targets, invalid parameters (error.details)',
          403: "The caller's role may not run a runbook of this risk",
          404: 'No such incident or runbook, or a tenant the caller cannot see',
          409: 'The incident is not open or acknowledged',
        },
        audit: { action: 'execution.start', log: 'tenant' },
      },
    },
    {
      method: 'GET',
      path: policyPath,
      handler: async (event) => {
        const { tenantId } = await tenantRequest(event, 'settings.read');
        return json(200, await policyView(tenantId));
      },
      doc: {
        summary: "A tenant's remediation policy, every default filled in",
        description: '`version` is what a change sends back to be accepted.',
        tag,
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        responses: { 200: remediationPolicyViewResponse },
      },
    },
    {
      method: 'PUT',
      path: policyPath,
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'settings.update');
        const { version, ...change } = parseBody(event, policyChange);
        const current = await getRemediationPolicy(deps.table, tenantId);
        checkVersion(version, current.version);
        await storePolicy(event, principal, tenantId, current, applyChange(current.policy, change), 'remediation-policy.update');
        return json(200, await policyView(tenantId));
      },
      doc: {
        summary: 'Change some fields of the remediation policy',
        description:
          'Only the fields sent change (`circuitBreaker` field by field; lists are replaced). With `version` (from GET), a policy changed since is not overwritten (409). A change that changes nothing is not audited.',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        body: policyChangeDoc,
        responses: { 200: remediationPolicyViewResponse },
        errors: { 409: 'The policy changed meanwhile (a stale `version`): read it again' },
        audit: { action: 'remediation-policy.update', log: 'tenant' },
      },
    },
    {
      method: 'DELETE',
      path: policyPath,
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'settings.update');
        const { version } = policyResetQuery.parse(event.queryStringParameters ?? {});
        const current = await getRemediationPolicy(deps.table, tenantId);
        checkVersion(version, current.version);
        await storePolicy(event, principal, tenantId, current, DEFAULT_REMEDIATION_POLICY, 'remediation-policy.reset');
        return json(200, await policyView(tenantId));
      },
      doc: {
        summary: 'Reset the remediation policy to the defaults',
        description: 'Auto-execution is off by default. A policy already at the defaults is not changed (nor audited).',
        tag,
        scope: 'tenant',
        action: 'settings.update',
        params: tenantPathParams,
        query: policyResetQuery,
        responses: { 200: remediationPolicyViewResponse },
        errors: { 409: 'The policy changed meanwhile (a stale `version`): read it again' },
        audit: { action: 'remediation-policy.reset', log: 'tenant' },
      },
    },
    {
      method: 'GET',
      path: '/v1/tenants/{id}/remediation/access',
      handler: async (event) => {
        const { tenantId } = await tenantRequest(event, 'integration.read');
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
      doc: {
        summary: "What the tenant's clients deploy to let runbooks run in their AWS accounts",
        description:
          "The external id the client's remediation role requires (created on first read, never changed afterwards), the role name prefix, and the deployment command of docs/onboarding.md with this tenant's values.",
        tag,
        scope: 'tenant',
        action: 'integration.read',
        params: tenantPathParams,
        responses: { 200: remediationAccessResponse },
      },
    },
  ];
}
