import { readFileSync } from 'node:fs';
import { registerSnsTopic } from '../../lib/store/integrations';
import type { LocalStack } from '../../local/stack';
import { createTenant, startTestStack } from '../helpers/local-stack';

/**
 * SNS deliveries to the cloudwatch webhook are authenticated by SNS's signature, which covers the
 * MessageId but no X-Delivery-ID (SNS sets none): a made-up X-Delivery-ID must not become the
 * idempotency key, or a captured notification replayed under fresh ids would make new alerts. SNS
 * signature checks are off here (as local mode allows); the unit tests cover the signatures.
 */
let stack: LocalStack;
let apiKey: string;
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:acme-cloudwatch-alarms';
const firing = JSON.parse(readFileSync('events/webhooks/cloudwatch/firing.json', 'utf8'));

beforeAll(async () => {
  ({ stack } = await startTestStack('sns-delivery-id-test', { snsVerify: 'off' }));
  apiKey = await createTenant(stack, 'sns-replay-co');
  await registerSnsTopic(stack.table, 'sns-replay-co', TOPIC);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function postSns(body: unknown, deliveryId: string) {
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/cloudwatch?api_key=${encodeURIComponent(apiKey)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', 'x-delivery-id': deliveryId },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

test('a replayed SNS notification under a made-up X-Delivery-ID is a repeat of its MessageId, not a new alert', async () => {
  const first = await postSns(firing, 'made-up-1');
  expect(first.status).toBe(202);
  expect(first.body.accepted[0].deliveryId).toBe(`sns:${firing.MessageId}`);
  const replay = await postSns(firing, 'made-up-2');
  expect(replay.status).toBe(200);
  expect(replay.body.accepted).toEqual([{ ...first.body.accepted[0], duplicate: true }]);
});
