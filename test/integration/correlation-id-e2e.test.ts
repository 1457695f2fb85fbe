import { jest } from '@jest/globals';
import WebSocket from 'ws';
import { DEFAULT_POLICY, mergePolicy } from '../../lib/domain/correlation/policy';
import { logger } from '../../lib/observability';
import { getAlert } from '../../lib/store/alerts';
import { correlationPolicies } from '../../lib/store/correlation-policy';
import { getExecution } from '../../lib/store/remediation';
import { getIncident } from '../../lib/store/sla';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, startTestStack } from '../helpers/local-stack';
import { until } from '../helpers/until';

/**
 * One correlation id from the webhook to the notification, on the local stack: the caller's
 * `X-Correlation-Id` is answered, stamped on the alert, carried by its incident's events, the remediation
 * decision's, the execution (stored, and read back by the runbook step for the execution's end), the
 * assignment, and every delivery record of the notification that follows. The business metrics the
 * same work publishes are checked on the way. The incident keeps its opening alert's id, so what happens
 * later without a request of its own carries it too: a grace-period resolution by the settle sweep (here),
 * SLA warnings, breaches and escalations (test/integration/sla-service.test.ts), approval decisions
 * (test/integration/remediation-service.test.ts). The business metrics the
 * same work publishes are checked on the way (the stack's POWERTOOLS_DEV turns them off; this file turns
 * them back on with POWERTOOLS_METRICS_DISABLED=false and captures the EMF lines).
 */
let stack: LocalStack;
let demo: DemoInfo;
let admin: string;
let viewer: { socket: WebSocket; messages: Array<Record<string, any>> };

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [key: string]: unknown;
}
const metricLines: EmfLine[] = [];
const metricsEnv = process.env.POWERTOOLS_METRICS_DISABLED;

/** A dashboard's WebSocket, collecting every event pushed to it (every tenant-level event of the tenants it sees). */
function watch(token: string): Promise<typeof viewer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl}?token=${token}`);
    const messages: Array<Record<string, any>> = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('error', reject);
  });
}

async function sendAlert(tenantId: string, alert: Record<string, unknown>, correlationId: string, key?: string): Promise<Response> {
  const apiKey = key ?? demo.tenants.find((tenant) => tenant.id === tenantId)!.apiKey;
  return fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'x-correlation-id': correlationId },
    body: JSON.stringify({ severity: 'high', tool_source: 'e2e', ...alert }),
  });
}

async function incidentOf(tenantId: string, signature: string, done: (incident: any) => boolean, what: string) {
  const found = await until(
    async () =>
      (await getJson(stack, `/v1/incidents?tenant=${tenantId}`, admin)).body.incidents?.find((incident: any) =>
        incident.signatures.includes(signature),
      ),
    (incident) => Boolean(incident) && done(incident),
    what,
  );
  return found as { id: string; [key: string]: any };
}

/** The metrics published so far, as `name` or `name{dimension=value}`. */
function metricNames(): string[] {
  return metricLines.flatMap((line) => {
    const [definition] = line._aws.CloudWatchMetrics;
    const extra = definition!.Dimensions[0]!.filter((name) => name !== 'service' && name !== 'stage');
    const suffix = extra.length ? `{${extra.map((name) => `${name}=${String(line[name])}`).join(',')}}` : '';
    return definition!.Metrics.map((metric) => `${metric.Name}${suffix}`);
  });
}

beforeAll(async () => {
  // The state machine waits 20 s between SSM polls in AWS: 20 ms here.
  ({ stack, demo } = await startTestStack('correlation-id-e2e', { scheduleScale: 0.001 }));
  logger.setLogLevel('WARN');
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  // With POWERTOOLS_DEV, Powertools writes EMF with console.log.
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    if (typeof line === 'string' && line.startsWith('{"_aws"')) metricLines.push(JSON.parse(line) as EmfLine);
  });
  admin = await login(stack, demo, 'admin@msp.example');
  viewer = await watch(admin);
}, 60_000);

afterAll(async () => {
  viewer?.socket.close();
  jest.restoreAllMocks();
  if (metricsEnv === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = metricsEnv;
  await stack?.stop();
});

test('corr-e2e-1: an alert that auto-remediates carries its id through its incident, the decision and the execution', async () => {
  const response = await sendAlert(
    'acme',
    { asset_name: 'app-prod-02', signature: 'DiskSpaceLow', message: '/var at 96% used' },
    'corr-e2e-1',
  );
  expect(response.status).toBe(202);
  expect(response.headers.get('x-correlation-id')).toBe('corr-e2e-1');
  const { accepted } = (await response.json()) as { accepted: Array<{ alertId: string }> };

  const incident = await incidentOf('acme', 'DiskSpaceLow', (found) => found.status === 'resolved', 'the runbook to resolve the incident');
  expect(await getAlert(stack.table, 'acme', accepted[0]!.alertId)).toMatchObject({ correlationId: 'corr-e2e-1', incidentId: incident.id });

  // The incident's events on the bus, as pushed to the dashboard: opened (correlation), decided
  // (remediate), resolved by the execution's end (the runbook step, from the stored execution).
  await stack.idle();
  const events = viewer.messages.filter((message) => message.incidentId === incident.id);
  for (const type of ['IncidentOpened', 'RemediationDecided', 'IncidentResolved']) {
    expect(events.find((event) => event.type === type)).toMatchObject({ correlationId: 'corr-e2e-1' });
  }
  expect(events.find((event) => event.type === 'RemediationDecided')).toMatchObject({ action: 'auto_execute' });
  expect(events.find((event) => event.type === 'IncidentResolved')).toMatchObject({ actor: 'automation' });

  // The incident and its execution keep it (and the API shows both).
  const shownIncident = (await getJson(stack, `/v1/incidents/${incident.id}?tenant=acme`, admin)).body.incident;
  expect(shownIncident.correlationId).toBe('corr-e2e-1');
  const { executionId } = shownIncident.remediation;
  expect(await getExecution(stack.table, 'acme', executionId)).toMatchObject({ state: 'succeeded', correlationId: 'corr-e2e-1' });
  const shown = await getJson(stack, `/v1/executions/${executionId}?tenant=acme`, admin);
  expect(shown.body).toMatchObject({ id: executionId, correlationId: 'corr-e2e-1' });

  expect(metricNames()).toEqual(
    expect.arrayContaining([
      'AlertsAccepted',
      'AlertsCorrelated',
      'IncidentsOpened',
      'RemediationDecisions{action=auto_execute}',
      'ExecutionsFinished{state=succeeded}',
    ]),
  );
  for (const line of metricLines) {
    expect(line._aws.CloudWatchMetrics[0]!.Namespace).toBe('AlertWhisperer');
    expect(line).toMatchObject({ service: 'alert-whisperer', stage: 'local' });
  }
}, 60_000);

test('corr-e2e-2: an alert routed to a technician carries its id to the assignment and every delivery record of its notification', async () => {
  // A host acme's inventory does not know: no runbook can run there, so routing assigns a technician.
  const response = await sendAlert(
    'acme',
    { asset_name: 'kiosk-17', signature: 'KioskOffline', message: 'kiosk 17 unreachable' },
    'corr-e2e-2',
  );
  expect(response.status).toBe(202);
  expect(response.headers.get('x-correlation-id')).toBe('corr-e2e-2');

  const incident = await incidentOf('acme', 'KioskOffline', (found) => Boolean(found.assignee), 'routing to assign the incident');
  const records = await until(
    async () => (await getJson(stack, `/v1/notifications?tenant=acme&incidentId=${incident.id}`, admin)).body.deliveries as any[],
    (deliveries) => deliveries?.some((delivery) => delivery.kind === 'assignment' && delivery.channel === 'email'),
    'the assignment notification',
  );
  const assignment = records.filter((delivery) => delivery.kind === 'assignment');
  expect(assignment.length).toBeGreaterThan(0);
  for (const delivery of assignment) expect(delivery).toMatchObject({ correlationId: 'corr-e2e-2', recipient: incident.assignee.userId });
  expect(assignment).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'email', status: 'delivered' })]));

  await stack.idle();
  const events = viewer.messages.filter((message) => message.incidentId === incident.id);
  for (const type of ['IncidentOpened', 'RemediationDecided', 'IncidentAssigned']) {
    expect(events.find((event) => event.type === type)).toMatchObject({ correlationId: 'corr-e2e-2' });
  }
  // Nothing of the first alert's id leaked into the second's path.
  expect(events.some((event) => event.correlationId === 'corr-e2e-1')).toBe(false);

  expect(metricNames()).toEqual(
    expect.arrayContaining(['RemediationDecisions{action=route_to_technician}', 'NotificationsSent{channel=email}']),
  );
}, 60_000);

test('corr-e2e-3: a grace-period resolution by the settle sweep carries the id of the alert that opened the incident', async () => {
  const tenantId = 'corr-settle';
  const apiKey = await createTenant(stack, tenantId);
  // A policy set before the first alert (correlation caches policies a minute): a 1 s grace period.
  await correlationPolicies.put(stack.table, tenantId, mergePolicy(DEFAULT_POLICY, { graceSeconds: 1 }), 'corr-e2e', new Date(), 0);
  const alert = { asset_name: 'web-09', signature: 'HttpErrors', message: '5xx above 5%' };
  expect((await sendAlert(tenantId, alert, 'corr-e2e-3', apiKey)).status).toBe(202);
  const opened = await incidentOf(tenantId, 'HttpErrors', () => true, 'the incident to open');
  // Stored on the incident when it opens: what happens later without a request of its own reads it back.
  expect(await getIncident(stack.table, tenantId, opened.id)).toMatchObject({ correlationId: 'corr-e2e-3' });

  // The resolving alert comes with a request id of its own; the resolution is the sweep's, an incident event.
  expect((await sendAlert(tenantId, { ...alert, status: 'resolved' }, 'corr-e2e-3-resolved', apiKey)).status).toBe(202);
  await incidentOf(tenantId, 'HttpErrors', (found) => found.status === 'resolved', 'the settle sweep to resolve the incident');
  await stack.idle();
  const events = viewer.messages.filter((message) => message.incidentId === opened.id);
  // (IncidentUpdated, with the resolving alert's own id, goes only to dashboards following the incident.)
  expect(events.find((event) => event.type === 'IncidentResolved')).toMatchObject({ correlationId: 'corr-e2e-3' });
}, 60_000);
