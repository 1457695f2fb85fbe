import { DETAIL_TYPES, type DomainEvent } from '../domain/events';
import { handleOnce } from '../store/event-receipts';
import { decideForIncident, withdrawApprovalsOfIncident, type DecideOutcome, type DecideTrigger, type RemediationDeps } from './service';

export type RemediationEventOutcome =
  | {
      kind: 'decided';
      tenantId: string;
      incidentId: string;
      action: string;
      runbookId?: string;
      executionId?: string;
      resumed?: boolean;
      revised?: boolean;
    }
  | { kind: 'withdrawn'; tenantId: string; incidentId: string; approvalIds: string[] }
  | { kind: 'skipped'; tenantId: string; incidentId: string; reason: string };

/** Events that close an incident (resolved, or merged into another): what was waiting for approval is withdrawn. */
function closes(event: DomainEvent): boolean {
  return (
    event.detailType === DETAIL_TYPES.incidentResolved ||
    (event.detailType === DETAIL_TYPES.incidentUpdated && event.detail.decision === 'merged')
  );
}

/** Which events ask remediation to decide, and why (the rules in functions/catalog.ts send only these). */
function triggerOf(event: DomainEvent): DecideTrigger | undefined {
  if (event.detailType === DETAIL_TYPES.incidentOpened) return 'opened';
  if (event.detailType === DETAIL_TYPES.incidentUpdated) {
    if (event.detail.decision === 'absorbed') return 'absorbed';
    if (event.detail.decision === 'root-changed' || event.detail.rootChanged) return 'root-changed';
    if (event.detail.decision === 'maintenance-ended') return 'maintenance-ended';
  }
  if (event.detailType === DETAIL_TYPES.incidentRepairRequested && event.detail.missing.some((part) => part !== 'sla')) return 'repair';
  return undefined;
}

/** The remediate function's work for one event, once per event id. */
export async function decideOnEvent(deps: RemediationDeps, event: DomainEvent): Promise<RemediationEventOutcome> {
  const { tenantId, incidentId } = event.detail;
  if (closes(event)) {
    const withdrawn = await handleOnce(deps.table, 'remediate', event, deps.now, () =>
      withdrawApprovalsOfIncident(deps, tenantId, incidentId),
    );
    if (!withdrawn.handled) return { kind: 'skipped', tenantId, incidentId, reason: withdrawn.reason };
    return { kind: 'withdrawn', tenantId, incidentId, approvalIds: withdrawn.result };
  }
  const trigger = triggerOf(event);
  if (!trigger) return { kind: 'skipped', tenantId, incidentId, reason: `${event.detailType} asks for no decision` };
  const handled = await handleOnce(deps.table, 'remediate', event, deps.now, () =>
    decideForIncident(deps, tenantId, incidentId, { correlationId: event.detail.correlationId, trigger }),
  );
  if (!handled.handled) return { kind: 'skipped', tenantId, incidentId, reason: handled.reason };
  return summary(tenantId, incidentId, handled.result);
}

function summary(tenantId: string, incidentId: string, outcome: DecideOutcome): RemediationEventOutcome {
  if (outcome.kind === 'skipped') return { kind: 'skipped', tenantId, incidentId, reason: outcome.reason };
  return {
    kind: 'decided',
    tenantId,
    incidentId,
    action: outcome.decision.action,
    ...(outcome.decision.runbookId ? { runbookId: outcome.decision.runbookId } : {}),
    ...(outcome.executionId ? { executionId: outcome.executionId } : {}),
    ...(outcome.resumed ? { resumed: true } : {}),
    ...(outcome.revised ? { revised: true } : {}),
  };
}
