import httpRouterHandler from '@middy/http-router';
import { apiRoutes } from '../../lib/api/routes';
import { loadKeySet, type KeySet } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { eventBridgePublisher } from '../../lib/aws/event-publisher';
import { stepFunctionsOrchestrator } from '../../lib/aws/step-functions';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';

const env = readEnv('api');
let keySet: Promise<KeySet> | undefined;

const router = httpRouterHandler(
  apiRoutes({
    table: { db: dynamo(), tableName: env.TABLE_NAME },
    keySet: () =>
      (keySet ??= loadKeySet(env).catch((error: unknown) => {
        keySet = undefined; // try again on the next request rather than failing until a cold start
        throw error;
      })),
    now: () => new Date(),
    stage: env.AW_STAGE,
    publish: eventBridgePublisher(env.EVENT_BUS_NAME),
    orchestrator: stepFunctionsOrchestrator(env.STATE_MACHINE_ARN),
  }),
);

export const handler = httpHandler(async (event, context) => {
  const response = await router(event, context, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});
