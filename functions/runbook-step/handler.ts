import middy from '@middy/core';
import { correlateDepsFromEnv } from '../../lib/correlation/deps';
import { tokenOnlyOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { addCorrelationKeys, logger, observed } from '../../lib/observability';
import { attachApprovalToken, recordExecutionOutcome, type RemediationDeps } from '../../lib/remediation/service';
import { getCommandInvocation, sendCommand } from '../../lib/remediation/ssm-runner';
import { runbookStepRequestSchema, type RunbookStepResult } from '../../lib/domain/remediation/step-contract';
import { getExecution } from '../../lib/store/remediation';

const env = readEnv('automation');
const deps: RemediationDeps = {
  ...correlateDepsFromEnv(env),
  orchestrator: tokenOnlyOrchestrator(),
};

/**
 * The RunbookExecution state machine's only Task (lib/domain/remediation/step-contract.ts): SSM in the
 * client's account through its remediation role, the approval request's task token, the outcome.
 * Errors keep their names (TransientError is retried by the state machine; others end the section).
 * The state machine passes no correlation id: the steps that name the tenant read the execution's
 * (the SSM steps name none; their log lines have the execution id).
 */
export const handler = middy<unknown, RunbookStepResult>()
  .use(observed())
  .handler(async (event) => {
    const request = runbookStepRequestSchema.parse(event);
    logger.appendKeys({ executionId: request.executionId, op: request.op });
    if (request.op === 'awaitApproval' || request.op === 'recordOutcome') {
      const correlationId = (await getExecution(deps.table, request.tenantId, request.executionId))?.correlationId;
      addCorrelationKeys({ correlationId, tenantId: request.tenantId });
    }
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
