import { readFileSync } from 'node:fs';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { parseConfig } from '../../infra/config';
import { Encryption } from '../../infra/constructs/encryption';
import { ALARM_KINDS, ALARM_THRESHOLDS, Monitoring } from '../../infra/constructs/monitoring';
import { AlertWhispererStack } from '../../infra/stack';
import { alarmsOn, appWithoutBundling, functionId, nagFindings, only, type Resource } from './helpers';

let stack: AlertWhispererStack;
let template: Template;

beforeAll(() => {
  stack = new AlertWhispererStack(appWithoutBundling(), 'AlertWhisperer-prod', {
    config: parseConfig({ stage: 'prod', dashboardOrigin: 'https://dashboard.example.com', alarmEmail: 'noc@msp.example.com' }),
  });
  template = Template.fromStack(stack);
});

/** A bare stack with the key and a Monitoring construct, for the hooks no capability uses yet. */
function bareMonitoring(alarmEmail?: string): { stack: Stack; monitoring: Monitoring } {
  const bare = new Stack(appWithoutBundling(), 'Bare', { env: { region: 'us-east-1' } });
  const { key } = new Encryption(bare, 'Encryption', { stage: 'dev' });
  return { stack: bare, monitoring: new Monitoring(bare, 'Monitoring', { stage: 'dev', key, alarmEmail }) };
}

/** The alarm topic (the other topic is the SMS replies'). */
const alarmTopicId = (t: Template) => Object.keys(t.findResources('AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
const topicRef = (t: Template) => ({ Ref: alarmTopicId(t) });

describe('alarm topic', () => {
  it('is encrypted with the customer-managed key, accepts TLS only and emails alarmEmail', () => {
    const [keyId] = only(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The topic policy replaces the default one: this account's alarms must be allowed again.
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'noc@msp.example.com',
      TopicArn: topicRef(template),
    });
  });

  it('has no subscription without alarmEmail', () => {
    Template.fromStack(bareMonitoring().stack).resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('lets CloudWatch use the key, so that alarms can publish to the encrypted topic', () => {
    const [, key] = only(template, 'AWS::KMS::Key');
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });
});

describe('alarms', () => {
  const period = ALARM_THRESHOLDS.period.toSeconds();

  it.each(Object.keys(FUNCTIONS) as FunctionName[])('%s: errors and throttles, each >= 1 in 5 minutes', (name) => {
    const alarms = alarmsOn(template, 'FunctionName', { Ref: functionId(template, name) });
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(['Errors', 'Throttles']);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: period,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmName: `AlertWhisperer-prod-${name}-${alarm.Properties.MetricName}`,
      });
    }
  });

  it('watches every dead-letter queue for any message', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const deadLetterQueues = Object.keys(queues).filter((id) => /DeadLetterQueue/.test(id));
    expect(deadLetterQueues).toHaveLength(7); // alerts, alarm events, remediation decisions, SLA events, SLA timers, report schedules, the stream's Pipe
    for (const id of deadLetterQueues) {
      const alarms = alarmsOn(template, 'QueueName', { 'Fn::GetAtt': [id, 'QueueName'] });
      expect(alarms).toHaveLength(1);
      expect(alarms[0]!.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it("watches the alert queue's oldest message (5 minutes)", () => {
    // The alert queue is the one that redrives to a dead-letter queue.
    const [alertQueue] = Object.entries(template.findResources('AWS::SQS::Queue')).find(([, queue]) => queue.Properties.RedrivePolicy)!;
    const alarms = alarmsOn(template, 'QueueName', { 'Fn::GetAtt': [alertQueue, 'QueueName'] });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
      Threshold: ALARM_THRESHOLDS.queueAge.toSeconds(),
    });
  });

  it('watches the HTTP API for 5xx answers', () => {
    const [apiId] = Object.entries(template.findResources('AWS::ApiGatewayV2::Api')).find(
      ([, api]) => api.Properties.ProtocolType === 'HTTP',
    )!;
    const alarms = alarmsOn(template, 'ApiId', { Ref: apiId });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Threshold: 5 });
  });

  it('sends every alarm and its recovery to the topic, and names its runbook section', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // Errors and throttles per function; 7 dead-letter queues, the queue's age, API 5xx, the runbook state machine, SLA timer lag;
    // the 4 business alarms (notification failures, remediation failures, SLA breaches, repaired incidents).
    expect(alarms).toHaveLength(2 * Object.keys(FUNCTIONS).length + 15);
    expect(stack.monitoring.alarms).toHaveLength(alarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef(template)]);
      expect(alarm.Properties.OKActions).toEqual([topicRef(template)]);
      expect(alarm.Properties.AlarmDescription).toMatch(/Runbook: docs\/operations\.md#[a-z0-9-]+$/);
    }
  });
});

describe('hooks for the capabilities still to come', () => {
  it('watchStateMachine alarms on failed, timed-out and aborted executions together', () => {
    const { stack: bare, monitoring } = bareMonitoring();
    const stateMachine = new sfn.StateMachine(bare, 'Runbook', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(bare, 'Step')),
    });
    monitoring.watchStateMachine('RunbookStateMachine', stateMachine);
    const t = Template.fromStack(bare);
    const [, alarm] = only(t, 'AWS::CloudWatch::Alarm');
    expect(alarm.Properties.AlarmDescription).toContain('#state-machine-failures');
    expect(alarm.Properties.Threshold).toBe(1);
    const metrics = alarm.Properties.Metrics as Record<string, any>[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('failed + timedOut + aborted');
    expect(
      metrics
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat.Metric.MetricName)
        .sort(),
    ).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
  });

  it('watchSlaTimerLag alarms when the lag metric exceeds the allowed lag', () => {
    const { stack: bare, monitoring } = bareMonitoring();
    const lag = new cloudwatch.Metric({ namespace: 'AlertWhisperer', metricName: 'SlaTimerLagSeconds', statistic: 'Maximum' });
    monitoring.watchSlaTimerLag('SlaTimers', lag, Duration.minutes(2));
    const [, alarm] = only(Template.fromStack(bare), 'AWS::CloudWatch::Alarm');
    expect(alarm.Properties).toMatchObject({ MetricName: 'SlaTimerLagSeconds', Threshold: 120, Statistic: 'Maximum' });
    expect(alarm.Properties.AlarmDescription).toContain('#sla-timer-lag');
  });

  it('passes cdk-nag with the hooks in use', () => {
    const { stack: bare, monitoring } = bareMonitoring('noc@msp.example.com');
    monitoring.watchSlaTimerLag('SlaTimers', new cloudwatch.Metric({ namespace: 'X', metricName: 'Lag' }), Duration.minutes(2));
    expect(nagFindings(bare).filter((finding) => /SNS|KMS|CW/.test(finding))).toEqual([]);
  });
});

describe('docs/operations.md', () => {
  const operations = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  /** GitHub's anchor for a Markdown heading. */
  const anchor = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-');
  const anchors = new Set([...operations.matchAll(/^#{2,4} (.+)$/gm)].map((match) => anchor(match[1]!)));

  it.each(Object.entries(ALARM_KINDS))('has a section for %s alarms', (_kind, { runbook }) => {
    expect(anchors).toContain(runbook);
  });

  it('names every alarm the stack creates', () => {
    const names = (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[]).map((alarm) =>
      (alarm.Properties.AlarmName as string).replace('AlertWhisperer-prod-', ''),
    );
    for (const name of names) expect(operations).toContain(name);
  });
});
