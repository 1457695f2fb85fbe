/**
 * `npm run bench:correlation [-- --size 3000 --seed 1 --concurrency 32]`
 *
 * Generates the labelled workload (./workload.ts), runs it through the replay (the same ingest and
 * correlate code, on an in-memory DynamoDB Local) and prints, beside the seed documents' rule ("same
 * asset and signature within 15 minutes", computed on the same normalized alerts) and the targets:
 * noise reduction, B-cubed precision/recall/F1, false merges, cross-tenant merges, lost alerts; then a
 * per-scenario breakdown, replay deliveries/s and DynamoDB operations per alert, beside the ceiling the
 * same DynamoDB Local sustains (bare PutItem/s at the same concurrency, after the replay). Definitions: ./scoring.ts.
 * Exit code 0 whatever the scores (the engine is being improved): failing targets are printed as FAIL.
 */
import { parseArgs } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/aws/clients';
import { adapterFor } from '../../lib/ingest/formats';
import { replayDeliveries, type ReplayResult } from '../../lib/replay/replay';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb';
import { DynamoOpsCounter, pool } from './ops-counter';
import { bcubedByGroup, score, seedRuleGroups, table, type BaselineAlert, type Scores, type ScoredItem } from './scoring';
import { generateWorkload, SCENARIOS, type Workload } from './workload';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
  },
});
const size = Number(values.size);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(size) || size < 10 || !Number.isInteger(seed) || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('--size (at least 10), --seed and --concurrency take whole numbers');
  process.exit(2);
}

/** Items of our engine's result: each alert of each delivery line, with its true and predicted incident. */
function ourItems(workload: Workload, result: ReplayResult): { items: ScoredItem[]; mismatches: number } {
  let mismatches = 0;
  const items: ScoredItem[] = [];
  result.deliveries.forEach((delivery, index) => {
    const line = workload.deliveries[index];
    if (!line || line.id !== delivery.id) throw new Error(`Replay result out of order at ${index}`);
    const labels = workload.truth[delivery.id] ?? [];
    if (!delivery.rejected && delivery.alerts.length !== labels.length) mismatches++;
    labels.forEach((label, alertIndex) => {
      items.push({
        tenant: delivery.tenant,
        truth: label,
        predicted: delivery.alerts[alertIndex]?.incidentId ?? null,
        group: label === null ? 'orphan-resolution' : workload.scenarioOf[label],
      });
    });
  });
  return { items, mismatches };
}

/** The seed rule over the same alerts, normalized by the same adapters. */
function seedItems(workload: Workload): ScoredItem[] {
  const alerts: Array<BaselineAlert & { truth: string | null }> = [];
  for (const line of workload.deliveries) {
    const adapter = adapterFor(line.source);
    const labels = workload.truth[line.id] ?? [];
    const normalized = adapter ? adapter(line.body, new Date(line.receivedAt)) : [];
    labels.forEach((label, index) => {
      const alert = normalized[index];
      alerts.push({
        tenant: line.tenant,
        assetRef: alert?.assetRef ?? `unparsed:${line.id}`,
        signature: alert?.signature ?? `unparsed:${line.id}:${index}`,
        at: alert ? Date.parse(alert.occurredAt) : Date.parse(line.receivedAt),
        truth: label,
      });
    });
  }
  const groups = seedRuleGroups(alerts);
  return alerts.map((alert, index) => ({
    tenant: alert.tenant,
    truth: alert.truth,
    predicted: groups[index] as string,
    group: alert.truth === null ? 'orphan-resolution' : workload.scenarioOf[alert.truth],
  }));
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const num = (value: number) => value.toFixed(3);

function scoreTable(ours: Scores, seedRule: Scores): { text: string; failing: string[] } {
  const failing: string[] = [];
  const check = (name: string, pass: boolean) => {
    if (!pass) failing.push(name);
    return pass ? 'PASS' : 'FAIL';
  };
  const rows = [
    ['metric', 'ours', 'seed rule', 'target', ''],
    ['alerts (items)', String(ours.items), String(seedRule.items), '', ''],
    ['true incidents', String(ours.trueIncidents), String(seedRule.trueIncidents), '', ''],
    ['predicted incidents', String(ours.predictedIncidents), String(seedRule.predictedIncidents), '', ''],
    [
      'noise reduction',
      pct(ours.noiseReduction),
      pct(seedRule.noiseReduction),
      `>= ${pct(ours.idealNoiseReduction - 0.05)} (ideal ${pct(ours.idealNoiseReduction)} - 5 pts)`,
      check('noise reduction', ours.noiseReduction >= ours.idealNoiseReduction - 0.05),
    ],
    ['B-cubed precision', num(ours.precision), num(seedRule.precision), '>= 0.970', check('B-cubed precision', ours.precision >= 0.97)],
    ['B-cubed recall', num(ours.recall), num(seedRule.recall), '>= 0.900', check('B-cubed recall', ours.recall >= 0.9)],
    ['B-cubed F1', num(ours.f1), num(seedRule.f1), '', ''],
    [
      'false merges (pairs)',
      `${ours.falseMerges} in ${ours.mergedIncidents} inc.`,
      `${seedRule.falseMerges} in ${seedRule.mergedIncidents} inc.`,
      '',
      '',
    ],
    ['splits', String(ours.splits), String(seedRule.splits), '', ''],
    [
      'cross-tenant merges',
      String(ours.crossTenantMerges),
      String(seedRule.crossTenantMerges),
      '0',
      check('cross-tenant merges', ours.crossTenantMerges === 0),
    ],
    ['lost alerts', String(ours.lostAlerts), String(seedRule.lostAlerts), '0', check('lost alerts', ours.lostAlerts === 0)],
  ];
  return { text: table(rows), failing };
}

function scenarioTable(ours: ScoredItem[], seedRule: ScoredItem[]): string {
  const a = bcubedByGroup(ours);
  const b = bcubedByGroup(seedRule);
  const rows = [['scenario', 'items', 'true inc.', 'ours P', 'ours R', 'seed P', 'seed R']];
  for (const scenario of SCENARIOS) {
    const mine = a.get(scenario);
    const theirs = b.get(scenario);
    if (!mine || !theirs) continue;
    const incidents = new Set(ours.filter((item) => item.group === scenario && item.truth !== null).map((item) => item.truth)).size;
    rows.push([
      scenario,
      String(mine.items),
      String(incidents),
      num(mine.precision),
      num(mine.recall),
      num(theirs.precision),
      num(theirs.recall),
    ]);
  }
  return table(rows);
}

const CEILING_WRITES = 5_000;

/** What the same DynamoDB Local sustains of the cheapest write at the replay's concurrency: the ceiling it works under. */
async function putItemCeiling(db: ReturnType<typeof createDocumentClient>, tableName: string, workers: number) {
  const { seconds } = await pool(
    CEILING_WRITES,
    workers,
    (index) =>
      db.send(new PutCommand({ TableName: tableName, Item: { pk: 'T#bench#CEILING', sk: `item-${index}`, payload: 'x'.repeat(600) } })),
    'DynamoDB Local ceiling',
  );
  return { perSecond: CEILING_WRITES / seconds };
}

const generationStarted = performance.now();
const workload = generateWorkload({ size, seed });
const generationSeconds = (performance.now() - generationStarted) / 1000;
console.log(
  `Workload: ${workload.deliveries.length} deliveries, ${workload.fixture.tenants.length} tenants, ` +
    `${Object.keys(workload.scenarioOf).length} true incidents (seed ${seed}, generated in ${generationSeconds.toFixed(1)} s)`,
);

const dynamoLocal = await startDynamoDbLocal();
process.once('SIGINT', () => {
  void dynamoLocal.stop().then(() => process.exit(130));
});
try {
  const seedRuleItems = seedItems(workload);
  {
    const tableName = `bench-correlation-${Date.now()}`;
    await ensureTable(dynamoLocal.endpoint, tableName);
    const db = createDocumentClient({ endpoint: dynamoLocal.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const counter = new DynamoOpsCounter();
    counter.attach(db);
    let processingOps: Record<string, number> = {};
    let lastReport = performance.now();
    const result = await replayDeliveries(
      { fixture: workload.fixture, deliveries: workload.deliveries },
      {
        table: { db, tableName },
        concurrency,
        onProgress: ({ processed, seconds }) => {
          if (performance.now() - lastReport < 2000) return;
          lastReport = performance.now();
          process.stderr.write(`  replay: ${processed}/${workload.deliveries.length}, ${Math.round(processed / seconds)} deliveries/s\n`);
        },
        // Only ingestion and correlation count: not the fixture, not the read-back.
        onProcessingStart: () => counter.reset(),
        onProcessed: () => (processingOps = counter.summary(1)),
      },
    );
    const { stats } = result;
    const ceiling = await putItemCeiling(db, tableName, concurrency);
    const perAlert = (count: number | undefined) => ((count ?? 0) / Math.max(1, stats.storedAlerts)).toFixed(2);
    const operations = Object.keys(processingOps).filter((key) => !['requests', 'itemWrites', 'itemReads'].includes(key));
    const { items, mismatches } = ourItems(workload, result);
    const ours = score(items);
    const seedScores = score(seedRuleItems);
    const { text, failing } = scoreTable(ours, seedScores);
    console.log(`\nReplay, concurrency ${concurrency}`);
    console.log(
      `  ${stats.deliveries} deliveries, ${stats.alerts} alerts (${stats.storedAlerts} stored), ${stats.incidents} incidents, ` +
        `${stats.unmatched} unmatched, ${stats.rejected} rejected${mismatches ? `, ${mismatches} deliveries with an unexpected alert count` : ''}`,
    );
    console.log(`  throughput: ${Math.round(stats.deliveriesPerSecond)} deliveries/s (${stats.processingSeconds.toFixed(1)} s)`);
    // The replay's requests are transactions of up to 100 items: what bounds it is items written a second.
    const itemWritesPerAlert = (processingOps.itemWrites ?? 0) / Math.max(1, stats.storedAlerts);
    console.log(
      `  DynamoDB Local ceiling in this run: ${Math.round(ceiling.perSecond)} bare PutItem/s at concurrency ${concurrency} ` +
        `(${CEILING_WRITES} writes); the replay wrote ${Math.round((processingOps.itemWrites ?? 0) / stats.processingSeconds)} items/s, ` +
        `${itemWritesPerAlert.toFixed(2)} an alert: at the ceiling's rate that is ` +
        `${Math.round(ceiling.perSecond / Math.max(0.01, itemWritesPerAlert))} alerts/s at most`,
    );
    console.log(
      `  DynamoDB per stored alert: ${perAlert(processingOps.requests)} requests ` +
        `(${operations.map((operation) => `${operation} ${perAlert(processingOps[operation])}`).join(', ')}), ` +
        `${perAlert(processingOps.itemWrites)} item writes, ${perAlert(processingOps.itemReads)} item reads\n`,
    );
    console.log(text);
    console.log(`\nPer scenario (B-cubed over each scenario's alerts):\n${scenarioTable(items, seedRuleItems)}`);
    console.log(failing.length ? `\nTargets failing: ${failing.join(', ')}` : '\nAll targets met.');
  }
} finally {
  await dynamoLocal.stop();
}
