/**
 * `npm start`: the whole product on this machine. Starts DynamoDB Local (data under .local/), seeds the
 * demo MSP and, on a fresh data directory, writes a month of demo history (local/demo-history.ts) before
 * anything reads the table's stream; then starts the local queue, bus and gateway on
 * http://localhost:3000 (AW_PORT), posts the live demo alerts (cleared a few minutes later), writes
 * .local/demo.json and prints what to open and paste. Ctrl-C stops every child process.
 * `npm start -- --fresh` starts from an empty .local/.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../lib/aws/clients';
import { MissingMotoError } from './aws/moto';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, MissingJavaError, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { seedDemo, seedDemoOnCall } from './seed';
import { buildDashboard } from '../scripts/dashboard-build';
import { DEMO_ALERTS_CLEAR_AFTER_MS, postDemoAlerts } from './demo-alerts';
import { generateDemoHistory, type DemoHistoryResult } from './demo-history';
import { LOCAL_TABLE_NAME, localDataDir, RUNTIME_FILE, startLocalStack, type LocalStack } from './stack';

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'Usage: npm start [-- --fresh] [-- --verbose]\n  --fresh    start from an empty .local/ (deletes local data)\n  --verbose  show handler logs (INFO)\n' +
      'Environment: AW_PORT (default 3000), AW_HOST (default 127.0.0.1),\n' +
      '  AW_DEMO_HISTORY=off (no month of demo history on a fresh data directory), AW_DEMO_ALERTS=off (no live demo alerts)',
  );
  process.exit(0);
}

const port = Number(process.env.AW_PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`AW_PORT must be a port number, got ${process.env.AW_PORT}`);
  process.exit(2);
}
const dataDir = localDataDir();
if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

let stack: LocalStack | undefined;
let dynamo: DynamoDbLocal | undefined;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack...`);
  const timer = setTimeout(() => {
    console.error('Did not stop within 10 s; exiting.');
    process.exit(1);
  }, 10_000);
  rmSync(join(dataDir, RUNTIME_FILE), { force: true });
  await stack?.stop();
  await dynamo?.stop();
  clearTimeout(timer);
  console.log('Stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

/**
 * What was delivered and what was given up on (bus, stream, timers, alert queue) and the faults injected
 * (AW_FAULTS), written to .local/stats.json every few seconds: what `npm run bench:chaos` reads, and a
 * quick look for anyone running the stack.
 */
function writeStatsEvery(running: LocalStack, intervalMs: number): void {
  const file = join(dataDir, 'stats.json');
  const write = async () => {
    const stats = { at: new Date().toISOString(), pid: process.pid, ...(await running.deliveryStats()), faults: running.faultCounts() };
    writeFileSync(`${file}.tmp`, JSON.stringify(stats, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(() => void write().catch(() => undefined), intervalMs).unref();
}

/** Whether the table exists (false: this data directory is fresh). */
async function tableExists(endpoint: string, tableName: string): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  } finally {
    client.destroy();
  }
}

/** Where the demo history notes that it ran (or was cut short), in the data directory. */
const HISTORY_FILE = 'demo-history.json';

/** 'YYYY-MM' of the month before this one (UTC): the demo history covers all of it. */
function lastMonth(now = new Date()): string {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return first.toISOString().slice(0, 7);
}

/** What the demo history wrote (or that it was cut short), as noted in the data directory. */
function readHistoryFile(): (Partial<DemoHistoryResult> & { state?: string }) | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, HISTORY_FILE), 'utf8')) as Partial<DemoHistoryResult> & { state?: string };
  } catch {
    return undefined;
  }
}

/**
 * The month of demo history, on a data directory whose table this start created: written before the local
 * stack reads the table's stream, so none of it reaches the stream relay (nothing is sent for the past).
 */
async function writeDemoHistory(endpoint: string): Promise<DemoHistoryResult | undefined> {
  const file = join(dataDir, HISTORY_FILE);
  writeFileSync(file, JSON.stringify({ state: 'running', startedAt: new Date().toISOString() }, null, 2));
  try {
    const result = await generateDemoHistory({ endpoint, tableName: LOCAL_TABLE_NAME });
    writeFileSync(file, JSON.stringify({ state: 'done', at: new Date().toISOString(), ...result }, null, 2));
    return result;
  } catch (error) {
    console.error(`The demo history failed, the dashboard shows what was written: ${(error as Error).message}`);
    return undefined;
  }
}

try {
  console.log('Building the dashboard...');
  await buildDashboard();
  console.log('Starting Alert Whisperer (local stack)...');
  // DynamoDB Local first: the demo history is written before the rest of the stack starts.
  dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  const fresh = !(await tableExists(dynamo.endpoint, LOCAL_TABLE_NAME));
  await ensureTable(dynamo.endpoint, LOCAL_TABLE_NAME);
  const table = {
    db: createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    tableName: LOCAL_TABLE_NAME,
  };
  const demo = await seedDemo(table, dataDir);
  await seedDemoOnCall(table);
  table.db.destroy();
  let history: DemoHistoryResult | undefined;
  if (fresh && process.env.AW_DEMO_HISTORY !== 'off') history = await writeDemoHistory(dynamo.endpoint);
  else if (!fresh && readHistoryFile()?.state === 'running')
    console.warn('The demo history was cut short by the last start: `npm start -- --fresh` writes it again (and deletes local data).');

  stack = await startLocalStack({
    port,
    host: process.env.AW_HOST ?? '127.0.0.1',
    dataDir,
    dynamoEndpoint: dynamo.endpoint,
    logLevel: values.verbose ? 'INFO' : 'WARN',
    // SNS signatures are checked unless explicitly turned off (posting hand-made SNS messages locally).
    snsVerify: process.env.AW_SNS_VERIFY === 'off' ? 'off' : 'on',
  });
  let posted = 0;
  if (process.env.AW_DEMO_ALERTS !== 'off') {
    // Now, after the history (the past): the history's tenants have incidents, so they are posted to every tenant.
    ({ posted } = await postDemoAlerts(stack.apiUrl, stack.table, demo, {
      everyTenant: Boolean(history && !history.skipped),
      clearAfterMs: DEMO_ALERTS_CLEAR_AFTER_MS,
    }));
    if (posted)
      console.log(
        `Posted ${posted} demo alerts; they clear in ${DEMO_ALERTS_CLEAR_AFTER_MS / 60_000} minutes (AW_DEMO_ALERTS=off skips them on a fresh data directory).`,
      );
  }
  const apiUrl = stack.apiUrl.replace('127.0.0.1', 'localhost');
  const wsUrl = stack.wsUrl.replace('127.0.0.1', 'localhost');
  const dashboardUrl = stack.dashboardUrl.replace('127.0.0.1', 'localhost');
  const demoFile = join(dataDir, 'demo.json');
  writeFileSync(demoFile, JSON.stringify({ apiUrl, wsUrl, dashboardUrl, ...demo }, null, 2), { mode: 0o600 });
  // Lets `npm run invoke` run a handler against this running stack (no secrets: paths and endpoints only).
  writeFileSync(join(dataDir, RUNTIME_FILE), JSON.stringify({ pid: process.pid, environment: stack.environment }, null, 2));
  writeStatsEvery(stack, 2_000);

  // This start's history, or the one the first start wrote.
  const noted = readHistoryFile();
  const written: Partial<DemoHistoryResult> | undefined =
    history && !history.skipped ? history : noted?.state === 'done' ? noted : undefined;
  const demoLines = [
    written
      ? `  A month of history (local/demo-history.ts): ${written.alerts?.toLocaleString('en')} alerts, ${written.incidents} incidents${written.unresolved ? '' : ', all resolved'}: the overview's KPIs and trends.`
      : `  No demo history: it is written on a fresh data directory (npm start -- --fresh) unless AW_DEMO_HISTORY=off.`,
    ...(written
      ? [`  Last month's client report: ${dashboardUrl}/reports?tenant=${demo.tenants[0]!.id}&period=${lastMonth()} (preview, PDF, send).`]
      : []),
    ...(posted
      ? [
          `  ${posted} live demo alerts: they clear ${DEMO_ALERTS_CLEAR_AFTER_MS / 60_000} minutes after start and their incidents resolve 5 minutes later;`,
          '  until then an alert of yours on a demo host may join a demo incident, afterwards it opens its own.',
        ]
      : []),
  ];
  const acme = demo.tenants[0]!;
  const curl = [
    `curl -sS -X POST '${apiUrl}/v1/webhooks/generic'`,
    `  -H 'Content-Type: application/json' -H 'X-Api-Key: ${acme.apiKey}'`,
    `  -d '{"asset_name":"db-prod-01","signature":"InstanceDown","severity":"critical","message":"db-prod-01 is not responding","tool_source":"curl"}'`,
  ].join(' \\\n');
  const selfHealing = [
    `curl -sS -X POST '${apiUrl}/v1/webhooks/generic'`,
    `  -H 'Content-Type: application/json' -H 'X-Api-Key: ${acme.apiKey}'`,
    `  -d '{"asset_name":"app-prod-02","signature":"DiskSpaceLow","severity":"high","message":"/var at 96% used","tool_source":"curl"}'`,
  ].join(' \\\n');
  console.log(`
Alert Whisperer is running.

  Dashboard   ${dashboardUrl}
  API         ${apiUrl}          (health: ${apiUrl}/health)
  WebSocket   ${wsUrl}?token=<accessToken>
  Demo file   ${demoFile}
  Sent email  ${stack.ses.viewerUrl}          (the local SES: every notification email)
  SMS/voice   ${stack.smsVoice.viewerUrl}          (the local SMS and voice: every text and call; reply ACK there)

Logins:
${demo.users.map((user) => `  ${user.role.padEnd(14)} ${user.email.padEnd(26)} ${user.password}   tenants: ${user.tenants.join(', ')}`).join('\n')}

Demo data:
${demoLines.join('\n')}

Post an alert (tenant ${acme.name}):
${curl}

Watch a runbook fix one by itself (Acme allows low-risk automation; see docs/remediation.md):
${selfHealing}

Then list incidents:
  TOKEN=$(curl -sS -X POST '${apiUrl}/v1/auth/login' -H 'Content-Type: application/json' \\
    -d '{"email":"${demo.admin.email}","password":"${demo.admin.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')
  curl -sS '${apiUrl}/v1/incidents' -H "Authorization: Bearer $TOKEN"

Press Ctrl-C to stop.`);
} catch (error) {
  if (error instanceof MissingJavaError || error instanceof MissingMotoError) console.error(`\n${error.message}`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    console.error(`\nPort ${port} is in use. Set AW_PORT to another port, e.g. AW_PORT=3100 npm start`);
  else console.error('\nThe local stack failed to start:', error);
  await stack?.stop().catch(() => undefined);
  await dynamo?.stop().catch(() => undefined);
  process.exit(1);
}
