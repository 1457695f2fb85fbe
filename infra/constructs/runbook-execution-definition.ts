import { MAX_POLLS, POLL_INTERVAL_SECONDS, SSM_FAILURE_STATUSES, type SectionName } from '../../lib/domain/remediation/step-contract';

/**
 * The runbook execution state machine, as an Amazon States Language object in
 * the JSONPath query language, built here in TypeScript so that the local Step Functions emulator
 * interprets the very same definition (`runbookExecutionAsl()` with its `${RunbookStepArn}`
 * substitution).
 *
 * Cross-account design. A Task's `Credentials` field takes only a `RoleArn` (the TaskCredentials API
 * type has no external id), and no SDK integration accepts credentials returned by an earlier
 * `aws-sdk:sts:assumeRole` task (passing them through the state would also write them into the
 * execution history and logs). So every side effect goes through one thin "runbook step" Lambda
 * invoked with `lambda:invoke` (contract: lib/domain/remediation/step-contract.ts): assume the client's role
 * with the tenant's external id, SSM SendCommand and GetCommandInvocation, store the approval request
 * with its task token, record the outcome. The state machine keeps the whole control flow: approval
 * wait, the Wait/Choice poll loop per section, verification, rollback. Only that function may assume
 * `AlertWhispererRemediation*` roles.
 *
 * Input: RunbookExecutionInput (lib/domain/remediation/step-contract.ts), already validated and rendered.
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
