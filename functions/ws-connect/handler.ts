import type { APIGatewayProxyWebsocketEventV2WithRequestContext, APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { AccessCheck } from '../../lib/auth/access';
import { keySetLoader } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { acceptConnection } from '../../lib/realtime/connect';
import { observed } from '../../lib/observability';

type ConnectEvent = APIGatewayProxyWebsocketEventV2WithRequestContext<{ connectionId: string }> & {
  queryStringParameters?: Record<string, string | undefined>;
};

const env = readEnv('realtimeConnect');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const access = new AccessCheck(table);
const keys = keySetLoader(env);

export const handler = middy<ConnectEvent, APIGatewayProxyResultV2>()
  .use(observed())
  .handler(async (event) =>
    acceptConnection(
      { connectionId: event.requestContext.connectionId, token: event.queryStringParameters?.token },
      { table, keySet: await keys(), now: new Date(), access },
    ),
  );
