import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { Stage } from '../config';
import {
  businessMetric,
  businessMetricTotal,
  DECISION_ACTIONS,
  DELIVERY_CHANNELS,
  REPAIRED_PARTS,
  FINISHED_EXECUTION_STATES,
} from './business-metrics';
import { ALARM_THRESHOLDS, type Monitoring } from './monitoring';

export interface ObservabilityDashboardProps {
  stage: Stage;
  /** What it watches (functions, queues, the state machine, the SLA timers) and its alarms: the operational rows. */
  monitoring: Monitoring;
}

/** Business graphs sum per 5 minutes; the noise reduction is a ratio, steadier per hour. */
const PERIOD = Duration.minutes(5);
const RATIO_PERIOD = Duration.hours(1);
const WIDTH = 8;
const HEIGHT = 6;

/**
 * The CloudWatch dashboard `AlertWhisperer-<stage>-<region>` (docs/operations.md, "Dashboard"): the
 * business metrics first (what the platform did for the MSP: alerts in, incidents out, the noise
 * removed, remediation, notifications, SLAs), then the operational signals of everything Monitoring
 * watches, then the state of every alarm. Made last in the stack, once every capability has registered
 * what it owns with Monitoring, so nothing watched is missing from it.
 */
export class ObservabilityDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityDashboardProps) {
    super(scope, id);
    const { stage, monitoring } = props;
    const { stackName, region } = Stack.of(this);
    // Dashboards are global to the account: the region keeps two regions' stacks of one stage apart.
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-${region}`,
      defaultInterval: Duration.days(1),
    });
    const metric = businessMetric;
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, period: PERIOD, ...extra });

    // Alerts correlated and incidents opened are counted by the same function: their ratio is the noise removed.
    const noiseReduction = (period: Duration) =>
      new cloudwatch.MathExpression({
        expression: '100 * (1 - FILL(incidents, 0) / alerts)',
        usingMetrics: {
          incidents: metric(stage, 'IncidentsOpened', undefined, { period }),
          alerts: metric(stage, 'AlertsCorrelated', undefined, { period }),
        },
        label: 'Noise reduction (%)',
        period,
      });

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          `# Alert Whisperer (${stage})`,
          'Business metrics (namespace `AlertWhisperer`, summed per 5 minutes) first, then the operational signals and every alarm.',
          'What each widget and alarm means, and what to do: docs/operations.md, sections "Dashboard" and "Business alarms".',
        ].join('\n\n'),
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Over the selected time range',
        metrics: [
          metric(stage, 'AlertsAccepted', undefined, { label: 'Alerts accepted' }),
          metric(stage, 'IncidentsOpened', undefined, { label: 'Incidents opened' }),
          noiseReduction(PERIOD),
          metric(stage, 'ExecutionsFinished', 'succeeded', { label: 'Self-healed (runbooks succeeded)' }),
          businessMetricTotal(stage, 'NotificationsFailed', DELIVERY_CHANNELS, { label: 'Notifications failed' }),
          metric(stage, 'SlaBreaches', undefined, { label: 'SLA breaches' }),
        ],
        setPeriodToTimeRange: true,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Alerts ingested', [
        metric(stage, 'AlertsAccepted', undefined, { label: 'Accepted (new)' }),
        metric(stage, 'AlertsDuplicate', undefined, { label: 'Duplicates (redeliveries)' }),
        metric(stage, 'AlertsCorrelated', undefined, { label: 'Correlated' }),
      ]),
      graph('Incidents opened', [metric(stage, 'IncidentsOpened', undefined, { label: 'Incidents opened' })]),
      graph('Noise reduction: alerts that opened no incident (%, hourly)', [noiseReduction(RATIO_PERIOD)], {
        period: RATIO_PERIOD,
        leftYAxis: { min: 0, max: 100, showUnits: false },
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Remediation decisions by action',
        [
          ...DECISION_ACTIONS.map((action) => metric(stage, 'RemediationDecisions', action, { label: action })),
          metric(stage, 'ApprovalsExpired', undefined, { label: 'approvals expired' }),
        ],
        { stacked: true },
      ),
      graph(
        'Runbook executions finished by state (succeeded = self-healed)',
        FINISHED_EXECUTION_STATES.map((state) => metric(stage, 'ExecutionsFinished', state, { label: state })),
        { stacked: true },
      ),
      graph('SLA breaches and escalations', [
        metric(stage, 'SlaBreaches', undefined, { label: 'SLA clocks breached' }),
        metric(stage, 'Escalations', undefined, { label: 'Escalation levels notified' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Open incidents repaired by the sweep (what their events should have given them; 0 is healthy)',
        REPAIRED_PARTS.map((part) => metric(stage, 'IncidentsRepaired', part, { label: `missing ${part}` })),
        { stacked: true, width: 24 },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Notifications sent by channel',
        DELIVERY_CHANNELS.map((channel) => metric(stage, 'NotificationsSent', channel, { label: channel })),
        { stacked: true },
      ),
      graph(
        'Notifications failed by channel',
        DELIVERY_CHANNELS.map((channel) => metric(stage, 'NotificationsFailed', channel, { label: channel })),
        { stacked: true },
      ),
      graph(
        'SLA timer lag (seconds, maximum)',
        monitoring.watched.slaTimerLag.map(({ lag }) => lag),
        {
          leftAnnotations: monitoring.watched.slaTimerLag.map(({ maxLag }) => ({
            value: maxLag.toSeconds(),
            label: `alarm (${maxLag.toHumanString()})`,
          })),
        },
      ),
    );

    // Operational signals: everything Monitoring watches, as it watches it.
    const { functions, deadLetterQueues, queues, stateMachines } = monitoring.watched;
    const sum = { period: PERIOD, statistic: 'Sum' };
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        functions.map(({ name, fn }) => fn.metricErrors({ ...sum, label: name })),
        { width: 12 },
      ),
      graph(
        'Function throttles',
        functions.map(({ name, fn }) => fn.metricThrottles({ ...sum, label: name })),
        { width: 12 },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Dead-letter queue depth (messages)',
        deadLetterQueues.map(({ name, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: name }),
        ),
      ),
      graph(
        'Oldest alert waiting for correlation (seconds)',
        queues.map(({ name, queue }) => queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: name })),
        {
          leftAnnotations: [
            { value: ALARM_THRESHOLDS.queueAge.toSeconds(), label: `alarm (${ALARM_THRESHOLDS.queueAge.toHumanString()})` },
          ],
        },
      ),
      graph(
        'Runbook state machine: failed, timed out, aborted',
        stateMachines.flatMap(({ name, stateMachine }) => [
          stateMachine.metricFailed({ ...sum, label: `${name} failed` }),
          stateMachine.metricTimedOut({ ...sum, label: `${name} timed out` }),
          stateMachine.metricAborted({ ...sum, label: `${name} aborted` }),
        ]),
        { stacked: true },
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: monitoring.alarms,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: 24,
        height: Math.max(3, Math.ceil(monitoring.alarms.length / 4) + 1),
      }),
    );
  }
}
