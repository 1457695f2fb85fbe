import type { Context } from 'aws-lambda';
import { jest } from '@jest/globals';
import middy from '@middy/core';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS } from '../../functions/catalog';
import { countMetric, MEASUREMENT_UNITS, METRIC_NAMES, METRICS_NAMESPACE, observed, type MetricName } from '../../lib/observability';
import { parseConfig } from '../../infra/config';
import {
  DECISION_ACTIONS,
  DELIVERY_CHANNELS,
  FINISHED_EXECUTION_STATES,
  METRIC_DIMENSION,
  POWERTOOLS_SERVICE_NAME,
} from '../../infra/constructs/business-metrics';
import { ALARM_THRESHOLDS } from '../../infra/constructs/monitoring';
import { AlertWhispererStack } from '../../infra/stack';
import { appWithoutBundling, nagFindings, only, type Resource } from './helpers';

let stack: AlertWhispererStack;
let template: Template;
let widgets: Widget[];

interface Widget {
  type: string;
  width: number;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; markdown?: string; annotations?: unknown };
}

/** A dashboard metric line: `[namespace, name, dim, value, ..., { options }]`, or `[{ expression, ... }]`. */
interface MetricLine {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  options: Record<string, unknown>;
}

beforeAll(() => {
  // Read when lib/observability.ts makes its metrics instance (first publish); POWERTOOLS_SERVICE_NAME
  // unset: its default, which the next tests compare with what the functions are given.
  process.env.AW_STAGE = 'prod';
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  stack = new AlertWhispererStack(appWithoutBundling(), 'AlertWhisperer-prod', {
    config: parseConfig({ stage: 'prod', dashboardOrigin: 'https://dashboard.example.com', alarmEmail: 'noc@msp.example.com' }),
  });
  template = Template.fromStack(stack);
  const [, dashboard] = only(template, 'AWS::CloudWatch::Dashboard');
  // The body is a Fn::Join of JSON text and tokens (region, function and queue names): tokens become a placeholder.
  const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const body = parts.map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  widgets = (JSON.parse(body) as { widgets: Widget[] }).widgets;
});

const byTitle = (title: string): Widget => {
  const found = widgets.filter((widget) => widget.properties.title === title);
  expect(found).toHaveLength(1);
  return found[0]!;
};

function metricLines(widget: Widget): MetricLine[] {
  return (widget.properties.metrics ?? [])
    .filter((line) => typeof line[0] === 'string')
    .map((line) => {
      const options = (typeof line.at(-1) === 'object' ? line.at(-1) : {}) as Record<string, unknown>;
      const fields = line.filter((item) => typeof item === 'string') as string[];
      const [namespace, name, ...pairs] = fields;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      return { namespace: namespace!, name: name!, dimensions, options };
    });
}
const expressions = (widget: Widget) =>
  (widget.properties.metrics ?? [])
    .filter((line) => typeof line[0] === 'object')
    .map((line) => (line[0] as { expression: string }).expression);
/** The counted business metrics (the measurements, such as the SLA timer lag, share their namespace). */
const businessLines = () =>
  widgets.flatMap(metricLines).filter((line) => line.namespace === METRICS_NAMESPACE && !(line.name in MEASUREMENT_UNITS));

/** The dimensions (names and values) Powertools writes for `name` counted once with `dimension`, through lib/observability. */
async function emittedDimensions(name: MetricName, dimension?: Record<string, string>): Promise<Record<string, string>> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const handler = middy()
      .use(observed())
      .handler(async () => countMetric(name, 1, dimension));
    await handler({}, { functionName: 'fn', awsRequestId: 'req', getRemainingTimeInMillis: () => 1000 } as unknown as Context);
  } finally {
    spy.mockRestore();
  }
  const emf = written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, any>);
  expect(emf).toHaveLength(1);
  const [directive] = emf[0]!._aws.CloudWatchMetrics as Array<{ Namespace: string; Dimensions: string[][] }>;
  expect(directive!.Namespace).toBe(METRICS_NAMESPACE);
  expect(directive!.Dimensions).toHaveLength(1); // one dimension set: the metric CloudWatch makes
  return Object.fromEntries(directive!.Dimensions[0]!.map((key) => [key, emf[0]![key] as string]));
}

describe('CloudWatch dashboard', () => {
  it('is named after the stack (its stage) and region', () => {
    const [, dashboard] = only(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('AlertWhisperer-prod-us-east-1');
    expect(template.toJSON().Outputs.CloudWatchDashboardName).toBeDefined();
  });

  it('shows every business metric, with the dimensions its functions publish it with', () => {
    const lines = businessLines();
    expect(new Set(lines.map((line) => line.name))).toEqual(new Set(METRIC_NAMES));
    for (const line of lines) {
      const extra: string | undefined = METRIC_DIMENSION[line.name as MetricName];
      expect(Object.keys(line.dimensions).sort()).toEqual(['service', 'stage', ...(extra ? [extra] : [])].sort());
      expect(line.dimensions).toMatchObject({ service: POWERTOOLS_SERVICE_NAME, stage: 'prod' });
      expect(line.options.stat).toBe('Sum');
    }
  });

  it('uses the service name every function is given (Powertools puts it on every metric as `service`)', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    const catalog = functions.filter((fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined);
    expect(catalog).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const fn of catalog) expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(POWERTOOLS_SERVICE_NAME);
  });

  it.each(METRIC_NAMES)('%s: the dashboard names exactly the metric lib/observability.ts emits', async (name) => {
    const extra: string | undefined = METRIC_DIMENSION[name];
    const line = businessLines().find((candidate) => candidate.name === name)!;
    const emitted = await emittedDimensions(name, extra ? { [extra]: line.dimensions[extra]! } : undefined);
    expect(emitted).toEqual(line.dimensions);
  });

  it('breaks decisions down by action, executions by final state, notifications by channel', () => {
    const values = (title: string, name: string, dimension: string) =>
      metricLines(byTitle(title))
        .filter((line) => line.name === name)
        .map((line) => line.dimensions[dimension]);
    expect(values('Remediation decisions by action', 'RemediationDecisions', 'action')).toEqual([...DECISION_ACTIONS]);
    expect(values('Runbook executions finished by state (succeeded = self-healed)', 'ExecutionsFinished', 'state')).toEqual([
      ...FINISHED_EXECUTION_STATES,
    ]);
    expect(values('Notifications sent by channel', 'NotificationsSent', 'channel')).toEqual([...DELIVERY_CHANNELS]);
    expect(values('Notifications failed by channel', 'NotificationsFailed', 'channel')).toEqual([...DELIVERY_CHANNELS]);
    expect(DELIVERY_CHANNELS).toEqual(['email', 'slack', 'teams', 'sms', 'voice', 'webhook']);
  });

  it('has the business widgets: alerts, incidents, noise reduction, SLA breaches and escalations, a summary', () => {
    expect(metricLines(byTitle('Alerts ingested')).map((line) => line.name)).toEqual([
      'AlertsAccepted',
      'AlertsDuplicate',
      'AlertsCorrelated',
    ]);
    expect(metricLines(byTitle('Incidents opened')).map((line) => line.name)).toEqual(['IncidentsOpened']);
    const noise = byTitle('Noise reduction: alerts that opened no incident (%, hourly)');
    expect(expressions(noise)).toEqual(['100 * (1 - FILL(incidents, 0) / alerts)']);
    expect(Object.fromEntries(metricLines(noise).map((line) => [line.options.id, line.name]))).toEqual({
      incidents: 'IncidentsOpened',
      alerts: 'AlertsCorrelated',
    });
    expect(metricLines(byTitle('SLA breaches and escalations')).map((line) => line.name)).toEqual(['SlaBreaches', 'Escalations']);
    const summary = byTitle('Over the selected time range');
    expect(expressions(summary)).toEqual([
      '100 * (1 - FILL(incidents, 0) / alerts)',
      'FILL(email, 0) + FILL(slack, 0) + FILL(teams, 0) + FILL(sms, 0) + FILL(voice, 0) + FILL(webhook, 0)',
    ]);
  });

  it('shows the SLA timer lag the sla function publishes, with its alarm threshold', () => {
    const widget = byTitle('SLA timer lag (seconds, maximum)');
    expect(metricLines(widget)).toEqual([
      expect.objectContaining({
        namespace: 'AlertWhisperer',
        name: 'SlaTimerLagSeconds',
        dimensions: { service: POWERTOOLS_SERVICE_NAME, stage: 'prod' },
      }),
    ]);
    expect(JSON.stringify(widget.properties.annotations)).toContain('"value":180');
  });

  it('shows the operational signals of everything the alarms watch', () => {
    const functionCount = Object.keys(FUNCTIONS).length;
    const errors = metricLines(byTitle('Function errors'));
    expect(errors).toHaveLength(functionCount);
    expect(errors.every((line) => line.namespace === 'AWS/Lambda' && line.name === 'Errors')).toBe(true);
    expect(errors.map((line) => line.options.label).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    expect(metricLines(byTitle('Function throttles'))).toHaveLength(functionCount);
    const deadLetters = metricLines(byTitle('Dead-letter queue depth (messages)'));
    expect(deadLetters.map((line) => line.options.label).sort()).toEqual([
      'AlarmEventDeadLetterQueue',
      'AlertDeadLetterQueue',
      'DecisionDeadLetterQueue',
      'ReportScheduleDeadLetterQueue',
      'SlaEventDeadLetterQueue',
      'SlaTimerDeadLetterQueue',
      'StreamDeadLetterQueue',
    ]);
    expect(metricLines(byTitle('Oldest alert waiting for correlation (seconds)')).map((line) => line.name)).toEqual([
      'ApproximateAgeOfOldestMessage',
    ]);
    expect(
      metricLines(byTitle('Runbook state machine: failed, timed out, aborted'))
        .map((line) => line.name)
        .sort(),
    ).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
  });

  it('lists every alarm of the stack in its alarm status widget', () => {
    const [status] = widgets.filter((widget) => widget.type === 'alarm');
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(status!.properties.alarms).toHaveLength(alarms.length);
    expect(status!.properties.alarms).toHaveLength(stack.monitoring.alarms.length);
  });
});

describe('business alarms', () => {
  const topic = () => ({
    Ref: Object.keys(template.findResources('AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!,
  });
  const alarmNamed = (suffix: string): Record<string, any> => {
    const found = (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[]).filter(
      (alarm) => alarm.Properties.AlarmName === `AlertWhisperer-prod-${suffix}`,
    );
    expect(found).toHaveLength(1);
    return found[0]!.Properties;
  };
  const dimensions = (extra: Record<string, string> = {}) =>
    Object.entries({ service: POWERTOOLS_SERVICE_NAME, stage: 'prod', ...extra })
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => a.Name.localeCompare(b.Name));
  const common = (alarm: Record<string, any>) => {
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // The metrics are published only when something was counted: no data is "none".
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic()],
      OKActions: [topic()],
    });
  };

  it('Notifications-DeliveryFailures: 5 or more failed deliveries, all channels, in 15 minutes', () => {
    const alarm = alarmNamed('Notifications-DeliveryFailures');
    common(alarm);
    expect(alarm.Threshold).toBe(5);
    expect(ALARM_THRESHOLDS.notificationFailures.count).toBe(5);
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/operations\.md#notification-delivery-failures$/);
    const metrics = alarm.Metrics as Record<string, any>[];
    expect(metrics.filter((m) => m.ReturnData !== false)).toEqual([
      expect.objectContaining({
        Expression: 'FILL(email, 0) + FILL(slack, 0) + FILL(teams, 0) + FILL(sms, 0) + FILL(voice, 0) + FILL(webhook, 0)',
      }),
    ]);
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat);
    expect(stats).toHaveLength(DELIVERY_CHANNELS.length);
    for (const [i, channel] of DELIVERY_CHANNELS.entries()) {
      expect(stats[i]).toEqual({
        Metric: { Namespace: 'AlertWhisperer', MetricName: 'NotificationsFailed', Dimensions: dimensions({ channel }) },
        Period: 900,
        Stat: 'Sum',
      });
    }
  });

  it('Remediation-FailureSpike: 5 or more failed runbook executions in an hour', () => {
    const alarm = alarmNamed('Remediation-FailureSpike');
    common(alarm);
    expect(alarm).toMatchObject({
      Namespace: 'AlertWhisperer',
      MetricName: 'ExecutionsFinished',
      Dimensions: dimensions({ state: 'failed' }),
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 5,
    });
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/operations\.md#remediation-failure-spike$/);
  });

  it('Sla-BreachSpike: 5 or more SLA breaches in an hour', () => {
    const alarm = alarmNamed('Sla-BreachSpike');
    common(alarm);
    expect(alarm).toMatchObject({
      Namespace: 'AlertWhisperer',
      MetricName: 'SlaBreaches',
      Dimensions: dimensions(),
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 5,
    });
    expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/operations\.md#sla-breach-spike$/);
  });

  it('raises no "ingestion stopped" alarm (silence is normal for a small MSP; see docs/operations.md)', () => {
    const names = (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[]).map((a) => a.Properties.MetricName);
    expect(names).not.toContain('AlertsAccepted');
  });
});

describe('cdk-nag', () => {
  it('finds nothing in the stack with the dashboard and the business alarms', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
