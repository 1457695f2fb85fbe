import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Automation, APPROVAL_TIMEOUT_SECONDS, MAX_POLLS, runbookExecutionAsl } from '../../infra/constructs/automation';
import { acknowledgeNag } from '../../infra/nag';
import { nagFindings, only, sharedFixture } from './helpers';

type State = Record<string, any>;

function automation() {
  const fixture = sharedFixture();
  // A stand-in for the runbook step (the real one is a catalog function).
  const runbookStep = new lambda.Function(fixture.stack, 'RunbookStep', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
  acknowledgeNag(
    runbookStep.role!,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'Test stand-in for the runbook step.',
  );
  acknowledgeNag(runbookStep, 'AwsSolutions-L1', 'Test stand-in for the runbook step.');
  const construct = new Automation(fixture.stack, 'Automation', {
    stage: fixture.config.stage,
    table: fixture.data.table,
    eventBus: fixture.messaging.eventBus,
    runbookStep,
    monitoring: fixture.monitoring,
  });
  return { ...fixture, construct, runbookStep, template: Template.fromStack(fixture.stack) };
}

const asl = runbookExecutionAsl() as { QueryLanguage: string; StartAt: string; States: Record<string, State> };
const states = asl.States;

/** The states visited from `start` following Next/Default/the first matching Choice rule on `pick`. */
function path(start: string, pick: (state: State, name: string) => string | undefined): string[] {
  const visited: string[] = [];
  let name: string | undefined = start;
  while (name && visited.length < 100) {
    visited.push(name);
    const state: State = states[name]!;
    name = pick(state, name) ?? state.Next ?? state.Default;
  }
  return visited;
}

describe('RunbookExecution definition', () => {
  it('uses JSONPath and every transition targets an existing state', () => {
    expect(asl.QueryLanguage).toBe('JSONPath');
    const targets = Object.values(states).flatMap((s) => [
      s.Next,
      s.Default,
      ...(s.Choices ?? []).map((c: State) => c.Next),
      ...(s.Catch ?? []).map((c: State) => c.Next),
    ]);
    for (const target of targets.filter(Boolean)) expect(Object.keys(states)).toContain(target);
  });

  it('runs approval, pre-checks, commands, verification and records the outcome, in that order', () => {
    const happy = path(asl.StartAt, (state) => {
      if (state.Type !== 'Choice') return undefined;
      if (state.Choices[0].Variable === '$.approval.required') return 'AwaitApproval';
      if (state.Choices[0].Variable === '$.current.status') return state.Choices[0].Next; // Success
      return state.Choices[0].Next;
    });
    expect(happy).toEqual([
      'Init',
      'InitFields',
      'ApprovalRequired',
      'AwaitApproval',
      ...['PreChecks', 'Commands', 'Verification'].flatMap((s) => [`Send${s}`, `Wait${s}`, `Poll${s}`, `Count${s}`, `Check${s}`]),
      'Verified',
      'RecordOutcome',
      'PublishOutcome',
      'Succeeded?',
      'Succeeded',
    ]);
    expect(states.Verified!.Parameters.detailType).toBe('ExecutionSucceeded');
  });

  it('gives every Task a Retry and a Catch', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(8);
    for (const [name, task] of tasks) {
      expect([name, task.Retry?.length > 0]).toEqual([name, true]);
      expect([name, task.Catch?.some((c: State) => c.ErrorEquals.includes('States.ALL'))]).toEqual([name, true]);
    }
  });

  it('waits for approval with a task token and a timeout that escalates', () => {
    const wait = states.AwaitApproval!;
    expect(wait.Resource).toBe('arn:aws:states:::events:putEvents.waitForTaskToken');
    expect(wait.TimeoutSeconds).toBe(APPROVAL_TIMEOUT_SECONDS);
    expect(wait.Parameters.Entries[0].Detail['taskToken.$']).toBe('$$.Task.Token');
    const onTimeout = wait.Catch.find((c: State) => c.ErrorEquals.includes('States.Timeout'));
    expect(path(onTimeout.Next, () => undefined).slice(0, 3)).toEqual(['EscalateExpiredApproval', 'ApprovalExpired', 'RecordOutcome']);
    expect(states.EscalateExpiredApproval!.Parameters.Entries[0].DetailType).toBe('ApprovalExpired');
    expect(states.ApprovalRequired!.Default).toBe('SendPreChecks');
  });

  it('rolls back failed commands or verification, except for read-only runbooks', () => {
    expect(states.CommandsFailed!.Next).toBe('RollbackNeeded');
    expect(states.VerificationFailed!.Next).toBe('RollbackNeeded');
    expect(states.PreChecksFailed!.Next).toBe('RecordOutcome');
    const choice = states.RollbackNeeded!;
    expect(choice.Choices).toEqual([{ Variable: '$.readOnly', BooleanEquals: true, Next: 'RecordOutcome' }]);
    expect(choice.Default).toBe('SendRollback');
    expect(states.CheckRollback!.Default).toBe('WaitRollback');
  });

  it('bounds every poll loop and fails the section on SSM failure statuses', () => {
    for (const section of ['PreChecks', 'Commands', 'Verification', 'Rollback']) {
      const check = states[`Check${section}`]!;
      expect(check.Choices).toContainEqual({ Variable: '$.current.polls', NumericGreaterThanEquals: MAX_POLLS, Next: expect.any(String) });
      const failures = check.Choices.find((c: State) => c.Or);
      expect(failures.Or.map((c: State) => c.StringEquals)).toEqual(expect.arrayContaining(['Failed', 'TimedOut', 'Cancelled']));
      expect(states[`Count${section}`]!.Parameters['polls.$']).toBe('States.MathAdd($.current.polls, 1)');
    }
  });

  it('records the outcome on the incident item and publishes it', () => {
    const record = states.RecordOutcome!;
    expect(record.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
    expect(record.Parameters.Key).toEqual({ pk: { 'S.$': "States.Format('T#{}#INC#{}', $.tenantId, $.incidentId)" }, sk: { S: 'INC' } });
    const fields = Object.keys(record.Parameters.ExpressionAttributeValues[':remediation'].M);
    expect(fields).toEqual(expect.arrayContaining(['status', 'output', 'startedAt', 'finishedAt']));
    expect(states.PublishOutcome!.Parameters.Entries[0]['DetailType.$']).toBe('$.outcome.detailType');
  });
});

describe('Automation', () => {
  it('deploys a Standard JSONPath state machine with logging and tracing', () => {
    const { template } = automation();
    const [, machine] = only(template, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
    expect(JSON.parse(machine.Properties.DefinitionString).QueryLanguage).toBe('JSONPath');
    expect(Object.keys(machine.Properties.DefinitionSubstitutions).sort()).toEqual(['EventBusName', 'RunbookStepArn', 'TableName']);
  });

  it('gives the state machine role only what the definition uses', () => {
    const { template, construct, stack } = automation();
    const roleId = stack.getLogicalId(construct.stateMachine.role.node.defaultChild as never);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as State[]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['lambda:InvokeFunction', 'dynamodb:UpdateItem', 'events:PutEvents']));
    expect(actions.filter((a) => /^(ssm|sts):/.test(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']);
  });

  it('lets only the runbook step assume client remediation roles', () => {
    const { template } = automation();
    const assume = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as State[])
      .filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(JSON.stringify(assume[0]!.Resource)).toContain(':iam::*:role/AlertWhispererRemediation*');
  });

  it('passes cdk-nag', () => {
    expect(nagFindings(automation().stack)).toEqual([]);
  });
});
