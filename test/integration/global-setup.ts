import { startDynamoDbLocal } from '../../local/dynamodb';

/** One in-memory DynamoDB Local for the whole integration run; every test file makes its own table. */
export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  process.env.AW_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __awDynamo?: typeof dynamo }).__awDynamo = dynamo;
}
