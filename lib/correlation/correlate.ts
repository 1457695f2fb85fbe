import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import type { CanonicalAlert } from '../domain/alert';
import { DETAIL_TYPES, type DomainEvent, type PublishEvents } from '../events';
import { AlreadyCorrelatedError, commitDecision, loadScope, ScopeConflictError } from '../store/correlation';
import type { TableRef } from '../store/table-ref';
import { decide, DEFAULT_POLICY, scopeOf, type CorrelationPolicy, type Decision } from './engine';

export interface CorrelateDeps {
  table: TableRef;
  publish: PublishEvents;
  now: () => Date;
  policy?: CorrelationPolicy;
}

const MAX_ATTEMPTS = 12;

/**
 * Correlates one alert: read the scope, decide, commit under the scope's version; on a lost race,
 * read and decide again. Returns the decision, or 'duplicate' when the alert was already correlated.
 */
export async function correlateAlert(alert: CanonicalAlert, deps: CorrelateDeps): Promise<Decision | { kind: 'duplicate' }> {
  const scope = scopeOf(alert);
  for (let attempt = 1; ; attempt++) {
    const state = await loadScope(deps.table, alert.tenantId, scope);
    const { decision, next } = decide(alert, state, deps.policy ?? DEFAULT_POLICY, () => ulid(Date.parse(alert.occurredAt)));
    try {
      await commitDecision(deps.table, { alert, scope, decision, previousVersion: state.version, next, now: deps.now() });
    } catch (error) {
      if (error instanceof AlreadyCorrelatedError) return { kind: 'duplicate' };
      if (error instanceof ScopeConflictError && attempt < MAX_ATTEMPTS) {
        await sleep(Math.random() * 10 * attempt);
        continue;
      }
      throw error;
    }
    await deps.publish(eventsFor(alert, decision));
    return decision;
  }
}

function eventsFor(alert: CanonicalAlert, decision: Decision): DomainEvent[] {
  const base = { tenantId: alert.tenantId, alertId: alert.id };
  if (decision.kind === 'unmatched-resolution') return [];
  // One event per alert: it names the alert and what happened to its incident.
  const detail = { ...base, incidentId: decision.incidentId, reason: decision.reason, decision: decision.kind };
  if (decision.kind === 'open') return [{ detailType: DETAIL_TYPES.incidentOpened, detail }];
  if (decision.kind === 'resolve-alert' && decision.resolvesIncident) return [{ detailType: DETAIL_TYPES.incidentResolved, detail }];
  return [{ detailType: DETAIL_TYPES.incidentUpdated, detail }];
}
