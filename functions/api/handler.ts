import httpRouterHandler from '@middy/http-router';
import { routeContext } from '../../lib/api/context';
import { bundledOpenApiDocument } from '../../lib/api/openapi-file';
import { operatorRoutes } from '../../lib/api/operator-routes';
import { openApiRoutes } from '../../lib/api/routes/openapi';
import { keySetLoader } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { stepFunctionsOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';

const env = readEnv('api');
const keySet = keySetLoader(env);

/** The day-to-day operator API (lib/api/operator-routes.ts) and the OpenAPI document of the whole API. */
const router = httpRouterHandler([
  ...operatorRoutes(
    routeContext({
      table: { db: dynamo(), tableName: env.TABLE_NAME },
      keySet,
      now: () => new Date(),
      stage: env.AW_STAGE,
      orchestrator: stepFunctionsOrchestrator(env.STATE_MACHINE_ARN),
    }),
  ),
  ...openApiRoutes(bundledOpenApiDocument),
]);

export const handler = httpHandler(async (event, context) => {
  const response = await router(event, context, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});
