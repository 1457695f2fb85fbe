/**
 * `npm run bench:storm [-- --alerts 2000 --hosts 300 --seed 1 --out storm.json]`
 *
 * A storm on the live local stack (DynamoDB Local, the gateway, the stream relay, the alert queue,
 * correlation, decisions, SLA timers and notifications all running, as `npm start` runs them), measured
 * beside its floor in the same run, at 16 and then 64 concurrent clients (each level storms its own demo
 * company: acme, then globex):
 *
 * - floor: a bare DynamoDB Local PutItem at the same concurrency (p50/p99, per second), before the
 *   storm; and the floor during the storm: one PutItem after another while the storm runs, which waits
 *   behind everything the pipeline asks of the same DynamoDB Local (it serves every stage on one core);
 * - webhook: p50/p99 latency and accepted/s, and the ingestion transaction's own round trip within it;
 * - alert to incident: from the webhook's 202 to the alert's membership committed in its incident
 *   (readable through the API from then on: the membership's write stamp is the commit's wall clock),
 *   p50/p99, and when the last one was in, after the storm's last 202 (the drain);
 * - alert to first notification: for the storm's critical incidents, from the 202 of the first alert in
 *   the incident to its first delivered notification;
 * - correlation: alerts correlated per second while the storm lasted and after, and the alert queue's
 *   peak depth (sampled every 200 ms);
 * - DynamoDB requests, item writes, write and read units per accepted alert, and the requests' latency,
 *   by stage (the function the request ran in; write units as DynamoDB bills them: stage-counter.ts).
 *
 * The storm: a core switch fails first (critical), then hosts behind it (in the inventory, one
 * correlation scope) and hosts the inventory does not know (one scope each) alert, repeat and some
 * resolve, in a seeded order. Targets (ratios to the floor of the same run) are printed with the
 * figures: webhook p50 ≤ 2x and p99 ≤ 2x the PutItem's, ≤ 1.5 DynamoDB requests per accepted alert at
 * ingestion, correlation drained within 10 s of the storm's end. Exit code 0 even when a target is
 * missed (the figures are the result); 1 when the run itself failed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeTime } from 'ulid';
import { dynamo } from '../../lib/aws/clients';
import type { Asset } from '../../lib/domain/asset';
import { putAsset } from '../../lib/store/assets';
import { putRateLimit } from '../../lib/store/integrations';
import { keys } from '../../lib/store/keys';
import { mulberry32 } from '../../local/aws/faults';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { currentInvocation } from '../../local/lambda-runtime';
import { seedDemo, seedDemoOnCall } from '../../local/seed';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { percentile, pool, round } from './ops-counter';
import { StageCounter, type StageCounts } from './stage-counter';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '2000' },
    hosts: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const total = Number(values.alerts);
const hostCount = Number(values.hosts);
const seed = Number(values.seed);
if (![total, hostCount, seed].every((value) => Number.isInteger(value) && value > 0) || hostCount < 2) {
  console.error('--alerts, --hosts (at least 2) and --seed take positive whole numbers');
  process.exit(2);
}
const LEVELS: ReadonlyArray<{ concurrency: number; tenant: string }> = [
  { concurrency: 16, tenant: 'acme' },
  { concurrency: 64, tenant: 'globex' },
];
const DRAIN_TARGET_SECONDS = 10;

interface StormAlert {
  asset_name: string;
  signature: string;
  severity: string;
  status: 'firing' | 'resolved';
  message: string;
  tool_source: string;
}

const SWITCH = 'sw-core-storm';
const behindSwitch = (index: number) => `edge-${String(index).padStart(3, '0')}`;
const unknownHost = (index: number) => `node-${String(index).padStart(3, '0')}`;

/** The switch, then the hosts behind it and unknown hosts, each firing, repeating and sometimes resolving. */
function stormAlerts(count: number, hosts: number, next: () => number): StormAlert[] {
  const alerts: StormAlert[] = [
    {
      asset_name: SWITCH,
      signature: 'SwitchDown',
      severity: 'critical',
      status: 'firing',
      message: 'core switch unreachable',
      tool_source: 'storm',
    },
  ];
  const firing = new Set<string>();
  const signatures = ['HostUnreachable', 'NodeDown', 'ServiceDown', 'HighLatency'];
  while (alerts.length < count) {
    const index = Math.floor(next() * hosts);
    const host = index % 2 === 0 ? behindSwitch(index / 2) : unknownHost((index - 1) / 2);
    const signature = signatures[Math.floor(next() * signatures.length)] as string;
    const key = `${host}|${signature}`;
    const resolving = firing.has(key) && next() < 0.08;
    if (resolving) firing.delete(key);
    else firing.add(key);
    alerts.push({
      asset_name: host,
      signature,
      severity: next() < 0.25 ? 'critical' : 'high',
      status: resolving ? 'resolved' : 'firing',
      message: `${signature} on ${host}`,
      tool_source: 'storm',
    });
  }
  return alerts;
}

function stormAssets(hosts: number): Asset[] {
  const base = { aliases: [], tags: {}, critical: false };
  return [
    { ...base, id: SWITCH, name: SWITCH, type: 'network', dependsOn: [] },
    ...Array.from({ length: Math.ceil(hosts / 2) }, (_, index) => ({
      ...base,
      id: behindSwitch(index),
      name: behindSwitch(index),
      type: 'server' as const,
      dependsOn: [SWITCH],
    })),
  ];
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), count: sorted.length };
};

/** Items of a partition (all pages). */
async function queryAll(
  stack: LocalStack,
  input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await stack.table.db.send(new QueryCommand({ ...input, TableName: stack.table.tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

async function queueDepth(stack: LocalStack): Promise<number> {
  const { Attributes } = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

interface LevelResult {
  concurrency: number;
  tenant: string;
  floorPutItem: { p50Ms: number; p99Ms: number; perSecond: number };
  /** A PutItem issued one after another while the storm ran. */
  floorPutItemDuringStorm: { p50Ms: number; p99Ms: number; count: number };
  /** The ingestion transaction's own DynamoDB round trip, inside the webhook. */
  ingestTransaction: { p50Ms: number; p99Ms: number };
  webhook: { accepted: number; repeats: number; acceptedPerSecond: number; p50Ms: number; p99Ms: number; stormSeconds: number };
  alertToIncident: {
    p50Ms: number;
    p99Ms: number;
    count: number;
    unmatchedResolutions: number;
    notCorrelated: number;
    drainSeconds: number;
  };
  alertToFirstNotification: { p50Ms: number; p99Ms: number; count: number; criticalIncidents: number };
  correlation: { alertsPerSecond: number; peakQueueDepth: number };
  dynamoPerAcceptedAlert: Record<string, StageCounts>;
  targets: Record<string, { value: number; target: number; met: boolean }>;
}

async function stormLevel(stack: LocalStack, counter: StageCounter, level: (typeof LEVELS)[number], apiKey: string): Promise<LevelResult> {
  const { concurrency, tenant } = level;
  const floor = await pool(
    total,
    concurrency,
    async (index) => {
      const started = performance.now();
      await stack.table.db.send(
        new PutCommand({
          TableName: stack.table.tableName,
          Item: { pk: `T#bench#FLOOR${concurrency}`, sk: `item-${index}`, payload: 'x'.repeat(600) },
        }),
      );
      return performance.now() - started;
    },
    `PutItem floor (${concurrency})`,
  );

  const alerts = stormAlerts(total, hostCount, mulberry32(seed * 1000 + concurrency));
  const answeredAt = new Map<string, number>();
  let peakQueueDepth = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakQueueDepth = Math.max(peakQueueDepth, await queueDepth(stack));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();

  // The floor under the storm: one PutItem after another while the storm runs, through the same
  // DynamoDB Local the whole pipeline is using (what any single write waits for at that moment).
  let probing = true;
  const loadedFloor: number[] = [];
  const prober = (async () => {
    for (let index = 0; probing; index++) {
      const started = performance.now();
      await stack.table.db.send(
        new PutCommand({
          TableName: stack.table.tableName,
          Item: { pk: `T#bench#PROBE${concurrency}`, sk: `item-${index}`, payload: 'x'.repeat(600) },
        }),
      );
      loadedFloor.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();

  counter.start();
  const stormStarted = Date.now();
  let repeats = 0;
  const storm = await pool(
    alerts.length,
    concurrency,
    async (index) => {
      const started = performance.now();
      const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'x-delivery-id': `storm-${concurrency}-${index}` },
        body: JSON.stringify(alerts[index]),
      });
      const body = (await response.json()) as { accepted?: Array<{ alertId: string; duplicate: boolean }> };
      const latency = performance.now() - started;
      if (response.status === 200) repeats++;
      else if (response.status !== 202) throw new Error(`Storm alert ${index}: HTTP ${response.status} ${JSON.stringify(body)}`);
      for (const accepted of body.accepted ?? []) if (!accepted.duplicate) answeredAt.set(accepted.alertId, Date.now());
      return latency;
    },
    `storm (${concurrency} clients)`,
  );
  const lastAnswer = Date.now();
  probing = false;
  await prober;
  const ingestStage = counter.per(1);

  await stack.idle();
  sampling = false;
  await sampler;
  counter.stop();
  await counter.settle();
  const accepted = answeredAt.size;

  // When each alert was correlated: the write stamp of its membership (a ULID of the commit's clock).
  const incidents = await queryAll(stack, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.incidentsOf(tenant).gsi1pk },
  });
  const correlatedAt = new Map<string, number>();
  const firstAnswerOf = new Map<string, number>();
  for (const incident of incidents) {
    const memberships = await queryAll(stack, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)',
      ExpressionAttributeValues: { ':pk': keys.incidentPartition(tenant, String(incident.id)).pk, ':alert': 'ALERT#' },
    });
    for (const membership of memberships) {
      const alertId = String(membership.alertId);
      const answered = answeredAt.get(alertId);
      if (answered === undefined || typeof membership.seq !== 'string') continue;
      correlatedAt.set(alertId, decodeTime(membership.seq.split('.')[0] as string));
      firstAnswerOf.set(String(incident.id), Math.min(firstAnswerOf.get(String(incident.id)) ?? Infinity, answered));
    }
  }
  const toIncident = [...correlatedAt.entries()].map(([alertId, at]) => at - (answeredAt.get(alertId) as number));
  // The accepted alerts in no incident: resolutions correlation found nothing firing for (a storm's
  // clients reorder a firing and its resolution), or alerts not correlated at all (a loss).
  const outside = new Set([...answeredAt.keys()].filter((alertId) => !correlatedAt.has(alertId)));
  let unmatched = 0;
  if (outside.size) {
    const stored = await queryAll(stack, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.alertsOf(tenant).pk },
    });
    unmatched = stored.filter(
      (alert) => outside.has(String(alert.sk)) && alert.status === 'resolved' && typeof alert.correlation === 'string',
    ).length;
  }
  const lastCorrelated = Math.max(...correlatedAt.values());

  // The first delivered notification of each critical incident of the storm.
  const deliveries = await queryAll(stack, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.notificationDeliveriesOf(tenant).pk },
  });
  const firstNotified = new Map<string, number>();
  for (const delivery of deliveries) {
    if (delivery.status !== 'delivered') continue;
    const at = Date.parse(String(delivery.completedAt));
    const incidentId = String(delivery.incidentId);
    firstNotified.set(incidentId, Math.min(firstNotified.get(incidentId) ?? Infinity, at));
  }
  const critical = incidents.filter((incident) => incident.severity === 'critical' && firstAnswerOf.has(String(incident.id)));
  const toNotification = critical
    .filter((incident) => firstNotified.has(String(incident.id)))
    .map((incident) => (firstNotified.get(String(incident.id)) as number) - (firstAnswerOf.get(String(incident.id)) as number));

  const webhookLatency = stats(storm.results);
  const floorLatency = stats(floor.results);
  const perAlert = counter.per(accepted);
  const perAlertLatency = perAlert.ingestWebhook?.latencyMs ?? { p50: NaN, p99: NaN };
  const ingestRequests = (ingestStage.ingestWebhook?.requests ?? 0) / accepted;
  const drainSeconds = round(Math.max(0, lastCorrelated - lastAnswer) / 1000);
  const target = (value: number, limit: number) => ({ value: round(value, 2), target: limit, met: value <= limit });
  return {
    concurrency,
    tenant,
    floorPutItem: { ...floorLatency, perSecond: round(total / floor.seconds) },
    floorPutItemDuringStorm: stats(loadedFloor),
    ingestTransaction: { p50Ms: perAlertLatency.p50, p99Ms: perAlertLatency.p99 },
    webhook: {
      accepted,
      repeats,
      acceptedPerSecond: round(accepted / storm.seconds),
      p50Ms: webhookLatency.p50Ms,
      p99Ms: webhookLatency.p99Ms,
      stormSeconds: round(storm.seconds),
    },
    alertToIncident: { ...stats(toIncident), unmatchedResolutions: unmatched, notCorrelated: outside.size - unmatched, drainSeconds },
    alertToFirstNotification: { ...stats(toNotification), criticalIncidents: critical.length },
    correlation: { alertsPerSecond: round(correlatedAt.size / Math.max(0.001, (lastCorrelated - stormStarted) / 1000)), peakQueueDepth },
    dynamoPerAcceptedAlert: perAlert,
    targets: {
      'webhook p50 / floor p50': target(webhookLatency.p50Ms / floorLatency.p50Ms, 2),
      'webhook p99 / floor p99': target(webhookLatency.p99Ms / floorLatency.p99Ms, 2),
      'webhook p50 / floor-during-storm p50': target(webhookLatency.p50Ms / stats(loadedFloor).p50Ms, 2),
      'webhook p99 / floor-during-storm p99': target(webhookLatency.p99Ms / stats(loadedFloor).p99Ms, 2),
      'ingestion DynamoDB requests per accepted alert': target(ingestRequests, 1.5),
      'correlation drained after the storm (s)': target(drainSeconds, DRAIN_TARGET_SECONDS),
    },
  };
}

function report(result: LevelResult): string {
  const stages = Object.entries(result.dynamoPerAcceptedAlert)
    .map(
      ([stage, counts]) =>
        `    ${stage.padEnd(18)} ${String(counts.requests).padStart(6)} requests  ${String(counts.itemWrites).padStart(6)} item writes  ${String(counts.writeUnits).padStart(6)} write units  ${String(counts.readUnits).padStart(6)} read units  (p50 ${counts.latencyMs.p50} ms / p99 ${counts.latencyMs.p99} ms a request)`,
    )
    .join('\n');
  const targets = Object.entries(result.targets)
    .map(([name, { value, target, met }]) => `    ${met ? 'met   ' : 'MISSED'} ${name}: ${value} (target ≤ ${target})`)
    .join('\n');
  return `
Storm at ${result.concurrency} concurrent clients (${result.tenant}: ${result.webhook.accepted} alerts accepted, ${result.webhook.repeats} repeats, in ${result.webhook.stormSeconds} s)
  floor: bare PutItem      p50 ${result.floorPutItem.p50Ms} ms / p99 ${result.floorPutItem.p99Ms} ms  (${result.floorPutItem.perSecond}/s)
  floor during the storm    p50 ${result.floorPutItemDuringStorm.p50Ms} ms / p99 ${result.floorPutItemDuringStorm.p99Ms} ms  (${result.floorPutItemDuringStorm.count} PutItems one after another)
  webhook                  p50 ${result.webhook.p50Ms} ms / p99 ${result.webhook.p99Ms} ms  (${result.webhook.acceptedPerSecond} accepted/s)
    its transaction        p50 ${result.ingestTransaction.p50Ms} ms / p99 ${result.ingestTransaction.p99Ms} ms  (the ingestion's DynamoDB round trip)
  alert -> incident        p50 ${result.alertToIncident.p50Ms} ms / p99 ${result.alertToIncident.p99Ms} ms  (${result.alertToIncident.count} in incidents, ${result.alertToIncident.unmatchedResolutions} unmatched resolutions, ${result.alertToIncident.notCorrelated} not correlated; drained ${result.alertToIncident.drainSeconds} s after the last 202)
  alert -> first page      p50 ${result.alertToFirstNotification.p50Ms} ms / p99 ${result.alertToFirstNotification.p99Ms} ms  (${result.alertToFirstNotification.count} of ${result.alertToFirstNotification.criticalIncidents} critical incidents notified)
  correlation              ${result.correlation.alertsPerSecond} alerts/s, peak queue depth ${result.correlation.peakQueueDepth}
  DynamoDB per accepted alert, by stage:
${stages}
  targets:
${targets}
`;
}

const dynamoLocal = await startDynamoDbLocal();
const stack = await startLocalStack({ port: 0, dataDir: null, dynamoEndpoint: dynamoLocal.endpoint, log: () => undefined });
try {
  const demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-storm-')));
  await seedDemoOnCall(stack.table);
  const counter = new StageCounter(() => currentInvocation.getStore()?.functionName ?? 'other');
  counter.attach(dynamo());
  const results: LevelResult[] = [];
  for (const level of LEVELS) {
    const tenant = demo.tenants.find((candidate) => candidate.id === level.tenant);
    if (!tenant) throw new Error(`The demo has no tenant ${level.tenant}`);
    await putRateLimit(stack.table, tenant.id, { perMinute: 10_000_000, burst: 1_000_000 });
    for (const asset of stormAssets(hostCount)) await putAsset(stack.table, tenant.id, asset);
    // Warm the handlers (cold starts are not what this measures).
    const warm = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify({ asset_name: 'warm-up', signature: 'WarmUp', severity: 'info', message: 'warm-up', tool_source: 'bench' }),
    });
    if (warm.status !== 202) throw new Error(`Warm-up failed: ${warm.status} ${await warm.text()}`);
    await stack.idle();
    const result = await stormLevel(stack, counter, level, tenant.apiKey);
    console.log(report(result));
    results.push(result);
  }
  const output = { alerts: total, hosts: hostCount, seed, at: new Date().toISOString(), levels: results };
  if (values.out) writeFileSync(values.out, `${JSON.stringify(output, null, 2)}\n`);
  else console.log(JSON.stringify(output, null, 2));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stack.stop();
  await dynamoLocal.stop();
}
