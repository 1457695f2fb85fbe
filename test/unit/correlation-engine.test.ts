// The pure correlation engine: alerts are fed in order through `decide`, one scope state
// per correlation scope, with deterministic incident ids (inc-1, inc-2...) and `now` = each alert's receipt.
import { nameWords } from '../../lib/domain/correlation/categories';
import {
  EMPTY_SCOPE,
  decide,
  eventTimeOf,
  fingerprintOf,
  formatDuration,
  scopeOf,
  settle,
  type IncidentChange,
  type Outcome,
  type ScopeIncident,
  type ScopeState,
} from '../../lib/domain/correlation/engine';
import { DEFAULT_POLICY, mergePolicy, type CorrelationPolicy, type CorrelationPolicyInput } from '../../lib/domain/correlation/policy';
import { Topology, unknownAssetKey } from '../../lib/domain/correlation/topology';
import type { CanonicalAlert, Severity } from '../../lib/domain/alert';
import { Inventory, assetSchema } from '../../lib/domain/asset';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
/** The instant `seconds` after T0. */
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

interface AlertSpec {
  signature: string;
  /** Seconds after T0: the event time (occurredAt). */
  at: number;
  /** Seconds after T0 when it was received (default: `at`); `now` for the decision. */
  receivedAt?: number;
  assetRef?: string;
  /** Default: the inventory's resolution of assetRef when there is one, else assetRef itself. */
  assetId?: string | null;
  source?: string;
  status?: 'firing' | 'resolved';
  severity?: Severity;
  labels?: Record<string, string>;
  dedupKey?: string;
}

/** Feeds alerts through `decide`, keeping one state per scope as the handler does. */
class Harness {
  readonly scopes = new Map<string, ScopeState>();
  private incidentIds = 0;
  private alertIds = 0;
  readonly policy: CorrelationPolicy;
  readonly topology: Topology | undefined;

  constructor(options: { policy?: CorrelationPolicyInput; inventory?: Inventory } = {}) {
    this.policy = mergePolicy(DEFAULT_POLICY, options.policy ?? {});
    this.topology = options.inventory ? new Topology(options.inventory) : undefined;
    this.inventory = options.inventory;
  }

  private readonly inventory: Inventory | undefined;

  alert(spec: AlertSpec): CanonicalAlert {
    const assetRef = spec.assetRef ?? 'web-01';
    const source = spec.source ?? 'generic';
    const assetId = spec.assetId !== undefined ? spec.assetId : this.inventory ? (this.inventory.resolve(assetRef)?.id ?? null) : assetRef;
    this.alertIds++;
    return {
      id: `alert-${this.alertIds}`,
      tenantId: 'acme',
      deliveryId: `delivery-${this.alertIds}`,
      source,
      status: spec.status ?? 'firing',
      severity: spec.severity ?? 'high',
      assetRef,
      assetId,
      signature: spec.signature,
      message: spec.signature,
      labels: spec.labels ?? {},
      dedupKey: spec.dedupKey ?? `${source}:${assetRef}:${spec.signature}`,
      occurredAt: at(spec.at),
      receivedAt: at(spec.receivedAt ?? spec.at),
    };
  }

  feed(spec: AlertSpec): Outcome {
    const alert = this.alert(spec);
    const scope = scopeOf(alert, this.topology);
    const outcome = decide(alert, this.scopes.get(scope) ?? EMPTY_SCOPE, {
      policy: this.policy,
      topology: this.topology,
      now: new Date(alert.receivedAt),
      newIncidentId: () => `inc-${++this.incidentIds}`,
      tenantWords: nameWords('acme'),
    });
    this.scopes.set(scope, outcome.next);
    return outcome;
  }

  /** Runs `settle` on every scope at `seconds` after T0; returns the changes. */
  settle(seconds: number): IncidentChange[] {
    const changes: IncidentChange[] = [];
    for (const [scope, state] of this.scopes) {
      const settled = settle(state, new Date(at(seconds)), this.policy);
      this.scopes.set(scope, settled.next);
      changes.push(...settled.changes);
    }
    return changes;
  }

  /** Every incident in every scope's state. */
  incidents(): ScopeIncident[] {
    return [...this.scopes.values()].flatMap((state) => state.incidents);
  }

  incident(id: string): ScopeIncident {
    const found = this.incidents().find((incident) => incident.id === id);
    if (!found) throw new Error(`no incident ${id} in the state`);
    return found;
  }

  openIncidents(): ScopeIncident[] {
    return this.incidents().filter((incident) => incident.status === 'open');
  }
}

function changeOf(outcome: { changes: IncidentChange[] }, id: string): IncidentChange {
  const change = outcome.changes.find((candidate) => candidate.incident.id === id);
  if (!change) throw new Error(`no change for ${id}`);
  return change;
}

function timelineTypes(outcome: { changes: IncidentChange[] }, id: string): string[] {
  return changeOf(outcome, id).timeline.map((entry) => entry.type);
}

// --- The inventory of the topology rules: db <- app-01, app-02 <- lb <- endpoint -------------------------

function asset(input: { id: string; name?: string; aliases?: string[]; dependsOn?: string[]; critical?: boolean }) {
  return assetSchema.parse({ type: 'server', name: input.id, ...input });
}

const stack = new Inventory([
  asset({ id: 'db-prod-01', aliases: ['db-prod-01.acme.internal', '10.0.1.5'] }),
  asset({ id: 'app-01', aliases: ['app-01.acme.internal', '10.0.2.1'], dependsOn: ['db-prod-01'] }),
  asset({ id: 'app-02', aliases: ['app-02.acme.internal', '10.0.2.2'], dependsOn: ['db-prod-01'] }),
  asset({
    id: 'lb-01',
    aliases: ['arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop/1'],
    dependsOn: ['app-01', 'app-02'],
  }),
  asset({ id: 'shop-endpoint', name: 'https://shop.acme.example', dependsOn: ['lb-01'] }),
  asset({ id: 'web-01', aliases: ['web-01.acme.internal', '10.0.3.7', 'i-0a1b2c3d4e5f60001'] }),
]);

// Signatures used below, with the category each one gets.
const DB_DOWN = { signature: 'PostgresDown', assetRef: 'db-prod-01' }; // database
const APP1_5XX = { signature: 'HTTPCode_Target_5XX_Count', assetRef: 'app-01', source: 'cloudwatch' }; // service
const APP2_5XX = { signature: 'HTTPCode_Target_5XX_Count', assetRef: 'app-02', source: 'cloudwatch' }; // service
const LB_UNHEALTHY = { signature: 'UnHealthyHostCount', assetRef: 'lb-01', source: 'cloudwatch' }; // service
const PROBE_FAILED = { signature: 'EndpointProbeFailed', assetRef: 'shop-endpoint' }; // service

// --- Dedup and episodes ------------------------------------------------------------------------------------

describe('dedup', () => {
  test('the same fingerprint joins its incident with the reason "same fingerprint"', () => {
    const h = new Harness();
    const first = h.feed({ signature: 'HighCPU', at: 0 });
    const second = h.feed({ signature: 'HighCPU', at: 60 });
    expect(first.decision).toEqual({ kind: 'open', incidentId: 'inc-1', reason: 'no open incident matches' });
    expect(second.decision).toEqual({ kind: 'join', incidentId: 'inc-1', reason: 'same fingerprint' });
    const incident = h.incident('inc-1');
    // One alert (one fingerprint), notified twice.
    expect([incident.alertCount, incident.occurrences]).toEqual([1, 2]);
    expect(incident.members).toHaveLength(1);
    expect(incident.members[0]).toMatchObject({
      key: fingerprintOf('generic:web-01:HighCPU'),
      firstAt: at(0),
      lastAt: at(60),
      state: 'firing',
    });
    expect(incident.lastEventAt).toBe(at(60));
    expect(h.incidents()).toHaveLength(1);
  });

  test('the first alert opens an incident titled after it, with an incident-opened entry', () => {
    const h = new Harness();
    const outcome = h.feed({ signature: 'HighCPU', at: 0, severity: 'medium' });
    expect(outcome.changes).toHaveLength(1);
    const change = changeOf(outcome, 'inc-1');
    expect(change.isNew).toBe(true);
    expect(change.timeline).toEqual([{ type: 'incident-opened', at: at(0), reason: 'no open incident matches', alertId: 'alert-1' }]);
    expect(change.incident).toMatchObject({
      status: 'open',
      title: 'HighCPU on web-01',
      rootAssetId: 'web-01',
      rootAssetRef: 'web-01',
      rootCategory: 'cpu',
      severity: 'medium',
      openedAt: at(0),
      reopenCount: 0,
      alertCount: 1,
      sources: ['generic'],
      signatures: ['HighCPU'],
    });
  });

  test('a join keeps the worst severity and records the join without a timeline entry', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0, severity: 'medium' });
    const outcome = h.feed({ signature: 'HighCPU', at: 30, severity: 'critical' });
    h.feed({ signature: 'HighCPU', at: 60, severity: 'low' });
    expect(changeOf(outcome, 'inc-1')).toMatchObject({ isNew: false, timeline: [] });
    expect(h.incident('inc-1').severity).toBe('critical');
  });

  test('different fingerprints with the same signature on different assets stay apart', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', assetRef: 'web-01', at: 0 });
    const other = h.feed({ signature: 'HighCPU', assetRef: 'web-02', at: 10 });
    expect(other.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });
});

describe('another tool reporting a condition cleared', () => {
  // Prometheus and Datadog both watch web-01's CPU: Prometheus fired, Datadog says it cleared.
  const prometheusCpu = { signature: 'NodeCPUHigh', source: 'alertmanager' };
  const datadogCpu = { signature: 'system.cpu.user', source: 'datadog' };

  test('attaches to the incident holding that condition on that asset, on its row, and resolves nothing', () => {
    const h = new Harness();
    h.feed({ ...prometheusCpu, at: 0 });
    const cleared = h.feed({ ...datadogCpu, at: 60, status: 'resolved' });
    expect(cleared.decision).toEqual({
      kind: 'resolve-alert',
      incidentId: 'inc-1',
      reason: 'datadog reports NodeCPUHigh cleared (cpu); alertmanager, which fired it, has not resolved it',
      resolvesIncident: false,
      row: fingerprintOf('alertmanager:web-01:NodeCPUHigh'),
    });
    const incident = h.incident('inc-1');
    expect(incident).toMatchObject({ status: 'open', alertCount: 1, occurrences: 1 });
    expect(incident.members[0]?.state).toBe('firing');
    expect(incident.resolvesAt).toBeUndefined();
    // Its own tool's resolution then resolves it as usual.
    expect(h.feed({ ...prometheusCpu, at: 120, status: 'resolved' }).decision).toMatchObject({
      kind: 'resolve-alert',
      incidentId: 'inc-1',
    });
    expect(h.incident('inc-1').members[0]?.state).toBe('resolved');
  });

  test('another condition, another asset, or the same tool is no match: the resolution is unmatched', () => {
    const h = new Harness();
    h.feed({ ...prometheusCpu, at: 0 });
    expect(h.feed({ signature: 'DiskSpaceLow', source: 'datadog', at: 30, status: 'resolved' }).decision.kind).toBe('unmatched-resolution');
    expect(h.feed({ ...datadogCpu, assetRef: 'web-02', at: 40, status: 'resolved' }).decision.kind).toBe('unmatched-resolution');
    expect(h.feed({ signature: 'NodeCPUBusy', source: 'alertmanager', at: 50, status: 'resolved' }).decision.kind).toBe(
      'unmatched-resolution',
    );
    expect(h.incident('inc-1').members[0]?.state).toBe('firing');
  });

  test("a condition already resolved by its own tool takes no other tool's resolution", () => {
    const h = new Harness();
    h.feed({ ...prometheusCpu, at: 0 });
    h.feed({ ...prometheusCpu, at: 30, status: 'resolved' });
    expect(h.feed({ ...datadogCpu, at: 60, status: 'resolved' }).decision.kind).toBe('unmatched-resolution');
  });
});

describe('alerts and occurrences', () => {
  test('an incident counts distinct alerts; repeats are occurrences; resolutions are neither', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 30 });
    h.feed({ signature: 'HighLoad', at: 40 });
    h.feed({ signature: 'HighCPU', at: 50, status: 'resolved' });
    h.feed({ signature: 'HighLoad', at: 60, status: 'resolved' });
    expect(h.incident('inc-1')).toMatchObject({ alertCount: 2, occurrences: 3 });
  });

  test('a merge counts an alert both incidents had once', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...APP1_5XX, at: 0 });
    h.feed({ ...APP2_5XX, at: 10 });
    expect(h.openIncidents()).toHaveLength(2);
    // The database both depend on fails: the two cascades merge under it.
    h.feed({ ...DB_DOWN, at: 20 });
    const [survivor] = h.openIncidents();
    expect(h.openIncidents()).toHaveLength(1);
    expect(survivor).toMatchObject({ alertCount: 3, occurrences: 3 });
  });
});

describe('resolution and the grace period', () => {
  test('resolving the last firing alert sets resolvesAt = t + grace; the incident stays open', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    const outcome = h.feed({ signature: 'HighCPU', at: 120, status: 'resolved' });
    expect(outcome.decision).toMatchObject({ kind: 'resolve-alert', incidentId: 'inc-1', resolvesIncident: false });
    const incident = h.incident('inc-1');
    expect(incident.status).toBe('open');
    expect(incident.resolvesAt).toBe(at(120 + 300));
    expect(incident.resolvedAt).toBeUndefined();
    expect(incident.members[0]).toMatchObject({ state: 'resolved', resolvedAt: at(120) });
    expect(changeOf(outcome, 'inc-1').timeline).toEqual([
      expect.objectContaining({ type: 'resolution-pending', at: at(120), alertId: 'alert-2', reason: expect.stringContaining('5 min') }),
    ]);
  });

  test('a resolution while another alert of the incident fires does not start the grace period', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'NodeLoadHigh', at: 10 });
    const outcome = h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    expect(outcome.decision).toEqual({
      kind: 'resolve-alert',
      incidentId: 'inc-1',
      reason: 'alert resolved; others still firing',
      resolvesIncident: false,
    });
    expect(h.incident('inc-1').resolvesAt).toBeUndefined();
    // The last one starts it.
    h.feed({ signature: 'NodeLoadHigh', at: 90, status: 'resolved' });
    expect(h.incident('inc-1').resolvesAt).toBe(at(390));
  });

  test('settle after the grace period resolves the incident with an incident-resolved entry', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 120, status: 'resolved' });
    expect(h.settle(419)).toEqual([]);
    expect(h.incident('inc-1').status).toBe('open');

    const changes = h.settle(420);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.timeline).toEqual([expect.objectContaining({ type: 'incident-resolved', at: at(420) })]);
    const incident = h.incident('inc-1');
    expect(incident.status).toBe('resolved');
    expect(incident.resolvedAt).toBe(at(420));
    expect(incident.resolvesAt).toBeUndefined();
    // Settling again changes nothing.
    expect(h.settle(430)).toEqual([]);
  });

  test('decide settles due incidents before deciding', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', assetRef: 'web-01', at: 0 });
    h.feed({ signature: 'HighCPU', assetRef: 'web-01', at: 60, status: 'resolved' });
    // Another alert of the same scope after the grace period.
    const outcome = h.feed({ signature: 'SSLCertExpiringSoon', assetRef: 'web-01', at: 400 });
    expect(timelineTypes(outcome, 'inc-1')).toEqual(['incident-resolved']);
    expect(h.incident('inc-1')).toMatchObject({ status: 'resolved', resolvedAt: at(360) });
  });

  test('with no grace period the last resolution resolves the incident at once', () => {
    const h = new Harness({ policy: { graceSeconds: 0 } });
    h.feed({ signature: 'HighCPU', at: 0 });
    const outcome = h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    expect(outcome.decision).toMatchObject({ kind: 'resolve-alert', resolvesIncident: true });
    expect(h.incident('inc-1')).toMatchObject({ status: 'resolved', resolvedAt: at(60) });
    expect(timelineTypes(outcome, 'inc-1')).toEqual(['incident-resolved']);
  });

  test('a refire within the grace period cancels resolvesAt without reopening', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 120, status: 'resolved' });
    const outcome = h.feed({ signature: 'HighCPU', at: 200 });
    expect(outcome.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(outcome.decision.reason).toContain('flapping');
    expect(timelineTypes(outcome, 'inc-1')).toEqual([]);
    const incident = h.incident('inc-1');
    expect(incident).toMatchObject({ status: 'open', reopenCount: 0 });
    expect(incident.resolvesAt).toBeUndefined();
    expect(incident.members[0]).toMatchObject({ state: 'firing', firstAt: at(200) });
    // The grace period that was pending no longer resolves it.
    expect(h.settle(1000)).toEqual([]);
    expect(h.incident('inc-1').status).toBe('open');
  });

  test('a resolution with no firing alert is unmatched and changes nothing', () => {
    const h = new Harness();
    const outcome = h.feed({ signature: 'HighCPU', at: 0, status: 'resolved' });
    expect(outcome.decision).toEqual({
      kind: 'unmatched-resolution',
      reason: 'no incident has this alert, or its condition on this asset, firing',
    });
    expect(outcome.changes).toEqual([]);
    // It is kept only for a firing delivered late (see 'a resolution delivered before its firing').
    expect(outcome.next).toEqual({ version: 1, incidents: [], earlyResolutions: [expect.objectContaining({ alertId: 'alert-1' })] });
  });

  test('a repeated resolution is a resolve-alert "repeat of a resolution already recorded"', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    const outcome = h.feed({ signature: 'HighCPU', at: 90, status: 'resolved' });
    expect(outcome.decision).toEqual({
      kind: 'resolve-alert',
      incidentId: 'inc-1',
      reason: 'repeat of a resolution already recorded',
      resolvesIncident: false,
    });
    const incident = h.incident('inc-1');
    // Resolutions are neither alerts nor occurrences: one alert, fired once.
    expect([incident.alertCount, incident.occurrences]).toEqual([1, 1]);
    // The pending resolution keeps its time.
    expect(incident.resolvesAt).toBe(at(360));
    expect(incident.members[0]?.resolvedAt).toBe(at(60));
  });
});

describe('episodes: flap window and quiet period', () => {
  /** HighCPU fires at 0 and resolves at 120; the incident resolves at 420. */
  function resolvedIncident(policy: CorrelationPolicyInput = {}): Harness {
    const h = new Harness({ policy });
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 120, status: 'resolved' });
    h.settle(420);
    expect(h.incident('inc-1')).toMatchObject({ status: 'resolved', resolvedAt: at(420) });
    return h;
  }

  test('a refire after the resolution, within the flap window, reopens the incident', () => {
    const h = resolvedIncident();
    const outcome = h.feed({ signature: 'HighCPU', at: 420 + 600 });
    expect(outcome.decision).toMatchObject({ kind: 'reopen', incidentId: 'inc-1' });
    expect(outcome.decision.reason).toContain('10 min after the incident resolved');
    expect(changeOf(outcome, 'inc-1').timeline).toEqual([
      expect.objectContaining({
        type: 'incident-reopened',
        at: at(1020),
        alertId: 'alert-3',
        reason: expect.stringContaining('30 min flap window'),
      }),
    ]);
    const incident = h.incident('inc-1');
    expect(incident).toMatchObject({ status: 'open', reopenCount: 1, alertCount: 1, occurrences: 2 });
    expect(incident.resolvedAt).toBeUndefined();
    expect(h.incidents()).toHaveLength(1);
  });

  test('the reopen also works when the refire itself settles the grace period', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 120, status: 'resolved' });
    const outcome = h.feed({ signature: 'HighCPU', at: 1000 });
    expect(outcome.decision).toMatchObject({ kind: 'reopen', incidentId: 'inc-1' });
    expect(timelineTypes(outcome, 'inc-1')).toEqual(['incident-resolved', 'incident-reopened']);
    expect(h.incident('inc-1')).toMatchObject({ status: 'open', reopenCount: 1 });
  });

  test('at the edge of the flap window it still reopens; just beyond it a new incident opens', () => {
    const edge = resolvedIncident();
    expect(edge.feed({ signature: 'HighCPU', at: 420 + 1800 }).decision).toMatchObject({ kind: 'reopen', incidentId: 'inc-1' });

    const h = resolvedIncident();
    const outcome = h.feed({ signature: 'HighCPU', at: 420 + 1801 });
    expect(outcome.decision).toEqual({ kind: 'open', incidentId: 'inc-2', reason: 'same fingerprint, new episode (its last one ended)' });
    expect(changeOf(outcome, 'inc-2').isNew).toBe(true);
    expect(outcome.changes.map((change) => change.incident.id)).toEqual(['inc-2']);
  });

  test('rules.reopenOnFlap false: a refire after the resolution opens a new incident', () => {
    const h = resolvedIncident({ rules: { reopenOnFlap: false } });
    const outcome = h.feed({ signature: 'HighCPU', at: 420 + 60 });
    expect(outcome.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    expect(h.incident('inc-1')).toMatchObject({ status: 'resolved', reopenCount: 0 });
  });

  test('a policy flap window is honoured', () => {
    const h = resolvedIncident({ flapWindowSeconds: 120 });
    expect(h.feed({ signature: 'HighCPU', at: 420 + 121 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('a fingerprint silent longer than the quiet period starts a new incident; the old one resolves', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 600 });
    const outcome = h.feed({ signature: 'HighCPU', at: 600 + 3601 });
    expect(outcome.decision).toEqual({ kind: 'open', incidentId: 'inc-2', reason: 'same fingerprint, new episode (its last one ended)' });
    const old = changeOf(outcome, 'inc-1');
    expect(old.timeline.map((entry) => entry.type)).toEqual(['alert-ended', 'incident-resolved']);
    expect(old.timeline[0]?.reason).toContain('HighCPU');
    expect(old.incident).toMatchObject({ status: 'resolved', resolvedAt: at(600) });
    expect(old.incident.members[0]?.state).toBe('ended');
    expect(h.incident('inc-2')).toMatchObject({ status: 'open', openedAt: at(4201) });
  });

  test('a re-notification of the same firing (same start, as Alertmanager repeats it) joins however long the silence', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    // Alertmanager's repeat_interval (4 h by default) re-sends the alert with its original startsAt.
    const outcome = h.feed({ signature: 'HighCPU', at: 0, receivedAt: 4 * 3600 });
    expect(outcome.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(outcome.decision.kind === 'join' && outcome.decision.reason).toContain('same start');
    // A new start after the same silence is a new episode.
    expect(h.feed({ signature: 'HighCPU', at: 8 * 3600 + 60, receivedAt: 8 * 3600 + 60 }).decision).toMatchObject({ kind: 'open' });
  });

  test('within the quiet period the silent fingerprint still joins', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    expect(h.feed({ signature: 'HighCPU', at: 3600 }).decision).toMatchObject({
      kind: 'join',
      incidentId: 'inc-1',
      reason: 'same fingerprint',
    });
  });

  // A fingerprint's new episode (silent past the quiet period) may still join its old incident through the
  // same-asset rule while a related alert there (NodeLoadHigh, cpu, 700 s earlier) keeps it open.
  test('a new episode still joins the open incident of a related alert on its asset (quiet period)', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'NodeLoadHigh', at: 10 });
    h.feed({ signature: 'NodeLoadHigh', at: 3000 });
    const outcome = h.feed({ signature: 'HighCPU', at: 3700 });
    // The old episode ends; its incident stays open since NodeLoadHigh fires.
    expect(timelineTypes(outcome, 'inc-1')[0]).toBe('alert-ended');
    expect(changeOf(outcome, 'inc-1').incident.status).toBe('open');
    expect(outcome.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(h.openIncidents()).toHaveLength(1);
  });

  // Likewise after the flap window: HighCPU resolved 1801 s ago fires again while NodeLoadHigh (cpu, same
  // host, 60 s earlier) keeps the incident open.
  test('a refire after the flap window still joins the open incident of a related alert on its asset', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'NodeLoadHigh', at: 10 });
    h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    h.feed({ signature: 'NodeLoadHigh', at: 1800 });
    const outcome = h.feed({ signature: 'HighCPU', at: 60 + 1801 });
    expect(outcome.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(h.openIncidents()).toHaveLength(1);
  });
});

// --- Same asset --------------------------------------------------------------------------------------------

describe('related signatures on one asset', () => {
  test('the same category (HighCPU then NodeLoadHigh: both cpu) joins within the burst window', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    const outcome = h.feed({ signature: 'NodeLoadHigh', at: 60, source: 'alertmanager' });
    expect(outcome.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(outcome.decision.reason).toContain('(cpu)');
    expect(h.incident('inc-1').signatures).toEqual(['HighCPU', 'NodeLoadHigh']);
  });

  test('a causal pair (DiskFull then PostgresDown on one host) joins, naming the cause', () => {
    const h = new Harness();
    h.feed({ signature: 'DiskFull', assetRef: 'db-prod-01', at: 0 });
    const outcome = h.feed({ signature: 'PostgresDown', assetRef: 'db-prod-01', at: 30 });
    expect(outcome.decision).toEqual({
      kind: 'join',
      incidentId: 'inc-1',
      reason: 'same asset; database follows from disk (DiskFull 30 s earlier)',
    });
  });

  test('unrelated problems on one host (DiskSpaceLow then SSLCertExpiringSoon) stay apart', () => {
    const h = new Harness();
    h.feed({ signature: 'DiskSpaceLow', at: 0 });
    const outcome = h.feed({ signature: 'SSLCertExpiringSoon', at: 30 });
    expect(outcome.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    expect(h.incident('inc-2').rootCategory).toBe('certificate');
  });

  test('related categories on different assets do not join by the asset rule', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', assetRef: 'web-01', at: 0 });
    expect(h.feed({ signature: 'NodeLoadHigh', assetRef: 'web-02', at: 30 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('rules.sameAsset false: related signatures on one asset stay apart', () => {
    const h = new Harness({ policy: { rules: { sameAsset: false } } });
    h.feed({ signature: 'HighCPU', at: 0 });
    expect(h.feed({ signature: 'NodeLoadHigh', at: 60 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('a policy without the causal pair keeps disk and database apart', () => {
    const h = new Harness({ policy: { relatedCategories: [['cpu', 'service']] } });
    h.feed({ signature: 'DiskFull', assetRef: 'db-prod-01', at: 0 });
    expect(h.feed({ signature: 'PostgresDown', assetRef: 'db-prod-01', at: 30 }).decision).toMatchObject({ kind: 'open' });
  });

  test('a resolved alert of an open incident counts only within the burst window', () => {
    // A long grace period keeps the incident open while its only alert has resolved.
    const within = new Harness({ policy: { graceSeconds: 3600 } });
    within.feed({ signature: 'HighCPU', at: 0 });
    within.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    const joined = within.feed({ signature: 'NodeLoadHigh', at: 60 + 900 });
    expect(joined.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(within.incident('inc-1').resolvesAt).toBeUndefined();

    const beyond = new Harness({ policy: { graceSeconds: 3600 } });
    beyond.feed({ signature: 'HighCPU', at: 0 });
    beyond.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    expect(beyond.feed({ signature: 'NodeLoadHigh', at: 60 + 901 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    expect(beyond.incident('inc-1').resolvesAt).toBe(at(3660));
  });

  test('a related alert after the incident resolved opens a new one', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    h.settle(360);
    expect(h.feed({ signature: 'NodeLoadHigh', at: 400 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('the same condition from three tools under different names and aliases joins one incident', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ signature: 'HighCPU', assetRef: 'web-01', source: 'generic', at: 0 });
    const alertmanager = h.feed({ signature: 'NodeCPUHigh', assetRef: '10.0.3.7:9100', source: 'alertmanager', at: 20 });
    const cloudwatch = h.feed({
      signature: 'acme-web-01-cpu-high',
      assetRef: 'i-0a1b2c3d4e5f60001',
      source: 'cloudwatch',
      labels: { metric: 'CPUUtilization', namespace: 'AWS/EC2' },
      at: 45,
    });
    expect(alertmanager.decision).toEqual({
      kind: 'join',
      incidentId: 'inc-1',
      reason: 'same asset and condition (cpu): generic reported it as HighCPU 20 s earlier',
    });
    expect(cloudwatch.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(cloudwatch.decision.reason).toContain('same asset and condition (cpu)');
    const incident = h.incident('inc-1');
    expect(incident.sources).toEqual(['generic', 'alertmanager', 'cloudwatch']);
    expect(incident.members.map((member) => member.category)).toEqual(['cpu', 'cpu', 'cpu']);
    expect(h.incidents()).toHaveLength(1);
  });

  test('unknown assets are compared by unknownAssetKey', () => {
    expect(unknownAssetKey('web-01.acme.internal:9100')).toBe(unknownAssetKey('WEB-01'));
    const h = new Harness();
    h.feed({ signature: 'NodeCPUHigh', assetRef: 'web-01.acme.internal:9100', assetId: null, source: 'alertmanager', at: 0 });
    const generic = h.feed({ signature: 'HighCPU', assetRef: 'WEB-01', assetId: null, at: 30 });
    expect(generic.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(h.feed({ signature: 'HighCPU', assetRef: 'web-02', assetId: null, at: 40 }).decision).toMatchObject({
      kind: 'open',
      incidentId: 'inc-2',
    });
  });

  test('an unknown asset never joins a known asset of the same name', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', assetRef: 'web-01', assetId: 'web-01', at: 0 });
    // Scopes differ (group: vs ref:), and the same-asset rule compares ids: kept in one state here on purpose.
    const unknown = h.alert({ signature: 'NodeCPUHigh', assetRef: 'web-01', assetId: null, at: 30 });
    const state = h.scopes.get('group:web-01') as ScopeState;
    const outcome = decide(unknown, state, { policy: DEFAULT_POLICY, now: new Date(unknown.receivedAt), newIncidentId: () => 'inc-x' });
    expect(outcome.decision).toMatchObject({ kind: 'open', incidentId: 'inc-x' });
  });
});

// --- Topology ----------------------------------------------------------------------------------------------

describe('topology', () => {
  test('db, app, load balancer and endpoint failing in turn are one incident rooted at the db', () => {
    const h = new Harness({ inventory: stack });
    const db = h.feed({ ...DB_DOWN, at: 0 });
    const app = h.feed({ ...APP1_5XX, at: 40 });
    const lb = h.feed({ ...LB_UNHEALTHY, at: 70 });
    const probe = h.feed({ ...PROBE_FAILED, at: 85 });
    expect(db.decision).toMatchObject({ kind: 'open', incidentId: 'inc-1' });
    expect(app.decision).toEqual({ kind: 'join', incidentId: 'inc-1', reason: 'app-01 depends on db-prod-01, which fired 40 s earlier' });
    expect(lb.decision).toEqual({
      kind: 'join',
      incidentId: 'inc-1',
      reason: 'lb-01 depends on db-prod-01 (through app-01), which fired 70 s earlier',
    });
    expect(probe.decision).toEqual({
      kind: 'join',
      incidentId: 'inc-1',
      reason: 'https://shop.acme.example depends on db-prod-01 (through lb-01), which fired 85 s earlier',
    });
    expect(h.incidents()).toHaveLength(1);
    expect(h.incident('inc-1')).toMatchObject({
      rootAssetId: 'db-prod-01',
      title: 'PostgresDown on db-prod-01',
      alertCount: 4,
      sources: ['generic', 'cloudwatch'],
    });
    // One scope for the whole component.
    expect([...h.scopes.keys()]).toEqual(['group:app-01']);
  });

  test('a late root re-roots the downstream incident (root-changed)', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...APP1_5XX, at: 0 });
    expect(h.incident('inc-1').rootAssetId).toBe('app-01');
    const db = h.feed({ ...DB_DOWN, at: 30 });
    expect(db.decision).toEqual({
      kind: 'join',
      incidentId: 'inc-1',
      reason: 'app-01, which fired 30 s earlier, depends on db-prod-01: db-prod-01 is the root',
    });
    expect(changeOf(db, 'inc-1').timeline).toEqual([
      expect.objectContaining({
        type: 'root-changed',
        at: at(30),
        reason: expect.stringContaining('root moved from app-01 to db-prod-01'),
      }),
    ]);
    expect(h.incident('inc-1')).toMatchObject({
      rootAssetId: 'db-prod-01',
      rootAssetRef: 'db-prod-01',
      rootCategory: 'database',
      title: 'PostgresDown on db-prod-01',
    });
    // Later downstream symptoms join the re-rooted incident.
    expect(h.feed({ ...APP2_5XX, at: 50 }).decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(h.incidents()).toHaveLength(1);
  });

  test('two sibling incidents and then their shared upstream: merged into the oldest', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...APP1_5XX, at: 0 });
    const second = h.feed({ ...APP2_5XX, at: 10 });
    expect(second.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    const db = h.feed({ ...DB_DOWN, at: 30, severity: 'critical' });
    expect(db.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });

    const merged = changeOf(db, 'inc-2');
    expect(merged.mergedInto).toBe('inc-1');
    expect(merged.timeline).toEqual([
      expect.objectContaining({ type: 'incident-merged', incidentId: 'inc-1', reason: expect.stringContaining('merged into inc-1') }),
    ]);
    const survivor = changeOf(db, 'inc-1');
    expect(survivor.timeline.map((entry) => entry.type)).toEqual(['root-changed', 'incident-merged']);
    expect(survivor.timeline[1]).toMatchObject({ incidentId: 'inc-2', reason: expect.stringContaining('absorbed inc-2') });

    expect(h.incidents().map((incident) => incident.id)).toEqual(['inc-1']);
    expect(h.incident('inc-1')).toMatchObject({ rootAssetId: 'db-prod-01', alertCount: 3, severity: 'critical', openedAt: at(0) });
    expect(h.incident('inc-1').members.map((member) => member.assetId)).toEqual(['app-01', 'db-prod-01', 'app-02']);
    // The merged-away fingerprint now joins the survivor.
    expect(h.feed({ ...APP2_5XX, at: 60 }).decision).toMatchObject({ kind: 'join', incidentId: 'inc-1', reason: 'same fingerprint' });
  });

  test('siblings failing without their upstream stay apart', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...APP1_5XX, at: 0 });
    h.feed({ ...APP2_5XX, at: 10 });
    expect(h.openIncidents().map((incident) => incident.rootAssetId)).toEqual(['app-01', 'app-02']);
  });

  test('a downstream alert after the cascade window, the root resolved long ago, opens its own', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...DB_DOWN, at: 0 });
    h.feed({ ...APP2_5XX, at: 20 });
    // The root resolves; the incident stays open because app-02 still fires.
    h.feed({ ...DB_DOWN, at: 60, status: 'resolved' });
    expect(h.incident('inc-1').status).toBe('open');
    const late = h.feed({ ...APP1_5XX, at: 60 + 601 });
    expect(late.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    expect(h.incident('inc-2').rootAssetId).toBe('app-01');
  });

  test('a downstream alert within the cascade window of a resolved root still joins', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...DB_DOWN, at: 0 });
    h.feed({ ...APP2_5XX, at: 20 });
    h.feed({ ...DB_DOWN, at: 60, status: 'resolved' });
    expect(h.feed({ ...APP1_5XX, at: 60 + 500 }).decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
  });

  test('a downstream alert after the root incident resolved opens its own', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...DB_DOWN, at: 0 });
    h.feed({ ...DB_DOWN, at: 60, status: 'resolved' });
    const late = h.feed({ ...APP1_5XX, at: 3000 });
    expect(late.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('a certificate alert downstream never joins a cascade', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...DB_DOWN, at: 0 });
    const cert = h.feed({ signature: 'SSLCertExpiringSoon', assetRef: 'app-01', at: 30 });
    expect(cert.decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    // Nor does an upstream failure take over a certificate incident.
    const h2 = new Harness({ inventory: stack });
    h2.feed({ signature: 'SSLCertExpiringSoon', assetRef: 'lb-01', at: 0 });
    expect(h2.feed({ ...DB_DOWN, at: 30 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    expect(h2.incident('inc-1').rootAssetId).toBe('lb-01');
  });

  test('a downstream alert that is not a symptom (cpu) does not join the cascade', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...DB_DOWN, at: 0 });
    expect(h.feed({ signature: 'HighCPU', assetRef: 'app-01', at: 30 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('a downstream incident that is not a cascade of symptoms is not merged into one', () => {
    const h = new Harness({ inventory: stack });
    h.feed({ ...DB_DOWN, at: 0 });
    // lb-01 is downstream of db; app-01 sits between them. A CPU problem on lb-01 is its own incident.
    h.feed({ signature: 'HighCPU', assetRef: 'lb-01', at: 10 });
    // app-01's 5xx is a symptom of the db (nearest active root that it depends on), not the root of lb-01's CPU.
    expect(h.feed({ ...APP1_5XX, at: 20 }).decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(h.incident('inc-2').rootAssetId).toBe('lb-01');
  });

  test('rules.topology false: a db failure and an app 5xx stay apart', () => {
    const h = new Harness({ inventory: stack, policy: { rules: { topology: false } } });
    h.feed({ ...DB_DOWN, at: 0 });
    expect(h.feed({ ...APP1_5XX, at: 40 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    h.feed({ ...APP2_5XX, at: 50 });
    // No re-rooting either.
    const h2 = new Harness({ inventory: stack, policy: { rules: { topology: false } } });
    h2.feed({ ...APP1_5XX, at: 0 });
    expect(h2.feed({ ...DB_DOWN, at: 30 }).decision).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });

  test('without an inventory, no topology rule applies', () => {
    const h = new Harness();
    h.feed({ ...DB_DOWN, assetId: 'db-prod-01', at: 0 });
    expect(h.feed({ ...APP1_5XX, assetId: 'app-01', at: 40 }).decision).toMatchObject({ kind: 'open' });
  });

  test('the scope of an alert is its component, or its unknown asset key', () => {
    const topology = new Topology(stack);
    expect(scopeOf({ assetId: 'shop-endpoint', assetRef: 'x', dedupKey: 'k' }, topology)).toBe('group:app-01');
    expect(scopeOf({ assetId: 'web-01', assetRef: 'x', dedupKey: 'k' }, topology)).toBe('group:web-01');
    expect(scopeOf({ assetId: 'web-01', assetRef: 'x', dedupKey: 'k' })).toBe('group:web-01');
    expect(scopeOf({ assetId: null, assetRef: 'Web-09.acme.internal:9100', dedupKey: 'k' }, topology)).toBe('ref:web-09');
    // An alert that names no host is a scope of its own fingerprint, whatever the tool named instead.
    expect(scopeOf({ assetId: null, assetRef: 'unknown', dedupKey: 'am|Watchdog', hostless: true }, topology)).toBe(
      `alert:${fingerprintOf('am|Watchdog')}`,
    );
    expect(scopeOf({ assetId: null, assetRef: 'unknown', dedupKey: 'am|Other', hostless: true })).not.toBe(
      scopeOf({ assetId: null, assetRef: 'unknown', dedupKey: 'am|Watchdog', hostless: true }),
    );
  });
});

// --- Event time --------------------------------------------------------------------------------------------

describe('event time', () => {
  test('is the payload time, clamped to receivedAt - maxLateness and receivedAt + 5 min', () => {
    const received = at(10_000);
    const cases: Array<[string, string]> = [
      [at(9_990), at(9_990)],
      [at(10_000 - 900), at(10_000 - 900)],
      [at(10_000 - 7200), at(10_000 - 900)],
      [at(10_000 + 300), at(10_000 + 300)],
      [at(10_000 + 3600), at(10_000 + 300)],
    ];
    for (const [occurredAt, expected] of cases) {
      expect(new Date(eventTimeOf({ occurredAt, receivedAt: received }, DEFAULT_POLICY)).toISOString()).toBe(expected);
    }
    const strict = mergePolicy(DEFAULT_POLICY, { maxLatenessSeconds: 60 });
    expect(eventTimeOf({ occurredAt: at(0), receivedAt: received }, strict)).toBe(T0 + (10_000 - 60) * 1000);
  });

  test('decide uses the clamped event time', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 10_000 - 7200, receivedAt: 10_000 });
    expect(h.incident('inc-1').openedAt).toBe(at(10_000 - 900));
    const future = new Harness();
    future.feed({ signature: 'HighCPU', at: 10_000 + 3600, receivedAt: 10_000 });
    expect(future.incident('inc-1').openedAt).toBe(at(10_000 + 300));
  });

  test('an alert delayed in the queue joins by its event time', () => {
    // HighCPU at 0, then NodeLoadHigh that happened at 60 but was received 10 minutes later.
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    const late = h.feed({ signature: 'NodeLoadHigh', at: 60, receivedAt: 660 });
    expect(late.decision).toMatchObject({ kind: 'join', incidentId: 'inc-1' });
    expect(late.decision.reason).toContain('60 s earlier');
  });

  // A stale firing notification (event time before the resolution already recorded, delivered after it)
  // belongs to the ended episode: it must not cancel the pending resolution.
  test('a firing older than the recorded resolution does not cancel the resolution', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    // A firing notification of t=30 delivered at t=90, after the resolution of t=60.
    h.feed({ signature: 'HighCPU', at: 30, receivedAt: 90 });
    h.settle(360);
    expect(h.incident('inc-1').status).toBe('resolved');
  });

  // A stale resolution (event time 60, delivered at 130) of an alert that fired again at 100 must not
  // resolve the current episode.
  test('a resolution older than the latest firing does not resolve the alert', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 100 });
    h.feed({ signature: 'HighCPU', at: 60, status: 'resolved', receivedAt: 130 });
    h.settle(1000);
    expect(h.incident('inc-1').status).toBe('open');
    expect(h.incident('inc-1').members[0]?.state).toBe('firing');
  });

  // A resolution processed before its own firing (out-of-order delivery, event times 0 then 10) is kept
  // for the lateness bound; the late firing then resolves at once instead of staying open for ever.
  test('a resolution delivered before its firing still ends the incident', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 10, status: 'resolved', receivedAt: 20 });
    h.feed({ signature: 'HighCPU', at: 0, receivedAt: 25 });
    h.settle(25 + 3600);
    expect(h.openIncidents()).toEqual([]);
  });
});

// --- State bounds and versions -----------------------------------------------------------------------------

describe('scope state', () => {
  test('next.version is the previous version + 1, for decide and settle alike', () => {
    const h = new Harness();
    expect(h.feed({ signature: 'HighCPU', at: 0 }).next.version).toBe(1);
    expect(h.feed({ signature: 'HighCPU', at: 10 }).next.version).toBe(2);
    expect(h.feed({ signature: 'Nothing', at: 10, status: 'resolved' }).next.version).toBe(3);
    const state: ScopeState = { version: 41, incidents: [] };
    const alert = h.alert({ signature: 'HighCPU', at: 20 });
    expect(decide(alert, state, { policy: DEFAULT_POLICY, now: new Date(at(20)), newIncidentId: () => 'x' }).next.version).toBe(42);
    expect(settle(state, new Date(at(20)), DEFAULT_POLICY).next.version).toBe(42);
  });

  test('decide does not change the state it is given', () => {
    const h = new Harness();
    h.feed({ signature: 'HighCPU', at: 0 });
    const before = h.scopes.get('group:web-01') as ScopeState;
    const snapshot = structuredClone(before);
    h.feed({ signature: 'HighCPU', at: 60, status: 'resolved' });
    h.feed({ signature: 'NodeLoadHigh', at: 70 });
    h.settle(1000);
    expect(before).toEqual(snapshot);
  });

  test('resolved incidents past every window are dropped from next', () => {
    // Windows: flap 1800 s is the longest.
    const h = new Harness({ policy: { graceSeconds: 0 } });
    h.feed({ signature: 'HighCPU', at: 0 });
    h.feed({ signature: 'HighCPU', at: 10, status: 'resolved' });
    h.feed({ signature: 'SSLCertExpiringSoon', at: 20 });
    h.settle(10 + 1800);
    expect(h.incidents().map((incident) => incident.id)).toEqual(['inc-1', 'inc-2']);
    h.settle(10 + 1801);
    // The open incident stays however old it is.
    expect(h.incidents().map((incident) => incident.id)).toEqual(['inc-2']);
    h.settle(100_000);
    expect(h.incidents().map((incident) => incident.id)).toEqual(['inc-2']);
  });

  test('state never holds more than 200 incidents; the oldest resolved ones go first', () => {
    const h = new Harness({ policy: { graceSeconds: 0 } });
    // 10 incidents that resolve at once (signatures of category "other" never join each other).
    for (let i = 0; i < 10; i++) {
      h.feed({ signature: `Check${i}`, at: i * 2 });
      h.feed({ signature: `Check${i}`, at: i * 2 + 1, status: 'resolved' });
    }
    // 195 open ones.
    for (let i = 0; i < 195; i++) h.feed({ signature: `Synthetic${i}`, at: 100 + i });
    const incidents = h.incidents();
    expect(incidents).toHaveLength(200);
    expect(incidents.filter((incident) => incident.status === 'open')).toHaveLength(195);
    const resolved = incidents.filter((incident) => incident.status === 'resolved').map((incident) => incident.id);
    // inc-1..inc-10 resolved in order; the five oldest are gone.
    expect(resolved).toEqual(['inc-6', 'inc-7', 'inc-8', 'inc-9', 'inc-10']);

    for (let i = 195; i < 260; i++) h.feed({ signature: `Synthetic${i}`, at: 100 + i });
    expect(h.incidents().length).toBeLessThanOrEqual(200);
    expect(h.incidents()).toHaveLength(200);
    // The newest incident is always kept.
    expect(h.incidents().some((incident) => incident.signatures.includes('Synthetic259'))).toBe(true);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0 s'],
    [40_000, '40 s'],
    [89_000, '89 s'],
    [90_000, '2 min'],
    [30 * 60_000, '30 min'],
    [119 * 60_000, '119 min'],
    [120 * 60_000, '2 h'],
    [125 * 60_000, '2 h 5 min'],
    [-40_000, '40 s'],
  ])('%p ms is %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
