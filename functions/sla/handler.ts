import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { correlateDepsFromEnv } from '../../lib/aws/correlate-deps';
import { schedulerTimers, type Timers } from '../../lib/aws/scheduler';
import { readEnv } from '../../lib/config/env';
import { correlationIdOfEvent, tenantIdOfEvent, DETAIL_TYPES, domainEventDetailSchema } from '../../lib/events';
import { logger, observed } from '../../lib/observability';
import { notifyForEvent, NOTIFIED_EVENTS } from '../../lib/notify/event-notifier';
import { slaNotifier } from '../../lib/notify/sla-notifier';
import { timerLagRecord } from '../../lib/sla/metrics';
import { handleTimer, onIncidentChanged, pauseSla, resumeSla, startSla, type SlaDeps } from '../../lib/sla/service';
import { IncidentStateError } from '../../lib/store/incident-actions';
import { onCallUser } from '../../lib/store/oncall';

const env = readEnv('sla');
const { table, publish } = correlateDepsFromEnv(env);
const notifier = {
  // A notification retries within this invocation: at most 3 attempts and 20 s of waiting per channel.
  deliver: { table, emailSender: env.SES_SENDER, retryPolicy: { maxAttempts: 3, maxRetryAfterMs: 20_000 } },
  dashboardUrl: env.DASHBOARD_URL,
};
const notify = slaNotifier(notifier);
const SLA_EVENTS: ReadonlySet<string> = new Set([DETAIL_TYPES.incidentOpened, DETAIL_TYPES.incidentUpdated, DETAIL_TYPES.incidentResolved]);
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
    publish,
    now: () => new Date(),
    timers,
    notify,
    onCall: (tenantId, scheduleId, at) => onCallUser(table, tenantId, scheduleId, at),
  };
}

interface BusEvent {
  id: string;
  'detail-type': string;
  detail: unknown;
}

/**
 * Two kinds of invocations: events from the bus (rule in functions/catalog.ts) start, move and stop the
 * clocks and notify the people an assignment, approval request, runbook result or resolution concerns; a Scheduler timer (its Input is the timer event) warns, breaches or escalates after
 * re-checking the incident. Failures throw, so EventBridge and Scheduler retry; both paths are safe to repeat.
 */
export const handler = middy<BusEvent | Record<string, unknown>, unknown>()
  .use(observed({ correlationId: correlationIdOfEvent, tenantId: tenantIdOfEvent }))
  .handler(async (event, context) => {
    const deps = depsFor(context);
    if ('detail-type' in event && typeof event['detail-type'] === 'string') {
      const type = event['detail-type'];
      const detail = domainEventDetailSchema.parse(event.detail);
      if (!detail.incidentId) return { skipped: 'no incident' };
      const results: Record<string, unknown> = {};
      if (SLA_EVENTS.has(type)) {
        results.sla =
          type === DETAIL_TYPES.incidentOpened
            ? await startSla(deps, detail.tenantId, detail.incidentId)
            : await onIncidentChanged(deps, detail.tenantId, detail.incidentId);
      }
      if (type === DETAIL_TYPES.slaPauseRequested || type === DETAIL_TYPES.slaResumeRequested) {
        const actor = typeof detail.actor === 'string' ? detail.actor : 'unknown';
        const reason = typeof detail.reason === 'string' ? detail.reason : undefined;
        try {
          results.sla =
            type === DETAIL_TYPES.slaPauseRequested
              ? await pauseSla(deps, detail.tenantId, detail.incidentId, { actor, reason })
              : await resumeSla(deps, detail.tenantId, detail.incidentId, { actor });
        } catch (error) {
          // Already paused (or not), or resolved meanwhile: nothing to do.
          if (!(error instanceof IncidentStateError)) throw error;
          results.sla = { skipped: error.message };
        }
      }
      if ((NOTIFIED_EVENTS as readonly string[]).includes(type))
        results.notified = await notifyForEvent(notifier, type, detail, String(event.id));
      logger.debug('Incident event handled', { tenantId: detail.tenantId, incidentId: detail.incidentId, type, results });
      return results;
    }
    const outcome = await handleTimer(deps, event);
    if (typeof outcome.lagMs === 'number') process.stdout.write(`${timerLagRecord(env.AW_STAGE, outcome.lagMs)}\n`);
    logger.info('SLA timer', { outcome });
    return outcome;
  });
