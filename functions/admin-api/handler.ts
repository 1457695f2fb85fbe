import httpRouterHandler from '@middy/http-router';
import { routeContext } from '../../lib/api/context';
import { adminRoutes } from '../../lib/api/admin-routes';
import { keySetLoader } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';

const env = readEnv('adminApi');
const keySet = keySetLoader(env);

/** The admin routes run no runbooks: this function has no state machine (least privilege). */
function unavailable(what: string): never {
  throw new Error(`The adminApi function has no ${what}: move the route to the api function (functions/catalog.ts HTTP_ROUTES)`);
}

/** The set-up side of the operator API (lib/api/admin-routes.ts): tenants, users, assets, integrations, policies... */
const router = httpRouterHandler(
  adminRoutes(
    routeContext({
      table: { db: dynamo(), tableName: env.TABLE_NAME },
      keySet,
      now: () => new Date(),
      stage: env.AW_STAGE,
      orchestrator: {
        start: async () => unavailable('state machine'),
        succeedTask: async () => unavailable('state machine'),
        failTask: async () => unavailable('state machine'),
      },
    }),
  ),
);

export const handler = httpHandler(async (event, context) => {
  const response = await router(event, context, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});
