// The correlation engine is a pure function: (alert, scope state, policy, id factory) -> decision + next state.
import type { CanonicalAlert } from '../../lib/domain/alert';
import { DEFAULT_POLICY, EMPTY_SCOPE, decide, scopeOf, type CorrelationPolicy, type ScopeState } from '../../lib/correlation/engine';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');

/** ISO time `seconds` after T0. */
function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

let alertSeq = 0;
function alert(overrides: Partial<CanonicalAlert> = {}): CanonicalAlert {
  alertSeq += 1;
  const signature = overrides.signature ?? 'HighCPU';
  const source = overrides.source ?? 'zabbix';
  const assetRef = overrides.assetRef ?? 'web-01';
  return {
    id: `alert-${alertSeq}`,
    tenantId: 'acme',
    assetId: 'asset-web-01',
    receivedAt: overrides.occurredAt ?? at(0),
    deliveryId: `delivery-${alertSeq}`,
    source,
    status: 'firing',
    severity: 'medium',
    assetRef,
    signature,
    message: `${signature} on ${assetRef}`,
    labels: {},
    dedupKey: `${source}|${assetRef}|${signature}`.toLowerCase(),
    occurredAt: at(0),
    ...overrides,
  };
}

/** A deterministic incident id factory: inc-1, inc-2, ... */
function ids(): () => string {
  let n = 0;
  return () => `inc-${++n}`;
}

/** Feeds alerts one after another through the engine, as the handler would. */
function run(alerts: CanonicalAlert[], policy: CorrelationPolicy = DEFAULT_POLICY, start: ScopeState = EMPTY_SCOPE) {
  const newId = ids();
  let state = start;
  const decisions = alerts.map((a) => {
    const result = decide(a, state, policy, newId);
    state = result.next;
    return result.decision;
  });
  return { decisions, state };
}

describe('decide: opening an incident', () => {
  test('the first alert of a scope opens an incident with the reason "no open incident matches"', () => {
    const { decision } = decide(alert(), EMPTY_SCOPE, DEFAULT_POLICY, () => 'inc-new');
    expect(decision).toEqual({ kind: 'open', incidentId: 'inc-new', reason: 'no open incident matches' });
  });

  test('the new state increments the version and holds one open incident summarising the alert', () => {
    const first = alert({
      signature: 'DiskFull',
      assetRef: 'db-prod-01',
      assetId: 'asset-db',
      severity: 'high',
      source: 'prometheus',
      dedupKey: 'fp-1',
      occurredAt: at(30),
    });
    const { next } = decide(first, { version: 7, incidents: [] }, DEFAULT_POLICY, () => 'inc-42');

    expect(next.version).toBe(8);
    expect(next.incidents).toHaveLength(1);
    expect(next.incidents[0]).toEqual({
      id: 'inc-42',
      status: 'open',
      title: 'DiskFull on db-prod-01',
      assetId: 'asset-db',
      assetRef: 'db-prod-01',
      severity: 'high',
      openedAt: at(30),
      lastEventAt: at(30),
      alertCount: 1,
      signatures: ['DiskFull'],
      sources: ['prometheus'],
      firingKeys: ['fp-1'],
    });
  });

  test('the input state is not mutated', () => {
    const state: ScopeState = { version: 0, incidents: [] };
    decide(alert(), state, DEFAULT_POLICY, () => 'inc-1');
    expect(state).toEqual({ version: 0, incidents: [] });
  });
});

describe('decide: joining an open incident', () => {
  test('an alert with the dedup key of a firing alert joins its incident as "same fingerprint"', () => {
    const { decisions, state } = run([alert({ dedupKey: 'fp-1' }), alert({ dedupKey: 'fp-1', occurredAt: at(60) })]);

    expect(decisions[1]).toEqual({ kind: 'join', incidentId: 'inc-1', reason: 'same fingerprint' });
    expect(state.incidents).toHaveLength(1);
    expect(state.incidents[0]?.firingKeys).toEqual(['fp-1']);
  });

  test('same dedup key joins even long after the burst window (the alert is still firing)', () => {
    const { decisions } = run([
      alert({ dedupKey: 'fp-1' }),
      alert({ dedupKey: 'fp-1', occurredAt: at(DEFAULT_POLICY.burstWindowSeconds * 10) }),
    ]);
    expect(decisions[1]).toMatchObject({ kind: 'join', incidentId: 'inc-1', reason: 'same fingerprint' });
  });

  test('a different alert with the same signature joins within the burst window, naming the window in minutes', () => {
    const { decisions, state } = run([
      alert({ dedupKey: 'fp-1', signature: 'HighCPU' }),
      alert({ dedupKey: 'fp-2', signature: 'HighCPU', occurredAt: at(DEFAULT_POLICY.burstWindowSeconds) }),
    ]);

    expect(decisions[1]).toEqual({ kind: 'join', incidentId: 'inc-1', reason: 'same asset and signature within 15 min' });
    expect(state.incidents).toHaveLength(1);
    expect(state.incidents[0]?.firingKeys).toEqual(['fp-1', 'fp-2']);
  });

  test('the burst window is measured from the incident’s last event, so a steady trickle keeps joining', () => {
    const policy: CorrelationPolicy = { burstWindowSeconds: 60, retainResolvedSeconds: 3600 };
    const { decisions } = run(
      [
        alert({ dedupKey: 'fp-1', occurredAt: at(0) }),
        alert({ dedupKey: 'fp-2', occurredAt: at(50) }),
        alert({ dedupKey: 'fp-3', occurredAt: at(100) }),
      ],
      policy,
    );
    expect(decisions.map((d) => d.kind)).toEqual(['open', 'join', 'join']);
    expect(decisions[2]).toMatchObject({ incidentId: 'inc-1', reason: 'same asset and signature within 1 min' });
  });

  test('the same signature after the burst window opens a new incident', () => {
    const { decisions, state } = run([
      alert({ dedupKey: 'fp-1', signature: 'HighCPU' }),
      alert({ dedupKey: 'fp-2', signature: 'HighCPU', occurredAt: at(DEFAULT_POLICY.burstWindowSeconds + 1) }),
    ]);

    expect(decisions[1]).toEqual({ kind: 'open', incidentId: 'inc-2', reason: 'no open incident matches' });
    expect(state.incidents.map((i) => i.id)).toEqual(['inc-1', 'inc-2']);
    expect(state.incidents.every((i) => i.status === 'open')).toBe(true);
  });

  test('a different signature on the same asset opens a new incident while the first is still open', () => {
    const { decisions, state } = run([
      alert({ dedupKey: 'fp-cpu', signature: 'HighCPU' }),
      alert({ dedupKey: 'fp-disk', signature: 'DiskFull', occurredAt: at(5) }),
    ]);

    expect(decisions[1]).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
    expect(state.incidents).toHaveLength(2);
    expect(state.incidents.find((i) => i.id === 'inc-1')?.signatures).toEqual(['HighCPU']);
    expect(state.incidents.find((i) => i.id === 'inc-2')?.signatures).toEqual(['DiskFull']);
  });

  test('the incident severity escalates to the worst alert and never drops back', () => {
    const { state } = run([
      alert({ dedupKey: 'fp-1', severity: 'low' }),
      alert({ dedupKey: 'fp-2', severity: 'critical', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-3', severity: 'info', occurredAt: at(20) }),
    ]);
    expect(state.incidents).toHaveLength(1);
    expect(state.incidents[0]?.severity).toBe('critical');
  });

  test('sources accumulate without duplicates', () => {
    const { state } = run([
      alert({ dedupKey: 'fp-1', source: 'zabbix' }),
      alert({ dedupKey: 'fp-2', source: 'prometheus', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-3', source: 'zabbix', occurredAt: at(20) }),
    ]);
    expect(state.incidents[0]?.sources).toEqual(['zabbix', 'prometheus']);
  });

  test('alertCount counts every alert that joined, repeats of one fingerprint included', () => {
    const { state } = run([
      alert({ dedupKey: 'fp-1' }),
      alert({ dedupKey: 'fp-1', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-2', occurredAt: at(20) }),
    ]);
    expect(state.incidents[0]?.alertCount).toBe(3);
  });

  test('lastEventAt moves forward with a newer alert but not back with an out-of-order older one', () => {
    const { state } = run([
      alert({ dedupKey: 'fp-1', occurredAt: at(100) }),
      alert({ dedupKey: 'fp-1', occurredAt: at(200) }),
      alert({ dedupKey: 'fp-1', occurredAt: at(150) }),
    ]);
    expect(state.incidents[0]?.lastEventAt).toBe(at(200));
    expect(state.incidents[0]?.openedAt).toBe(at(100));
  });

  test('every decision bumps the state version by one', () => {
    const newId = ids();
    const first = decide(alert({ dedupKey: 'fp-1' }), EMPTY_SCOPE, DEFAULT_POLICY, newId);
    const second = decide(alert({ dedupKey: 'fp-1', occurredAt: at(1) }), first.next, DEFAULT_POLICY, newId);
    expect([first.next.version, second.next.version]).toEqual([EMPTY_SCOPE.version + 1, EMPTY_SCOPE.version + 2]);
  });
});

describe('decide: resolutions', () => {
  test('a resolved alert removes its key but keeps the incident open while another alert is firing', () => {
    const { decisions, state } = run([
      alert({ dedupKey: 'fp-1' }),
      alert({ dedupKey: 'fp-2', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-1', status: 'resolved', occurredAt: at(20) }),
    ]);

    expect(decisions[2]).toEqual({
      kind: 'resolve-alert',
      incidentId: 'inc-1',
      reason: 'alert resolved; others still firing',
      resolvesIncident: false,
    });
    expect(state.incidents[0]).toMatchObject({ status: 'open', firingKeys: ['fp-2'] });
    expect(state.incidents[0]?.resolvedAt).toBeUndefined();
  });

  test('the incident resolves when its last firing key resolves', () => {
    const { decisions, state } = run([
      alert({ dedupKey: 'fp-1' }),
      alert({ dedupKey: 'fp-2', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-1', status: 'resolved', occurredAt: at(20) }),
      alert({ dedupKey: 'fp-2', status: 'resolved', occurredAt: at(30) }),
    ]);

    expect(decisions[3]).toEqual({
      kind: 'resolve-alert',
      incidentId: 'inc-1',
      reason: 'its last firing alert resolved',
      resolvesIncident: true,
    });
    expect(state.incidents[0]).toMatchObject({ status: 'resolved', resolvedAt: at(30), firingKeys: [], alertCount: 4 });
  });

  test('a resolution with no matching open incident is unmatched and returns the very same state', () => {
    const { state: before } = run([alert({ dedupKey: 'fp-1' })]);
    const { decision, next } = decide(
      alert({ dedupKey: 'fp-other', status: 'resolved', occurredAt: at(5) }),
      before,
      DEFAULT_POLICY,
      () => {
        throw new Error('must not open an incident');
      },
    );

    expect(decision).toEqual({ kind: 'unmatched-resolution', reason: 'no open incident has this alert firing' });
    expect(next).toBe(before);
    expect(next.version).toBe(1);
  });

  test('a second resolution of an already resolved incident is unmatched', () => {
    const { decisions } = run([
      alert({ dedupKey: 'fp-1' }),
      alert({ dedupKey: 'fp-1', status: 'resolved', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-1', status: 'resolved', occurredAt: at(20) }),
    ]);
    expect(decisions.map((d) => d.kind)).toEqual(['open', 'resolve-alert', 'unmatched-resolution']);
  });

  test('the same alert firing again after its incident resolved opens a new incident', () => {
    const { decisions } = run([
      alert({ dedupKey: 'fp-1' }),
      alert({ dedupKey: 'fp-1', status: 'resolved', occurredAt: at(10) }),
      alert({ dedupKey: 'fp-1', occurredAt: at(20) }),
    ]);
    expect(decisions[2]).toMatchObject({ kind: 'open', incidentId: 'inc-2' });
  });
});

describe('decide: pruning resolved incidents', () => {
  const policy: CorrelationPolicy = { burstWindowSeconds: 60, retainResolvedSeconds: 3600 };

  function resolvedThenLater(seconds: number) {
    return run(
      [
        alert({ dedupKey: 'fp-1', signature: 'HighCPU' }),
        alert({ dedupKey: 'fp-1', signature: 'HighCPU', status: 'resolved', occurredAt: at(100) }),
        alert({ dedupKey: 'fp-2', signature: 'DiskFull', occurredAt: at(100 + seconds) }),
      ],
      policy,
    );
  }

  test('a resolved incident is kept within retainResolvedSeconds', () => {
    const { state } = resolvedThenLater(policy.retainResolvedSeconds);
    expect(state.incidents.map((i) => [i.id, i.status])).toEqual([
      ['inc-1', 'resolved'],
      ['inc-2', 'open'],
    ]);
  });

  test('a resolved incident is forgotten once retainResolvedSeconds have passed since it resolved', () => {
    const { state } = resolvedThenLater(policy.retainResolvedSeconds + 1);
    expect(state.incidents.map((i) => i.id)).toEqual(['inc-2']);
  });

  test('open incidents are never pruned, however old', () => {
    const { state } = run(
      [alert({ dedupKey: 'fp-1', signature: 'HighCPU' }), alert({ dedupKey: 'fp-2', signature: 'DiskFull', occurredAt: at(10 * 3600) })],
      policy,
    );
    expect(state.incidents.map((i) => i.id)).toEqual(['inc-1', 'inc-2']);
  });
});

describe('DEFAULT_POLICY', () => {
  test('joins a same-signature alert 14 minutes later but not 16 minutes later', () => {
    const joined = run([alert({ dedupKey: 'fp-1' }), alert({ dedupKey: 'fp-2', occurredAt: at(14 * 60) })]);
    const apart = run([alert({ dedupKey: 'fp-1' }), alert({ dedupKey: 'fp-2', occurredAt: at(16 * 60) })]);
    expect(joined.decisions[1]?.kind).toBe('join');
    expect(apart.decisions[1]?.kind).toBe('open');
  });

  test('keeps a resolved incident for 23 hours and forgets it after 25 hours', () => {
    const later = (hours: number) =>
      run([
        alert({ dedupKey: 'fp-1', signature: 'HighCPU' }),
        alert({ dedupKey: 'fp-1', signature: 'HighCPU', status: 'resolved', occurredAt: at(0) }),
        alert({ dedupKey: 'fp-2', signature: 'DiskFull', occurredAt: at(hours * 3600) }),
      ]).state.incidents.map((i) => i.id);
    expect(later(23)).toEqual(['inc-1', 'inc-2']);
    expect(later(25)).toEqual(['inc-2']);
  });
});

describe('scopeOf', () => {
  test('uses the asset id when the alert resolved to an asset', () => {
    expect(scopeOf({ assetId: 'asset-db', assetRef: 'DB-PROD-01' })).toBe('asset:asset-db');
  });

  test('falls back to the trimmed, lower-cased asset reference when the asset is unknown', () => {
    expect(scopeOf({ assetId: null, assetRef: '  DB-Prod-01.Acme.Internal ' })).toBe('ref:db-prod-01.acme.internal');
  });

  test('two spellings of one unknown host share a scope', () => {
    expect(scopeOf({ assetId: null, assetRef: 'Web-01' })).toBe(scopeOf({ assetId: null, assetRef: 'web-01' }));
  });
});
