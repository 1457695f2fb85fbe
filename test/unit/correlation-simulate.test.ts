// The policy simulator replays alerts through the pure engine in memory and counts the incidents.
import type { CanonicalAlert, Severity } from '../../lib/domain/alert';
import { assetSchema, Inventory } from '../../lib/domain/asset';
import { DEFAULT_POLICY, mergePolicy, type CorrelationPolicyInput } from '../../lib/domain/correlation/policy';
import { simulateCorrelation, SimulationStoppedError } from '../../lib/correlation/simulate';

const TENANT = 'acme';
const T0 = Date.parse('2025-03-01T10:00:00.000Z');

const inventory = new Inventory(
  [
    { id: 'db-prod-01', name: 'db-prod-01', type: 'database' },
    { id: 'app-prod-01', name: 'app-prod-01', type: 'server', dependsOn: ['db-prod-01'] },
    { id: 'app-prod-02', name: 'app-prod-02', type: 'server', dependsOn: ['db-prod-01'] },
    { id: 'lb-prod-01', name: 'lb-prod-01', type: 'load_balancer', dependsOn: ['app-prod-01', 'app-prod-02'] },
    { id: 'win-file-01', name: 'win-file-01', type: 'server' },
  ].map((asset) => assetSchema.parse(asset)),
);

let counter = 0;

/** An alert received `seconds` after T0 (its event time the same unless given). */
function alert(
  seconds: number,
  assetId: string | null,
  signature: string,
  extra: { status?: 'firing' | 'resolved'; severity?: Severity; source?: string; occurredOffset?: number; tenantId?: string } = {},
): CanonicalAlert {
  counter++;
  const receivedAt = new Date(T0 + seconds * 1000).toISOString();
  return {
    id: `alert-${String(counter).padStart(6, '0')}`,
    tenantId: extra.tenantId ?? TENANT,
    source: extra.source ?? 'alertmanager',
    status: extra.status ?? 'firing',
    severity: extra.severity ?? 'high',
    assetRef: assetId ?? 'unknown-host-9',
    assetId,
    signature,
    message: '',
    labels: {},
    dedupKey: `${assetId ?? 'unknown-host-9'}|${signature}`,
    occurredAt: new Date(T0 + (seconds + (extra.occurredOffset ?? 0)) * 1000).toISOString(),
    receivedAt,
    deliveryId: `delivery-${counter}`,
  };
}

const policy = (change: CorrelationPolicyInput = {}) => mergePolicy(DEFAULT_POLICY, change);
const simulate = (alerts: CanonicalAlert[], change: CorrelationPolicyInput = {}) =>
  simulateCorrelation(alerts, inventory, policy(change), TENANT);

describe('simulateCorrelation', () => {
  test('no alerts: no incidents and no noise reduction', () => {
    expect(simulate([])).toEqual(
      expect.objectContaining({ alerts: 0, incidents: 0, noiseReduction: 0, opened: 0, merged: 0, unmatchedResolutions: 0, openAtEnd: 0 }),
    );
  });

  describe('a burst of related alerts on one host', () => {
    // A full disk stops the database and the service on it; each check repeats a few times.
    const burst = () => [
      alert(0, 'db-prod-01', 'DiskFull'),
      alert(30, 'db-prod-01', 'PostgresDown'),
      alert(60, 'db-prod-01', 'DiskFull'),
      alert(90, 'db-prod-01', 'HTTP 5xx errors'),
      alert(120, 'db-prod-01', 'PostgresDown'),
      alert(150, 'db-prod-01', 'HTTP 5xx errors'),
    ];

    test('is one incident under the defaults', () => {
      const result = simulate(burst());
      expect(result).toEqual(expect.objectContaining({ alerts: 6, incidents: 1, opened: 1, merged: 0, openAtEnd: 1 }));
      expect(result.noiseReduction).toBeCloseTo(1 - 1 / 6, 4);
    });

    test('is one incident per signature when the same-asset rule is off', () => {
      const result = simulate(burst(), { rules: { sameAsset: false } });
      expect(result).toEqual(expect.objectContaining({ alerts: 6, incidents: 3, opened: 3 }));
      expect(result.noiseReduction).toBeCloseTo(0.5, 4);
    });

    test('splits when the burst window is shorter than the gap to a problem that already resolved', () => {
      // The disk recovered at 5 s (the incident waits out its grace period); the service errors start at 200 s.
      const spread = [
        alert(0, 'db-prod-01', 'DiskFull'),
        alert(5, 'db-prod-01', 'DiskFull', { status: 'resolved' }),
        alert(200, 'db-prod-01', 'HTTP 5xx errors'),
      ];
      expect(simulate(spread).incidents).toBe(1);
      expect(simulate(spread, { burstWindowSeconds: 60 }).incidents).toBe(2);
    });

    test('an unrelated problem on the same host stays apart', () => {
      const result = simulate([...burst(), alert(45, 'db-prod-01', 'TLS certificate expiring')]);
      expect(result.incidents).toBe(2);
    });
  });

  describe('a cascade down the dependency graph', () => {
    // The database fails, then the apps depending on it, then the load balancer in front of them.
    const cascade = () => [
      alert(0, 'db-prod-01', 'PostgresDown'),
      alert(40, 'app-prod-01', 'HTTP 5xx errors'),
      alert(45, 'app-prod-02', 'HTTP 5xx errors'),
      alert(70, 'lb-prod-01', 'Unhealthy targets'),
    ];

    test('joins into the root incident with topology on', () => {
      expect(simulate(cascade())).toEqual(expect.objectContaining({ alerts: 4, incidents: 1, noiseReduction: 0.75 }));
    });

    test('is one incident per asset with topology off', () => {
      expect(simulate(cascade(), { rules: { topology: false } })).toEqual(expect.objectContaining({ incidents: 4, noiseReduction: 0 }));
    });

    test('splits when the root recovered longer ago than the cascade window', () => {
      // The database recovered at 10 s (its incident waits out the grace period); the app errors start at 120 s.
      const late = [
        alert(0, 'db-prod-01', 'PostgresDown'),
        alert(10, 'db-prod-01', 'PostgresDown', { status: 'resolved' }),
        alert(120, 'app-prod-01', 'HTTP 5xx errors'),
      ];
      expect(simulate(late).incidents).toBe(1);
      expect(simulate(late, { cascadeWindowSeconds: 60 }).incidents).toBe(2);
    });

    test('symptoms seen before their root are merged once the root fires; merged-away incidents are not counted', () => {
      const symptomsFirst = [
        alert(0, 'app-prod-01', 'HTTP 5xx errors'),
        alert(5, 'app-prod-02', 'HTTP 5xx errors'),
        alert(20, 'db-prod-01', 'PostgresDown'),
      ];
      const result = simulate(symptomsFirst);
      expect(result).toEqual(expect.objectContaining({ alerts: 3, opened: 2, merged: 1, incidents: 1 }));
      expect(simulate(symptomsFirst, { rules: { topology: false } })).toEqual(
        expect.objectContaining({ opened: 3, merged: 0, incidents: 3 }),
      );
    });
  });

  describe('episodes', () => {
    // Fires, resolves, the incident resolves after the 5-minute grace period, fires again 10 min later.
    const flapping = () => [
      alert(0, 'win-file-01', 'ServiceDown'),
      alert(60, 'win-file-01', 'ServiceDown', { status: 'resolved' }),
      alert(60 + 15 * 60, 'win-file-01', 'ServiceDown'),
    ];

    test('a recurrence within the flap window reopens the incident', () => {
      expect(simulate(flapping())).toEqual(expect.objectContaining({ alerts: 3, incidents: 1, reopened: 1 }));
    });

    test('without reopenOnFlap, or with a shorter flap window, it is a new incident', () => {
      expect(simulate(flapping(), { rules: { reopenOnFlap: false } })).toEqual(expect.objectContaining({ incidents: 2, reopened: 0 }));
      expect(simulate(flapping(), { flapWindowSeconds: 5 * 60 })).toEqual(expect.objectContaining({ incidents: 2, reopened: 0 }));
    });

    test('the final settle resolves incidents whose alerts all resolved', () => {
      const resolved = [alert(0, 'win-file-01', 'ServiceDown'), alert(60, 'win-file-01', 'ServiceDown', { status: 'resolved' })];
      expect(simulate(resolved)).toEqual(expect.objectContaining({ incidents: 1, openAtEnd: 0 }));
      expect(simulate(resolved.slice(0, 1))).toEqual(expect.objectContaining({ incidents: 1, openAtEnd: 1 }));
    });

    test('a resolution whose alert fired before the period counts as an alert but joins no incident', () => {
      const result = simulate([alert(0, 'win-file-01', 'ServiceDown', { status: 'resolved' })]);
      expect(result).toEqual(expect.objectContaining({ alerts: 1, incidents: 0, unmatchedResolutions: 1, noiseReduction: 1 }));
    });
  });

  test('replays in order of receipt, whatever the order given', () => {
    const alerts = [
      alert(0, 'app-prod-01', 'HTTP 5xx errors'),
      alert(5, 'app-prod-02', 'HTTP 5xx errors'),
      alert(20, 'db-prod-01', 'PostgresDown'),
      alert(25, null, 'CPU high'),
      alert(60, 'win-file-01', 'DiskFull'),
    ];
    const forward = simulate(alerts);
    expect(simulate([...alerts].reverse())).toEqual(forward);
    expect(forward.incidents).toBe(3);
  });

  test('alerts on hosts the inventory does not know are correlated by their name', () => {
    const alerts = [
      alert(0, null, 'CPU high'),
      { ...alert(10, null, 'HTTP timeouts'), assetRef: 'UNKNOWN-HOST-9.example.com:9100' },
      { ...alert(20, null, 'CPU high'), assetRef: 'other-host' },
    ];
    expect(simulate(alerts).incidents).toBe(2);
  });

  test('does not read or change the alerts it is given', () => {
    const alerts = [alert(10, 'db-prod-01', 'PostgresDown'), alert(0, 'db-prod-01', 'DiskFull')];
    const copy = structuredClone(alerts);
    simulate(alerts);
    expect(alerts).toEqual(copy);
  });

  test('refuses alerts of another tenant', () => {
    expect(() => simulate([alert(0, 'db-prod-01', 'PostgresDown', { tenantId: 'globex' })])).toThrow(/another tenant/);
  });

  test('stops when the caller says so (a time budget), checking every 256 alerts', () => {
    const alerts = Array.from({ length: 1000 }, (_, index) => alert(index, 'win-file-01', 'ServiceDown'));
    let asked = 0;
    const stopAtThirdCheck = () => ++asked === 3;
    expect(() => simulateCorrelation(alerts, inventory, DEFAULT_POLICY, TENANT, { shouldStop: stopAtThirdCheck })).toThrow(
      SimulationStoppedError,
    );
    expect(asked).toBe(3);
    expect(simulateCorrelation(alerts, inventory, DEFAULT_POLICY, TENANT, { shouldStop: () => false }).incidents).toBe(1);
  });

  test('replays 50,000 alerts in a few seconds', () => {
    const hosts = inventory.assets.map((asset) => asset.id);
    const signatures = ['DiskFull', 'PostgresDown', 'HTTP 5xx errors', 'CPU high', 'MemoryPressure', 'TLS certificate expiring'];
    const alerts: CanonicalAlert[] = [];
    for (let index = 0; index < 50_000; index++) {
      const host = hosts[index % hosts.length] as string;
      const signature = signatures[(index * 7) % signatures.length] as string;
      alerts.push(alert(index * 2, host, signature, { status: index % 5 === 4 ? 'resolved' : 'firing' }));
    }
    const started = performance.now();
    const result = simulate(alerts);
    expect(result.alerts).toBe(50_000);
    expect(result.incidents).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
