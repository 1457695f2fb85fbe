import { AUTOMATION_ACTOR, type Incident } from '../domain/incident';
import { DETAIL_TYPES, domainEvent, type NewDomainEvent } from '../domain/events';
import { commitScope, loadScope } from '../store/correlation';
import { firstResponseClauses, IncidentStateError, setIncidentStatusDirectly } from '../store/incident-actions';
import { incidentPriority, inScopeTurn, retryAfterScopeConflict, type CorrelateDeps } from './correlate';
import { applyOperatorAction, type OperatorAction } from '../domain/correlation/engine';
import { topologyOf } from '../domain/correlation/topology';
import { isActiveIncident } from '../domain/incident-status';

/**
 * An operator resolves or reopens an incident. Both go through the incident's correlation scope, so
 * correlation knows: a resolved incident's alerts stop joining it (one that fires again within the
 * flap window reopens it), a reopened one takes its alerts again. Throws IncidentStateError when the
 * incident is not in a state the action applies to (resolve: open or acknowledged; reopen: resolved).
 * `correlationId` (the request or execution that did it) goes on the event. A person's resolve or reopen
 * is a response to the incident (its first response is recorded); automation's resolution is not.
 */
export async function changeIncidentStatus(
  deps: CorrelateDeps,
  incident: Incident,
  action: OperatorAction,
  correlationId?: string,
): Promise<void> {
  const allowed = action.kind === 'resolve' ? isActiveIncident(incident) : incident.status === 'resolved';
  if (!allowed) throw new IncidentStateError(`cannot ${action.kind} an incident that is ${incident.status}`);
  const fields: Record<string, unknown> =
    action.kind === 'resolve' ? { resolutionCode: action.code, resolvedBy: action.actor } : { resolutionCode: null, resolvedBy: null };
  const { tenantId } = incident;
  const now = action.at;
  const events = [operatorEvent(incident, action, correlationId)];
  const firstResponse = action.actor === AUTOMATION_ACTOR ? undefined : firstResponseClauses(action.actor, now);

  const scope = incident.scope;
  const committed =
    scope !== undefined &&
    (await inScopeTurn(tenantId, scope, async () => {
      for (let attempt = 1; ; attempt++) {
        const state = await loadScope(deps.table, tenantId, scope);
        const policy = await deps.policies.get(tenantId);
        const outcome = applyOperatorAction(state, incident.id, action, policy);
        if (!outcome) return false;
        const topology = topologyOf(await deps.inventory.get(tenantId));
        try {
          await commitScope(deps.table, {
            tenantId,
            scope,
            previousVersion: state.version,
            next: outcome.next,
            applied: [],
            changes: outcome.changes,
            priorities: new Map(outcome.changes.map((change) => [change.incident.id, incidentPriority(change.incident, topology, now)])),
            incidentFields: new Map([[incident.id, fields]]),
            ...(firstResponse ? { incidentSets: new Map([[incident.id, firstResponse]]) } : {}),
            now,
            events,
          });
          return true;
        } catch (error) {
          if (await retryAfterScopeConflict(error, attempt)) continue;
          throw error;
        }
      }
    }));
  if (committed) return;

  // Correlation no longer holds it (resolved long ago, or evicted): only the stored incident changes.
  const reason = action.kind === 'resolve' ? `resolved by ${action.actor} (${action.code})` : `reopened by ${action.actor}`;
  await setIncidentStatusDirectly(
    deps.table,
    tenantId,
    incident.id,
    {
      status: action.kind === 'resolve' ? 'resolved' : 'open',
      fields: action.kind === 'resolve' ? { ...fields, resolvedAt: now.toISOString() } : fields,
      entry: {
        at: now.toISOString(),
        type: action.kind === 'resolve' ? 'incident-resolved' : 'incident-reopened',
        actor: action.actor,
        reason,
      },
      ...(firstResponse ? { firstResponse } : {}),
    },
    now,
    events,
  );
}

function operatorEvent(incident: Incident, action: OperatorAction, correlationId?: string): NewDomainEvent {
  const common = { tenantId: incident.tenantId, incidentId: incident.id, actor: action.actor, ...(correlationId ? { correlationId } : {}) };
  return action.kind === 'resolve'
    ? domainEvent(DETAIL_TYPES.incidentResolved, { ...common, decision: 'resolve' })
    : domainEvent(DETAIL_TYPES.incidentUpdated, { ...common, decision: 'reopen' });
}
