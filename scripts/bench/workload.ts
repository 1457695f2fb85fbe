/**
 * A seeded, labelled correlation workload: a fixture (tenants, assets with aliases and dependencies),
 * deliveries as the tools send them (generic JSON, CloudWatch alarms in SNS envelopes, Alertmanager
 * groups) and the ground truth (for every delivery id, the true incident of each of its alerts).
 *
 * Scenarios (each places its events on a free stretch of time of the assets it touches, so scenarios
 * never overlap on related assets and the truth stays unambiguous):
 *  - storm: one condition on one host repeating every 30-60 s (scripts), re-notified (Alertmanager) or
 *    flapping (CloudWatch ALARM/OK), with flaps firing/resolved/firing within minutes: one incident;
 *  - cascade: a database fails, its apps 1-3 min later, then the load balancer and the endpoint; each
 *    from its own tool; sometimes a downstream alert comes before the root (late root): one incident;
 *  - multi-tool: one condition on one host from two or three tools, each naming the host its own way
 *    (FQDN, instance id, IP:port) and the condition its own way (HighCPU, cpu-high alarm on
 *    CPUUtilization, NodeCPUHigh): one incident;
 *  - unrelated-on-host: two unrelated problems on one host minutes apart (disk full, then a certificate
 *    expiring): two incidents;
 *  - recurrence: the same condition on the same host 2-6 hours apart: two incidents;
 *  - twin-tenants: same-named hosts of two tenants failing the same way in the same minute: two;
 *  - same-minute: unrelated assets of one tenant failing in the same minute, sometimes in one
 *    Alertmanager group: two incidents;
 *  - singleton: background alerts, some on hosts the inventory does not know: one incident each;
 *  - orphan-resolution: a resolution whose firing alert was never sent: truth `null` (no incident).
 * On top: at-least-once retries (the same delivery id again seconds later) and late deliveries.
 *
 * `npx tsx scripts/bench/workload.ts --size 100000 --seed 7 --out <dir>` writes fixture.json,
 * deliveries.ndjson and truth.json for `npm run replay`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type Tool = 'generic' | 'cloudwatch' | 'alertmanager';
export const SCENARIOS = [
  'storm',
  'cascade',
  'multi-tool',
  'unrelated-on-host',
  'recurrence',
  'twin-tenants',
  'same-minute',
  'singleton',
  'orphan-resolution',
] as const;
export type ScenarioKind = (typeof SCENARIOS)[number];

export interface WorkloadAsset {
  id: string;
  name: string;
  type: string;
  aliases: string[];
  dependsOn: string[];
}
export interface WorkloadFixture {
  tenants: Array<{ id: string; name: string; assets: WorkloadAsset[] }>;
}
export interface WorkloadDelivery {
  id: string;
  tenant: string;
  source: Tool;
  receivedAt: string;
  body: unknown;
}
export interface Workload {
  fixture: WorkloadFixture;
  /** In receive order. */
  deliveries: WorkloadDelivery[];
  /** Delivery id -> the true incident label of each of its alerts, in payload order (null: should join none). */
  truth: Record<string, Array<string | null>>;
  /** True incident label -> its scenario. */
  scenarioOf: Record<string, ScenarioKind>;
}

export interface WorkloadOptions {
  /** Deliveries to generate (about: a scenario is never cut). Default 3000. */
  size?: number;
  seed?: number;
}

// --- Deterministic randomness ---------------------------------------------------------------------------

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T extends string>(weights: Record<T, number>): T {
    const entries = Object.entries(weights) as Array<[T, number]>;
    let roll = this.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }
  hex(length: number): string {
    let out = '';
    for (let index = 0; index < length; index++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-5${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`;
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// --- Conditions: one problem, as each tool names it ----------------------------------------------------

interface Condition {
  family: 'resource' | 'storage' | 'availability' | 'database' | 'operations';
  generic: string;
  alertmanager: string;
  /**
   * How real teams name the condition (the first is `generic` or `alertmanager`): each tenant's tool
   * configuration uses one of them, so the benchmark exercises the engine's vocabulary, not one spelling.
   */
  genericNames: string[];
  alertmanagerNames: string[];
  cloudwatch: { metric: string; namespace: string; suffix: string };
  message: string;
}

const CONDITIONS = {
  cpu: {
    family: 'resource',
    generic: 'HighCPU',
    alertmanager: 'NodeCPUHigh',
    genericNames: ['HighCPU', 'CPUHigh', 'cpu_usage_high', 'High CPU utilization', 'ProcessorTimeHigh'],
    alertmanagerNames: ['NodeCPUHigh', 'HostHighCpuLoad', 'NodeLoadHigh'],
    cloudwatch: { metric: 'CPUUtilization', namespace: 'AWS/EC2', suffix: 'cpu-high' },
    message: 'CPU above 90% for 10 minutes',
  },
  memory: {
    family: 'resource',
    generic: 'MemoryHigh',
    alertmanager: 'NodeMemoryHighUtilization',
    genericNames: ['MemoryHigh', 'LowFreeMemory', 'mem_usage_critical', 'High memory utilization'],
    alertmanagerNames: ['NodeMemoryHighUtilization', 'HostOutOfMemory'],
    cloudwatch: { metric: 'mem_used_percent', namespace: 'CWAgent', suffix: 'memory-high' },
    message: 'Memory above 95%',
  },
  disk: {
    family: 'storage',
    generic: 'DiskSpaceLow',
    alertmanager: 'NodeFilesystemSpaceFillingUp',
    genericNames: ['DiskSpaceLow', 'DiskFull', 'FreeSpaceLow', 'Low disk space on /var', 'LogicalDiskFreeSpaceLow'],
    alertmanagerNames: ['NodeFilesystemSpaceFillingUp', 'HostOutOfDiskSpace', 'NodeFilesystemAlmostOutOfSpace'],
    cloudwatch: { metric: 'disk_used_percent', namespace: 'CWAgent', suffix: 'disk-full' },
    message: '/var is 93% full (threshold 90%)',
  },
  down: {
    family: 'availability',
    generic: 'ServiceDown',
    alertmanager: 'InstanceDown',
    genericNames: ['ServiceDown', 'HostUnreachable', 'W3SVC stopped', 'Heartbeat missing', 'NotResponding'],
    alertmanagerNames: ['InstanceDown', 'HostDown'],
    cloudwatch: { metric: 'StatusCheckFailed', namespace: 'AWS/EC2', suffix: 'status-check-failed' },
    message: 'Service not responding',
  },
  errors: {
    family: 'availability',
    generic: 'HTTP5xxErrors',
    alertmanager: 'HighErrorRate',
    genericNames: ['HTTP5xxErrors', 'HighErrorRate', 'Elevated 5xx responses', 'ApplicationErrors'],
    alertmanagerNames: ['HighErrorRate', 'NginxHighHttp5xxErrorRate', 'HTTPErrorsHigh'],
    cloudwatch: { metric: 'HTTPCode_Target_5XX_Count', namespace: 'AWS/ApplicationELB', suffix: '5xx-high' },
    message: '5xx error rate above 5%',
  },
  latency: {
    family: 'availability',
    generic: 'LatencyHigh',
    alertmanager: 'HighRequestLatency',
    genericNames: ['LatencyHigh', 'SlowResponses', 'ResponseTimeHigh', 'Request duration above SLO'],
    alertmanagerNames: ['HighRequestLatency', 'NginxLatencyHigh', 'APIHighLatency'],
    cloudwatch: { metric: 'TargetResponseTime', namespace: 'AWS/ApplicationELB', suffix: 'latency-high' },
    message: 'p99 latency above 2 s',
  },
  unhealthy: {
    family: 'availability',
    generic: 'BackendsUnhealthy',
    alertmanager: 'TargetDown',
    genericNames: ['BackendsUnhealthy', 'UnhealthyTargets', 'PoolMembersDown'],
    alertmanagerNames: ['TargetDown', 'HAProxyBackendDown', 'UpstreamUnhealthy'],
    cloudwatch: { metric: 'UnHealthyHostCount', namespace: 'AWS/ApplicationELB', suffix: 'unhealthy-hosts' },
    message: 'Load balancer has unhealthy targets',
  },
  probe: {
    family: 'availability',
    generic: 'EndpointDown',
    alertmanager: 'ProbeFailed',
    genericNames: ['EndpointDown', 'SiteDown', 'HealthCheckFailed', 'URL check failed'],
    alertmanagerNames: ['ProbeFailed', 'BlackboxProbeFailed'],
    cloudwatch: { metric: 'HealthCheckStatus', namespace: 'AWS/Route53', suffix: 'health-check-failed' },
    message: 'HTTP probe failed',
  },
  dbconn: {
    family: 'database',
    generic: 'DBConnectionsHigh',
    alertmanager: 'PostgresTooManyConnections',
    genericNames: ['DBConnectionsHigh', 'TooManyConnections', 'ConnectionPoolExhausted'],
    alertmanagerNames: ['PostgresTooManyConnections', 'MysqlTooManyConnections'],
    cloudwatch: { metric: 'DatabaseConnections', namespace: 'AWS/RDS', suffix: 'connections-high' },
    message: 'Database connections at 98% of max_connections',
  },
  replication: {
    family: 'database',
    generic: 'ReplicationLag',
    alertmanager: 'PostgresReplicationLagHigh',
    genericNames: ['ReplicationLag', 'ReplicaBehind', 'SlaveLagging'],
    alertmanagerNames: ['PostgresReplicationLagHigh', 'MysqlSlaveReplicationLag'],
    cloudwatch: { metric: 'ReplicaLag', namespace: 'AWS/RDS', suffix: 'replica-lag' },
    message: 'Replica lag above 300 s',
  },
  backup: {
    family: 'operations',
    generic: 'BackupFailed',
    alertmanager: 'BackupJobFailed',
    genericNames: ['BackupFailed', 'NightlyBackupError', 'VeeamJobFailed'],
    alertmanagerNames: ['BackupJobFailed', 'VeleroBackupFailure'],
    cloudwatch: { metric: 'NumberOfBackupJobsFailed', namespace: 'AWS/Backup', suffix: 'backup-failed' },
    message: 'Nightly backup job failed',
  },
  cert: {
    family: 'operations',
    generic: 'CertificateExpiring',
    alertmanager: 'SSLCertExpiringSoon',
    genericNames: ['CertificateExpiring', 'SSLCertExpiry', 'TLS certificate expires soon'],
    alertmanagerNames: ['SSLCertExpiringSoon', 'BlackboxSslCertificateWillExpireSoon', 'X509CertificateExpiring'],
    cloudwatch: { metric: 'DaysToExpiry', namespace: 'AWS/CertificateManager', suffix: 'cert-expiring' },
    message: 'TLS certificate expires in 6 days',
  },
  clock: {
    family: 'operations',
    generic: 'ClockSkew',
    alertmanager: 'NodeClockSkewDetected',
    genericNames: ['ClockSkew', 'NTPOutOfSync', 'TimeDrift'],
    alertmanagerNames: ['NodeClockSkewDetected', 'NodeClockNotSynchronising'],
    cloudwatch: { metric: 'ClockErrorBound', namespace: 'CWAgent', suffix: 'clock-skew' },
    message: 'Clock skew above 0.5 s',
  },
} satisfies Record<string, Condition>;
type Category = keyof typeof CONDITIONS;

/** Pairs with no causal link and in different families: "unrelated problems on one host". */
const UNRELATED_PAIRS: Array<[Category, Category]> = [
  ['disk', 'cert'],
  ['backup', 'cpu'],
  ['clock', 'disk'],
  ['cert', 'memory'],
  ['backup', 'memory'],
  ['disk', 'clock'],
  ['cert', 'cpu'],
];
const HOST_CATEGORIES: Category[] = ['cpu', 'memory', 'disk', 'down', 'backup', 'cert', 'clock'];

// --- Tenants and their inventories ----------------------------------------------------------------------

const TENANT_NAMES = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
  'soylent',
  'vandelay',
];
/** Hosts some tools report that the inventory does not know (yet). */
const UNKNOWN_HOSTS = ['legacy-erp-01', 'printsrv-02', 'kiosk-17', 'nas-old'];

interface GenAsset extends WorkloadAsset {
  fqdn: string;
  ip: string;
  instanceId: string;
  /** Scenarios reserve time per component (a stack, a standalone host, an unknown host). */
  component: string;
  role: 'db' | 'app' | 'lb' | 'endpoint' | 'host';
}
interface GenTenant {
  id: string;
  name: string;
  domain: string;
  account: string;
  assets: GenAsset[];
  stacks: Array<{ component: string; db: GenAsset; apps: GenAsset[]; lb: GenAsset; endpoint: GenAsset }>;
  hosts: GenAsset[];
}

function buildTenant(rng: Rng, index: number): GenTenant {
  const base = TENANT_NAMES[index % TENANT_NAMES.length] as string;
  const id = index < TENANT_NAMES.length ? base : `${base}-${Math.floor(index / TENANT_NAMES.length) + 1}`;
  const domain = `${id}.internal`;
  const tenant: GenTenant = {
    id,
    name: `${id.charAt(0).toUpperCase()}${id.slice(1)} Corp`,
    domain,
    account: String(rng.int(100000000000, 999999999999)),
    assets: [],
    stacks: [],
    hosts: [],
  };
  const make = (
    name: string,
    type: string,
    role: GenAsset['role'],
    component: string,
    subnet: number,
    host: number,
    dependsOn: string[],
  ) => {
    // Every tenant uses the same naming scheme and private addresses: same names in two tenants are normal.
    const asset: GenAsset = {
      id: name,
      name,
      type,
      aliases: [],
      dependsOn,
      fqdn: `${name}.${domain}`,
      ip: `10.0.${subnet}.${host}`,
      instanceId: `i-0${rng.hex(16)}`,
      component,
      role,
    };
    asset.aliases = [asset.fqdn, asset.ip, asset.instanceId];
    tenant.assets.push(asset);
    return asset;
  };
  for (let stack = 1; stack <= 3; stack++) {
    const component = `stack-${stack}`;
    const db = make(`db-prod-0${stack}`, 'database', 'db', component, stack, 10, []);
    const apps = [1, 2].map((n) => make(`app-prod-0${stack}${n}`, 'server', 'app', component, stack, 20 + n, [db.id]));
    const lb = make(
      `lb-prod-0${stack}`,
      'load-balancer',
      'lb',
      component,
      stack,
      5,
      apps.map((app) => app.id),
    );
    const endpoint = make(`www-0${stack}`, 'endpoint', 'endpoint', component, stack, 4, [lb.id]);
    tenant.stacks.push({ component, db, apps, lb, endpoint });
  }
  for (const [n, name] of ['fs-01', 'backup-01', 'jump-01', 'mail-01', 'ci-runner-01', 'vpn-01'].entries()) {
    tenant.hosts.push(make(name, 'server', 'host', `host-${name}`, 9, 10 + n, []));
  }
  return tenant;
}

// --- Alerts and deliveries before rendering ---------------------------------------------------------------

/** How a tool names a host. */
type Naming = 'name' | 'fqdn' | 'ip-port' | 'fqdn-port' | 'instance';

interface Target {
  tenant: GenTenant;
  /** A known asset, or a host name the inventory does not know. */
  asset?: GenAsset;
  unknown?: string;
}

interface AlertSpec {
  label: string | null;
  target: Target;
  tool: Tool;
  naming: Naming;
  category: Category;
  status: 'firing' | 'resolved';
  occurredAt: number;
  /** When the episode began (Alertmanager's startsAt). */
  startsAt: number;
  severity: 'critical' | 'high' | 'warning' | 'low';
}

interface DeliverySpec {
  tenant: GenTenant;
  tool: Tool;
  receivedAt: number;
  alerts: AlertSpec[];
  /** Must not be delayed further (resolutions). */
  keepTime?: boolean;
  /** An at-least-once retry: the same id and body as this delivery. */
  retryOf?: DeliverySpec;
}

interface Reservation {
  tenant: string;
  component: string;
  from: number;
  to: number;
}

interface ScenarioDraft {
  deliveries: DeliverySpec[];
  /** Components used, with the extra quiet time needed after the scenario. */
  components: Array<{ tenant: GenTenant; component: string; quietAfter: number }>;
}

function componentOf(target: Target): string {
  return target.asset ? target.asset.component : `unknown-${target.unknown}`;
}

function namingFor(rng: Rng, tool: Tool, target: Target): Naming {
  if (!target.asset) return 'name';
  if (tool === 'cloudwatch') return 'instance';
  if (tool === 'alertmanager') return rng.chance(0.6) ? 'ip-port' : 'fqdn-port';
  return rng.chance(0.5) ? 'name' : 'fqdn';
}

const TOOLS: Tool[] = ['generic', 'cloudwatch', 'alertmanager'];

interface EpisodeOptions {
  label: string | null;
  target: Target;
  tool: Tool;
  naming?: Naming;
  category: Category;
  start: number;
  /** null: the tool never sends a resolution. */
  end: number | null;
  severity?: AlertSpec['severity'];
  /** Re-sends of the still-firing alert (scripts every 30-60 s, Alertmanager every few minutes). */
  repeatEvery?: [number, number] | null;
}

/** One firing episode of one alert from one tool: the first notification, re-sends, the resolution. */
function episode(rng: Rng, options: EpisodeOptions): DeliverySpec[] {
  const { label, target, tool, category, start, end } = options;
  const naming = options.naming ?? namingFor(rng, tool, target);
  const severity = options.severity ?? rng.pick(['critical', 'high', 'warning'] as const);
  const out: DeliverySpec[] = [];
  const alert = (status: AlertSpec['status'], occurredAt: number): AlertSpec => ({
    label,
    target,
    tool,
    naming,
    category,
    status,
    occurredAt,
    startsAt: start,
    severity,
  });
  // Delivery delays: scripts post at once, CloudWatch evaluates then SNS delivers, Alertmanager waits group_wait.
  const delay = () => (tool === 'generic' ? rng.int(100, 3000) : tool === 'cloudwatch' ? rng.int(3000, 40000) : rng.int(25000, 35000));
  out.push({ tenant: target.tenant, tool, receivedAt: start + delay(), alerts: [alert('firing', start)] });
  const repeat = options.repeatEvery === undefined ? defaultRepeat(tool) : options.repeatEvery;
  const last = end ?? start + rng.int(5, 30) * MINUTE;
  if (repeat && tool !== 'cloudwatch') {
    for (let at = start + rng.int(repeat[0], repeat[1]); at < last - 10 * SECOND; at += rng.int(repeat[0], repeat[1])) {
      // A script stamps each check; Alertmanager re-sends with the original startsAt.
      out.push({
        tenant: target.tenant,
        tool,
        receivedAt: at + rng.int(100, 2000),
        alerts: [alert('firing', tool === 'generic' ? at : start)],
      });
    }
  }
  if (end !== null) out.push({ tenant: target.tenant, tool, receivedAt: end + delay(), alerts: [alert('resolved', end)], keepTime: true });
  return out;
}

function defaultRepeat(tool: Tool): [number, number] | null {
  if (tool === 'generic') return [30 * SECOND, 60 * SECOND];
  if (tool === 'alertmanager') return [2 * MINUTE, 5 * MINUTE];
  return null;
}

// --- Scenarios (times relative to the scenario's start; placed later) ----------------------------------------

interface Context {
  rng: Rng;
  tenants: GenTenant[];
  nextLabel: (kind: ScenarioKind, suffix?: string) => string;
}

function anyAsset(rng: Rng, tenant: GenTenant): GenAsset {
  return rng.pick(tenant.assets);
}

function hostLike(rng: Rng, tenant: GenTenant): GenAsset {
  // Hosts, dbs and apps: the assets host-level conditions make sense on.
  return rng.pick(tenant.assets.filter((asset) => asset.role === 'host' || asset.role === 'db' || asset.role === 'app'));
}

function storm(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const target: Target = { tenant, asset: hostLike(rng, tenant) };
  const tool = rng.weighted<Tool>({ generic: 5, alertmanager: 3, cloudwatch: 2 });
  const naming = namingFor(rng, tool, target);
  const category = rng.pick(HOST_CATEGORIES.filter((category) => category !== 'backup' && category !== 'cert'));
  const label = ctx.nextLabel('storm');
  const severity = rng.pick(['critical', 'high'] as const);
  const deliveries: DeliverySpec[] = [];
  const segments = tool === 'cloudwatch' ? rng.int(3, 5) : rng.int(1, 3);
  let at = 0;
  let resolved = true;
  for (let segment = 0; segment < segments; segment++) {
    const length = tool === 'cloudwatch' ? rng.int(2, 6) * MINUTE : rng.int(6, 15) * MINUTE;
    const lastSegment = segment === segments - 1;
    resolved = !lastSegment || rng.chance(0.85);
    deliveries.push(...episode(rng, { label, target, tool, naming, category, start: at, end: resolved ? at + length : null, severity }));
    // Flap: fires again 1-4 minutes after resolving.
    at += length + rng.int(1, 4) * MINUTE;
  }
  return { deliveries, components: [{ tenant, component: componentOf(target), quietAfter: resolved ? 0 : 3 * HOUR }] };
}

function cascade(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const stack = rng.pick(tenant.stacks);
  const label = ctx.nextLabel('cascade');
  const rootCategory = rng.pick(['down', 'dbconn', 'disk', 'cpu'] as const);
  const rootEnd = rng.int(12, 35) * MINUTE;
  const deliveries: DeliverySpec[] = [];
  const lateRoot = rng.chance(0.25);
  const affectedApps = stack.apps.filter(() => rng.chance(0.85));
  if (!affectedApps.length) affectedApps.push(stack.apps[0] as GenAsset);
  const appStart = rng.int(60, 180) * SECOND;
  // A late root: the first app alert fires 15-60 s before the database's own alert.
  const rootStart = lateRoot ? appStart + rng.int(15, 60) * SECOND : 0;
  const root = episode(rng, {
    label,
    target: { tenant, asset: stack.db },
    tool: rng.pick(TOOLS),
    category: rootCategory,
    start: rootStart,
    end: rootEnd,
    severity: 'critical',
  });
  deliveries.push(...root);
  const downstreamEnd = () => rootEnd + rng.int(30, 180) * SECOND;
  let lbStart = 0;
  for (const [index, app] of affectedApps.entries()) {
    const start = appStart + index * rng.int(0, 40) * SECOND;
    lbStart = Math.max(lbStart, start);
    deliveries.push(
      ...episode(rng, {
        label,
        target: { tenant, asset: app },
        tool: rng.pick(TOOLS),
        category: rng.pick(['errors', 'latency', 'down'] as const),
        start,
        end: downstreamEnd(),
        severity: 'high',
      }),
    );
  }
  if (rng.chance(0.8)) {
    lbStart += rng.int(30, 120) * SECOND;
    deliveries.push(
      ...episode(rng, {
        label,
        target: { tenant, asset: stack.lb },
        tool: rng.pick(['cloudwatch', 'alertmanager'] as const),
        category: 'unhealthy',
        start: lbStart,
        end: downstreamEnd(),
        severity: 'high',
      }),
    );
    if (rng.chance(0.7)) {
      deliveries.push(
        ...episode(rng, {
          label,
          target: { tenant, asset: stack.endpoint },
          tool: rng.pick(['generic', 'alertmanager'] as const),
          category: 'probe',
          start: lbStart + rng.int(30, 90) * SECOND,
          end: downstreamEnd(),
          severity: 'critical',
        }),
      );
    }
  }
  return { deliveries, components: [{ tenant, component: stack.component, quietAfter: 0 }] };
}

function multiTool(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const target: Target = { tenant, asset: hostLike(rng, tenant) };
  const category = rng.pick(['cpu', 'memory', 'disk', 'down'] as const);
  const label = ctx.nextLabel('multi-tool');
  const tools = rng.chance(0.3)
    ? [...TOOLS]
    : rng.pick<Tool[]>([
        ['cloudwatch', 'alertmanager'],
        ['generic', 'alertmanager'],
        ['generic', 'cloudwatch'],
      ]);
  const end = rng.int(10, 30) * MINUTE;
  const deliveries = tools.flatMap((tool) =>
    episode(rng, { label, target, tool, category, start: rng.int(0, 120) * SECOND, end: end + rng.int(-60, 120) * SECOND }),
  );
  return { deliveries, components: [{ tenant, component: componentOf(target), quietAfter: 0 }] };
}

function unrelatedOnHost(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const target: Target = { tenant, asset: hostLike(rng, tenant) };
  const [first, second] = rng.pick(UNRELATED_PAIRS);
  const secondStart = rng.int(3, 10) * MINUTE;
  const deliveries = [
    ...episode(rng, {
      label: ctx.nextLabel('unrelated-on-host'),
      target,
      tool: rng.pick(TOOLS),
      category: first,
      start: 0,
      end: secondStart + rng.int(2, 15) * MINUTE,
    }),
    ...episode(rng, {
      label: ctx.nextLabel('unrelated-on-host'),
      target,
      tool: rng.pick(TOOLS),
      category: second,
      start: secondStart,
      end: secondStart + rng.int(5, 20) * MINUTE,
    }),
  ];
  return { deliveries, components: [{ tenant, component: componentOf(target), quietAfter: 0 }] };
}

function recurrence(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const target: Target = { tenant, asset: hostLike(rng, tenant) };
  const tool = rng.pick(TOOLS);
  const naming = namingFor(rng, tool, target);
  const category = rng.pick(HOST_CATEGORIES);
  const firstEnd = rng.int(5, 20) * MINUTE;
  const secondStart = firstEnd + rng.int(2, 6) * HOUR;
  const secondResolved = rng.chance(0.8);
  const deliveries = [
    ...episode(rng, {
      label: ctx.nextLabel('recurrence'),
      target,
      tool,
      naming,
      category,
      start: 0,
      // Some scripts never send a resolution: the first episode then just stops.
      end: tool === 'generic' && rng.chance(0.3) ? null : firstEnd,
      repeatEvery: tool === 'generic' ? [60 * SECOND, 120 * SECOND] : undefined,
    }),
    ...episode(rng, {
      label: ctx.nextLabel('recurrence'),
      target,
      tool,
      naming,
      category,
      start: secondStart,
      end: secondResolved ? secondStart + rng.int(5, 20) * MINUTE : null,
    }),
  ];
  return { deliveries, components: [{ tenant, component: componentOf(target), quietAfter: secondResolved ? 0 : 3 * HOUR }] };
}

function twinTenants(ctx: Context): ScenarioDraft | undefined {
  const { rng } = ctx;
  if (ctx.tenants.length < 2) return undefined;
  const first = rng.pick(ctx.tenants);
  const second = rng.pick(ctx.tenants.filter((tenant) => tenant !== first));
  const template = hostLike(rng, first);
  const twin = second.assets.find((asset) => asset.name === template.name) as GenAsset;
  const category = rng.pick(['cpu', 'memory', 'disk', 'down'] as const);
  // Same tool, same naming (same name, same private IP): only the tenant tells them apart.
  const tool = rng.pick<Tool>(['generic', 'alertmanager']);
  const naming: Naming = tool === 'generic' ? 'name' : 'ip-port';
  const deliveries = [first, second].flatMap((tenant, index) =>
    episode(rng, {
      label: ctx.nextLabel('twin-tenants', tenant.id),
      target: { tenant, asset: index === 0 ? template : twin },
      tool,
      naming,
      category,
      start: rng.int(0, 50) * SECOND,
      end: rng.int(8, 25) * MINUTE,
    }),
  );
  return {
    deliveries,
    components: [
      { tenant: first, component: template.component, quietAfter: 0 },
      { tenant: second, component: twin.component, quietAfter: 0 },
    ],
  };
}

function sameMinute(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const first = hostLike(rng, tenant);
  const second = rng.pick(tenant.assets.filter((asset) => asset.component !== first.component && asset.role !== 'endpoint'));
  const sameCondition = rng.chance(0.5);
  const categories: [Category, Category] = sameCondition
    ? [rng.pick(HOST_CATEGORIES), 'disk']
    : [rng.pick(HOST_CATEGORIES), rng.pick(HOST_CATEGORIES)];
  if (sameCondition) categories[1] = categories[0];
  const labels = [ctx.nextLabel('same-minute'), ctx.nextLabel('same-minute')];
  const components = [
    { tenant, component: first.component, quietAfter: 0 },
    { tenant, component: second.component, quietAfter: 0 },
  ];
  if (sameCondition && rng.chance(0.6)) {
    // One Alertmanager group (grouped by alertname) carrying both hosts.
    const start = 0;
    const ends = [rng.int(6, 20) * MINUTE, rng.int(6, 20) * MINUTE];
    const alerts = [first, second].map((asset, index) =>
      episode(rng, {
        label: labels[index] as string,
        target: { tenant, asset },
        tool: 'alertmanager',
        category: categories[0],
        start: start + index * rng.int(0, 40) * SECOND,
        end: ends[index] as number,
        repeatEvery: null,
      }).map((delivery) => delivery.alerts[0] as AlertSpec),
    );
    const deliveries: DeliverySpec[] = [];
    // The group's first notification (after group_wait) carries both firing alerts; each resolution
    // comes in the next group notification, which still lists the other alert while it fires.
    const [firstFiring, firstResolved] = alerts[0] as [AlertSpec, AlertSpec];
    const [secondFiring, secondResolved] = alerts[1] as [AlertSpec, AlertSpec];
    deliveries.push({ tenant, tool: 'alertmanager', receivedAt: 30 * SECOND + rng.int(0, 5000), alerts: [firstFiring, secondFiring] });
    const order = (ends[0] as number) <= (ends[1] as number) ? [0, 1] : [1, 0];
    const firing = [firstFiring, secondFiring];
    const resolved = [firstResolved, secondResolved];
    const earlier = order[0] as number;
    const later = order[1] as number;
    deliveries.push({
      tenant,
      tool: 'alertmanager',
      receivedAt: (ends[earlier] as number) + rng.int(25000, 35000),
      alerts: [resolved[earlier] as AlertSpec, { ...(firing[later] as AlertSpec) }],
      keepTime: true,
    });
    deliveries.push({
      tenant,
      tool: 'alertmanager',
      receivedAt: Math.max(ends[later] as number, (ends[earlier] as number) + 40 * SECOND) + rng.int(25000, 35000),
      alerts: [resolved[later] as AlertSpec],
      keepTime: true,
    });
    return { deliveries, components };
  }
  const deliveries = [first, second].flatMap((asset, index) =>
    episode(rng, {
      label: labels[index] as string,
      target: { tenant, asset },
      tool: rng.pick(TOOLS),
      category: categories[index] as Category,
      start: rng.int(0, 50) * SECOND,
      end: rng.int(6, 20) * MINUTE,
    }),
  );
  return { deliveries, components };
}

function singleton(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const target: Target = rng.chance(0.25) ? { tenant, unknown: rng.pick(UNKNOWN_HOSTS) } : { tenant, asset: anyAsset(rng, tenant) };
  const tool = rng.pick(TOOLS);
  const resolved = rng.chance(0.6);
  const category =
    target.asset?.role === 'endpoint'
      ? 'probe'
      : target.asset?.role === 'lb'
        ? rng.pick(['unhealthy', 'cert'] as const)
        : rng.pick(HOST_CATEGORIES);
  const deliveries = episode(rng, {
    label: ctx.nextLabel('singleton'),
    target,
    tool,
    category,
    start: 0,
    end: resolved ? rng.int(2, 15) * MINUTE : null,
    severity: rng.pick(['warning', 'low'] as const),
    repeatEvery: null,
  });
  return { deliveries, components: [{ tenant, component: componentOf(target), quietAfter: resolved ? 0 : 3 * HOUR }] };
}

function orphanResolution(ctx: Context): ScenarioDraft {
  const { rng } = ctx;
  const tenant = rng.pick(ctx.tenants);
  const target: Target = { tenant, asset: hostLike(rng, tenant) };
  const tool = rng.pick(TOOLS);
  const [, resolution] = episode(rng, {
    label: null,
    target,
    tool,
    category: rng.pick(HOST_CATEGORIES),
    start: -rng.int(10, 60) * MINUTE,
    end: 0,
    repeatEvery: null,
  });
  return { deliveries: [resolution as DeliverySpec], components: [{ tenant, component: componentOf(target), quietAfter: 0 }] };
}

const BUILDERS: Record<ScenarioKind, (ctx: Context) => ScenarioDraft | undefined> = {
  storm,
  cascade,
  'multi-tool': multiTool,
  'unrelated-on-host': unrelatedOnHost,
  recurrence,
  'twin-tenants': twinTenants,
  'same-minute': sameMinute,
  singleton,
  'orphan-resolution': orphanResolution,
};

const WEIGHTS: Record<ScenarioKind, number> = {
  storm: 10,
  cascade: 9,
  'multi-tool': 12,
  'unrelated-on-host': 10,
  recurrence: 9,
  'twin-tenants': 6,
  'same-minute': 10,
  singleton: 30,
  'orphan-resolution': 2,
};

// --- Rendering: the payloads the tools really send -------------------------------------------------------------

function assetName(alert: AlertSpec): string {
  const { asset, unknown } = alert.target;
  if (!asset) return unknown as string;
  switch (alert.naming) {
    case 'fqdn':
      return asset.fqdn;
    case 'ip-port':
      return `${asset.ip}:9100`;
    case 'fqdn-port':
      return `${asset.fqdn}:9100`;
    case 'instance':
      return asset.instanceId;
    default:
      return asset.name;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** CloudWatch's own format: `2026-11-24T19:01:12.345+0000`. */
function awsTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Alertmanager's label-set fingerprint (FNV-1a 64 over sorted `name 0xff value 0xff`). */
function fingerprint(labels: Record<string, string>): string {
  const encoder = new TextEncoder();
  let hash = 0xcbf29ce484222325n;
  const add = (byte: number) => {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const byte of encoder.encode(name)) add(byte);
    add(0xff);
    for (const byte of encoder.encode(labels[name] ?? '')) add(byte);
    add(0xff);
  }
  return hash.toString(16).padStart(16, '0');
}

/** The name a tenant's tool gives a condition: one of the real-world spellings, fixed per tenant and tool. */
function nameFor(tenantId: string, tool: 'generic' | 'alertmanager', category: Category): string {
  const condition: Condition = CONDITIONS[category];
  const names = tool === 'generic' ? condition.genericNames : condition.alertmanagerNames;
  let hash = 0;
  for (const char of `${tenantId}|${tool}|${category}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return names[hash % names.length] as string;
}

function renderGeneric(alert: AlertSpec, rng: Rng): unknown {
  const condition = CONDITIONS[alert.category];
  // Some scripts stamp local time with an offset.
  const offset = rng.chance(0.2);
  const timestamp = offset ? new Date(alert.occurredAt + HOUR).toISOString().replace('Z', '+01:00') : iso(alert.occurredAt);
  return {
    asset_name: assetName(alert),
    signature: nameFor(alert.target.tenant.id, 'generic', alert.category),
    severity: alert.severity,
    message: alert.status === 'resolved' ? `${nameFor(alert.target.tenant.id, 'generic', alert.category)} cleared` : condition.message,
    tool_source: alert.target.asset?.role === 'endpoint' ? 'uptime-probe' : 'nagios-script',
    status: alert.status,
    timestamp,
    labels: { check: alert.category },
  };
}

function renderCloudWatch(alert: AlertSpec, rng: Rng, receivedAt: number): unknown {
  const condition = CONDITIONS[alert.category];
  const tenant = alert.target.tenant;
  const hostName = alert.target.asset?.name ?? (alert.target.unknown as string);
  const alarmName = `${tenant.id}-${hostName}-${condition.cloudwatch.suffix}`;
  const topic = `arn:aws:sns:us-east-1:${tenant.account}:${tenant.id}-cloudwatch-alarms`;
  const state = alert.status === 'firing' ? 'ALARM' : 'OK';
  const message = {
    AlarmName: alarmName,
    AlarmDescription: `${condition.message} on ${hostName} [${alert.severity}]`,
    AWSAccountId: tenant.account,
    AlarmConfigurationUpdatedTimestamp: '2026-10-02T08:15:03.221+0000',
    NewStateValue: state,
    NewStateReason:
      state === 'ALARM'
        ? `Threshold Crossed: 2 out of the last 2 datapoints were greater than the threshold (90.0).`
        : `Threshold Crossed: 1 out of the last 2 datapoints was not greater than the threshold (90.0).`,
    StateChangeTime: awsTime(alert.occurredAt),
    Region: 'US East (N. Virginia)',
    AlarmArn: `arn:aws:cloudwatch:us-east-1:${tenant.account}:alarm:${alarmName}`,
    OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
    OKActions: [topic],
    AlarmActions: [topic],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: condition.cloudwatch.metric,
      Namespace: condition.cloudwatch.namespace,
      StatisticType: 'Statistic',
      Statistic: 'AVERAGE',
      Unit: null,
      Dimensions: [{ value: assetName(alert), name: 'InstanceId' }],
      Period: 300,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 90,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
  };
  return {
    Type: 'Notification',
    MessageId: rng.uuid(),
    TopicArn: topic,
    Subject: `${state}: "${alarmName}" in US East (N. Virginia)`,
    Message: JSON.stringify(message),
    Timestamp: iso(receivedAt - rng.int(50, 500)),
    SignatureVersion: '1',
    Signature: `EXAMPLE${rng.hex(40)}`,
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem',
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topic}:${rng.uuid()}`,
  };
}

function renderAlertmanager(alerts: AlertSpec[]): unknown {
  const tenant = alerts[0]!.target.tenant;
  const entries = alerts.map((alert) => {
    const condition = CONDITIONS[alert.category];
    const labels: Record<string, string> = {
      alertname: nameFor(tenant.id, 'alertmanager', alert.category),
      instance: assetName(alert),
      job: alert.target.asset?.role === 'endpoint' ? 'blackbox' : 'node',
      severity: alert.severity,
    };
    if (alert.category === 'disk') labels.mountpoint = '/var';
    return {
      status: alert.status,
      labels,
      annotations: { summary: condition.message, description: `${condition.message} on ${labels.instance}` },
      startsAt: iso(alert.startsAt),
      endsAt: alert.status === 'resolved' ? iso(alert.occurredAt) : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus-0.${tenant.domain}:9090/graph?g0.expr=up`,
      fingerprint: fingerprint(labels),
    };
  });
  const alertname = entries[0]!.labels.alertname as string;
  return {
    receiver: 'alert-whisperer',
    status: entries.some((entry) => entry.status === 'firing') ? 'firing' : 'resolved',
    alerts: entries,
    groupLabels: { alertname },
    commonLabels: { alertname },
    commonAnnotations: {},
    externalURL: `http://alertmanager-0.${tenant.domain}:9093`,
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
  };
}

// --- The generator -------------------------------------------------------------------------------------------

export const WORKLOAD_START = Date.parse('2026-11-24T00:00:00.000Z');

export function generateWorkload(options: WorkloadOptions = {}): Workload {
  const size = Math.max(10, Math.floor(options.size ?? 3000));
  const rng = new Rng(options.seed ?? 1);
  const tenantCount = Math.min(64, Math.max(4, Math.ceil(size / 750)));
  const tenants = Array.from({ length: tenantCount }, (_, index) => buildTenant(rng, index));
  let spanEnd = WORKLOAD_START + Math.max(1, size / (tenantCount * 750)) * 24 * HOUR;

  const counters = new Map<ScenarioKind, number>();
  const scenarioOf: Record<string, ScenarioKind> = {};
  const ctx: Context = {
    rng,
    tenants,
    nextLabel: (kind, suffix) => {
      const n = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, n);
      const label = `${kind}#${n}${suffix ? `@${suffix}` : ''}`;
      scenarioOf[label] = kind;
      return label;
    },
  };

  const reservations = new Map<string, Reservation[]>();
  const MARGIN = 60 * MINUTE;
  const isFree = (wanted: Reservation[]) =>
    wanted.every((want) =>
      (reservations.get(`${want.tenant}|${want.component}`) ?? []).every((taken) => want.to <= taken.from || want.from >= taken.to),
    );

  const placed: DeliverySpec[] = [];
  let deliveryCount = 0;
  while (deliveryCount < size) {
    const kind = rng.weighted(WEIGHTS);
    const draft = BUILDERS[kind](ctx);
    if (!draft || !draft.deliveries.length) continue;
    const times = draft.deliveries.flatMap((delivery) => [delivery.receivedAt, ...delivery.alerts.map((alert) => alert.occurredAt)]);
    const first = Math.min(...times);
    const last = Math.max(...times);
    let offset: number | undefined;
    for (let attempt = 0; offset === undefined; attempt++) {
      if (attempt > 0 && attempt % 40 === 0) spanEnd += 2 * HOUR; // crowded: lengthen the period
      const candidate = WORKLOAD_START - first + rng.next() * Math.max(0, spanEnd - WORKLOAD_START - (last - first));
      const wanted = draft.components.map(({ tenant, component, quietAfter }) => ({
        tenant: tenant.id,
        component,
        from: candidate + first - MARGIN,
        to: candidate + last + MARGIN + quietAfter,
      }));
      if (isFree(wanted)) {
        offset = Math.round(candidate);
        for (const want of wanted) {
          const key = `${want.tenant}|${want.component}`;
          reservations.set(key, [...(reservations.get(key) ?? []), want]);
        }
      }
    }
    for (const delivery of draft.deliveries) {
      const shifted: DeliverySpec = {
        ...delivery,
        receivedAt: delivery.receivedAt + offset,
        alerts: delivery.alerts.map((alert) => ({ ...alert, occurredAt: alert.occurredAt + offset, startsAt: alert.startsAt + offset })),
      };
      // Late deliveries (network, retries inside the tool): firing notifications only, so a
      // resolution never overtakes the alert it resolves.
      if (!shifted.keepTime && rng.chance(0.04)) shifted.receivedAt += rng.int(20, 90) * SECOND;
      placed.push(shifted);
      deliveryCount++;
      // At-least-once: the same delivery again, seconds later.
      if (rng.chance(0.03)) {
        placed.push({ ...shifted, receivedAt: shifted.receivedAt + rng.int(2, 30) * SECOND, retryOf: shifted });
        deliveryCount++;
      }
    }
  }

  // Receive order; a retry keeps its original's id and body.
  const ordered = placed
    .map((delivery, index) => ({ delivery, index }))
    .sort((a, b) => a.delivery.receivedAt - b.delivery.receivedAt || a.index - b.index);
  const rendered = new Map<DeliverySpec, WorkloadDelivery>();
  const deliveries: WorkloadDelivery[] = [];
  const truth: Record<string, Array<string | null>> = {};
  let sequence = 0;
  // Render originals in placement order, so ids and bodies do not depend on the sort.
  for (const delivery of placed) {
    const retryOf = delivery.retryOf;
    if (retryOf) continue;
    sequence++;
    const id = `${delivery.tenant.id}-${delivery.tool}-${String(sequence).padStart(6, '0')}`;
    const body =
      delivery.tool === 'generic'
        ? renderGeneric(delivery.alerts[0] as AlertSpec, rng)
        : delivery.tool === 'cloudwatch'
          ? renderCloudWatch(delivery.alerts[0] as AlertSpec, rng, delivery.receivedAt)
          : renderAlertmanager(delivery.alerts);
    rendered.set(delivery, { id, tenant: delivery.tenant.id, source: delivery.tool, receivedAt: iso(delivery.receivedAt), body });
    truth[id] = delivery.alerts.map((alert) => alert.label);
  }
  for (const { delivery } of ordered) {
    const retryOf = delivery.retryOf;
    const original = rendered.get(retryOf ?? delivery) as WorkloadDelivery;
    deliveries.push(retryOf ? { ...original, receivedAt: iso(delivery.receivedAt) } : original);
  }

  const fixture: WorkloadFixture = {
    tenants: tenants.map((tenant) => ({
      id: tenant.id,
      name: tenant.name,
      assets: tenant.assets.map(({ id, name, type, aliases, dependsOn }) => ({ id, name, type, aliases, dependsOn })),
    })),
  };
  return { fixture, deliveries, truth, scenarioOf };
}

/** Writes fixture.json, deliveries.ndjson and truth.json into `dir`. */
export function writeWorkload(workload: Workload, dir: string): { fixture: string; deliveries: string; truth: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { fixture: join(dir, 'fixture.json'), deliveries: join(dir, 'deliveries.ndjson'), truth: join(dir, 'truth.json') };
  writeFileSync(paths.fixture, `${JSON.stringify(workload.fixture, null, 2)}\n`);
  writeFileSync(paths.deliveries, workload.deliveries.map((delivery) => `${JSON.stringify(delivery)}\n`).join(''));
  writeFileSync(paths.truth, `${JSON.stringify({ truth: workload.truth, scenarioOf: workload.scenarioOf })}\n`);
  return paths;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench-workload' },
    },
  });
  const workload = generateWorkload({ size: Number(values.size), seed: Number(values.seed) });
  const paths = writeWorkload(workload, values.out);
  console.log(`${workload.deliveries.length} deliveries, ${workload.fixture.tenants.length} tenants -> ${paths.deliveries}`);
}
