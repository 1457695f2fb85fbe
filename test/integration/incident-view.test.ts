import { assetSchema } from '../../lib/domain/asset';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The incident as an operator reads it, through the real local stack: one row per alert (repeats and
 * resolutions are events on it), another tool saying a condition cleared lands on that condition's row
 * and resolves nothing, alerts that name no host never group through a pseudo-asset, one instant's
 * activity comes cause first, and a resolution never raises the priority.
 */
let stack: LocalStack;
let demo: DemoInfo;
let adminToken: string;
let apiKey: string;
const TENANT = 'view-co';
let deliveries = 0;

const asset = (id: string, dependsOn: string[] = []) => assetSchema.parse({ id, name: id, type: 'server', dependsOn });

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('incident-view'));
  adminToken = await login(stack, demo, 'admin@msp.example');
  apiKey = await createTenant(stack, TENANT, [
    asset('view-db'),
    asset('view-app', ['view-db']),
    asset('cpu-host'),
    asset('quiet-host'),
    asset('ring-host'),
  ]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function deliver(source: string, body: unknown): Promise<void> {
  const response = await postJson(stack, `/v1/webhooks/${source}`, body, { 'x-api-key': apiKey, 'x-delivery-id': `view-${++deliveries}` });
  expect([200, 202]).toContain(response.status);
  await stack.idle();
}

const generic = (fields: Record<string, unknown>) => ({
  severity: 'high',
  message: String(fields.signature),
  tool_source: 'script',
  ...fields,
});

async function incidentsWith(signature: string): Promise<any[]> {
  const { body } = await getJson(stack, `/v1/incidents?tenant=${TENANT}`, adminToken);
  return body.incidents.filter((incident: any) => incident.signatures.includes(signature));
}

async function detailOf(incidentId: string): Promise<any> {
  return (await getJson(stack, `/v1/incidents/${incidentId}?tenant=${TENANT}`, adminToken)).body;
}

test("another tool's resolution of the same condition on the same host sits on that alert's row and resolves nothing", async () => {
  await deliver('generic', generic({ asset_name: 'cpu-host', signature: 'NodeCPUHigh', tool_source: 'prometheus' }));
  await deliver('generic', generic({ asset_name: 'cpu-host', signature: 'system.cpu.user', tool_source: 'datadog', status: 'resolved' }));
  const [incident] = await incidentsWith('NodeCPUHigh');
  expect(incident).toMatchObject({ status: 'open', alertCount: 1, occurrences: 1 });
  const detail = await detailOf(incident.id);
  expect(detail.alerts).toHaveLength(1);
  expect(detail.alerts[0]).toMatchObject({ signature: 'NodeCPUHigh', state: 'firing', sources: ['prometheus', 'datadog'] });
  expect(detail.alerts[0].events.map((event: any) => [event.kind, event.source])).toEqual([
    ['fired', 'prometheus'],
    ['reported-cleared', 'datadog'],
  ]);
  expect(detail.alerts[0].events[1].reason).toMatch(/^datadog reports NodeCPUHigh cleared/);
  const cleared = detail.timeline.find((entry: any) => entry.type === 'alert-resolved');
  // The activity names the alert whose row it is, and the tool that said it cleared.
  expect(cleared.alert).toEqual({ signature: 'NodeCPUHigh', assetRef: 'cpu-host', source: 'datadog' });
});

test('a resolution that matches nothing is listed as unmatched', async () => {
  await deliver('generic', generic({ asset_name: 'quiet-host', signature: 'NeverFired', status: 'resolved' }));
  const { body } = await getJson(stack, `/v1/alerts?tenant=${TENANT}&correlation=unmatched`, adminToken);
  expect(body.alerts.map((alert: any) => alert.signature)).toContain('NeverFired');
  expect(body.alerts.every((alert: any) => alert.incidentId === undefined && typeof alert.correlation === 'string')).toBe(true);
  const linked = (await getJson(stack, `/v1/alerts?tenant=${TENANT}&correlation=linked`, adminToken)).body.alerts;
  expect(linked.map((alert: any) => alert.signature)).not.toContain('NeverFired');
  expect(linked.every((alert: any) => typeof alert.incidentId === 'string')).toBe(true);
});

test('alerts that name no host get no asset, never group together, and are no unknown asset to map', async () => {
  const alertmanager = (alertname: string) => ({
    receiver: 'aw',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname, severity: 'warning' }, annotations: {}, startsAt: new Date().toISOString() }],
  });
  await deliver('alertmanager', alertmanager('Watchdog'));
  await deliver('alertmanager', alertmanager('PrometheusRuleFailures'));
  const watchdog = await incidentsWith('Watchdog');
  const failures = await incidentsWith('PrometheusRuleFailures');
  expect([watchdog.length, failures.length]).toEqual([1, 1]);
  expect(watchdog[0].id).not.toBe(failures[0].id);
  expect(watchdog[0]).toMatchObject({ assetId: null, title: 'Watchdog' });
  const unresolved = (await getJson(stack, `/v1/assets/unresolved?tenant=${TENANT}`, adminToken)).body.unresolved;
  expect(unresolved.map((entry: any) => entry.assetRef)).not.toContain('unknown');
});

test("one instant's activity comes cause first: the incident opens, then the root's alert joins, then the root moves", async () => {
  const timestamp = new Date(Date.now() - 1000).toISOString();
  await deliver('generic', [
    generic({ asset_name: 'view-app', signature: 'ServiceLatencyHigh', timestamp }),
    generic({ asset_name: 'view-db', signature: 'PostgresDown', timestamp }),
  ]);
  const [incident] = await incidentsWith('ServiceLatencyHigh');
  expect(incident.rootAssetId).toBe('view-db');
  const detail = await detailOf(incident.id);
  const activity = detail.timeline.filter((entry: any) => entry.at === timestamp).map((entry: any) => entry.type);
  expect(activity).toEqual(['incident-opened', 'alert-joined', 'root-changed']);
  expect(detail.timeline.filter((entry: any) => entry.alertId).every((entry: any) => entry.alert?.signature)).toBe(true);
});

test('a resolution does not raise the priority', async () => {
  await deliver('generic', generic({ asset_name: 'ring-host', signature: 'DiskSlow' }));
  await deliver('generic', generic({ asset_name: 'ring-host', signature: 'DiskLatencyHigh' }));
  const [before] = await incidentsWith('DiskSlow');
  await deliver('generic', generic({ asset_name: 'ring-host', signature: 'DiskSlow', status: 'resolved' }));
  const [after] = await incidentsWith('DiskSlow');
  expect(after.id).toBe(before.id);
  expect(after.priority.parts.repeat).toBe(before.priority.parts.repeat);
  expect(after.priority.score).toBeLessThanOrEqual(before.priority.score);
  expect(after).toMatchObject({ alertCount: 2, occurrences: 2 });
});
