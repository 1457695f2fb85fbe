import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import type { CanonicalAlert } from '../domain/alert';
import type { Inventory } from '../domain/asset';
import { priorityOf, type Priority } from '../domain/incident';
import { DETAIL_TYPES, domainEvent, type NewDomainEvent } from '../domain/events';
import { logger } from '../observability';
import {
  AlreadyCorrelatedError,
  commitItemCount,
  commitScope,
  deleteSettleMarker,
  dueSettleMarkers,
  putSettleMarker,
  loadScope,
  MAX_COMMIT_ITEMS,
  ScopeConflictError,
  type AppliedAlert,
} from '../store/correlation';
import type { TableRef } from '../store/table-ref';
import { nameWords } from '../domain/correlation/categories';
import {
  decide,
  scopeOf,
  settle,
  type Decision,
  type IncidentChange,
  type ScopeIncident,
  type ScopeState,
} from '../domain/correlation/engine';
import type { CorrelationPolicy } from '../domain/correlation/policy';
import { topologyOf, type Topology } from '../domain/correlation/topology';

export interface CorrelateDeps {
  table: TableRef;
  /** Processing time; an alert is never processed before its own receipt time (what a replay relies on). */
  now: () => Date;
  /** The tenant's inventory (cached by the caller). */
  inventory: { get(tenantId: string): Promise<Inventory> };
  /** The tenant's correlation policy (cached by the caller). */
  policies: { get(tenantId: string): Promise<CorrelationPolicy> };
}

export type CorrelationResult = Decision | { kind: 'duplicate' };
/** A scope whose commit failed: its alerts are reported failed, the other scopes' alerts are not held back. */
export interface CorrelationFailure {
  kind: 'failed';
  error: unknown;
}

const MAX_ATTEMPTS = 12;

/**
 * Writers of one scope in this process, one after the other. Across processes (Lambda invocations) the
 * scope's version keeps commits safe, and a lost race is read and decided again; within one process
 * (the local stack's parallel pollers, the replay, several batches of one invocation) those races would
 * only waste round trips, so each scope's work waits for the previous one here instead (and the alerts
 * that came for the scope meanwhile share its next turn: correlateInTurn).
 */
const scopeTurns = new Map<string, Promise<unknown>>();

export async function inScopeTurn<T>(tenantId: string, scope: string, work: () => Promise<T>): Promise<T> {
  const key = `${tenantId}|${scope}`;
  const previous = scopeTurns.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(work);
  scopeTurns.set(key, mine);
  try {
    return await mine;
  } finally {
    if (scopeTurns.get(key) === mine) scopeTurns.delete(key);
  }
}
/** A scope that failed to settle is tried again this much later. */
const SETTLE_RETRY_MS = 5 * 60 * 1000;

/** Correlates one alert. */
export async function correlateAlert(alert: CanonicalAlert, deps: CorrelateDeps): Promise<CorrelationResult> {
  const [result] = await correlateAlerts([alert], deps);
  if (result?.kind === 'failed') throw result.error;
  return result as CorrelationResult;
}

/**
 * Most scopes of one batch in their turns at once. A turn is a read of the scope and a transaction
 * (round trips, not CPU): a batch spread over several scopes takes about as long as its slowest
 * scope, while the table sees no more than this many of one invocation's transactions at a time.
 */
export const SCOPE_CONCURRENCY = 8;

export interface CorrelateOptions {
  /** Most scopes in their turns at once (default SCOPE_CONCURRENCY). */
  scopeConcurrency?: number;
}

/** What correlation reads about a tenant: once per tenant and batch. */
interface TenantContext {
  topology: Topology;
  policy: CorrelationPolicy;
}

/**
 * Correlates alerts in order: alerts of one scope are decided one after another on one read of the
 * scope state and committed together (as many as fit one transaction); scopes run concurrently, up to
 * `scopeConcurrency` at a time. The tenant's inventory and policy are read once per tenant for the
 * whole call. On a lost race the chunk is read and decided again; alerts already correlated
 * (redeliveries) come back as 'duplicate'. Returns one result per alert, in input order: a failure
 * (its scope's commit failed, or its tenant could not be read) holds back no other scope's alerts.
 */
export async function correlateAlerts(
  alerts: CanonicalAlert[],
  deps: CorrelateDeps,
  options: CorrelateOptions = {},
): Promise<Array<CorrelationResult | CorrelationFailure>> {
  const results: Array<CorrelationResult | CorrelationFailure> = new Array(alerts.length);
  const tenants = new Map<string, TenantContext | CorrelationFailure>();
  await Promise.all(
    [...new Set(alerts.map((alert) => alert.tenantId))].map(async (tenantId) => {
      try {
        const [inventory, policy] = await Promise.all([deps.inventory.get(tenantId), deps.policies.get(tenantId)]);
        tenants.set(tenantId, { topology: topologyOf(inventory), policy });
      } catch (error) {
        tenants.set(tenantId, { kind: 'failed', error });
      }
    }),
  );
  const groups = new Map<string, ScopeContext & { indexes: number[] }>();
  /**
   * The first copy of each alert id: the queue may deliver two copies of one alert together (one
   * transaction cannot write an item twice). A later copy is a duplicate once the first is correlated,
   * and fails (to be retried) if the first failed.
   */
  const firstCopy = new Map<string, number>();
  const copies: Array<[index: number, first: number]> = [];
  for (const [index, alert] of alerts.entries()) {
    const first = firstCopy.get(alert.id);
    if (first !== undefined) {
      copies.push([index, first]);
      continue;
    }
    firstCopy.set(alert.id, index);
    const tenant = tenants.get(alert.tenantId) as TenantContext | CorrelationFailure;
    if ('kind' in tenant) {
      results[index] = tenant;
      continue;
    }
    const scope = scopeOf(alert, tenant.topology);
    const groupKey = `${alert.tenantId}|${scope}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { tenantId: alert.tenantId, scope, ...tenant, indexes: [] };
      groups.set(groupKey, group);
    }
    group.indexes.push(index);
  }
  const waiting = [...groups.values()];
  const workers = Math.max(1, Math.min(options.scopeConcurrency ?? SCOPE_CONCURRENCY, waiting.length));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let group = waiting.shift(); group; group = waiting.shift()) {
        const done = await correlateInTurn(
          group,
          group.indexes.map((index) => alerts[index] as CanonicalAlert),
          deps,
        );
        for (const [offset, result] of done.entries()) results[group.indexes[offset] as number] = result;
      }
    }),
  );
  for (const [index, first] of copies) {
    const original = results[first] as CorrelationResult | CorrelationFailure;
    results[index] = original.kind === 'failed' ? original : { kind: 'duplicate' };
  }
  return results;
}

/** Alerts gathered for a scope's next turn in this process, from every caller that came while it waited. */
interface Gathering {
  context: ScopeContext;
  deps: CorrelateDeps;
  /** Each caller's alerts, in the order they came. */
  parts: CanonicalAlert[][];
  turn: Promise<Array<Array<CorrelationResult | CorrelationFailure>>>;
}

/** The gathering of each scope whose next turn has not begun yet. */
const gatherings = new Map<string, Gathering>();

/**
 * Correlates one scope's alerts in the scope's turn. Callers waiting for the same turn (several batches
 * of one process on one busy scope: the local stack's parallel pollers, the replay) share it: the turn
 * decides all their alerts, in the order the callers came, on one read of the scope state and in as
 * few transactions as they fit. If a shared turn fails, each caller's alerts still pending are tried
 * again on their own in the same turn, so one caller's failure is never another's.
 */
async function correlateInTurn(
  context: ScopeContext,
  alerts: CanonicalAlert[],
  deps: CorrelateDeps,
): Promise<Array<CorrelationResult | CorrelationFailure>> {
  const key = `${context.tenantId}|${context.scope}`;
  let gathering = gatherings.get(key);
  // Only the same dependencies and the same reads of the tenant decide together (a replay's clock, an inventory reloaded meanwhile).
  if (
    !gathering ||
    gathering.deps !== deps ||
    gathering.context.topology !== context.topology ||
    gathering.context.policy !== context.policy
  ) {
    const parts: CanonicalAlert[][] = [];
    const mine: Gathering = {
      context,
      deps,
      parts,
      turn: inScopeTurn(context.tenantId, context.scope, async () => {
        // The turn begins: whoever comes now waits for the next one.
        if (gatherings.get(key) === mine) gatherings.delete(key);
        return correlateParts(parts, context, deps);
      }),
    };
    gatherings.set(key, mine);
    gathering = mine;
  }
  const part = gathering.parts.push(alerts) - 1;
  return (await gathering.turn)[part] as Array<CorrelationResult | CorrelationFailure>;
}

/** The parts' alerts decided and committed together; on a failure, each part's rest on its own. */
async function correlateParts(
  parts: CanonicalAlert[][],
  context: ScopeContext,
  deps: CorrelateDeps,
): Promise<Array<Array<CorrelationResult | CorrelationFailure>>> {
  const results = parts.map((part) => new Array<CorrelationResult | CorrelationFailure>(part.length));
  const set = (which: number, offset: number, result: CorrelationResult | CorrelationFailure) => {
    (results[which] as Array<CorrelationResult | CorrelationFailure>)[offset] = result;
  };
  // Two parts may hold copies of one alert (the queue delivered it twice): the later one waits for the first's result.
  const seen = new Map<string, { which: number; offset: number }>();
  const copies: Array<{ which: number; offset: number; first: { which: number; offset: number } }> = [];
  const all: Array<{ alert: CanonicalAlert; which: number; offset: number }> = [];
  for (const [which, part] of parts.entries())
    for (const [offset, alert] of part.entries()) {
      const first = seen.get(alert.id);
      if (first) copies.push({ which, offset, first });
      else {
        seen.set(alert.id, { which, offset });
        all.push({ alert, which, offset });
      }
    }
  const together = await correlateScope(
    all.map(({ alert }) => alert),
    context,
    deps,
  );
  for (const [index, { which, offset }] of all.entries()) set(which, offset, together.results[index] as CorrelationResult);
  if (together.failed && parts.length > 1) {
    for (const which of parts.keys()) {
      const pending = all.filter((entry) => entry.which === which && results[which]?.[entry.offset]?.kind === 'failed');
      if (!pending.length) continue;
      const alone = await correlateScope(
        pending.map(({ alert }) => alert),
        context,
        deps,
      );
      for (const [index, { offset }] of pending.entries()) set(which, offset, alone.results[index] as CorrelationResult);
    }
  }
  for (const { which, offset, first } of copies) {
    const original = results[first.which]?.[first.offset] as CorrelationResult | CorrelationFailure;
    set(which, offset, original.kind === 'failed' ? original : { kind: 'duplicate' });
  }
  return results;
}

/**
 * Decides and commits the alerts of one scope chunk by chunk, on one read of the scope: each next chunk
 * starts from the state the previous one committed (a writer elsewhere in between makes the commit fail
 * on the version, and the chunk is read and decided again). Once a chunk fails, it and the rest are failed.
 */
async function correlateScope(
  alerts: CanonicalAlert[],
  context: ScopeContext,
  deps: CorrelateDeps,
): Promise<{ results: Array<CorrelationResult | CorrelationFailure>; failed: boolean }> {
  const results: Array<CorrelationResult | CorrelationFailure> = [];
  let state: ScopeState | undefined;
  try {
    while (results.length < alerts.length) {
      const done = await correlateChunk(alerts.slice(results.length), context, deps, state);
      results.push(...done.planned.results);
      state = done.state;
    }
    return { results, failed: false };
  } catch (error) {
    while (results.length < alerts.length) results.push({ kind: 'failed', error });
    return { results, failed: true };
  }
}

interface ScopeContext {
  tenantId: string;
  scope: string;
  topology: Topology;
  policy: CorrelationPolicy;
}

/**
 * Decides and commits a prefix of `alerts` (as many as one transaction holds), from `known` (the state
 * this turn committed last) or else a fresh read; returns their results and the scope's state after them.
 */
async function correlateChunk(
  alerts: CanonicalAlert[],
  context: ScopeContext,
  deps: CorrelateDeps,
  known?: ScopeState,
): Promise<{ planned: Plan; state: ScopeState }> {
  const duplicates = new Set<string>();
  let state = known;
  for (let attempt = 1; ; attempt++) {
    state ??= await loadScope(deps.table, context.tenantId, context.scope);
    const planned = plan(alerts, state, context, deps.now(), duplicates);
    if (!planned.applied.length && !planned.changes.length) return { planned, state };
    try {
      await commitPlan(planned, state, context, deps);
    } catch (error) {
      state = undefined;
      if (error instanceof AlreadyCorrelatedError) {
        for (const id of error.alertIds) duplicates.add(id);
        continue;
      }
      if (await retryAfterScopeConflict(error, attempt)) continue;
      throw error;
    }
    return { planned, state: planned.next };
  }
}

/**
 * After a lost race on a scope's version (another process committed first): waits a random while,
 * doubling its bound each attempt from 10 ms up to 500 ms (full jitter, so the losers spread out
 * instead of colliding again), and says whether to read and decide again.
 */
export async function retryAfterScopeConflict(error: unknown, attempt: number): Promise<boolean> {
  if (!(error instanceof ScopeConflictError) || attempt >= MAX_ATTEMPTS) return false;
  await sleep(Math.random() * Math.min(500, 10 * 2 ** attempt));
  return true;
}

/**
 * The settle sweep: resolves the incidents whose grace period ended by now, in every scope with a due
 * marker (no alert may come to that scope again to do it). Runs every minute; safe to run twice.
 */
export async function settleDueIncidents(deps: CorrelateDeps, batch = 100): Promise<{ scopes: number; resolved: number }> {
  const now = deps.now();
  let scopes = 0;
  let resolved = 0;
  for (;;) {
    const markers = await dueSettleMarkers(deps.table, now, batch);
    if (!markers.length) return { scopes, resolved };
    const seen = new Set<string>();
    for (const marker of markers) {
      const scopeKey = `${marker.tenantId}|${marker.scope}`;
      if (!seen.has(scopeKey)) {
        seen.add(scopeKey);
        try {
          const topology = topologyOf(await deps.inventory.get(marker.tenantId));
          const policy = await deps.policies.get(marker.tenantId);
          const { planned } = await inScopeTurn(marker.tenantId, marker.scope, () =>
            correlateChunk([], { tenantId: marker.tenantId, scope: marker.scope, topology, policy }, deps),
          );
          scopes++;
          resolved += planned.changes.filter((change) => change.incident.status === 'resolved').length;
        } catch (error) {
          // One scope that cannot be settled must not hold back the others (markers are read oldest first):
          // try it again in a few minutes.
          logger.error('Could not settle a correlation scope; retrying later', {
            tenantId: marker.tenantId,
            scope: marker.scope,
            error: error as Error,
          });
          await putSettleMarker(deps.table, marker.tenantId, marker.scope, new Date(now.getTime() + SETTLE_RETRY_MS).toISOString(), now);
        }
      }
      await deleteSettleMarker(deps.table, marker);
    }
  }
}

interface Plan {
  applied: AppliedAlert[];
  results: CorrelationResult[];
  changes: IncidentChange[];
  next: ScopeState;
}

/** Runs the engine over the alerts until the next one might not fit one transaction. */
function plan(alerts: CanonicalAlert[], state: ScopeState, context: ScopeContext, now: Date, duplicates: ReadonlySet<string>): Plan {
  const tenantWords = nameWords(context.tenantId);
  const applied: AppliedAlert[] = [];
  const results: CorrelationResult[] = [];
  const changes = new Map<string, IncidentChange>();
  let next = state;
  // Everything gets its place in the order it happened: an alert before what it caused, whatever the event
  // times' milliseconds say (the timeline sorts one instant's entries by it).
  let seq = 0;
  const numbered = (outcomeChanges: IncidentChange[]) => {
    for (const change of outcomeChanges) for (const entry of change.timeline) entry.seq ??= seq++;
  };
  // Settle first, so a batch that only settles still writes.
  const settled = settle(next, now, context.policy);
  if (settled.changes.length) {
    next = settled.next;
    numbered(settled.changes);
    mergeChanges(changes, settled.changes);
  }
  for (const alert of alerts) {
    if (duplicates.has(alert.id)) {
      results.push({ kind: 'duplicate' });
      continue;
    }
    // Processing time is never before the alert's receipt (a replay's clock stands at its input's start).
    const clock = Date.parse(alert.receivedAt) > now.getTime() ? new Date(alert.receivedAt) : now;
    const outcome = decide(alert, next, {
      policy: context.policy,
      topology: context.topology,
      now: clock,
      tenantWords,
      newIncidentId: () => ulid(Date.parse(alert.occurredAt)),
    });
    const trial = new Map(changes);
    mergeChanges(trial, outcome.changes);
    const position = seq;
    const entry: AppliedAlert = { alert, decision: outcome.decision, category: outcome.category, fingerprint: outcome.key, seq: seq++ };
    if (applied.length && commitItemCount({ applied: [...applied, entry], changes: [...trial.values()] }) + 1 > MAX_COMMIT_ITEMS) {
      seq = position;
      break;
    }
    applied.push(entry);
    numbered(outcome.changes);
    results.push(outcome.decision);
    changes.clear();
    for (const [id, change] of trial) changes.set(id, change);
    next = outcome.next;
  }
  return { applied, results, changes: [...changes.values()], next };
}

function mergeChanges(into: Map<string, IncidentChange>, changes: IncidentChange[]): void {
  for (const change of changes) {
    const earlier = into.get(change.incident.id);
    if (!earlier) {
      into.set(change.incident.id, { ...change, timeline: [...change.timeline] });
      continue;
    }
    into.set(change.incident.id, {
      incident: change.incident,
      isNew: earlier.isNew,
      timeline: [...earlier.timeline, ...change.timeline],
      ...((change.mergedInto ?? earlier.mergedInto) ? { mergedInto: change.mergedInto ?? earlier.mergedInto } : {}),
    });
  }
}

async function commitPlan(planned: Plan, state: ScopeState, context: ScopeContext, deps: CorrelateDeps): Promise<void> {
  const now = new Date(Math.max(deps.now().getTime(), ...planned.applied.map(({ alert }) => Date.parse(alert.receivedAt))));
  const priorities = new Map<string, Priority>();
  for (const change of planned.changes) priorities.set(change.incident.id, incidentPriority(change.incident, context.topology, now));
  await commitScope(deps.table, {
    tenantId: context.tenantId,
    scope: context.scope,
    previousVersion: state.version,
    next: planned.next,
    applied: planned.applied,
    changes: planned.changes,
    priorities,
    now,
    events: eventsFor(context.tenantId, planned.applied, planned.changes),
  });
}

export function incidentPriority(incident: ScopeIncident, topology: Topology | undefined, now: Date): Priority {
  const assetIds = new Set(incident.members.map((member) => member.assetId).filter((id): id is string => id !== null));
  return priorityOf(
    {
      severity: incident.severity,
      occurrences: incident.occurrences ?? incident.alertCount,
      sources: incident.sources,
      lastEventAt: incident.lastEventAt,
      status: incident.status,
      critical: [...assetIds].some((id) => topology?.asset(id)?.critical === true),
      dependents: incident.rootAssetId && topology ? topology.dependentsOf(incident.rootAssetId) : 0,
    },
    now,
  );
}

/**
 * The events of one commit: one per changed incident (not per alert: a burst of 40 alerts joining one
 * incident is one IncidentUpdated naming them), so the consumers move an incident's clocks and decide
 * about it once per change. IncidentOpened for a new incident; IncidentUpdated saying what changed most
 * (merged away > absorbed others > root moved > reopened > an alert cleared > alerts joined), with
 * `rootChanged` and `absorbed` for remediation, which decides again then; IncidentResolved when it
 * resolved. Each names the last alert that changed it and carries that alert's correlation id (else the
 * incident's own: a resolution by the settle sweep comes from no alert).
 */
export function eventsFor(tenantId: string, applied: readonly AppliedAlert[], changes: readonly IncidentChange[]): NewDomainEvent[] {
  const events: NewDomainEvent[] = [];
  for (const change of changes) {
    const { incident } = change;
    const mine = applied.filter(({ decision }) => decision.kind !== 'unmatched-resolution' && decision.incidentId === incident.id);
    const last = mine.at(-1);
    const correlationId = last?.alert.correlationId ?? incident.correlationId;
    const common = {
      tenantId,
      incidentId: incident.id,
      ...(correlationId ? { correlationId } : {}),
      ...(last ? { alertId: last.alert.id, alertIds: mine.map(({ alert }) => alert.id).slice(-100) } : {}),
    };
    const lastReason = last && last.decision.kind !== 'unmatched-resolution' ? last.decision.reason : change.timeline.at(-1)?.reason;
    const reason = lastReason?.slice(0, 4000);
    if (change.mergedInto) {
      events.push(
        domainEvent(DETAIL_TYPES.incidentUpdated, {
          ...common,
          decision: 'merged',
          mergedInto: change.mergedInto,
          ...(reason ? { reason } : {}),
        }),
      );
      continue;
    }
    const absorbed = change.timeline
      .filter((entry) => entry.type === 'incident-merged' && entry.incidentId)
      .map((entry) => entry.incidentId as string);
    const rootChanged = change.timeline.some((entry) => entry.type === 'root-changed');
    if (change.isNew) {
      const opener = mine.find(({ decision }) => decision.kind === 'open');
      events.push(
        domainEvent(DETAIL_TYPES.incidentOpened, {
          ...common,
          ...(opener ? { alertId: opener.alert.id, correlationId: opener.alert.correlationId ?? common.correlationId } : {}),
          decision: 'open',
          ...(reason ? { reason } : {}),
        }),
      );
      // Absorbing another incident or moving its root in the same commit: a decision taken on this event sees both already.
    } else {
      const reopened = change.timeline.some((entry) => entry.type === 'incident-reopened');
      const decision = absorbed.length
        ? 'absorbed'
        : rootChanged
          ? 'root-changed'
          : reopened
            ? 'reopen'
            : last?.decision.kind === 'resolve-alert'
              ? 'resolve-alert'
              : 'join';
      const changedSomething = mine.length > 0 || absorbed.length > 0 || rootChanged || reopened;
      if (changedSomething)
        events.push(
          domainEvent(DETAIL_TYPES.incidentUpdated, {
            ...common,
            decision,
            ...(reason ? { reason } : {}),
            ...(rootChanged ? { rootChanged: true } : {}),
            ...(absorbed.length ? { absorbed } : {}),
          }),
        );
    }
    const resolved = change.timeline.find((entry) => entry.type === 'incident-resolved');
    if (resolved && incident.status === 'resolved')
      events.push(
        domainEvent(DETAIL_TYPES.incidentResolved, {
          ...common,
          decision: last?.decision.kind === 'resolve-alert' ? 'resolve-alert' : 'settled',
          reason: resolved.reason.slice(0, 4000),
        }),
      );
  }
  return events;
}
