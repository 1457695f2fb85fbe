import { Template } from 'aws-cdk-lib/assertions';
import { Reports } from '../../infra/constructs/reports';
import { functionId, nagFindings, sharedFixture } from './helpers';

type Statement = Record<string, any>;

/** The reports construct's grants for e-mailing reports on schedule: its own schedule group and Scheduler role, and SES. */
function reports(sesSender?: string) {
  const fixture = sharedFixture();
  new Reports(fixture.stack, 'Reports', { shared: fixture.shared, httpApi: fixture.httpApi, sesSender });
  return { ...fixture, template: Template.fromStack(fixture.stack) };
}

function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function functionStatements(template: Template): Statement[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'reports')]!;
  return statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0]);
}

describe('Reports: delivery by e-mail', () => {
  it('has a schedule group of its own, named in the function environment with the Scheduler role and the dead-letter queue', () => {
    const { template } = reports('reports@msp.example');
    const [group] = Object.values(template.findResources('AWS::Scheduler::ScheduleGroup'));
    expect(group!.Properties.Name).toBe('Fixture-reports');
    const variables = template.findResources('AWS::Lambda::Function')[functionId(template, 'reports')]!.Properties.Environment.Variables;
    expect(variables).toMatchObject({
      REPORT_SCHEDULE_GROUP: 'Fixture-reports',
      REPORT_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [expect.stringMatching(/ReportSchedulerRole/), 'Arn'] },
      REPORT_SCHEDULE_DLQ_ARN: { 'Fn::GetAtt': [expect.stringMatching(/ReportScheduleDeadLetterQueue/), 'Arn'] },
      SES_SENDER: 'reports@msp.example',
    });
  });

  it('lets Scheduler, and only Scheduler of this account, invoke the function and dead-letter through its role', () => {
    const { template } = reports();
    const [roleId, role] = Object.entries(template.findResources('AWS::IAM::Role')).find(([, candidate]) =>
      JSON.stringify(candidate.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
    const actions = statementsOfRole(template, roleId).flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort());
  });

  it("lets the function create, move and delete only its group's schedules, and pass the Scheduler role to Scheduler only", () => {
    const statements = functionStatements(reports().template);
    const manage = statements.find((statement) => statement.Sid === 'ManageReportSchedules')!;
    expect(manage.Action).toEqual(['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule']);
    expect(JSON.stringify(manage.Resource)).toContain(':schedule/Fixture-reports/*');
    const pass = statements.find((statement) => statement.Sid === 'PassTheReportSchedulerRole')!;
    expect(pass.Action).toBe('iam:PassRole');
    expect(pass.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/ReportSchedulerRole/), 'Arn'] });
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  });

  it('sends e-mail only as the configured sender (the address or its domain), and not at all without one', () => {
    const send = functionStatements(reports('reports@msp.example').template).find((statement) => statement.Sid === 'SendReportEmail')!;
    expect(send.Action).toBe('ses:SendEmail');
    const resources = JSON.stringify(send.Resource);
    expect(resources).toContain(':identity/reports@msp.example');
    expect(resources).toContain(':identity/msp.example');
    const without = functionStatements(reports().template).flatMap((statement) => [statement.Action].flat());
    expect(without).not.toContain('ses:SendEmail');
  });

  it('watches the dead-letter queue of undelivered schedules, where firings the function failed on land too', () => {
    const { template } = reports();
    const [config] = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(config!.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/ReportScheduleDeadLetterQueue/), 'Arn'] } } },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => JSON.stringify(alarm));
    expect(alarms.some((alarm) => alarm.includes('ReportScheduleDeadLetterQueue'))).toBe(true);
  });

  it('passes cdk-nag with the sender set', () => {
    expect(nagFindings(reports('reports@msp.example').stack)).toEqual([]);
  });
});
