import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { signPayload } from '../../lib/util/signing';
import { getAlert, MAX_ALERTS_PER_DELIVERY, type StoredAlert } from '../../lib/store/alerts';
import { putHmacSettings, putRateLimit, rotateHmacSecret } from '../../lib/store/integrations';
import type { DemoInfo } from '../../local/seed';
import { ROOT_DIR, type LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';

/** Ingestion through the real HTTP path: authentication, signatures, idempotency, limits and listing. */
let stack: LocalStack;
let demo: DemoInfo;
let adminToken: string;

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('ingestion-test'));
  adminToken = await login(stack, demo, 'admin@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const generic = (overrides: Record<string, unknown> = {}) => ({
  asset_name: 'web-77',
  signature: 'HttpDown',
  severity: 'critical',
  message: 'HTTP check failed',
  tool_source: 'uptime',
  ...overrides,
});

function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

describe('HMAC signatures', () => {
  let apiKey: string;
  const secret = 'a'.repeat(64);
  beforeAll(async () => {
    apiKey = await createTenant(stack, 'signed-co');
    await putHmacSettings(stack.table, 'signed-co', { secret, required: true });
  });

  test('a correctly signed delivery is accepted', async () => {
    const body = JSON.stringify(generic());
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await postJson(stack, '/v1/webhooks/generic', body, {
      'x-api-key': apiKey,
      'x-timestamp': timestamp,
      'x-signature': sign(secret, timestamp, body),
    });
    expect(response.status).toBe(202);
  });

  test.each([
    ['an unsigned delivery when the tenant requires signing', () => ({}), 'signature_required'],
    [
      'a signature over another body',
      (body: string, ts: string) => ({ 'x-timestamp': ts, 'x-signature': sign(secret, ts, `${body} `) }),
      'invalid_signature',
    ],
    [
      'a signature with another secret',
      (body: string, ts: string) => ({ 'x-timestamp': ts, 'x-signature': sign('b'.repeat(64), ts, body) }),
      'invalid_signature',
    ],
    [
      'a timestamp six minutes old',
      (body: string) => {
        const stale = String(Math.floor(Date.now() / 1000) - 6 * 60);
        return { 'x-timestamp': stale, 'x-signature': sign(secret, stale, body) };
      },
      'stale_timestamp',
    ],
    ['a signature without a timestamp', (body: string, ts: string) => ({ 'x-signature': sign(secret, ts, body) }), 'invalid_signature'],
  ])('%s is refused with 403', async (_name, headersFor, code) => {
    const body = JSON.stringify(generic({ signature: `Refused-${code}` }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': apiKey, ...headersFor(body, timestamp) });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe(code);
  });

  test('after a rotation both the new and, during the overlap, the previous secret verify', async () => {
    await createTenant(stack, 'rotating-co').then(async (key) => {
      await putHmacSettings(stack.table, 'rotating-co', { secret: 'old-secret-'.padEnd(40, 'x'), required: true });
      await rotateHmacSecret(stack.table, 'rotating-co', 'new-secret-'.padEnd(40, 'y'), 3600, new Date());
      for (const [secretUsed, signature] of [
        ['old', 'OldSecretStillWorks'],
        ['new', 'NewSecretWorks'],
      ]) {
        const body = JSON.stringify(generic({ signature }));
        const ts = new Date().toISOString();
        const used = secretUsed === 'old' ? 'old-secret-'.padEnd(40, 'x') : 'new-secret-'.padEnd(40, 'y');
        const response = await postJson(stack, '/v1/webhooks/generic', body, {
          'x-api-key': key,
          'x-timestamp': ts,
          'x-signature': sign(used, ts, body),
        });
        expect(response.status).toBe(202);
      }
    });
  });
});

test('one tenant over its rate limit gets 429 with Retry-After while another tenant is unaffected', async () => {
  const stormKey = await createTenant(stack, 'storm-co');
  await putRateLimit(stack.table, 'storm-co', { perMinute: 6, burst: 5 }); // no refill during the test
  const calmKey = await createTenant(stack, 'calm-co');

  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let index = 0; index < 8; index++) {
    const response = await postJson(stack, '/v1/webhooks/generic', generic({ signature: `Storm${index}` }), { 'x-api-key': stormKey });
    statuses.push(response.status);
    if (response.status === 429) {
      retryAfter = response.headers.get('retry-after');
      expect(response.body.error.code).toBe('rate_limited');
    }
  }
  expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
  expect(statuses.slice(5)).toEqual([429, 429, 429]);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

  const calm = await postJson(stack, '/v1/webhooks/generic', generic(), { 'x-api-key': calmKey });
  expect(calm.status).toBe(202);
  // A refused delivery stores nothing.
  await stack.idle();
  const listed = await getJson(stack, '/v1/alerts?tenant=storm-co', adminToken);
  expect(listed.body.alerts.map((alert: any) => alert.signature).sort()).toEqual(['Storm0', 'Storm1', 'Storm2', 'Storm3', 'Storm4']);
});

test('a repeat is not charged to the rate limit: it answers 200 even when the bucket is empty', async () => {
  const key = await createTenant(stack, 'repeat-limit-co');
  await putRateLimit(stack.table, 'repeat-limit-co', { perMinute: 6, burst: 2 }); // no refill during the test
  const post = (signature: string, deliveryId: string) =>
    postJson(stack, '/v1/webhooks/generic', generic({ signature }), { 'x-api-key': key, 'x-delivery-id': deliveryId });
  const first = await post('Charged', 'charged-1');
  expect(first.status).toBe(202);
  for (let repeat = 0; repeat < 3; repeat++) {
    const again = await post('Charged', 'charged-1');
    expect(again.status).toBe(200);
    expect(again.body.accepted).toEqual([{ ...first.body.accepted[0], duplicate: true }]);
  }
  // The repeats took nothing: the second token is still there, then the bucket is empty.
  expect((await post('Second', 'charged-2')).status).toBe(202);
  expect((await post('Third', 'charged-3')).status).toBe(429);
  // Even with the bucket empty, a repeat is answered with its original alert.
  expect((await post('Charged', 'charged-1')).status).toBe(200);
});

test('each alert of a payload is idempotent on its own: a repeat of two alerts plus one new stores only the new one', async () => {
  const key = await createTenant(stack, 'batch-co');
  const first = await postJson(stack, '/v1/webhooks/generic', [generic({ signature: 'A' }), generic({ signature: 'B' })], {
    'x-api-key': key,
    'x-delivery-id': 'batch-1',
  });
  expect(first.status).toBe(202);
  expect(first.body.accepted.map((entry: any) => entry.deliveryId)).toEqual(['batch-1#0', 'batch-1#1']);
  const again = await postJson(stack, '/v1/webhooks/generic', [generic({ signature: 'A' }), generic({ signature: 'B' })], {
    'x-api-key': key,
    'x-delivery-id': 'batch-1',
  });
  expect(again.status).toBe(200);
  expect(again.body.accepted).toEqual(first.body.accepted.map((entry: any) => ({ ...entry, duplicate: true })));
  const extended = await postJson(
    stack,
    '/v1/webhooks/generic',
    [generic({ signature: 'A' }), generic({ signature: 'B' }), generic({ signature: 'C' })],
    { 'x-api-key': key, 'x-delivery-id': 'batch-1' },
  );
  expect(extended.status).toBe(202);
  expect(extended.body.accepted.slice(0, 2)).toEqual(first.body.accepted.map((entry: any) => ({ ...entry, duplicate: true })));
  expect(extended.body.accepted[2]).toMatchObject({ deliveryId: 'batch-1#2', duplicate: false });
  await stack.idle();
  const listed = await getJson(stack, '/v1/alerts?tenant=batch-co', adminToken);
  expect(listed.body.alerts.map((alert: any) => alert.signature).sort()).toEqual(['A', 'B', 'C']);
});

test('a body without a delivery id is deduplicated by its content', async () => {
  const key = await createTenant(stack, 'hash-co');
  const body = generic({ signature: 'SameBody' });
  const first = await postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': key });
  const again = await postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': key });
  expect([first.status, again.status]).toEqual([202, 200]);
  expect(again.body.accepted[0].alertId).toBe(first.body.accepted[0].alertId);
  expect(first.body.accepted[0].deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
});

describe('GET /v1/alerts', () => {
  const tenant = 'list-co';
  let key: string;
  beforeAll(async () => {
    key = await createTenant(stack, tenant, [
      { id: 'db-1', name: 'db-1', type: 'database', aliases: ['db-1.list.internal', '10.9.0.1'], dependsOn: [], critical: false, tags: {} },
    ]);
    await postJson(stack, '/v1/webhooks/generic', generic({ asset_name: '10.9.0.1:9100', signature: 'Disk', severity: 'high' }), {
      'x-api-key': key,
      'x-delivery-id': 'l1',
    });
    await postJson(stack, '/v1/webhooks/generic', generic({ asset_name: 'mystery-box', signature: 'Cpu', severity: 'low' }), {
      'x-api-key': key,
      'x-delivery-id': 'l2',
    });
    await postJson(
      stack,
      '/v1/webhooks/generic',
      generic({ asset_name: 'mystery-box', signature: 'Cpu', severity: 'low', status: 'resolved' }),
      { 'x-api-key': key, 'x-delivery-id': 'l3' },
    );
    await stack.idle();
  });

  test('returns canonical alerts newest first with every field', async () => {
    const { status, body } = await getJson(stack, `/v1/alerts?tenant=${tenant}`, adminToken);
    expect(status).toBe(200);
    expect(body.alerts.map((alert: any) => alert.deliveryId)).toEqual(['l3', 'l2', 'l1']);
    expect(body.alerts[2]).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        tenantId: tenant,
        deliveryId: 'l1',
        source: 'uptime',
        status: 'firing',
        severity: 'high',
        assetRef: '10.9.0.1:9100',
        assetId: 'db-1',
        signature: 'Disk',
        message: 'HTTP check failed',
        labels: {},
        dedupKey: 'uptime|10.9.0.1:9100|disk',
        occurredAt: expect.any(String),
        receivedAt: expect.any(String),
      }),
    );
  });

  test.each([
    ['status=resolved', ['l3']],
    ['severity=high', ['l1']],
    ['assetId=db-1', ['l1']],
    ['deliveryId=l2', ['l2']],
    ['source=uptime', ['l3', 'l2', 'l1']],
    ['source=other', []],
  ])('filters by %s', async (filter, expected) => {
    const { body } = await getJson(stack, `/v1/alerts?tenant=${tenant}&${filter}`, adminToken);
    expect(body.alerts.map((alert: any) => alert.deliveryId)).toEqual(expected);
  });

  test('pages with a cursor until the end', async () => {
    const first = await getJson(stack, `/v1/alerts?tenant=${tenant}&limit=2`, adminToken);
    expect(first.body.alerts).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await getJson(stack, `/v1/alerts?tenant=${tenant}&limit=2&cursor=${first.body.nextCursor}`, adminToken);
    expect(second.body.alerts.map((alert: any) => alert.deliveryId)).toEqual(['l1']);
    expect(second.body.nextCursor).toBeNull();
  });

  test('since filters by receive time', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const { body } = await getJson(stack, `/v1/alerts?tenant=${tenant}&since=${encodeURIComponent(future)}`, adminToken);
    expect(body.alerts).toEqual([]);
  });

  test("a cursor from another tenant's listing is refused", async () => {
    const acme = await getJson(stack, '/v1/alerts?tenant=acme&limit=1', adminToken);
    const forged = Buffer.from(JSON.stringify({ pk: 'T#acme#ALERTS', sk: '0' })).toString('base64url');
    const response = await getJson(stack, `/v1/alerts?tenant=${tenant}&cursor=${forged}`, adminToken);
    expect(acme.status).toBe(200);
    expect(response.status).toBe(400);
  });

  test('unresolved asset references are listed for the operator to map (counted by the stream relay)', async () => {
    const { status, body } = await getJson(stack, `/v1/assets/unresolved?tenant=${tenant}`, adminToken);
    expect(status).toBe(200);
    // The source is the alerts' own (a generic webhook's tool_source).
    expect(body.unresolved).toEqual([expect.objectContaining({ assetRef: 'mystery-box', alertCount: 2, lastSource: 'uptime' })]);
  });

  test("a technician cannot list another company's alerts (404)", async () => {
    const gale = await login(stack, demo, 'tech.gale@msp.example');
    const response = await getJson(stack, '/v1/alerts?tenant=acme', gale);
    expect(response.status).toBe(404);
  });
});

test('unresolved asset names are counted once per stored alert, from the stream: never for a repeat, never for a host-less alert', async () => {
  const key = await createTenant(stack, 'unresolved-co');
  const post = (body: unknown, deliveryId: string) =>
    postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': key, 'x-delivery-id': deliveryId });
  expect((await post([generic({ asset_name: 'Ghost-1' }), generic({ asset_name: ' ghost-1 ', signature: 'Disk' })], 'u-1')).status).toBe(
    202,
  );
  expect((await post([generic({ asset_name: 'Ghost-1' }), generic({ asset_name: ' ghost-1 ', signature: 'Disk' })], 'u-1')).status).toBe(
    200,
  );
  expect((await post(generic({ asset_name: 'ghost-2', tool_source: 'nagios' }), 'u-2')).status).toBe(202);
  const alertmanager = JSON.parse(readFileSync('events/webhooks/alertmanager/firing.json', 'utf8'));
  const watchdog = {
    ...alertmanager,
    alerts: [{ ...alertmanager.alerts[0], labels: { alertname: 'Watchdog', severity: 'warning' }, fingerprint: 'f00dfeedf00dfeed' }],
  };
  expect((await postJson(stack, '/v1/webhooks/alertmanager', watchdog, { 'x-api-key': key })).status).toBe(202);
  await stack.idle();
  const { body } = await getJson(stack, '/v1/assets/unresolved?tenant=unresolved-co', adminToken);
  expect(body.unresolved).toEqual([
    expect.objectContaining({ assetRef: expect.stringMatching(/^ ?[Gg]host-1 ?$/), alertCount: 2, lastSource: 'uptime' }),
    expect.objectContaining({ assetRef: 'ghost-2', alertCount: 1, lastSource: 'nagios' }),
  ]);
});

test('with SNS verification on (the default), an SNS message whose certificate is not on an SNS host is refused with 403', async () => {
  const key = await createTenant(stack, 'sns-co');
  const envelope = {
    ...JSON.parse(readFileSync('events/webhooks/cloudwatch/firing.json', 'utf8')),
    SigningCertURL: 'https://evil.example/cert.pem',
  };
  const response = await postJson(stack, `/v1/webhooks/cloudwatch?api_key=${key}`, JSON.stringify(envelope), {
    'content-type': 'text/plain; charset=UTF-8',
  });
  expect(response.status).toBe(403);
  expect(response.body.error).toMatchObject({ code: 'sns_verification_failed', details: { reason: 'disallowed_certificate_url' } });
});

describe.each(['generic', 'alertmanager', 'grafana', 'datadog', 'zabbix', 'azure'])(
  'the %s sample payloads through the webhook',
  (source) => {
    let key: string;
    beforeAll(async () => {
      key = await createTenant(stack, `samples-${source}`);
    });

    test('firing and resolved are accepted, a repeat is recognised, and both resolve the same alert', async () => {
      const firing = readFileSync(`events/webhooks/${source}/firing.json`, 'utf8');
      const resolved = readFileSync(`events/webhooks/${source}/resolved.json`, 'utf8');
      const first = await postJson(stack, `/v1/webhooks/${source}`, firing, { 'x-api-key': key });
      expect(first.status).toBe(202);
      expect(first.body.accepted.length).toBeGreaterThan(0);
      const repeat = await postJson(stack, `/v1/webhooks/${source}`, firing, { 'x-api-key': key });
      expect(repeat.status).toBe(200);
      expect(repeat.body.accepted.map((entry: any) => entry.alertId)).toEqual(first.body.accepted.map((entry: any) => entry.alertId));
      await stack.idle();
      const second = await postJson(stack, `/v1/webhooks/${source}`, resolved, { 'x-api-key': key });
      expect(second.status).toBe(202);
      await stack.idle();

      const { body } = await getJson(stack, `/v1/alerts?tenant=samples-${source}`, adminToken);
      const firingAlerts = body.alerts.filter((alert: any) => alert.status === 'firing');
      const resolvedAlerts = body.alerts.filter((alert: any) => alert.status === 'resolved');
      expect(firingAlerts.length).toBe(first.body.accepted.length);
      expect(resolvedAlerts.length).toBeGreaterThan(0);
      // Every resolution found its firing alert's incident (same dedup key), which is now resolved.
      for (const alert of resolvedAlerts) {
        const twin = firingAlerts.find((candidate: any) => candidate.dedupKey === alert.dedupKey);
        expect(twin).toBeDefined();
        expect(alert.incidentId).toBe(twin.incidentId);
      }
    });
  },
);

test('a correlation id follows the webhook into its alert (and its incident events), and is answered back', async () => {
  const key = await createTenant(stack, 'correlation-id-co');
  const given = await postJson(stack, '/v1/webhooks/generic', generic({ signature: 'TraceMe' }), {
    'x-api-key': key,
    'x-correlation-id': 'ticket-4711',
  });
  expect(given.status).toBe(202);
  expect(given.headers.get('x-correlation-id')).toBe('ticket-4711');
  // A malformed one is replaced by the request id, never echoed.
  const replaced = await postJson(stack, '/v1/webhooks/generic', generic({ signature: 'TraceMeToo' }), {
    'x-api-key': key,
    'x-correlation-id': 'bad id; with spaces',
  });
  expect(replaced.headers.get('x-correlation-id')).not.toContain('bad id');
  expect(replaced.headers.get('x-correlation-id')).toBeTruthy();
  await stack.idle();

  const { body } = await getJson(stack, '/v1/alerts?tenant=correlation-id-co&limit=10', adminToken);
  const traced = body.alerts.find((alert: any) => alert.signature === 'TraceMe');
  expect(traced.correlationId).toBe('ticket-4711');
  expect(traced.incidentId).toEqual(expect.any(String));
});

test('a 500-alert delivery is accepted whole, every alert is stored, and every one is correlated', async () => {
  const key = await createTenant(stack, 'bulk-co');
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const payload = {
    version: '4',
    status: 'firing',
    receiver: 'alert-whisperer',
    groupKey: '{}:{alertname="QueueBacklog"}',
    truncatedAlerts: 0,
    alerts: Array.from({ length: MAX_ALERTS_PER_DELIVERY }, (_, index) => ({
      status: 'firing',
      // Two hosts, one rule, in runs of ten: a few incidents, each taking many alerts.
      labels: {
        alertname: 'QueueBacklog',
        instance: `bulk-${Math.floor(index / 10) % 2}.bulk.internal:9100`,
        job: 'node',
        severity: 'warning',
        shard: String(index),
      },
      annotations: { summary: `Backlog on shard ${index}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: index.toString(16).padStart(16, '0'),
    })),
  };
  const response = await postJson(stack, '/v1/webhooks/alertmanager', payload, { 'x-api-key': key });
  expect(response.status).toBe(202);
  const accepted = response.body.accepted as Array<{ alertId: string; deliveryId: string; duplicate: boolean }>;
  expect(accepted).toHaveLength(MAX_ALERTS_PER_DELIVERY);
  expect(accepted.every((entry) => !entry.duplicate)).toBe(true);
  expect(new Set(accepted.map((entry) => entry.alertId)).size).toBe(MAX_ALERTS_PER_DELIVERY);

  await stack.idle();
  const stored: Array<StoredAlert | undefined> = [];
  for (let start = 0; start < accepted.length; start += 50)
    stored.push(...(await Promise.all(accepted.slice(start, start + 50).map((entry) => getAlert(stack.table, 'bulk-co', entry.alertId)))));
  expect(stored.filter((alert) => !alert)).toHaveLength(0);
  const uncorrelated = stored.filter((alert) => alert!.incidentId === undefined && alert!.correlation === undefined);
  expect(uncorrelated.map((alert) => alert!.id)).toEqual([]);
  expect(stored.map((alert) => alert!.labels.shard).sort((a, b) => Number(a) - Number(b))).toEqual(
    Array.from({ length: MAX_ALERTS_PER_DELIVERY }, (_, index) => String(index)),
  );
  const stats = await stack.deliveryStats();
  expect(stats.alertsDeadLettered).toBe(0);
  expect(stats.stream.deadLettered).toBe(0);
}, 60_000);

test("a repeat of a stored alert's delivery never queues it again", async () => {
  const key = await createTenant(stack, 'repeat-co');
  const body = generic({ signature: 'RepeatedDelivery' });
  const headers = { 'x-api-key': key, 'x-delivery-id': 'repeat-1' };
  const queued = async () => {
    const { Attributes: attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(attributes.ApproximateNumberOfMessages ?? 0) + Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  const first = await postJson(stack, '/v1/webhooks/generic', body, headers);
  expect(first.status).toBe(202);
  await stack.streamReader!.idle();
  await stack.idle(); // the first one is correlated: the queue is empty
  await stack.pauseCorrelation();
  try {
    expect(await queued()).toBe(0);
    for (let repeat = 0; repeat < 2; repeat++) {
      const again = await postJson(stack, '/v1/webhooks/generic', body, headers);
      expect(again.status).toBe(200);
      expect(again.body.accepted).toEqual([{ ...first.body.accepted[0], duplicate: true }]);
    }
    await stack.streamReader!.idle();
    expect(await queued()).toBe(0);

    // While correlation is paused the queue does keep what is new: one new delivery is one message.
    const fresh = await postJson(stack, '/v1/webhooks/generic', body, { ...headers, 'x-delivery-id': 'repeat-2' });
    expect(fresh.status).toBe(202);
    await stack.streamReader!.idle();
    expect(await queued()).toBe(1);
  } finally {
    stack.resumeCorrelation();
  }
  await stack.idle();
  expect(await queued()).toBe(0);
  const listed = await getJson(stack, '/v1/alerts?tenant=repeat-co', adminToken);
  expect(listed.body.alerts.map((alert: any) => alert.deliveryId)).toEqual(['repeat-2', 'repeat-1']);
  expect(listed.body.alerts.every((alert: any) => typeof alert.incidentId === 'string')).toBe(true);
});

/**
 * A local stack whose handlers see a table that throttles every call, in a process of its own: the
 * handler modules and their cached AWS clients are loaded once per process (as in a Lambda container),
 * so a second stack in this process would reuse this file's, which point at the unfaulted table.
 */
const THROTTLED_STACK = `
const root = process.env.AW_ROOT_URL;
const { startLocalStack } = await import(new URL('local/stack.ts', root).href);
const { seedDemo } = await import(new URL('local/seed.ts', root).href);
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const stack = await startLocalStack({
  port: 0,
  dataDir: null,
  dynamoEndpoint: process.env.AW_TEST_DYNAMODB_ENDPOINT,
  motoEndpoint: process.env.AW_TEST_MOTO_ENDPOINT,
  tableName: process.env.AW_THROTTLED_TABLE,
  faults: 'ddb-throttle:1',
  log: () => undefined,
});
const demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-demo-')));
console.log('@@ready ' + JSON.stringify({ apiUrl: stack.apiUrl, apiKey: demo.tenants[0].apiKey }));
process.stdin.resume();
process.stdin.once('data', async () => {
  console.log('@@faults ' + JSON.stringify(stack.faultCounts()));
  await stack.stop();
  process.exit(0);
});
`;

test('a table that throttles every call is answered 503 with Retry-After and the error shape, never 500', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', THROTTLED_STACK], {
    cwd: ROOT_DIR,
    env: { ...process.env, AW_ROOT_URL: pathToFileURL(ROOT_DIR).href, AW_THROTTLED_TABLE: `ingestion-throttled-${Date.now()}` },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin!.on('error', () => undefined); // it may be gone already when told to stop
  let output = '';
  const waiting = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiting) check();
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  /** The JSON the child printed after `marker`. */
  const printed = (marker: string) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const line = output.split('\n').find((candidate) => candidate.startsWith(`${marker} `));
        if (!line) return;
        waiting.delete(check);
        resolve(JSON.parse(line.slice(marker.length + 1)));
      };
      waiting.add(check);
      void exited.then((code) => reject(new Error(`the throttled stack exited (${code}) before printing ${marker}:\n${output}`)));
      check();
    });
  let stopSent = false;
  const stopChild = () => {
    if (!stopSent && child.exitCode === null) child.stdin!.write('stop\n');
    stopSent = true;
  };
  try {
    const { apiUrl, apiKey } = await printed('@@ready');
    const response = await fetch(`${apiUrl}/v1/webhooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify(generic({ signature: 'Throttled' })),
    });
    const body = await response.json();
    expect({ status: response.status, body }).toEqual({
      status: 503,
      body: { error: { code: 'unavailable', message: expect.any(String), details: { retryAfterSeconds: expect.any(Number) } } },
    });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    stopChild();
    // Every table call of the handlers was throttled (none got through to answer otherwise).
    const faults = await printed('@@faults');
    expect(faults['ddb-throttle'].injected).toBeGreaterThan(0);
    expect(faults['ddb-throttle'].injected).toBe(faults['ddb-throttle'].calls);
  } finally {
    stopChild();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
  }
}, 60_000);

describe('signed delivery ids', () => {
  const secret = 'c'.repeat(64);
  let key: string;
  beforeAll(async () => {
    key = await createTenant(stack, 'replay-co');
    await putHmacSettings(stack.table, 'replay-co', { secret, required: true });
  });
  const now = () => String(Math.floor(Date.now() / 1000));
  const alertsOf = async () => (await getJson(stack, '/v1/alerts?tenant=replay-co', adminToken)).body.alerts as any[];

  test('a captured signed request replayed under fresh delivery ids makes no new alert', async () => {
    const body = JSON.stringify(generic({ signature: 'ReplayedWithFreshIds' }));
    const timestamp = now();
    const headers = {
      'x-api-key': key,
      'x-timestamp': timestamp,
      'x-delivery-id': 'signed-1',
      'x-signature': signPayload(secret, timestamp, body, 'signed-1'),
    };
    const first = await postJson(stack, '/v1/webhooks/generic', body, headers);
    expect(first.status).toBe(202);
    expect(first.body.accepted[0].deliveryId).toBe('signed-1');
    for (const fresh of ['replay-1', 'replay-2', 'replay-3']) {
      const replay = await postJson(stack, '/v1/webhooks/generic', body, { ...headers, 'x-delivery-id': fresh });
      expect(replay.status).toBe(403);
      expect(replay.body.error.code).toBe('invalid_signature');
    }
    // The same request again is a repeat, as before.
    const again = await postJson(stack, '/v1/webhooks/generic', body, headers);
    expect(again.status).toBe(200);
    expect(again.body.accepted[0]).toMatchObject({ alertId: first.body.accepted[0].alertId, duplicate: true });
    await stack.idle();
    expect((await alertsOf()).filter((alert) => alert.signature === 'ReplayedWithFreshIds')).toHaveLength(1);
  });

  test('a delivery id the signature does not cover is refused with a 403 that says what to sign', async () => {
    const body = JSON.stringify(generic({ signature: 'IdNotSigned' }));
    const timestamp = now();
    const response = await postJson(stack, '/v1/webhooks/generic', body, {
      'x-api-key': key,
      'x-timestamp': timestamp,
      'x-delivery-id': 'unsigned-id',
      'x-signature': signPayload(secret, timestamp, body),
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toEqual({
      code: 'invalid_signature',
      message: 'X-Signature does not cover X-Delivery-ID: sign timestamp + "." + delivery id + "." + raw body (or send no X-Delivery-ID)',
    });
  });

  test('without a delivery id, timestamp "." body still verifies, and an exact replay is a repeat by content', async () => {
    const body = JSON.stringify(generic({ signature: 'NoDeliveryId' }));
    const timestamp = now();
    const headers = { 'x-api-key': key, 'x-timestamp': timestamp, 'x-signature': signPayload(secret, timestamp, body) };
    const first = await postJson(stack, '/v1/webhooks/generic', body, headers);
    const again = await postJson(stack, '/v1/webhooks/generic', body, headers);
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(first.body.accepted[0].deliveryId).toMatch(/^sha256:/);
  });
});

describe('the API key as Authorization: Bearer', () => {
  let key: string;
  beforeAll(async () => {
    key = await createTenant(stack, 'bearer-co');
  });

  test('Bearer is accepted like X-Api-Key (Alertmanager http_config.authorization, Grafana contact points)', async () => {
    const response = await postJson(
      stack,
      '/v1/webhooks/alertmanager',
      JSON.parse(readFileSync('events/webhooks/alertmanager/firing.json', 'utf8')),
      {
        authorization: `Bearer ${key}`,
      },
    );
    expect(response.status).toBe(202);
    const generic202 = await postJson(stack, '/v1/webhooks/generic', generic({ signature: 'BearerGeneric' }), {
      authorization: `bearer ${key}`,
    });
    expect(generic202.status).toBe(202);
    // The same key in both headers is not ambiguous.
    const both = await postJson(stack, '/v1/webhooks/generic', generic({ signature: 'BearerAndHeader' }), {
      authorization: `Bearer ${key}`,
      'x-api-key': key,
    });
    expect(both.status).toBe(202);
  });

  test('X-Api-Key and Bearer with different keys are refused as ambiguous (401), even when both are valid', async () => {
    const other = await createTenant(stack, 'bearer-other-co');
    const response = await postJson(stack, '/v1/webhooks/generic', generic({ signature: 'Ambiguous' }), {
      authorization: `Bearer ${other}`,
      'x-api-key': key,
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toEqual({
      code: 'unauthorized',
      message: 'Ambiguous API key: X-Api-Key and Authorization: Bearer carry different keys (send one)',
    });
  });

  test('an Authorization header that is not Bearer is no key; the 401 says which ways a key can come', async () => {
    const basic = await postJson(stack, '/v1/webhooks/generic', generic(), {
      authorization: `Basic ${Buffer.from(`user:${key}`).toString('base64')}`,
    });
    expect(basic.status).toBe(401);
    expect(basic.body.error.message).toBe('Missing API key (X-Api-Key header, Authorization: Bearer <key>, or api_key query parameter)');
    const unknown = await postJson(stack, '/v1/webhooks/generic', generic(), { authorization: 'Bearer aw_not_a_key' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe('Unknown or revoked API key');
  });

  test('Bearer works with a signed delivery id', async () => {
    // A tenant of its own: ingestion caches a tenant's settings for 30 s.
    const signedKey = await createTenant(stack, 'bearer-signed-co');
    const secret = 'd'.repeat(64);
    await putHmacSettings(stack.table, 'bearer-signed-co', { secret, required: true });
    const body = JSON.stringify(generic({ signature: 'BearerSigned' }));
    const timestamp = new Date().toISOString();
    const response = await postJson(stack, '/v1/webhooks/generic', body, {
      authorization: `Bearer ${signedKey}`,
      'x-timestamp': timestamp,
      'x-delivery-id': 'bearer-signed-1',
      'x-signature': signPayload(secret, timestamp, body, 'bearer-signed-1'),
    });
    expect(response.status).toBe(202);
  });
});
