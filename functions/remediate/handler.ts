import type { EventBridgeEvent } from 'aws-lambda';
import middy from '@middy/core';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { correlateDepsFromEnv } from '../../lib/correlation/deps';
import { stepFunctionsOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { correlationIdOfEvent, parseBusEvent, tenantIdOfEvent } from '../../lib/domain/events';
import { logger, observed, traced } from '../../lib/observability';
import { adviseOnIncident } from '../../lib/remediation/advice';
import { decideOnEvent } from '../../lib/remediation/events';
import type { RemediationDeps } from '../../lib/remediation/service';

const env = readEnv('remediation');
const modelId = env.BEDROCK_MODEL_ID;
const bedrock = modelId ? traced(new BedrockRuntimeClient({})) : undefined;
const deps: RemediationDeps = {
  ...correlateDepsFromEnv(env),
  orchestrator: stepFunctionsOrchestrator(env.STATE_MACHINE_ARN),
  ...(bedrock && modelId ? { advise: (input) => adviseOnIncident(input, { client: bedrock, modelId }) } : {}),
};

/**
 * IncidentOpened, and IncidentUpdated when an incident's root moved or it absorbed another (EventBridge
 * rules in functions/catalog.ts): decide whether to run a runbook, ask for approval or route to a
 * technician, and act on it. IncidentResolved, and IncidentUpdated when it was merged into another:
 * withdraw its pending approval request. A failure throws, so EventBridge retries; an event handled before is
 * skipped, and a decision stored but not acted on is picked up.
 */
export const handler = middy<EventBridgeEvent<string, unknown>, void>()
  .use(observed({ correlationId: correlationIdOfEvent, tenantId: tenantIdOfEvent }))
  .handler(async (event) => {
    const outcome = await decideOnEvent(deps, parseBusEvent(event));
    logger.info(
      { decided: 'Remediation decided', withdrawn: 'Approval requests withdrawn', skipped: 'No remediation decision' }[outcome.kind],
      { ...outcome },
    );
  });
