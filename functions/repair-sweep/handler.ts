import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { logger, observed } from '../../lib/observability';
import { repairIncidents, type RepairResult } from '../../lib/repair/sweep';

const env = readEnv('repair');
const deps = { table: { db: dynamo(), tableName: env.TABLE_NAME }, now: () => new Date() };

/**
 * Runs every 5 minutes (functions/catalog.ts SCHEDULES): open incidents left without SLA clocks, a
 * remediation decision or their decided execution get an IncidentRepairRequested event (lib/repair/sweep.ts).
 */
export const handler = middy<ScheduledEvent, RepairResult>()
  .use(observed())
  .handler(async () => {
    const result = await repairIncidents(deps);
    const repaired = Object.values(result.repaired).reduce((sum, count) => sum + count, 0);
    if (repaired || result.givenUp) logger.warn('Repair sweep done', { ...result });
    else logger.debug('Repair sweep done', { ...result });
    return result;
  });
