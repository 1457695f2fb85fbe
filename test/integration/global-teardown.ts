import type { MotoServer } from '../../local/aws/moto';
import type { DynamoDbLocal } from '../../local/dynamodb';

export default async function globalTeardown(): Promise<void> {
  const shared = globalThis as { __awDynamo?: DynamoDbLocal; __awMoto?: MotoServer };
  await Promise.all([shared.__awDynamo?.stop(), shared.__awMoto?.stop()]);
}
