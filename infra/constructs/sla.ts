import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, nagRef, nagRegion } from '../nag';
import { slaTimerLagMetric } from './business-metrics';
import { createCatalogFunctions, type SharedResources } from './functions';
import { grantSmsVoice, smsVoiceEnvironment, type SmsVoiceConfig } from './responders';
import { addEventRules } from './triggers';

export interface SlaNotificationsProps {
  shared: SharedResources;
  /** The SES identity emails come from (config sesSender); unset: email deliveries are recorded as failed. */
  sesSender?: string;
  /** The dashboard notifications link to. */
  dashboardUrl: string;
  /** Where the signed action links in notifications point (the HTTP API's URL). */
  actionLinkBaseUrl: string;
  smsVoice: SmsVoiceConfig;
}

/**
 * Timers fire up to a minute late by design (Scheduler's precision, and times are rounded up so they
 * never fire early): the alarm is for lateness beyond that.
 */
export const SLA_TIMER_MAX_LAG = Duration.minutes(3);

/**
 * The SLA and notifications capability: the `sla` function starts, moves and stops an
 * incident's SLA timers on its events, and is the target of those timers (one-time EventBridge
 * Scheduler schedules in a group of their own), where it warns, breaches and escalates, notifying by
 * SES email, Slack, Teams and the tenant's webhook. Scheduler invokes it through a role of its own;
 * the function may only create and delete schedules in its group and pass that role. Failed events and
 * timers land in watched dead-letter queues; the timers' lateness has an alarm.
 */
export class SlaNotifications extends Construct {
  readonly functions: { sla: NodejsFunction };
  readonly scheduleGroup: scheduler.CfnScheduleGroup;

  constructor(scope: Construct, id: string, props: SlaNotificationsProps) {
    super(scope, id);
    const { shared } = props;
    const { partition, region, account, stackName } = Stack.of(this);
    const removalPolicy = shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const deadLetterQueue = (name: string, what: string) => {
      const queue = new sqs.Queue(this, name, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      acknowledgeNag(queue, 'AwsSolutions-SQS3', `This queue is itself a dead-letter queue: ${what}.`);
      return queue;
    };
    const eventDeadLetters = deadLetterQueue('SlaEventDeadLetterQueue', 'incident events the sla function could not process');
    const timerDeadLetters = deadLetterQueue('SlaTimerDeadLetterQueue', 'SLA timers Scheduler could not deliver');

    const groupName = `${stackName}-sla`;
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'SlaTimerGroup', { name: groupName });
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': account } } }),
      description: 'EventBridge Scheduler: invokes the sla function when an SLA timer is due',
    });

    const { sla } = createCatalogFunctions(
      this,
      ['sla'] as const,
      {
        sla: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          SLA_SCHEDULE_GROUP: groupName,
          SLA_SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
          SLA_TIMER_DLQ_ARN: timerDeadLetters.queueArn,
          DASHBOARD_URL: props.dashboardUrl,
          ACTION_LINK_BASE_URL: props.actionLinkBaseUrl,
          AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn,
          ...smsVoiceEnvironment(props.smsVoice),
          ...(props.sesSender ? { SES_SENDER: props.sesSender } : {}),
        },
      },
      shared,
    );
    this.functions = { sla };

    grantSmsVoice(sla, props.smsVoice);
    sla.grantInvoke(schedulerRole);
    timerDeadLetters.grantSendMessages(schedulerRole);
    acknowledgeNag(
      schedulerRole,
      `AwsSolutions-IAM5[Resource::${nagRef(sla, 'Arn')}:*]`,
      'lambda:InvokeFunction on the sla function and its versions (the form CDK grants use).',
    );
    sla.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageSlaTimers',
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [`arn:${partition}:scheduler:${region}:${account}:schedule/${groupName}/*`],
      }),
    );
    sla.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PassTheSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledgeNag(
      sla.role!,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${nagRegion(this)}:<AWS::AccountId>:schedule/${groupName}/*]`,
      "Timers are created per incident: the wildcard is the schedules of this stack's own group only.",
    );
    if (props.sesSender) {
      const domain = props.sesSender.split('@')[1]!;
      sla.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'SendNotificationEmail',
          actions: ['ses:SendEmail'],
          // SES checks the sender's identity: the address itself, or its verified domain.
          resources: [
            `arn:${partition}:ses:${region}:${account}:identity/${props.sesSender}`,
            `arn:${partition}:ses:${region}:${account}:identity/${domain}`,
          ],
        }),
      );
    }

    sla.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(eventDeadLetters) });
    addEventRules(this, this.functions, shared.eventBus, {
      sla: { deadLetterQueue: eventDeadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) },
    });
    shared.monitoring.watchDeadLetterQueue('SlaEventDeadLetterQueue', eventDeadLetters, 'An incident change for the SLA clocks');
    shared.monitoring.watchDeadLetterQueue('SlaTimerDeadLetterQueue', timerDeadLetters, 'An SLA timer that Scheduler could not deliver');
    shared.monitoring.watchSlaTimerLag('SlaTimers', slaTimerLagMetric(shared.stage), SLA_TIMER_MAX_LAG);
  }
}
