import httpRouterHandler from '@middy/http-router';
import { noOrchestrator, routeContext } from '../../lib/api/context';
import { adminRoutes } from '../../lib/api/admin-routes';
import { keySetLoader } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';

const env = readEnv('adminApi');
const keySet = keySetLoader(env);

/** The set-up side of the operator API (lib/api/admin-routes.ts): tenants, users, assets, integrations, policies... */
const router = httpRouterHandler(
  adminRoutes(
    routeContext({
      table: { db: dynamo(), tableName: env.TABLE_NAME },
      keySet,
      now: () => new Date(),
      stage: env.AW_STAGE,
      orchestrator: noOrchestrator('adminApi'),
    }),
  ),
);

export const handler = httpHandler(async (event, context) => {
  const response = await router(event, context, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});
