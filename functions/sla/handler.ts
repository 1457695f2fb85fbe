import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { dynamo } from '../../lib/aws/clients';
import { schedulerTimers, type Timers } from '../../lib/aws/scheduler';
import { readEnv } from '../../lib/config/env';
import { correlationIdOfEvent, parseBusEvent, tenantIdOfEvent, type BusEvent } from '../../lib/domain/events';
import { logger, measureMetric, observed } from '../../lib/observability';
import { slaNotifier } from '../../lib/notify/sla-notifier';
import { pagingDeps } from '../../lib/notify/paging';
import { keySetLoader } from '../../lib/auth/tokens';
import { handleMaintenanceTimer } from '../../lib/maintenance/windows';
import { handleSlaEvent } from '../../lib/sla/events';
import { handleTimer, type SlaDeps } from '../../lib/sla/service';
import { onCallUser } from '../../lib/store/oncall';

const env = readEnv('sla');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const keySet = keySetLoader(env);
const notifier = {
  deliver: {
    table,
    emailSender: env.SES_SENDER,
    // A notification retries within this invocation: at most 3 attempts and 20 s of waiting per channel.
    retryPolicy: { maxAttempts: 3, maxRetryAfterMs: 20_000 },
    ...pagingDeps({
      table,
      keySet,
      linkBaseUrl: env.ACTION_LINK_BASE_URL,
      ...(env.SMS_ORIGINATION_IDENTITY ? { originationIdentity: env.SMS_ORIGINATION_IDENTITY } : {}),
      ...(env.SMS_CONFIGURATION_SET ? { configurationSetName: env.SMS_CONFIGURATION_SET } : {}),
      monthlyCap: env.SMS_MONTHLY_CAP,
      ...(env.SES_SENDER ? { emailSender: env.SES_SENDER } : {}),
    }),
  },
  dashboardUrl: env.DASHBOARD_URL,
};
const notify = slaNotifier(notifier);
let timers: Timers | undefined;

/** The timers target this very function: its ARN is known from the first invocation's context. */
function depsFor(context: Context): SlaDeps {
  timers ??= schedulerTimers({
    groupName: env.SLA_SCHEDULE_GROUP,
    targetArn: context.invokedFunctionArn,
    roleArn: env.SLA_SCHEDULER_ROLE_ARN,
    ...(env.SLA_TIMER_DLQ_ARN ? { deadLetterArn: env.SLA_TIMER_DLQ_ARN } : {}),
  });
  return {
    table,
    now: () => new Date(),
    timers,
    notify,
    onCall: (tenantId, scheduleId, at) => onCallUser(table, tenantId, scheduleId, at),
  };
}

/**
 * Two kinds of invocations: events from the bus (rule in functions/catalog.ts) start, move and stop the
 * clocks and notify the people they concern (lib/sla/events.ts); a Scheduler timer (its Input is the
 * timer event) warns, breaches or escalates after re-checking the incident, or starts or ends a
 * maintenance window's occurrence. Failures throw, so
 * EventBridge and Scheduler retry; both paths are safe to repeat.
 */
export const handler = middy<BusEvent | Record<string, unknown>, unknown>()
  .use(observed({ correlationId: correlationIdOfEvent, tenantId: tenantIdOfEvent }))
  .handler(async (event, context) => {
    const deps = depsFor(context);
    if ('detail-type' in event && typeof event['detail-type'] === 'string') {
      const parsed = parseBusEvent(event as BusEvent);
      const results = await handleSlaEvent(deps, notifier, parsed);
      logger.debug('Incident event handled', { incidentId: parsed.detail.incidentId, type: parsed.detailType, results });
      return results;
    }
    if ('type' in event && event.type === 'maintenance') {
      // A maintenance window's occurrence starting or ending (lib/maintenance/windows.ts).
      const outcome = await handleMaintenanceTimer(deps, event);
      logger.info('Maintenance timer', { outcome });
      return outcome;
    }
    const outcome = await handleTimer(deps, event);
    if (typeof outcome.lagMs === 'number') measureMetric('SlaTimerLagSeconds', outcome.lagMs / 1000);
    logger.info('SLA timer', { outcome });
    return outcome;
  });
