import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, nagRef, nagRegion } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import type { PublicHttpApi } from './http-api';

export interface ReportsProps {
  shared: SharedResources;
  httpApi: PublicHttpApi;
  /** The SES identity report e-mails come from (config sesSender, as for notifications); unset: sends are recorded as failed. */
  sesSender?: string;
}

/**
 * The client reports capability: the `reports` function serves a company's service report (JSON, a
 * printable HTML page, a PDF it builds itself) and the MSP's branding on it (functions/catalog.ts sends
 * `/v1/reports` and `/v1/branding` to it). A function of its own: the PDF writer and the report's
 * sections would not fit the operator API's bundles (each within 1 MB).
 *
 * It also e-mails each company its report (lib/reports/delivery.ts): one EventBridge Scheduler schedule per
 * company, in a group of its own, invokes it through a role of its own when a report is due; the function
 * may only create, move and delete the schedules of that group, pass that role to Scheduler only, and send
 * e-mail as the configured SES identity. Invocations Scheduler could not deliver land in a watched
 * dead-letter queue.
 */
export class Reports extends Construct {
  readonly functions: { reports: NodejsFunction };

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    const { shared } = props;
    const { partition, region, account, stackName } = Stack.of(this);
    const scheduleDeadLetters = new sqs.Queue(this, 'ReportScheduleDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      scheduleDeadLetters,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: report schedules Scheduler could not deliver.',
    );
    const groupName = `${stackName}-reports`;
    new scheduler.CfnScheduleGroup(this, 'ReportScheduleGroup', { name: groupName });
    const schedulerRole = new iam.Role(this, 'ReportSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': account } } }),
      description: "EventBridge Scheduler: invokes the reports function when a company's report is due",
    });
    const { reports } = createCatalogFunctions(
      this,
      ['reports'] as const,
      {
        reports: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn,
          REPORT_SCHEDULE_GROUP: groupName,
          REPORT_SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
          REPORT_SCHEDULE_DLQ_ARN: scheduleDeadLetters.queueArn,
          ...(props.sesSender ? { SES_SENDER: props.sesSender } : {}),
        },
      },
      shared,
    );
    this.functions = { reports };
    props.httpApi.addCatalogRoutes(this.functions);

    reports.grantInvoke(schedulerRole);
    scheduleDeadLetters.grantSendMessages(schedulerRole);
    acknowledgeNag(
      schedulerRole,
      `AwsSolutions-IAM5[Resource::${nagRef(reports, 'Arn')}:*]`,
      'lambda:InvokeFunction on the reports function and its versions (the form CDK grants use).',
    );
    reports.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageReportSchedules',
        // Update: a company's schedule is moved to its next send rather than created again.
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [`arn:${partition}:scheduler:${region}:${account}:schedule/${groupName}/*`],
      }),
    );
    reports.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PassTheReportSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledgeNag(
      reports.role!,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${nagRegion(this)}:<AWS::AccountId>:schedule/${groupName}/*]`,
      "One schedule per company: the wildcard is the schedules of this stack's own report group only.",
    );
    if (props.sesSender) {
      const domain = props.sesSender.split('@')[1]!;
      reports.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'SendReportEmail',
          actions: ['ses:SendEmail'],
          // SES checks the sender's identity: the address itself, or its verified domain (as for notifications).
          resources: [
            `arn:${partition}:ses:${region}:${account}:identity/${props.sesSender}`,
            `arn:${partition}:ses:${region}:${account}:identity/${domain}`,
          ],
        }),
      );
    }
    // Scheduler invokes asynchronously: a firing the function failed on (Lambda's own retries included) lands in the same queue.
    reports.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(scheduleDeadLetters) });
    shared.monitoring.watchDeadLetterQueue(
      'ReportScheduleDeadLetterQueue',
      scheduleDeadLetters,
      'A report schedule that Scheduler could not deliver',
    );
  }
}
