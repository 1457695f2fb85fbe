import * as z from 'zod';
import type { Severity } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import { jsonDepthExceeds, MAX_WEBHOOK_JSON_DEPTH, payloadTooDeep } from '../util/json-depth';
import { capLabels, severityFromWord, toUtcIso } from './normalize';

/**
 * CloudWatch alarms, by either route a client can set up:
 * - an SNS topic with an HTTPS subscription to `POST /v1/webhooks/cloudwatch`: the alarm JSON is the
 *   `Message` string of an SNS Notification (verified in ./sns before it gets here);
 * - an EventBridge rule for `source: aws.cloudwatch`, `detail-type: CloudWatch Alarm State Change`.
 * Both map one alarm state change onto one alert, with the same dedup key, so the same alarm seen by
 * both routes correlates as one.
 */

export const CLOUDWATCH_SOURCE = 'cloudwatch';

const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
type AlarmState = (typeof ALARM_STATES)[number];

/** The dimension whose value names the resource best, in this priority; without one the alarm ARN is the asset. */
export const ASSET_DIMENSIONS = [
  'InstanceId',
  'DBInstanceIdentifier',
  'DBClusterIdentifier',
  'LoadBalancer',
  'TargetGroup',
  'FunctionName',
  'CacheClusterId',
  'ClusterName',
  'ServiceName',
  'QueueName',
  'TableName',
  'BucketName',
  'AutoScalingGroupName',
  'VolumeId',
] as const;

/**
 * A severity the alarm's author wrote into its description or name: `severity=critical`
 * (or `severity: warning`), else a bracketed marker such as `[critical]` or `[P2]`. The description
 * is read before the name; unknown words are ignored.
 */
export function severityMarker(...texts: (string | null | undefined)[]): Severity | undefined {
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(/\bseverity\s*[=:]\s*"?([a-z0-9]+)/gi)) {
      const found = severityFromWord(match[1]!);
      if (found) return found;
    }
    for (const match of text.matchAll(/\[\s*([a-z0-9]+)\s*\]/gi)) {
      const found = severityFromWord(match[1]!);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * CloudWatch writes times as `2026-11-24T19:01:12.345+0000`: an offset without the colon, which
 * ISO 8601 allows in its basic format but `z.iso.datetime` does not. The colon is put in, the time
 * checked, and the instant returned in UTC with milliseconds.
 */
const awsTimestamp = z
  .string()
  .transform((value) => value.trim().replace(/(T[\d:.]+[+-]\d{2})(\d{2})$/, '$1:$2'))
  .pipe(z.iso.datetime({ offset: true }))
  .transform(toUtcIso);

const alarmName = z.string().trim().min(1).max(256);

// --- SNS: the alarm JSON inside the Notification's Message -------------------------------------------

const snsDimension = z.looseObject({ name: z.string().min(1), value: z.string() });

const snsTriggerSchema = z.looseObject({
  MetricName: z.string().nullish(),
  Namespace: z.string().nullish(),
  Statistic: z.string().nullish(),
  ExtendedStatistic: z.string().nullish(),
  Dimensions: z.array(snsDimension).nullish(),
  ComparisonOperator: z.string().nullish(),
  Threshold: z.number().nullish(),
  /** Metric math alarms list their metrics here instead of MetricName/Namespace/Dimensions. */
  Metrics: z
    .array(
      z.looseObject({
        Id: z.string().nullish(),
        Expression: z.string().nullish(),
        MetricStat: z
          .looseObject({
            Metric: z.looseObject({
              MetricName: z.string().nullish(),
              Namespace: z.string().nullish(),
              Dimensions: z.array(snsDimension).nullish(),
            }),
          })
          .nullish(),
      }),
    )
    .nullish(),
});

export const cloudWatchAlarmMessageSchema = z.looseObject({
  AlarmName: alarmName,
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().trim().min(1),
  NewStateValue: z.enum(ALARM_STATES),
  NewStateReason: z.string().nullish(),
  StateChangeTime: awsTimestamp.nullish(),
  /** A display name such as "US East (N. Virginia)", not the region code (that is in AlarmArn). */
  Region: z.string().nullish(),
  AlarmArn: z.string().trim().min(1).nullish(),
  OldStateValue: z.string().nullish(),
  /** Absent for composite alarms. */
  Trigger: snsTriggerSchema.nullish(),
});

// --- EventBridge: "CloudWatch Alarm State Change" -----------------------------------------------------

const eventStateSchema = z.looseObject({
  value: z.enum(ALARM_STATES),
  reason: z.string().nullish(),
  timestamp: awsTimestamp.nullish(),
});

export const cloudWatchAlarmEventSchema = z.looseObject({
  id: z.string().trim().min(1),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().trim().min(1),
  time: awsTimestamp,
  region: z.string().trim().min(1),
  resources: z.array(z.string()).default([]),
  detail: z.looseObject({
    alarmName,
    state: eventStateSchema,
    previousState: z.looseObject({ value: z.string() }).nullish(),
    configuration: z
      .looseObject({
        description: z.string().nullish(),
        /** Absent for composite alarms (they have alarmRule instead). */
        metrics: z
          .array(
            z.looseObject({
              id: z.string().nullish(),
              expression: z.string().nullish(),
              metricStat: z
                .looseObject({
                  metric: z.looseObject({
                    namespace: z.string().nullish(),
                    name: z.string().nullish(),
                    dimensions: z.record(z.string(), z.string()).nullish(),
                  }),
                  stat: z.string().nullish(),
                })
                .nullish(),
            }),
          )
          .nullish(),
      })
      .nullish(),
  }),
});

// --- The mapping both routes share ---------------------------------------------------------------------

interface AlarmFacts {
  alarmName: string;
  description?: string | null;
  account: string;
  /** The region code (us-east-1) when known, else what the payload gives. */
  region?: string | null;
  alarmArn?: string | null;
  state: AlarmState;
  previousState?: string | null;
  reason?: string | null;
  occurredAt: string;
  namespace?: string | null;
  metric?: string | null;
  statistic?: string | null;
  comparisonOperator?: string | null;
  threshold?: number | null;
  /** Dimension name to value, the first occurrence of each name kept. */
  dimensions: [string, string][];
  extraLabels?: Record<string, unknown>;
  toolDeliveryId?: string;
}

/** The region code of an ARN (`arn:aws:cloudwatch:us-east-1:111122223333:alarm:name`). */
function arnRegion(arn: string | null | undefined): string | undefined {
  const region = arn?.split(':')[3];
  return region ? region : undefined;
}

function pickAssetRef(dimensions: [string, string][]): string | undefined {
  for (const name of ASSET_DIMENSIONS) {
    const value = dimensions.find(([dimension, text]) => dimension === name && text.trim() !== '')?.[1];
    if (value) return value.trim().slice(0, 512);
  }
  return undefined;
}

function uniqueDimensions(pairs: [string, string][]): [string, string][] {
  const seen = new Map<string, string>();
  for (const [name, value] of pairs) if (!seen.has(name)) seen.set(name, value);
  return [...seen.entries()];
}

function toAlert(facts: AlarmFacts): AdaptedAlert {
  const dimensions = uniqueDimensions(facts.dimensions);
  const alarmId = facts.alarmArn ?? `${facts.account}:${facts.region ?? 'unknown-region'}:${facts.alarmName}`;
  const resource = pickAssetRef(dimensions);
  // No resource dimension (a billing or account-wide alarm): a host-less alert, shown by its alarm.
  const assetRef = resource ?? facts.alarmArn?.slice(0, 512) ?? facts.alarmName;
  // OK resolves the alert and carries the alarm's usual severity, so firing and resolved look alike.
  // INSUFFICIENT_DATA means CloudWatch cannot evaluate the alarm (the metric stopped reporting, an
  // agent or instance is gone, a new alarm has no data yet). That is worth seeing, since a dead metric
  // hides real problems, but it is not the alarm condition itself: it stays firing (an open question,
  // not a resolution, so it does not close an incident the alarm opened) at severity 'info', with
  // label state=INSUFFICIENT_DATA so an operator or a rule can tell it from a real breach.
  const severity: Severity = facts.state === 'INSUFFICIENT_DATA' ? 'info' : (severityMarker(facts.description, facts.alarmName) ?? 'high');
  const labels = capLabels({
    state: facts.state,
    previousState: facts.previousState,
    namespace: facts.namespace,
    metric: facts.metric,
    statistic: facts.statistic,
    comparisonOperator: facts.comparisonOperator,
    threshold: facts.threshold,
    ...Object.fromEntries(dimensions.map(([name, value]) => [`dimension.${name}`, value])),
    region: facts.region,
    account: facts.account,
    alarmArn: facts.alarmArn,
    ...facts.extraLabels,
  });
  const alert: AdaptedAlert = {
    source: CLOUDWATCH_SOURCE,
    status: facts.state === 'OK' ? 'resolved' : 'firing',
    severity,
    assetRef,
    ...(resource ? {} : { hostless: true as const }),
    signature: facts.alarmName,
    message: (facts.reason ?? '').slice(0, 4096),
    labels,
    dedupKey: `${CLOUDWATCH_SOURCE}:${alarmId}:${assetRef}`.slice(0, 1024),
    occurredAt: facts.occurredAt,
  };
  if (facts.toolDeliveryId) alert.toolDeliveryId = facts.toolDeliveryId;
  return alert;
}

/** The alarm JSON that CloudWatch publishes to SNS (the Message of the Notification). */
export function parseCloudWatchAlarmMessage(message: unknown, receivedAt: Date, messageId?: string): AdaptedAlert[] {
  const alarm = cloudWatchAlarmMessageSchema.parse(message);
  const trigger = alarm.Trigger ?? undefined;
  const mathMetric = trigger?.Metrics?.find((entry) => entry.MetricStat)?.MetricStat?.Metric;
  const dimensions: [string, string][] = [
    ...(trigger?.Dimensions ?? []).map((d): [string, string] => [d.name, d.value]),
    ...(trigger?.Metrics ?? []).flatMap((entry) =>
      (entry.MetricStat?.Metric.Dimensions ?? []).map((d): [string, string] => [d.name, d.value]),
    ),
  ];
  const regionCode = arnRegion(alarm.AlarmArn);
  return [
    toAlert({
      alarmName: alarm.AlarmName,
      description: alarm.AlarmDescription,
      account: alarm.AWSAccountId,
      region: regionCode ?? alarm.Region,
      alarmArn: alarm.AlarmArn,
      state: alarm.NewStateValue,
      previousState: alarm.OldStateValue,
      reason: alarm.NewStateReason,
      occurredAt: alarm.StateChangeTime ?? receivedAt.toISOString(),
      namespace: trigger?.Namespace ?? mathMetric?.Namespace,
      metric: trigger?.MetricName ?? mathMetric?.MetricName,
      statistic: trigger?.Statistic ?? trigger?.ExtendedStatistic,
      comparisonOperator: trigger?.ComparisonOperator,
      threshold: trigger?.Threshold,
      dimensions,
      // Keep the display name too when it is not the code ("US East (N. Virginia)").
      extraLabels: regionCode && alarm.Region && alarm.Region !== regionCode ? { regionName: alarm.Region } : {},
      ...(messageId ? { toolDeliveryId: `sns:${messageId}` } : {}),
    }),
  ];
}

/** An EventBridge "CloudWatch Alarm State Change" event. */
export function parseCloudWatchAlarmEvent(event: unknown, _receivedAt: Date): AdaptedAlert[] {
  const parsed = cloudWatchAlarmEventSchema.parse(event);
  const { detail } = parsed;
  const metrics = detail.configuration?.metrics ?? [];
  const stats = metrics.flatMap((entry) => (entry.metricStat ? [entry.metricStat] : []));
  const first = stats[0];
  const alarmArn = parsed.resources.find((arn) => arn.includes(':alarm:')) ?? parsed.resources[0];
  return [
    toAlert({
      alarmName: detail.alarmName,
      description: detail.configuration?.description,
      account: parsed.account,
      region: parsed.region,
      alarmArn,
      state: detail.state.value,
      previousState: detail.previousState?.value,
      reason: detail.state.reason,
      occurredAt: detail.state.timestamp ?? parsed.time,
      namespace: first?.metric.namespace,
      metric: first?.metric.name,
      statistic: first?.stat,
      dimensions: stats.flatMap((stat) => Object.entries(stat.metric.dimensions ?? {})),
      toolDeliveryId: `eventbridge:${parsed.id}`,
    }),
  ];
}

/**
 * The AWS account an EventBridge alarm event comes from: the tenant is looked up by it (the event
 * carries no API key). For events forwarded from the client's account to ours, `account` stays the
 * client's account. Throws ZodError when the event is not a CloudWatch alarm state change.
 */
export function alarmEventAccount(event: unknown): string {
  return cloudWatchAlarmEventSchema.pick({ account: true, source: true, 'detail-type': true }).parse(event).account;
}

/** An SNS Notification whose Message is JSON; the signature has been verified before (./sns). */
const snsNotificationSchema = z.looseObject({
  Type: z.literal('Notification'),
  MessageId: z.string().trim().min(1),
  Message: z.string().transform((text, ctx) => {
    // The alarm JSON inside the envelope: no deeper than a webhook body may be (checked before parsing).
    if (jsonDepthExceeds(text, MAX_WEBHOOK_JSON_DEPTH)) throw payloadTooDeep(MAX_WEBHOOK_JSON_DEPTH);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.issues.push({ code: 'custom', message: 'Message is not JSON (expected a CloudWatch alarm)', input: text });
      return z.NEVER;
    }
  }),
});

/**
 * The `cloudwatch` webhook format: an already verified SNS Notification envelope whose Message is the
 * alarm JSON. A Message that is not an alarm throws ZodError like any invalid payload.
 */
export const cloudWatchViaSnsAdapter: FormatAdapter = (body, receivedAt) => {
  const envelope = snsNotificationSchema.parse(body);
  return parseCloudWatchAlarmMessage(envelope.Message, receivedAt, envelope.MessageId);
};
