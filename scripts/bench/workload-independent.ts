/**
 * An independent labelled workload for the correlation benchmark (written without reading the
 * engine's rules). Seeded and deterministic. MSP clients with overlapping naming (every client has an
 * `orders` stack on `10.0.x.x`), services laid out as endpoint -> load balancer -> app VMs -> database,
 * cache and queue, plus standalone servers. Three tools: Alertmanager (IP:port or FQDN:port instances,
 * group_wait, repeat_interval up to hours, send_resolved sometimes off), CloudWatch via SNS (EC2 ids,
 * RDS/ElastiCache/ALB/SQS dimensions, evaluation delays, state changes only, SNS redelivery) and generic
 * scripts (short names, FQDNs, upper-case Windows names, re-posting every few minutes).
 *
 * Truth, as an operator would label it: one incident per real problem. A cascade is one incident rooted
 * at the upstream failure; one condition from several tools is one incident; flaps of one condition
 * minutes apart are one incident; unrelated problems on one host minutes apart are two; a recurrence
 * hours after a resolution is a new incident; twins in two tenants are two; unrelated assets in the same
 * minute are two; a still-firing alert re-notified hours later is still the same incident.
 */
import { labelFingerprint } from '../../lib/ingest/alertmanager';
import type { ReplayDelivery, ReplayFixture } from '../../lib/replay/replay';

export const IND_SCENARIOS = [
  'flapping-storm',
  'dependency-cascade',
  'two-tools-one-condition',
  'distinct-on-one-host',
  'recurrence-after-hours',
  'long-running-renotify',
  'twin-hosts-two-tenants',
  'same-minute-unrelated',
  'background-singleton',
  'orphan-resolution',
] as const;
export type IndScenario = (typeof IND_SCENARIOS)[number];

type Tool = 'generic' | 'alertmanager' | 'cloudwatch';

export interface IndWorkload {
  fixture: ReplayFixture;
  deliveries: ReplayDelivery[];
  /** Delivery id -> truth label per alert of the payload (null: should join no incident). */
  truth: Record<string, Array<string | null>>;
  scenarioOf: Record<string, IndScenario>;
  /** Human-readable description of each alert of each delivery (for reports). */
  describe: Record<string, string[]>;
}

// --- randomness -------------------------------------------------------------------------------------------

class Random {
  private s: number;
  constructor(seed: number) {
    this.s = (seed * 2654435761) >>> 0 || 1;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

const MIN = 60_000;
const HOUR = 60 * MIN;

// --- inventory --------------------------------------------------------------------------------------------

type Kind = 'db' | 'cache' | 'queue' | 'app' | 'lb' | 'endpoint' | 'server';

interface Host {
  id: string;
  kind: Kind;
  group: string;
  fqdn: string;
  ip: string;
  ec2?: string;
  /** CloudWatch dimension (name, value) when the asset is an AWS resource. */
  cw?: [string, string];
  url?: string;
  dependsOn: string[];
}

interface Tenant {
  id: string;
  name: string;
  domain: string;
  publicDomain: string;
  account: string;
  hosts: Host[];
  groups: string[];
  /** group -> reserved [from, to] windows */
  busy: Map<string, Array<[number, number]>>;
}

const CLIENTS = [
  { id: 'northwind-traders', name: 'Northwind Traders', domain: 'nwt.internal', pub: 'northwind.example' },
  { id: 'fabrikam', name: 'Fabrikam Inc', domain: 'corp.fabrikam.local', pub: 'fabrikam.example' },
  { id: 'tailspin-toys', name: 'Tailspin Toys', domain: 'tst.lan', pub: 'tailspintoys.example' },
  { id: 'wingtip', name: 'Wingtip Partners', domain: 'ad.wingtip.net', pub: 'wingtip.example' },
];
const SERVICES = ['orders', 'billing', 'catalog', 'auth', 'search', 'reporting', 'payments', 'crm', 'portal', 'shipping'];
const STANDALONE = ['srv-file-01', 'srv-backup-01', 'bastion-01', 'srv-dc-01', 'vm-jenkins-01', 'srv-print-01', 'nas-01', 'vm-vpn-01'];

function buildTenants(rng: Random): Tenant[] {
  return CLIENTS.map((client) => {
    const hosts: Host[] = [];
    const services = rng.shuffle([...SERVICES]).slice(0, rng.int(6, 8));
    // Include 'orders' and 'billing' everywhere so names collide across tenants.
    for (const must of ['orders', 'billing']) if (!services.includes(must)) services.push(must);
    services.forEach((svc) => {
      const subnet = SERVICES.indexOf(svc) + 1;
      const ipOf = (last: number) => `10.0.${subnet}.${last}`;
      const dbEngine = rng.chance(0.7) ? 'pg' : 'mysql';
      const db: Host = {
        id: `${dbEngine}-${svc}-01`,
        kind: 'db',
        group: svc,
        fqdn: `${dbEngine}-${svc}-01.${client.domain}`,
        ip: ipOf(10),
        cw: ['DBInstanceIdentifier', `${svc}-prod-db`],
        dependsOn: [],
      };
      const cache: Host = {
        id: `redis-${svc}-01`,
        kind: 'cache',
        group: svc,
        fqdn: `redis-${svc}-01.${client.domain}`,
        ip: ipOf(20),
        cw: ['CacheClusterId', `${svc}-redis-001`],
        dependsOn: [],
      };
      const queue: Host = {
        id: `mq-${svc}-01`,
        kind: 'queue',
        group: svc,
        fqdn: `mq-${svc}-01.${client.domain}`,
        ip: ipOf(30),
        cw: ['QueueName', `${svc}-jobs`],
        dependsOn: [],
      };
      const apps: Host[] = [];
      for (let n = 1; n <= rng.int(2, 4); n++) {
        const ec2 = `i-0${rng.hex(16)}`;
        apps.push({
          id: `vm-${svc}-app-0${n}`,
          kind: 'app',
          group: svc,
          fqdn: `vm-${svc}-app-0${n}.${client.domain}`,
          ip: ipOf(100 + n),
          ec2,
          cw: ['InstanceId', ec2],
          dependsOn: [db.id, cache.id, queue.id],
        });
      }
      const lb: Host = {
        id: `lb-${svc}`,
        kind: 'lb',
        group: svc,
        fqdn: `${svc}-alb.${client.domain}`,
        ip: ipOf(5),
        cw: ['LoadBalancer', `app/${svc}-prod-alb/${rng.hex(16)}`],
        dependsOn: apps.map((app) => app.id),
      };
      const endpoint: Host = {
        id: `ep-${svc}`,
        kind: 'endpoint',
        group: svc,
        fqdn: `${svc}.${client.pub}`,
        ip: ipOf(4),
        url: `https://${svc}.${client.pub}/healthz`,
        dependsOn: [lb.id],
      };
      hosts.push(db, cache, queue, ...apps, lb, endpoint);
    });
    for (const [index, id] of STANDALONE.entries()) {
      const ec2 = rng.chance(0.5) ? `i-0${rng.hex(16)}` : undefined;
      hosts.push({
        id,
        kind: 'server',
        group: id,
        fqdn: `${id}.${client.domain}`,
        ip: `10.0.200.${10 + index}`,
        ...(ec2 ? { ec2, cw: ['InstanceId', ec2] as [string, string] } : {}),
        dependsOn: [],
      });
    }
    return {
      id: client.id,
      name: client.name,
      domain: client.domain,
      publicDomain: client.pub,
      account: String(100000000000 + rng.int(1, 899999999)),
      hosts,
      groups: [...new Set(hosts.map((host) => host.group))],
      busy: new Map(),
    };
  });
}

function fixtureOf(tenants: Tenant[]): ReplayFixture {
  return {
    tenants: tenants.map((tenant) => ({
      id: tenant.id,
      name: tenant.name,
      assets: tenant.hosts.map((host) => ({
        id: host.id,
        name: host.kind === 'endpoint' ? host.fqdn : host.id,
        type: { db: 'database', cache: 'cache', queue: 'queue', app: 'vm', lb: 'load-balancer', endpoint: 'endpoint', server: 'server' }[
          host.kind
        ],
        aliases: [
          host.fqdn,
          host.ip,
          ...(host.ec2 ? [host.ec2] : []),
          ...(host.cw && host.cw[1] !== host.ec2 ? [host.cw[1]] : []),
          ...(host.url ? [host.url] : []),
        ],
        dependsOn: host.dependsOn,
        critical: host.kind === 'db' || host.kind === 'endpoint',
        tags: { group: host.group },
      })),
    })),
  };
}

// --- conditions: how each tool names one problem --------------------------------------------------------

interface Condition {
  key: string;
  severity: 'critical' | 'warning';
  am?: { alertname: string; port: number; useIp: boolean; labels?: Record<string, string>; summary: string };
  cw?: { suffix: string; namespace: string; metric: string; threshold: number };
  gen?: { signature: string; tool: string; message: string };
}

const HOST_CONDITIONS: Record<string, Condition> = {
  disk: {
    key: 'disk',
    severity: 'critical',
    am: {
      alertname: 'NodeFilesystemAlmostOutOfSpace',
      port: 9100,
      useIp: true,
      labels: { mountpoint: '/var', device: '/dev/nvme1n1', fstype: 'xfs', job: 'node-exporter' },
      summary: 'Filesystem has less than 5% space left.',
    },
    cw: { suffix: 'disk-used-pct-high', namespace: 'CWAgent', metric: 'disk_used_percent', threshold: 90 },
    gen: { signature: 'check_disk', tool: 'nagios', message: 'DISK CRITICAL - free space: /var 412 MB (3% inode=88%)' },
  },
  cpu: {
    key: 'cpu',
    severity: 'warning',
    am: { alertname: 'HostHighCpuLoad', port: 9100, useIp: false, labels: { job: 'node-exporter' }, summary: 'CPU load is > 85%' },
    cw: { suffix: 'cpu-utilization-high', namespace: 'AWS/EC2', metric: 'CPUUtilization', threshold: 85 },
    gen: { signature: 'cpu_load_high', tool: 'zabbix-bridge', message: 'Processor load is too high (load avg 14.2)' },
  },
  memory: {
    key: 'memory',
    severity: 'critical',
    am: {
      alertname: 'HostOutOfMemory',
      port: 9100,
      useIp: true,
      labels: { job: 'node-exporter' },
      summary: 'Node memory is filling up (< 10% left)',
    },
    cw: { suffix: 'mem-used-pct-high', namespace: 'CWAgent', metric: 'mem_used_percent', threshold: 92 },
    gen: { signature: 'check_mem', tool: 'nagios', message: 'MEMORY CRITICAL - 96.1% used' },
  },
  cert: {
    key: 'cert',
    severity: 'warning',
    am: {
      alertname: 'SSLCertificateExpiringSoon',
      port: 443,
      useIp: false,
      labels: { job: 'blackbox-tls' },
      summary: 'TLS certificate expires in less than 14 days',
    },
    gen: { signature: 'ssl_cert_expiry', tool: 'certwatch', message: 'certificate CN=*.internal expires in 9 days' },
  },
  ntp: {
    key: 'ntp',
    severity: 'warning',
    am: {
      alertname: 'NodeClockSkewDetected',
      port: 9100,
      useIp: true,
      labels: { job: 'node-exporter' },
      summary: 'Clock skew detected (offset 0.8s)',
    },
    gen: { signature: 'ntp_offset', tool: 'nagios', message: 'NTP WARNING: Offset 0.812 secs' },
  },
  backup: {
    key: 'backup',
    severity: 'warning',
    gen: { signature: 'Backup job failed', tool: 'veeam-notify', message: 'Job "nightly-full" finished with Failed: VSS snapshot error' },
  },
  patch: {
    key: 'patch',
    severity: 'warning',
    gen: { signature: 'pending_reboot', tool: 'patch-report.ps1', message: 'Host has pending reboot after updates (14 days)' },
  },
  hostdown: {
    key: 'hostdown',
    severity: 'critical',
    am: {
      alertname: 'InstanceDown',
      port: 9100,
      useIp: true,
      labels: { job: 'node-exporter' },
      summary: 'Target has been down for more than 2 minutes',
    },
    cw: { suffix: 'status-check-failed', namespace: 'AWS/EC2', metric: 'StatusCheckFailed', threshold: 1 },
    gen: { signature: 'host_unreachable', tool: 'ping-monitor', message: 'PING CRITICAL - Packet loss = 100%' },
  },
};

const KIND_CONDITIONS: Record<Exclude<Kind, 'app' | 'server'>, Condition[]> = {
  db: [
    {
      key: 'db-down',
      severity: 'critical',
      am: {
        alertname: 'PostgresqlDown',
        port: 9187,
        useIp: false,
        labels: { job: 'postgres-exporter' },
        summary: 'Postgresql instance is down',
      },
      cw: { suffix: 'rds-connections-zero', namespace: 'AWS/RDS', metric: 'DatabaseConnections', threshold: 1 },
      gen: { signature: 'pg_isready failed', tool: 'db-healthcheck.sh', message: 'no response from server on port 5432' },
    },
    {
      key: 'db-saturation',
      severity: 'critical',
      am: {
        alertname: 'MysqlTooManyConnections',
        port: 9104,
        useIp: true,
        labels: { job: 'mysqld-exporter' },
        summary: 'More than 80% of connections used',
      },
      cw: { suffix: 'rds-cpu-critical', namespace: 'AWS/RDS', metric: 'CPUUtilization', threshold: 95 },
      gen: { signature: 'db_connections_saturated', tool: 'db-healthcheck.sh', message: 'active connections 497/500' },
    },
  ],
  cache: [
    {
      key: 'cache-down',
      severity: 'critical',
      am: { alertname: 'RedisDown', port: 9121, useIp: true, labels: { job: 'redis-exporter' }, summary: 'Redis instance is down' },
      cw: { suffix: 'redis-engine-cpu-high', namespace: 'AWS/ElastiCache', metric: 'EngineCPUUtilization', threshold: 90 },
      gen: { signature: 'redis_ping_timeout', tool: 'cron-healthcheck', message: 'redis-cli PING timed out after 2s' },
    },
  ],
  queue: [
    {
      key: 'queue-backlog',
      severity: 'critical',
      am: { alertname: 'RabbitmqNodeDown', port: 15692, useIp: false, labels: { job: 'rabbitmq' }, summary: 'RabbitMQ node down' },
      cw: { suffix: 'sqs-oldest-message-age', namespace: 'AWS/SQS', metric: 'ApproximateAgeOfOldestMessage', threshold: 900 },
      gen: { signature: 'queue_depth_critical', tool: 'cron-healthcheck', message: 'jobs queue depth 48210 > 10000' },
    },
  ],
  lb: [
    {
      key: 'lb-unhealthy',
      severity: 'critical',
      am: {
        alertname: 'HaproxyBackendDown',
        port: 8404,
        useIp: false,
        labels: { job: 'haproxy' },
        summary: 'HAProxy backend has no healthy servers',
      },
      cw: { suffix: 'alb-unhealthy-hosts', namespace: 'AWS/ApplicationELB', metric: 'UnHealthyHostCount', threshold: 1 },
      gen: { signature: 'lb_pool_degraded', tool: 'f5-poller', message: 'pool members down: 2/3' },
    },
  ],
  endpoint: [
    {
      key: 'probe-failed',
      severity: 'critical',
      am: { alertname: 'BlackboxProbeFailed', port: 0, useIp: false, labels: { job: 'blackbox-http' }, summary: 'Probe failed' },
      gen: { signature: 'HTTP check failed', tool: 'uptime-kuma', message: 'HTTP 502 Bad Gateway from /healthz' },
    },
  ],
};

const APP_SYMPTOMS: Condition[] = [
  {
    key: 'app-5xx',
    severity: 'critical',
    am: {
      alertname: 'HighHttp5xxErrorRate',
      port: 8080,
      useIp: false,
      labels: { job: 'app-metrics' },
      summary: 'More than 5% of requests fail with 5xx',
    },
    gen: { signature: 'app_error_rate', tool: 'graylog-alert', message: 'ERROR count 1841 in last 5m: upstream connect error' },
  },
  {
    key: 'app-latency',
    severity: 'warning',
    am: { alertname: 'HttpRequestLatencyP99High', port: 8080, useIp: true, labels: { job: 'app-metrics' }, summary: 'p99 latency > 2s' },
    gen: { signature: 'slow_requests', tool: 'graylog-alert', message: 'p99 latency 4.3s over threshold 2s' },
  },
];

function conditionsFor(host: Host): Condition[] {
  if (host.kind === 'app' || host.kind === 'server') return Object.values(HOST_CONDITIONS);
  return KIND_CONDITIONS[host.kind];
}

function toolsFor(host: Host, condition: Condition): Tool[] {
  const tools: Tool[] = [];
  if (condition.am) tools.push('alertmanager');
  if (condition.gen) tools.push('generic');
  if (condition.cw && host.cw && !(condition.cw.namespace === 'AWS/EC2' && host.cw[0] !== 'InstanceId')) {
    if (!(condition.cw.namespace.startsWith('CWAgent') && host.cw[0] !== 'InstanceId')) tools.push('cloudwatch');
  }
  return tools;
}

// --- emitters ---------------------------------------------------------------------------------------------

interface PendingAlert {
  label: string | null;
  text: string;
}
interface Pending {
  tenant: string;
  source: Tool;
  at: number;
  body: unknown;
  alerts: PendingAlert[];
  /** Same line id as another (a webhook retry). */
  id?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** CloudWatch's format: 2026-03-02T10:11:12.345+0000 */
const awsTime = (ms: number) => iso(ms).replace('Z', '+0000');

class Emitter {
  readonly out: Pending[] = [];
  constructor(
    private readonly rng: Random,
    private readonly tenants: Map<string, Tenant>,
  ) {}

  amInstance(tenant: Tenant, host: Host, condition: Condition): string {
    const am = condition.am!;
    if (host.kind === 'endpoint') return host.url!;
    const base = am.useIp ? host.ip : host.fqdn;
    return `${base}:${host.id.startsWith('mysql') && am.port === 9187 ? 9104 : am.port}`;
  }

  amAlert(tenant: Tenant, host: Host, condition: Condition, status: 'firing' | 'resolved', startsAt: number, endsAt: number | null) {
    const am = condition.am!;
    const mysql = host.id.startsWith('mysql');
    const labels: Record<string, string> = {
      alertname: mysql ? am.alertname.replace('Postgresql', 'Mysql') : am.alertname,
      instance: this.amInstance(tenant, host, condition),
      severity: condition.severity,
      env: 'prod',
      team: host.kind === 'db' ? 'dba' : 'platform',
      ...am.labels,
    };
    return {
      status,
      labels,
      annotations: { summary: am.summary, description: `${am.summary} on ${labels.instance}` },
      startsAt: iso(startsAt),
      endsAt: endsAt === null ? '0001-01-01T00:00:00Z' : iso(endsAt),
      generatorURL: `http://prometheus.${tenant.domain}:9090/graph?g0.expr=${encodeURIComponent(am.alertname)}`,
      fingerprint: labelFingerprint(labels),
    };
  }

  amPayload(tenant: Tenant, alerts: Array<ReturnType<Emitter['amAlert']>>) {
    const firing = alerts.some((alert) => alert.status === 'firing');
    const alertname = alerts[0]!.labels.alertname as string;
    return {
      receiver: 'msp-alert-whisperer',
      status: firing ? 'firing' : 'resolved',
      alerts,
      groupLabels: { alertname },
      commonLabels: { alertname, env: 'prod' },
      commonAnnotations: {},
      externalURL: `http://alertmanager.${tenant.domain}:9093`,
      version: '4',
      groupKey: `{}:{alertname="${alertname}"}`,
      truncatedAlerts: 0,
    };
  }

  cwPayload(tenant: Tenant, host: Host, condition: Condition, state: 'ALARM' | 'OK', at: number) {
    const cw = condition.cw!;
    const dim = host.cw!;
    const alarmName = `${host.group}-${host.kind === 'app' || host.kind === 'server' ? host.id + '-' : ''}${cw.suffix}${condition.severity === 'critical' ? ' [critical]' : ''}`;
    const arn = `arn:aws:cloudwatch:eu-west-1:${tenant.account}:alarm:${alarmName}`;
    const message = {
      AlarmName: alarmName,
      AlarmDescription: `${cw.metric} breach on ${dim[1]}`,
      AWSAccountId: tenant.account,
      NewStateValue: state,
      NewStateReason:
        state === 'ALARM'
          ? `Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (${cw.threshold}.0).`
          : `Threshold Crossed: 1 datapoint was not greater than the threshold (${cw.threshold}.0).`,
      StateChangeTime: awsTime(at),
      Region: 'EU (Ireland)',
      AlarmArn: arn,
      OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
      Trigger: {
        MetricName: cw.metric,
        Namespace: cw.namespace,
        StatisticType: 'Statistic',
        Statistic: 'AVERAGE',
        Dimensions: [{ name: dim[0], value: dim[1] }],
        Period: 60,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: cw.threshold,
      },
    };
    const messageId = `${this.rng.hex(8)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(12)}`;
    return {
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: `arn:aws:sns:eu-west-1:${tenant.account}:msp-alarms`,
      Subject: `${state}: "${alarmName}" in EU (Ireland)`,
      Message: JSON.stringify(message),
      Timestamp: iso(at + 400),
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
      UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
    };
  }

  genRef(tenant: Tenant, host: Host): string {
    if (host.kind === 'endpoint') return this.rng.chance(0.5) ? host.url! : host.fqdn;
    const roll = this.rng.next();
    if (roll < 0.35) return host.id;
    if (roll < 0.7) return host.fqdn;
    if (roll < 0.85) return host.id.toUpperCase();
    return host.ip;
  }

  genPayload(tenant: Tenant, host: Host, condition: Condition, status: 'firing' | 'resolved', at: number, ref: string) {
    const gen = condition.gen!;
    const body: Record<string, unknown> = {
      asset_name: ref,
      signature: gen.signature,
      severity: condition.severity === 'critical' ? 'critical' : 'warning',
      message: status === 'firing' ? gen.message : `OK - ${gen.signature} recovered`,
      tool_source: gen.tool,
      status,
    };
    if (this.rng.chance(0.7)) body.timestamp = iso(at);
    return body;
  }

  /**
   * One tool reporting one condition on one asset over episodes [start, end|null] (flaps: several
   * episodes). Every alert gets `label` as truth.
   */
  signal(opts: {
    tenant: Tenant;
    host: Host;
    condition: Condition;
    tool: Tool;
    episodes: Array<[number, number | null]>;
    label: string;
    repostMs?: number;
    repeatIntervalMs?: number;
    sendResolved?: boolean;
  }): void {
    const { tenant, host, condition, tool, episodes, label } = opts;
    const rng = this.rng;
    const text = (status: string, at: number) =>
      `${tool} ${status} ${
        tool === 'alertmanager'
          ? `${condition.am!.alertname}@${this.amInstance(tenant, host, condition)}`
          : tool === 'cloudwatch'
            ? `${condition.cw!.suffix}@${host.cw![1]}`
            : `${condition.gen!.signature}@${host.id}`
      } ${iso(at).slice(5, 16)}`;
    const push = (source: Tool, at: number, body: unknown, status: string) => {
      const pending: Pending = { tenant: tenant.id, source, at, body, alerts: [{ label, text: text(status, at) }] };
      this.out.push(pending);
      if (rng.chance(0.02)) this.out.push({ ...pending, at: at + rng.int(5, 40) * 1000, id: 'retry' });
    };
    if (tool === 'generic') {
      const ref = this.genRef(tenant, host);
      const repost = opts.repostMs ?? rng.pick([2, 3, 5]) * MIN;
      for (const [start, end] of episodes) {
        const stop = end ?? start + rng.int(10, 40) * MIN;
        for (let at = start + rng.int(10, 90) * 1000; at < stop; at += repost + rng.int(-10, 10) * 1000) {
          push('generic', at, this.genPayload(tenant, host, condition, 'firing', at, ref), 'firing');
        }
        if (end !== null && opts.sendResolved !== false) {
          const at = end + rng.int(10, 120) * 1000;
          push('generic', at, this.genPayload(tenant, host, condition, 'resolved', end, ref), 'resolved');
        }
      }
    } else if (tool === 'alertmanager') {
      const repeat = opts.repeatIntervalMs ?? rng.pick([30 * MIN, 1 * HOUR, 4 * HOUR]);
      for (const [start, end] of episodes) {
        const first = start + 30_000 + rng.int(0, 15) * 1000; // group_wait 30s
        const stop = end ?? start + rng.int(15, 60) * MIN;
        for (let at = first; at < stop; at += repeat) {
          push('alertmanager', at, this.amPayload(tenant, [this.amAlert(tenant, host, condition, 'firing', start, null)]), 'firing');
        }
        if (end !== null && opts.sendResolved !== false) {
          const at = end + rng.int(30, 300) * 1000; // next group_interval tick
          push('alertmanager', at, this.amPayload(tenant, [this.amAlert(tenant, host, condition, 'resolved', start, end)]), 'resolved');
        }
      }
    } else {
      for (const [start, end] of episodes) {
        const alarmAt = start + rng.int(2, 6) * MIN; // evaluation periods
        push('cloudwatch', alarmAt + 500, this.cwPayload(tenant, host, condition, 'ALARM', alarmAt), 'ALARM');
        if (end !== null && opts.sendResolved !== false) {
          const okAt = Math.max(alarmAt + MIN, end + rng.int(1, 4) * MIN);
          push('cloudwatch', okAt + 500, this.cwPayload(tenant, host, condition, 'OK', okAt), 'OK');
        }
      }
    }
  }

  /** A resolution whose firing was never recorded: truth null. */
  orphan(tenant: Tenant, host: Host, condition: Condition, tool: Tool, at: number): void {
    const body =
      tool === 'generic'
        ? this.genPayload(tenant, host, condition, 'resolved', at, this.genRef(tenant, host))
        : tool === 'alertmanager'
          ? this.amPayload(tenant, [this.amAlert(tenant, host, condition, 'resolved', at - 3 * HOUR, at)])
          : this.cwPayload(tenant, host, condition, 'OK', at);
    this.out.push({
      tenant: tenant.id,
      source: tool,
      at: at + 2000,
      body,
      alerts: [{ label: null, text: `${tool} orphan-resolved ${host.id}` }],
    });
    void this.tenants;
  }
}

// --- scenarios --------------------------------------------------------------------------------------------

export function generateIndependentWorkload(opts: { size?: number; seed?: number } = {}): IndWorkload {
  const size = opts.size ?? 3000;
  const rng = new Random(opts.seed ?? 1);
  const tenants = buildTenants(rng);
  const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  const emitter = new Emitter(rng, byId);
  const scenarioOf: Record<string, IndScenario> = {};
  const base = Date.parse('2026-03-02T00:00:00Z');
  const spanMs = Math.max(2, Math.round(size / 600)) * 24 * HOUR;
  let next = 0;
  const label = (scenario: IndScenario) => {
    const id = `${scenario}#${++next}`;
    scenarioOf[id] = scenario;
    return id;
  };

  const free = (tenant: Tenant, group: string, from: number, to: number) =>
    !(tenant.busy.get(group) ?? []).some(([a, b]) => a < to + 45 * MIN && from < b + 45 * MIN);
  const reserve = (tenant: Tenant, group: string, from: number, to: number) => {
    const list = tenant.busy.get(group) ?? [];
    list.push([from, to]);
    tenant.busy.set(group, list);
  };
  /** A group of the tenant free over [from, to], or undefined. */
  const freeGroup = (tenant: Tenant, from: number, to: number, filter: (group: string) => boolean = () => true) => {
    const options = tenant.groups.filter((group) => filter(group) && free(tenant, group, from, to));
    return options.length ? rng.pick(options) : undefined;
  };
  const hostsOf = (tenant: Tenant, group: string) => tenant.hosts.filter((host) => host.group === group);
  const startTime = (duration: number) => base + rng.int(0, Math.floor((spanMs - duration) / MIN)) * MIN;
  const flapEpisodes = (start: number): Array<[number, number | null]> => {
    const episodes: Array<[number, number | null]> = [];
    let at = start;
    const count = rng.int(2, 5);
    for (let i = 0; i < count; i++) {
      const up = rng.int(3, 10) * MIN;
      episodes.push([at, at + up]);
      at += up + rng.int(1, 4) * MIN;
    }
    return episodes;
  };
  const hostish = (host: Host) => host.kind === 'app' || host.kind === 'server';

  const scenarios: Record<IndScenario, () => boolean> = {
    'flapping-storm': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(2 * HOUR);
      const group = freeGroup(tenant, start, start + 90 * MIN);
      if (!group) return false;
      reserve(tenant, group, start, start + 90 * MIN);
      const host = rng.pick(hostsOf(tenant, group));
      const condition = rng.pick(conditionsFor(host).filter((c) => toolsFor(host, c).length));
      const tool = rng.pick(toolsFor(host, condition));
      const lbl = label('flapping-storm');
      const episodes = flapEpisodes(start);
      if (rng.chance(0.25)) episodes[episodes.length - 1]![1] = null; // resolution never sent
      emitter.signal({
        tenant,
        host,
        condition,
        tool,
        episodes,
        label: lbl,
        repostMs: rng.pick([1, 2, 3]) * MIN,
        repeatIntervalMs: 5 * MIN,
      });
      return true;
    },
    'dependency-cascade': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(3 * HOUR);
      const group = freeGroup(tenant, start, start + 2 * HOUR, (g) => !g.includes('-'));
      if (!group) return false;
      reserve(tenant, group, start, start + 2 * HOUR);
      const hosts = hostsOf(tenant, group);
      const root = rng.pick(hosts.filter((host) => ['db', 'cache', 'queue'].includes(host.kind)));
      const lbl = label('dependency-cascade');
      const duration = rng.int(20, 70) * MIN;
      const end = start + duration;
      const rootCondition = rng.pick(conditionsFor(root));
      const rootTools = toolsFor(root, rootCondition);
      // The root's tool, sometimes two tools for it.
      for (const tool of rng.shuffle([...rootTools]).slice(0, rng.chance(0.3) ? 2 : 1)) {
        emitter.signal({
          tenant,
          host: root,
          condition: rootCondition,
          tool,
          episodes: [[start, rng.chance(0.85) ? end : null]],
          label: lbl,
        });
      }
      // Apps see errors 1-4 minutes later (sometimes before the root's CloudWatch alarm evaluates).
      const apps = hosts.filter((host) => host.kind === 'app' && host.dependsOn.includes(root.id));
      for (const app of apps) {
        if (rng.chance(0.15)) continue;
        const symptom = rng.pick(APP_SYMPTOMS);
        const tool = rng.pick(toolsFor(app, symptom).filter((t) => t !== 'cloudwatch'));
        const s = start + rng.int(30, 240) * 1000;
        emitter.signal({ tenant, host: app, condition: symptom, tool, episodes: [[s, end + rng.int(0, 3) * MIN]], label: lbl });
      }
      const lb = hosts.find((host) => host.kind === 'lb')!;
      const lbCondition = KIND_CONDITIONS.lb[0]!;
      const s2 = start + rng.int(2, 6) * MIN;
      emitter.signal({
        tenant,
        host: lb,
        condition: lbCondition,
        tool: rng.pick(toolsFor(lb, lbCondition)),
        episodes: [[s2, end + MIN]],
        label: lbl,
      });
      if (rng.chance(0.8)) {
        const ep = hosts.find((host) => host.kind === 'endpoint')!;
        const epCondition = KIND_CONDITIONS.endpoint[0]!;
        const s3 = start + rng.int(3, 8) * MIN;
        emitter.signal({
          tenant,
          host: ep,
          condition: epCondition,
          tool: rng.pick(toolsFor(ep, epCondition)),
          episodes: [[s3, end + 2 * MIN]],
          label: lbl,
        });
      }
      return true;
    },
    'two-tools-one-condition': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(2 * HOUR);
      const group = freeGroup(tenant, start, start + 90 * MIN);
      if (!group) return false;
      const candidates = hostsOf(tenant, group).flatMap((host) =>
        conditionsFor(host)
          .filter((c) => toolsFor(host, c).length >= 2)
          .map((c) => [host, c] as const),
      );
      if (!candidates.length) return false;
      reserve(tenant, group, start, start + 90 * MIN);
      const [host, condition] = rng.pick(candidates);
      const tools = rng.shuffle(toolsFor(host, condition)).slice(0, rng.int(2, 3));
      const lbl = label('two-tools-one-condition');
      const end = start + rng.int(15, 60) * MIN;
      for (const tool of tools) {
        const s = start + rng.int(0, 3) * MIN;
        emitter.signal({ tenant, host, condition, tool, episodes: [[s, rng.chance(0.85) ? end : null]], label: lbl });
      }
      return true;
    },
    'distinct-on-one-host': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(2 * HOUR);
      const group = freeGroup(tenant, start, start + 90 * MIN);
      if (!group) return false;
      const host = rng.pick(hostsOf(tenant, group).filter(hostish));
      if (!host) return false;
      reserve(tenant, group, start, start + 90 * MIN);
      const a = HOST_CONDITIONS[rng.pick(['disk', 'memory', 'cpu'])]!;
      const b = HOST_CONDITIONS[rng.pick(['cert', 'ntp', 'backup', 'patch'])]!;
      const [first, second] = rng.chance(0.5) ? [a, b] : [b, a];
      const l1 = label('distinct-on-one-host');
      const l2 = label('distinct-on-one-host');
      const e1 = start + rng.int(15, 45) * MIN;
      emitter.signal({ tenant, host, condition: first, tool: rng.pick(toolsFor(host, first)), episodes: [[start, e1]], label: l1 });
      const s2 = start + rng.int(2, 10) * MIN;
      emitter.signal({
        tenant,
        host,
        condition: second,
        tool: rng.pick(toolsFor(host, second)),
        episodes: [[s2, s2 + rng.int(15, 45) * MIN]],
        label: l2,
      });
      return true;
    },
    'recurrence-after-hours': () => {
      const tenant = rng.pick(tenants);
      const gap = rng.int(2, 8) * HOUR;
      const start = startTime(gap + 3 * HOUR);
      const group = freeGroup(tenant, start, start + gap + 2 * HOUR);
      if (!group) return false;
      reserve(tenant, group, start, start + gap + 2 * HOUR);
      const host = rng.pick(hostsOf(tenant, group));
      const condition = rng.pick(conditionsFor(host));
      const tools = toolsFor(host, condition);
      const tool = rng.pick(tools);
      const l1 = label('recurrence-after-hours');
      const l2 = label('recurrence-after-hours');
      const e1 = start + rng.int(10, 40) * MIN;
      emitter.signal({ tenant, host, condition, tool, episodes: [[start, e1]], label: l1 });
      const s2 = e1 + gap;
      emitter.signal({
        tenant,
        host,
        condition,
        tool: rng.chance(0.7) ? tool : rng.pick(tools),
        episodes: [[s2, s2 + rng.int(10, 40) * MIN]],
        label: l2,
      });
      return true;
    },
    'long-running-renotify': () => {
      const tenant = rng.pick(tenants);
      const duration = rng.int(5, 11) * HOUR;
      const start = startTime(duration + HOUR);
      const group = freeGroup(tenant, start, start + duration);
      if (!group) return false;
      const host = rng.pick(hostsOf(tenant, group).filter((h) => conditionsFor(h).some((c) => c.am)));
      if (!host) return false;
      reserve(tenant, group, start, start + duration);
      const condition = rng.pick(conditionsFor(host).filter((c) => c.am));
      const lbl = label('long-running-renotify');
      emitter.signal({
        tenant,
        host,
        condition,
        tool: 'alertmanager',
        episodes: [[start, start + duration]],
        label: lbl,
        repeatIntervalMs: rng.pick([2, 3, 4]) * HOUR,
      });
      if (condition.cw && toolsFor(host, condition).includes('cloudwatch') && rng.chance(0.5)) {
        emitter.signal({ tenant, host, condition, tool: 'cloudwatch', episodes: [[start + MIN, start + duration]], label: lbl });
      }
      return true;
    },
    'twin-hosts-two-tenants': () => {
      const [ta, tb] = rng.shuffle([...tenants]);
      const start = startTime(2 * HOUR);
      const shared = ta!.groups.filter(
        (g) => tb!.groups.includes(g) && free(ta!, g, start, start + HOUR) && free(tb!, g, start, start + HOUR),
      );
      if (!shared.length) return false;
      const group = rng.pick(shared);
      reserve(ta!, group, start, start + HOUR);
      reserve(tb!, group, start, start + HOUR);
      const hostA = rng.pick(hostsOf(ta!, group));
      const hostB = hostsOf(tb!, group).find((h) => h.id === hostA.id);
      if (!hostB) return false;
      const condition = rng.pick(conditionsFor(hostA).filter((c) => c.am || c.gen));
      const tool: Tool = condition.am && rng.chance(0.5) ? 'alertmanager' : condition.gen ? 'generic' : 'alertmanager';
      const end = start + rng.int(10, 40) * MIN;
      emitter.signal({ tenant: ta!, host: hostA, condition, tool, episodes: [[start, end]], label: label('twin-hosts-two-tenants') });
      const s2 = start + rng.int(0, 2) * MIN;
      emitter.signal({ tenant: tb!, host: hostB, condition, tool, episodes: [[s2, end + MIN]], label: label('twin-hosts-two-tenants') });
      return true;
    },
    'same-minute-unrelated': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(2 * HOUR);
      const g1 = freeGroup(tenant, start, start + HOUR);
      if (!g1) return false;
      reserve(tenant, g1, start, start + HOUR);
      const g2 = freeGroup(tenant, start, start + HOUR);
      if (!g2) return false;
      reserve(tenant, g2, start, start + HOUR);
      const h1 = rng.pick(hostsOf(tenant, g1));
      const h2 = rng.pick(hostsOf(tenant, g2));
      const c1 = rng.pick(conditionsFor(h1));
      const c2 = rng.pick(
        conditionsFor(h2)
          .filter((c) => c.key !== c1.key)
          .concat(conditionsFor(h2).length === 1 ? conditionsFor(h2) : []),
      );
      for (const [host, condition] of [
        [h1, c1],
        [h2, c2],
      ] as const) {
        const s = start + rng.int(0, 50) * 1000;
        emitter.signal({
          tenant,
          host,
          condition,
          tool: rng.pick(toolsFor(host, condition)),
          episodes: [[s, s + rng.int(8, 30) * MIN]],
          label: label('same-minute-unrelated'),
        });
      }
      return true;
    },
    'background-singleton': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(HOUR);
      const group = freeGroup(tenant, start, start + 30 * MIN);
      if (!group) return false;
      reserve(tenant, group, start, start + 30 * MIN);
      const host = rng.pick(hostsOf(tenant, group));
      const condition = rng.pick(conditionsFor(host));
      const tool = rng.pick(toolsFor(host, condition));
      const lbl = label('background-singleton');
      // One notification: a script that posts once, or a short-lived alarm.
      emitter.signal({
        tenant,
        host,
        condition,
        tool,
        episodes: [[start, rng.chance(0.5) ? start + rng.int(3, 9) * MIN : null]],
        label: lbl,
        repostMs: HOUR,
        repeatIntervalMs: 4 * HOUR,
      });
      return true;
    },
    'orphan-resolution': () => {
      const tenant = rng.pick(tenants);
      const start = startTime(HOUR);
      const group = freeGroup(tenant, start, start + 10 * MIN);
      if (!group) return false;
      reserve(tenant, group, start, start + 10 * MIN);
      const host = rng.pick(hostsOf(tenant, group));
      const condition = rng.pick(conditionsFor(host));
      emitter.orphan(tenant, host, condition, rng.pick(toolsFor(host, condition)), start);
      return true;
    },
  };
  const weights: Array<[IndScenario, number]> = [
    ['flapping-storm', 12],
    ['dependency-cascade', 8],
    ['two-tools-one-condition', 12],
    ['distinct-on-one-host', 12],
    ['recurrence-after-hours', 10],
    ['long-running-renotify', 4],
    ['twin-hosts-two-tenants', 8],
    ['same-minute-unrelated', 12],
    ['background-singleton', 20],
    ['orphan-resolution', 2],
  ];
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let attempts = 0;
  while (emitter.out.length < size && attempts++ < 100_000) {
    let roll = rng.next() * total;
    const kind = weights.find(([, w]) => (roll -= w) < 0)?.[0] ?? 'background-singleton';
    scenarios[kind]();
  }

  // Receive order; retries reuse the previous line's id.
  const pending = emitter.out.map((p, index) => ({ p, index })).sort((a, b) => a.p.at - b.p.at || a.index - b.index);
  const deliveries: ReplayDelivery[] = [];
  const truth: Record<string, Array<string | null>> = {};
  const describe: Record<string, string[]> = {};
  const idOfBody = new Map<unknown, string>();
  let n = 0;
  for (const { p } of pending) {
    const id = p.id === 'retry' && idOfBody.has(p.body) ? (idOfBody.get(p.body) as string) : `ind-${String(++n).padStart(6, '0')}`;
    idOfBody.set(p.body, id);
    deliveries.push({ id, tenant: p.tenant, source: p.source, receivedAt: iso(p.at), body: p.body });
    truth[id] = p.alerts.map((alert) => alert.label);
    describe[id] = p.alerts.map((alert) => alert.text);
  }
  return { fixture: fixtureOf(tenants), deliveries, truth, scenarioOf, describe };
}
