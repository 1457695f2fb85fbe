import type { Context } from 'aws-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { createDocumentClient } from '../../lib/aws/clients';
import { isRetryableServiceError } from '../../lib/errors';
import { httpHandler, type HttpEvent } from '../../lib/http/http';
import { acknowledgeIncident, IncidentStateError } from '../../lib/store/incident-actions';
import { keys } from '../../lib/store/keys';
import type { TableRef } from '../../lib/store/table-ref';
import { versionedPolicy } from '../../lib/store/versioned-policy';
import { FaultInjector, parseFaults, startFaultProxy, type FaultProxy } from '../../local/aws/faults';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb';
import { createTestTable, testDynamoEndpoint } from '../helpers/dynamo';

/**
 * A table that throttles every call (the fault proxy in front of DynamoDB Local, answering as DynamoDB does:
 * ThrottlingException, or a cancelled transaction whose reason is ThrottlingError). An operator's action and
 * a policy save must fail as "busy, retry" (503 with Retry-After), never as a state conflict (409) or a 500:
 * the request was fine, and telling the operator it raced someone would be a lie.
 */
let table: TableRef;
let busy: TableRef;
let proxy: FaultProxy;
const TENANT = 'busy-co';

beforeAll(async () => {
  table = await createTestTable('store-busy');
  proxy = await startFaultProxy({ upstream: testDynamoEndpoint(), injector: new FaultInjector(parseFaults('ddb-throttle:1,seed:5')) });
  busy = {
    db: createDocumentClient({ endpoint: proxy.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 }),
    tableName: table.tableName,
  };
});

afterAll(async () => {
  busy?.db.destroy();
  table?.db.destroy();
  await proxy?.close();
});

async function openIncident(incidentId: string): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.incident(TENANT, incidentId), entity: 'incident', tenantId: TENANT, id: incidentId, status: 'open' },
    }),
  );
}

async function statusOf(incidentId: string): Promise<unknown> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.incident(TENANT, incidentId) }));
  return Item?.status;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

test('acknowledging on a throttled table fails as retryable, not as a state conflict, and changes nothing', async () => {
  for (const incidentId of ['inc-busy-1', 'inc-busy-2', 'inc-busy-3']) {
    await openIncident(incidentId);
    const error = await failureOf(acknowledgeIncident(busy, TENANT, incidentId, 'tech@msp.example', new Date()));
    expect(error).not.toBeInstanceOf(IncidentStateError);
    expect({ name: error.name, retryable: isRetryableServiceError(error) }).toEqual({ name: error.name, retryable: true });
    expect(await statusOf(incidentId)).toBe('open');
  }
  // The control: the same action on the real table goes through, and a second one is the real conflict.
  await acknowledgeIncident(table, TENANT, 'inc-busy-1', 'tech@msp.example', new Date());
  expect(await statusOf('inc-busy-1')).toBe('acknowledged');
  await expect(acknowledgeIncident(table, TENANT, 'inc-busy-1', 'tech@msp.example', new Date())).rejects.toBeInstanceOf(IncidentStateError);
}, 30_000);

test('saving a versioned policy on a throttled table fails as retryable, never as "someone else saved first"', async () => {
  const policies = versionedPolicy({
    entity: 'busyPolicy',
    key: (tenantId) => ({ pk: `T#${tenantId}`, sk: 'POLICY#busy-test' }),
    schema: z.object({ rules: z.array(z.string()) }),
    defaults: { rules: [] },
    what: 'busy-test policy',
  });
  const save = (on: TableRef) => policies.put(on, TENANT, { rules: [] }, 'admin@msp.example', new Date(), 0);
  const error = await failureOf(save(busy));
  expect(isRetryableServiceError(error)).toBe(true);
  // Control: the real table stores it, and a stale version is the real conflict (false).
  await expect(save(table)).resolves.toBe(true);
  await expect(save(table)).resolves.toBe(false);
});

test('the HTTP edge answers such a failure 503 with Retry-After in the error shape', async () => {
  await openIncident('inc-busy-http');
  const handler = httpHandler(async () => {
    await acknowledgeIncident(busy, TENANT, 'inc-busy-http', 'tech@msp.example', new Date());
    return { statusCode: 204 };
  });
  const event = { headers: {}, requestContext: { requestId: 'busy-test', http: { method: 'POST', path: '/x' } } } as unknown as HttpEvent;
  const response = await handler(event, {} as Context);
  expect(response.statusCode).toBe(503);
  expect(response.headers?.['retry-after']).toBe('2');
  expect(JSON.parse(response.body as string)).toEqual({
    error: { code: 'unavailable', message: expect.any(String), details: { retryAfterSeconds: 2 } },
  });
}, 15_000);
