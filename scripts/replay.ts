/**
 * `npm run replay -- --fixture <fixture.json> --input <deliveries.ndjson> --out <result.json> [--concurrency 32]`
 *
 * Starts its own in-memory DynamoDB Local with an empty table, creates the fixture's tenants and assets,
 * feeds every delivery in order through the same normalize, ingest and correlate code (trusted input:
 * no key or signature checks; the clock is each delivery's `receivedAt`) and writes
 * `{"incidents": [{"id", "tenant", "status", "rootAssetId", "deliveryIds"}], "unmatched": [ids], "rejected": [...]}`.
 * Progress goes to stderr every 2 s; the summary (with deliveries/s and DynamoDB operations per alert)
 * to stdout. Exit codes: 0 done, 1 failure, 2 bad arguments or input (a bad line names its line number).
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type * as z from 'zod';
import { createDocumentClient } from '../lib/aws/clients';
import {
  replayDeliveries,
  replayDeliverySchema,
  replayFixtureSchema,
  ReplayInputError,
  replayOutput,
  type ReplayDelivery,
} from '../lib/replay/replay';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb';
import { DynamoOpsCounter } from './bench/ops-counter';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ');
}

/** Lines of an NDJSON file, one at a time (never the whole file as one string); blank lines are skipped. */
async function* readDeliveries(path: string, tenants: ReadonlySet<string>): AsyncGenerator<ReplayDelivery> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new ReplayInputError(`${path}:${lineNumber}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = replayDeliverySchema.safeParse(json);
    if (!parsed.success) throw new ReplayInputError(`${path}:${lineNumber}: not a delivery (${describeIssues(parsed.error)})`);
    if (!tenants.has(parsed.data.tenant)) {
      throw new ReplayInputError(`${path}:${lineNumber}: tenant '${parsed.data.tenant}' is not in the fixture`);
    }
    yield parsed.data;
  }
}

/** Validates every line first (a bad line fails before any work starts) and counts the deliveries. */
async function scanInput(path: string, tenants: ReadonlySet<string>): Promise<number> {
  let count = 0;
  for await (const _delivery of readDeliveries(path, tenants)) count++;
  return count;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        fixture: { type: 'string' },
        input: { type: 'string' },
        out: { type: 'string' },
        concurrency: { type: 'string', default: '32' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const usage = 'Usage: npm run replay -- --fixture <fixture.json> --input <deliveries.ndjson> --out <result.json> [--concurrency 32]';
if (!values.fixture || !values.input || !values.out) fail(usage);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) fail('--concurrency takes a positive whole number');

let fixtureJson: unknown;
try {
  fixtureJson = JSON.parse(readFileSync(values.fixture, 'utf8'));
} catch (error) {
  fail(`${values.fixture}: ${(error as Error).message}`);
}
const fixture = replayFixtureSchema.safeParse(fixtureJson);
if (!fixture.success) fail(`${values.fixture}: not a fixture (${describeIssues(fixture.error)})`);
const tenantIds = new Set(fixture.data.tenants.map((tenant) => tenant.id));
let total: number;
try {
  total = await scanInput(values.input, tenantIds);
} catch (error) {
  fail(error instanceof ReplayInputError ? `replay: ${error.message}` : `${values.input}: ${(error as Error).message}`);
}

let dynamoLocal: DynamoDbLocal | undefined;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await dynamoLocal?.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.once('SIGINT', () => {
  console.error('\nInterrupted: stopping DynamoDB Local.');
  void stop(130);
});
process.once('SIGTERM', () => void stop(143));

try {
  dynamoLocal = await startDynamoDbLocal();
  const tableName = `replay-${Date.now()}`;
  await ensureTable(dynamoLocal.endpoint, tableName);
  const db = createDocumentClient({ endpoint: dynamoLocal.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const counter = new DynamoOpsCounter();
  counter.attach(db);

  let lastReport = performance.now();
  let processingOps = 0;
  let processingWrites = 0;
  let processingReads = 0;
  const result = await replayDeliveries(
    { fixture: fixture.data, deliveries: readDeliveries(values.input, tenantIds) },
    {
      table: { db, tableName },
      concurrency,
      onProgress: ({ processed, seconds }) => {
        if (performance.now() - lastReport < 2000) return;
        lastReport = performance.now();
        const percent = total ? ` (${Math.floor((processed / total) * 100)}%)` : '';
        process.stderr.write(`  replay: ${processed}/${total}${percent}, ${Math.round(processed / seconds)} deliveries/s\n`);
      },
      onProcessingStart: () => counter.reset(),
      onProcessed: () => {
        processingOps = counter.total();
        processingWrites = counter.itemWrites;
        processingReads = counter.itemReads;
      },
    },
  );
  writeFileSync(values.out, `${JSON.stringify(replayOutput(result), null, 2)}\n`);

  const { stats } = result;
  const perAlert = (count: number) => (stats.storedAlerts ? (count / stats.storedAlerts).toFixed(2) : 'n/a');
  const byOperation = [...counter.requests.entries()]
    .sort()
    .map(([operation, count]) => `${operation} ${perAlert(count)}`)
    .join(', ');
  console.log(`Replayed ${values.input} -> ${values.out}
  deliveries           ${stats.deliveries}
  alerts               ${stats.alerts} (${stats.storedAlerts} stored, the rest repeats)
  incidents            ${stats.incidents}
  unmatched            ${stats.unmatched} deliveries joined no incident
  rejected             ${stats.rejected} deliveries refused by their adapter
  throughput           ${Math.round(stats.deliveriesPerSecond)} deliveries/s (${stats.processingSeconds.toFixed(1)} s, concurrency ${concurrency})
  DynamoDB per alert   ${perAlert(processingOps)} requests, ${perAlert(processingWrites)} item writes, ${perAlert(processingReads)} item reads while replaying (${perAlert(counter.total())} requests with the read-back; fixture excluded): ${byOperation}`);
  await stop(0);
} catch (error) {
  if (error instanceof ReplayInputError) {
    console.error(`replay: ${error.message}`);
    await stop(2);
  }
  console.error(error);
  await stop(1);
}
