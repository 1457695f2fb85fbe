// Must come before the tracer: it decides how the X-Ray SDK starts.
import './tracing-mode';
import type { MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

const SERVICE_NAME = process.env.POWERTOOLS_SERVICE_NAME ?? 'alert-whisperer';

/** One structured logger for every function; the log level comes from POWERTOOLS_LOG_LEVEL. */
export const logger = new Logger({ serviceName: SERVICE_NAME });

/**
 * One X-Ray tracer for every function (Lambda active tracing, infra/constructs/functions.ts). Powertools
 * turns it off outside Lambda (no AWS_EXECUTION_ENV: the local stack, jest, scripts) and when
 * POWERTOOLS_TRACE_ENABLED=false; off, every method below returns at once and clients stay unwrapped.
 * Outgoing HTTPS calls (Slack, Teams, webhooks, SNS certificates) are traced by Powertools' default
 * (POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS).
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/**
 * An AWS SDK v3 client with an X-Ray subsegment per call when tracing is on; the client itself when off.
 * Every cached client (lib/aws/clients.ts and the adapters' own) is made through this.
 */
export function traced<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}

/** The keys that find an invocation's trace in X-Ray (annotations are indexed; metadata is not). */
export interface TraceKeys {
  correlationId?: string | undefined;
  tenantId?: string | undefined;
}

/**
 * Puts the correlation id (and the tenant, when known) on the log lines of the rest of the invocation
 * and on its trace as annotations, so that `annotation.correlationId = "..."` finds it in X-Ray.
 * For ids a handler learns after `observed()` started (e.g. from a stored execution).
 */
export function addCorrelationKeys(keys: TraceKeys): void {
  const defined = Object.fromEntries(Object.entries(keys).filter(([, value]) => typeof value === 'string' && value));
  if (!Object.keys(defined).length) return;
  logger.appendKeys(defined);
  for (const [key, value] of Object.entries(defined)) tracer.putAnnotation(key, value as string);
}

// ---------------------------------------------------------------------------------------------
// Business metrics

/** The CloudWatch namespace of the business metrics; every one is a Count with `service` and `stage` dimensions. */
export const METRICS_NAMESPACE = 'AlertWhisperer';

/**
 * The business metrics and who counts them:
 * - AlertsAccepted, AlertsDuplicate: ingestion (webhook, CloudWatch alarm events), per alert;
 * - IncidentsOpened, AlertsCorrelated: correlation (AlertsCorrelated: every alert correlated, redeliveries not);
 * - RemediationDecisions by `action`; ExecutionsFinished by `state`;
 * - NotificationsSent, NotificationsFailed by `channel` (delivery records; skipped ones are neither);
 * - ApprovalsExpired, SlaBreaches, Escalations (escalation steps that told a level);
 * - IncidentsRepaired by `missing` (sla, decision, execution): the repair sweep found an open incident
 *   without what its events should have given it (lib/repair/sweep.ts).
 */
export const METRIC_NAMES = [
  'AlertsAccepted',
  'AlertsDuplicate',
  'IncidentsOpened',
  'AlertsCorrelated',
  'RemediationDecisions',
  'ExecutionsFinished',
  'NotificationsSent',
  'NotificationsFailed',
  'ApprovalsExpired',
  'SlaBreaches',
  'Escalations',
  'IncidentsRepaired',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
/** The dimension a metric may have besides `service` and `stage` (low cardinality: enums only). */
export type MetricDimensions = Partial<Record<'action' | 'state' | 'channel' | 'missing', string>>;

let metricsInstance: Metrics | undefined;

/**
 * Made on first publish, not at import: Powertools reads POWERTOOLS_DEV / POWERTOOLS_METRICS_DISABLED
 * (and we read AW_STAGE) when the instance is made, and the local stack sets them after its modules load.
 * Its own warnings go through the logger.
 */
function metrics(): Metrics {
  metricsInstance ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { stage: process.env.AW_STAGE ?? 'unknown' },
    logger,
  });
  return metricsInstance;
}

/**
 * Measurements, as opposed to counts: each value is published as it is (one EMF document may carry
 * several), with its unit, and CloudWatch's statistics (Maximum...) summarise them. Same namespace and
 * dimensions (`service`, `stage`) as the counts.
 * - SlaTimerLagSeconds: how late an SLA timer fired (its start minus its due time), by the sla function;
 *   the SlaTimers-TimerLag alarm watches its maximum.
 */
export const MEASUREMENT_UNITS = { SlaTimerLagSeconds: MetricUnit.Seconds } as const;
export type MeasurementName = keyof typeof MEASUREMENT_UNITS;

interface PendingGroup {
  dimensions: MetricDimensions;
  counts: Map<MetricName, number>;
  measurements: Array<[MeasurementName, number]>;
}

/** Counts and measurements per dimension set (one EMF document each: a document has one value per dimension). */
const pending = new Map<string, PendingGroup>();

function pendingGroup(dimensions: MetricDimensions): PendingGroup {
  const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)));
  let group = pending.get(key);
  if (!group) {
    group = { dimensions, counts: new Map(), measurements: [] };
    pending.set(key, group);
  }
  return group;
}
/** Invocations in progress (Lambda: 0 or 1; the local stack runs several at once in one process). */
let openInvocations = 0;

/**
 * Counts a business event for the current invocation; `observed()` publishes the counts when it ends.
 * Outside an instrumented invocation (scripts, tests calling lib code) nothing is kept: nothing would publish it.
 */
export function countMetric(name: MetricName, value = 1, dimensions: MetricDimensions = {}): void {
  if (openInvocations === 0 || !(value > 0)) return;
  const group = pendingGroup(dimensions);
  group.counts.set(name, (group.counts.get(name) ?? 0) + value);
}

/** Records a measurement for the current invocation (published with the counts, see countMetric); not a finite number is ignored. */
export function measureMetric(name: MeasurementName, value: number): void {
  if (openInvocations === 0 || !Number.isFinite(value)) return;
  pendingGroup({}).measurements.push([name, value]);
}

/**
 * Writes the counts kept so far as EMF lines on stdout (CloudWatch turns them into metrics) and forgets
 * them. Nothing is written when nothing was counted, nor when Powertools' metrics are disabled
 * (POWERTOOLS_METRICS_DISABLED=true, or POWERTOOLS_DEV=true without POWERTOOLS_METRICS_DISABLED=false).
 */
export function publishMetrics(): void {
  if (!pending.size) return;
  const groups = [...pending.values()];
  pending.clear();
  const target = metrics();
  for (const { dimensions, counts, measurements } of groups) {
    for (const [name, value] of Object.entries(dimensions)) if (value) target.addDimension(name, value);
    for (const [name, value] of counts) target.addMetric(name, MetricUnit.Count, value);
    for (const [name, value] of measurements) target.addMetric(name, MEASUREMENT_UNITS[name], value);
    target.publishStoredMetrics();
  }
}

// ---------------------------------------------------------------------------------------------
// The middleware of every function

export interface ObservedOptions<TEvent> {
  /** The invocation's correlation id, from its event: on every log line until the invocation ends. */
  correlationId?: (event: TEvent) => string | undefined;
  /** The tenant the invocation works for, when its event names one: a log key and a trace annotation. */
  tenantId?: (event: TEvent) => string | undefined;
  /** Other keys for every log line of the invocation. */
  keys?: (event: TEvent) => Record<string, unknown>;
}

/**
 * The first middleware of every function (`.use(observed(...))` before any other, so it wraps them all):
 * the Lambda context on the logger, the invocation's correlation id appended to the logger's keys (a
 * handler may append one it reads later, e.g. from a stored execution), and at the end, success or error,
 * the business metrics published and every appended key removed (`resetKeys`), so nothing leaks into the
 * next invocation of a warm function.
 *
 * This is what Powertools' `injectLambdaContext(logger, { resetKeys: true })` does, without its per-
 * invocation reset of the log level to the one the logger was built with (debug sampling, unused here),
 * which would undo a later `setLogLevel` (the local stack's tests quiet the shared logger that way).
 * Metrics are published here rather than with Powertools' `logMetrics` middleware: that one publishes
 * unconditionally, and Powertools warns "No application metrics to publish" on every invocation that
 * counted nothing (every SSM poll, most API calls); and one EMF document holds one value of a dimension,
 * while an invocation may count several channels. The cold-start metric is not captured.
 *
 * Tracing: Powertools' `captureLambdaHandler` opens the invocation's `## <handler>` subsegment (cold
 * start and service annotations, errors as metadata) before anything else and closes it last, and the
 * correlation id and tenant become annotations on it. Responses are not recorded (`captureResponse:
 * false`): API answers carry tokens and personal data, which have no place in X-Ray.
 */
export function observed<TEvent = unknown, TResult = unknown>(options: ObservedOptions<TEvent> = {}): MiddlewareObj<TEvent, TResult> {
  const trace = captureLambdaHandler(tracer, { captureResponse: false });
  const finish = async () => {
    openInvocations = Math.max(0, openInvocations - 1);
    try {
      publishMetrics();
    } catch (error) {
      // Losing a metric must never fail the work it counted.
      logger.error('Could not publish metrics', { error: error as Error });
    } finally {
      logger.resetKeys();
    }
  };
  return {
    before: async (request) => {
      // A previous invocation that never reached its end (a timeout) leaves nothing behind.
      logger.resetKeys();
      logger.addContext(request.context);
      openInvocations++;
      await trace.before?.(request);
      const keys = options.keys?.(request.event) ?? {};
      logger.appendKeys(keys);
      addCorrelationKeys({ correlationId: options.correlationId?.(request.event), tenantId: options.tenantId?.(request.event) });
    },
    after: async (request) => {
      await trace.after?.(request);
      await finish();
    },
    onError: async (request) => {
      // An error the HTTP bundle answered as a 4xx is the caller's: the trace closes as a success.
      const status = (request.response as { statusCode?: unknown } | undefined)?.statusCode;
      if (request.response !== undefined && !(typeof status === 'number' && status >= 500)) await trace.after?.(request);
      else await trace.onError?.(request);
      await finish();
    },
  };
}
