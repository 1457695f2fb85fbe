import type { MotoServer } from '../../local/aws/moto';
import type { DynamoDbLocal } from '../../local/dynamodb';

export default async function globalTeardown(): Promise<void> {
  const shared = globalThis as { __awDynamo?: DynamoDbLocal; __awMoto?: MotoServer };
  const { __awDynamo: dynamo, __awMoto: moto } = shared;
  // Run once per project that uses the servers: the first teardown stops them.
  delete shared.__awDynamo;
  delete shared.__awMoto;
  await Promise.all([dynamo?.stop(), moto?.stop()]);
}
