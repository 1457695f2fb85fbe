import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { correlateDepsFromEnv } from '../../lib/correlation/deps';
import { tokenOnlyOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { logger, observed } from '../../lib/observability';
import { expireApprovals } from '../../lib/remediation/service';

const env = readEnv('automation');
const deps = {
  ...correlateDepsFromEnv(env),
  orchestrator: tokenOnlyOrchestrator(),
};

/**
 * Runs every minute (functions/catalog.ts SCHEDULES): expires the approval requests past their expiry
 * and fails their executions' task tokens with ApprovalExpired, so the incidents escalate to a person.
 */
export const handler = middy<ScheduledEvent, { expired: number }>()
  .use(observed())
  .handler(async () => {
    const expired = await expireApprovals(deps);
    if (expired) logger.info('Approval sweep done', { expired });
    else logger.debug('Approval sweep done', { expired });
    return { expired };
  });
