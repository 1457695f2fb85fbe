import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Stage } from '../config';
import { businessMetric, businessMetricTotal, DELIVERY_CHANNELS, REPAIRED_PARTS } from './business-metrics';

/**
 * Every kind of alarm the stack raises, with the section of docs/operations.md that says what it means
 * and what to do. An alarm's description names its section, so the email an operator gets points there.
 */
export const ALARM_KINDS = {
  functionErrors: { suffix: 'Errors', runbook: 'function-errors' },
  functionThrottles: { suffix: 'Throttles', runbook: 'function-throttles' },
  deadLetterQueue: { suffix: 'DeadLetters', runbook: 'dead-letter-queue-not-empty' },
  queueAge: { suffix: 'OldestMessageAge', runbook: 'alert-queue-backlog' },
  httpApi5xx: { suffix: '5xx', runbook: 'http-api-5xx' },
  stateMachineFailures: { suffix: 'ExecutionsFailed', runbook: 'state-machine-failures' },
  slaTimerLag: { suffix: 'TimerLag', runbook: 'sla-timer-lag' },
  notificationFailures: { suffix: 'DeliveryFailures', runbook: 'notification-delivery-failures' },
  remediationFailures: { suffix: 'FailureSpike', runbook: 'remediation-failure-spike' },
  slaBreaches: { suffix: 'BreachSpike', runbook: 'sla-breach-spike' },
  incidentsRepaired: { suffix: 'Repaired', runbook: 'incidents-repaired' },
} as const;
export type AlarmKind = keyof typeof ALARM_KINDS;

/** The thresholds, in one place so that the tests and docs/operations.md can cite them. */
export const ALARM_THRESHOLDS = {
  /** Every operational alarm looks at 5-minute periods and fires on the first breaching one (the business alarms: below). */
  period: Duration.minutes(5),
  /** Any unhandled error: handlers turn bad input into 4xx answers or batch item failures, never errors. */
  functionErrors: 1,
  functionThrottles: 1,
  /** Any message in a dead-letter queue is an alert (or event) that was not processed. */
  deadLetters: 1,
  /** An alert waiting this long has not been correlated: the shortest SLA (critical, 30 min response) is at risk. */
  queueAge: Duration.minutes(5),
  /** 5xx answers in one period; single ones are left to the function alarms (errors, throttles). */
  httpApi5xx: 5,
  stateMachineFailures: 1,
  /**
   * Business alarms (watchBusinessMetrics) count over a longer window: single events are the product
   * working (a failed delivery is recorded and visible, a breach escalates); only their rate needs an operator.
   * Notification deliveries that failed, all channels together, in 15 minutes: one tenant's broken
   * webhook or a Slack blip makes one or two; five means a channel (SES, Slack, Teams) or a tenant's
   * settings fail every send, and people are not told about their incidents.
   */
  notificationFailures: { count: 5, period: Duration.minutes(15) },
  /**
   * Runbook executions that ended `failed` (or could not start) in an hour. Each one already raises
   * RunbookStateMachine-ExecutionsFailed; a runbook's circuit breaker stops auto-running it after 3
   * failures (default), so 5 in an hour means several runbooks or clients failing at once: the platform
   * (its role, SSM, a deployment), not one client.
   */
  remediationFailures: { count: 5, period: Duration.hours(1) },
  /**
   * SLA clocks breached (response or resolution) in an hour. Each breach already escalates to the
   * tenant's people; 5 in an hour (at least 3 incidents: an incident has two clocks, hours apart) is more
   * than a staffed MSP misses, and usually means the warnings and escalations reach nobody (notifications
   * failing, on-call or escalation policies empty) or a mass outage needs more hands.
   */
  slaBreaches: { count: 5, period: Duration.hours(1) },
  /**
   * Any open incident the repair sweep had to give SLA clocks, a decision or its execution (every 5
   * minutes, for incidents older than 5): its events should have done it, so something upstream lost
   * work (a dead-lettered event, a consumer failing) even though the sweep caught it.
   */
  incidentsRepaired: { count: 1, period: Duration.minutes(15) },
} as const;

export interface MonitoringProps {
  stage: Stage;
  /** Encrypts the alarm topic; its key policy lets CloudWatch use it (infra/constructs/encryption.ts). */
  key: kms.IKey;
  /** Subscribed to the alarm topic by email when set. */
  alarmEmail?: string | undefined;
}

/**
 * Operational alarms and where they go: one SNS topic (KMS-encrypted, TLS only) with an optional email
 * subscription. The capabilities call the `watch*` methods for what they own, so every function, queue
 * and API is watched by construction. `watchStateMachine` and `watchSlaTimerLag` are the hooks the
 * automation and SLA capabilities call once their state machine and schedules exist;
 * `watchBusinessMetrics` the stack's, for the business metrics. What was watched is kept (`watched`)
 * for the CloudWatch dashboard (infra/constructs/observability-dashboard.ts).
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** What the `watch*` methods were given, by the name they were given: the operational widgets of the CloudWatch dashboard. */
  readonly watched: Watched = { functions: [], deadLetterQueues: [], queues: [], stateMachines: [], slaTimerLag: [] };
  readonly stage: Stage;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.stage = props.stage;
    this.prefix = Stack.of(this).stackName;
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Alert Whisperer (${props.stage}) operational alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one (which let this account's principals publish): say again
    // that this account's CloudWatch alarms may publish, or every alarm action fails "not authorized".
    const { account, region, partition } = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccountPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
  }

  /** Errors and throttles of one function. */
  watchFunction(name: string, fn: lambda.IFunction): void {
    this.watched.functions.push({ name, fn });
    const period = ALARM_THRESHOLDS.period;
    this.alarm(name, 'functionErrors', fn.metricErrors({ period, statistic: 'Sum' }), ALARM_THRESHOLDS.functionErrors, {
      meaning: `The ${name} function failed with an unhandled error (or timed out).`,
    });
    this.alarm(name, 'functionThrottles', fn.metricThrottles({ period, statistic: 'Sum' }), ALARM_THRESHOLDS.functionThrottles, {
      meaning: `Lambda refused to run the ${name} function: its reserved concurrency or the account's limit is reached.`,
    });
  }

  /** A dead-letter queue that is not empty. */
  watchDeadLetterQueue(name: string, queue: sqs.IQueue, what: string): void {
    this.watched.deadLetterQueues.push({ name, queue });
    const metric = queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_THRESHOLDS.period, statistic: 'Maximum' });
    this.alarm(name, 'deadLetterQueue', metric, ALARM_THRESHOLDS.deadLetters, {
      meaning: `${what} could not be processed and waits in the ${name} dead-letter queue (kept 14 days).`,
    });
  }

  /** The oldest message of a work queue is older than `maxAge`: its consumer is falling behind or failing. */
  watchQueueAge(name: string, queue: sqs.IQueue, maxAge: Duration = ALARM_THRESHOLDS.queueAge): void {
    this.watched.queues.push({ name, queue });
    const metric = queue.metricApproximateAgeOfOldestMessage({ period: ALARM_THRESHOLDS.period, statistic: 'Maximum' });
    this.alarm(name, 'queueAge', metric, maxAge.toSeconds(), {
      meaning: `A message has waited more than ${maxAge.toHumanString()} in the ${name} queue.`,
    });
  }

  /** Server errors (5xx) answered by an HTTP API, whatever their cause (function error, throttle, timeout). */
  watchHttpApi(name: string, api: apigwv2.IHttpApi): void {
    const metric = api.metricServerError({ period: ALARM_THRESHOLDS.period, statistic: 'Sum' });
    this.alarm(name, 'httpApi5xx', metric, ALARM_THRESHOLDS.httpApi5xx, {
      meaning: `The ${name} answered ${ALARM_THRESHOLDS.httpApi5xx} or more 5xx responses in 5 minutes.`,
    });
  }

  /**
   * Hook for the automation capability (the runbook state machine): executions that failed, timed out
   * or were aborted.
   */
  watchStateMachine(name: string, stateMachine: sfn.IStateMachine): void {
    this.watched.stateMachines.push({ name, stateMachine });
    const period = ALARM_THRESHOLDS.period;
    const metric = new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: stateMachine.metricFailed({ period, statistic: 'Sum' }),
        timedOut: stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        aborted: stateMachine.metricAborted({ period, statistic: 'Sum' }),
      },
      label: `${name} executions failed, timed out or aborted`,
      period,
    });
    this.alarm(name, 'stateMachineFailures', metric, ALARM_THRESHOLDS.stateMachineFailures, {
      meaning: `A ${name} execution failed, timed out or was aborted.`,
    });
  }

  /**
   * Hook for the SLA and notifications capability: `lag` is how late SLA timers fire (the handler's
   * start minus the schedule's due time, published as a metric by the timer function); the alarm fires
   * when its maximum exceeds `maxLag`.
   */
  watchSlaTimerLag(name: string, lag: cloudwatch.IMetric, maxLag: Duration): void {
    this.watched.slaTimerLag.push({ name, lag, maxLag });
    this.alarm(name, 'slaTimerLag', lag, maxLag.toSeconds(), {
      meaning: `${name} fired more than ${maxLag.toHumanString()} after its due time: SLA warnings and escalations are late.`,
    });
  }

  /**
   * Alarms on the business metrics (lib/observability.ts), for what needs an operator rather than a
   * technician: notifications failing, runbooks failing across the board, SLA breaches piling up.
   * Missing data is not breaching on purpose: the functions publish a count only when it is above 0, so
   * no data is "none failed". (No "ingestion stopped" alarm: see docs/operations.md, "Business alarms".)
   */
  watchBusinessMetrics(): void {
    const { notificationFailures, remediationFailures, slaBreaches, incidentsRepaired } = ALARM_THRESHOLDS;
    const noDataIsNone = cloudwatch.TreatMissingData.NOT_BREACHING;
    this.alarm(
      'Notifications',
      'notificationFailures',
      businessMetricTotal(this.stage, 'NotificationsFailed', DELIVERY_CHANNELS, {
        period: notificationFailures.period,
        label: 'Notification deliveries failed (all channels)',
      }),
      notificationFailures.count,
      {
        meaning: `${notificationFailures.count} or more notification deliveries (email, Slack, Teams, webhook) failed in ${notificationFailures.period.toHumanString()}.`,
      },
      noDataIsNone,
    );
    this.alarm(
      'Remediation',
      'remediationFailures',
      businessMetric(this.stage, 'ExecutionsFinished', 'failed', { period: remediationFailures.period }),
      remediationFailures.count,
      { meaning: `${remediationFailures.count} or more runbook executions failed in ${remediationFailures.period.toHumanString()}.` },
      noDataIsNone,
    );
    this.alarm(
      'Sla',
      'slaBreaches',
      businessMetric(this.stage, 'SlaBreaches', undefined, { period: slaBreaches.period }),
      slaBreaches.count,
      { meaning: `${slaBreaches.count} or more SLA clocks breached in ${slaBreaches.period.toHumanString()}.` },
      noDataIsNone,
    );
    this.alarm(
      'Repair',
      'incidentsRepaired',
      businessMetricTotal(this.stage, 'IncidentsRepaired', REPAIRED_PARTS, {
        period: incidentsRepaired.period,
        label: 'Open incidents repaired (SLA clocks, decisions, executions)',
      }),
      incidentsRepaired.count,
      {
        meaning: `The repair sweep gave ${incidentsRepaired.count} or more open incidents SLA clocks, a decision or their execution in ${incidentsRepaired.period.toHumanString()}: their events were lost or not acted on.`,
      },
      noDataIsNone,
    );
  }

  /**
   * `treatMissingData`: each caller's choice. The default, not breaching, because every metric watched
   * here is published only when something happened (an invocation, a message, a request, a count above 0).
   */
  private alarm(
    name: string,
    kind: AlarmKind,
    metric: cloudwatch.IMetric,
    threshold: number,
    text: { meaning: string },
    treatMissingData: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
  ): void {
    const { suffix, runbook } = ALARM_KINDS[kind];
    const alarm = new cloudwatch.Alarm(this, `${name}${suffix}`, {
      alarmName: `${this.prefix}-${name}-${suffix}`,
      alarmDescription: `${text.meaning} Runbook: docs/operations.md#${runbook}`,
      metric,
      threshold,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

/** What a Monitoring construct watches, for the dashboard (infra/constructs/observability-dashboard.ts). */
export interface Watched {
  functions: Array<{ name: string; fn: lambda.IFunction }>;
  deadLetterQueues: Array<{ name: string; queue: sqs.IQueue }>;
  /** Work queues watched for their oldest message's age. */
  queues: Array<{ name: string; queue: sqs.IQueue }>;
  stateMachines: Array<{ name: string; stateMachine: sfn.IStateMachine }>;
  slaTimerLag: Array<{ name: string; lag: cloudwatch.IMetric; maxLag: Duration }>;
}
