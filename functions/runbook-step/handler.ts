import middy from '@middy/core';
import { correlateDepsFromEnv } from '../../lib/aws/correlate-deps';
import { tokenOnlyOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { logger } from '../../lib/observability';
import { attachApprovalToken, recordExecutionOutcome, type RemediationDeps } from '../../lib/remediation/service';
import { getCommandInvocation, sendCommand } from '../../lib/remediation/ssm-runner';
import { runbookStepRequestSchema, type RunbookStepResult } from '../../lib/remediation/step-contract';

const env = readEnv('automation');
const deps: RemediationDeps = {
  ...correlateDepsFromEnv(env),
  orchestrator: tokenOnlyOrchestrator(),
};

/**
 * The RunbookExecution state machine's only Task (lib/remediation/step-contract.ts): SSM in the
 * client's account through its remediation role, the approval request's task token, the outcome.
 * Errors keep their names (TransientError is retried by the state machine; others end the section).
 */
export const handler = middy<unknown, RunbookStepResult>().handler(async (event) => {
  const request = runbookStepRequestSchema.parse(event);
  logger.appendKeys({ executionId: request.executionId, op: request.op });
  switch (request.op) {
    case 'sendCommand':
      return sendCommand(request);
    case 'getCommandInvocation':
      return getCommandInvocation(request);
    case 'awaitApproval':
      await attachApprovalToken(deps, request);
      return {};
    case 'recordOutcome':
      await recordExecutionOutcome(deps, request);
      return {};
  }
});
