import { Template } from 'aws-cdk-lib/assertions';
import { Automation } from '../../infra/constructs/automation';
import { APPROVAL_BACKSTOP_SECONDS, runbookExecutionAsl } from '../../infra/constructs/runbook-execution-definition';
import type { FunctionName } from '../../functions/catalog';
import { MAX_POLLS } from '../../lib/domain/remediation/step-contract';
import { functionId, nagFindings, sharedFixture } from './helpers';

type State = Record<string, any>;

function automation(bedrockModelId?: string) {
  const fixture = sharedFixture();
  const construct = new Automation(fixture.stack, 'Automation', { shared: fixture.shared, bedrockModelId });
  return { ...fixture, construct, template: Template.fromStack(fixture.stack) };
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

/** Every statement of the IAM policies attached to `roleLogicalId`. */
function statementsOf(template: Template, roleLogicalId: string): State[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as State[]);
}

function roleOf(template: Template, name: FunctionName): string {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, name)]!;
  return fn.Properties.Role['Fn::GetAtt'][0];
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
      if (state.Choices[0].Variable === '$.dryRun') return state.Default;
      return state.Choices[0].Next;
    });
    expect(happy).toEqual([
      'Init',
      'InitFields',
      'ApprovalRequired',
      'AwaitApproval',
      ...['PreChecks'].flatMap((s) => [`Send${s}`, `Wait${s}`, `Poll${s}`, `Count${s}`, `Check${s}`]),
      'DryRun?',
      ...['Commands', 'Verification'].flatMap((s) => [`Send${s}`, `Wait${s}`, `Poll${s}`, `Count${s}`, `Check${s}`]),
      'Verified',
      'RecordOutcome',
      'Succeeded?',
      'Succeeded',
    ]);
    expect(states.Verified!.Parameters.status).toBe('succeeded');
  });

  it('stops a dry run after its pre-checks', () => {
    expect(states['DryRun?']!.Choices).toEqual([{ Variable: '$.dryRun', BooleanEquals: true, Next: 'DryRunSucceeded' }]);
    expect(path('DryRunSucceeded', () => undefined).slice(0, 2)).toEqual(['DryRunSucceeded', 'RecordOutcome']);
  });

  it('invokes only the runbook step, and gives every Task a Retry and a Catch', () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(8);
    for (const [name, task] of tasks) {
      expect([name, task.Resource]).toEqual([name, expect.stringMatching(/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/)]);
      expect([name, task.Parameters.FunctionName]).toEqual([name, '${RunbookStepArn}']);
      expect([name, task.Retry?.length > 0]).toEqual([name, true]);
      expect([name, task.Catch?.some((c: State) => c.ErrorEquals.includes('States.ALL'))]).toEqual([name, true]);
    }
  });

  it('waits for approval with a task token; rejection and expiry each end in their own outcome', () => {
    const wait = states.AwaitApproval!;
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters.Payload).toMatchObject({ op: 'awaitApproval', 'taskToken.$': '$$.Task.Token' });
    expect(wait.TimeoutSeconds).toBe(APPROVAL_BACKSTOP_SECONDS);
    const catchOf = (error: string) => wait.Catch.find((c: State) => c.ErrorEquals.includes(error)).Next;
    expect(catchOf('ApprovalRejected')).toBe('ApprovalRejected');
    expect(catchOf('ApprovalExpired')).toBe('ApprovalExpired');
    expect(catchOf('States.Timeout')).toBe('ApprovalExpired');
    expect(states.ApprovalExpired).toMatchObject({ Parameters: { status: 'approval-expired' }, Next: 'RecordOutcome' });
    expect(states.ApprovalRejected).toMatchObject({ Parameters: { status: 'approval-rejected' }, Next: 'RecordOutcome' });
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
    expect(states.RolledBack!.Parameters['status.$']).toBe("States.Format('{}, rolled back', $.outcome.status)");
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

  it('records every outcome through the step, which resolves or routes the incident', () => {
    const record = states.RecordOutcome!;
    expect(record.Parameters.Payload).toMatchObject({
      op: 'recordOutcome',
      'outcome.$': '$.outcome',
      'current.$': '$.current',
      'startedAt.$': '$$.Execution.StartTime',
    });
    expect(record.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordingFailed' }]);
    const outcomes = Object.values(states).filter((s) => s.Type === 'Pass' && s.ResultPath === '$.outcome');
    for (const outcome of outcomes) expect(['RecordOutcome', 'RollbackNeeded']).toContain(outcome.Next);
  });
});

describe('Automation', () => {
  it('deploys a Standard JSONPath state machine with logging (without execution data) and tracing', () => {
    const { template } = automation();
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(1);
    const machine = machines[0]!;
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(JSON.parse(machine.Properties.DefinitionString).QueryLanguage).toBe('JSONPath');
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      RunbookStepArn: { 'Fn::GetAtt': [functionId(template, 'runbookStep'), 'Arn'] },
    });
  });

  it('gives the state machine role only the invocation of its step', () => {
    const { template, construct, stack } = automation();
    const roleId = stack.getLogicalId(construct.stateMachine.role.node.defaultChild as never);
    const actions = statementsOf(template, roleId).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'))).toEqual(['lambda:InvokeFunction']);
  });

  it('lets only the runbook step assume client remediation roles, and only remediate and the API start executions', () => {
    const { template } = automation();
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as State[]);
    const assume = all.filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(JSON.stringify(assume[0]!.Resource)).toContain(':iam::*:role/AlertWhispererRemediation*');
    const step = statementsOf(template, roleOf(template, 'runbookStep')).flatMap((s) => [s.Action].flat());
    expect(step).toEqual(expect.arrayContaining(['sts:AssumeRole', 'states:SendTaskSuccess', 'states:SendTaskFailure']));
    expect(step).not.toContain('states:StartExecution');
    const remediate = statementsOf(template, roleOf(template, 'remediate')).flatMap((s) => [s.Action].flat());
    expect(remediate).toContain('states:StartExecution');
    expect(remediate).not.toContain('sts:AssumeRole');
    expect(remediate.filter((a) => a.startsWith('bedrock:'))).toEqual([]);
    const sweep = statementsOf(template, roleOf(template, 'approvalSweep')).flatMap((s) => [s.Action].flat());
    expect(sweep).toEqual(expect.arrayContaining(['states:SendTaskFailure']));
    expect(sweep).not.toContain('states:StartExecution');
  });

  it('decides on every IncidentOpened event, with a watched dead-letter queue, and sweeps approvals every minute', () => {
    const { template } = automation();
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    const decide = rules.find((rule) => rule.Properties.EventPattern?.['detail-type']?.includes('IncidentOpened'))!;
    expect(decide.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [functionId(template, 'remediate'), 'Arn'] });
    expect(decide.Properties.Targets[0].DeadLetterConfig).toBeDefined();
    const sweep = rules.find((rule) => rule.Properties.ScheduleExpression === 'rate(1 minute)')!;
    expect(sweep.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [functionId(template, 'approvalSweep'), 'Arn'] });
  });

  it('lets remediate converse with the configured model only', () => {
    const { template } = automation('anthropic.claude-3-5-haiku-20241022-v1:0');
    const bedrock = statementsOf(template, roleOf(template, 'remediate')).filter((s) => [s.Action].flat().includes('bedrock:InvokeModel'));
    expect(bedrock).toHaveLength(1);
    expect(JSON.stringify(bedrock[0]!.Resource)).toContain('foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'remediate')]!;
    expect(fn.Properties.Environment.Variables.BEDROCK_MODEL_ID).toBe('anthropic.claude-3-5-haiku-20241022-v1:0');
  });

  it('passes cdk-nag', () => {
    expect(nagFindings(automation().stack)).toEqual([]);
    expect(nagFindings(automation('anthropic.claude-3-5-haiku-20241022-v1:0').stack)).toEqual([]);
    expect(nagFindings(automation('us.anthropic.claude-3-5-haiku-20241022-v1:0').stack)).toEqual([]);
  });
});
