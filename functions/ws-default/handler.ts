import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { answerClientMessage } from '../../lib/realtime/client-messages';
import { realtimeDeps } from '../../lib/realtime/handlers-env';
import { observed } from '../../lib/observability';

const deps = realtimeDeps();

export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>()
  .use(observed())
  .handler(async (event) => {
    await answerClientMessage(event.requestContext.connectionId, event.body, deps);
    return { statusCode: 200 };
  });
