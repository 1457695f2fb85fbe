/**
 * One cached client per AWS service, created on first use outside any handler body (reused by every invocation of a warm function).
 * Endpoints follow the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the local stack
 * points the same code at DynamoDB Local and the local SQS, EventBridge and @connections endpoints.
 * Each is `traced()`: an X-Ray subsegment per call in Lambda, the bare client elsewhere.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { traced } from '../observability';

let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
let eventBridgeClient: EventBridgeClient | undefined;
const managementClients = new Map<string, ApiGatewayManagementApiClient>();

export function createDocumentClient(config: ConstructorParameters<typeof DynamoDBClient>[0] = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(traced(new DynamoDBClient(config)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= createDocumentClient();
  return documentClient;
}

export function sqs(): SQSClient {
  sqsClient ??= traced(new SQSClient({}));
  return sqsClient;
}

export function eventBridge(): EventBridgeClient {
  eventBridgeClient ??= traced(new EventBridgeClient({}));
  return eventBridgeClient;
}

export function connectionsApi(endpoint: string): ApiGatewayManagementApiClient {
  let client = managementClients.get(endpoint);
  if (!client) {
    client = traced(new ApiGatewayManagementApiClient({ endpoint }));
    managementClients.set(endpoint, client);
  }
  return client;
}
