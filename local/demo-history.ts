import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lib/aws/clients';
import { scheduledTime, type TimerRequest, type Timers } from '../lib/aws/scheduler';
import { correlateAlerts, settleDueIncidents, type CorrelateDeps, type CorrelationResult } from '../lib/correlation/correlate';
import { changeIncidentStatus } from '../lib/correlation/operator';
import { DEFAULT_POLICY } from '../lib/domain/correlation/policy';
import type { CanonicalAlert, Severity } from '../lib/domain/alert';
import type { Incident } from '../lib/domain/incident';
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../lib/domain/events';
import { ingestDeliveries } from '../lib/ingest/ingest';
import {
  decideApproval,
  decideForIncident,
  expireApprovals,
  recordExecutionOutcome,
  type DecideOutcome,
  type DecideTrigger,
  type RemediationDeps,
} from '../lib/remediation/service';
import type { Orchestrator, RunbookExecutionInput } from '../lib/domain/remediation/step-contract';
import { DEFAULT_SLA_TARGETS } from '../lib/domain/sla/policy';
import { handleTimer, onIncidentChanged, startSla, type SlaDeps } from '../lib/sla/service';
import { InventoryCache } from '../lib/store/assets';
import { PolicyCache } from '../lib/store/correlation-policy';
import { acknowledgeIncident, addIncidentNote, IncidentStateError } from '../lib/store/incident-actions';
import { listIncidents } from '../lib/store/incidents';
import { onCallUser } from '../lib/store/oncall';
import { OUTBOX_ENTITY } from '../lib/store/outbox';
import { getApproval } from '../lib/store/remediation';
import { getIncident } from '../lib/store/sla';
import { createTableInput } from '../lib/store/table';
import type { TableRef } from '../lib/store/table-ref';
import { getTenant } from '../lib/store/tenants';
import { listUsers, type StoredUser } from '../lib/store/users';
import { mulberry32 } from './aws/faults';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb';
import { DEMO_TENANTS } from './seed';

/**
 * The demo's past: about a month of alerts for the demo companies (local/seed.ts), fed through the same
 * code the Lambda functions run, with the clock set in the past, so a fresh `npm start` shows what a month
 * looks like (KPIs, trends, SLA figures) instead of empty charts.
 *
 * What it is: a discrete-event simulation over one timeline. Alerts are generic-webhook deliveries stored
 * by ingestion (`ingestDeliveries`) and decided by correlation (`correlateAlerts`) at their receipt time,
 * as the replay does (lib/replay/replay.ts). The events each change commits (its outbox item) are handed
 * to what the bus rules of functions/catalog.ts hand them to, a second later: the SLA clocks (`startSla`,
 * `onIncidentChanged`) and remediation (`decideForIncident`). SLA timers land on a virtual scheduler and
 * fire through `handleTimer` at their time (warnings, breaches, escalations of incidents acknowledged
 * late); the settle sweep and the approval sweep run when a grace period or an approval ends. The runbook
 * state machine is played by the history: an execution started by a decision ends with the outcome its
 * story says (`recordExecutionOutcome`), and the demo users act as their stories say at their times:
 * approvers approve or reject (`decideApproval`), technicians acknowledge, write notes and resolve
 * (`acknowledgeIncident`, `addIncidentNote`, `changeIncidentStatus`), as the demo users of local/seed.ts.
 * Every rule (correlation, routing, decisions, SLA) is the product's own; nothing is written by hand.
 *
 * Nothing is sent: the history is written while the table's stream is off, so the stream relay never
 * sees its outbox items or alerts, and no notification, WebSocket push, timer or state machine execution
 * follows from it. It must therefore run before the local stack's stream reader starts (local/start.ts
 * starts DynamoDB Local, seeds, writes the history, then starts the rest). Deterministic: the stories come
 * from a seeded PRNG (ids and the odd routing tie aside). Runs once: tenants that have incidents are left alone.
 */

/** At least a month of history... */
const MIN_HISTORY_DAYS = 30;

/**
 * ...and back to the first day of last month (UTC, which is no later than the first in the demo companies'
 * zones), so that last month's client report is whole: 30 to 62 days.
 */
export function demoHistoryDays(now: Date): number {
  const firstOfLastMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  return Math.max(MIN_HISTORY_DAYS, Math.ceil((now.getTime() - firstOfLastMonth) / DAY));
}
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Alerts received within this long of the first of a batch are ingested and correlated together. */
const BATCH_SPAN_MS = 5 * MINUTE;
const BATCH_MAX_ALERTS = 200;
/** Deliveries stored in one `ingestDeliveries` call. */
const INGEST_CHUNK = 25;
/** How long after a commit the bus's consumers act on its events. */
const EVENT_LATENCY_MS = 1_500;
/** Steps about different incidents of one tenant run at once at most. */
const LANE_CONCURRENCY = 4;

export interface DemoHistoryOptions {
  /** DynamoDB (Local) endpoint: the table's stream is turned off there while the history is written. */
  endpoint: string;
  tableName: string;
  /** The history ends before this instant (default now). */
  now?: Date;
  /** How many days back it starts (default demoHistoryDays). */
  days?: number;
  /** The PRNG's seed: the same seed, the same stories. */
  seed?: number;
  /** Progress and summary lines (default console.log); null for none. */
  log?: ((line: string) => void) | null;
}

export interface DemoHistoryResult {
  /** Why nothing was written (the demo tenants have incidents already). */
  skipped?: string;
  days: number;
  /** Alert notifications delivered (firing and resolved, repeats included). */
  alerts: number;
  /** Incidents opened (merged ones included). */
  incidents: number;
  /** Incidents not resolved or merged at the end (0: the history ends quiet). */
  unresolved: number;
  /** Steps that failed for another reason than the incident having moved on (0 unless something is wrong). */
  errors: number;
  seconds: number;
  perTenant: Record<string, { alerts: number; incidents: number }>;
}

// ---------------------------------------------------------------------------------------------------
// Randomness and stories

/** Seeded randomness (mulberry32): the same history for the same seed everywhere. */
class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }
  int(min: number, max: number): number {
    return Math.floor(this.between(min, max + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

interface AlertSpec {
  /** Milliseconds after the story starts. */
  at: number;
  asset: string;
  signature: string;
  severity: Severity;
  source: string;
  message: string;
  status: 'firing' | 'resolved';
  labels?: Record<string, string>;
}

type Verdict = 'approve' | 'reject' | 'expire';

/** What the people and the tools do once an incident is theirs (all drawn when the story is made). */
interface Plan {
  /** Minutes from when the incident became a person's (opened, or a runbook that did not fix it) to the acknowledgement. */
  ackMin?: number;
  noteMin?: number;
  note?: string;
  /** Minutes from when it became a person's to their resolution; absent: its alerts clear on their own. */
  resolveMin?: number;
  resolveCode: 'fixed' | 'false-positive' | 'other';
  resolveNote?: string;
  runbookMin: number;
  runbookOk: boolean;
  approval: { verdict: Verdict; afterMin: number; comment: string };
}

interface Story {
  id: string;
  tenant: string;
  kind: string;
  start: number;
  alerts: AlertSpec[];
  plan: Plan;
}

const firing = (at: number, asset: string, signature: string, severity: Severity, source: string, message: string): AlertSpec => ({
  at,
  asset,
  signature,
  severity,
  source,
  message,
  status: 'firing',
});

/** The resolution of `alert` (same tool, asset and signature: the same dedup key) at `at`. */
const resolutionOf = (alert: AlertSpec, at: number): AlertSpec => ({
  ...alert,
  at,
  status: 'resolved',
  message: `${alert.signature} cleared`,
});

/** Every distinct alert (fingerprint) of the story that fired. */
function fingerprints(alerts: readonly AlertSpec[]): AlertSpec[] {
  const seen = new Map<string, AlertSpec>();
  for (const alert of alerts) if (alert.status === 'firing') seen.set(`${alert.source}|${alert.asset}|${alert.signature}`, alert);
  return [...seen.values()];
}

const LATE_ACKNOWLEDGEMENTS: Record<Severity, number> = { critical: 0.22, high: 0.16, medium: 0.08, low: 0.05, info: 0.05 };

function draw(random: Random, severity: Severity, options: { late?: number; slow?: number } = {}): Plan {
  // The default SLA policy's targets (the demo tenants keep it): acknowledgements placed in time or late against them.
  const { responseMinutes: response, resolutionMinutes: resolution } = DEFAULT_SLA_TARGETS[severity];
  // Most acknowledgements come well within the response target; some come late (a breach and an escalation),
  // the urgent ones more often (a page at night), the others now and then (the next morning).
  const late = random.chance(options.late ?? LATE_ACKNOWLEDGEMENTS[severity]);
  const ackMin = late ? random.between(response * 1.05, response * 1.6) : random.between(2, Math.min(response * 0.7, 45));
  const slow = random.chance(options.slow ?? 0.1);
  const resolveMin = slow
    ? random.between(resolution * 1.05, resolution * 1.6)
    : Math.max(ackMin + random.between(8, 30), random.between(25, Math.min(resolution * 0.75, 300)));
  const verdicts: Verdict[] = ['approve', 'approve', 'approve', 'approve', 'approve', 'reject', 'reject', 'expire'];
  return {
    ackMin,
    resolveMin,
    resolveCode: random.chance(0.9) ? 'fixed' : 'false-positive',
    ...(random.chance(0.45) ? { noteMin: ackMin + random.between(2, 15), note: random.pick(NOTES) } : {}),
    ...(random.chance(0.5) ? { resolveNote: random.pick(RESOLVE_NOTES) } : {}),
    runbookMin: random.between(1.5, 4.5),
    runbookOk: random.chance(0.88),
    approval: { verdict: random.pick(verdicts), afterMin: random.between(4, 35), comment: random.pick(APPROVAL_COMMENTS) },
  };
}

const NOTES = [
  'Looking into it now.',
  'Checked the dashboards: started right after the nightly batch job.',
  'Client informed; working on it.',
  'Restarted the connection pool, watching the graphs.',
  'Vendor ticket opened.',
  'Same pattern as last week. Digging into the logs.',
];
const RESOLVE_NOTES = [
  'Root cause: a runaway report query. Killed it and added an index.',
  'Recovered after the failover; monitoring for an hour.',
  'Freed up capacity and raised the alert threshold slightly.',
  'Config rolled back to the previous release.',
  'Known upstream issue, resolved by the provider.',
];
const APPROVAL_COMMENTS = [
  'OK, go ahead.',
  'Approved for now.',
  'Fine during business hours.',
  'Not now: change freeze.',
  'Please check with the client first.',
];

const minutes = (value: number) => Math.round(value * MINUTE);

/** One tenant's stories for one day, at distinct times. */
function storiesOfDay(random: Random, tenant: 'acme' | 'globex', dayStart: number, dayIndex: number): Story[] {
  // Slots of 90 minutes; business hours (the tenant's) are busier.
  const offsetHours = tenant === 'acme' ? 0 : -5;
  const slots = Array.from({ length: 16 }, (_, index) => index);
  const weight = (slot: number) => {
    const local = (((slot * 1.5 + offsetHours) % 24) + 24) % 24;
    return local >= 8 && local < 18 ? 3 : local >= 18 && local < 23 ? 1.3 : 0.5;
  };
  const kinds = kindsOfDay(random, tenant, dayIndex);
  const chosen: number[] = [];
  const free = [...slots];
  for (let index = 0; index < kinds.length && free.length; index++) {
    const total = free.reduce((sum, slot) => sum + weight(slot), 0);
    let r = random.next() * total;
    let pick = 0;
    for (; pick < free.length - 1; pick++) {
      r -= weight(free[pick] as number);
      if (r <= 0) break;
    }
    chosen.push(free.splice(pick, 1)[0] as number);
  }
  return kinds.slice(0, chosen.length).map((kind, index) => {
    const start = dayStart + (chosen[index] as number) * 90 * MINUTE + minutes(random.between(0, 50));
    const make = tenant === 'acme' ? ACME_STORIES[kind] : GLOBEX_STORIES[kind];
    const { alerts, plan } = (make as StoryMaker)(random);
    return { id: `${tenant}-${dayIndex}-${index}`, tenant, kind, start, alerts, plan };
  });
}

/**
 * What happens to a tenant on one day: background noise and a technician's incident most days, runbooks
 * (Acme's run by themselves, Globex's wait for an approval), and every few days a cascade, a flapping
 * check, a storm; a certificate once a month.
 */
function kindsOfDay(random: Random, tenant: 'acme' | 'globex', dayIndex: number): string[] {
  const kinds: string[] = [];
  const maybe = (p: number, kind: string) => random.chance(p) && kinds.push(kind);
  maybe(0.4, 'noise');
  maybe(0.08, 'noise');
  maybe(0.42, 'person');
  if (tenant === 'acme') {
    maybe(0.36, 'selfheal');
    maybe(0.08, 'approval');
  } else maybe(0.42, 'approval');
  const day = dayIndex + (tenant === 'acme' ? 0 : 2);
  if (day % 5 === 1) kinds.push('cascade');
  if (day % 6 === 3) kinds.push('flap');
  if (day % 10 === 5) kinds.push('storm');
  if (dayIndex === (tenant === 'acme' ? 11 : 19)) kinds.push('certificate');
  return kinds;
}

type StoryMaker = (random: Random) => { alerts: AlertSpec[]; plan: Plan };

/** The tool notifies again every few minutes while the alert fires (Alertmanager's repeat, a check's re-alert). */
function renotified(random: Random, alert: AlertSpec, times: number): AlertSpec[] {
  const repeats: AlertSpec[] = [];
  let at = alert.at;
  for (let index = 0; index < times; index++) repeats.push({ ...alert, at: (at += minutes(random.between(3, 6))) });
  return repeats;
}

/** A single alert that fires and clears after a while (nobody needs to act). */
function clearing(
  random: Random,
  alert: Omit<AlertSpec, 'at' | 'status'>,
  clearMin: [number, number],
): { alerts: AlertSpec[]; plan: Plan } {
  const opened = firing(0, alert.asset, alert.signature, alert.severity, alert.source, alert.message);
  const plan = draw(random, alert.severity);
  delete plan.resolveMin;
  // Someone glances at one in four before it clears.
  if (!random.chance(0.25)) delete plan.ackMin;
  else plan.ackMin = random.between(1, 4);
  return { alerts: [opened, resolutionOf(opened, minutes(random.between(...clearMin)))], plan };
}

/** Fire, clear, fire again: the incident resolves, reopens within the flap window, and clears for good. */
function flapping(random: Random, asset: string, signature: string, source: string, message: string): { alerts: AlertSpec[]; plan: Plan } {
  const alert = firing(0, asset, signature, 'high', source, message);
  const times = [0, 2, 9, 11.5, 13.5, 17].map((value) => minutes(value + random.between(0, 0.8)));
  const alerts = times.map((at, index) => (index % 2 === 0 ? { ...alert, at } : resolutionOf(alert, at)));
  const plan = draw(random, 'high', { late: 0 });
  delete plan.resolveMin;
  plan.ackMin = random.between(3, 8);
  return { alerts, plan };
}

/** One host failing loudly: an alert repeated every minute or so, others on the same host with it. */
function storm(
  random: Random,
  main: Omit<AlertSpec, 'at' | 'status'>,
  others: Array<Omit<AlertSpec, 'at' | 'status'>>,
): { alerts: AlertSpec[]; plan: Plan } {
  const length = random.between(25, 55);
  const alerts: AlertSpec[] = [];
  for (let at = 0; at < length; at += random.between(0.6, 1.2)) alerts.push({ ...main, at: minutes(at), status: 'firing' });
  for (const other of others)
    for (let at = random.between(0.5, 3); at < length; at += random.between(2, 4))
      alerts.push({ ...other, at: minutes(at), status: 'firing' });
  alerts.sort((a, b) => a.at - b.at);
  // It starts at night, say: the first pages go unanswered (a response breach, an escalation), the rest is quick.
  const plan = draw(random, main.severity, { late: 1, slow: 0 });
  // Resolved once the storm is over (the host is back).
  plan.resolveMin = Math.max(plan.resolveMin ?? 0, length + random.between(3, 15));
  return { alerts, plan };
}

/** An upstream failure and its symptoms downstream, joined by topology; sometimes the symptoms come first. */
function cascade(random: Random, root: Array<Omit<AlertSpec, 'at' | 'status'>>, symptoms: Array<Omit<AlertSpec, 'at' | 'status'>>) {
  const symptomsFirst = random.chance(0.3);
  const alerts: AlertSpec[] = [];
  let at = symptomsFirst ? 0 : random.between(1, 3);
  for (const symptom of symptoms) {
    alerts.push({ ...symptom, at: minutes(at), status: 'firing' });
    at += random.between(0.3, 1.5);
  }
  let rootAt = symptomsFirst ? at + random.between(0.5, 2) : 0;
  for (const alert of root) {
    alerts.push({ ...alert, at: minutes(rootAt), status: 'firing' });
    rootAt += random.between(0.2, 1);
  }
  alerts.sort((a, b) => a.at - b.at);
  const plan = draw(random, 'critical');
  plan.approval.verdict = random.chance(0.6) ? 'reject' : 'approve';
  return { alerts, plan };
}

const a = (asset: string, signature: string, severity: Severity, source: string, message: string) => ({
  asset,
  signature,
  severity,
  source,
  message,
});

const ACME_STORIES: Record<string, StoryMaker> = {
  noise: (random) =>
    random.pick([
      () => clearing(random, a('app-prod-01', 'SwapUsageHigh', 'low', 'prometheus', 'swap used 62%'), [4, 20]),
      () => clearing(random, a('lb-prod-01', 'PacketLossWarning', 'low', 'zabbix', 'packet loss 1.8% on eth0'), [3, 12]),
      () => clearing(random, a('www.acme.example', 'SlowResponse', 'medium', 'uptime-robot', 'response time 2.9 s'), [4, 18]),
      () => clearing(random, a('app-prod-01', 'GCPauseLong', 'info', 'datadog', 'GC pause 1.4 s'), [2, 10]),
    ])(),
  person: (random) => {
    const [alert, second] = random.pick<[Omit<AlertSpec, 'at' | 'status'>, Omit<AlertSpec, 'at' | 'status'>?]>([
      [
        a('app-prod-01', 'HighCPU', 'high', 'prometheus', 'CPU above 90% for 10 minutes'),
        a('app-prod-01', 'cpu.user', 'high', 'datadog', 'system.cpu.user 93%'),
      ],
      [a('lb-prod-01', 'BackendConnectionErrors', 'high', 'prometheus', 'backend connection errors 40/min')],
      [a('www.acme.example', 'WebsiteSlow', 'medium', 'uptime-robot', 'homepage takes 6.1 s')],
      [
        a('app-prod-01', 'MemoryHigh', 'high', 'prometheus', 'memory usage 94%'),
        a('app-prod-01', 'mem.used', 'high', 'datadog', 'memory 95% used'),
      ],
    ]);
    const first: AlertSpec = { ...alert, at: 0, status: 'firing' };
    const alerts = [first, ...renotified(random, first, random.int(1, 3))];
    // The second tool watching the same host says the same thing a little later: one incident.
    if (second) alerts.push({ ...second, at: minutes(random.between(0.5, 3)), status: 'firing' });
    return { alerts: alerts.sort((x, y) => x.at - y.at), plan: draw(random, alert.severity) };
  },
  selfheal: (random) =>
    random.pick([
      () => ({ alerts: [firing(0, 'app-prod-02', 'DiskSpaceLow', 'high', 'prometheus', '/var at 96% used')], plan: draw(random, 'high') }),
      () => ({ alerts: [firing(0, 'win-file-01', 'DiskSpaceLow', 'high', 'zabbix', 'C: at 95% used')], plan: draw(random, 'high') }),
      () => ({ alerts: [firing(0, 'win-file-01', 'NTPTimeDrift', 'medium', 'zabbix', 'clock 4.2 s off')], plan: draw(random, 'medium') }),
    ])(),
  approval: (random) => ({
    // The job's name (a label) lets the rerun runbook run without a technician filling it in: Acme's admin approves it.
    alerts: [
      {
        ...firing(0, 'win-file-01', 'BackupFailed', 'medium', 'veeam', 'Nightly backup job failed (VSS timeout)'),
        labels: { job: 'FileServer-Nightly' },
      },
    ],
    plan: draw(random, 'medium'),
  }),
  cascade: (random) =>
    cascade(
      random,
      [
        a('db-prod-01', 'PostgresTooManyConnections', 'critical', 'prometheus', 'connections at 98% of max_connections'),
        a('db-prod-01', 'HighCPU', 'high', 'datadog', 'CPU above 95%'),
      ],
      [
        a('app-prod-01', 'ServiceLatencyHigh', 'high', 'prometheus', 'p95 latency 4.2 s'),
        a('app-prod-02', 'ServiceLatencyHigh', 'high', 'prometheus', 'p95 latency 3.8 s'),
        a('lb-prod-01', 'Http5xxRate', 'high', 'prometheus', '5xx rate 12% over 5 minutes'),
        ...(random.chance(0.5)
          ? [a('www.acme.example', 'EndpointDown', 'critical', 'uptime-robot', 'https://www.acme.example returned 503')]
          : []),
      ],
    ),
  flap: (random) => flapping(random, 'app-prod-01', 'HealthCheckFailed', 'prometheus', 'health check /healthz failing'),
  storm: (random) =>
    storm(random, a('app-prod-01', 'InstanceDown', 'critical', 'prometheus', 'target app-prod-01:9100 is down'), [
      a('app-prod-01', 'HostUnreachable', 'critical', 'zabbix', 'ICMP ping to app-prod-01 failing'),
    ]),
  certificate: (random) => {
    const plan = draw(random, 'low', { late: 0, slow: 0.05 });
    return {
      alerts: [firing(0, 'www.acme.example', 'CertificateExpiring', 'low', 'uptime-robot', 'TLS certificate expires in 9 days')],
      plan,
    };
  },
};

const GLOBEX_STORIES: Record<string, StoryMaker> = {
  noise: (random) =>
    random.pick([
      () => clearing(random, a('shop.globex.example', 'ResponseTimeWarning', 'low', 'pingdom', 'response time 1.9 s'), [3, 15]),
      () => clearing(random, a('db-prod-01', 'SlowQueryWarning', 'low', 'datadog', '14 slow queries in 5 minutes'), [5, 25]),
      () => clearing(random, a('shop.globex.example', 'CheckoutErrorRate', 'medium', 'datadog', 'checkout errors 2.1%'), [4, 16]),
    ])(),
  person: (random) => {
    const alert = random.pick([
      a('db-prod-01', 'DatabaseConnectionsHigh', 'high', 'datadog', 'connections 480/500'),
      a('shop.globex.example', 'CheckoutErrorsHigh', 'high', 'datadog', 'checkout errors 9% over 10 minutes'),
      a('db-prod-01', 'ReplicationLagHigh', 'medium', 'cloudwatch', 'replica lag 95 s'),
    ]);
    const first = firing(0, alert.asset, alert.signature, alert.severity, alert.source, alert.message);
    return { alerts: [first, ...renotified(random, first, random.int(1, 3))], plan: draw(random, alert.severity) };
  },
  approval: (random) =>
    // A medium-risk runbook waits for an approval; a low-risk one is suggested to the technician (auto-execution is off).
    random.chance(0.85)
      ? { alerts: [firing(0, 'web-01', 'MemoryHigh', 'high', 'datadog', 'memory usage above 95%')], plan: draw(random, 'high') }
      : { alerts: [firing(0, 'web-01', 'DiskSpaceLow', 'high', 'cloudwatch', '/ at 93% used')], plan: draw(random, 'high') },
  cascade: (random) =>
    cascade(
      random,
      [a('db-prod-01', 'ReplicationBroken', 'critical', 'datadog', 'replication stopped: primary unreachable')],
      [
        a('web-01', 'Http5xxRate', 'high', 'datadog', '5xx rate 18%'),
        a('shop.globex.example', 'EndpointDown', 'critical', 'pingdom', 'https://shop.globex.example is down'),
      ],
    ),
  flap: (random) => flapping(random, 'shop.globex.example', 'EndpointDown', 'pingdom', 'https://shop.globex.example is not responding'),
  storm: (random) =>
    storm(random, a('db-prod-01', 'ReplicationLagCritical', 'critical', 'datadog', 'replica lag above 10 minutes'), [
      a('web-01', 'Http5xxRate', 'high', 'datadog', '5xx rate 25%'),
    ]),
  certificate: (random) => {
    const plan = draw(random, 'low', { late: 0, slow: 0.05 });
    return {
      alerts: [firing(0, 'shop.globex.example', 'CertificateExpiring', 'low', 'pingdom', 'TLS certificate expires in 12 days')],
      plan,
    };
  },
};

/** Every story of the period, oldest first. */
function demoStories(now: Date, days: number, seed = 20260105): Story[] {
  const random = new Random(seed);
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const earliest = now.getTime() - days * DAY + 30 * MINUTE;
  const stories: Story[] = [];
  for (let day = days; day >= 1; day--) {
    const dayStart = today - day * DAY;
    for (const tenant of ['acme', 'globex'] as const)
      for (const story of storiesOfDay(random, tenant, dayStart, days - day)) if (story.start >= earliest) stories.push(story);
  }
  return stories.sort((x, y) => x.start - y.start);
}

// ---------------------------------------------------------------------------------------------------
// The simulation

interface AlertEntry {
  kind: 'alert';
  at: number;
  seq: number;
  tenant: string;
  deliveryId: string;
  body: Record<string, unknown>;
  onCorrelated?: (result: CorrelationResult) => void;
  /** The alert as stored by ingestion. */
  alert?: CanonicalAlert;
}
interface StepEntry {
  kind: 'step';
  /** What it is (named when it fails). */
  label: string;
  /** The incident it is about, if only one. */
  incident?: string;
  at: number;
  seq: number;
  run: (at: number) => Promise<void>;
}
type Entry = AlertEntry | StepEntry;

/** A binary min-heap of entries by (time, insertion order). */
class Timeline {
  private readonly heap: Entry[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  peek(): Entry | undefined {
    return this.heap[0];
  }
  /** Every entry, in no particular order. */
  entries(): Entry[] {
    return [...this.heap];
  }
  push(entry: Omit<AlertEntry, 'seq'> | Omit<StepEntry, 'seq'>): void {
    const item = { ...entry, seq: this.seq++ } as Entry;
    const heap = this.heap;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(item, heap[parent] as Entry)) break;
      heap[index] = heap[parent] as Entry;
      index = parent;
    }
    heap[index] = item;
  }
  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (!heap.length || !last) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      const current = () => (smallest === index ? last : (heap[smallest] as Entry));
      if (left < heap.length && before(heap[left] as Entry, current())) smallest = left;
      if (right < heap.length && before(heap[right] as Entry, current())) smallest = right;
      if (smallest === index) break;
      heap[index] = heap[smallest] as Entry;
      index = smallest;
    }
    heap[index] = last;
    return top;
  }
}
const before = (x: Entry, y: Entry) => x.at < y.at || (x.at === y.at && x.seq < y.seq);

interface StoryState {
  story: Story;
  incidentId?: string;
  /** The person flow (acknowledge, note, resolve) is scheduled once. */
  personFlow?: boolean;
  /** Executions already played. */
  executions: Set<string>;
  /** Resolutions sent for its alerts already. */
  cleared?: boolean;
}

interface Counts {
  alerts: number;
  incidents: number;
}

interface Person {
  id: string;
  email: string;
  role: StoredUser['role'];
  tenants: string[];
}

/**
 * Writes the demo history into the table unless the demo tenants have incidents already. The demo tenants,
 * users and on-call schedules must be seeded (local/seed.ts) and the local stack's stream reader must not be
 * running yet (see above).
 */
export async function generateDemoHistory(options: DemoHistoryOptions): Promise<DemoHistoryResult> {
  const started = performance.now();
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  const now = options.now ?? new Date();
  const days = options.days ?? demoHistoryDays(now);
  const db = createDocumentClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const table: TableRef = { db, tableName: options.tableName };
  const tenants = DEMO_TENANTS.map((tenant) => tenant.id);
  const empty: DemoHistoryResult = { days, alerts: 0, incidents: 0, unresolved: 0, errors: 0, seconds: 0, perTenant: {} };
  try {
    for (const tenant of tenants) {
      if (!(await getTenant(table, tenant))) throw new Error(`The demo tenant ${tenant} is not seeded (local/seed.ts seedDemo first)`);
      if ((await listIncidents(table, tenant, { limit: 1 })).length)
        return { ...empty, skipped: `${tenant} has incidents already`, seconds: (performance.now() - started) / 1000 };
    }
    await setStream(table, false);
    try {
      const history = new History(table, now, log);
      return await history.run(demoStories(now, days, options.seed), days, started);
    } finally {
      // Records written from here on reach the stream relay again (the stack starts its reader after this).
      await setStream(table, true);
    }
  } finally {
    db.destroy();
  }
}

/** Turns the table's stream off or on (on: as the table is defined, lib/store/table.ts). */
async function setStream(table: TableRef, on: boolean): Promise<void> {
  const { Table } = await table.db.send(new DescribeTableCommand({ TableName: table.tableName }));
  if (Boolean(Table?.StreamSpecification?.StreamEnabled) === on) return;
  await table.db.send(
    new UpdateTableCommand({
      TableName: table.tableName,
      StreamSpecification: on ? createTableInput(table.tableName).StreamSpecification : { StreamEnabled: false },
    }),
  );
}

class History {
  /** One timeline per tenant (tenants share nothing, so theirs run side by side) and one for the sweeps over all tenants. */
  private readonly lanes = new Map<string, Timeline>();
  private readonly sweeps = new Timeline();
  private readonly inventory: InventoryCache;
  private readonly policies: PolicyCache;
  /** No alert, and no person's action, after this. */
  private readonly end: number;
  /** The last moment anything happens (a runbook finishing, the clocks stopping). */
  private readonly closeAt: number;
  private errors = 0;
  /** Events committed by the last operation, for the consumers. */
  private committed: Array<{ event: DomainEvent; at: number }> = [];
  private readonly byIncident = new Map<string, StoryState>();
  /** Executions started by decisions (the state machine the history plays). */
  private readonly executions = new Map<string, { input: RunbookExecutionInput; startedAt: number }>();
  /** The virtual scheduler's pending timers, by name. */
  private readonly timers = new Map<string, TimerRequest>();
  private readonly settleAt = new Set<number>();
  /** Incidents whose SLA timers are about to be brought in line (syncClocks). */
  private readonly clockSyncs = new Set<string>();
  private people: Person[] = [];
  private alerts = 0;
  private readonly perTenant: Record<string, Counts> = {};
  private incidents = 0;
  private lastProgress = performance.now();

  constructor(
    private readonly table: TableRef,
    now: Date,
    private readonly log: ((line: string) => void) | null,
  ) {
    // The table's writes are watched for the events they commit (the outbox item of a transaction).
    tapEvents(table.db, (events, createdAt) => {
      for (const event of events) this.committed.push({ event, at: Date.parse(createdAt) });
    });
    this.inventory = new InventoryCache(table, Number.POSITIVE_INFINITY);
    this.policies = new PolicyCache(table, Number.POSITIVE_INFINITY);
    this.end = now.getTime() - 20 * MINUTE;
    this.closeAt = this.end + 10 * MINUTE;
  }

  async run(stories: Story[], days: number, started: number): Promise<DemoHistoryResult> {
    this.people = (await listUsers(this.table)).map((user) => ({
      id: user.id,
      email: user.email,
      role: user.role,
      tenants: user.tenantIds,
    }));
    const first = stories[0]?.start ?? this.end;
    for (const story of stories) {
      const state: StoryState = { story, executions: new Set() };
      this.perTenant[story.tenant] ??= { alerts: 0, incidents: 0 };
      story.alerts.forEach((alert, index) => {
        const at = story.start + alert.at;
        if (at > this.end) return;
        this.deliver(story, alert, at, `${story.id}-${index}`, index === 0 ? (result) => this.opened(state, result) : undefined);
        if (alert.status === 'resolved') this.settleAfterGrace(at);
      });
    }

    await this.ingest([...this.lanes.values()].flatMap((timeline) => timeline.entries().filter((entry) => entry.kind === 'alert')));
    await this.runLanes(first, days);
    // The period ends: grace periods that ran out settle, approvals left unanswered expire, and anything a
    // story left open is resolved by its people; their SLA clocks stop.
    await this.atClose('settle sweep', (at) => settleDueIncidents(this.correlateDeps(at)));
    await this.atClose('approval sweep', (at) => expireApprovals(this.remediationDeps(at)));
    const unresolved = await this.resolveLeftovers();
    await this.stopClocks();
    const seconds = (performance.now() - started) / 1000;
    this.log?.(
      `Demo history: ${days} days, ${this.alerts.toLocaleString('en')} alerts, ${this.incidents} incidents` +
        `${unresolved ? ` (${unresolved} left open)` : ', all resolved'}, ${seconds.toFixed(1)} s.`,
    );
    return { days, alerts: this.alerts, incidents: this.incidents, unresolved, errors: this.errors, seconds, perTenant: this.perTenant };
  }

  private progress(at: number, first: number, days: number): void {
    if (!this.log || performance.now() - this.lastProgress < 2_000) return;
    this.lastProgress = performance.now();
    const day = Math.min(days, Math.floor((at - first) / DAY) + 1);
    this.log(`Demo history: day ${day}/${days}, ${this.alerts.toLocaleString('en')} alerts…`);
  }

  // --- Deps at a point in time --------------------------------------------------------------------

  private correlateDeps(at: number): CorrelateDeps {
    return { table: this.table, now: () => new Date(at), inventory: this.inventory, policies: this.policies };
  }

  private remediationDeps(at: number): RemediationDeps {
    const orchestrator: Orchestrator = {
      start: async (input) => {
        this.executions.set(input.executionId, { input, startedAt: at });
        return `arn:aws:states:${LOCAL_REGION}:000000000000:execution:RunbookExecution:demo-history-${input.executionId}`;
      },
      // No state machine waits on a token for the history: the outcomes are recorded by the stories.
      succeedTask: async () => undefined,
      failTask: async () => undefined,
    };
    return { ...this.correlateDeps(at), orchestrator };
  }

  private slaDeps(at: number, tenant: string): SlaDeps {
    const timers: Timers = {
      create: async (timer) => {
        if (this.timers.has(timer.name)) return;
        this.timers.set(timer.name, timer);
        // As EventBridge Scheduler: on the whole minute, never before its time.
        this.schedule(
          'sla timer',
          { tenant, incident: (timer.payload as { incidentId?: string }).incidentId },
          scheduledTime(timer.at, new Date(at)).getTime(),
          async (when) => {
            if (this.timers.get(timer.name) !== timer) return;
            this.timers.delete(timer.name);
            await handleTimer(this.slaDeps(when, tenant), timer.payload);
          },
        );
      },
      delete: async (name) => {
        this.timers.delete(name);
      },
    };
    return {
      table: this.table,
      now: () => new Date(at),
      timers,
      // The history tells nobody: the notifications of its events are never sent (its events never reach the bus).
      notify: async () => undefined,
      onCall: (tenantId, scheduleId, when) => onCallUser(this.table, tenantId, scheduleId, when),
    };
  }

  // --- The timeline ---------------------------------------------------------------------------------

  /**
   * Schedules a step: in a tenant's lane, about one incident (`incident`: it may run beside the steps about other
   * incidents) or about the tenant's correlation state (no `incident`: alone in the lane, in its place in time);
   * or (null) among the sweeps over every tenant.
   */
  private schedule(
    label: string,
    where: { tenant: string; incident?: string } | null,
    at: number,
    run: (at: number) => Promise<void>,
  ): void {
    const entry = { kind: 'step' as const, label, at: Math.round(at), run };
    if (!where) this.sweeps.push(entry);
    else this.laneOf(where.tenant).push(where.incident ? { ...entry, incident: where.incident } : entry);
  }

  private laneOf(tenant: string): Timeline {
    let timeline = this.lanes.get(tenant);
    if (!timeline) this.lanes.set(tenant, (timeline = new Timeline()));
    return timeline;
  }

  /**
   * Runs the timelines in time order. Tenants share nothing: their lanes run side by side. In a lane, what
   * changes the tenant's correlation state (alerts, resolutions) runs alone, in its place in time; steps about
   * one incident (its SLA clocks, its decision, a person's acknowledgement) may run beside those about other
   * incidents, and after everything before them that changes the correlation state. A sweep over every tenant
   * runs alone, once every lane has done everything before it.
   */
  private async runLanes(first: number, days: number): Promise<void> {
    const running = new Set<Promise<void>>();
    const busy = new Map<string, { incidents: Set<string>; exclusive: boolean }>();
    const launch = (work: Promise<void>, at: number, done: () => void) => {
      const tracked: Promise<void> = work.finally(() => {
        done();
        running.delete(tracked);
        this.progress(at, first, days);
      });
      running.add(tracked);
    };
    try {
      for (;;) {
        const sweep = this.sweeps.peek();
        const bound = Math.min(sweep ? sweep.at : Number.POSITIVE_INFINITY, this.closeAt + 1);
        for (const [tenant, timeline] of this.lanes) {
          let lane = busy.get(tenant);
          if (!lane) busy.set(tenant, (lane = { incidents: new Set(), exclusive: false }));
          const state = lane;
          while (!state.exclusive && state.incidents.size < LANE_CONCURRENCY) {
            const next = timeline.peek();
            if (!next || next.at >= bound) break;
            const incident = next.kind === 'step' ? next.incident : undefined;
            if (!incident) {
              if (state.incidents.size) break;
              state.exclusive = true;
              const work = next.kind === 'alert' ? this.processAlerts(timeline) : this.step(timeline.pop() as StepEntry);
              launch(work, next.at, () => (state.exclusive = false));
              break;
            }
            if (state.incidents.has(incident)) break;
            state.incidents.add(incident);
            launch(this.step(timeline.pop() as StepEntry), next.at, () => state.incidents.delete(incident));
          }
        }
        if (running.size) {
          await Promise.race(running);
          continue;
        }
        if (!sweep || sweep.at > this.closeAt) return;
        await this.step(this.sweeps.pop() as StepEntry);
      }
    } finally {
      // Never leave work running against the table (a failure stops the history, after what was started).
      await Promise.allSettled(running);
    }
  }

  private deliver(story: Story, alert: AlertSpec, at: number, deliveryId: string, onCorrelated?: AlertEntry['onCorrelated']): void {
    this.laneOf(story.tenant).push({
      kind: 'alert',
      at: Math.round(at),
      tenant: story.tenant,
      deliveryId: `demo-history:${deliveryId}`,
      body: {
        asset_name: alert.asset,
        signature: alert.signature,
        severity: alert.severity,
        message: alert.message,
        tool_source: alert.source,
        status: alert.status,
        ...(alert.labels ? { labels: alert.labels } : {}),
      },
      ...(onCorrelated ? { onCorrelated } : {}),
    });
  }

  private settleAfterGrace(resolvedAt: number): void {
    // The settle sweep runs every minute (functions/catalog.ts): its first run after the grace period (the demo
    // tenants keep the default correlation policy).
    const at = Math.ceil((resolvedAt + DEFAULT_POLICY.graceSeconds * 1000 + 1) / MINUTE) * MINUTE + 20_000;
    if (this.settleAt.has(at)) return;
    this.settleAt.add(at);
    this.schedule('settle sweep', null, at, async (when) => {
      await settleDueIncidents(this.correlateDeps(when));
    });
  }

  /** A step run now, at the period's close. */
  private async atClose(label: string, run: (at: number) => Promise<unknown>): Promise<void> {
    await this.step({ kind: 'step', label, at: this.closeAt, seq: 0, run: async (at) => void (await run(at)) });
  }

  private async step(entry: StepEntry): Promise<void> {
    try {
      await entry.run(entry.at);
    } catch (error) {
      // The incident moved on meanwhile (resolved by its alerts, merged): what a person would find, and skip.
      // Anything else is counted and told, and the history goes on without that one step.
      if (!(error instanceof IncidentStateError)) {
        this.errors++;
        if (this.errors <= 3)
          this.log?.(`Demo history: ${entry.label} at ${new Date(entry.at).toISOString()} failed: ${(error as Error).message}`);
      }
    }
    this.dispatchCommitted();
  }

  /**
   * Stores alerts as the webhook would (`ingestDeliveries`), a tenant's at a time: what correlation then
   * takes. The alerts the stories know in advance are stored before the timeline runs (ingestion depends on
   * nothing correlation does; their items carry their own receipt times), the others when they come.
   */
  private async ingest(entries: AlertEntry[]): Promise<void> {
    const byTenant = new Map<string, AlertEntry[]>();
    for (const entry of entries) {
      if (entry.alert) continue;
      const list = byTenant.get(entry.tenant) ?? [];
      list.push(entry);
      byTenant.set(entry.tenant, list);
    }
    const chunks = [...byTenant.values()].flatMap((list) =>
      Array.from({ length: Math.ceil(list.length / INGEST_CHUNK) }, (_, index) =>
        list.slice(index * INGEST_CHUNK, (index + 1) * INGEST_CHUNK),
      ),
    );
    await inParallel(chunks, 4, async (chunk) => {
      const tenantId = (chunk[0] as AlertEntry).tenant;
      const { results, stored } = await ingestDeliveries(
        chunk.map((entry) => ({
          tenantId,
          source: 'generic',
          body: entry.body,
          rawBody: JSON.stringify(entry.body),
          deliveryId: entry.deliveryId,
          receivedAt: new Date(entry.at),
        })),
        { table: this.table, inventory: this.inventory, now: () => new Date((chunk[0] as AlertEntry).at) },
      );
      const byId = new Map(stored.map((alert) => [alert.id, alert]));
      results.forEach((result, index) => {
        if (result instanceof Error) throw result;
        const alert = byId.get(result.accepted[0]?.alertId ?? '');
        if (!alert) throw new Error(`The demo alert ${(chunk[index] as AlertEntry).deliveryId} was not stored`);
        (chunk[index] as AlertEntry).alert = alert;
      });
    });
  }

  /** Correlates the alerts at the head of a tenant's timeline (those close together in time), as one batch. */
  private async processAlerts(timeline: Timeline): Promise<void> {
    const batch: AlertEntry[] = [];
    const first = timeline.peek() as AlertEntry;
    const bound = this.sweeps.peek()?.at ?? Number.POSITIVE_INFINITY;
    while (batch.length < BATCH_MAX_ALERTS) {
      const next = timeline.peek();
      if (!next || next.kind !== 'alert' || next.at - first.at > BATCH_SPAN_MS || next.at >= bound) break;
      batch.push(timeline.pop() as AlertEntry);
    }
    await this.ingest(batch);
    const alerts = batch.map((entry) => entry.alert as CanonicalAlert);
    const results = await correlateAlerts(alerts, this.correlateDeps(first.at));
    results.forEach((result, index) => {
      if (result.kind === 'failed') throw result.error;
      const entry = batch[index] as AlertEntry;
      this.alerts++;
      (this.perTenant[entry.tenant] as Counts).alerts++;
      if (result.kind === 'open') {
        this.incidents++;
        (this.perTenant[entry.tenant] as Counts).incidents++;
      }
      entry.onCorrelated?.(result);
    });
    this.dispatchCommitted();
  }

  /**
   * The events of what was just committed go where the bus rules send them (functions/catalog.ts), a moment
   * later: IncidentOpened to the SLA clocks and remediation, IncidentUpdated and IncidentResolved to the SLA
   * clocks (and remediation when the root moved or it absorbed another). The rest only notify people, or push
   * to dashboards: nothing to do for the past.
   */
  private dispatchCommitted(): void {
    const committed = this.committed;
    this.committed = [];
    for (const { event, at } of committed) {
      const when = at + EVENT_LATENCY_MS;
      if (event.detailType === DETAIL_TYPES.incidentOpened) {
        const { tenantId, incidentId } = event.detail;
        this.schedule('IncidentOpened', { tenant: tenantId, incident: incidentId }, when, async (time) => {
          // Two functions on the bus, side by side.
          await Promise.all([
            startSla(this.slaDeps(time, tenantId), tenantId, incidentId),
            this.decide(tenantId, incidentId, 'opened', time),
          ]);
        });
      } else if (event.detailType === DETAIL_TYPES.incidentUpdated) {
        const { tenantId, incidentId, decision } = event.detail;
        const trigger: DecideTrigger | undefined =
          decision === 'absorbed' ? 'absorbed' : decision === 'root-changed' || event.detail.rootChanged ? 'root-changed' : undefined;
        if (trigger)
          this.schedule(`IncidentUpdated (${trigger})`, { tenant: tenantId, incident: incidentId }, when, (time) =>
            this.decide(tenantId, incidentId, trigger, time),
          );
        this.syncClocks(tenantId, incidentId, when);
      } else if (event.detailType === DETAIL_TYPES.incidentResolved) {
        const { tenantId, incidentId } = event.detail;
        this.syncClocks(tenantId, incidentId, when);
      }
    }
  }

  /**
   * IncidentUpdated and IncidentResolved bring the incident's SLA timers in line with it (`onIncidentChanged`
   * reads the incident as it is then). Several events of one incident waiting together (a burst of alerts
   * joining it) are handled by one call: the same outcome as one call per event, for less work.
   */
  private syncClocks(tenantId: string, incidentId: string, at: number): void {
    const key = `${tenantId}|${incidentId}`;
    if (this.clockSyncs.has(key)) return;
    this.clockSyncs.add(key);
    this.schedule('IncidentUpdated', { tenant: tenantId, incident: incidentId }, at, async (time) => {
      this.clockSyncs.delete(key);
      await onIncidentChanged(this.slaDeps(time, tenantId), tenantId, incidentId);
    });
  }

  // --- Stories ----------------------------------------------------------------------------------------

  /** The story's first alert was correlated: if it opened an incident, that incident is the story's. */
  private opened(state: StoryState, result: CorrelationResult): void {
    if (result.kind !== 'open') return;
    state.incidentId = result.incidentId;
    this.byIncident.set(`${state.story.tenant}|${result.incidentId}`, state);
  }

  private async decide(tenantId: string, incidentId: string, trigger: DecideTrigger, at: number): Promise<void> {
    const outcome = await decideForIncident(this.remediationDeps(at), tenantId, incidentId, { trigger });
    const state = this.byIncident.get(`${tenantId}|${incidentId}`);
    if (state) this.decided(state, outcome, at);
  }

  /** Remediation decided: play the runbook or the approval, or hand the incident to its people. */
  private decided(state: StoryState, outcome: DecideOutcome, at: number): void {
    const executionId = outcome.kind === 'decided' ? outcome.executionId : undefined;
    const execution = executionId ? this.executions.get(executionId) : undefined;
    if (!execution || !executionId || state.executions.has(executionId)) {
      if (outcome.kind === 'decided') this.personFlow(state, at);
      return;
    }
    state.executions.add(executionId);
    const { plan, tenant } = state.story;
    const { input } = execution;
    if (!input.approval.required) {
      this.schedule('runbook outcome', { tenant }, at + minutes(plan.runbookMin), (time) =>
        this.runbookDone(state, input, execution.startedAt, plan.runbookOk, time),
      );
      return;
    }
    const { verdict, afterMin, comment } = plan.approval;
    if (verdict === 'expire') {
      const expiresAt = outcome.kind === 'decided' ? outcome.decision.approval?.expiresAt : undefined;
      if (!expiresAt) return;
      // The approval sweep (every minute) expires it; the state machine then records the outcome.
      this.schedule('approval sweep', null, Date.parse(expiresAt) + 40_000, async (time) => {
        await expireApprovals(this.remediationDeps(time));
        this.schedule('runbook outcome', { tenant }, time + 2_000, (later) =>
          this.recordOutcome(input, execution.startedAt, 'approval-expired', later),
        );
      });
      this.schedule('person flow', { tenant, incident: state.incidentId }, Date.parse(expiresAt) + 42_500, async (time) =>
        this.personFlow(state, time),
      );
      return;
    }
    this.schedule('approval', { tenant, incident: state.incidentId }, at + minutes(afterMin), async (time) => {
      const approval = await getApproval(this.table, tenant, executionId);
      if (!approval || approval.state !== 'pending') return;
      const approver = this.approverFor(tenant, approval.requiredRole);
      await decideApproval(
        this.remediationDeps(time),
        { sub: approver.id, email: approver.email, role: approver.role, tenants: approver.tenants },
        tenant,
        executionId,
        verdict,
        comment,
      );
      if (verdict === 'approve') {
        this.schedule('runbook outcome', { tenant }, time + minutes(plan.runbookMin), (later) =>
          this.runbookDone(state, input, time, plan.runbookOk, later),
        );
      } else {
        // The state machine's AwaitApproval fails with ApprovalRejected and records the outcome.
        this.schedule('runbook outcome', { tenant }, time + 2_000, async (later) => {
          await this.recordOutcome(input, execution.startedAt, 'approval-rejected', later);
          this.personFlow(state, later);
        });
      }
    });
  }

  private async runbookDone(state: StoryState, input: RunbookExecutionInput, startedAt: number, ok: boolean, at: number): Promise<void> {
    await this.recordOutcome(input, startedAt, ok ? 'succeeded' : 'verification-failed, rolled back', at);
    if (ok) this.clear(state, at + 2 * MINUTE);
    else this.personFlow(state, at);
  }

  private async recordOutcome(input: RunbookExecutionInput, startedAt: number, status: string, at: number): Promise<void> {
    const ok = status === 'succeeded';
    const section = status.startsWith('approval') ? 'none' : ok ? 'verification' : 'rollback';
    await recordExecutionOutcome(this.remediationDeps(at), {
      op: 'recordOutcome',
      tenantId: input.tenantId,
      incidentId: input.incidentId,
      executionId: input.executionId,
      runbookId: input.runbookId,
      outcome: { status, failedSection: ok || section === 'none' ? 'none' : 'verification' },
      current: { section, status: ok ? 'Success' : section === 'none' ? 'NotStarted' : 'Success', output: ok ? 'verified' : '' },
      error: { Error: '', Cause: '' },
      startedAt: new Date(startedAt).toISOString(),
    });
  }

  /** The incident is a person's from `from`: acknowledged, maybe a note, and resolved, as the story's plan says. */
  private personFlow(state: StoryState, from: number): void {
    if (state.personFlow || !state.incidentId) return;
    state.personFlow = true;
    const { plan, tenant } = state.story;
    const incidentId = state.incidentId;
    // Nobody acts after the period's end: a step due later comes at its end (never before `from`).
    const latest = this.end - 10 * MINUTE;
    const due = (afterMin: number) => Math.max(from, Math.min(from + minutes(afterMin), latest));
    if (plan.ackMin !== undefined)
      this.schedule('acknowledge', { tenant, incident: incidentId }, due(plan.ackMin), async (time) => {
        const incident = await this.current(tenant, incidentId);
        if (incident?.status !== 'open') return;
        const person = await this.personFor(incident, time);
        await acknowledgeIncident(this.table, tenant, incident.id, person.email, new Date(time), [
          domainEvent(DETAIL_TYPES.incidentUpdated, {
            tenantId: tenant,
            incidentId: incident.id,
            decision: 'acknowledged',
            status: 'acknowledged',
            actor: person.email,
          }),
        ]);
      });
    if (plan.note && plan.noteMin !== undefined)
      this.schedule('note', { tenant, incident: incidentId }, due(plan.noteMin), async (time) => {
        const incident = await this.current(tenant, incidentId);
        if (!incident || (incident.status !== 'open' && incident.status !== 'acknowledged')) return;
        const person = await this.personFor(incident, time);
        await addIncidentNote(this.table, tenant, incident.id, plan.note as string, person.email, new Date(time));
      });
    if (plan.resolveMin !== undefined)
      this.schedule('resolve', { tenant }, due(plan.resolveMin), async (time) => {
        const incident = await this.current(tenant, incidentId);
        if (!incident || (incident.status !== 'open' && incident.status !== 'acknowledged')) return;
        const person = await this.personFor(incident, time);
        await changeIncidentStatus(this.correlateDeps(time), incident, {
          kind: 'resolve',
          at: new Date(time),
          actor: person.email,
          code: plan.resolveCode,
          ...(plan.resolveNote ? { note: plan.resolveNote } : {}),
        });
        // The tools see the problem gone a minute or two later.
        this.clear(state, time + minutes(1.5));
      });
  }

  /** The story's tools send the resolutions of its alerts (once). */
  private clear(state: StoryState, at: number): void {
    if (state.cleared) return;
    state.cleared = true;
    const { story } = state;
    if (story.alerts.some((alert) => alert.status === 'resolved')) return; // its resolutions were part of the story
    fingerprints(story.alerts).forEach((alert, index) => {
      const when = at + index * 7_000;
      if (when > this.end) return;
      this.deliver(story, resolutionOf(alert, 0), when, `${story.id}-clear-${index}`);
      this.settleAfterGrace(when);
    });
  }

  /** The incident as stored now, following a merge to the incident that absorbed it. */
  private async current(tenantId: string, incidentId: string): Promise<Incident | undefined> {
    let incident = await getIncident(this.table, tenantId, incidentId);
    for (let hops = 0; incident?.status === 'merged' && incident.mergedInto && hops < 5; hops++)
      incident = await getIncident(this.table, tenantId, incident.mergedInto);
    return incident;
  }

  /** Who acts on an incident: its assignee, else whoever is on call, else one of the tenant's technicians. */
  private async personFor(incident: Incident, at: number): Promise<Person> {
    const byId = (id: string | null | undefined) => this.people.find((person) => person.id === id);
    const technicians = this.people.filter((person) => person.role === 'technician' && person.tenants.includes(incident.tenantId));
    return (
      byId(incident.assignee?.userId) ??
      byId(await onCallUser(this.table, incident.tenantId, undefined, new Date(at))) ??
      technicians[0] ??
      (this.people.find((person) => person.role === 'msp_admin') as Person)
    );
  }

  /** Who decides a tenant's approval requests: the company's admin when one may, else the MSP's. */
  private approverFor(tenantId: string, requiredRole: string): Person {
    const companyAdmin = this.people.find((person) => person.role === 'company_admin' && person.tenants.includes(tenantId));
    if (requiredRole === 'company_admin' && companyAdmin) return companyAdmin;
    return this.people.find((person) => person.role === 'msp_admin') as Person;
  }

  /** Anything still open at the end (a story cut short by the period's end) is resolved by its people. */
  private async resolveLeftovers(): Promise<number> {
    let left = 0;
    for (const tenant of DEMO_TENANTS.map((spec) => spec.id)) {
      for (const status of ['open', 'acknowledged'] as const) {
        for (const incident of await listIncidents(this.table, tenant, { status, limit: 1000 })) {
          const at = Math.min(this.closeAt, Math.max(Date.parse(incident.lastEventAt), Date.parse(incident.openedAt)) + 20 * MINUTE);
          const person = await this.personFor(incident, at);
          try {
            await changeIncidentStatus(this.correlateDeps(at), incident, {
              kind: 'resolve',
              at: new Date(at),
              actor: person.email,
              code: 'fixed',
            });
          } catch (error) {
            if (!(error instanceof IncidentStateError)) throw error;
            left++;
          }
        }
      }
    }
    return left;
  }

  /** The clocks of incidents resolved at the very end stop (what their IncidentResolved events would do). */
  private async stopClocks(): Promise<void> {
    const committed = this.committed;
    this.committed = [];
    for (const { event } of committed) {
      if (event.detailType !== DETAIL_TYPES.incidentResolved) continue;
      const { tenantId, incidentId } = event.detail;
      await this.atClose('IncidentResolved', (at) => onIncidentChanged(this.slaDeps(at, tenantId), tenantId, incidentId));
    }
    this.committed = [];
  }
}

async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/** Calls `onEvents` with the events of every transaction the client commits (its outbox item). */
function tapEvents(db: DynamoDBDocumentClient, onEvents: (events: DomainEvent[], createdAt: string) => void): void {
  type Send = (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  const send = db.send.bind(db) as Send;
  const tapped: Send = async (command, ...rest) => {
    const output = await send(command, ...rest);
    const items = (command as { input?: { TransactItems?: Array<{ Put?: { Item?: Record<string, unknown> } }> } }).input?.TransactItems;
    for (const item of items ?? []) {
      const put = item.Put?.Item;
      if (put?.entity === OUTBOX_ENTITY) onEvents(put.events as DomainEvent[], put.createdAt as string);
    }
    return output;
  };
  (db as unknown as { send: Send }).send = tapped;
}
