import { Template } from 'aws-cdk-lib/assertions';
import { SlaNotifications } from '../../infra/constructs/sla';
import { functionId, nagFindings, sharedFixture } from './helpers';

type Statement = Record<string, any>;

function sla(sesSender?: string) {
  const fixture = sharedFixture();
  const construct = new SlaNotifications(fixture.stack, 'SlaNotifications', {
    shared: fixture.shared,
    sesSender,
    dashboardUrl: 'https://dashboard.example.com',
    actionLinkBaseUrl: 'https://api.example.com/',
    smsVoice: {},
  });
  return { ...fixture, construct, template: Template.fromStack(fixture.stack) };
}

function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

describe('SlaNotifications', () => {
  it('tracks incident events and those that notify people, and is the target of its own schedule group', () => {
    const { template } = sla();
    const fn = functionId(template, 'sla');
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find((candidate) =>
      candidate.Properties.EventPattern?.['detail-type']?.includes('IncidentOpened'),
    )!;
    expect(rule.Properties.EventPattern['detail-type']).toEqual([
      'IncidentOpened',
      'IncidentUpdated',
      'IncidentResolved',
      'SlaPauseRequested',
      'SlaResumeRequested',
      'EscalationRequested',
      'IncidentAssigned',
      'ApprovalRequested',
      'ExecutionFinished',
      // The SLA notifications travel in these events (committed with the timer's change), and the repair sweep's requests.
      'SlaWarning',
      'IncidentEscalated',
      'IncidentRepairRequested',
      // A maintenance window starting or ending tells the tenant's admins.
      'MaintenanceStarted',
      'MaintenanceEnded',
      'MaintenanceScheduled',
      // A client's viewer asking for a callback tells the assignee (or the company's admins).
      'CallbackRequested',
    ]);
    expect(rule.Properties.Targets[0]).toMatchObject({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, DeadLetterConfig: expect.any(Object) });
    const [group] = Object.values(template.findResources('AWS::Scheduler::ScheduleGroup'));
    expect(group!.Properties.Name).toBe('Fixture-sla');
    const variables = template.findResources('AWS::Lambda::Function')[fn]!.Properties.Environment.Variables;
    expect(variables).toMatchObject({ SLA_SCHEDULE_GROUP: 'Fixture-sla', DASHBOARD_URL: 'https://dashboard.example.com' });
    expect(variables).not.toHaveProperty('SES_SENDER');
  });

  it('lets Scheduler, and only Scheduler of this account, invoke the function through its role', () => {
    const { template } = sla();
    const roles = template.findResources('AWS::IAM::Role');
    const [roleId, role] = Object.entries(roles).find(([, candidate]) =>
      JSON.stringify(candidate.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
    const actions = statementsOfRole(template, roleId).flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort());
  });

  it('lets the function manage only its group’s schedules and pass the Scheduler role to Scheduler only', () => {
    const { template } = sla();
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'sla')]!;
    const statements = statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0]);
    const manage = statements.find((statement) => statement.Sid === 'ManageSlaTimers')!;
    expect(manage.Action).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']);
    expect(JSON.stringify(manage.Resource)).toContain(':schedule/Fixture-sla/*');
    const pass = statements.find((statement) => statement.Sid === 'PassTheSchedulerRole')!;
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(statements.some((statement) => [statement.Action].flat().includes('ses:SendEmail'))).toBe(false);
  });

  it('may send email only from the configured identity, when there is one', () => {
    const { template } = sla('alerts@msp.example.com');
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'sla')]!;
    expect(fn.Properties.Environment.Variables.SES_SENDER).toBe('alerts@msp.example.com');
    const send = statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0]).find(
      (statement) => statement.Sid === 'SendNotificationEmail',
    )!;
    expect(JSON.stringify(send.Resource)).toContain('identity/alerts@msp.example.com');
    expect(JSON.stringify(send.Resource)).toContain('identity/msp.example.com');
  });

  it('watches both dead-letter queues and the timers’ lateness', () => {
    const { template } = sla();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.AlarmName as string);
    for (const name of ['SlaEventDeadLetterQueue-DeadLetters', 'SlaTimerDeadLetterQueue-DeadLetters', 'SlaTimers-TimerLag', 'sla-Errors']) {
      expect(alarms.some((alarm) => alarm.endsWith(name))).toBe(true);
    }
    const lag = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((alarm) =>
      (alarm.Properties.AlarmName as string).endsWith('SlaTimers-TimerLag'),
    )!;
    expect(lag.Properties).toMatchObject({ Namespace: 'AlertWhisperer', MetricName: 'SlaTimerLagSeconds', Threshold: 180 });
    expect(lag.Properties.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'service', Value: 'alert-whisperer' },
        { Name: 'stage', Value: expect.any(String) },
      ]),
    );
  });

  it('passes cdk-nag', () => {
    expect(nagFindings(sla().stack)).toEqual([]);
    expect(nagFindings(sla('alerts@msp.example.com').stack)).toEqual([]);
  });
});
