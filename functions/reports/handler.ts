import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import { noOrchestrator, routeContext } from '../../lib/api/context';
import { reportsFunctionRoutes } from '../../lib/api/report-routes';
import { keySetLoader } from '../../lib/auth/tokens';
import { schedulerMovableTimers, type MovableTimers } from '../../lib/aws/scheduler';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler, type HttpEvent } from '../../lib/http/http';
import { logger } from '../../lib/observability';
import { handleReportSchedule, isReportTimer, type ReportDeliveryDeps } from '../../lib/reports/delivery';

const env = readEnv('reports');
const table = { db: dynamo(), tableName: env.TABLE_NAME };

const context = routeContext({
  table,
  keySet: keySetLoader(env),
  now: () => new Date(),
  stage: env.AW_STAGE,
  orchestrator: noOrchestrator('reports'),
});

/**
 * The companies' delivery schedules target this very function, whose ARN is known from the invocations'
 * context: the timers are made on first use, by then an invocation has named it.
 */
let functionArn: string | undefined;
let movable: MovableTimers | undefined;
const schedules = (): MovableTimers => {
  if (!functionArn) throw new Error('The reports function schedules itself: its ARN comes from the first invocation');
  movable ??= schedulerMovableTimers({
    groupName: env.REPORT_SCHEDULE_GROUP,
    targetArn: functionArn,
    roleArn: env.REPORT_SCHEDULER_ROLE_ARN,
    ...(env.REPORT_SCHEDULE_DLQ_ARN ? { deadLetterArn: env.REPORT_SCHEDULE_DLQ_ARN } : {}),
  });
  return movable;
};
const delivery: Omit<ReportDeliveryDeps, 'table' | 'now'> = {
  timers: { put: (timer) => schedules().put(timer), delete: (name) => schedules().delete(name) },
  ...(env.SES_SENDER ? { emailSender: env.SES_SENDER } : {}),
};

const router = httpRouterHandler(reportsFunctionRoutes(context, { delivery }));

const http = httpHandler(async (event, lambdaContext) => {
  const response = await router(event, lambdaContext, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});

/** HTTP (the reports, the branding and the delivery routes), and a company's delivery schedule firing. */
export async function handler(event: HttpEvent | Record<string, unknown>, lambdaContext: Context) {
  functionArn ??= lambdaContext.invokedFunctionArn;
  if (isReportTimer(event)) {
    // Failures throw, so Scheduler retries (its retry policy, then the dead-letter queue); a repeat sends nothing.
    const outcome = await handleReportSchedule({ ...delivery, table, now: () => new Date() }, event);
    logger.info('Report schedule', { outcome });
    return outcome;
  }
  return http(event as HttpEvent, lambdaContext);
}
