/**
 * `npm run bench:ingest [-- --alerts 2000 --concurrency 16 --live]`: posts N generic alerts through the local
 * gateway (the full webhook path: API key, rate limit, normalization, idempotency, storage, SQS) and
 * prints accepted/s and p50/p99 latency, beside a bare DynamoDB Local PutItem p50/p99 measured in the
 * same run at the same concurrency (the floor), and the DynamoDB operations spent per accepted alert,
 * for ingestion and, after it drains, for correlation.
 *
 * Correlation: alerts per second until the alert queue drained (every accepted alert relayed to it and
 * none left in it, visible or in flight), and the queue's peak depth (sampled every 100 ms). By default
 * correlation is paused while the alerts come in and measured from its resumption (the backlog's drain);
 * with `--live` it runs during the ingestion, as in a storm, and is measured from the first accepted
 * alert (ingestion and correlation then share the machine, and their DynamoDB operations are counted together).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseArgs } from 'node:util';
import { dynamo } from '../../lib/aws/clients';
import { putRateLimit } from '../../lib/store/integrations';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { seedDemo } from '../../local/seed';
import { startLocalStack } from '../../local/stack';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoOpsCounter, percentile, pool, round } from './ops-counter';
import { perSecond, QueueDepthSampler, waitUntilDrained } from './pipeline-stats';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    live: { type: 'boolean', default: false },
  },
});
const total = Number(values.alerts);
const concurrency = Number(values.concurrency);
const live = values.live;
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('--alerts and --concurrency take positive whole numbers');
  process.exit(2);
}

/** `task` on `workers` concurrent workers; each call's latency, sorted. */
async function run(
  count: number,
  workers: number,
  task: (index: number) => Promise<void>,
  label: string,
): Promise<{ latencies: number[]; seconds: number }> {
  const { results, seconds } = await pool(
    count,
    workers,
    async (index) => {
      const t0 = performance.now();
      await task(index);
      return performance.now() - t0;
    },
    label,
  );
  return { latencies: results.sort((a, b) => a - b), seconds };
}

const dynamoLocal = await startDynamoDbLocal();
const stack = await startLocalStack({ port: 0, dataDir: null, dynamoEndpoint: dynamoLocal.endpoint, log: () => undefined });
try {
  const demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-bench-')));
  for (const tenant of demo.tenants) await putRateLimit(stack.table, tenant.id, { perMinute: 10_000_000, burst: 1_000_000 });
  const hosts = ['db-prod-01', 'app-prod-01', 'app-prod-02', '10.0.2.11:9100', 'lb-prod-01.acme.internal', 'unknown-host-7'];
  const signatures = ['HighCPU', 'DiskSpaceLow', 'MemoryHigh', 'ServiceDown', 'LatencyHigh'];

  // The floor: one bare PutItem per alert, same concurrency, same DynamoDB Local.
  const floor = await run(
    total,
    concurrency,
    (index) =>
      stack.table.db
        .send(
          new PutCommand({
            TableName: stack.table.tableName,
            Item: { pk: `T#bench#FLOOR`, sk: `item-${index}`, payload: 'x'.repeat(600) },
          }),
        )
        .then(() => undefined),
    'PutItem floor',
  );

  await stack.pauseCorrelation();
  /** Alerts the stream's relay handed to the alert queue so far (the warm-up's and the bench's come on top). */
  const handedOn = () => stack.streamReader?.stats().alerts ?? 0;
  const handedOnBefore = handedOn();
  // Warm the handler (cold start is not what this measures) and attach the counter to its client.
  const headers = { 'content-type': 'application/json', 'x-api-key': demo.tenants[0]!.apiKey };
  const warm = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ asset_name: 'warm', signature: 'Warm', severity: 'info', message: 'warm-up', tool_source: 'bench' }),
  });
  if (warm.status !== 202) throw new Error(`Warm-up failed: ${warm.status} ${await warm.text()}`);
  const counter = new DynamoOpsCounter();
  counter.attach(dynamo());
  if (live) stack.resumeCorrelation();
  const depth = new QueueDepthSampler(stack.sqs, stack.queueUrl, 100).start();

  let accepted = 0;
  let firstAcceptedAt: number | undefined;
  const ingest = await run(
    total,
    concurrency,
    async (index) => {
      const tenant = demo.tenants[index % demo.tenants.length]!;
      const body = JSON.stringify({
        asset_name: hosts[index % hosts.length],
        signature: signatures[Math.floor(index / hosts.length) % signatures.length],
        severity: 'high',
        message: `bench alert ${index}`,
        tool_source: 'bench',
        labels: { run: 'bench', index: String(index) },
      });
      const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
        method: 'POST',
        headers: { ...headers, 'x-api-key': tenant.apiKey, 'x-delivery-id': `bench-${index}` },
        body,
      });
      await response.arrayBuffer();
      if (response.status === 202) {
        firstAcceptedAt ??= performance.now();
        accepted++;
      } else throw new Error(`Alert ${index}: HTTP ${response.status}`);
    },
    'ingest',
  );
  const ingestEndedAt = performance.now();
  const ingestOps = counter.summary(accepted);

  if (!live) counter.reset();
  const correlationStarted = live ? (firstAcceptedAt ?? performance.now()) : performance.now();
  stack.resumeCorrelation();
  const drainedAt = await waitUntilDrained({ sqs: stack.sqs, queueUrl: stack.queueUrl, expected: handedOnBefore + 1 + accepted, handedOn });
  await depth.stop();
  // Then what the incidents' events set off (decisions, SLA timers, notifications, pushes).
  await stack.idle();
  const idleAt = performance.now();
  const correlationOps = counter.summary(accepted);

  const result = {
    alerts: total,
    concurrency,
    ingest: {
      accepted,
      acceptedPerSecond: round(accepted / ingest.seconds),
      p50Ms: round(percentile(ingest.latencies, 50)),
      p99Ms: round(percentile(ingest.latencies, 99)),
    },
    floorPutItem: {
      p50Ms: round(percentile(floor.latencies, 50)),
      p99Ms: round(percentile(floor.latencies, 99)),
      perSecond: round(total / floor.seconds),
    },
    dynamoOpsPerAcceptedAlert: live ? { ingestAndCorrelation: correlationOps } : { ingest: ingestOps, correlation: correlationOps },
    correlation: {
      mode: live ? 'live (from the first accepted alert)' : 'drain (from resuming the paused consumer)',
      alertsPerSecond: round(perSecond(accepted, correlationStarted, drainedAt)),
      drainedAfterSeconds: round((drainedAt - correlationStarted) / 1000, 2),
      ...(live ? { drainedAfterIngestEndSeconds: round((drainedAt - ingestEndedAt) / 1000, 2) } : {}),
      peakQueueDepth: depth.peak,
      /** Until everything the incidents set off was done too (runbook executions wait 20 s between SSM polls: not a rate). */
      stackIdleAfterSeconds: round((idleAt - correlationStarted) / 1000, 2),
    },
  };
  const ops = (summary: Record<string, number>) =>
    `${summary.requests} requests, ${summary.itemWrites} item writes, ${summary.itemReads} item reads`;
  console.log(`
Ingestion through the local gateway (${total} alerts, ${concurrency} concurrent clients)
  accepted/s            ${result.ingest.acceptedPerSecond}
  latency p50 / p99     ${result.ingest.p50Ms} ms / ${result.ingest.p99Ms} ms
  floor: bare PutItem   ${result.floorPutItem.p50Ms} ms / ${result.floorPutItem.p99Ms} ms  (${result.floorPutItem.perSecond}/s)
  DynamoDB per alert    ${live ? `ingest and correlation: ${ops(correlationOps)}` : `ingest: ${ops(ingestOps)}\n                        correlation: ${ops(correlationOps)}`}
  correlation           ${result.correlation.alertsPerSecond} alerts/s, ${live ? 'from the first accepted alert' : 'from resuming'} to the queue drained (${result.correlation.drainedAfterSeconds} s)
  alert queue peak      ${result.correlation.peakQueueDepth} messages
  whole stack idle      after ${result.correlation.stackIdleAfterSeconds} s (decisions, timers, notifications, runbook executions done too)
`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stack.stop();
  await dynamoLocal.stop();
}
