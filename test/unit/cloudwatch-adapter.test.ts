// The CloudWatch alarm adapters: the alarm JSON inside an SNS Notification (webhook `cloudwatch`) and the
// EventBridge "CloudWatch Alarm State Change" event.
// README: the sample envelopes in events/webhooks/cloudwatch carry placeholder Signature values (they are
// not signed by SNS); this adapter runs after verification, and test/unit/sns-verification.test.ts signs
// its own envelopes with a key and certificate made at test time.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import {
  alarmEventAccount,
  cloudWatchViaSnsAdapter,
  parseCloudWatchAlarmEvent,
  parseCloudWatchAlarmMessage,
  severityMarker,
} from '../../lib/ingest/cloudwatch';
import { normalizedAlertSchema } from '../../lib/domain/alert';

const RECEIVED_AT = new Date('2026-11-24T19:01:13.000Z');

function sample(path: string): any {
  return JSON.parse(readFileSync(new URL(`../../events/${path}`, import.meta.url), 'utf8'));
}

const firingEnvelope = sample('webhooks/cloudwatch/firing.json');
const resolvedEnvelope = sample('webhooks/cloudwatch/resolved.json');
const firingEvent = sample('eventbridge/cloudwatch-alarm-state-change.json');
const okEvent = sample('eventbridge/cloudwatch-alarm-state-change-ok.json');

const ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:acme-web-01-cpu-high';
const DEDUP_KEY = `cloudwatch:${ALARM_ARN}:i-0a1b2c3d4e5f60001`;

/** The alarm JSON of the firing sample, with changes. */
function alarm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...JSON.parse(firingEnvelope.Message), ...overrides };
}

function parseOne(message: unknown, messageId?: string) {
  const alerts = parseCloudWatchAlarmMessage(message, RECEIVED_AT, messageId);
  expect(alerts).toHaveLength(1);
  return alerts[0]!;
}

function event(detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...firingEvent, ...top, detail: { ...firingEvent.detail, ...detail } };
}

describe('cloudWatchViaSnsAdapter: the sample SNS notifications', () => {
  test('firing.json maps to one firing alert', () => {
    const alerts = cloudWatchViaSnsAdapter(firingEnvelope, RECEIVED_AT);
    expect(alerts).toEqual([
      {
        source: 'cloudwatch',
        status: 'firing',
        severity: 'high',
        assetRef: 'i-0a1b2c3d4e5f60001',
        signature: 'acme-web-01-cpu-high',
        message:
          'Threshold Crossed: 2 out of the last 2 datapoints [97.3 (24/11/26 18:56:00), 95.8 (24/11/26 18:51:00)] were greater than the threshold (90.0) (minimum 2 datapoints for OK -> ALARM transition).',
        labels: {
          state: 'ALARM',
          previousState: 'OK',
          namespace: 'AWS/EC2',
          metric: 'CPUUtilization',
          statistic: 'AVERAGE',
          comparisonOperator: 'GreaterThanThreshold',
          threshold: '90',
          'dimension.InstanceId': 'i-0a1b2c3d4e5f60001',
          region: 'us-east-1',
          regionName: 'US East (N. Virginia)',
          account: '111122223333',
          alarmArn: ALARM_ARN,
        },
        dedupKey: DEDUP_KEY,
        occurredAt: '2026-11-24T19:01:12.345Z',
        toolDeliveryId: 'sns:b5e8c1f0-6a2d-5c3e-9f4b-7d1a2e3f4a01',
      },
    ]);
    // What the adapter produces is a valid normalized alert (toolDeliveryId aside).
    const { toolDeliveryId: _id, ...normalized } = alerts[0]!;
    expect(normalizedAlertSchema.parse(normalized)).toEqual(normalized);
  });

  test('resolved.json is the OK transition of the same alarm: resolved, same dedup key', () => {
    const [firing] = cloudWatchViaSnsAdapter(firingEnvelope, RECEIVED_AT);
    const [resolved] = cloudWatchViaSnsAdapter(resolvedEnvelope, RECEIVED_AT);
    expect(resolved).toMatchObject({
      status: 'resolved',
      severity: 'high',
      assetRef: 'i-0a1b2c3d4e5f60001',
      signature: 'acme-web-01-cpu-high',
      occurredAt: '2026-11-24T19:19:40.118Z',
      toolDeliveryId: 'sns:c7f2d3a4-8b1e-5f6a-a0c9-1e2d3c4b5a02',
    });
    expect(resolved!.labels).toMatchObject({ state: 'OK', previousState: 'ALARM' });
    expect(resolved!.dedupKey).toBe(DEDUP_KEY);
    expect(resolved!.dedupKey).toBe(firing!.dedupKey);
  });

  test('a Message that is not JSON throws ZodError', () => {
    expect(() => cloudWatchViaSnsAdapter({ ...firingEnvelope, Message: 'Hello from the console' }, RECEIVED_AT)).toThrow(z.ZodError);
  });

  test('a Message that is JSON but not an alarm throws ZodError', () => {
    expect(() => cloudWatchViaSnsAdapter({ ...firingEnvelope, Message: '{"hello":"world"}' }, RECEIVED_AT)).toThrow(z.ZodError);
  });

  test.each<[string, unknown]>([
    ['a SubscriptionConfirmation', { ...firingEnvelope, Type: 'SubscriptionConfirmation' }],
    ['an envelope without MessageId', { ...firingEnvelope, MessageId: undefined }],
    ['the alarm JSON itself rather than an envelope', JSON.parse(firingEnvelope.Message)],
    ['a string', 'ALARM'],
  ])('%s throws ZodError', (_name, body) => {
    expect(() => cloudWatchViaSnsAdapter(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});

describe('parseCloudWatchAlarmMessage', () => {
  test('without a message id there is no toolDeliveryId', () => {
    expect(parseOne(alarm())).not.toHaveProperty('toolDeliveryId');
  });

  test('INSUFFICIENT_DATA stays firing, at severity info, labelled state=INSUFFICIENT_DATA, with the alarm dedup key', () => {
    const alert = parseOne(alarm({ NewStateValue: 'INSUFFICIENT_DATA', AlarmDescription: 'severity=critical' }));
    expect(alert.status).toBe('firing');
    expect(alert.severity).toBe('info');
    expect(alert.labels.state).toBe('INSUFFICIENT_DATA');
    expect(alert.dedupKey).toBe(DEDUP_KEY);
  });

  test.each([
    ['CPU high. severity=critical', 'critical'],
    ['CPU high (Severity: Warning)', 'medium'],
    ['[LOW] CPU high on a batch box', 'low'],
    ['[P1] page the on-call', 'critical'],
    ['see runbook [wiki] [info]', 'info'],
    ['severity=apocalyptic, no known level', 'high'],
    ['no marker at all', 'high'],
  ])('description %p gives severity %p', (description, severity) => {
    expect(parseOne(alarm({ AlarmDescription: description })).severity).toBe(severity);
  });

  test('a marker in the alarm name counts when the description has none', () => {
    expect(parseOne(alarm({ AlarmName: '[critical] acme-db-down', AlarmDescription: null })).severity).toBe('critical');
  });

  test('the description marker wins over the name marker', () => {
    expect(parseOne(alarm({ AlarmName: '[critical] acme-cpu', AlarmDescription: 'severity=low' })).severity).toBe('low');
  });

  test('OK carries the marked severity too', () => {
    expect(parseOne(alarm({ NewStateValue: 'OK', AlarmDescription: '[medium]' }))).toMatchObject({
      status: 'resolved',
      severity: 'medium',
    });
  });

  test('a marker word that is an Object.prototype property is ignored', () => {
    expect(parseOne(alarm({ AlarmDescription: 'severity=constructor [__proto__]' })).severity).toBe('high');
  });

  test('the asset is the dimension of highest priority, whatever the dimension order', () => {
    const trigger = {
      ...alarm().Trigger!,
      Namespace: 'AWS/ApplicationELB',
      Dimensions: [
        { name: 'AvailabilityZone', value: 'us-east-1a' },
        { name: 'TargetGroup', value: 'targetgroup/acme-web/6d0ecf831eec9f09' },
        { name: 'LoadBalancer', value: 'app/acme-alb/50dc6c495c0c9188' },
      ],
    };
    const alert = parseOne(alarm({ Trigger: trigger }));
    expect(alert.assetRef).toBe('app/acme-alb/50dc6c495c0c9188');
    expect(alert.dedupKey).toBe(`cloudwatch:${ALARM_ARN}:app/acme-alb/50dc6c495c0c9188`);
    expect(alert.labels).toMatchObject({
      'dimension.AvailabilityZone': 'us-east-1a',
      'dimension.TargetGroup': 'targetgroup/acme-web/6d0ecf831eec9f09',
      'dimension.LoadBalancer': 'app/acme-alb/50dc6c495c0c9188',
    });
  });

  test('InstanceId beats every other dimension', () => {
    const Dimensions = [
      { name: 'AutoScalingGroupName', value: 'acme-web-asg' },
      { name: 'InstanceId', value: 'i-0123' },
    ];
    expect(parseOne(alarm({ Trigger: { ...alarm().Trigger!, Dimensions } }))).toMatchObject({ assetRef: 'i-0123' });
    expect(parseOne(alarm({ Trigger: { ...alarm().Trigger!, Dimensions } })).hostless).toBeUndefined();
  });

  test('RDS: DBInstanceIdentifier', () => {
    const Dimensions = [{ name: 'DBInstanceIdentifier', value: 'acme-prod-db' }];
    expect(parseOne(alarm({ Trigger: { ...alarm().Trigger!, Namespace: 'AWS/RDS', Dimensions } })).assetRef).toBe('acme-prod-db');
  });

  test('without a known dimension the asset is the alarm ARN', () => {
    const alert = parseOne(alarm({ Trigger: { ...alarm().Trigger!, Dimensions: [{ name: 'Currency', value: 'USD' }] } }));
    // A billing alarm names no resource: host-less, shown by its alarm.
    expect(alert).toMatchObject({ assetRef: ALARM_ARN, hostless: true });
    expect(alert.dedupKey).toBe(`cloudwatch:${ALARM_ARN}:${ALARM_ARN}`);
    expect(alert.labels['dimension.Currency']).toBe('USD');
  });

  test('a composite alarm (no Trigger) maps with the alarm ARN as asset', () => {
    const { Trigger: _trigger, ...composite } = alarm({ AlarmRule: 'ALARM(cpu) AND ALARM(mem)' });
    const alert = parseOne(composite);
    expect(alert.assetRef).toBe(ALARM_ARN);
    expect(alert.labels).not.toHaveProperty('metric');
  });

  test('a metric math alarm takes its dimensions and metric from Trigger.Metrics', () => {
    const trigger = {
      Metrics: [
        { Expression: 'm1 * 100', Id: 'e1', Label: 'pct', ReturnData: true },
        {
          Id: 'm1',
          MetricStat: {
            Metric: {
              Dimensions: [{ value: 'acme-orders', name: 'QueueName' }],
              MetricName: 'ApproximateAgeOfOldestMessage',
              Namespace: 'AWS/SQS',
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: false,
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 300,
    };
    const alert = parseOne(alarm({ Trigger: trigger }));
    expect(alert.assetRef).toBe('acme-orders');
    expect(alert.labels).toMatchObject({
      namespace: 'AWS/SQS',
      metric: 'ApproximateAgeOfOldestMessage',
      'dimension.QueueName': 'acme-orders',
      threshold: '300',
    });
  });

  test('without AlarmArn the dedup key uses account, region and alarm name', () => {
    const { AlarmArn: _arn, ...old } = alarm({ Trigger: { ...alarm().Trigger!, Dimensions: [] } });
    const alert = parseOne(old);
    expect(alert.assetRef).toBe('acme-web-01-cpu-high');
    expect(alert.dedupKey).toBe('cloudwatch:111122223333:US East (N. Virginia):acme-web-01-cpu-high:acme-web-01-cpu-high');
    expect(alert.labels.region).toBe('US East (N. Virginia)');
  });

  test.each([
    ['2026-11-24T19:01:12.345+0000', '2026-11-24T19:01:12.345Z'],
    ['2026-11-24T20:01:12.345+0100', '2026-11-24T19:01:12.345Z'],
    ['2026-11-24T19:01:12.345+00:00', '2026-11-24T19:01:12.345Z'],
    ['2026-11-24T19:01:12Z', '2026-11-24T19:01:12.000Z'],
  ])('StateChangeTime %p is %p', (given, expected) => {
    expect(parseOne(alarm({ StateChangeTime: given })).occurredAt).toBe(expected);
  });

  test('without StateChangeTime the time received is used', () => {
    expect(parseOne(alarm({ StateChangeTime: undefined })).occurredAt).toBe(RECEIVED_AT.toISOString());
  });

  test('a very long state reason is cut to the message limit', () => {
    expect(parseOne(alarm({ NewStateReason: 'x'.repeat(5000) })).message).toHaveLength(4096);
  });

  test.each<[string, Record<string, unknown>]>([
    ['missing AlarmName', { AlarmName: undefined }],
    ['blank AlarmName', { AlarmName: '  ' }],
    ['missing AWSAccountId', { AWSAccountId: undefined }],
    ['unknown NewStateValue', { NewStateValue: 'PANIC' }],
    ['lower-case NewStateValue', { NewStateValue: 'alarm' }],
    ['unparseable StateChangeTime', { StateChangeTime: 'yesterday' }],
    ['StateChangeTime without a time', { StateChangeTime: '2026-11-24' }],
    ['Dimensions not an array', { Trigger: { Dimensions: { InstanceId: 'i-1' } } }],
    ['Threshold as text', { Trigger: { Threshold: 'ninety' } }],
  ])('%s throws ZodError', (_name, overrides) => {
    expect(() => parseCloudWatchAlarmMessage(alarm(overrides), RECEIVED_AT)).toThrow(z.ZodError);
  });

  test.each([[null], ['ALARM'], [[]], [42]])('%p throws ZodError', (body) => {
    expect(() => parseCloudWatchAlarmMessage(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});

describe('parseCloudWatchAlarmEvent: the EventBridge samples', () => {
  test('the firing event maps like the SNS notification of the same alarm', () => {
    const [alert] = parseCloudWatchAlarmEvent(firingEvent, RECEIVED_AT);
    expect(alert).toEqual({
      source: 'cloudwatch',
      status: 'firing',
      severity: 'high',
      assetRef: 'i-0a1b2c3d4e5f60001',
      signature: 'acme-web-01-cpu-high',
      message:
        'Threshold Crossed: 2 out of the last 2 datapoints [97.3 (24/11/26 18:56:00), 95.8 (24/11/26 18:51:00)] were greater than the threshold (90.0) (minimum 2 datapoints for OK -> ALARM transition).',
      labels: {
        state: 'ALARM',
        previousState: 'OK',
        namespace: 'AWS/EC2',
        metric: 'CPUUtilization',
        statistic: 'Average',
        'dimension.InstanceId': 'i-0a1b2c3d4e5f60001',
        region: 'us-east-1',
        account: '111122223333',
        alarmArn: ALARM_ARN,
      },
      dedupKey: DEDUP_KEY,
      occurredAt: '2026-11-24T19:01:12.345Z',
      toolDeliveryId: 'eventbridge:0e7c8a52-3f1d-8b6e-2c4a-9d0f1e2a3b4c',
    });
    // The same alarm arriving by SNS correlates with it.
    expect(alert!.dedupKey).toBe(cloudWatchViaSnsAdapter(firingEnvelope, RECEIVED_AT)[0]!.dedupKey);
  });

  test('the OK event resolves with the same dedup key', () => {
    const [alert] = parseCloudWatchAlarmEvent(okEvent, RECEIVED_AT);
    expect(alert).toMatchObject({
      status: 'resolved',
      severity: 'high',
      dedupKey: DEDUP_KEY,
      occurredAt: '2026-11-24T19:19:40.118Z',
      toolDeliveryId: 'eventbridge:5a9d2c71-6e4b-1f3a-8d7c-0b1e2f3a4b5d',
    });
    expect(alert!.labels.previousState).toBe('ALARM');
  });

  test('INSUFFICIENT_DATA: firing, info, labelled', () => {
    const [alert] = parseCloudWatchAlarmEvent(event({ state: { ...firingEvent.detail.state, value: 'INSUFFICIENT_DATA' } }), RECEIVED_AT);
    expect(alert).toMatchObject({ status: 'firing', severity: 'info', labels: { state: 'INSUFFICIENT_DATA' } });
  });

  test('a severity marker in configuration.description counts', () => {
    const detail = { configuration: { ...firingEvent.detail.configuration, description: 'severity=critical' } };
    expect(parseCloudWatchAlarmEvent(event(detail), RECEIVED_AT)[0]!.severity).toBe('critical');
  });

  test('dimensions come from every metricStat; priority picks the asset', () => {
    const metrics = [
      { id: 'e1', expression: 'm1 + m2', returnData: true },
      {
        id: 'm1',
        metricStat: { metric: { namespace: 'AWS/Lambda', name: 'Errors', dimensions: { Resource: 'acme-fn:live' } }, stat: 'Sum' },
      },
      {
        id: 'm2',
        metricStat: { metric: { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: 'acme-fn' } }, stat: 'Sum' },
      },
    ];
    const [alert] = parseCloudWatchAlarmEvent(event({ configuration: { metrics } }), RECEIVED_AT);
    expect(alert!.assetRef).toBe('acme-fn');
    expect(alert!.labels).toMatchObject({ metric: 'Errors', 'dimension.Resource': 'acme-fn:live', 'dimension.FunctionName': 'acme-fn' });
  });

  test('a composite alarm (no metrics) uses the alarm ARN', () => {
    const [alert] = parseCloudWatchAlarmEvent(event({ configuration: { alarmRule: 'ALARM(a) OR ALARM(b)' } }), RECEIVED_AT);
    expect(alert!.assetRef).toBe(ALARM_ARN);
  });

  test('without a state timestamp the event time is used', () => {
    const { timestamp: _t, ...state } = firingEvent.detail.state;
    expect(parseCloudWatchAlarmEvent(event({ state }), RECEIVED_AT)[0]!.occurredAt).toBe('2026-11-24T19:01:12.000Z');
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['another detail-type', {}, { 'detail-type': 'CloudWatch Alarm Configuration Change' }],
    ['another source', {}, { source: 'aws.ec2' }],
    ['missing id', {}, { id: undefined }],
    ['missing account', {}, { account: undefined }],
    ['unknown state', { state: { value: 'PANIC', timestamp: '2026-11-24T19:01:12.345+0000' } }, {}],
    ['missing alarmName', { alarmName: undefined }, {}],
    ['dimensions as an array', { configuration: { metrics: [{ metricStat: { metric: { dimensions: [{ name: 'InstanceId' }] } } }] } }, {}],
  ])('%s throws ZodError', (_name, detail, top) => {
    expect(() => parseCloudWatchAlarmEvent(event(detail, top), RECEIVED_AT)).toThrow(z.ZodError);
  });
});

describe('alarmEventAccount', () => {
  test('is the account of the event', () => {
    expect(alarmEventAccount(firingEvent)).toBe('111122223333');
  });

  test.each<[string, unknown]>([
    ['an event without account', { ...firingEvent, account: undefined }],
    ['an event of another source', { ...firingEvent, source: 'aws.ec2' }],
    ['not an object', 'aws.cloudwatch'],
  ])('%s throws ZodError', (_name, body) => {
    expect(() => alarmEventAccount(body)).toThrow(z.ZodError);
  });
});

describe('severityMarker', () => {
  test('skips missing texts and reads them in order', () => {
    expect(severityMarker(undefined, null, 'x [minor]', 'severity=critical')).toBe('low');
  });

  test('nothing found is undefined', () => {
    expect(severityMarker('CPU high', '[web]')).toBeUndefined();
  });
});
