import type { APIGatewayProxyWebsocketEventV2WithRequestContext, APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { acceptConnection } from '../../lib/realtime/connect';
import { realtimeDeps } from '../../lib/realtime/handlers-env';

type ConnectEvent = APIGatewayProxyWebsocketEventV2WithRequestContext<{ connectionId: string }> & {
  queryStringParameters?: Record<string, string | undefined>;
};

const deps = realtimeDeps();

export const handler = middy<ConnectEvent, APIGatewayProxyResultV2>().handler(async (event) =>
  acceptConnection(
    { connectionId: event.requestContext.connectionId, token: event.queryStringParameters?.token },
    { table: deps.table, keySet: await deps.keySet(), now: new Date() },
  ),
);
