import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { correlateDepsFromEnv } from '../../lib/correlation/deps';
import { readEnv } from '../../lib/config/env';
import { settleDueIncidents } from '../../lib/correlation/correlate';
import { logger, observed } from '../../lib/observability';

const env = readEnv('settle');
const deps = correlateDepsFromEnv(env);

/**
 * Runs every minute (functions/catalog.ts SCHEDULES): resolves the incidents whose grace period ended
 * with no alert coming to their scope since. A failed run throws, so its markers stay for the next run.
 */
export const handler = middy<ScheduledEvent, { scopes: number; resolved: number }>()
  .use(observed())
  .handler(async () => {
    const result = await settleDueIncidents(deps);
    // Every minute: a sweep that found nothing due logs at DEBUG only.
    if (result.scopes) logger.info('Settle sweep done', result);
    else logger.debug('Settle sweep done', result);
    return result;
  });
