import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { REPAIRABLE } from '../../lib/domain/events';
import { METRICS_NAMESPACE, type MeasurementName, type MetricDimensions, type MetricName } from '../../lib/observability';
import type { DecisionAction } from '../../lib/domain/remediation/decision';
import { NOTIFICATION_CHANNELS, type NotificationChannel } from '../../lib/domain/notify/delivery';
import type { ExecutionState } from '../../lib/domain/remediation/execution';
import type { Stage } from '../config';

/**
 * The business metrics as CloudWatch sees them. The functions count them with `countMetric`
 * (lib/observability.ts) and Powertools publishes them as EMF with the dimensions `service` (Powertools'
 * own default dimension, from POWERTOOLS_SERVICE_NAME), `stage` (AW_STAGE) and, for some, one of
 * `action`, `state` or `channel`. CloudWatch keys a metric by its whole dimension set: a metric here
 * with one dimension more or less than the EMF document is another, empty metric. So every business
 * metric of the dashboard and the alarms is made by `businessMetric`, and test/infra checks its
 * dimensions against what `publishMetrics` writes.
 */

/** POWERTOOLS_SERVICE_NAME of every function (infra/constructs/functions.ts): the `service` dimension of every business metric. */
export const POWERTOOLS_SERVICE_NAME = 'alert-whisperer';

/** Which per-event dimension each metric has (none: `service` and `stage` only), as the functions count them. */
export const METRIC_DIMENSION = {
  AlertsAccepted: undefined,
  AlertsDuplicate: undefined,
  IncidentsOpened: undefined,
  AlertsCorrelated: undefined,
  RemediationDecisions: 'action',
  ExecutionsFinished: 'state',
  NotificationsSent: 'channel',
  NotificationsFailed: 'channel',
  ApprovalsExpired: undefined,
  SlaBreaches: undefined,
  Escalations: undefined,
  IncidentsRepaired: 'missing',
} as const satisfies Record<MetricName, keyof MetricDimensions | undefined>;

/** The `action` values of RemediationDecisions (lib/domain/remediation/decision.ts). */
export const DECISION_ACTIONS = ['auto_execute', 'approval_required', 'route_to_technician'] as const satisfies readonly DecisionAction[];
/** The `state` values of ExecutionsFinished: the final states of lib/store/remediation.ts (never pending_approval nor running). */
export const FINISHED_EXECUTION_STATES = ['succeeded', 'failed', 'rejected', 'expired'] as const satisfies readonly ExecutionState[];
/** The `missing` values of IncidentsRepaired (lib/domain/events.ts REPAIRABLE). */
export const REPAIRED_PARTS = REPAIRABLE;
/** The `channel` values of NotificationsSent and NotificationsFailed (delivery records; the dashboard channel is not a send). */
export const DELIVERY_CHANNELS: readonly NotificationChannel[] = NOTIFICATION_CHANNELS;

// Compile-time checks that the lists above are complete: a new action or channel fails the build here.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : Exclude<All, Listed>;
const decisionActionsComplete: Missing<DecisionAction, (typeof DECISION_ACTIONS)[number]> = true;
const finishedStatesComplete: Missing<
  Exclude<ExecutionState, 'pending_approval' | 'running'>,
  (typeof FINISHED_EXECUTION_STATES)[number]
> = true;
void decisionActionsComplete;
void finishedStatesComplete;

type Dimensioned = { [N in MetricName]: (typeof METRIC_DIMENSION)[N] extends string ? N : never }[MetricName];
type Plain = Exclude<MetricName, Dimensioned>;

export interface BusinessMetricOptions {
  /** Default 5 minutes. */
  period?: Duration;
  label?: string;
  color?: string;
}

/**
 * One business metric, summed over `period`, with exactly the dimensions its EMF documents carry.
 * Metrics with a per-event dimension need its value (`businessMetric(stage, 'NotificationsFailed', 'slack')`).
 */
export function businessMetric(stage: Stage, name: Plain, value?: undefined, options?: BusinessMetricOptions): cloudwatch.Metric;
export function businessMetric(stage: Stage, name: Dimensioned, value: string, options?: BusinessMetricOptions): cloudwatch.Metric;
export function businessMetric(stage: Stage, name: MetricName, value?: string, options: BusinessMetricOptions = {}): cloudwatch.Metric {
  const dimension: string | undefined = METRIC_DIMENSION[name];
  if (dimension === undefined && value !== undefined) throw new Error(`${name} has no dimension besides service and stage`);
  if (dimension !== undefined && value === undefined) throw new Error(`${name} needs its '${dimension}' value`);
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, stage, ...(dimension ? { [dimension]: value! } : {}) },
    statistic: 'Sum',
    period: options.period ?? Duration.minutes(5),
    ...(options.label ? { label: options.label } : {}),
    ...(options.color ? { color: options.color } : {}),
  });
}

/** A math expression id for a dimension value (ids start lowercase and hold letters, digits and _). */
const idOf = (value: string) => value.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();

/**
 * The sum over every value of a metric's dimension (NotificationsFailed over all channels...), as one
 * math expression. A metric is published only when something was counted, so each series is filled
 * with 0: a period where one channel failed and another did not still adds up.
 */
export function businessMetricTotal(
  stage: Stage,
  name: Dimensioned,
  values: readonly string[],
  options: BusinessMetricOptions = {},
): cloudwatch.MathExpression {
  const period = options.period ?? Duration.minutes(5);
  const usingMetrics = Object.fromEntries(values.map((value) => [idOf(value), businessMetric(stage, name, value, { period })]));
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    period,
    label: options.label ?? `${name} (all ${METRIC_DIMENSION[name]}s)`,
    ...(options.color ? { color: options.color } : {}),
  });
}

/** How late SLA timers fire (seconds: the sla function's measurement, lib/observability.ts MEASUREMENT_UNITS), at its worst. */
export function slaTimerLagMetric(stage: Stage, period: Duration = Duration.minutes(5)): cloudwatch.Metric {
  const name: MeasurementName = 'SlaTimerLagSeconds';
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: POWERTOOLS_SERVICE_NAME, stage },
    statistic: 'Maximum',
    period,
  });
}
