import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { correlateAlerts, type CorrelateDeps } from '../../lib/correlation/correlate';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { Inventory, type Asset } from '../../lib/domain/asset';
import type { IncidentDecision } from '../../lib/domain/incident';
import { DETAIL_TYPES, type DomainEvent } from '../../lib/domain/events';
import { remediationPolicySchema } from '../../lib/domain/remediation/decision';
import { decideOnEvent } from '../../lib/remediation/events';
import type { Orchestrator } from '../../lib/domain/remediation/step-contract';
import { decideForIncident, type RemediationDeps } from '../../lib/remediation/service';
import type { RunbookExecutionInput } from '../../lib/domain/remediation/step-contract';
import { missingParts, repairIncidents } from '../../lib/repair/sweep';
import { handleSlaEvent } from '../../lib/sla/events';
import type { SlaDeps } from '../../lib/sla/service';
import { storeAlerts } from '../../lib/store/alerts';
import { getIncidentDetail } from '../../lib/store/incidents';
import { keys } from '../../lib/store/keys';
import { getExecution, remediationPolicies } from '../../lib/store/remediation';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { createUser } from '../../lib/store/users';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

/**
 * Decisions that resume after a crash and follow the incident, the repair sweep, and consumers that
 * handle an event once: remediation and the SLA service on DynamoDB Local, with the events read from the
 * outbox as the stream relay would hand them on (a recording orchestrator stands in for Step Functions).
 */
let table: TableRef;
let clock = new Date('2026-12-01T10:00:00Z');
const started: RunbookExecutionInput[] = [];
const orchestrator: Orchestrator = {
  async start(input) {
    started.push(input);
    return `arn:aws:states:us-east-1:000000000000:execution:RunbookExecution:${input.executionId}`;
  },
  async succeedTask() {},
  async failTask() {},
};
const ssm = (instanceId: string) => ({ instanceId, accountId: '111122223333', region: 'us-east-1', platform: 'linux' as const });
/** A database with an SSM target, and an application server without one that depends on it. */
const assets: Asset[] = [
  { id: 'db-01', name: 'db-01', type: 'database', aliases: [], dependsOn: [], critical: false, tags: {}, ssm: ssm('i-0aaaaaaaaaaaaaaa1') },
  { id: 'app-01', name: 'app-01', type: 'server', aliases: [], dependsOn: ['db-01'], critical: false, tags: {} },
];
const inventory = new Inventory(assets);
const deps = (): RemediationDeps => ({
  table,
  now: () => clock,
  inventory: { get: async () => inventory },
  policies: { get: async () => DEFAULT_POLICY },
  orchestrator,
});

beforeAll(async () => {
  table = await createTestTable('resume');
  for (const tenantId of ['resume-a', 'resume-b', 'resume-c', 'resume-d', 'resume-e', 'resume-f', 'resume-g']) {
    await putTenant(table, { id: tenantId, name: tenantId, createdAt: clock.toISOString() });
    await remediationPolicies.put(table, tenantId, remediationPolicySchema.parse({ autoExecute: true }), 'test', clock, 0);
    await createUser(table, {
      id: `usr_${tenantId}`,
      email: `tech@${tenantId}.example`,
      name: `Tech ${tenantId}`,
      role: 'technician',
      tenantIds: [tenantId],
      skills: ['Database', 'Server'],
      createdAt: clock.toISOString(),
      passwordHash: 'x',
    });
  }
});

beforeEach(() => {
  started.length = 0;
  clock = new Date(clock.getTime() + 60_000);
});

async function fire(tenantId: string, assetId: string, signature: string): Promise<string> {
  clock = new Date(clock.getTime() + 5_000);
  const alert: CanonicalAlert = {
    id: ulid(clock.getTime()),
    tenantId,
    source: 'test',
    status: 'firing',
    severity: 'critical',
    assetRef: assetId,
    assetId,
    signature,
    message: `${signature} on ${assetId}`,
    labels: {},
    dedupKey: `test|${assetId}|${signature}`,
    occurredAt: clock.toISOString(),
    receivedAt: clock.toISOString(),
    deliveryId: ulid(),
  };
  await storeAlerts(table, tenantId, [alert], clock);
  const correlate: CorrelateDeps = { table, now: () => clock, inventory: deps().inventory, policies: deps().policies };
  const [result] = await correlateAlerts([alert], correlate);
  if (!result || result.kind === 'failed' || result.kind === 'duplicate' || result.kind === 'unmatched-resolution')
    throw new Error(`not correlated: ${JSON.stringify(result)}`);
  return result.incidentId;
}

/** The events a tenant's changes committed, not handed to remediation yet. */
const handed = new Set<string>();
async function newEvents(tenantId: string): Promise<DomainEvent[]> {
  const events = await committedEvents(table, (event) => event.detail.tenantId === tenantId && !handed.has(event.detail.eventId));
  for (const event of events) handed.add(event.detail.eventId);
  return events;
}

/** Hands the tenant's new events to remediation, as the rules would (the rest are not for it). */
async function remediate(tenantId: string) {
  return Promise.all((await newEvents(tenantId)).map((event) => decideOnEvent(deps(), event)));
}

const decisionOf = async (tenantId: string, incidentId: string) =>
  (await getIncidentDetail(table, tenantId, incidentId))!.incident.decision;

test('the root arriving after its symptom: the decision is taken again on the database, the same as in the other order', async () => {
  // The database first: one incident rooted at it, decided with its SSM target.
  const first = await fire('resume-a', 'db-01', 'PostgresDown');
  await fire('resume-a', 'app-01', 'HTTP5xxErrors');
  await remediate('resume-a');
  const inOrder = (await decisionOf('resume-a', first))!;
  expect(inOrder).toMatchObject({ rootAssetId: 'db-01', revision: 1 });
  expect(inOrder.runbookId).toBeDefined();

  // The application first: decided with no target, then its root moves to the database: decided again.
  const incidentId = await fire('resume-b', 'app-01', 'HTTP5xxErrors');
  const opened = await remediate('resume-b');
  expect(opened).toEqual([expect.objectContaining({ kind: 'decided', action: 'route_to_technician' })]);
  expect(await fire('resume-b', 'db-01', 'PostgresDown')).toBe(incidentId);
  // The events of the first decision (RemediationDecided, IncidentAssigned) are not remediation's: its root moving is.
  const rootMoved = (await newEvents('resume-b')).find((event) => event.detailType === 'IncidentUpdated');
  expect(rootMoved).toMatchObject({ detailType: 'IncidentUpdated', detail: { decision: 'root-changed', rootChanged: true } });
  expect(await decideOnEvent(deps(), rootMoved!)).toMatchObject({ kind: 'decided', revised: true, runbookId: inOrder.runbookId });
  const revised = (await decisionOf('resume-b', incidentId))!;
  expect(revised).toMatchObject({ action: inOrder.action, runbookId: inOrder.runbookId, rootAssetId: 'db-01', revision: 2 });
  const detail = (await getIncidentDetail(table, 'resume-b', incidentId))!;
  expect(detail.timeline.filter((entry) => entry.type === 'remediation-decided').map((entry) => entry.reason)).toEqual([
    expect.stringMatching(/^route to technician/),
    expect.stringMatching(/^decided again \(its root moved\)/),
  ]);
  expect(
    await committedEvents(table, (event) => event.detailType === 'RemediationDecided' && event.detail.incidentId === incidentId),
  ).toEqual([
    expect.objectContaining({ detail: expect.not.objectContaining({ revised: true }) }),
    expect.objectContaining({ detail: expect.objectContaining({ revised: true }) }),
  ]);
  // The same event again: handled already, nothing changes.
  expect(await decideOnEvent(deps(), rootMoved!)).toMatchObject({ kind: 'skipped', reason: 'already handled' });
});

test('a decision is not revised while its execution runs: the timeline says it was kept', async () => {
  const incidentId = await fire('resume-c', 'db-01', 'PostgresDown');
  await remediate('resume-c');
  const decision = (await decisionOf('resume-c', incidentId))!;
  expect(started.map((input) => input.executionId)).toEqual([decision.executionId]);
  const outcome = await decideForIncident(deps(), 'resume-c', incidentId, { trigger: 'absorbed' });
  expect(outcome).toEqual({ kind: 'skipped', reason: 'an execution is running' });
  expect((await decisionOf('resume-c', incidentId))!.revision).toBe(1);
  const reasons = (await getIncidentDetail(table, 'resume-c', incidentId))!.timeline.map((entry) => entry.reason);
  expect(reasons).toContainEqual(expect.stringMatching(/^decision kept: .* is running \(absorbed\)/));
});

test('a decision stored but not acted on (a crash after the write) is acted on when asked again, once', async () => {
  const incidentId = await fire('resume-d', 'db-01', 'PostgresDown');
  // Decide on another incident of the same shape to learn what the decision is, then store it on this one as a crashed invocation would have.
  const model = await fire('resume-e', 'db-01', 'PostgresDown');
  await remediate('resume-e');
  const decided = (await decisionOf('resume-e', model))!;
  const stored: IncidentDecision = { ...decided, executionId: ulid(clock.getTime()), decidedAt: clock.toISOString() };
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.incident('resume-d', incidentId),
      UpdateExpression: 'SET #decision = :decision',
      ExpressionAttributeNames: { '#decision': 'decision' },
      ExpressionAttributeValues: { ':decision': stored },
    }),
  );
  started.length = 0;
  const resumed = await decideForIncident(deps(), 'resume-d', incidentId);
  expect(resumed).toMatchObject({ kind: 'decided', resumed: true, executionId: stored.executionId });
  expect(started.map((input) => input.executionId)).toEqual([stored.executionId]);
  expect(await getExecution(table, 'resume-d', stored.executionId!)).toMatchObject({
    stateMachineExecution: expect.stringContaining(stored.executionId!),
  });
  // Asked again: the execution started, so nothing more happens.
  expect(await decideForIncident(deps(), 'resume-d', incidentId)).toEqual({ kind: 'skipped', reason: 'already decided' });
  expect(started).toHaveLength(1);
  const startedEvents = await committedEvents(
    table,
    (event) => event.detailType === 'ExecutionStarted' && event.detail.incidentId === incidentId,
  );
  expect(startedEvents).toHaveLength(1);
});

describe('the repair sweep', () => {
  const slaDeps = (): SlaDeps => ({
    table,
    now: () => clock,
    timers: { create: async () => undefined, delete: async () => undefined },
    notify: async () => undefined,
  });
  const notifier = { deliver: { table }, dashboardUrl: 'http://localhost:3000' };

  test('an incident whose events were lost gets SLA clocks and a decision from a repair request, once', async () => {
    const incidentId = await fire('resume-f', 'app-01', 'DiskSpaceLow');
    // Its IncidentOpened never reaches anyone (a dead-lettered batch): nothing consumes it.
    await newEvents('resume-f');
    let incident = (await getIncidentDetail(table, 'resume-f', incidentId))!.incident;
    expect(missingParts(incident)).toEqual(['sla', 'decision']);

    // (The other tests' incidents have no SLA clocks either: only this one's requests are looked at.)
    const requestsFor = async () =>
      committedEvents(
        table,
        (event) => event.detailType === DETAIL_TYPES.incidentRepairRequested && event.detail.incidentId === incidentId,
      );
    // Too young: left alone.
    await repairIncidents({ table, now: () => clock });
    expect(await requestsFor()).toEqual([]);
    clock = new Date(clock.getTime() + 6 * 60_000);
    const swept = await repairIncidents({ table, now: () => clock });
    expect(swept.repaired.sla).toBeGreaterThanOrEqual(1);
    expect(swept.repaired.decision).toBeGreaterThanOrEqual(1);
    // A second sweep at once does not ask again.
    await repairIncidents({ table, now: () => clock });
    expect(await requestsFor()).toHaveLength(1);

    const [request] = (await newEvents('resume-f')).filter((event) => event.detailType === DETAIL_TYPES.incidentRepairRequested);
    expect(request).toMatchObject({ detail: { incidentId, missing: ['sla', 'decision'], attempt: 1 } });
    await handleSlaEvent(slaDeps(), notifier, request!);
    expect(await decideOnEvent(deps(), request!)).toMatchObject({ kind: 'decided' });
    incident = (await getIncidentDetail(table, 'resume-f', incidentId))!.incident;
    expect(incident.sla).toBeDefined();
    expect(incident.decision).toBeDefined();
    expect(incident.repair).toMatchObject({ attempts: 1 });
    expect(missingParts(incident)).toEqual([]);
    // Repaired: later sweeps leave it alone.
    clock = new Date(clock.getTime() + 20 * 60_000);
    await repairIncidents({ table, now: () => clock });
    expect(await requestsFor()).toHaveLength(1);
  });

  test('an incident that cannot be repaired is asked about a few times, spaced out, then left to the alarm', async () => {
    const incidentId = await fire('resume-g', 'app-01', 'NTPDrift');
    await newEvents('resume-g');
    const attempts: number[] = [];
    for (let round = 0; round < 8; round++) {
      clock = new Date(clock.getTime() + 16 * 60_000);
      const result = await repairIncidents({ table, now: () => clock }, { maxAttempts: 3 });
      if (result.repaired.decision) attempts.push(round);
      if (round >= 3) expect(result.givenUp).toBeGreaterThanOrEqual(1);
    }
    expect(attempts).toEqual([0, 1, 2]);
    expect((await getIncidentDetail(table, 'resume-g', incidentId))!.incident.repair).toMatchObject({ attempts: 3 });
  });
});

test('the sla and remediate consumers handle an event id once, however often it is delivered', async () => {
  const incidentId = await fire('resume-e', 'app-01', 'ServiceDown');
  const [opened] = (await newEvents('resume-e')).filter((event) => event.detailType === DETAIL_TYPES.incidentOpened);
  const slaDeps: SlaDeps = {
    table,
    now: () => clock,
    timers: { create: async () => undefined, delete: async () => undefined },
    notify: async () => undefined,
  };
  const notifier = { deliver: { table }, dashboardUrl: 'http://localhost:3000' };
  expect(await handleSlaEvent(slaDeps, notifier, opened!)).toMatchObject({ sla: { kind: 'started' } });
  expect(await handleSlaEvent(slaDeps, notifier, opened!)).toEqual({ skipped: 'already handled' });
  expect(await decideOnEvent(deps(), opened!)).toMatchObject({ kind: 'decided' });
  expect(await decideOnEvent(deps(), opened!)).toMatchObject({ kind: 'skipped', reason: 'already handled' });
  expect((await getIncidentDetail(table, 'resume-e', incidentId))!.incident.decision?.revision).toBe(1);
});
