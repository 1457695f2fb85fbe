import { startDynamoDbLocal } from '../../local/dynamodb';
import { startMotoServer } from '../../local/aws/moto';

/**
 * One in-memory DynamoDB Local and one moto server (client accounts' SSM and STS) for the whole
 * integration and e2e run; every test file makes its own table.
 */
export default async function globalSetup(): Promise<void> {
  // The integration and e2e projects share this setup: whichever runs first starts the servers.
  if ((globalThis as { __awDynamo?: unknown }).__awDynamo) return;
  // Tests post notifications to receivers on loopback: the local-only opt-in of lib/util/safe-url.ts
  // (what local/stack.ts sets for npm start). Tests of the refusals unset it around their requests.
  process.env.AW_ALLOW_PRIVATE_WEBHOOKS = 'local';
  const [dynamo, moto] = await Promise.all([startDynamoDbLocal(), startMotoServer()]);
  process.env.AW_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.AW_TEST_MOTO_ENDPOINT = moto.endpoint;
  Object.assign(globalThis as object, { __awDynamo: dynamo, __awMoto: moto });
}
