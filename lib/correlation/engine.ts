import { worstSeverity, type CanonicalAlert, type Severity } from '../domain/alert';

/**
 * The correlation engine: a pure function of (policy, the open incident state of the alert's scope,
 * the new alert) giving a decision with its reason. The handler applies the decision with one
 * DynamoDB transaction guarded by the scope's version, so two alerts of one group processed at the
 * same moment can never open two incidents: the loser re-reads and decides again.
 *
 * A scope is the asset the alert resolves to (or the asset reference as the tool spells it when the
 * inventory does not know it): every rule here joins alerts within one scope.
 */
export interface CorrelationPolicy {
  /** Different alerts with one signature on one asset join while the incident saw an event this recently. */
  burstWindowSeconds: number;
  /** Resolved incidents are kept in the scope state this long (for reopen rules and late alerts). */
  retainResolvedSeconds: number;
}

export const DEFAULT_POLICY: CorrelationPolicy = {
  burstWindowSeconds: 15 * 60,
  retainResolvedSeconds: 24 * 3600,
};

export interface ScopeIncident {
  id: string;
  status: 'open' | 'resolved';
  title: string;
  assetId: string | null;
  assetRef: string;
  severity: Severity;
  openedAt: string;
  lastEventAt: string;
  resolvedAt?: string;
  alertCount: number;
  signatures: string[];
  sources: string[];
  /** Dedup keys of the alerts still firing in this incident. */
  firingKeys: string[];
}

export interface ScopeState {
  version: number;
  incidents: ScopeIncident[];
}

export const EMPTY_SCOPE: ScopeState = { version: 0, incidents: [] };

export type Decision =
  | { kind: 'open'; incidentId: string; reason: string }
  | { kind: 'join'; incidentId: string; reason: string }
  | { kind: 'resolve-alert'; incidentId: string; reason: string; resolvesIncident: boolean }
  | { kind: 'unmatched-resolution'; reason: string };

export function scopeOf(alert: Pick<CanonicalAlert, 'assetId' | 'assetRef'>): string {
  return alert.assetId ? `asset:${alert.assetId}` : `ref:${alert.assetRef.trim().toLowerCase()}`;
}

function eventTime(alert: CanonicalAlert): number {
  return Date.parse(alert.occurredAt);
}

/** Decides what one alert does and returns the scope state after it. */
export function decide(
  alert: CanonicalAlert,
  state: ScopeState,
  policy: CorrelationPolicy,
  newIncidentId: () => string,
): { decision: Decision; next: ScopeState } {
  const at = eventTime(alert);
  const open = state.incidents.filter((incident) => incident.status === 'open');

  if (alert.status === 'resolved') {
    const incident = open.find((candidate) => candidate.firingKeys.includes(alert.dedupKey));
    if (!incident) return { decision: { kind: 'unmatched-resolution', reason: 'no open incident has this alert firing' }, next: state };
    const firingKeys = incident.firingKeys.filter((key) => key !== alert.dedupKey);
    const resolvesIncident = firingKeys.length === 0;
    const updated: ScopeIncident = {
      ...incident,
      firingKeys,
      alertCount: incident.alertCount + 1,
      lastEventAt: latest(incident.lastEventAt, alert.occurredAt),
      ...(resolvesIncident ? { status: 'resolved' as const, resolvedAt: alert.occurredAt } : {}),
    };
    return {
      decision: {
        kind: 'resolve-alert',
        incidentId: incident.id,
        reason: resolvesIncident ? 'its last firing alert resolved' : 'alert resolved; others still firing',
        resolvesIncident,
      },
      next: replace(state, updated, at, policy),
    };
  }

  const sameFingerprint = open.find((incident) => incident.firingKeys.includes(alert.dedupKey));
  if (sameFingerprint) {
    return {
      decision: { kind: 'join', incidentId: sameFingerprint.id, reason: 'same fingerprint' },
      next: replace(state, touch(sameFingerprint, alert), at, policy),
    };
  }

  const sameSignature = open.find(
    (incident) =>
      incident.signatures.includes(alert.signature) && Math.abs(at - Date.parse(incident.lastEventAt)) <= policy.burstWindowSeconds * 1000,
  );
  if (sameSignature) {
    const minutes = Math.round(policy.burstWindowSeconds / 60);
    return {
      decision: { kind: 'join', incidentId: sameSignature.id, reason: `same asset and signature within ${minutes} min` },
      next: replace(state, touch(sameSignature, alert), at, policy),
    };
  }

  const incident: ScopeIncident = {
    id: newIncidentId(),
    status: 'open',
    title: `${alert.signature} on ${alert.assetRef}`,
    assetId: alert.assetId,
    assetRef: alert.assetRef,
    severity: alert.severity,
    openedAt: alert.occurredAt,
    lastEventAt: alert.occurredAt,
    alertCount: 1,
    signatures: [alert.signature],
    sources: [alert.source],
    firingKeys: [alert.dedupKey],
  };
  return {
    decision: { kind: 'open', incidentId: incident.id, reason: 'no open incident matches' },
    next: replace(state, incident, at, policy),
  };
}

function touch(incident: ScopeIncident, alert: CanonicalAlert): ScopeIncident {
  return {
    ...incident,
    severity: worstSeverity(incident.severity, alert.severity),
    alertCount: incident.alertCount + 1,
    lastEventAt: latest(incident.lastEventAt, alert.occurredAt),
    signatures: addOnce(incident.signatures, alert.signature),
    sources: addOnce(incident.sources, alert.source),
    firingKeys: addOnce(incident.firingKeys, alert.dedupKey),
  };
}

function addOnce(values: string[], value: string): string[] {
  return values.includes(value) ? values : [...values, value];
}

/** Puts the incident into the state and forgets resolved incidents past the retention. */
function replace(state: ScopeState, incident: ScopeIncident, at: number, policy: CorrelationPolicy): ScopeState {
  const others = state.incidents.filter(
    (candidate) =>
      candidate.id !== incident.id &&
      !(
        candidate.status === 'resolved' &&
        at - Date.parse(candidate.resolvedAt ?? candidate.lastEventAt) > policy.retainResolvedSeconds * 1000
      ),
  );
  return { version: state.version + 1, incidents: [...others, incident] };
}

function latest(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
