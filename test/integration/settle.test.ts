import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SCHEDULES } from '../../functions/catalog';
import { DEFAULT_POLICY, mergePolicy } from '../../lib/domain/correlation/policy';
import { correlationPolicies } from '../../lib/store/correlation-policy';
import { seedDemo, type DemoInfo } from '../../local/seed';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { testDynamoEndpoint, testMotoEndpoint } from '../helpers/dynamo';
import { createTenant, getJson, login, postJson } from '../helpers/local-stack';

/**
 * The settle sweep on the local stack: an incident whose last firing alert resolved resolves when its
 * grace period ends, with no further alert, because the catalog's schedule runs the `settle` function
 * (here every 500 ms instead of every minute); a refire within the grace period keeps it open.
 */
const SCHEDULE_SCALE = 1 / 120;
const SWEEP_MS = SCHEDULES.find((schedule) => schedule.function === 'settle')!.everyMinutes * 60_000 * SCHEDULE_SCALE;

let stack: LocalStack;
let demo: DemoInfo;
let token: string;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    dynamoEndpoint: testDynamoEndpoint(),
    motoEndpoint: testMotoEndpoint(),
    tableName: 'settle-test',
    log: () => undefined,
    scheduleScale: SCHEDULE_SCALE,
  });
  demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-demo-')));
  token = await login(stack, demo, demo.admin.email);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** A tenant of the test's own whose policy is set before its first alert (correlation caches policies a minute). */
async function tenantWithGrace(tenantId: string, graceSeconds: number): Promise<string> {
  const apiKey = await createTenant(stack, tenantId);
  await correlationPolicies.put(stack.table, tenantId, mergePolicy(DEFAULT_POLICY, { graceSeconds }), 'settle.test', new Date(), 0);
  return apiKey;
}

async function postAlert(apiKey: string, status: 'firing' | 'resolved', deliveryId: string): Promise<void> {
  const body = { asset_name: 'web-01', signature: 'HttpErrors', severity: 'high', message: '5xx above 5%', tool_source: 'test', status };
  const response = await postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': apiKey, 'x-delivery-id': deliveryId });
  expect(response.status).toBe(202);
  await stack.idle();
}

async function onlyIncident(tenantId: string): Promise<{ id: string }> {
  const { status, body } = await getJson(stack, `/v1/incidents?tenant=${tenantId}`, token);
  expect(status).toBe(200);
  expect(body.incidents).toHaveLength(1);
  return body.incidents[0];
}

async function detail(tenantId: string, incidentId: string): Promise<any> {
  const { status, body } = await getJson(stack, `/v1/incidents/${incidentId}?tenant=${tenantId}`, token);
  expect(status).toBe(200);
  return body;
}

async function settleMarkersOf(tenantId: string): Promise<Record<string, unknown>[]> {
  const { Items } = await stack.table.db.send(
    new QueryCommand({
      TableName: stack.table.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'tenantId = :tenant',
      ExpressionAttributeValues: { ':pk': 'MSP#SETTLE', ':tenant': tenantId },
    }),
  );
  return Items ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an incident whose last alert resolved resolves when its grace period ends, with no further alert', async () => {
  const tenantId = 'settle-quiet';
  const apiKey = await tenantWithGrace(tenantId, 1);
  await postAlert(apiKey, 'firing', 'quiet-1');
  const { id } = await onlyIncident(tenantId);
  await postAlert(apiKey, 'resolved', 'quiet-2');

  const pending = await detail(tenantId, id);
  expect(pending.timeline.map((entry: any) => entry.type)).toContain('resolution-pending');
  const pendingAt = pending.timeline.find((entry: any) => entry.type === 'resolution-pending').at as string;

  // Only the schedule can resolve it now: nothing else comes to this tenant.
  const deadline = Date.now() + 8_000;
  let current = pending;
  while (current.incident.status !== 'resolved' && Date.now() < deadline) {
    await sleep(100);
    current = await detail(tenantId, id);
  }
  // One alert (its resolution is an event on its row, not a second alert), fired once.
  expect(current.incident).toMatchObject({ status: 'resolved', alertCount: 1, occurrences: 1 });
  expect(current.incident.resolvesAt).toBeUndefined();
  // Resolved as of the end of its grace period, not as of the sweep that noticed.
  expect(Date.parse(current.incident.resolvedAt)).toBe(Date.parse(pendingAt) + 1_000);
  const resolved = current.timeline.filter((entry: any) => entry.type === 'incident-resolved');
  expect(resolved).toEqual([
    expect.objectContaining({
      at: current.incident.resolvedAt,
      reason: expect.stringMatching(/none fired again within the .* grace period/),
    }),
  ]);
  // The list (gsi2 by status) agrees, and the sweep deleted the marker it acted on.
  expect((await getJson(stack, `/v1/incidents?tenant=${tenantId}&status=resolved`, token)).body.incidents).toEqual([
    expect.objectContaining({ id, status: 'resolved' }),
  ]);
  await stack.idle();
  expect(await settleMarkersOf(tenantId)).toEqual([]);
}, 20_000);

test('a refire within the grace period keeps the incident open through later sweeps', async () => {
  const tenantId = 'settle-refire';
  const graceSeconds = 3;
  const apiKey = await tenantWithGrace(tenantId, graceSeconds);
  await postAlert(apiKey, 'firing', 'refire-1');
  const { id } = await onlyIncident(tenantId);
  await postAlert(apiKey, 'resolved', 'refire-2');
  expect(await settleMarkersOf(tenantId)).toHaveLength(1);
  await postAlert(apiKey, 'firing', 'refire-3');

  const afterRefire = await detail(tenantId, id);
  // Still one alert, now fired twice.
  expect(afterRefire.incident).toMatchObject({ status: 'open', alertCount: 1, occurrences: 2 });
  expect(afterRefire.incident.resolvesAt).toBeUndefined();

  // Past the grace period and a few sweeps more.
  await sleep(graceSeconds * 1_000 + 4 * SWEEP_MS);
  await stack.idle();
  expect((await onlyIncident(tenantId)).id).toBe(id);
  const later = await detail(tenantId, id);
  expect(later.incident).toMatchObject({ status: 'open', alertCount: 1, occurrences: 2 });
  expect(later.timeline.map((entry: any) => entry.type)).not.toContain('incident-resolved');
  // The stale marker was swept (nothing to resolve in its scope) and deleted.
  expect(await settleMarkersOf(tenantId)).toEqual([]);
}, 20_000);
