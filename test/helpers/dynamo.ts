import { randomBytes } from 'node:crypto';
import { createDocumentClient } from '../../lib/aws/clients';
import type { TableRef } from '../../lib/store/table-ref';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb';

export function testDynamoEndpoint(): string {
  const endpoint = process.env.AW_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error('AW_TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest (global setup starts DynamoDB Local)');
  return endpoint;
}

/** The moto server (client accounts' SSM and STS) the global setup started for the whole run. */
export function testMotoEndpoint(): string {
  const endpoint = process.env.AW_TEST_MOTO_ENDPOINT;
  if (!endpoint) throw new Error('AW_TEST_MOTO_ENDPOINT is not set: run integration tests through jest (global setup starts moto)');
  return endpoint;
}

/** A fresh table from the one definition, so test files never see each other's data. */
export async function createTestTable(prefix = 'test'): Promise<TableRef> {
  const endpoint = testDynamoEndpoint();
  const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
  await ensureTable(endpoint, tableName);
  return { db: createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }), tableName };
}
