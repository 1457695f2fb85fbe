import { DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { TestEnvironment } from 'jest-environment-node';

/**
 * The integration and e2e tests' environment: Node's, and when a test file is done (after its own afterAll
 * hooks have stopped its stacks), the DynamoDB Local tables it made are deleted. Every file makes tables
 * of its own in the one DynamoDB Local of the run, and DynamoDB Local slows down as they pile up: with a
 * hundred filled tables the demo history took 246 s instead of 14 s, and the last files of a run took
 * several times as long as alone. Tables are told apart by listing them before and after the file, which
 * is exact because the tests run in one worker (jest.config.js `maxWorkers`).
 */
export default class DynamoTestEnvironment extends TestEnvironment {
  private before = new Set<string>();

  override async setup(): Promise<void> {
    await super.setup();
    this.before = new Set(await withClient(listTables));
  }

  override async teardown(): Promise<void> {
    await withClient(async (client) => {
      const made = (await listTables(client)).filter((name) => !this.before.has(name));
      // A table a file left busy is not worth failing the run for: it is only slower.
      await Promise.all(made.map((TableName) => client.send(new DeleteTableCommand({ TableName })).catch(() => undefined)));
    });
    await super.teardown();
  }
}

async function withClient<T>(work: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const endpoint = process.env.AW_TEST_DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

async function listTables(client: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }));
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}
