import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { correlateDepsFromEnv } from '../../lib/aws/correlate-deps';
import { stepFunctionsOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { correlationIdOfDetail, correlationIdOfEvent, tenantIdOfEvent, domainEventDetailSchema } from '../../lib/events';
import { logger, observed, traced } from '../../lib/observability';
import { adviseOnIncident } from '../../lib/remediation/advice';
import { decideForIncident, type RemediationDeps } from '../../lib/remediation/service';

const env = readEnv('remediation');
const modelId = env.BEDROCK_MODEL_ID;
const bedrock = modelId ? traced(new BedrockRuntimeClient({})) : undefined;
const deps: RemediationDeps = {
  ...correlateDepsFromEnv(env),
  orchestrator: stepFunctionsOrchestrator(env.STATE_MACHINE_ARN),
  ...(bedrock && modelId ? { advise: (input) => adviseOnIncident(input, { client: bedrock, modelId }) } : {}),
};

/**
 * IncidentOpened (EventBridge rule in functions/catalog.ts): decide whether to run a runbook, ask for
 * approval or route to a technician, and act on it. A failure throws, so EventBridge retries; a retry
 * of an incident already decided does nothing. The event's correlation id (its alert's) is on every log
 * line and goes on to the decision's events, the execution and the assignment.
 */
export const handler = middy<EventBridgeEvent<string, unknown>, void>()
  .use(observed({ correlationId: correlationIdOfEvent, tenantId: tenantIdOfEvent }))
  .handler(async (event) => {
    const detail = domainEventDetailSchema.parse(event.detail);
    if (!detail.incidentId) throw new Error(`${event['detail-type']} without an incidentId`);
    const outcome = await decideForIncident(deps, detail.tenantId, detail.incidentId, { correlationId: correlationIdOfDetail(detail) });
    if (outcome.kind === 'skipped')
      logger.info('No remediation decision', { tenantId: detail.tenantId, incidentId: detail.incidentId, reason: outcome.reason });
    else
      logger.info('Remediation decided', {
        tenantId: detail.tenantId,
        incidentId: detail.incidentId,
        action: outcome.decision.action,
        runbookId: outcome.decision.runbookId,
        executionId: outcome.executionId,
      });
  });
