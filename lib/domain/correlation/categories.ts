/**
 * Alert categories: what kind of problem an alert reports, derived from the words of
 * its signature and of the metric it watches. Tools name one condition many ways (HighCPU,
 * NodeCPUHigh, a `cpu-high` alarm on CPUUtilization, `system.cpu.user`): they all land in one category,
 * which is how one condition from two tools is recognised and how unrelated problems on one host
 * (a full disk, an expiring certificate) are told apart.
 */
export const CATEGORIES = [
  'cpu',
  'memory',
  'disk',
  'network',
  'service',
  'database',
  'certificate',
  'backup',
  'security',
  'time',
  'patching',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Words per category, most specific first: the first category with a matching word wins, so a
 * "DatabaseDiskFull" is a disk problem and a "PostgresTooManyConnections" a database one.
 */
const VOCABULARY: Array<[Category, readonly string[]]> = [
  [
    'certificate',
    ['cert', 'certs', 'certificate', 'certificates', 'ssl', 'tls', 'x509', 'expiry', 'expiring', 'expires', 'expiration', 'acm'],
  ],
  ['backup', ['backup', 'backups', 'snapshot', 'snapshots', 'restore', 'veeam', 'vss']],
  [
    'security',
    [
      'security',
      'intrusion',
      'malware',
      'virus',
      'antivirus',
      'ransomware',
      'guardduty',
      'defender',
      'bruteforce',
      'brute',
      'unauthorized',
      'suspicious',
      'vulnerability',
      'cve',
      'audit',
      'login',
      'logon',
      'sshd',
      'waf',
      'threat',
    ],
  ],
  ['time', ['clock', 'ntp', 'skew', 'chrony', 'timesync', 'drift', 'time']],
  ['patching', ['patch', 'patches', 'patching', 'update', 'updates', 'wsus']],
  [
    'disk',
    ['disk', 'disks', 'filesystem', 'fs', 'volume', 'inode', 'inodes', 'storage', 'space', 'ebs', 'iops', 'partition', 'mount', 'drive'],
  ],
  ['memory', ['memory', 'mem', 'ram', 'swap', 'oom', 'oomkilled', 'heap', 'pagefile', 'paging', 'gc']],
  [
    'cpu',
    ['cpu', 'cpus', 'processor', 'load', 'loadavg', 'load1', 'load5', 'load15', 'steal', 'iowait', 'throttling', 'credit', 'credits'],
  ],
  [
    'database',
    [
      'db',
      'database',
      'databases',
      'postgres',
      'postgresql',
      'pg',
      'mysql',
      'mariadb',
      'mssql',
      'sqlserver',
      'sql',
      'oracle',
      'mongo',
      'mongodb',
      'redis',
      'rds',
      'aurora',
      'dynamodb',
      'replication',
      'replica',
      'deadlock',
      'deadlocks',
      'query',
      'queries',
      'connection',
      'connections',
      'pool',
      'slave',
      'lag',
      'lagging',
    ],
  ],
  [
    'network',
    [
      'network',
      'net',
      'packet',
      'packets',
      'interface',
      'nic',
      'bandwidth',
      'dns',
      'icmp',
      'ping',
      'unreachable',
      'vpn',
      'bgp',
      'link',
      'tcp',
      'udp',
      'dropped',
      'drops',
    ],
  ],
  [
    'service',
    [
      'service',
      'services',
      'down',
      'up',
      'unavailable',
      'availability',
      'health',
      'healthy',
      'unhealthy',
      'healthcheck',
      'probe',
      'endpoint',
      'http',
      'https',
      '5xx',
      '4xx',
      'error',
      'errors',
      'latency',
      'slow',
      'timeout',
      'timeouts',
      'response',
      'status',
      'process',
      'crash',
      'crashed',
      'restart',
      'restarts',
      'heartbeat',
      'target',
      'targets',
      'backend',
      'backends',
      'apdex',
      'website',
      'url',
      'web',
      'site',
      'instance',
      'host',
      'node',
      'nodes',
      'pod',
      'container',
      'loadbalancer',
      'balancer',
      'alb',
      'elb',
      'nginx',
      'apache',
      'iis',
      'stopped',
      'queue',
      'queues',
      'rabbitmq',
      'kafka',
      'sqs',
      'amqp',
      'backlog',
      'consumer',
      'consumers',
      'message',
      'messages',
      'available',
      'responding',
      'unresponsive',
      'hung',
      'duration',
      'slo',
      'request',
      'requests',
    ],
  ],
];

const WORD_CATEGORY = new Map<string, Category>();
const RANK = new Map<Category, number>(VOCABULARY.map(([category], index) => [category, index]));
for (const [category, words] of VOCABULARY) for (const word of words) if (!WORD_CATEGORY.has(word)) WORD_CATEGORY.set(word, category);

/** Words of an identifier: camelCase, PascalCase, snake_case, kebab-case, dotted and spaced names. */
export function wordsOf(text: string): string[] {
  return (
    text
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .toLowerCase()
      // Letters glued to digits (Http5xx, load15) part, but not a single letter (x509, s3).
      .replace(/([a-z]{2,})(\d)/g, '$1 $2')
      .replace(/\bload\s*balancer/g, 'loadbalancer')
      .split(/[^a-z0-9]+/)
      .filter(Boolean)
  );
}

/** Weak words decide only when nothing more specific is said ("InstanceDown" is service, "NodeCPUHigh" is cpu). */
const WEAK = new Set([
  'io',
  'smart',
  'instance',
  'host',
  'node',
  'nodes',
  'target',
  'targets',
  'status',
  'response',
  'web',
  'time',
  'up',
  'space',
  'connection',
  'connections',
  'pool',
  'lag',
  'request',
  'requests',
]);

function categoryOfWords(words: string[]): Category | undefined {
  let best: Category | undefined;
  let weak: Category | undefined;
  for (const word of words) {
    const category = WORD_CATEGORY.get(word);
    if (!category) continue;
    if (WEAK.has(word)) {
      weak ??= category;
      continue;
    }
    if (!best || (RANK.get(category) as number) < (RANK.get(best) as number)) best = category;
  }
  return best ?? weak;
}

export interface Categorizable {
  signature: string;
  labels: Record<string, string>;
}

/**
 * The alert's category: from the metric it watches when the tool names one (CloudWatch's metric is
 * canonical, its alarm name free text), else from its signature, else from the rule or check labels,
 * else from the metric namespace, else 'other'. `names` are the words of the host and tenant names:
 * an alarm called `acme-db-prod-01-status-check-failed` is about a status check, not a database.
 */
export function categorize(alert: Categorizable, names: ReadonlySet<string> = new Set()): Category {
  const { labels } = alert;
  // The metric as CloudWatch, Azure Monitor and Datadog name it, then the rule, then the metric's namespace.
  const candidates = [
    labels.metric,
    labels.metricName,
    labels.alert_metric,
    alert.signature,
    labels.alertname,
    labels.check,
    labels.namespace,
    labels.metricNamespace,
  ];
  for (const text of candidates) {
    if (!text) continue;
    const category = categoryOfWords(withoutNames(wordsOf(text), names));
    if (category) return category;
  }
  return 'other';
}

/**
 * Names (host, aliases, tenant) that must not decide a category, each as its sequence of words (joined
 * by spaces): the full name and its short host name (`db-prod-01` of `db-prod-01.acme.internal:5432`).
 * Only a whole name inside a text is ignored: the alarm `acme-db-prod-01-status-check-failed` is about
 * a status check, but `pg_isready failed` on the host `pg-payments-01` still says Postgres.
 */
export function nameWords(...names: Array<string | undefined>): Set<string> {
  const sequences = new Set<string>();
  for (const name of names) {
    if (!name) continue;
    const host = name.trim().replace(/:\d+$/, '');
    for (const form of [name, host, host.includes('.') && !/^[\d.]+$/.test(host) ? host.split('.')[0] : undefined]) {
      const words = form ? wordsOf(form) : [];
      if (words.length) sequences.add(words.join(' '));
    }
  }
  return sequences;
}

/** The words with every occurrence of a name's word sequence taken out. */
function withoutNames(words: string[], names: ReadonlySet<string>): string[] {
  if (!names.size) return words;
  const drop = new Array<boolean>(words.length).fill(false);
  for (const name of names) {
    const sequence = name.split(' ');
    for (let start = 0; start + sequence.length <= words.length; start++) {
      if (sequence.every((word, offset) => words[start + offset] === word))
        for (let k = 0; k < sequence.length; k++) drop[start + k] = true;
    }
  }
  return words.filter((_, index) => !drop[index]);
}

/** Categories that are problems of their own: they never explain, nor are explained by, another category. */
export const STANDALONE: ReadonlySet<Category> = new Set<Category>(['certificate', 'backup', 'security', 'time', 'patching', 'other']);

/** What an upstream failure shows downstream: requests failing, slow, unreachable, connections refused. */
export const SYMPTOMS: ReadonlySet<Category> = new Set<Category>(['service', 'network', 'database']);

/**
 * Causal chains on one asset: a full disk stops the database and the services; memory and CPU
 * exhaustion make databases and services slow or crash; a network fault makes them unreachable.
 */
export const DEFAULT_RELATED_CATEGORIES: ReadonlyArray<readonly [Category, Category]> = [
  ['disk', 'database'],
  ['cpu', 'database'],
  ['memory', 'database'],
  ['disk', 'service'],
  ['memory', 'service'],
  ['cpu', 'service'],
  ['database', 'service'],
  ['network', 'service'],
  ['network', 'database'],
];

/** Whether two categories on one asset belong to one problem under a policy's causal pairs. */
export function related(a: Category, b: Category, pairs: ReadonlyArray<readonly [Category, Category]>): boolean {
  if (a === b) return a !== 'other';
  if (STANDALONE.has(a) || STANDALONE.has(b)) return false;
  return pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}
