import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import type { Incident } from '../../lib/domain/incident';
import { correlationPolicies } from '../../lib/store/correlation-policy';
import { listIncidents } from '../../lib/store/incidents';
import { listPendingApprovals } from '../../lib/store/remediation';
import type { TableRef } from '../../lib/store/table-ref';
import { postDemoAlerts } from '../../local/demo-alerts';
import { demoHistoryDays, generateDemoHistory, type DemoHistoryResult } from '../../local/demo-history';
import { DEMO_USERS, seedDemo, seedDemoOnCall, type DemoInfo } from '../../local/seed';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createDocumentClient } from '../../lib/aws/clients';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb';
import { testMotoEndpoint } from '../helpers/dynamo';
import { getJson, login } from '../helpers/local-stack';

/**
 * The demo history of `npm start` (local/demo-history.ts): a month of alerts through the real pipeline,
 * written before the local stack reads the table's stream, then the stack started on that table as
 * `npm start` does. And the live demo alerts (local/demo-alerts.ts), which clear themselves.
 */

const DAY = 86_400_000;
const TENANTS = ['acme', 'globex'] as const;
const DAYS = 30;
const now = new Date();
let dynamo: DynamoDbLocal;
let table: TableRef;
let demo: DemoInfo;
let history: DemoHistoryResult;
let stack: LocalStack;
let token: string;

async function incidentsOf(tenantId: string): Promise<Incident[]> {
  return listIncidents(table, tenantId, { limit: 5000, maxRead: 10_000 });
}

beforeAll(async () => {
  // A DynamoDB Local of its own: the run's shared one, after serving the files before this one, writes the
  // history several times slower (113 s instead of 14 s after 60 tables made, filled and deleted).
  dynamo = await startDynamoDbLocal();
  await ensureTable(dynamo.endpoint, 'demo-history');
  table = {
    db: createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    tableName: 'demo-history',
  };
  demo = await seedDemo(table, mkdtempSync(join(tmpdir(), 'aw-demo-')));
  await seedDemoOnCall(table);
  // A fixed 30 days, whatever today's date (the default reaches back to the first of last month: up to 62 days).
  history = await generateDemoHistory({ endpoint: dynamo.endpoint, tableName: table.tableName, now, days: DAYS, log: null });
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    dynamoEndpoint: dynamo.endpoint,
    motoEndpoint: testMotoEndpoint(),
    tableName: table.tableName,
    // The settle sweep and the runbook state machine's waits a hundred times faster (the live demo alerts' part).
    scheduleScale: 0.01,
    log: () => undefined,
  });
  token = await login(stack, demo, demo.admin.email);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  table?.db.destroy();
  await dynamo?.stop();
});

test('by default a fresh start writes back to the first day of last month (30 days at least), so last month is whole', () => {
  expect(demoHistoryDays(new Date('2026-12-07T10:00:00Z'))).toBe(37);
  expect(demoHistoryDays(new Date('2026-12-31T23:00:00Z'))).toBe(61);
  expect(demoHistoryDays(new Date('2027-01-01T00:30:00Z'))).toBe(32);
  expect(demoHistoryDays(new Date('2027-03-01T12:00:00Z'))).toBe(30);
});

test('a month of history: every incident of it resolved (or merged), by the demo users, by runbooks or on its own', async () => {
  expect(history).toMatchObject({ days: DAYS, unresolved: 0, errors: 0 });
  expect(history.skipped).toBeUndefined();
  expect(history.alerts).toBeGreaterThan(400);
  expect(history.incidents).toBeGreaterThan(80);

  const people = new Set(DEMO_USERS.map((user) => user.email));
  for (const tenant of TENANTS) {
    const incidents = await incidentsOf(tenant);
    expect(incidents.length).toBeGreaterThan(40);
    expect(incidents.filter((incident) => incident.status !== 'resolved' && incident.status !== 'merged')).toEqual([]);
    const opened = incidents.map((incident) => Date.parse(incident.openedAt));
    // Thirty days, all inside the KPIs' last 30 days, none in the future.
    expect(Math.min(...opened)).toBeGreaterThanOrEqual(now.getTime() - DAYS * DAY);
    expect(Math.min(...opened)).toBeLessThan(now.getTime() - (DAYS - 2) * DAY);
    expect(Math.max(...opened)).toBeGreaterThan(now.getTime() - 2 * DAY);
    for (const incident of incidents.filter((candidate) => candidate.status === 'resolved')) {
      expect(Date.parse(incident.resolvedAt as string)).toBeLessThan(now.getTime());
      if (incident.resolvedBy) expect(incident.resolvedBy === 'automation' || people.has(incident.resolvedBy)).toBe(true);
    }
    // People acted as the demo users, at past times.
    const acknowledged = incidents.filter((incident) => incident.acknowledgedBy);
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const incident of acknowledged) {
      expect(people.has(incident.acknowledgedBy as string)).toBe(true);
      expect(Date.parse(incident.acknowledgedAt as string)).toBeLessThan(now.getTime());
    }
    // The SLA clocks were started as IncidentOpened starts them, and stopped.
    expect(incidents.filter((incident) => incident.status === 'resolved' && !incident.sla)).toEqual([]);
    expect(incidents.filter((incident) => incident.escalation && incident.escalation.status === 'active')).toEqual([]);
  }
  // Globex approves runbooks first: some were approved (and fixed it), some rejected.
  const globex = await incidentsOf('globex');
  expect(globex.some((incident) => incident.remediation?.state === 'succeeded' && incident.resolvedBy === 'automation')).toBe(true);
  expect(globex.some((incident) => incident.remediation?.state === 'rejected')).toBe(true);
  // Late acknowledgements breached the response SLA and escalated.
  expect([...globex, ...(await incidentsOf('acme'))].some((incident) => incident.sla?.breachedAt?.response)).toBe(true);
}, 60_000);

test('the overview’s KPIs for the last 30 days show a month: noise reduction, MTTA, MTTR, how incidents ended, SLA met and missed', async () => {
  const from = new Date(now.getTime() - 30 * DAY).toISOString();
  for (const tenant of TENANTS) {
    const { status, body } = await getJson(
      stack,
      `/v1/kpis?tenant=${tenant}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(now.toISOString())}`,
      token,
    );
    expect(status).toBe(200);
    const { totals, days } = body;
    expect(totals.noiseReductionPct).toBeGreaterThan(10);
    expect(totals.mttaMinutes).not.toBeNull();
    expect(totals.mttrMinutes).not.toBeNull();
    expect(totals.selfHealed).toBeGreaterThan(0);
    expect(totals.clearedOnItsOwn).toBeGreaterThan(0);
    expect(totals.resolvedByPerson).toBeGreaterThan(0);
    expect(totals.resolved).toBe(totals.incidents);
    expect(totals.slaResponse.met).toBeGreaterThan(0);
    expect(totals.slaResponse.missed).toBeGreaterThan(0);
    // Most met.
    expect(totals.slaResponse.pct).toBeGreaterThan(70);
    expect(totals.slaResolution.met).toBeGreaterThan(totals.slaResolution.missed);
    expect(days.filter((day: { incidents: number }) => day.incidents > 0).length).toBeGreaterThanOrEqual(20);
  }
}, 60_000);

test('nothing of the past reaches the live path: no event on the bus, no alert queued, no email, no timer, no approval waiting', async () => {
  await stack.idle();
  const stats = await stack.deliveryStats();
  expect(stats.stream).toMatchObject({ relayed: 0, events: 0, alerts: 0, deadLettered: 0 });
  expect(stats.eventBus.accepted).toBe(0);
  expect(await stack.ses.sentMail()).toEqual([]);
  expect(stack.scheduler.list()).toEqual([]);
  expect(await listPendingApprovals(table, { before: new Date(now.getTime() + 365 * DAY) })).toEqual([]);
});

test('a second run adds nothing (the demo tenants have incidents)', async () => {
  const before = await Promise.all(TENANTS.map(async (tenant) => (await incidentsOf(tenant)).length));
  const again = await generateDemoHistory({ endpoint: dynamo.endpoint, tableName: table.tableName, log: null });
  expect(again.skipped).toMatch(/has incidents already/);
  expect(again.alerts).toBe(0);
  expect(await Promise.all(TENANTS.map(async (tenant) => (await incidentsOf(tenant)).length))).toEqual(before);
  await stack.idle();
  expect((await stack.deliveryStats()).stream.relayed).toBe(0);
});

test('the live demo alerts open incidents and report themselves cleared: their incidents resolve, so a new alert opens its own', async () => {
  // No grace period, so the clearing resolves them at once (by default it does five minutes later, through the settle sweep).
  for (const tenant of TENANTS) await correlationPolicies.put(table, tenant, { ...DEFAULT_POLICY, graceSeconds: 0 }, 'test', new Date(), 0);
  const active = async () =>
    (await Promise.all(TENANTS.map((tenant) => incidentsOf(tenant))))
      .flat()
      .filter((incident) => ['open', 'acknowledged'].includes(incident.status));

  const posted = await postDemoAlerts(stack.apiUrl, stack.table, demo, { everyTenant: true, clearAfterMs: 8_000 });
  expect(posted.posted).toBe(7);
  // Before they clear: their incidents are open (Acme's full disk may already be fixed by its runbook).
  let opened: Incident[] = [];
  for (const deadline = Date.now() + 6_000; opened.length < 4 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    opened = await active();
  }
  expect(opened.length).toBeGreaterThanOrEqual(4);
  expect(opened.every((incident) => Date.parse(incident.openedAt) > now.getTime())).toBe(true);

  expect(await posted.cleared).toBe(7);
  await stack.idle();
  expect(await active()).toEqual([]);

  // The first alert of a new user on a demo host: an incident of its own, not the demo's HighCPU on db-prod-01.
  const acme = demo.tenants.find((tenant) => tenant.id === 'acme')!;
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': acme.apiKey },
    body: JSON.stringify({
      asset_name: 'db-prod-01',
      signature: 'InstanceDown',
      severity: 'critical',
      message: 'not responding',
      tool_source: 'curl',
    }),
  });
  expect(response.status).toBe(202);
  await stack.idle();
  const mine = await active();
  expect(mine.map((incident) => [incident.title, incident.alertCount])).toEqual([['InstanceDown on db-prod-01', 1]]);
}, 60_000);
