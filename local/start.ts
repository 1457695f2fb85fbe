/**
 * `npm start`: the whole product on this machine. Starts DynamoDB Local (data under .local/), the
 * local queue, bus and gateway on http://localhost:3000 (AW_PORT), seeds the demo MSP, writes
 * .local/demo.json and prints what to open and paste. Ctrl-C stops every child process.
 * `npm start -- --fresh` starts from an empty .local/.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MissingMotoError } from './aws/moto';
import { MissingJavaError } from './dynamodb';
import { seedDemo, seedDemoOnCall } from './seed';
import { buildDashboard } from '../scripts/dashboard-build';
import { postDemoAlerts } from './demo-alerts';
import { localDataDir, RUNTIME_FILE, startLocalStack, type LocalStack } from './stack';

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'Usage: npm start [-- --fresh] [-- --verbose]\n  --fresh    start from an empty .local/ (deletes local data)\n  --verbose  show handler logs (INFO)\nEnvironment: AW_PORT (default 3000), AW_HOST (default 127.0.0.1)',
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

try {
  console.log('Building the dashboard...');
  await buildDashboard();
  console.log('Starting Alert Whisperer (local stack)...');
  stack = await startLocalStack({
    port,
    host: process.env.AW_HOST ?? '127.0.0.1',
    dataDir,
    logLevel: values.verbose ? 'INFO' : 'WARN',
    // SNS signatures are checked unless explicitly turned off (posting hand-made SNS messages locally).
    snsVerify: process.env.AW_SNS_VERIFY === 'off' ? 'off' : 'on',
  });
  const demo = await seedDemo(stack.table, dataDir);
  await seedDemoOnCall(stack.table);
  if (process.env.AW_DEMO_ALERTS !== 'off') {
    const posted = await postDemoAlerts(stack.apiUrl, stack.table, demo);
    if (posted) console.log(`Posted ${posted} demo alerts (AW_DEMO_ALERTS=off skips them on a fresh data directory).`);
  }
  const apiUrl = stack.apiUrl.replace('127.0.0.1', 'localhost');
  const wsUrl = stack.wsUrl.replace('127.0.0.1', 'localhost');
  const dashboardUrl = stack.dashboardUrl.replace('127.0.0.1', 'localhost');
  const demoFile = join(dataDir, 'demo.json');
  writeFileSync(demoFile, JSON.stringify({ apiUrl, wsUrl, dashboardUrl, ...demo }, null, 2), { mode: 0o600 });
  // Lets `npm run invoke` run a handler against this running stack (no secrets: paths and endpoints only).
  writeFileSync(join(dataDir, RUNTIME_FILE), JSON.stringify({ pid: process.pid, environment: stack.environment }, null, 2));
  writeStatsEvery(stack, 2_000);

  const acme = demo.tenants[0]!;
  const curl = [
    `curl -sS -X POST '${apiUrl}/v1/webhooks/generic'`,
    `  -H 'Content-Type: application/json' -H 'X-Api-Key: ${acme.apiKey}'`,
    `  -d '{"asset_name":"db-prod-01","signature":"HighCPU","severity":"high","message":"CPU above 95% for 5 minutes","tool_source":"demo"}'`,
  ].join(' \\\n');
  const selfHealing = [
    `curl -sS -X POST '${apiUrl}/v1/webhooks/generic'`,
    `  -H 'Content-Type: application/json' -H 'X-Api-Key: ${acme.apiKey}'`,
    `  -d '{"asset_name":"app-prod-02","signature":"DiskSpaceLow","severity":"high","message":"/var at 96% used","tool_source":"demo"}'`,
  ].join(' \\\n');
  console.log(`
Alert Whisperer is running.

  Dashboard   ${dashboardUrl}
  API         ${apiUrl}          (health: ${apiUrl}/health)
  WebSocket   ${wsUrl}?token=<accessToken>
  Demo file   ${demoFile}
  Sent email  ${stack.ses.viewerUrl}          (the local SES: every notification email)

Logins:
${demo.users.map((user) => `  ${user.role.padEnd(14)} ${user.email.padEnd(26)} ${user.password}   tenants: ${user.tenants.join(', ')}`).join('\n')}

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
  process.exit(1);
}
