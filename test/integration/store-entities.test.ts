import type { Context } from 'aws-lambda';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { httpHandler, type HttpEvent } from '../../lib/http/http';
import type { Execution } from '../../lib/domain/remediation/execution';
import { InvalidStoredItemError } from '../../lib/store/entity';
import { getIncidentDetail } from '../../lib/store/incidents';
import { keys } from '../../lib/store/keys';
import { createExecution } from '../../lib/store/remediation';
import type { TableRef } from '../../lib/store/table-ref';
import { storeErrorKind } from '../../lib/store/transact';
import { createTestTable } from '../helpers/dynamo';

/**
 * The entity layer against DynamoDB Local: a stored item that is not a valid entity is refused when read
 * (naming the item), an invalid entity is refused before it is written, and DynamoDB's failures are
 * classified once: a condition that did not hold, or an item over the 400 KB limit (a 409 at the HTTP
 * edge: retrying cannot help, and it is not the service's fault).
 */
let table: TableRef;
const TENANT = 'entities-co';
const OVER_LIMIT = 'x'.repeat(401 * 1024);

beforeAll(async () => {
  table = await createTestTable('store-entities');
});

afterAll(() => table?.db.destroy());

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

const event = { headers: {}, requestContext: { requestId: 'entities-test', http: { method: 'POST', path: '/x' } } } as unknown as HttpEvent;

test('an incident item whose status is not one the model knows is refused when read, naming the item and the field', async () => {
  const incident = keys.incident(TENANT, 'inc-corrupt');
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...incident, entity: 'incident', tenantId: TENANT, id: 'inc-corrupt', status: 'sleeping' },
    }),
  );
  const error = await failureOf(getIncidentDetail(table, TENANT, 'inc-corrupt'));
  expect(error).toBeInstanceOf(InvalidStoredItemError);
  const invalid = error as InvalidStoredItemError;
  expect(invalid.key).toEqual(incident);
  expect(invalid.issues.map((issue) => issue.path)).toContain('status');
});

test('an execution that breaks its schema is refused before anything is written', async () => {
  const execution = {
    id: 'exec-invalid',
    tenantId: TENANT,
    incidentId: 'inc-1',
    runbookId: 'restart-service',
    runbookName: 'Restart a service',
    risk: 'low',
    platform: 'linux',
    params: {},
    targets: [],
    dryRun: false,
    requestedBy: 'system',
    trigger: 'auto',
    state: 'sleeping',
    createdAt: '2026-12-07T10:00:00.000Z',
  } as unknown as Execution;
  await expect(createExecution(table, execution)).rejects.toBeInstanceOf(InvalidStoredItemError);
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.execution(TENANT, 'exec-invalid') }));
  expect(Item).toBeUndefined();
});

test('a put, an update and a transaction over the item size limit are each classified as too large', async () => {
  const put = new PutCommand({ TableName: table.tableName, Item: { pk: `T#${TENANT}`, sk: 'BIG#put', body: OVER_LIMIT } });
  const update = new UpdateCommand({
    TableName: table.tableName,
    Key: { pk: `T#${TENANT}`, sk: 'BIG#update' },
    UpdateExpression: 'SET body = :body',
    ExpressionAttributeValues: { ':body': OVER_LIMIT },
  });
  const transaction = new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: table.tableName, Item: { pk: `T#${TENANT}`, sk: 'BIG#tx', body: OVER_LIMIT } } },
      { Put: { TableName: table.tableName, Item: { pk: `T#${TENANT}`, sk: 'SMALL#tx' } } },
    ],
  });
  const kinds = [];
  for (const command of [put, update, transaction]) kinds.push(storeErrorKind(await failureOf(table.db.send(command as never))));
  expect(kinds).toEqual(['too-large', 'too-large', 'too-large']);
  // Control: the same writes at a size that fits succeed, and a failed condition is a conflict.
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: { pk: `T#${TENANT}`, sk: 'BIG#put', body: 'small' } }));
  const conflict = await failureOf(
    table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: `T#${TENANT}`, sk: 'BIG#put' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  expect(storeErrorKind(conflict)).toBe('conflict');
});

test('the HTTP edge answers a write over the limit 409 too_large in the error shape, never a 500', async () => {
  const handler = httpHandler(async () => {
    await table.db.send(new PutCommand({ TableName: table.tableName, Item: { pk: `T#${TENANT}`, sk: 'BIG#http', body: OVER_LIMIT } }));
    return { statusCode: 204 };
  });
  const response = await handler(event, {} as Context);
  expect(response.statusCode).toBe(409);
  expect(JSON.parse(response.body as string)).toEqual({ error: { code: 'too_large', message: expect.any(String) } });
});
