import { ulid } from 'ulid';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { correlateAlert } from '../../lib/correlation/correlate';
import type { DomainEvent } from '../../lib/events';
import { getAlert, storeAlerts } from '../../lib/store/alerts';
import { getIncidentDetail, listIncidents } from '../../lib/store/incidents';
import type { TableRef } from '../../lib/store/table-ref';
import { createTestTable } from '../helpers/dynamo';

let table: TableRef;
const published: DomainEvent[] = [];
const deps = () => ({ table, publish: async (events: DomainEvent[]) => void published.push(...events), now: () => new Date() });

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
  expect(published.filter((event) => event.detailType === 'IncidentOpened' && event.detail.incidentId === c[0]!.id)).toEqual([
    expect.objectContaining({ detail: expect.objectContaining({ tenantId: 'tenant-c' }) }),
  ]);
});

test('an alert whose stored copy was lost is written back whole from the queued message', async () => {
  const ghost: CanonicalAlert = { ...(await storedAlerts('tenant-e', 1, () => ({})))[0]!, id: ulid() };
  expect((await correlateAlert(ghost, deps())).kind).toBe('open');
  const stored = await getAlert(table, 'tenant-e', ghost.id);
  expect(stored).toEqual({ ...ghost, incidentId: expect.any(String) });
});
