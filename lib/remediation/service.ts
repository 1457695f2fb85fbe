import { ulid } from 'ulid';
import type { Category } from '../domain/correlation/categories';
import type { CorrelateDeps } from '../correlation/correlate';
import { changeIncidentStatus } from '../correlation/operator';
import type { Asset, Inventory } from '../domain/asset';
import { AUTOMATION_ACTOR, type Incident, type IncidentDecision, type TimelineEntry } from '../domain/incident';
import { DETAIL_TYPES, domainEvent, type NewDomainEvent } from '../domain/events';
import { countMetric, logger } from '../observability';
import { isHeld, type MaintenanceHold } from '../domain/maintenance/hold';
import { holdOf } from '../maintenance/holds';
import { pickAssignee } from '../domain/oncall/routing';
import { getAlert } from '../store/alerts';
import { recordAudit, type AuditActor } from '../store/audit';
import { assignIncident, firstResponseUpdate, IncidentStateError } from '../store/incident-actions';
import { getIncidentDetail, listIncidents, timelineItem, type IncidentDetail } from '../store/incidents';
import { keys } from '../store/keys';
import { withEvents } from '../store/outbox';
import { isConditionFailure, isStoreBusy, transactWrite, type TransactItem } from '../store/transact';
import { onCallNow, technicians } from '../store/oncall';
import { type Approval, type Execution, type ExecutionState } from '../domain/remediation/execution';
import {
  attachTaskToken,
  createExecution,
  decideApprovalRequest,
  executionActivity,
  getApproval,
  getExecution,
  listPendingApprovals,
  markExecutionStarted,
  remediationExternalId,
  remediationPolicies,
  updateExecution,
} from '../store/remediation';
import { listTenantRunbooks } from '../store/runbooks';
import type { AdviceResult } from '../domain/remediation/decision';
import type { AdviceInput } from './advice';
import type { Principal } from '../auth/permissions';
import { approverRoleFor, approvalRefusal, type ApprovalRefusal } from './approval-rules';
import { decideRemediation, type ApproverRole, type RemediationDecision } from '../domain/remediation/decision';
import { RUNBOOK_LIBRARY } from './library';
import { matchRunbooks, renderCommands, toScript, type RemediationTarget, type Runbook } from '../domain/remediation/runbook';
import {
  REMEDIATION_ROLE_PREFIX,
  type Orchestrator,
  type RunbookExecutionInput,
  type RunbookStepRequest,
} from '../domain/remediation/step-contract';
import { isActiveIncident } from '../domain/incident-status';

/**
 * The remediation flow around the pure decision: gather an incident's inputs, decide,
 * store the decision with the incident and audit it, start the RunbookExecution state machine, keep
 * approval requests, record outcomes (resolve the incident on success, route it to a technician
 * otherwise). Lambda handlers (remediate, runbook step, approval sweep) and the API call these; the
 * local stack runs the same functions.
 */

export interface RemediationDeps extends CorrelateDeps {
  orchestrator: Orchestrator;
  /** AI advice (Bedrock); absent when no model is configured. */
  advise?: (input: AdviceInput) => Promise<AdviceResult>;
}

const SYSTEM: AuditActor = { type: 'system', name: 'remediation' };
/** The assignee, audit actor and resolver name of automated actions. */
const AUTOMATION = AUTOMATION_ACTOR;
/** Timeline reasons are read in a list: long ones (every reason of a decision) are cut with an ellipsis. */
const TIMELINE_REASON_LIMIT = 300;

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The client account's remediation role (created by the onboarding stack, by default under the prefix itself). */
export function remediationRoleArn(accountId: string, region: string, roleName = REMEDIATION_ROLE_PREFIX): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
}

function targetsOf(asset: Asset | undefined): RemediationTarget[] {
  if (!asset?.ssm) return [];
  return [{ assetId: asset.id, ...asset.ssm }];
}

function assetOf(inventory: Inventory, assetId: string | null): Asset | undefined {
  return assetId ? inventory.assets.find((asset) => asset.id === assetId) : undefined;
}

function timelinePut(deps: RemediationDeps, tenantId: string, incidentId: string, entry: Omit<TimelineEntry, 'id'>): TransactItem {
  return { Put: { TableName: deps.table.tableName, Item: timelineItem(tenantId, incidentId, entry) } };
}

/** A timeline entry with the events it goes with (a note of what automation did, and its announcement), in one transaction. */
async function addTimeline(
  deps: RemediationDeps,
  tenantId: string,
  incidentId: string,
  entry: Omit<TimelineEntry, 'id'>,
  events: readonly NewDomainEvent[] = [],
): Promise<void> {
  await transactWrite(deps.table, withEvents(deps.table, tenantId, [timelinePut(deps, tenantId, incidentId, entry)], events, deps.now()));
}

function traceOf(correlationId: string | undefined): { correlationId?: string } {
  return correlationId ? { correlationId } : {};
}

function shorten(text: string): string {
  return text.length > TIMELINE_REASON_LIMIT ? `${text.slice(0, TIMELINE_REASON_LIMIT - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Decision

export type DecideOutcome =
  | { kind: 'skipped'; reason: string }
  | {
      kind: 'decided';
      decision: RemediationDecision;
      executionId?: string;
      assignee?: string | null;
      /** A stored decision that had not been acted on, acted on now. */
      resumed?: boolean;
      /** The decision replaced an earlier one (the incident's root moved, or it absorbed another). */
      revised?: boolean;
    };

/** Why remediation is asked about an incident it may have decided already. */
export type DecideTrigger = 'opened' | 'root-changed' | 'absorbed' | 'repair' | 'maintenance-ended';

const ACTIVE_EXECUTION_STATES: ReadonlySet<string> = new Set(['running', 'pending_approval']);

/**
 * Decides what to do about an incident and acts on it: run a runbook (or ask for approval), or route it
 * to a technician. Safe to repeat, and it picks up where a crash left off:
 * - a stored decision that was not acted on (its execution never started, nobody was routed) is acted
 *   on now; one that was is left alone;
 * - when the incident's root moved or it absorbed another incident (`trigger`), the decision is taken
 *   again on the incident as it is now, unless an execution already runs or waits for approval (it is
 *   kept, and the timeline says so). An unchanged outcome changes nothing.
 * `correlationId` (the triggering event's) is passed on to the events, the execution and the assignment.
 */
export async function decideForIncident(
  deps: RemediationDeps,
  tenantId: string,
  incidentId: string,
  options: { correlationId?: string; trigger?: DecideTrigger } = {},
): Promise<DecideOutcome> {
  const { correlationId } = options;
  const trigger = options.trigger ?? 'opened';
  const detail = await getIncidentDetail(deps.table, tenantId, incidentId);
  if (!detail) return { kind: 'skipped', reason: 'no such incident' };
  if (!isActiveIncident(detail.incident)) return { kind: 'skipped', reason: `incident is ${detail.incident.status}` };
  // A maintenance window holding the incident decides first: one that pages no one defers everything but
  // the runbook it allows to the window's end (the end's event asks again, trigger 'maintenance-ended').
  const hold = await holdOf(deps, detail.incident);
  const incident: Incident = hold ? { ...detail.incident, maintenance: hold } : detail.incident;
  const quiet = isHeld(hold) && !hold.effects.notify;
  if (quiet && hold.effects.autoRemediation === 'off') return deferForMaintenance(deps, incident, hold);
  const previous = incident.decision;
  const revising =
    previous !== undefined &&
    ((trigger === 'root-changed' && (previous.rootAssetId ?? null) !== incident.rootAssetId) || trigger === 'absorbed');
  if (previous && !revising) return resumeDecision(deps, incident, previous, correlationId);
  if (previous && incident.remediation && ACTIVE_EXECUTION_STATES.has(incident.remediation.state)) {
    await addTimeline(deps, tenantId, incidentId, {
      at: deps.now().toISOString(),
      type: 'remediation-decided',
      actor: AUTOMATION,
      reason: shorten(
        `decision kept: ${incident.remediation.runbookId} is ${incident.remediation.state.replace('_', ' ')} (${trigger.replace('-', ' ')})`,
      ),
    });
    return { kind: 'skipped', reason: `an execution is ${incident.remediation.state}` };
  }

  const prepared = await prepareDecision(deps, { ...detail, incident }, previous);
  const { decision, stored } = prepared;
  if (quiet && decision.action !== 'auto_execute') return deferForMaintenance(deps, incident, hold);
  if (previous && previous.action === stored.action && (previous.runbookId ?? null) === (stored.runbookId ?? null))
    return { kind: 'skipped', reason: 'the decision would not change' };
  if (!(await storeDecision(deps, incident, stored, previous, correlationId))) return { kind: 'skipped', reason: 'already decided' };
  countMetric('RemediationDecisions', 1, { action: decision.action });
  await recordAudit(deps.table, {
    at: stored.decidedAt,
    tenantId,
    actor: SYSTEM,
    action: 'remediation.decide',
    resource: { type: 'incident', id: incident.id },
    summary: {
      ...(previous ? { before: { action: previous.action, runbookId: previous.runbookId } } : {}),
      after: { action: decision.action, runbookId: decision.runbookId, confidence: decision.confidence },
    },
  });
  if (previous?.executionId) await supersedeUnstartedExecution(deps, tenantId, previous.executionId);
  const outcome = await actOnDecision(deps, { ...incident, decision: stored }, stored, prepared.runbooks, prepared.targets, correlationId);
  return { ...outcome, decision, ...(previous ? { revised: true } : {}) };
}

/** Nothing is decided while the window pages no one: the timeline says so, and the window's end asks again. */
async function deferForMaintenance(deps: RemediationDeps, incident: Incident, hold: MaintenanceHold): Promise<DecideOutcome> {
  await addTimeline(deps, incident.tenantId, incident.id, {
    at: deps.now().toISOString(),
    type: 'remediation-decided',
    actor: AUTOMATION,
    reason: shorten(`decision deferred: in maintenance "${hold.name}" until ${hold.until}; decided and routed when it ends`),
  });
  return { kind: 'skipped', reason: `in maintenance "${hold.name}"` };
}

interface PreparedDecision {
  decision: RemediationDecision;
  stored: IncidentDecision;
  runbooks: Runbook[];
  targets: RemediationTarget[];
}

/** Gathers the incident's inputs (root asset and its SSM target, alerts' labels, matching runbooks, policy, history, advice) and decides. */
async function prepareDecision(
  deps: RemediationDeps,
  detail: IncidentDetail,
  previous: IncidentDecision | undefined,
): Promise<PreparedDecision> {
  const { incident, alerts } = detail;
  const { tenantId } = incident;
  const now = deps.now();
  const inventory = await deps.inventory.get(tenantId);
  const root = assetOf(inventory, incident.rootAssetId);
  const targets = targetsOf(root);
  const rootAlerts = alerts.filter((alert) => alert.assetId === incident.rootAssetId);
  const ordered = [...rootAlerts, ...alerts.filter((alert) => alert.assetId !== incident.rootAssetId)];
  const categories = [...new Set(ordered.map((alert) => alert.category as Category))];
  const labels: Record<string, string> = {};
  // The root's alerts last, so their labels win.
  for (const alert of [...ordered].slice(0, 10).reverse())
    Object.assign(labels, (await getAlert(deps.table, tenantId, alert.alertId))?.labels);
  const runbooks: Runbook[] = [...RUNBOOK_LIBRARY, ...(await listTenantRunbooks(deps.table, tenantId))];
  const candidates = matchRunbooks(
    { categories, signatures: ordered.map((alert) => alert.signature), labels, platform: targets[0]?.platform },
    runbooks,
  );
  const { policy } = await remediationPolicies.get(deps.table, tenantId);
  const activity = await executionActivity(deps.table, tenantId, new Date(now.getTime() - policy.circuitBreaker.periodMinutes * 60_000));
  const critical = [...new Set(alerts.map((alert) => alert.assetId))].some((id) => id && assetOf(inventory, id)?.critical);

  let advice: AdviceResult | undefined;
  if (deps.advise && policy.aiAdvice && candidates.length > 0) {
    advice = await deps.advise({
      incident: {
        id: incident.id,
        title: incident.title,
        severity: incident.severity,
        priority: incident.priority.score,
        category: categories[0] ?? 'service',
        signatures: incident.signatures,
        sources: incident.sources,
      },
      alerts: ordered.map((alert) => ({
        signature: alert.signature,
        severity: alert.severity,
        source: alert.source,
        assetRef: alert.assetRef,
        category: alert.category as Category,
        message: alert.message,
        status: alert.status,
        occurredAt: alert.occurredAt,
      })),
      topology: {
        root: root ? { id: root.id, name: root.name, type: root.type, critical: root.critical } : null,
        dependents: inventory.assets
          .filter((asset) => root && asset.dependsOn.includes(root.id))
          .map((asset) => ({ id: asset.id, name: asset.name, type: asset.type, critical: asset.critical })),
      },
      similarIncidents: await similarIncidents(deps, incident),
      allowedRunbooks: candidates.map(({ runbook }) => ({
        id: runbook.id,
        name: runbook.name,
        description: runbook.description,
        risk: runbook.risk,
        platform: runbook.platform,
      })),
    });
  }

  const hold = incident.maintenance;
  const decision = decideRemediation({
    ...(isHeld(hold) ? { maintenance: { name: hold.name, autoRemediation: hold.effects.autoRemediation } } : {}),
    incident: {
      id: incident.id,
      category: categories[0] ?? 'service',
      severity: incident.severity,
      priority: incident.priority.score,
      critical: Boolean(critical),
    },
    targets,
    candidates,
    policy,
    runningExecutions: activity.running,
    history: activity.history,
    advice,
    now,
  });
  const stored: IncidentDecision = {
    ...decision,
    ...(advice
      ? {
          advice: advice.used
            ? {
                summary: advice.summary,
                likelyRootCause: advice.likelyRootCause,
                suggestedRunbookId: advice.suggestedRunbookId,
                confidence: advice.confidence,
              }
            : { unavailable: advice.reason },
        }
      : {}),
    policyApplied: decision.policyApplied as unknown as Record<string, unknown>,
    decidedAt: now.toISOString(),
    rootAssetId: incident.rootAssetId,
    revision: (previous?.revision ?? (previous ? 1 : 0)) + 1,
    // The execution's id is chosen with the decision: a retry after a crash finds the execution it created.
    ...(decision.runbookId && decision.action !== 'route_to_technician' ? { executionId: ulid(now.getTime()) } : {}),
  };
  return { decision, stored, runbooks, targets };
}

/**
 * A stored decision, acted on if it was not (an invocation that crashed after storing it). A runbook
 * decision was acted on once its execution started (or failed to start, which routes); a routing
 * decision once the incident has an assignee. An incident whose runbook ended without a fix, or whose
 * routing decision stands, and that has no assignee (its technician left) is routed again.
 */
async function resumeDecision(
  deps: RemediationDeps,
  incident: Incident,
  stored: IncidentDecision,
  correlationId: string | undefined,
): Promise<DecideOutcome> {
  const asDecision = stored as unknown as RemediationDecision;
  if (stored.action !== 'route_to_technician' && stored.runbookId) {
    if (!stored.executionId) return { kind: 'skipped', reason: 'already decided' };
    const execution = await getExecution(deps.table, incident.tenantId, stored.executionId);
    if (execution?.stateMachineExecution) {
      // Started. Once it ended without a fix, the incident is a person's: it gets one if it has none (its technician left).
      if (ACTIVE_EXECUTION_STATES.has(execution.state) || execution.state === 'succeeded' || incident.assignee)
        return { kind: 'skipped', reason: 'already decided' };
      const assignee = await routeToTechnician(deps, incident, `${execution.runbookId} ${execution.state}`, correlationId);
      return { kind: 'decided', decision: asDecision, assignee, resumed: true };
    }
    if (execution && !ACTIVE_EXECUTION_STATES.has(execution.state)) {
      // It could not start: the incident goes to a person (unless it has one).
      if (incident.assignee) return { kind: 'skipped', reason: 'already decided' };
      const assignee = await routeToTechnician(deps, incident, `${execution.runbookId} could not be started`, correlationId);
      return { kind: 'decided', decision: asDecision, assignee, resumed: true };
    }
  } else if (incident.assignee) {
    return { kind: 'skipped', reason: 'already decided' };
  }
  const runbooks: Runbook[] = [...RUNBOOK_LIBRARY, ...(await listTenantRunbooks(deps.table, incident.tenantId))];
  const targets = targetsOf(assetOf(await deps.inventory.get(incident.tenantId), incident.rootAssetId));
  logger.info('Acting on a stored decision that was not acted on', {
    tenantId: incident.tenantId,
    incidentId: incident.id,
    action: stored.action,
  });
  const outcome = await actOnDecision(deps, incident, stored, runbooks, targets, correlationId);
  return { ...outcome, decision: asDecision, resumed: true };
}

/** Starts the decision's runbook (or asks for its approval), or routes the incident; a runbook that cannot start routes too. */
async function actOnDecision(
  deps: RemediationDeps,
  incident: Incident,
  decision: IncidentDecision,
  runbooks: readonly Runbook[],
  targets: RemediationTarget[],
  correlationId: string | undefined,
): Promise<{ kind: 'decided'; executionId?: string; assignee?: string | null }> {
  const runbook = decision.runbookId ? runbooks.find((candidate) => candidate.id === decision.runbookId) : undefined;
  if ((decision.action === 'auto_execute' || decision.action === 'approval_required') && runbook) {
    try {
      const started = await startRunbookExecution(deps, {
        incident,
        runbook,
        params: decision.params ?? {},
        targets,
        dryRun: decision.dryRun,
        requestedBy: 'system',
        trigger: decision.action === 'auto_execute' ? 'auto' : 'approval',
        approval: decision.approval
          ? { requiredRole: decision.approval.requiredRole, expiresAt: decision.approval.expiresAt, reasons: decision.reasons }
          : undefined,
        ...(decision.executionId ? { executionId: decision.executionId } : {}),
        ...traceOf(correlationId),
      });
      return { kind: 'decided', executionId: started.id };
    } catch (error) {
      if (isStoreBusy(error)) throw error; // try the whole thing again later rather than route a runbook that may yet start
      // The decision is stored: the incident must still reach a person.
      logger.error('The runbook could not be started; routing the incident', {
        tenantId: incident.tenantId,
        incidentId: incident.id,
        error,
      });
      const why = `${runbook.id} could not be started: ${(error as Error).message}`;
      const assignee = await routeToTechnician(deps, incident, why, correlationId);
      return { kind: 'decided', assignee };
    }
  }
  const assignee = await routeToTechnician(deps, incident, `no automated fix: ${decision.reasons.at(-1) ?? 'no runbook'}`, correlationId);
  return { kind: 'decided', assignee };
}

/** A revised decision's predecessor created an execution that never started: it is ended, so it holds no concurrency slot. */
async function supersedeUnstartedExecution(deps: RemediationDeps, tenantId: string, executionId: string): Promise<void> {
  const execution = await getExecution(deps.table, tenantId, executionId);
  if (!execution || execution.stateMachineExecution || !ACTIVE_EXECUTION_STATES.has(execution.state)) return;
  const now = deps.now();
  await updateExecution(deps.table, tenantId, executionId, ['running', 'pending_approval'], {
    state: 'failed',
    outcome: 'superseded',
    error: 'the decision was revised before the execution started',
    finishedAt: now.toISOString(),
  });
  if (execution.state === 'pending_approval') {
    const approval = await getApproval(deps.table, tenantId, executionId);
    if (approval) await decideApprovalRequest(deps.table, approval, { state: 'cancelled', by: 'system', now });
  }
}

/**
 * Stores the decision on the incident with its timeline entry and RemediationDecided, in one transaction:
 * the first decision only if there is none, a revision only if the decision is still the one it replaces.
 */
async function storeDecision(
  deps: RemediationDeps,
  incident: Incident,
  decision: IncidentDecision,
  previous: IncidentDecision | undefined,
  correlationId: string | undefined,
): Promise<boolean> {
  const runbook = decision.runbookId ? ` ${decision.runbookId}` : '';
  const what = `${decision.action.replaceAll('_', ' ')}${runbook}: ${decision.reasons.join('; ')}`;
  const again = previous
    ? `decided again (${previous.rootAssetId === incident.rootAssetId ? 'its alerts changed' : 'its root moved'}): `
    : '';
  try {
    await transactWrite(
      deps.table,
      withEvents(
        deps.table,
        incident.tenantId,
        [
          {
            Update: {
              TableName: deps.table.tableName,
              Key: keys.incident(incident.tenantId, incident.id),
              UpdateExpression: 'SET #decision = :decision, updatedAt = :at',
              ConditionExpression: previous
                ? 'attribute_exists(pk) AND #decision.decidedAt = :previous'
                : 'attribute_exists(pk) AND attribute_not_exists(#decision)',
              ExpressionAttributeNames: { '#decision': 'decision' },
              ExpressionAttributeValues: {
                ':decision': decision,
                ':at': decision.decidedAt,
                ...(previous ? { ':previous': previous.decidedAt } : {}),
              },
            },
          },
          timelinePut(deps, incident.tenantId, incident.id, {
            at: decision.decidedAt,
            type: 'remediation-decided',
            actor: AUTOMATION,
            reason: shorten(`${again}${what}`),
          }),
        ],
        [
          domainEvent(DETAIL_TYPES.remediationDecided, {
            tenantId: incident.tenantId,
            incidentId: incident.id,
            action: decision.action,
            runbookId: decision.runbookId ?? null,
            ...(previous ? { revised: true } : {}),
            ...traceOf(correlationId),
          }),
        ],
        deps.now(),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Up to five resolved incidents of the tenant sharing a signature with this one (the advice's memory). */
async function similarIncidents(deps: RemediationDeps, incident: Incident): Promise<AdviceInput['similarIncidents']> {
  const signatures = new Set(incident.signatures);
  const resolved = await listIncidents(deps.table, incident.tenantId, {
    status: 'resolved',
    limit: 5,
    maxRead: 200,
    where: (other) => other.id !== incident.id && other.signatures.some((signature) => signatures.has(signature)),
  });
  return resolved.map((other) => ({
    id: other.id,
    title: other.title,
    openedAt: other.openedAt,
    resolvedAt: other.resolvedAt,
    resolutionCode: other.resolutionCode ?? undefined,
    runbookId: other.remediation?.runbookId,
    outcome: other.remediation?.outcome,
  }));
}

// ---------------------------------------------------------------------------------------------
// Executions

export interface ExecutionRequest {
  incident: Incident;
  runbook: Runbook;
  params: Readonly<Record<string, unknown>>;
  targets: readonly RemediationTarget[];
  dryRun: boolean;
  /** 'system', or the user id of who asked (the own-request rule compares it). */
  requestedBy: string;
  /** How the timeline names who asked (a user's email); defaults to requestedBy. */
  requestedByName?: string;
  trigger: Execution['trigger'];
  approval?: { requiredRole: ApproverRole; expiresAt: string; reasons: string[] };
  /** The request that led to it (the alert's, through its incident's events; an operator's API request): kept on the execution. */
  correlationId?: string;
  /** The id chosen with a decision: a repeat finds the execution it created instead of creating another. */
  executionId?: string;
}

/**
 * Creates the execution (and its approval request), starts the state machine, then records that it
 * started with its timeline entry, the incident's remediation summary and ExecutionStarted (or
 * ApprovalRequested), in one transaction. Each step is safe to repeat: the execution is created once
 * (by id), Step Functions starts an execution name once, and the start is recorded once. Parameters are
 * validated by rendering (RunbookParameterError on a bad value). If the state machine cannot be
 * started, the execution is marked failed and the error rethrown.
 */
export async function startRunbookExecution(deps: RemediationDeps, request: ExecutionRequest): Promise<Execution> {
  const { incident, runbook, targets } = request;
  const now = deps.now();
  const executionId = request.executionId ?? ulid(now.getTime());
  const traced = traceOf(request.correlationId);
  const rendered = renderCommands(runbook, request.params, { executionId });
  const first = targets[0];
  if (!first) throw new Error('An execution needs at least one target');
  // One execution assumes one role in one account and region.
  if (
    targets.some((target) => target.accountId !== first.accountId || target.region !== first.region || target.roleName !== first.roleName)
  ) {
    throw new Error('The targets of one execution must be in one AWS account and region');
  }
  const approval: Approval | undefined = request.approval && {
    id: executionId,
    tenantId: incident.tenantId,
    incidentId: incident.id,
    runbookId: runbook.id,
    runbookName: runbook.name,
    risk: runbook.risk,
    requiredRole: approverRoleFor(runbook.risk, request.approval.requiredRole),
    requestedBy: request.requestedBy,
    reasons: request.approval.reasons,
    state: 'pending',
    createdAt: now.toISOString(),
    expiresAt: request.approval.expiresAt,
  };
  const fresh: Execution = {
    id: executionId,
    tenantId: incident.tenantId,
    incidentId: incident.id,
    runbookId: runbook.id,
    runbookName: runbook.name,
    risk: runbook.risk,
    platform: runbook.platform,
    params: rendered.params,
    targets: targets.map(({ assetId, instanceId, accountId, region }) => ({ assetId, instanceId, accountId, region })),
    dryRun: request.dryRun,
    requestedBy: request.requestedBy,
    trigger: request.trigger,
    state: approval ? 'pending_approval' : 'running',
    createdAt: now.toISOString(),
    ...(approval ? {} : { startedAt: now.toISOString() }),
    ...traced,
  };
  if (request.trigger === 'manual') {
    // A person chose and started a runbook: a response to the incident (set once; a retry changes nothing).
    await transactWrite(deps.table, [
      firstResponseUpdate(deps.table, incident.tenantId, incident.id, request.requestedByName ?? request.requestedBy, now),
    ]);
  }
  let execution = fresh;
  if (!(await createExecution(deps.table, fresh, approval))) {
    // Created by an earlier attempt: carry on with it (started already, nothing more to do).
    execution = (await getExecution(deps.table, incident.tenantId, executionId)) ?? fresh;
    if (execution.stateMachineExecution || !ACTIVE_EXECUTION_STATES.has(execution.state)) return execution;
  }

  const script = (lines: readonly string[]) => (lines.length ? toScript(runbook.platform, lines).trimEnd().split('\n') : []);
  const input: RunbookExecutionInput = {
    tenantId: incident.tenantId,
    incidentId: incident.id,
    executionId,
    runbookId: runbook.id,
    readOnly: runbook.readOnly,
    dryRun: request.dryRun,
    approval: { required: Boolean(approval) },
    target: {
      accountId: first.accountId,
      region: first.region,
      roleArn: remediationRoleArn(first.accountId, first.region, first.roleName),
      externalId: await remediationExternalId(deps.table, incident.tenantId),
      instanceIds: targets.map((target) => target.instanceId),
      documentName: rendered.documentName as RunbookExecutionInput['target']['documentName'],
    },
    timeoutSeconds: runbook.timeoutSeconds,
    sections: {
      preChecks: script(rendered.preChecks),
      commands: script(rendered.commands),
      verification: script(rendered.verification),
      rollback: script(rendered.rollback),
    },
    ...traced,
  };
  let machineExecution: string;
  try {
    machineExecution = await deps.orchestrator.start(input);
  } catch (error) {
    await updateExecution(deps.table, incident.tenantId, executionId, ['running', 'pending_approval'], {
      state: 'failed',
      outcome: 'error',
      error: `could not start: ${(error as Error).message}`.slice(0, 1000),
      finishedAt: deps.now().toISOString(),
    });
    countMetric('ExecutionsFinished', 1, { state: 'failed' });
    // Nothing is left to approve.
    if (approval) await decideApprovalRequest(deps.table, approval, { state: 'cancelled', by: 'system', now: deps.now() });
    throw error;
  }

  const what = `${runbook.id} (${runbook.risk} risk) on ${targets.map((target) => target.assetId).join(', ')}${request.dryRun ? ', dry run' : ''}`;
  const actor = request.requestedBy === 'system' ? AUTOMATION : (request.requestedByName ?? request.requestedBy);
  const pendingApproval = execution.state === 'pending_approval' && approval;
  const recorded = await markExecutionStarted(
    deps.table,
    incident.tenantId,
    executionId,
    machineExecution,
    {
      items: [
        timelinePut(
          deps,
          incident.tenantId,
          incident.id,
          pendingApproval
            ? {
                at: now.toISOString(),
                type: 'approval-requested',
                actor,
                reason: shorten(`approval by a ${approval.requiredRole.replace('_', ' ')} needed for ${what} until ${approval.expiresAt}`),
              }
            : { at: now.toISOString(), type: 'execution-started', actor, reason: shorten(`running ${what}`) },
        ),
        incidentRemediationUpdate(deps, execution),
      ],
      events: [
        pendingApproval
          ? domainEvent(DETAIL_TYPES.approvalRequested, {
              tenantId: incident.tenantId,
              incidentId: incident.id,
              approvalId: approval.id,
              runbookId: runbook.id,
              risk: runbook.risk,
              requiredRole: approval.requiredRole,
              expiresAt: approval.expiresAt,
              ...traced,
            })
          : domainEvent(DETAIL_TYPES.executionStarted, {
              tenantId: incident.tenantId,
              incidentId: incident.id,
              executionId,
              runbookId: runbook.id,
              ...traced,
            }),
      ],
    },
    deps.now(),
  );
  // A person's request is audited by the API with who asked; the system's here (once).
  if (recorded && request.requestedBy === 'system') {
    await recordAudit(deps.table, {
      at: now.toISOString(),
      tenantId: incident.tenantId,
      actor: SYSTEM,
      action: approval ? 'approval.request' : 'execution.start',
      resource: { type: approval ? 'approval' : 'execution', id: executionId },
      summary: { after: { runbookId: runbook.id, risk: runbook.risk, incidentId: incident.id, dryRun: request.dryRun } },
    });
  }
  return { ...execution, stateMachineExecution: machineExecution };
}

/** The incident's summary of its latest execution, as a transaction item (the incident exists: its decision or an operator named it). */
function incidentRemediationUpdate(deps: RemediationDeps, execution: Execution): TransactItem {
  const summary = {
    executionId: execution.id,
    runbookId: execution.runbookId,
    state: execution.state,
    ...(execution.outcome ? { outcome: execution.outcome } : {}),
    ...(execution.output !== undefined ? { output: execution.output } : {}),
    ...(execution.startedAt ? { startedAt: execution.startedAt } : {}),
    ...(execution.finishedAt ? { finishedAt: execution.finishedAt } : {}),
    ...(execution.durationMs !== undefined ? { durationMs: execution.durationMs } : {}),
  };
  return {
    Update: {
      TableName: deps.table.tableName,
      Key: keys.incident(execution.tenantId, execution.incidentId),
      UpdateExpression: 'SET remediation = :summary',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':summary': summary },
    },
  };
}

/** The runbook step's `awaitApproval`: keep the token; answer it at once if the request was decided already. */
export async function attachApprovalToken(
  deps: RemediationDeps,
  request: Extract<RunbookStepRequest, { op: 'awaitApproval' }>,
): Promise<void> {
  const approval = await attachTaskToken(deps.table, request.tenantId, request.executionId, request.taskToken);
  if (approval.state === 'approved') await deps.orchestrator.succeedTask(request.taskToken);
  else if (approval.state === 'rejected')
    await deps.orchestrator.failTask(request.taskToken, 'ApprovalRejected', approval.comment ?? 'rejected');
  else if (approval.state === 'expired') await deps.orchestrator.failTask(request.taskToken, 'ApprovalExpired', 'the request expired');
  else if (approval.state === 'cancelled')
    await deps.orchestrator.failTask(request.taskToken, 'ApprovalExpired', approval.comment ?? 'the request was withdrawn');
}

const OUTCOME_STATE: Record<string, ExecutionState> = {
  succeeded: 'succeeded',
  'dry-run-succeeded': 'succeeded',
  'approval-rejected': 'rejected',
  'approval-expired': 'expired',
};

/**
 * The runbook step's `recordOutcome`, the last step of every execution: the execution's result, the
 * incident's summary, the timeline and ExecutionFinished in one transaction; then the incident resolved
 * (success) or routed to a technician. A repeat (a retried invocation, after a crash between the two)
 * finds the execution finished and only makes sure the follow-up happened.
 */
export async function recordExecutionOutcome(
  deps: RemediationDeps,
  request: Extract<RunbookStepRequest, { op: 'recordOutcome' }>,
): Promise<void> {
  const { tenantId, incidentId, executionId } = request;
  const execution = await getExecution(deps.table, tenantId, executionId);
  if (!execution) throw new Error(`Execution ${executionId} of ${tenantId} does not exist`);
  const now = deps.now();
  const state = OUTCOME_STATE[request.outcome.status] ?? 'failed';
  const startedAt = execution.startedAt ?? request.startedAt;
  const finished: Partial<Execution> & { state: ExecutionState } = {
    state,
    outcome: request.outcome.status,
    ...(request.outcome.failedSection && request.outcome.failedSection !== 'none' && state !== 'succeeded'
      ? { failedSection: request.outcome.failedSection }
      : {}),
    output: request.current.output,
    ...(request.error.Error ? { error: `${request.error.Error}: ${request.error.Cause}`.slice(0, 1000) } : {}),
    finishedAt: now.toISOString(),
    ...(state === 'rejected' || state === 'expired' ? {} : { startedAt, durationMs: Math.max(0, now.getTime() - Date.parse(startedAt)) }),
  };
  const { correlationId } = execution;
  const done: Execution = { ...execution, ...finished };
  const recorded = await updateExecution(
    deps.table,
    tenantId,
    executionId,
    ['running', 'pending_approval'],
    finished,
    {
      items: [
        incidentRemediationUpdate(deps, done),
        timelinePut(deps, tenantId, incidentId, {
          at: now.toISOString(),
          type: 'execution-finished',
          actor: AUTOMATION,
          reason: shorten(
            `${execution.runbookId} ${request.outcome.status}` +
              (finished.failedSection ? ` (in ${finished.failedSection})` : '') +
              (finished.durationMs !== undefined ? ` after ${Math.round(finished.durationMs / 1000)} s` : ''),
          ),
        }),
      ],
      events: [
        domainEvent(DETAIL_TYPES.executionFinished, {
          tenantId,
          incidentId,
          executionId,
          runbookId: execution.runbookId,
          state: state === 'pending_approval' || state === 'running' ? 'failed' : state,
          ...traceOf(correlationId),
        }),
      ],
    },
    now,
  );
  if (recorded) {
    countMetric('ExecutionsFinished', 1, { state });
    await recordAudit(deps.table, {
      at: now.toISOString(),
      tenantId,
      actor: SYSTEM,
      action: 'execution.finish',
      resource: { type: 'execution', id: executionId },
      summary: { before: { state: execution.state }, after: { state, outcome: request.outcome.status } },
    });
  } else {
    logger.info('Execution outcome already recorded; checking its follow-up', { tenantId, executionId });
  }
  const outcome = recorded ? done : ((await getExecution(deps.table, tenantId, executionId)) ?? done);
  await followUpExecution(deps, outcome);
}

/** After an execution ended: a real success resolves the incident; anything else routes it to a person (both safe to repeat). */
async function followUpExecution(deps: RemediationDeps, execution: Execution): Promise<void> {
  const { tenantId, incidentId, correlationId } = execution;
  const detail = await getIncidentDetail(deps.table, tenantId, incidentId);
  const incident = detail?.incident;
  if (!incident || !isActiveIncident(incident)) return;
  // Only the incident's current execution decides its fate (an older one finishing late does not).
  if (incident.remediation && incident.remediation.executionId !== execution.id) return;
  if (execution.state === 'succeeded' && !execution.dryRun) {
    try {
      await changeIncidentStatus(
        deps,
        incident,
        { kind: 'resolve', code: 'self-healed', actor: AUTOMATION, at: deps.now() },
        correlationId,
      );
    } catch (error) {
      // Resolved meanwhile (its alerts cleared, an operator): nothing left to do.
      if (!(error instanceof IncidentStateError)) throw error;
    }
    return;
  }
  if (incident.assignee) return;
  const why =
    execution.state === 'succeeded'
      ? `dry run of ${execution.runbookId} passed its pre-checks; nothing was changed`
      : `${execution.runbookId} ${execution.outcome ?? execution.state}`;
  await routeToTechnician(deps, incident, why, correlationId);
}

// ---------------------------------------------------------------------------------------------
// Approvals

export class ApprovalRefused extends Error {
  constructor(
    readonly reason: ApprovalRefusal | 'not_found' | 'withdrawn',
    message: string,
  ) {
    super(message);
  }
}

const REFUSAL_MESSAGES: Record<ApprovalRefusal | 'withdrawn', string> = {
  withdrawn: 'The incident is no longer open: the request was withdrawn and the runbook will not run',
  not_pending: 'The request was already decided',
  expired: 'The request has expired and can no longer be approved',
  own_request: 'Nobody decides their own request',
  role: 'Your role may not decide this request',
};

/**
 * An approver approves or rejects a pending request: the decision, its timeline entry, the incident's
 * first response (a person acted on it) and ApprovalDecided in one transaction. Approval lets the state
 * machine run the runbook; rejection ends the execution, which then routes the incident to a technician.
 */
export async function decideApproval(
  deps: RemediationDeps,
  approver: Principal & { sub: string; email: string },
  tenantId: string,
  approvalId: string,
  verdict: 'approve' | 'reject',
  comment?: string,
): Promise<Approval> {
  const stored = await getApproval(deps.table, tenantId, approvalId);
  if (!stored) throw new ApprovalRefused('not_found', 'No such approval request');
  const now = deps.now();
  const refusal = approvalRefusal(stored, approver, now);
  if (refusal) throw new ApprovalRefused(refusal, REFUSAL_MESSAGES[refusal]);
  // An incident that resolved meanwhile has nothing left to approve (its event withdraws the request too).
  const incident = (await getIncidentDetail(deps.table, tenantId, stored.incidentId))?.incident;
  if (incident && !isActiveIncident(incident)) {
    await withdrawApprovalsOfIncident(deps, tenantId, stored.incidentId);
    throw new ApprovalRefused('withdrawn', REFUSAL_MESSAGES.withdrawn);
  }
  const state = verdict === 'approve' ? 'approved' : 'rejected';
  const decided = await decideApprovalRequest(
    deps.table,
    stored,
    { state, by: approver.sub, comment, now },
    {
      items: [
        timelinePut(deps, tenantId, stored.incidentId, {
          at: now.toISOString(),
          type: 'approval-decided',
          actor: approver.email,
          reason: shorten(`${stored.runbookId} ${state} by ${approver.email}${comment ? `: ${comment}` : ''}`),
        }),
        firstResponseUpdate(deps.table, tenantId, stored.incidentId, approver.email, now),
      ],
      events: [
        domainEvent(DETAIL_TYPES.approvalDecided, {
          tenantId,
          incidentId: stored.incidentId,
          approvalId,
          state,
          ...(await executionCorrelation(deps, tenantId, approvalId)),
        }),
      ],
    },
  );
  if (!decided) {
    const again = await getApproval(deps.table, tenantId, approvalId);
    const reason = again && Date.parse(again.expiresAt) <= now.getTime() && again.state === 'pending' ? 'expired' : 'not_pending';
    throw new ApprovalRefused(reason, REFUSAL_MESSAGES[reason]);
  }
  if (verdict === 'approve') {
    await updateExecution(deps.table, tenantId, approvalId, ['pending_approval'], { state: 'running', startedAt: now.toISOString() });
    if (decided.taskToken) await answerApprovedToken(deps, stored, decided.taskToken);
  } else if (decided.taskToken) {
    await deps.orchestrator.failTask(decided.taskToken, 'ApprovalRejected', comment ?? `rejected by ${approver.email}`);
  }
  const { taskToken: _token, ...visible } = decided;
  return visible;
}

/**
 * An incident that is no longer open (its alerts cleared, an operator resolved it, it was merged into
 * another) has nothing left to approve: the pending approval request of its execution is withdrawn
 * (cancelled, with a timeline entry and ApprovalDecided in one transaction) and the state machine
 * waiting on it is told, so the runbook never runs against an incident that is over. An approver who
 * answers later is refused. Safe to repeat; returns the requests it withdrew.
 */
export async function withdrawApprovalsOfIncident(deps: RemediationDeps, tenantId: string, incidentId: string): Promise<string[]> {
  const incident = (await getIncidentDetail(deps.table, tenantId, incidentId))?.incident;
  if (!incident || isActiveIncident(incident)) return [];
  const executionIds = new Set([incident.decision?.executionId, incident.remediation?.executionId].filter((id) => id !== undefined));
  const withdrawn: string[] = [];
  for (const executionId of executionIds) {
    const approval = await getApproval(deps.table, tenantId, executionId);
    if (!approval || approval.state !== 'pending') continue;
    const now = deps.now();
    const why = `the incident is ${incident.status}`;
    const decided = await decideApprovalRequest(
      deps.table,
      approval,
      { state: 'cancelled', by: 'system', comment: `withdrawn: ${why}`, now },
      {
        items: [
          timelinePut(deps, tenantId, incidentId, {
            at: now.toISOString(),
            type: 'approval-decided',
            actor: AUTOMATION,
            reason: shorten(`${approval.runbookId} approval withdrawn: ${why}`),
          }),
        ],
        events: [
          domainEvent(DETAIL_TYPES.approvalDecided, {
            tenantId,
            incidentId,
            approvalId: approval.id,
            state: 'cancelled',
            ...(await executionCorrelation(deps, tenantId, approval.id)),
          }),
        ],
      },
    );
    if (!decided) continue; // decided meanwhile by someone else
    withdrawn.push(approval.id);
    // Without a token yet, the state machine is told when it asks for one (attachApprovalToken).
    if (decided.taskToken) await deps.orchestrator.failTask(decided.taskToken, 'ApprovalExpired', `withdrawn: ${why}`);
  }
  return withdrawn;
}

/**
 * Lets the state machine run an approved execution. If the token is gone (the execution timed out or
 * was stopped), the approval stands but nothing will run: the execution is failed and the incident
 * goes to a technician, rather than showing "running" forever.
 */
async function answerApprovedToken(deps: RemediationDeps, approval: Approval, taskToken: string): Promise<void> {
  try {
    await deps.orchestrator.succeedTask(taskToken);
  } catch (error) {
    logger.warn('An approved execution could not be resumed', { tenantId: approval.tenantId, executionId: approval.id, error });
    await recordExecutionOutcome(deps, {
      op: 'recordOutcome',
      tenantId: approval.tenantId,
      incidentId: approval.incidentId,
      executionId: approval.id,
      runbookId: approval.runbookId,
      outcome: { status: 'error', failedSection: 'none' },
      current: { section: 'none', status: 'NotStarted', output: '' },
      error: { Error: (error as Error).name, Cause: `the approval could not reach the state machine: ${(error as Error).message}` },
      startedAt: deps.now().toISOString(),
    });
  }
}

/**
 * The correlation id of an approval request's execution (the request id is the execution's id), for the
 * ApprovalDecided event: the path stays one from the alert to the runbook, whoever decides.
 */
async function executionCorrelation(deps: RemediationDeps, tenantId: string, executionId: string): Promise<{ correlationId?: string }> {
  return traceOf((await getExecution(deps.table, tenantId, executionId))?.correlationId);
}

/** The approval sweep: expire the requests past their expiry; their executions then route the incident. */
export async function expireApprovals(deps: RemediationDeps): Promise<number> {
  const now = deps.now();
  let expired = 0;
  for (const approval of await listPendingApprovals(deps.table, { before: now })) {
    const decided = await decideApprovalRequest(
      deps.table,
      approval,
      { state: 'expired', by: 'system', now },
      {
        items: [
          timelinePut(deps, approval.tenantId, approval.incidentId, {
            at: now.toISOString(),
            type: 'approval-decided',
            actor: AUTOMATION,
            reason: shorten(`approval for ${approval.runbookId} expired unanswered at ${approval.expiresAt}: escalated`),
          }),
        ],
        events: [
          domainEvent(DETAIL_TYPES.approvalDecided, {
            tenantId: approval.tenantId,
            incidentId: approval.incidentId,
            approvalId: approval.id,
            state: 'expired',
            ...(await executionCorrelation(deps, approval.tenantId, approval.id)),
          }),
        ],
      },
    );
    if (!decided) continue;
    expired++;
    countMetric('ApprovalsExpired');
    if (decided.taskToken) await deps.orchestrator.failTask(decided.taskToken, 'ApprovalExpired', `expired at ${approval.expiresAt}`);
    await recordAudit(deps.table, {
      at: now.toISOString(),
      tenantId: approval.tenantId,
      actor: SYSTEM,
      action: 'approval.expire',
      resource: { type: 'approval', id: approval.id },
      summary: { before: { state: 'pending' }, after: { state: 'expired' } },
    });
  }
  return expired;
}

// ---------------------------------------------------------------------------------------------
// Routing

/**
 * Assigns the incident to the best technician of the tenant (skill, on call, fewest open incidents;
 * lib/domain/oncall/routing.ts) unless someone has it already; notes why on the timeline either way. The
 * assignment, its timeline entry and IncidentAssigned are one transaction, made only if the incident is
 * still unassigned (a concurrent routing or an operator's assignment wins). Returns the assignee's user
 * id, or null when nobody fits. `correlationId` goes on the IncidentAssigned event (and so on the
 * assignment's notification records).
 */
export async function routeToTechnician(
  deps: RemediationDeps,
  incident: Incident,
  why: string,
  correlationId?: string,
): Promise<string | null> {
  const now = deps.now();
  const hold = incident.maintenance;
  if (isHeld(hold) && !hold.effects.notify) {
    // A window that pages no one: routing (and the assignee's notification) waits for its end.
    await addTimeline(deps, incident.tenantId, incident.id, {
      at: now.toISOString(),
      type: 'incident-routed',
      actor: AUTOMATION,
      reason: shorten(`${why}; routing waits for the end of maintenance "${hold.name}" (${hold.until})`),
    });
    return null;
  }
  if (incident.assignee) {
    await addTimeline(deps, incident.tenantId, incident.id, {
      at: now.toISOString(),
      type: 'incident-routed',
      actor: AUTOMATION,
      reason: shorten(`${why}; stays with ${incident.assignee.name}`),
    });
    return incident.assignee.userId;
  }
  // The tenant's technicians with their profiles (cap, active), and who is on call in its schedules now.
  const [candidates, onCall] = await Promise.all([
    technicians(deps.table, incident.tenantId),
    onCallNow(deps.table, incident.tenantId, now),
  ]);
  const open = await listIncidents(deps.table, incident.tenantId, {
    maxRead: 1000,
    where: (other) => isActiveIncident(other) && Boolean(other.assignee),
  });
  const openCounts = new Map<string, number>();
  for (const other of open) openCounts.set(other.assignee!.userId, (openCounts.get(other.assignee!.userId) ?? 0) + 1);
  const categories = (await getIncidentDetail(deps.table, incident.tenantId, incident.id))?.alerts.map((alert) => alert.category) ?? [];
  const assignment = pickAssignee(
    { tenantId: incident.tenantId, categories: [...new Set(categories)], severity: incident.severity, sources: incident.sources },
    candidates,
    onCall.userIds,
    openCounts,
  );
  if (!assignment.assignee) {
    await addTimeline(deps, incident.tenantId, incident.id, {
      at: now.toISOString(),
      type: 'incident-routed',
      actor: AUTOMATION,
      reason: shorten(`${why}; no technician to route to: ${assignment.reasons.join('; ')}`),
    });
    return null;
  }
  try {
    await assignIncident(deps.table, incident.tenantId, incident.id, assignment.assignee, AUTOMATION, now, {
      onlyIfUnassigned: true,
      reason: shorten(`${why}; routed to ${assignment.assignee.name}: ${assignment.reasons.join('; ')}`),
      events: [
        domainEvent(DETAIL_TYPES.incidentAssigned, {
          tenantId: incident.tenantId,
          incidentId: incident.id,
          assignee: assignment.assignee,
          assignedBy: AUTOMATION,
          reasons: assignment.reasons.map((reason) => reason.slice(0, 4000)).slice(0, 20),
          ...traceOf(correlationId),
        }),
      ],
    });
  } catch (error) {
    if (error instanceof IncidentStateError) return null;
    throw error;
  }
  await recordAudit(deps.table, {
    at: now.toISOString(),
    tenantId: incident.tenantId,
    actor: SYSTEM,
    action: 'incident.assign',
    resource: { type: 'incident', id: incident.id },
    summary: { after: { assignee: assignment.assignee.userId } },
  });
  return assignment.assignee.userId;
}
