/**
 * `npx tsx scripts/bench/correlation-independent.ts [--size 3000 --seed 1 --concurrency 32 --examples 5 --all-examples]`
 *
 * Replays the independent workload (./workload-independent.ts) on an in-memory DynamoDB Local and
 * scores it with ./scoring.ts: the metrics table with targets, a per-scenario breakdown and, for every
 * scenario below target, examples of split and wrongly merged true incidents (deliveries with tool,
 * signature, asset, time; truth label vs. the incident the replay put them in).
 */
import { parseArgs } from 'node:util';
import { createDocumentClient } from '../../lib/aws/clients';
import { replayDeliveries, type ReplayResult } from '../../lib/replay/replay';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb';
import { bcubedByGroup, score, table, type ScoredItem } from './scoring';
import { generateIndependentWorkload, IND_SCENARIOS, type IndWorkload } from './workload-independent';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
    examples: { type: 'string', default: '5' },
    /** Print split/merge examples for every scenario that has any, not only those below target. */
    'all-examples': { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const exampleCount = Number(values.examples);

interface Item extends ScoredItem {
  delivery: string;
  text: string;
  at: string;
}

function itemsOf(workload: IndWorkload, result: ReplayResult): { items: Item[]; mismatches: number } {
  let mismatches = 0;
  const items: Item[] = [];
  result.deliveries.forEach((delivery, index) => {
    const line = workload.deliveries[index];
    if (!line || line.id !== delivery.id) throw new Error(`Replay result out of order at ${index}`);
    const labels = workload.truth[delivery.id] ?? [];
    if (!delivery.rejected && delivery.alerts.length !== labels.length) mismatches++;
    if (delivery.rejected) console.error(`rejected ${delivery.id}: ${delivery.rejected.message}`);
    labels.forEach((label, alertIndex) => {
      items.push({
        tenant: delivery.tenant,
        truth: label,
        predicted: delivery.alerts[alertIndex]?.incidentId ?? null,
        group: label === null ? 'orphan-resolution' : workload.scenarioOf[label],
        delivery: delivery.id,
        text: workload.describe[delivery.id]?.[alertIndex] ?? '',
        at: line.receivedAt,
      });
    });
  });
  return { items, mismatches };
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const num = (value: number) => value.toFixed(3);
const shortId = (id: string | null) => (id === null ? 'NONE' : `inc…${id.slice(-6)}`);

function examples(items: Item[], scenario: string): string[] {
  const out: string[] = [];
  const mine = items.filter((item) => item.group === scenario);
  // Splits: a true incident over several predicted incidents (or lost).
  const byTruth = new Map<string, Item[]>();
  for (const item of mine) if (item.truth) byTruth.set(item.truth, [...(byTruth.get(item.truth) ?? []), item]);
  for (const [truth, members] of byTruth) {
    const predicted = new Set(members.map((item) => item.predicted));
    if (predicted.size <= 1 && !predicted.has(null)) continue;
    if (out.length >= exampleCount * 2) break;
    const lines = dedupe(members).map(
      (item) => `      ${item.at.slice(5, 19)} [${item.tenant}] ${item.text} -> ${shortId(item.predicted)}`,
    );
    out.push(`  SPLIT truth ${truth} (${members.length} alerts -> ${predicted.size} predicted):\n${lines.slice(0, 10).join('\n')}`);
  }
  // Merges: a predicted incident holding this scenario's true incident plus another.
  const byPredicted = new Map<string, Item[]>();
  for (const item of items) if (item.predicted) byPredicted.set(item.predicted, [...(byPredicted.get(item.predicted) ?? []), item]);
  let merges = 0;
  for (const [predicted, members] of byPredicted) {
    const truths = new Set(members.map((item) => item.truth));
    if (truths.size < 2 || !members.some((item) => item.group === scenario)) continue;
    if (merges++ >= exampleCount) break;
    const lines = dedupe(members).map(
      (item) => `      ${item.at.slice(5, 19)} [${item.tenant}] ${item.text}  truth=${item.truth ?? 'null'}`,
    );
    out.push(`  MERGE predicted ${shortId(predicted)} holds ${[...truths].join(', ')}:\n${lines.slice(0, 12).join('\n')}`);
  }
  return out;
}

/** Repeated notifications of the same text collapse to their first few. */
function dedupe(items: Item[]): Item[] {
  const seen = new Map<string, number>();
  return items.filter((item) => {
    const key = `${item.text.replace(/ \d\d-\d\dT.*$/, '')}|${item.predicted}|${item.truth}`;
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return count <= 2;
  });
}

const workload = generateIndependentWorkload({ size, seed });
console.log(
  `Independent workload: ${workload.deliveries.length} deliveries, ${workload.fixture.tenants.length} tenants, ` +
    `${Object.keys(workload.scenarioOf).length} true incidents (seed ${seed})`,
);
const dynamoLocal = await startDynamoDbLocal();
process.once('SIGINT', () => {
  void dynamoLocal.stop().then(() => process.exit(130));
});
try {
  const tableName = `bench-independent-${Date.now()}`;
  await ensureTable(dynamoLocal.endpoint, tableName);
  const db = createDocumentClient({ endpoint: dynamoLocal.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const result = await replayDeliveries(
    { fixture: workload.fixture, deliveries: workload.deliveries },
    { table: { db, tableName }, concurrency },
  );
  const { stats } = result;
  const { items, mismatches } = itemsOf(workload, result);
  const ours = score(items);
  console.log(
    `  ${stats.deliveries} deliveries, ${stats.alerts} alerts (${stats.storedAlerts} stored), ${stats.incidents} incidents, ` +
      `${stats.unmatched} unmatched, ${stats.rejected} rejected${mismatches ? `, ${mismatches} deliveries with an unexpected alert count` : ''}, ` +
      `${Math.round(stats.deliveriesPerSecond)} deliveries/s\n`,
  );
  const failing: string[] = [];
  const check = (name: string, pass: boolean) => {
    if (!pass) failing.push(name);
    return pass ? 'PASS' : 'FAIL';
  };
  console.log(
    table([
      ['metric', 'ours', 'target', ''],
      ['alerts (items)', String(ours.items), '', ''],
      ['true incidents', String(ours.trueIncidents), '', ''],
      ['predicted incidents', String(ours.predictedIncidents), '', ''],
      [
        'noise reduction',
        pct(ours.noiseReduction),
        `>= ${pct(ours.idealNoiseReduction - 0.05)} (ideal ${pct(ours.idealNoiseReduction)} - 5 pts)`,
        check('noise reduction', ours.noiseReduction >= ours.idealNoiseReduction - 0.05),
      ],
      ['B-cubed precision', num(ours.precision), '>= 0.970', check('B-cubed precision', ours.precision >= 0.97)],
      ['B-cubed recall', num(ours.recall), '>= 0.900', check('B-cubed recall', ours.recall >= 0.9)],
      ['B-cubed F1', num(ours.f1), '', ''],
      ['false merges (pairs)', `${ours.falseMerges} in ${ours.mergedIncidents} inc.`, '', ''],
      ['splits', String(ours.splits), '', ''],
      ['cross-tenant merges', String(ours.crossTenantMerges), '0', check('cross-tenant merges', ours.crossTenantMerges === 0)],
      ['lost alerts', String(ours.lostAlerts), '0', check('lost alerts', ours.lostAlerts === 0)],
    ]),
  );
  const groups = bcubedByGroup(items);
  const rows = [['scenario', 'items', 'true inc.', 'P', 'R', 'lost', '']];
  const below: string[] = [];
  for (const scenario of IND_SCENARIOS) {
    const entry = groups.get(scenario);
    if (!entry) continue;
    const mine = items.filter((item) => item.group === scenario);
    const incidents = new Set(mine.filter((item) => item.truth !== null).map((item) => item.truth)).size;
    const lost = mine.filter((item) => item.truth !== null && item.predicted === null).length;
    const ok = entry.precision >= 0.97 && entry.recall >= 0.9 && lost === 0;
    if (!ok || (values['all-examples'] && (entry.precision < 1 || entry.recall < 1 || lost > 0))) below.push(scenario);
    rows.push([scenario, String(entry.items), String(incidents), num(entry.precision), num(entry.recall), String(lost), ok ? '' : 'BELOW']);
  }
  console.log(`\nPer scenario (B-cubed over each scenario's alerts):\n${table(rows)}`);
  for (const scenario of below) {
    console.log(`\nExamples for ${scenario}:`);
    for (const example of examples(items, scenario)) console.log(example);
  }
  console.log(failing.length ? `\nTargets failing: ${failing.join(', ')}` : '\nAll targets met.');
} finally {
  await dynamoLocal.stop();
}
