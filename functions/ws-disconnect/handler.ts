import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { deleteConnection } from '../../lib/store/connections';
import { realtimeDeps } from '../../lib/realtime/handlers-env';
import { observed } from '../../lib/observability';

const deps = realtimeDeps();

export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .handler(async (event) => {
    await deleteConnection(deps.table, event.requestContext.connectionId);
    return { statusCode: 200 };
  });
