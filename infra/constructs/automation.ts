import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  MAX_POLLS,
  POLL_INTERVAL_SECONDS,
  REMEDIATION_ROLE_PREFIX,
  SSM_FAILURE_STATUSES,
  type SectionName,
} from '../../lib/remediation/step-contract';
import { acknowledgeNag, nagRef } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import { addEventRules, addSchedules } from './triggers';

/**
 * The runbook execution state machine (SPEC sections 1 and 5), as an Amazon States Language object in
 * the JSONPath query language, built here in TypeScript so that the local Step Functions emulator
 * interprets the very same definition (`runbookExecutionAsl()` with its `${RunbookStepArn}`
 * substitution).
 *
 * Cross-account design. A Task's `Credentials` field takes only a `RoleArn` (the TaskCredentials API
 * type has no external id), and no SDK integration accepts credentials returned by an earlier
 * `aws-sdk:sts:assumeRole` task (passing them through the state would also write them into the
 * execution history and logs). So every side effect goes through one thin "runbook step" Lambda
 * invoked with `lambda:invoke` (contract: lib/remediation/step-contract.ts): assume the client's role
 * with the tenant's external id, SSM SendCommand and GetCommandInvocation, store the approval request
 * with its task token, record the outcome. The state machine keeps the whole control flow: approval
 * wait, the Wait/Choice poll loop per section, verification, rollback. Only that function may assume
 * `AlertWhispererRemediation*` roles.
 *
 * Input: RunbookExecutionInput (lib/remediation/step-contract.ts), already validated and rendered.
 */

/** Placeholders of the definition, replaced by CDK (DefinitionSubstitutions) or by the local emulator. */
export const RUNBOOK_SUBSTITUTIONS = ['RunbookStepArn'] as const;
export type RunbookSubstitution = (typeof RUNBOOK_SUBSTITUTIONS)[number];

type State = Record<string, unknown>;

/** The longest approval expiry a policy allows (24 h) plus two sweep intervals: a timeout only when the sweep is down. */
export const APPROVAL_BACKSTOP_SECONDS = 24 * 3600 + 120;

/** Retry for throttling and transient Lambda errors, on every Task. */
const RETRY = [
  {
    ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  // The step rethrows throttling and 5xx errors of SSM, STS and DynamoDB under this name.
  { ErrorEquals: ['TransientError'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: 'FULL' },
];

const TARGET = {
  'accountId.$': '$.target.accountId',
  'region.$': '$.target.region',
  'roleArn.$': '$.target.roleArn',
  'externalId.$': '$.target.externalId',
  'instanceIds.$': '$.target.instanceIds',
  'documentName.$': '$.target.documentName',
};

const cap = (section: SectionName) => section[0]!.toUpperCase() + section.slice(1);

/** An outcome-setting Pass state. */
function outcome(status: string, next: string): State {
  return { Type: 'Pass', Parameters: { status, 'failedSection.$': '$.current.section' }, ResultPath: '$.outcome', Next: next };
}

function rollbackOutcome(result: string): State {
  return {
    Type: 'Pass',
    Parameters: { 'status.$': `States.Format('{}, ${result}', $.outcome.status)`, 'failedSection.$': '$.outcome.failedSection' },
    ResultPath: '$.outcome',
    Next: 'RecordOutcome',
  };
}

/** A `lambda:invoke` of the runbook step. */
function invokeStep(payload: State, fields: Partial<State> & { Next?: string }, onError: string): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: '${RunbookStepArn}', Payload: payload },
    TimeoutSeconds: 60,
    Retry: RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: onError }],
    ...fields,
  };
}

/**
 * Send one section, then Wait / Poll / Count / Choice until SSM reports a terminal status or MAX_POLLS
 * polls have been made. A Task error (after its retries) counts as the section failing.
 */
function sectionStates(section: SectionName, onSuccess: string, onFailure: string): Record<string, State> {
  const name = cap(section);
  return {
    [`Send${name}`]: invokeStep(
      {
        op: 'sendCommand',
        section,
        'executionId.$': '$.executionId',
        target: TARGET,
        'lines.$': `$.sections.${section}`,
        'timeoutSeconds.$': '$.timeoutSeconds',
      },
      {
        ResultSelector: { section, 'commandId.$': '$.Payload.commandId', polls: 0, status: 'Pending', output: '' },
        ResultPath: '$.current',
        Next: `Wait${name}`,
      },
      onFailure,
    ),
    [`Wait${name}`]: { Type: 'Wait', Seconds: POLL_INTERVAL_SECONDS, Next: `Poll${name}` },
    [`Poll${name}`]: invokeStep(
      { op: 'getCommandInvocation', 'executionId.$': '$.executionId', target: TARGET, 'commandId.$': '$.current.commandId' },
      { ResultSelector: { 'status.$': '$.Payload.status', 'output.$': '$.Payload.output' }, ResultPath: '$.poll', Next: `Count${name}` },
      onFailure,
    ),
    [`Count${name}`]: {
      Type: 'Pass',
      Parameters: {
        section,
        'commandId.$': '$.current.commandId',
        'polls.$': 'States.MathAdd($.current.polls, 1)',
        'status.$': '$.poll.status',
        'output.$': '$.poll.output',
      },
      ResultPath: '$.current',
      Next: `Check${name}`,
    },
    [`Check${name}`]: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.current.status', StringEquals: 'Success', Next: onSuccess },
        { Or: SSM_FAILURE_STATUSES.map((status) => ({ Variable: '$.current.status', StringEquals: status })), Next: onFailure },
        { Variable: '$.current.polls', NumericGreaterThanEquals: MAX_POLLS, Next: onFailure },
      ],
      Default: `Wait${name}`,
    },
  };
}

/** The RunbookExecution definition (JSONPath), with the `${RunbookStepArn}` placeholder. */
export function runbookExecutionAsl(): Record<string, unknown> {
  const ids = {
    'tenantId.$': '$.tenantId',
    'incidentId.$': '$.incidentId',
    'executionId.$': '$.executionId',
    'runbookId.$': '$.runbookId',
  };
  return {
    Comment: 'Alert Whisperer runbook execution: approval, pre-checks, commands, verification, rollback, record.',
    QueryLanguage: 'JSONPath',
    StartAt: 'Init',
    States: {
      // Every path read later exists from the start (a missing path is a States.Runtime error).
      Init: {
        Type: 'Pass',
        Parameters: {
          current: { section: 'none', commandId: '', polls: 0, status: 'NotStarted', output: '' },
          error: { Error: '', Cause: '' },
        },
        ResultPath: '$.run',
        Next: 'InitFields',
      },
      InitFields: {
        Type: 'Pass',
        Parameters: {
          ...ids,
          'readOnly.$': '$.readOnly',
          'dryRun.$': '$.dryRun',
          'approval.$': '$.approval',
          'target.$': '$.target',
          'timeoutSeconds.$': '$.timeoutSeconds',
          'sections.$': '$.sections',
          'current.$': '$.run.current',
          'error.$': '$.run.error',
        },
        Next: 'ApprovalRequired',
      },
      ApprovalRequired: {
        Type: 'Choice',
        Choices: [{ Variable: '$.approval.required', BooleanEquals: true, Next: 'AwaitApproval' }],
        Default: 'SendPreChecks',
      },
      // The step stores the request with the token; the approvals API answers SendTaskSuccess, or
      // SendTaskFailure with error "ApprovalRejected"; the approval sweep fails it with "ApprovalExpired"
      // once the request's own expiry (tenant policy) passes. TimeoutSeconds is only a backstop.
      AwaitApproval: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: '${RunbookStepArn}', Payload: { op: 'awaitApproval', ...ids, 'taskToken.$': '$$.Task.Token' } },
        TimeoutSeconds: APPROVAL_BACKSTOP_SECONDS,
        ResultPath: null,
        Retry: RETRY,
        Catch: [
          { ErrorEquals: ['ApprovalExpired', 'States.Timeout'], ResultPath: '$.error', Next: 'ApprovalExpired' },
          { ErrorEquals: ['ApprovalRejected'], ResultPath: '$.error', Next: 'ApprovalRejected' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SetErrorOutcome' },
        ],
        Next: 'SendPreChecks',
      },
      ApprovalExpired: outcome('approval-expired', 'RecordOutcome'),
      ApprovalRejected: outcome('approval-rejected', 'RecordOutcome'),

      ...sectionStates('preChecks', 'DryRun?', 'PreChecksFailed'),
      // Pre-checks change nothing: no rollback.
      PreChecksFailed: outcome('prechecks-failed', 'RecordOutcome'),
      'DryRun?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.dryRun', BooleanEquals: true, Next: 'DryRunSucceeded' }],
        Default: 'SendCommands',
      },
      DryRunSucceeded: outcome('dry-run-succeeded', 'RecordOutcome'),
      ...sectionStates('commands', 'SendVerification', 'CommandsFailed'),
      CommandsFailed: outcome('commands-failed', 'RollbackNeeded'),
      ...sectionStates('verification', 'Verified', 'VerificationFailed'),
      VerificationFailed: outcome('verification-failed', 'RollbackNeeded'),
      Verified: outcome('succeeded', 'RecordOutcome'),

      // A read-only runbook has no rollback.
      RollbackNeeded: {
        Type: 'Choice',
        Choices: [{ Variable: '$.readOnly', BooleanEquals: true, Next: 'RecordOutcome' }],
        Default: 'SendRollback',
      },
      ...sectionStates('rollback', 'RolledBack', 'RollbackFailed'),
      // The status says both what failed and how the rollback went; `current` is then the rollback's run.
      RolledBack: rollbackOutcome('rolled back'),
      RollbackFailed: rollbackOutcome('rollback failed'),

      // The failure-recording state every other Catch leads to.
      SetErrorOutcome: outcome('error', 'RecordOutcome'),
      // Records the execution on the incident (status, output truncated, duration), then resolves the
      // incident on success or routes it to a technician, audits and publishes.
      RecordOutcome: invokeStep(
        {
          op: 'recordOutcome',
          ...ids,
          'outcome.$': '$.outcome',
          'current.$': '$.current',
          'error.$': '$.error',
          'startedAt.$': '$$.Execution.StartTime',
        },
        { ResultPath: null, Next: 'Succeeded?' },
        'RecordingFailed',
      ),
      'Succeeded?': {
        Type: 'Choice',
        Choices: [
          {
            Or: ['succeeded', 'dry-run-succeeded'].map((status) => ({ Variable: '$.outcome.status', StringEquals: status })),
            Next: 'Succeeded',
          },
        ],
        Default: 'Failed',
      },
      Succeeded: { Type: 'Succeed' },
      Failed: { Type: 'Fail', Error: 'RunbookFailed', Cause: 'The runbook execution did not succeed: see the incident.' },
      RecordingFailed: { Type: 'Fail', Error: 'RecordingFailed', Cause: 'The outcome could not be recorded.' },
    },
  };
}

export interface AutomationProps {
  shared: SharedResources;
  /** Client-account role name prefix the runbook step may assume (default REMEDIATION_ROLE_PREFIX). */
  remediationRolePrefix?: string;
  /** A Bedrock model (or inference profile) id for AI advice; none: decisions use the rules alone. */
  bedrockModelId?: string;
}

type AutomationFunction = 'remediate' | 'runbookStep' | 'approvalSweep';

/**
 * The automation capability (SPEC section 5): the remediation decision per new incident (`remediate`,
 * on IncidentOpened), the RunbookExecution state machine (Standard, JSONPath, logs without execution
 * data, which holds command output, and X-Ray tracing) with its one Task function (`runbookStep`, the
 * only code that assumes client roles), and the approval sweep. Failed decisions land in a watched
 * dead-letter queue; failed, timed-out or aborted executions raise an alarm.
 */
export class Automation extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<AutomationFunction, NodejsFunction>;
  readonly decisionDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AutomationProps) {
    super(scope, id);
    const { shared } = props;
    const { partition } = Stack.of(this);
    const withBus = { TABLE_NAME: shared.table.tableName, AW_STAGE: shared.stage, EVENT_BUS_NAME: shared.eventBus.eventBusName };
    // The state machine names its step, and `remediate` names the state machine: the step first.
    const { runbookStep, approvalSweep } = createCatalogFunctions(
      this,
      ['runbookStep', 'approvalSweep'] as const,
      { automation: withBus },
      shared,
    );

    const logGroup = new logs.LogGroup(this, 'RunbookExecutionLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'RunbookExecutionRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Runbook execution state machine: invokes the runbook step (nothing else).',
    });
    this.stateMachine = new sfn.StateMachine(this, 'RunbookExecution', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(runbookExecutionAsl())),
      definitionSubstitutions: { RunbookStepArn: runbookStep.functionArn } satisfies Record<RunbookSubstitution, string>,
      role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      // Approval (24 h at most) plus four sections at their poll bound, with room to spare.
      timeout: Duration.hours(36),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeRunbookStep',
        actions: ['lambda:InvokeFunction'],
        resources: [runbookStep.functionArn, `${runbookStep.functionArn}:*`],
      }),
    );

    const { remediate } = createCatalogFunctions(
      this,
      ['remediate'] as const,
      {
        remediation: {
          ...withBus,
          STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
          ...(props.bedrockModelId ? { BEDROCK_MODEL_ID: props.bedrockModelId } : {}),
        },
      },
      shared,
    );
    this.functions = { remediate, runbookStep, approvalSweep };
    this.stateMachine.grantStartExecution(remediate);
    // The step answers a token when the request was decided before it arrived; the sweep fails expired ones.
    // The step's grant is a policy of its own: in the function's default policy it would make a cycle
    // (function -> its default policy -> state machine -> function).
    new iam.Policy(this, 'RunbookStepTaskResponse', {
      roles: [runbookStep.role!],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
    this.stateMachine.grantTaskResponse(approvalSweep);
    if (props.bedrockModelId) this.allowAdviceModel(remediate, props.bedrockModelId);

    // Only the runbook step assumes the client's role (with the tenant's external id); SSM calls are
    // made with those credentials in the client account, never by the state machine's role.
    const prefix = props.remediationRolePrefix ?? REMEDIATION_ROLE_PREFIX;
    runbookStep.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeClientRemediationRole',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role/${prefix}*`],
      }),
    );
    acknowledgeNag(
      runbookStep.role!,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${prefix}*]`,
      "The client's account is known per execution only; the role name prefix is fixed by the onboarding template and each role requires the tenant's external id.",
    );
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::${nagRef(runbookStep, 'Arn')}:*]`,
      'lambda:InvokeFunction on the runbook step and its versions/aliases (the form CDK grants use).',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and the CloudWatch Logs delivery actions accept only Resource "*".',
    );

    this.decisionDeadLetterQueue = new sqs.Queue(this, 'DecisionDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      this.decisionDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the on-failure destination of remediate and the dead-letter queue of its EventBridge target.',
    );
    remediate.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.decisionDeadLetterQueue),
    });
    addEventRules(this, this.functions, shared.eventBus, {
      remediate: { deadLetterQueue: this.decisionDeadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) },
    });
    addSchedules(this, this.functions);
    shared.monitoring.watchDeadLetterQueue(
      'DecisionDeadLetterQueue',
      this.decisionDeadLetterQueue,
      "A new incident's remediation decision",
    );
    shared.monitoring.watchStateMachine('RunbookStateMachine', this.stateMachine);
  }

  /**
   * bedrock:InvokeModel (what Converse needs) on the configured model only. A cross-region inference
   * profile id (`us.`, `eu.`, `apac.`, `global.` prefix) also needs the foundation model in every region
   * the profile may route to.
   */
  private allowAdviceModel(fn: NodejsFunction, modelId: string): void {
    const { partition, region, account } = Stack.of(this);
    const profile = /^(?:us|eu|apac|global)\.(.+)$/.exec(modelId);
    const resources = profile
      ? [
          `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`,
          `arn:${partition}:bedrock:*::foundation-model/${profile[1]}`,
        ]
      : [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`];
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ConverseWithTheAdviceModel', actions: ['bedrock:InvokeModel'], resources }));
    if (profile) {
      acknowledgeNag(
        fn.role!,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[1]}]`,
        'A cross-region inference profile routes each call to the model in one of its regions, chosen by Bedrock; the model is named exactly.',
      );
    }
  }
}
