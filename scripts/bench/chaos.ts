/**
 * `npm run bench:chaos [-- --alerts 2000 --kills 2 --faults <spec> --seed 7 --settle-minutes 12]`: does
 * the system keep what it accepted when things fail? Starts its own `npm start` (a fresh data directory,
 * its own port) with fault injection on (AW_FAULTS), gives two tenants 60+ assets in dependency chains,
 * posts a storm of alerts (cascades down the chains and standalone problems on other hosts), kills the
 * stack with SIGKILL at random moments and starts it again on the same data (as a crashed Lambda host
 * would come back, with the table, the queues, the bus and the timers keeping what they had), and the
 * senders retry what got no answer, as monitoring tools do. Then it waits for the system to settle and
 * prints, from the API: alerts answered 202, stored, and listed by an incident; incidents; incidents
 * with SLA clocks, with a decision, and routed or executed; and from the stack's stats: events and
 * alerts dead-lettered; and the time to settle. Every figure that should equal "answered 202" or
 * "incidents" is checked: the exit code is 1 when one does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../local/aws/faults';
import { freePort } from '../../local/dynamodb';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_FAULTS = 'eventbridge:0.3,sqs-send:0.1,scheduler:0.2,ses:0.5,ddb-throttle:0.05';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '2000' },
    kills: { type: 'string', default: '2' },
    faults: { type: 'string', default: process.env.AW_FAULTS ?? DEFAULT_FAULTS },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    concurrency: { type: 'string', default: '8' },
    'settle-minutes': { type: 'string', default: '12' },
    keep: { type: 'boolean', default: false },
  },
});
const ALERTS = Number(values.alerts);
const KILLS = Number(values.kills);
const CONCURRENCY = Number(values.concurrency);
const SETTLE_MS = Number(values['settle-minutes']) * 60_000;
if (![ALERTS, KILLS, CONCURRENCY, SETTLE_MS].every((value) => Number.isFinite(value) && value >= 0) || ALERTS < 1) {
  console.error('--alerts, --kills, --concurrency and --settle-minutes take whole numbers');
  process.exit(2);
}

const random = mulberry32(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

// --- The stack, started and killed -------------------------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), 'aw-chaos-'));
const port = await freePort();
const apiUrl = `http://127.0.0.1:${port}`;
let child: ChildProcess | undefined;
const children: ChildProcess[] = [];
let starts = 0;

async function startStack(): Promise<void> {
  starts++;
  const startedAt = Date.now();
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'local', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      AW_LOCAL_DIR: dataDir,
      AW_PORT: String(port),
      AW_FAULTS: values.faults,
      AW_DEMO_ALERTS: 'off',
      // The storm alone: the demo's month of history would add its incidents to every count.
      AW_DEMO_HISTORY: 'off',
      // The sweeps (settle every minute, repair every 5) run 10 times as often: the repair still waits until an incident is 5 minutes old.
      AW_SCHEDULE_SCALE: '0.1',
    },
    // Its own process group: a SIGKILL kills the node process only (DynamoDB Local, the durable service, lives on
    // and the next start stops it gracefully), and the cleanup at the end can still reach the whole tree.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = `${output}${chunk.toString()}`.slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = `${output}${chunk.toString()}`.slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`);
    if (output.includes('Alert Whisperer is running.')) break;
    if (Date.now() - startedAt > 120_000) throw new Error(`npm start did not come up in 2 minutes:\n${output}`);
    await Promise.race([sleep(100), exited]);
  }
  log(`stack up (start ${starts}) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

/** Faults injected by the stacks killed so far (each start counts from zero): their last stats file, read just before the kill. */
const faultsBefore: Record<string, { calls: number; injected: number }> = {};

function killStack(): void {
  for (const [name, count] of Object.entries(stats()?.faults ?? {})) {
    const total = (faultsBefore[name] ??= { calls: 0, injected: 0 });
    total.calls += count.calls;
    total.injected += count.injected;
  }
  log('SIGKILL');
  child?.kill('SIGKILL');
}

async function stopStack(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
}

// --- The API --------------------------------------------------------------------------------------------

interface Demo {
  admin: { email: string; password: string };
  tenants: Array<{ id: string; apiKey: string }>;
}
let token = '';

type Json = Record<string, unknown>;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

/** A request the way a monitoring tool sends it: until it gets an answer (connection refused while the stack is down, 5xx, 429). */
async function persistently<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch {
      // no answer: down, or killed mid-request
    }
    if (tries % 50 === 0) log(`still retrying ${what} (${tries} tries)`);
    await sleep(Math.min(2000, 100 * tries));
  }
}

async function login(demo: Demo): Promise<void> {
  token = '';
  const { body } = await persistently('login', async () => {
    const answer = await call('POST', '/v1/auth/login', demo.admin);
    return answer.status === 200 ? answer : undefined;
  });
  token = body.accessToken as string;
}

// --- The tenants' inventory: 6 chains of 5 assets each (endpoint -> lb -> app x2 -> db) per tenant --------

const CHAINS = 6;
const chainAssets = (chain: number) => {
  const id = (kind: string) => `chaos-${kind}-${chain}`;
  return [
    {
      id: id('db'),
      name: id('db'),
      type: 'database',
      dependsOn: [] as string[],
      signatures: ['PostgresDown', 'DatabaseConnectionsExhausted'],
    },
    { id: id('app-a'), name: id('app-a'), type: 'server', dependsOn: [id('db')], signatures: ['HTTP5xxErrors', 'HighRequestLatency'] },
    { id: id('app-b'), name: id('app-b'), type: 'server', dependsOn: [id('db')], signatures: ['HTTP5xxErrors', 'ServiceDown'] },
    { id: id('lb'), name: id('lb'), type: 'load-balancer', dependsOn: [id('app-a'), id('app-b')], signatures: ['UnhealthyHostCount'] },
    {
      id: id('endpoint'),
      name: id('endpoint'),
      type: 'endpoint',
      dependsOn: [id('lb')],
      signatures: ['EndpointDown', 'SyntheticCheckFailed'],
    },
  ];
};

/** A set-up call, retried while the answer says to retry (503 under injected throttling, 429). */
async function setup(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  return persistently(`${method} ${path}`, async () => {
    const answer = await call(method, path, body);
    return answer.status >= 500 || answer.status === 429 ? undefined : answer;
  });
}

async function prepareTenants(demo: Demo): Promise<void> {
  for (const tenant of demo.tenants) {
    for (let chain = 0; chain < CHAINS; chain++) {
      for (const asset of chainAssets(chain)) {
        const answer = await setup('POST', `/v1/assets?tenant=${tenant.id}`, {
          id: asset.id,
          name: asset.name,
          type: asset.type,
          dependsOn: asset.dependsOn,
        });
        if (answer.status !== 201 && answer.status !== 409)
          throw new Error(`asset ${asset.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
    const limit = await setup('PUT', `/v1/integrations/rate-limit?tenant=${tenant.id}`, { perMinute: 100_000, burst: 10_000 });
    if (limit.status !== 200) throw new Error(`rate limit: ${limit.status} ${JSON.stringify(limit.body)}`);
    // Room for every incident: the storm opens hundreds, and a technician takes 5 by default.
    const { body } = await setup('GET', `/v1/technicians?tenant=${tenant.id}`);
    for (const technician of body.technicians as Array<{ userId: string }>) {
      const profile = await setup('PUT', `/v1/technicians/${technician.userId}/profile`, { maxOpenIncidents: 1000, active: true });
      if (profile.status !== 200) throw new Error(`profile: ${profile.status} ${JSON.stringify(profile.body)}`);
    }
  }
}

// --- The storm ---------------------------------------------------------------------------------------------

interface PlannedAlert {
  tenant: string;
  deliveryId: string;
  body: Record<string, unknown>;
}

/** Cascades down the chains (the database first or in the middle of its dependents' alerts), repeats, and standalone problems on 60 other hosts. */
function planStorm(demo: Demo): PlannedAlert[] {
  const planned: PlannedAlert[] = [];
  const standaloneHosts = Array.from({ length: 60 }, (_, index) => `chaos-host-${index}`);
  const standaloneSignatures = ['DiskSpaceLow', 'HighMemoryUsage', 'CertificateExpiringSoon', 'BackupJobFailed', 'NTPDrift', 'HighCPU'];
  let index = 0;
  while (planned.length < ALERTS) {
    const tenant = pick(demo.tenants).id;
    if (random() < 0.6) {
      const assets = chainAssets(Math.floor(random() * CHAINS));
      const cascade = [...assets].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 4));
      for (const asset of cascade) {
        planned.push({
          tenant,
          deliveryId: `chaos-${values.seed}-${index++}`,
          body: {
            asset_name: asset.name,
            signature: pick(asset.signatures),
            severity: asset.type === 'database' ? 'critical' : pick(['high', 'high', 'medium']),
            message: `${asset.name} is failing (storm alert ${index})`,
            tool_source: pick(['prometheus', 'zabbix', 'datadog']),
          },
        });
      }
    } else {
      planned.push({
        tenant,
        deliveryId: `chaos-${values.seed}-${index++}`,
        body: {
          asset_name: pick(standaloneHosts),
          signature: pick(standaloneSignatures),
          severity: pick(['critical', 'high', 'medium', 'low']),
          message: `standalone problem ${index}`,
          tool_source: 'script',
        },
      });
    }
  }
  return planned.slice(0, ALERTS);
}

const accepted = new Map<string, { tenant: string; alertId: string }>();
const answers = { '202': 0, '200': 0, retried: 0 };

async function postStorm(demo: Demo, planned: PlannedAlert[], killAt: number[]): Promise<void> {
  const keys = new Map(demo.tenants.map((tenant) => [tenant.id, tenant.apiKey]));
  let next = 0;
  let sent = 0;
  const kills = [...killAt].sort((a, b) => a - b);
  let restarting: Promise<void> | undefined;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let position = next++; position < planned.length; position = next++) {
        const alert = planned[position] as PlannedAlert;
        if (kills.length && position >= (kills[0] as number) && !restarting) {
          kills.shift();
          killStack();
          restarting = (async () => {
            await sleep(500 + random() * 1500);
            await startStack();
            await login(demo);
            restarting = undefined;
          })();
        }
        let tries = 0;
        const answer = await persistently(`alert ${alert.deliveryId}`, async () => {
          tries++;
          const result = await call('POST', '/v1/webhooks/generic', alert.body, {
            'x-api-key': keys.get(alert.tenant) as string,
            'x-delivery-id': alert.deliveryId,
          });
          return result.status === 202 || result.status === 200 ? result : undefined;
        });
        if (tries > 1) answers.retried++;
        answers[answer.status === 202 ? '202' : '200']++;
        for (const item of answer.body.accepted as Array<{ alertId: string }>)
          accepted.set(item.alertId, { tenant: alert.tenant, alertId: item.alertId });
        sent++;
        if (sent % 250 === 0) log(`${sent}/${planned.length} alerts answered (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    }),
  );
  await restarting;
}

// --- Reading the outcome -------------------------------------------------------------------------------------

interface Outcome {
  answered: number;
  stored: number;
  listedByIncident: number;
  incidents: number;
  withSla: number;
  withDecision: number;
  routedOrExecuted: number;
  repaired: number;
}

interface IncidentView {
  id: string;
  sla?: unknown;
  decision?: unknown;
  assignee?: unknown;
  remediation?: unknown;
  repair?: unknown;
}

async function pages<T>(path: string, field: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await setup('GET', `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    items.push(...(answer.body[field] as T[]));
    cursor = (answer.body.nextCursor as string | null | undefined) ?? undefined;
  } while (cursor);
  return items;
}

async function measure(demo: Demo): Promise<Outcome> {
  const storedIds = new Set<string>();
  const listed = new Set<string>();
  const outcome: Outcome = {
    answered: accepted.size,
    stored: 0,
    listedByIncident: 0,
    incidents: 0,
    withSla: 0,
    withDecision: 0,
    routedOrExecuted: 0,
    repaired: 0,
  };
  for (const tenant of demo.tenants) {
    for (const alert of await pages<{ id: string }>(`/v1/alerts?tenant=${tenant.id}&limit=200`, 'alerts')) storedIds.add(alert.id);
    const incidents = await pages<IncidentView>(`/v1/incidents?tenant=${tenant.id}&limit=200`, 'incidents');
    for (const incident of incidents) {
      outcome.incidents++;
      if (incident.sla) outcome.withSla++;
      if (incident.decision) outcome.withDecision++;
      if (incident.assignee || incident.remediation) outcome.routedOrExecuted++;
      if (incident.repair) outcome.repaired++;
      const detail = await setup('GET', `/v1/incidents/${incident.id}?tenant=${tenant.id}`);
      for (const alert of detail.body.alerts as Array<{ alertId: string }>) listed.add(alert.alertId);
    }
  }
  outcome.stored = [...accepted.keys()].filter((id) => storedIds.has(id)).length;
  outcome.listedByIncident = [...accepted.keys()].filter((id) => listed.has(id)).length;
  return outcome;
}

const settled = (outcome: Outcome) =>
  outcome.stored === outcome.answered &&
  outcome.listedByIncident === outcome.answered &&
  outcome.withSla === outcome.incidents &&
  outcome.withDecision === outcome.incidents &&
  outcome.routedOrExecuted === outcome.incidents;

interface StatsFile {
  eventBus: { deadLettered: number; accepted: number };
  stream: { deadLettered: number; events: number; alerts: number; batches: number };
  timersDeadLettered: number;
  alertsDeadLettered: number;
  faults: Record<string, { calls: number; injected: number }>;
}

/** What the stack wrote last into its stats file (local/start.ts). */
function stats(): StatsFile | undefined {
  const file = join(dataDir, 'stats.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StatsFile) : undefined;
}

// --- The run ------------------------------------------------------------------------------------------------

let exitCode = 1;
try {
  log(`data ${dataDir}, port ${port}, seed ${values.seed}, faults ${values.faults || 'none'}`);
  await startStack();
  const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as Demo;
  await login(demo);
  await prepareTenants(demo);
  const planned = planStorm(demo);
  const killAt = Array.from({ length: KILLS }, (_, kill) =>
    Math.floor(planned.length * ((kill + 0.2 + random() * 0.6) / Math.max(1, KILLS))),
  );
  log(
    `storm of ${planned.length} alerts over ${CHAINS * 5 * 2} chain assets and 60 other hosts in ${demo.tenants.length} tenants; SIGKILL at alerts ${killAt.join(', ')}`,
  );
  const stormStarted = Date.now();
  await postStorm(demo, planned, killAt);
  const stormEnded = Date.now();
  log(`storm posted in ${((stormEnded - stormStarted) / 1000).toFixed(1)} s; waiting for the system to settle`);

  let outcome = await measure(demo);
  let settledAt: number | undefined;
  while (Date.now() - stormEnded < SETTLE_MS) {
    if (settled(outcome)) {
      settledAt = Date.now();
      break;
    }
    log(
      `not settled: listed ${outcome.listedByIncident}/${outcome.answered}, SLA ${outcome.withSla}/${outcome.incidents}, decided ${outcome.withDecision}/${outcome.incidents}, routed/executed ${outcome.routedOrExecuted}/${outcome.incidents}`,
    );
    await sleep(10_000);
    await login(demo);
    outcome = await measure(demo);
  }
  await sleep(2_500); // the stats file is written every 2 s
  const delivery = stats();
  const deadLettered = delivery
    ? delivery.eventBus.deadLettered + delivery.stream.deadLettered + delivery.timersDeadLettered + delivery.alertsDeadLettered
    : NaN;
  const faults: Record<string, { calls: number; injected: number }> = structuredClone(faultsBefore);
  for (const [name, count] of Object.entries(delivery?.faults ?? {})) {
    const total = (faults[name] ??= { calls: 0, injected: 0 });
    total.calls += count.calls;
    total.injected += count.injected;
  }
  const lines = [
    `chaos: ${planned.length} alerts, ${KILLS} SIGKILLs (${starts} starts), faults ${values.faults || 'none'}, seed ${values.seed}`,
    `  alerts answered 202              ${outcome.answered}   (202: ${answers['202']}, 200 repeat: ${answers['200']}, retried by the sender: ${answers.retried})`,
    `  alerts stored                    ${outcome.stored}`,
    `  alerts listed by an incident     ${outcome.listedByIncident}`,
    `  incidents                        ${outcome.incidents}`,
    `  incidents with SLA clocks        ${outcome.withSla}`,
    `  incidents with a decision        ${outcome.withDecision}`,
    `  incidents routed or executed     ${outcome.routedOrExecuted}`,
    `  incidents the repair sweep fixed ${outcome.repaired}`,
    `  dead-lettered                    ${deadLettered}   (bus ${delivery?.eventBus.deadLettered}, stream ${delivery?.stream.deadLettered}, timers ${delivery?.timersDeadLettered}, alert queue ${delivery?.alertsDeadLettered})`,
    `  faults injected (failed/calls)   ${Object.entries(faults)
      .map(([name, count]) => `${name} ${count.injected}/${count.calls}`)
      .join(', ')}`,
    `  relayed from the stream          ${delivery ? `${delivery.stream.events} events and ${delivery.stream.alerts} alerts in ${delivery.stream.batches} relay invocations, ${delivery.eventBus.accepted} rule deliveries (since the last start)` : 'unknown'}`,
    `  time to settle                   ${settledAt ? `${((settledAt - stormEnded) / 1000).toFixed(1)} s after the storm` : `NOT SETTLED within ${values['settle-minutes']} min`}`,
  ];
  console.log(lines.join('\n'));
  exitCode = settledAt && deadLettered === 0 ? 0 : 1;
  if (exitCode) console.log('  => something that was accepted did not reach the end of the line (see above)');
  else console.log('  => nothing lost');
} catch (error) {
  console.error('[chaos] failed:', error);
} finally {
  await stopStack();
  for (const started of children) {
    try {
      process.kill(-started.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  else log(`kept ${dataDir}`);
}
process.exit(exitCode);
