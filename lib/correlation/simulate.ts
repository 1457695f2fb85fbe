import type { CanonicalAlert } from '../domain/alert';
import type { Inventory } from '../domain/asset';
import { nameWords } from '../domain/correlation/categories';
import { decide, EMPTY_SCOPE, scopeOf, settle, type ScopeState } from '../domain/correlation/engine';
import type { CorrelationPolicy } from '../domain/correlation/policy';
import { topologyOf } from '../domain/correlation/topology';

/**
 * The policy simulator: replays a tenant's recorded alerts through the same pure
 * engine the correlation handler runs (`decide` per alert on its scope's state, `settle`), in memory,
 * and counts the incidents they would have made. Nothing is read or written: the caller loads the
 * alerts and the inventory, and runs this once per policy to compare.
 *
 * Every scope starts empty (incidents opened before the first alert are not known), alerts are taken
 * in the order they were received, and each is decided with the clock at its receipt, as the handler
 * would have decided it then; at the end every scope is settled with the clock at the last alert plus
 * the grace period.
 */

export interface SimulationOutcome {
  /** Alerts replayed (firing and resolutions). */
  alerts: number;
  /** Incidents at least one alert joined; incidents merged into another are not counted. */
  incidents: number;
  /** 1 - incidents / alerts, rounded to 4 decimals; 0 without alerts. */
  noiseReduction: number;
  /** Incidents opened (including those later merged away). */
  opened: number;
  /** Incidents merged into another one (a cascade whose root was found later). */
  merged: number;
  /** Times a resolved incident was reopened by a recurrence within the flap window. */
  reopened: number;
  /** Resolutions that matched no firing alert (their alert fired before the period, or never reached correlation). */
  unmatchedResolutions: number;
  /** Incidents still open after the final settle. */
  openAtEnd: number;
}

/** Thrown when the caller's `shouldStop` says the replay is taking too long. */
export class SimulationStoppedError extends Error {
  constructor(readonly replayed: number) {
    super(`Simulation stopped after ${replayed} alerts`);
    this.name = 'SimulationStoppedError';
  }
}

export interface SimulationOptions {
  /** Asked every STOP_CHECK_INTERVAL alerts (a time budget); true stops the replay with SimulationStoppedError. */
  shouldStop?: () => boolean;
}

const STOP_CHECK_INTERVAL = 256;

/** Oldest first: by receipt, then event time, then id (alerts of one delivery share their receipt). */
function byReceipt(a: CanonicalAlert, b: CanonicalAlert): number {
  return (
    Date.parse(a.receivedAt) - Date.parse(b.receivedAt) ||
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Replays the tenant's alerts under `policy` and counts the incidents (see the module comment). */
export function simulateCorrelation(
  alerts: readonly CanonicalAlert[],
  inventory: Inventory,
  policy: CorrelationPolicy,
  tenantId: string,
  options: SimulationOptions = {},
): SimulationOutcome {
  const foreign = alerts.find((alert) => alert.tenantId !== tenantId);
  if (foreign) throw new Error(`Alert ${foreign.id} belongs to another tenant than ${tenantId}`);

  const topology = topologyOf(inventory);
  const tenantWords = nameWords(tenantId);
  const states = new Map<string, ScopeState>();
  const joined = new Set<string>();
  const mergedAway = new Set<string>();
  let sequence = 0;
  const newIncidentId = () => `sim-${String(++sequence).padStart(6, '0')}`;
  let reopened = 0;
  let unmatchedResolutions = 0;
  let lastReceipt = Number.NEGATIVE_INFINITY;

  for (const [index, alert] of [...alerts].sort(byReceipt).entries()) {
    if (options.shouldStop && index % STOP_CHECK_INTERVAL === 0 && options.shouldStop()) throw new SimulationStoppedError(index);
    const scope = scopeOf(alert, topology);
    const now = new Date(alert.receivedAt);
    lastReceipt = Math.max(lastReceipt, now.getTime());
    const outcome = decide(alert, states.get(scope) ?? EMPTY_SCOPE, { policy, topology, now, tenantWords, newIncidentId });
    states.set(scope, outcome.next);
    const { decision } = outcome;
    if (decision.kind === 'unmatched-resolution') unmatchedResolutions++;
    else joined.add(decision.incidentId);
    if (decision.kind === 'reopen') reopened++;
    for (const change of outcome.changes) if (change.mergedInto) mergedAway.add(change.incident.id);
  }

  let openAtEnd = 0;
  if (Number.isFinite(lastReceipt)) {
    const end = new Date(lastReceipt + policy.graceSeconds * 1000);
    for (const state of states.values()) {
      openAtEnd += settle(state, end, policy).next.incidents.filter((incident) => incident.status === 'open').length;
    }
  }

  const incidents = [...joined].filter((id) => !mergedAway.has(id)).length;
  return {
    alerts: alerts.length,
    incidents,
    noiseReduction: alerts.length ? Math.round((1 - incidents / alerts.length) * 10_000) / 10_000 : 0,
    opened: sequence,
    merged: mergedAway.size,
    reopened,
    unmatchedResolutions,
    openAtEnd,
  };
}
