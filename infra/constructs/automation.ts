import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../functions/catalog';
import type { Stage } from '../config';
import { acknowledgeNag, nagRef } from '../nag';
import type { Monitoring } from './monitoring';

/**
 * The runbook execution state machine (SPEC sections 1 and 5), as an Amazon States Language object in
 * the JSONPath query language, built here in TypeScript so that a local runner can interpret the very
 * same definition (`runbookExecutionAsl()`, with the `${...}` substitutions of RUNBOOK_SUBSTITUTIONS).
 *
 * Cross-account design. A Task's `Credentials` field takes only a `RoleArn` (the TaskCredentials API
 * type has no external id), and no SDK integration accepts credentials returned by an earlier
 * `aws-sdk:sts:assumeRole` task (passing them through the state would also write them into the
 * execution history and logs). So the three cross-account calls (assume the client's role with the
 * tenant's external id, SSM SendCommand, GetCommandInvocation) go through one thin "runbook step"
 * Lambda invoked with `lambda:invoke`; the state machine keeps the whole control flow (approval, the
 * Wait/Choice poll loop, verification, rollback, recording). The step's contract is RunbookStepRequest
 * and RunbookStepResult below; only that function may assume `AlertWhispererRemediation*` roles.
 *
 * Input (already validated, scripts already rendered by lib/remediation/runbook.ts `renderCommands`;
 * each section's lines are what SSM runs, toScript's strict-mode header included):
 *
 *     { tenantId, incidentId, executionId, runbookId, readOnly: boolean,
 *       approval: { required: boolean },
 *       target: { accountId, region, roleArn, externalId, instanceIds: string[], documentName },
 *       timeoutSeconds, sections: { preChecks: string[], commands: string[], verification: string[], rollback: string[] } }
 */

/** How long an approval request waits for a decision before it expires and escalates (SPEC 5: 1 hour). */
export const APPROVAL_TIMEOUT_SECONDS = 3600;
/** Seconds between two GetCommandInvocation polls. */
export const POLL_INTERVAL_SECONDS = 20;
/**
 * The most polls of one section: 370 x 20 s = 7,400 s, above the longest runbook timeout (7,200 s).
 * Four sections at this bound stay well under the 25,000 history events of a Standard execution.
 */
export const MAX_POLLS = 370;
/** The most characters of command output the step returns and the incident keeps. */
export const OUTPUT_LIMIT = 4000;
/** Client-account roles the runbook step may assume (created by the onboarding template). */
export const REMEDIATION_ROLE_PREFIX = 'AlertWhispererRemediation';

export const RUNBOOK_DETAIL_TYPES = {
  approvalRequested: 'ApprovalRequested',
  approvalExpired: 'ApprovalExpired',
  executionSucceeded: 'ExecutionSucceeded',
  executionFailed: 'ExecutionFailed',
} as const;

/** Placeholders of the definition, replaced by CDK (DefinitionSubstitutions) or by a local runner. */
export const RUNBOOK_SUBSTITUTIONS = ['TableName', 'EventBusName', 'RunbookStepArn'] as const;
export type RunbookSubstitution = (typeof RUNBOOK_SUBSTITUTIONS)[number];

/** What the state machine sends the runbook step (the Lambda's event). */
export type RunbookStepRequest =
  | {
      op: 'sendCommand';
      executionId: string;
      section: 'preChecks' | 'commands' | 'verification' | 'rollback';
      target: { accountId: string; region: string; roleArn: string; externalId: string; instanceIds: string[]; documentName: string };
      lines: string[];
      timeoutSeconds: number;
    }
  | {
      op: 'getCommandInvocation';
      executionId: string;
      target: { accountId: string; region: string; roleArn: string; externalId: string; instanceIds: string[]; documentName: string };
      commandId: string;
    };

/**
 * What the step returns: `commandId` for sendCommand; for getCommandInvocation, the worst status over
 * the target instances (SSM's Pending/InProgress/Delayed/Success/Cancelled/TimedOut/Failed...) and their
 * output, truncated to OUTPUT_LIMIT characters.
 */
export interface RunbookStepResult {
  commandId?: string;
  status?: string;
  output?: string;
}

type State = Record<string, unknown>;
type Section = 'preChecks' | 'commands' | 'verification' | 'rollback';

/** Retry for throttling and transient service errors, on every Task. */
const RETRY = [
  {
    ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  {
    ErrorEquals: [
      'ThrottlingException',
      'ProvisionedThroughputExceededException',
      'RequestLimitExceeded',
      'InternalServerError',
      'DynamoDB.ProvisionedThroughputExceededException',
      'DynamoDB.ThrottlingException',
      'DynamoDB.InternalServerErrorException',
      'EventBridge.InternalException',
      'EventBridge.ThrottlingException',
      'States.Http.Socket',
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
];

const TARGET = {
  'accountId.$': '$.target.accountId',
  'region.$': '$.target.region',
  'roleArn.$': '$.target.roleArn',
  'externalId.$': '$.target.externalId',
  'instanceIds.$': '$.target.instanceIds',
  'documentName.$': '$.target.documentName',
};

const cap = (section: Section) => section[0]!.toUpperCase() + section.slice(1);

/** An outcome-setting Pass state: `status` and the event detail type to publish. */
function outcome(status: string, detailType: string, next: string): State {
  return {
    Type: 'Pass',
    Parameters: { status, detailType, 'failedSection.$': '$.current.section' },
    ResultPath: '$.outcome',
    Next: next,
  };
}

function rollbackOutcome(result: string): State {
  return {
    Type: 'Pass',
    Parameters: {
      'status.$': `States.Format('{}, ${result}', $.outcome.status)`,
      'detailType.$': '$.outcome.detailType',
      'failedSection.$': '$.outcome.failedSection',
    },
    ResultPath: '$.outcome',
    Next: 'RecordOutcome',
  };
}

/**
 * Send one section, then Wait / Poll / Count / Choice until SSM reports a terminal status or MAX_POLLS
 * polls have been made. A Task error (after its retries) counts as the section failing.
 */
function sectionStates(section: Section, onSuccess: string, onFailure: string): Record<string, State> {
  const name = cap(section);
  const invoke = (payload: State, resultSelector: State, resultPath: string, next: string): State => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: '${RunbookStepArn}', Payload: payload },
    ResultSelector: resultSelector,
    ResultPath: resultPath,
    TimeoutSeconds: 60,
    Retry: RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: onFailure }],
    Next: next,
  });
  return {
    [`Send${name}`]: invoke(
      {
        op: 'sendCommand',
        section,
        'executionId.$': '$.executionId',
        target: TARGET,
        'lines.$': `$.sections.${section}`,
        'timeoutSeconds.$': '$.timeoutSeconds',
      },
      { section, 'commandId.$': '$.Payload.commandId', polls: 0, status: 'Pending', output: '' },
      '$.current',
      `Wait${name}`,
    ),
    [`Wait${name}`]: { Type: 'Wait', Seconds: POLL_INTERVAL_SECONDS, Next: `Poll${name}` },
    [`Poll${name}`]: invoke(
      { op: 'getCommandInvocation', 'executionId.$': '$.executionId', target: TARGET, 'commandId.$': '$.current.commandId' },
      { 'status.$': '$.Payload.status', 'output.$': '$.Payload.output' },
      '$.poll',
      `Count${name}`,
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
        {
          Or: ['Failed', 'TimedOut', 'Cancelled', 'Cancelling', 'Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut'].map(
            (status) => ({ Variable: '$.current.status', StringEquals: status }),
          ),
          Next: onFailure,
        },
        { Variable: '$.current.polls', NumericGreaterThanEquals: MAX_POLLS, Next: onFailure },
      ],
      Default: `Wait${name}`,
    },
  };
}

/** The RunbookExecution definition (JSONPath), with `${TableName}`, `${EventBusName}`, `${RunbookStepArn}` placeholders. */
export function runbookExecutionAsl(): Record<string, unknown> {
  const catchToRecord = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SetErrorOutcome' }];
  const putEvent = (detailType: string | null, detail: State, next: string, extra: State = {}): State => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::events:putEvents',
    Parameters: {
      Entries: [
        {
          EventBusName: '${EventBusName}',
          Source: EVENT_SOURCE,
          ...(detailType ? { DetailType: detailType } : { 'DetailType.$': '$.outcome.detailType' }),
          Detail: detail,
        },
      ],
    },
    ResultPath: null,
    Retry: RETRY,
    Next: next,
    ...extra,
  });
  const detail = {
    'tenantId.$': '$.tenantId',
    'incidentId.$': '$.incidentId',
    'executionId.$': '$.executionId',
    'runbookId.$': '$.runbookId',
  };
  const failed = RUNBOOK_DETAIL_TYPES.executionFailed;
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
          'tenantId.$': '$.tenantId',
          'incidentId.$': '$.incidentId',
          'executionId.$': '$.executionId',
          'runbookId.$': '$.runbookId',
          'readOnly.$': '$.readOnly',
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
      // The approvals handler answers with SendTaskSuccess, or SendTaskFailure with error "ApprovalRejected".
      AwaitApproval: putEvent(
        RUNBOOK_DETAIL_TYPES.approvalRequested,
        { ...detail, 'taskToken.$': '$$.Task.Token', expiresInSeconds: APPROVAL_TIMEOUT_SECONDS },
        'SendPreChecks',
        {
          Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
          TimeoutSeconds: APPROVAL_TIMEOUT_SECONDS,
          Catch: [
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'EscalateExpiredApproval' },
            { ErrorEquals: ['ApprovalRejected'], ResultPath: '$.error', Next: 'ApprovalRejected' },
            ...catchToRecord,
          ],
        },
      ),
      EscalateExpiredApproval: putEvent(RUNBOOK_DETAIL_TYPES.approvalExpired, detail, 'ApprovalExpired', { Catch: catchToRecord }),
      ApprovalExpired: outcome('approval-expired', failed, 'RecordOutcome'),
      ApprovalRejected: outcome('approval-rejected', failed, 'RecordOutcome'),

      ...sectionStates('preChecks', 'SendCommands', 'PreChecksFailed'),
      // Pre-checks change nothing: no rollback.
      PreChecksFailed: outcome('prechecks-failed', failed, 'RecordOutcome'),
      ...sectionStates('commands', 'SendVerification', 'CommandsFailed'),
      CommandsFailed: outcome('commands-failed', failed, 'RollbackNeeded'),
      ...sectionStates('verification', 'Verified', 'VerificationFailed'),
      VerificationFailed: outcome('verification-failed', failed, 'RollbackNeeded'),
      Verified: outcome('succeeded', RUNBOOK_DETAIL_TYPES.executionSucceeded, 'RecordOutcome'),

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

      // The failure-recording state every Catch leads to.
      SetErrorOutcome: {
        Type: 'Pass',
        Parameters: { status: 'error', detailType: failed, 'failedSection.$': '$.current.section' },
        ResultPath: '$.outcome',
        Next: 'RecordOutcome',
      },
      RecordOutcome: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: '${TableName}',
          Key: {
            pk: { 'S.$': "States.Format('T#{}#INC#{}', $.tenantId, $.incidentId)" },
            sk: { S: 'INC' },
          },
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: 'SET #remediation = :remediation',
          ExpressionAttributeNames: { '#remediation': 'remediation' },
          ExpressionAttributeValues: {
            ':remediation': {
              M: {
                executionId: { 'S.$': '$.executionId' },
                runbookId: { 'S.$': '$.runbookId' },
                status: { 'S.$': '$.outcome.status' },
                failedSection: { 'S.$': '$.outcome.failedSection' },
                lastSection: { 'S.$': '$.current.section' },
                commandStatus: { 'S.$': '$.current.status' },
                // Truncated to OUTPUT_LIMIT characters by the runbook step.
                output: { 'S.$': '$.current.output' },
                error: { 'S.$': '$.error.Error' },
                // Duration = finishedAt - startedAt (JSONPath has no date arithmetic).
                startedAt: { 'S.$': '$$.Execution.StartTime' },
                finishedAt: { 'S.$': '$$.State.EnteredTime' },
                stateMachineExecution: { 'S.$': '$$.Execution.Id' },
              },
            },
          },
        },
        ResultPath: null,
        Retry: RETRY,
        // Recording failed: there is nothing left to record it with.
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordingFailed' }],
        Next: 'PublishOutcome',
      },
      PublishOutcome: putEvent(
        null,
        { ...detail, 'status.$': '$.outcome.status', 'failedSection.$': '$.outcome.failedSection' },
        'Succeeded?',
        { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordingFailed' }] },
      ),
      'Succeeded?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.outcome.status', StringEquals: 'succeeded', Next: 'Succeeded' }],
        Default: 'Failed',
      },
      Succeeded: { Type: 'Succeed' },
      Failed: { Type: 'Fail', Error: 'RunbookFailed', Cause: 'The runbook execution did not succeed: see the incident.' },
      RecordingFailed: { Type: 'Fail', Error: 'RecordingFailed', Cause: 'The outcome could not be recorded or published.' },
    },
  };
}

export interface AutomationProps {
  stage: Stage;
  table: dynamodb.ITableV2;
  eventBus: events.IEventBus;
  /** The runbook step (RunbookStepRequest -> RunbookStepResult): the only code that assumes client roles. */
  runbookStep: lambda.IFunction;
  monitoring: Monitoring;
  /** Client-account role name prefix the step may assume (default REMEDIATION_ROLE_PREFIX). */
  remediationRolePrefix?: string;
}

/**
 * The automation capability's runbook execution: a Standard state machine (JSONPath) with logs (ALL,
 * without execution data, which holds command output) and X-Ray tracing, a least-privilege role, and an
 * alarm on failed, timed-out or aborted executions.
 */
export class Automation extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: AutomationProps) {
    super(scope, id);
    const { partition } = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'RunbookExecutionLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'RunbookExecutionRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Runbook execution state machine: invokes the runbook step, records outcomes, publishes events.',
    });
    this.stateMachine = new sfn.StateMachine(this, 'RunbookExecution', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(runbookExecutionAsl())),
      definitionSubstitutions: {
        TableName: props.table.tableName,
        EventBusName: props.eventBus.eventBusName,
        RunbookStepArn: props.runbookStep.functionArn,
      } satisfies Record<RunbookSubstitution, string>,
      role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      // Approval (1 h) plus four sections at their poll bound, with room to spare.
      timeout: Duration.hours(10),
    });

    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeRunbookStep',
        actions: ['lambda:InvokeFunction'],
        resources: [props.runbookStep.functionArn, `${props.runbookStep.functionArn}:*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'RecordOutcome', actions: ['dynamodb:UpdateItem'], resources: [props.table.tableArn] }),
    );
    // The table's customer-managed key: UpdateItem reads and writes encrypted items.
    props.table.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'PublishEvents', actions: ['events:PutEvents'], resources: [props.eventBus.eventBusArn] }),
    );

    // Only the runbook step assumes the client's role (with the tenant's external id); SSM calls are
    // made with those credentials in the client account, never by the state machine's role.
    const prefix = props.remediationRolePrefix ?? REMEDIATION_ROLE_PREFIX;
    props.runbookStep.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeClientRemediationRole',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role/${prefix}*`],
      }),
    );

    if (props.runbookStep.role) {
      acknowledgeNag(
        props.runbookStep.role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${prefix}*]`,
        "The client's account is known per execution only; the role name prefix is fixed by the onboarding template and each role requires the tenant's external id.",
      );
    }
    const stepArn = Token.isUnresolved(props.runbookStep.functionArn) ? nagRef(props.runbookStep, 'Arn') : props.runbookStep.functionArn;
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::${stepArn}:*]`,
      'lambda:InvokeFunction on the runbook step and its versions/aliases (the form CDK grants use).',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and the CloudWatch Logs delivery actions accept only Resource "*".',
    );
    props.monitoring.watchStateMachine('RunbookStateMachine', this.stateMachine);
  }
}
