import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { listAudit } from '../../lib/store/audit';
import { seedDemo, type DemoInfo } from '../../local/seed';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { testDynamoEndpoint, testMotoEndpoint } from '../helpers/dynamo';
import { until } from '../helpers/until';

/**
 * The two remediation paths end to end on the local stack: a webhook alert, correlation, the
 * remediate function on IncidentOpened, the CDK-defined RunbookExecution state machine in the local
 * Step Functions emulator, the runbook step against moto (the client account's STS and SSM), and the
 * operator API. Nothing is called directly: every step is what the product does on its own.
 */
let stack: LocalStack;
let demo: DemoInfo;

async function api(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A WebSocket client of the dashboard's kind, collecting every message pushed to it. */
function watch(token: string): Promise<{ socket: WebSocket; messages: Array<{ type: string; tenantId: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl}?token=${token}`);
    const messages: Array<{ type: string; tenantId: string }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('error', reject);
  });
}

async function login(email: string): Promise<string> {
  const user = demo.users.find((candidate) => candidate.email === email)!;
  const { status, body } = await api('POST', '/v1/auth/login', undefined, { email, password: user.password });
  expect(status).toBe(200);
  return body.accessToken as string;
}

async function sendAlert(tenantId: string, alert: Record<string, unknown>): Promise<void> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === tenantId)!.apiKey;
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ severity: 'high', tool_source: 'e2e', ...alert }),
  });
  expect(response.status).toBe(202);
}

async function onlyIncident(token: string, tenantId: string, assetId: string) {
  const list = await until(
    () => api('GET', `/v1/incidents?tenant=${tenantId}`, token),
    (answer) => answer.body.incidents?.some((incident: any) => incident.assetId === assetId),
    `an incident on ${assetId}`,
  );
  const incidents = list.body.incidents.filter((incident: any) => incident.assetId === assetId);
  expect(incidents).toHaveLength(1);
  return incidents[0] as { id: string };
}

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    dynamoEndpoint: testDynamoEndpoint(),
    motoEndpoint: testMotoEndpoint(),
    tableName: 'remediation-e2e',
    log: () => undefined,
    // The state machine waits 20 s between SSM polls in AWS: 20 ms here.
    scheduleScale: 0.001,
  });
  demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-demo-')));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('a full disk on a server of a tenant that allows automation is cleaned up and its incident resolved, with nobody touching it', async () => {
  const admin = await login('admin@msp.example');
  await sendAlert('acme', { asset_name: 'app-prod-02', signature: 'DiskSpaceLow', message: '/var at 96% used' });

  const { id } = await onlyIncident(admin, 'acme', 'app-prod-02');
  const resolved = await until(
    () => api('GET', `/v1/incidents/${id}?tenant=acme`, admin),
    (answer) => answer.body.incident?.status === 'resolved',
    'the incident to be resolved by the runbook',
  );
  const { incident, timeline } = resolved.body;
  expect(incident.decision).toMatchObject({ action: 'auto_execute', runbookId: 'linux-disk-cleanup', risk: 'low', dryRun: false });
  expect(incident.remediation).toMatchObject({ runbookId: 'linux-disk-cleanup', state: 'succeeded', outcome: 'succeeded' });
  // moto ran the verification section on the asset's managed instance in the client account.
  expect(incident.remediation.output).toContain('[i-0a1b2c3d4e5f60012] Success');
  expect(incident.remediation.durationMs).toBeGreaterThanOrEqual(0);
  expect(incident).toMatchObject({ resolutionCode: 'self-healed', resolvedBy: 'automation' });
  const types = timeline.map((entry: any) => entry.type);
  for (const type of ['incident-opened', 'remediation-decided', 'execution-started', 'execution-finished', 'incident-resolved']) {
    expect(types).toContain(type);
  }
  expect(types.indexOf('execution-finished')).toBeLessThan(types.lastIndexOf('incident-resolved'));

  // The decision and the execution's end are audited as the system's.
  await stack.idle();
  const audit = await listAudit(stack.table, 'acme', {}, { limit: 50 });
  const actions = audit.entries.filter((entry) => entry.actor.type === 'system').map((entry) => entry.action);
  expect(actions).toEqual(expect.arrayContaining(['remediation.decide', 'execution.start', 'execution.finish']));
}, 60_000);

test('a runbook waiting for approval and rejected ends with the incident routed to a technician of that tenant', async () => {
  const admin = await login('admin@msp.example');
  const gale = await login('tech.gale@msp.example');
  const globexViewer = await watch(gale);
  const acmeOnlyViewer = await watch(await login('tech.niko@msp.example'));
  // Globex keeps the default policy: nothing runs without an approval; memory relief is medium risk.
  await sendAlert('globex', { asset_name: 'web-01', signature: 'MemoryHigh', message: 'memory usage above 95%' });
  const { id } = await onlyIncident(admin, 'globex', 'web-01');
  // The incident's page follows it: its execution's progress is pushed to followers only.
  globexViewer.socket.send(JSON.stringify({ type: 'subscribe', tenantId: 'globex', incidentId: id }));
  await until(
    async () => globexViewer.messages.some((message) => message.type === 'subscribed'),
    (followed) => followed,
    'the subscription',
  );

  const pending = await until(
    () => api('GET', '/v1/approvals?tenant=globex', admin),
    (answer) => answer.status === 200 && answer.body.approvals?.some((approval: any) => approval.incidentId === id),
    'the approval request',
  );
  const approval = pending.body.approvals.find((entry: any) => entry.incidentId === id);
  expect(approval).toMatchObject({ runbookId: 'linux-memory-relief', risk: 'medium', state: 'pending', canDecide: true });
  expect(approval.taskToken).toBeUndefined();

  // A technician of Globex may not decide it; the MSP admin rejects it.
  expect((await api('POST', `/v1/approvals/${approval.id}/reject?tenant=globex`, gale, { comment: 'no' })).status).toBe(403);
  const rejected = await api('POST', `/v1/approvals/${approval.id}/reject?tenant=globex`, admin, { comment: 'not during the sale' });
  expect(rejected.status).toBe(200);
  expect(rejected.body).toMatchObject({ state: 'rejected', comment: 'not during the sale' });

  const routed = await until(
    () => api('GET', `/v1/incidents/${id}?tenant=globex`, admin),
    (answer) => Boolean(answer.body.incident?.assignee),
    'the incident to be routed to a technician',
  );
  const { incident, timeline } = routed.body;
  expect(incident.status).toBe('open');
  expect(incident.remediation).toMatchObject({ runbookId: 'linux-memory-relief', state: 'rejected', outcome: 'approval-rejected' });
  // Only Globex's technicians are candidates; both have the Server skill a memory problem wants.
  const globexTechnicians = demo.users.filter((user) => user.role === 'technician' && user.tenants.includes('globex'));
  expect(globexTechnicians.map((user) => user.email)).toContain('tech.gale@msp.example');
  expect(incident.assignee.userId).toMatch(/^usr_tech_(gale|dana)_msp_example$/);
  const types = timeline.map((entry: any) => entry.type);
  for (const type of ['remediation-decided', 'approval-requested', 'approval-decided', 'execution-finished', 'incident-assigned']) {
    expect(types).toContain(type);
  }
  // Nothing ran on the server: no section was sent.
  expect(incident.remediation.output).toBe('');

  // Every step reached the dashboards allowed to see Globex (the execution's end: the one following it), and no other.
  await stack.idle();
  const pushed = globexViewer.messages.map((message) => message.type);
  for (const type of ['IncidentOpened', 'RemediationDecided', 'ApprovalRequested', 'ApprovalDecided', 'ExecutionFinished']) {
    expect(pushed).toContain(type);
  }
  expect(globexViewer.messages.every((message) => message.tenantId === 'globex')).toBe(true);
  expect(acmeOnlyViewer.messages.filter((message) => message.tenantId === 'globex')).toEqual([]);
  for (const { socket } of [globexViewer, acmeOnlyViewer]) socket.close();
}, 60_000);
