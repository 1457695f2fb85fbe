import * as z from 'zod';
import { authorize } from '../../auth/permissions';
import { ASSET_ID_PATTERN, type Asset } from '../../domain/asset';
import { isActiveIncident } from '../../domain/incident-status';
import { EXECUTION_STATES, type Execution } from '../../domain/remediation/execution';
import {
  RUNBOOK_ID_PATTERN,
  RunbookParameterError,
  validateParams,
  type ParamIssue,
  type RemediationTarget,
  type Runbook,
} from '../../domain/remediation/runbook';
import { badRequest, conflict, notFound, type AppError } from '../../errors';
import { correlationIdOf, json } from '../../http/http';
import { libraryRunbook } from '../../remediation/library';
import { startRunbookExecution } from '../../remediation/service';
import { getAsset } from '../../store/assets';
import { getIncidentDetail } from '../../store/incidents';
import { keys } from '../../store/keys';
import { getExecution, listExecutions, remediationPolicies } from '../../store/remediation';
import { getTenantRunbook } from '../../store/runbooks';
import { boundedRecord } from '../../util/input-limits';
import { decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { executionListResponse, executionResponse, incidentPathParams, tenantQuery } from '../schemas';
import { REMEDIATION_TAG, ULID } from './remediation-shared';

/**
 * Runbook executions: a tenant's list (filters, cursor pages), one execution, and running a runbook on
 * an incident by hand, which the role must allow for the runbook's risk (`execution.run.<risk>`): no
 * approval is asked for then.
 */

const tag = REMEDIATION_TAG;
const executionPathParams = z.object({ id: z.string().max(26).regex(ULID).describe('Execution id (a ULID)') });

const executionListQuery = tenantQuery.extend({
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

function paramsError(runbookId: string, issues: readonly ParamIssue[]): AppError {
  return badRequest(
    `Invalid parameters for runbook ${runbookId}`,
    issues.map(({ name, message }) => ({ path: `params.${name}`, message })),
  );
}

export function executionRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const remediationDeps = context.remediation;

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

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/executions',
        summary: "A tenant's runbook executions, newest first",
        description: 'Filters by incident and state; cursor pages.',
        tag,
        scope: 'tenant',
        action: 'execution.read',
        query: executionListQuery,
        tenant: { from: 'query' },
        responses: { 200: executionListResponse },
      },
      async ({ tenantId, query }) => {
        const cursor = decodeCursor(query.cursor, keys.executionsOf(tenantId).pk);
        const page = await listExecutions(
          deps.table,
          tenantId,
          { ...(query.incidentId ? { incidentId: query.incidentId } : {}), ...(query.state ? { state: query.state } : {}) },
          { limit: query.limit, ...(cursor ? { cursor } : {}) },
        );
        return json(200, { tenantId, executions: page.executions, ...(page.cursor ? { nextCursor: encodeCursor(page.cursor) } : {}) });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/executions/{id}',
        summary: 'One runbook execution',
        tag,
        scope: 'tenant',
        action: 'execution.read',
        params: executionPathParams,
        malformedPathIs404: 'Execution',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: executionResponse },
      },
      async ({ tenantId, params: { id } }) => {
        const execution = await getExecution(deps.table, tenantId, id);
        if (!execution) throw notFound('Execution');
        return json(200, execution);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/incidents/{id}/execute',
        summary: 'Run a runbook on an incident now',
        description:
          "The caller's role must allow the runbook's risk (`execution.run.low`, `.medium`, `.high`): technicians low risk, company admins up to medium, MSP admins all. No approval is asked for. Every target must be an asset of the tenant managed by Systems Manager, of the runbook's platform, in one account and region, at most the runbook's `maxTargets`. The execution runs asynchronously: follow it with GET /v1/executions/{id}.",
        tag,
        scope: 'tenant',
        action: 'execution.run.low',
        params: incidentPathParams,
        malformedPathIs404: 'Incident',
        query: tenantQuery,
        tenant: { from: 'query' },
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
      async ({ event, principal, tenantId, params: { id: incidentId }, body, audit }) => {
        const detail = await getIncidentDetail(deps.table, tenantId, incidentId);
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
        const dryRun = body.dryRun ?? (await remediationPolicies.get(deps.table, tenantId)).policy.dryRun;

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
        await audit({
          tenantId,
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
    ),
  ];
}
