import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { answerClientMessage } from '../../lib/realtime/client-messages';
import { realtimeDeps } from '../../lib/realtime/handlers-env';

const deps = realtimeDeps();

export const handler = middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2>().handler(async (event) => {
  await answerClientMessage(event.requestContext.connectionId, event.body, deps);
  return { statusCode: 200 };
});
