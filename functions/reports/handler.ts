import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import { noOrchestrator, routeContext } from '../../lib/api/context';
import { reportsFunctionRoutes } from '../../lib/api/report-routes';
import { keySetLoader } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler, type HttpEvent } from '../../lib/http/http';

const env = readEnv('reports');
const table = { db: dynamo(), tableName: env.TABLE_NAME };

const context = routeContext({
  table,
  keySet: keySetLoader(env),
  now: () => new Date(),
  stage: env.AW_STAGE,
  orchestrator: noOrchestrator('reports'),
});

const router = httpRouterHandler(reportsFunctionRoutes(context));

const http = httpHandler(async (event, lambdaContext) => {
  const response = await router(event, lambdaContext, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});

/** HTTP: the reports and the branding routes. */
export async function handler(event: HttpEvent, lambdaContext: Context) {
  return http(event, lambdaContext);
}
