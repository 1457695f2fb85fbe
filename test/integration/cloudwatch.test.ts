import { readFileSync } from 'node:fs';
import { registerAwsAccount, registerSnsTopic } from '../../lib/store/integrations';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, startTestStack } from '../helpers/local-stack';

/**
 * CloudWatch alarms through both real paths: SNS HTTPS deliveries to the cloudwatch webhook (with SNS
 * signature checks explicitly off, as local mode allows: the unit tests cover the signatures), and
 * EventBridge alarm state changes through the ingestAlarmEvent handler.
 */
let stack: LocalStack;
let demo: DemoInfo;
let adminToken: string;
const event = (name: string) => JSON.parse(readFileSync(`events/${name}`, 'utf8'));

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('cloudwatch-test', { snsVerify: 'off' }));
  adminToken = await login(stack, demo, 'admin@msp.example');
  await registerSnsTopic(stack.table, 'acme', 'arn:aws:sns:us-east-1:111122223333:acme-cloudwatch-alarms');
  await registerAwsAccount(stack.table, 'acme', '111122223333');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function postSns(body: unknown, apiKey: string) {
  // As SNS does: no custom headers, the key in the query string, JSON as text/plain.
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/cloudwatch?api_key=${encodeURIComponent(apiKey)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': (body as { Type: string }).Type },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const acmeKey = () => demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;

test('an alarm and its OK from a registered topic become one incident on the resolved asset, which then resolves after its grace period', async () => {
  const firing = await postSns(event('webhooks/cloudwatch/firing.json'), acmeKey());
  expect(firing.status).toBe(202);
  expect(firing.body.accepted[0].deliveryId).toBe(`sns:${event('webhooks/cloudwatch/firing.json').MessageId}`);
  const repeat = await postSns(event('webhooks/cloudwatch/firing.json'), acmeKey());
  expect(repeat.status).toBe(200); // SNS retried the same MessageId
  await stack.idle();
  const resolved = await postSns(event('webhooks/cloudwatch/resolved.json'), acmeKey());
  expect(resolved.status).toBe(202);
  await stack.idle();

  const { body } = await getJson(stack, '/v1/alerts?tenant=acme&source=cloudwatch', adminToken);
  expect(body.alerts.map((alert: any) => [alert.status, alert.assetId, alert.signature])).toEqual([
    ['resolved', 'db-prod-01', 'acme-web-01-cpu-high'],
    ['firing', 'db-prod-01', 'acme-web-01-cpu-high'],
  ]);
  const incidentId = body.alerts[0].incidentId;
  expect(body.alerts[1].incidentId).toBe(incidentId);
  const detail = await getJson(stack, `/v1/incidents/${incidentId}?tenant=acme`, adminToken);
  // All its alerts resolved: the incident resolves when the grace period ends, unless the alarm fires again.
  expect(detail.body.incident).toMatchObject({ status: 'open', resolvesAt: expect.any(String) });
});

test('a notification from a topic the tenant did not register is refused', async () => {
  const foreign = {
    ...event('webhooks/cloudwatch/firing.json'),
    TopicArn: 'arn:aws:sns:us-east-1:999999999999:someone-else',
    MessageId: 'foreign-1',
  };
  const response = await postSns(foreign, acmeKey());
  expect(response.status).toBe(403);
  expect(response.body.error.code).toBe('topic_not_registered');
});

test('a subscription confirmation for an unregistered topic is refused without confirming', async () => {
  const confirmation = {
    ...event('webhooks/cloudwatch/subscription-confirmation.json'),
    TopicArn: 'arn:aws:sns:us-east-1:999999999999:unknown',
  };
  const response = await postSns(confirmation, acmeKey());
  expect(response.status).toBe(200);
  expect(response.body.sns).toMatchObject({ kind: 'subscription-refused', reason: 'topic-not-registered' });
});

test('a body that is not an SNS message is a 422', async () => {
  const response = await postSns({ Type: 'Notification', hello: 'world' }, acmeKey());
  expect(response.status).toBe(422);
  expect(response.body.error.code).toBe('invalid_payload');
});

test('an EventBridge alarm state change is ingested for the tenant that registered its account', async () => {
  const result = (await stack.lambdas.invoke('ingestAlarmEvent', event('eventbridge/cloudwatch-alarm-state-change.json'))) as any;
  expect(result.accepted).toHaveLength(1);
  await stack.idle();
  const { body } = await getJson(
    stack,
    `/v1/alerts?tenant=acme&deliveryId=${encodeURIComponent(result.accepted[0].deliveryId)}`,
    adminToken,
  );
  expect(body.alerts[0]).toMatchObject({ source: 'cloudwatch', status: 'firing', assetId: 'db-prod-01' });
});

test('an alarm event from an unregistered account is dropped, not retried', async () => {
  const stranger = { ...event('eventbridge/cloudwatch-alarm-state-change.json'), account: '444455556666' };
  const result = (await stack.lambdas.invoke('ingestAlarmEvent', stranger)) as any;
  expect(result.ignored).toContain('444455556666');
});
