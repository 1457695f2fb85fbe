import { ulid } from 'ulid';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { correlateAlert, correlateAlerts, type CorrelateDeps } from '../../lib/correlation/correlate';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import { Inventory } from '../../lib/domain/asset';
import { getAlert, storeAlerts } from '../../lib/store/alerts';
import { getIncidentDetail, listIncidents } from '../../lib/store/incidents';
import type { TableRef } from '../../lib/store/table-ref';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

let table: TableRef;
/** db-prod-01 <- app-01, app-02: one dependency component (one correlation scope). */
const inventory = new Inventory([
  { id: 'db-prod-01', name: 'db-prod-01', type: 'database', aliases: [], dependsOn: [], critical: true, tags: {} },
  { id: 'app-01', name: 'app-01', type: 'server', aliases: [], dependsOn: ['db-prod-01'], critical: false, tags: {} },
  { id: 'app-02', name: 'app-02', type: 'server', aliases: [], dependsOn: ['db-prod-01'], critical: false, tags: {} },
]);
const deps = (): CorrelateDeps => ({
  table,
  now: () => new Date(),
  inventory: { get: async () => inventory },
  policies: { get: async () => DEFAULT_POLICY },
});

beforeAll(async () => {
  table = await createTestTable('corr');
});

async function storedAlerts(
  tenantId: string,
  count: number,
  overrides: (index: number) => Partial<CanonicalAlert>,
): Promise<CanonicalAlert[]> {
  const now = new Date('2026-11-24T10:00:00Z');
  const alerts = Array.from({ length: count }, (_, index) => ({
    id: ulid(),
    tenantId,
    source: 'test',
    status: 'firing' as const,
    severity: 'high' as const,
    assetRef: 'db-prod-01',
    assetId: 'db-prod-01',
    signature: 'HighCPU',
    message: `sample ${index}`,
    labels: {},
    dedupKey: `test|db-prod-01|highcpu|${index}`,
    occurredAt: new Date(now.getTime() + index * 1000).toISOString(),
    receivedAt: now.toISOString(),
    deliveryId: `delivery-${tenantId}-${index}`,
    ...overrides(index),
  }));
  await storeAlerts(table, tenantId, alerts, now);
  return alerts;
}

test('alerts of one group correlated at the same moment open exactly one incident, and every alert joins it', async () => {
  const alerts = await storedAlerts('tenant-a', 16, () => ({}));
  const decisions = await Promise.all(alerts.map((alert) => correlateAlert(alert, deps())));

  expect(decisions.filter((decision) => decision.kind === 'open')).toHaveLength(1);
  expect(decisions.filter((decision) => decision.kind === 'join')).toHaveLength(15);
  const incidents = await listIncidents(table, 'tenant-a');
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({ alertCount: 16, status: 'open' });
  const detail = await getIncidentDetail(table, 'tenant-a', incidents[0]!.id);
  expect(detail?.alerts.map((alert) => alert.alertId).sort()).toEqual(alerts.map((alert) => alert.id).sort());
});

test('a cascade correlated all at once (root and symptoms on different assets) opens one incident rooted at the database', async () => {
  const now = Date.parse('2026-11-24T11:00:00Z');
  const spec: Array<Partial<CanonicalAlert>> = [
    { assetId: 'db-prod-01', assetRef: 'db-prod-01', signature: 'PostgresDown' },
    { assetId: 'app-01', assetRef: 'app-01', signature: 'HTTP5xxErrors' },
    { assetId: 'app-02', assetRef: 'app-02', signature: 'HighRequestLatency' },
  ];
  const alerts = await storedAlerts('tenant-f', 12, (index) => ({
    ...spec[index % 3],
    dedupKey: `test|${spec[index % 3]!.assetId as string}|${index}`,
    occurredAt: new Date(now + index * 1000).toISOString(),
    receivedAt: new Date(now + index * 1000).toISOString(),
  }));
  await Promise.all(alerts.map((alert) => correlateAlert(alert, deps())));
  const incidents = (await listIncidents(table, 'tenant-f')).filter((incident) => incident.status !== 'merged');
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({ alertCount: 12, rootAssetId: 'db-prod-01' });
  const detail = await getIncidentDetail(table, 'tenant-f', incidents[0]!.id);
  expect(detail?.alerts).toHaveLength(12);
});

test('a redelivered alert is recognised and changes nothing', async () => {
  const [alert] = await storedAlerts('tenant-b', 1, () => ({}));
  expect((await correlateAlert(alert!, deps())).kind).toBe('open');
  expect(await correlateAlert(alert!, deps())).toEqual({ kind: 'duplicate' });
  const incidents = await listIncidents(table, 'tenant-b');
  expect(incidents).toHaveLength(1);
  expect(incidents[0]!.alertCount).toBe(1);
});

test('the same host name in two tenants never shares an incident', async () => {
  const first = await storedAlerts('tenant-c', 3, () => ({}));
  const second = await storedAlerts('tenant-d', 3, () => ({}));
  await Promise.all([...first, ...second].map((alert) => correlateAlert(alert, deps())));
  const [c, d] = await Promise.all([listIncidents(table, 'tenant-c'), listIncidents(table, 'tenant-d')]);
  expect(c).toHaveLength(1);
  expect(d).toHaveLength(1);
  expect(c[0]!.id).not.toBe(d[0]!.id);
  expect(await committedEvents(table, (event) => event.detailType === 'IncidentOpened' && event.detail.incidentId === c[0]!.id)).toEqual([
    expect.objectContaining({ detail: expect.objectContaining({ tenantId: 'tenant-c' }) }),
  ]);
});

test('an alert whose stored copy was lost is written back whole from the queued message', async () => {
  const ghost: CanonicalAlert = { ...(await storedAlerts('tenant-e', 1, () => ({})))[0]!, id: ulid() };
  expect((await correlateAlert(ghost, deps())).kind).toBe('open');
  const stored = await getAlert(table, 'tenant-e', ghost.id);
  expect(stored).toEqual({ ...ghost, incidentId: expect.any(String), correlation: 'no open incident matches' });
});

test('two incidents of one scope whose grace periods end at the same moment are committed in one batch', async () => {
  const at = '2026-11-24T12:00:00.000Z';
  const later = '2026-11-24T12:05:00.000Z';
  const spec = [
    { signature: 'SSLCertExpiringSoon', status: 'firing' as const, occurredAt: at },
    { signature: 'BackupJobFailed', status: 'firing' as const, occurredAt: at },
    { signature: 'SSLCertExpiringSoon', status: 'resolved' as const, occurredAt: later },
    { signature: 'BackupJobFailed', status: 'resolved' as const, occurredAt: later },
  ];
  const alerts = await storedAlerts('tenant-g', 4, (index) => ({
    ...spec[index],
    dedupKey: `test|db-prod-01|${spec[index]!.signature}`,
    receivedAt: spec[index]!.occurredAt,
  }));
  // The clock at the alerts' time: no grace period has run out yet.
  const results = await correlateAlerts(alerts, { ...deps(), now: () => new Date(at) });
  expect(results.map((result) => result.kind)).toEqual(['open', 'open', 'resolve-alert', 'resolve-alert']);
  const incidents = await listIncidents(table, 'tenant-g');
  expect(incidents).toHaveLength(2);
  expect(incidents.map((incident) => incident.resolvesAt)).toEqual([expect.any(String), expect.any(String)]);
  expect(incidents[0]!.resolvesAt).toBe(incidents[1]!.resolvesAt);
});

test("an alert's correlation id is carried into its incident event", async () => {
  const [alert] = await storedAlerts('tenant-h', 1, () => ({ correlationId: 'req-123' }));
  const decision = await correlateAlert(alert!, deps());
  expect(decision.kind).toBe('open');
  expect(await committedEvents(table, (event) => 'alertId' in event.detail && event.detail.alertId === alert!.id)).toEqual([
    expect.objectContaining({ detailType: 'IncidentOpened', detail: expect.objectContaining({ correlationId: 'req-123' }) }),
  ]);
});

test('two copies of one alert in one batch: the first joins, the second is a repeat, and the batch commits', async () => {
  const [first, second] = await storedAlerts('tenant-i', 2, () => ({}));
  const results = await correlateAlerts([first!, first!, second!, first!], deps());
  expect(results.map((result) => result.kind)).toEqual(['open', 'duplicate', 'join', 'duplicate']);
  const [incident] = await listIncidents(table, 'tenant-i');
  expect(incident).toMatchObject({ alertCount: 2 });
  expect((await getIncidentDetail(table, 'tenant-i', incident!.id))?.alerts.map((alert) => alert.alertId).sort()).toEqual(
    [first!.id, second!.id].sort(),
  );
});

test('a burst into one incident is one event naming every alert, committed with the change', async () => {
  const alerts = await storedAlerts('tenant-j', 5, () => ({}));
  await correlateAlerts(alerts, deps());
  const [incident] = await listIncidents(table, 'tenant-j');
  const events = await committedEvents(table, (event) => event.detail.tenantId === 'tenant-j');
  expect(events).toEqual([
    expect.objectContaining({
      detailType: 'IncidentOpened',
      detail: expect.objectContaining({ incidentId: incident!.id, alertId: alerts[0]!.id, alertIds: alerts.map((alert) => alert.id) }),
    }),
  ]);
});

test('a cascade whose root arrives last: the incidents merge, the survivor lists every alert and says it absorbed the others', async () => {
  const now = Date.parse('2026-11-24T13:00:00Z');
  const spec: Array<Partial<CanonicalAlert>> = [
    { assetId: 'app-01', assetRef: 'app-01', signature: 'HTTP5xxErrors' },
    { assetId: 'app-02', assetRef: 'app-02', signature: 'HighRequestLatency' },
    { assetId: 'db-prod-01', assetRef: 'db-prod-01', signature: 'PostgresDown' },
  ];
  const alerts = await storedAlerts('tenant-k', 3, (index) => ({
    ...spec[index],
    dedupKey: `test|${spec[index]!.assetId as string}|${index}`,
    occurredAt: new Date(now + index * 1000).toISOString(),
    receivedAt: new Date(now + index * 1000).toISOString(),
  }));
  for (const alert of alerts) await correlateAlert(alert, deps());
  const incidents = (await listIncidents(table, 'tenant-k')).filter((incident) => incident.status !== 'merged');
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({ rootAssetId: 'db-prod-01', alertCount: 3 });
  const detail = await getIncidentDetail(table, 'tenant-k', incidents[0]!.id);
  expect(detail?.alerts.map((alert) => alert.alertId).sort()).toEqual(alerts.map((alert) => alert.id).sort());
  const updates = await committedEvents(table, (event) => event.detail.tenantId === 'tenant-k' && event.detailType === 'IncidentUpdated');
  expect(updates.some((event) => event.detailType === 'IncidentUpdated' && event.detail.decision === 'merged')).toBe(true);
  expect(
    updates.some(
      (event) =>
        event.detailType === 'IncidentUpdated' && event.detail.incidentId === incidents[0]!.id && (event.detail.absorbed ?? []).length > 0,
    ),
  ).toBe(true);
});
