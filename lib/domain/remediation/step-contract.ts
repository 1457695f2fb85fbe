import * as z from 'zod';

/**
 * The contract between the RunbookExecution state machine (infra/constructs/automation.ts) and the
 * runbook step Lambda (functions/runbook-step). Kept free of CDK so the Lambda bundle and the local
 * Step Functions emulator load it without the construct library. Every request is checked with zod
 * by the step: the state machine is trusted, but a malformed request must fail loudly, not half-run.
 */

/** Seconds between two GetCommandInvocation polls (AWS; the local stack scales Wait states). */
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

export const SECTION_NAMES = ['preChecks', 'commands', 'verification', 'rollback'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** SSM command statuses after which polling stops with a failure. */
export const SSM_FAILURE_STATUSES = [
  'Failed',
  'TimedOut',
  'Cancelled',
  'Cancelling',
  'Undeliverable',
  'Terminated',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
] as const;

export const stepTargetSchema = z
  .object({
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/),
    externalId: z.string().min(2).max(1224),
    instanceIds: z
      .array(z.string().regex(/^(?:i|mi)-[0-9a-f]{8,17}$/))
      .min(1)
      .max(50),
    documentName: z.enum(['AWS-RunShellScript', 'AWS-RunPowerShellScript']),
  })
  .strict();
export type StepTarget = z.infer<typeof stepTargetSchema>;

const ids = {
  executionId: z.string().min(1).max(80),
  tenantId: z.string().min(1).max(64),
  incidentId: z.string().min(1).max(80),
  runbookId: z.string().min(1).max(80),
};

export const runbookStepRequestSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('sendCommand'),
    executionId: ids.executionId,
    section: z.enum(SECTION_NAMES),
    target: stepTargetSchema,
    lines: z.array(z.string()).max(500),
    timeoutSeconds: z.number().int().min(30).max(7200),
  }),
  z.object({
    op: z.literal('getCommandInvocation'),
    executionId: ids.executionId,
    target: stepTargetSchema,
    commandId: z.string().min(1).max(64),
  }),
  /** Invoked with `.waitForTaskToken`: stores the approval request with its token and announces it. */
  z.object({ op: z.literal('awaitApproval'), ...ids, taskToken: z.string().min(1).max(2048) }),
  /** The last step of every path: record the outcome, then resolve the incident or route it. */
  z.object({
    op: z.literal('recordOutcome'),
    ...ids,
    outcome: z.object({ status: z.string().min(1).max(120), failedSection: z.string().max(40) }),
    current: z.object({ section: z.string().max(40), status: z.string().max(40), output: z.string() }),
    error: z.object({ Error: z.string(), Cause: z.string() }),
    startedAt: z.string(),
  }),
]);
export type RunbookStepRequest = z.infer<typeof runbookStepRequestSchema>;

/**
 * What the step returns: `commandId` for sendCommand; for getCommandInvocation, the worst status over
 * the target instances (SSM's Pending/InProgress/Delayed/Success/Cancelled/TimedOut/Failed...) and
 * their output, truncated to OUTPUT_LIMIT characters; nothing for the other operations.
 */
export interface RunbookStepResult {
  commandId?: string;
  status?: string;
  output?: string;
}

/**
 * The state machine's input: validated and rendered by the remediation service before StartExecution
 * (scripts by lib/domain/remediation/runbook.ts `renderCommands`). `readOnly` runbooks have no rollback;
 * `dryRun` runs the pre-checks only.
 */
export interface RunbookExecutionInput {
  tenantId: string;
  incidentId: string;
  executionId: string;
  runbookId: string;
  readOnly: boolean;
  dryRun: boolean;
  approval: { required: boolean };
  target: StepTarget;
  timeoutSeconds: number;
  sections: Record<SectionName, string[]>;
  /**
   * The request that led to the execution (also on the stored execution). The state machine passes only
   * the fields it names to the step, so the step reads it from the execution for `recordOutcome`.
   */
  correlationId?: string;
}

/** Starts the state machine and answers its task tokens (Step Functions in AWS, the local emulator locally). */
export interface Orchestrator {
  start(input: RunbookExecutionInput): Promise<string>;
  succeedTask(taskToken: string): Promise<void>;
  failTask(taskToken: string, error: 'ApprovalRejected' | 'ApprovalExpired', cause: string): Promise<void>;
}
