import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lib/store/keys';
import { ulid } from 'ulid';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { storeAlerts } from '../../lib/store/alerts';
import { listAudit, type AuditEntry } from '../../lib/store/audit';
import { correlationPolicies } from '../../lib/store/correlation-policy';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { login, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The correlation policy routes over HTTP on the local stack: read, change and reset a tenant's
 * policy as every role and as a user of another tenant, validation, the audit log, and the simulator
 * on alerts stored in the tenant's partition.
 */
let stack: LocalStack;
let demo: DemoInfo;

let mspAdmin: string;
let acmeAdmin: string; // company_admin of acme
let niko: string; // technician of acme
let gale: string; // technician of globex

interface Answer {
  status: number;
  body: any;
}

async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const POLICY = '/v1/tenants/acme/correlation/policy';
const SIMULATE = '/v1/tenants/acme/correlation/simulate';

async function policyAudit(tenantId = 'acme'): Promise<AuditEntry[]> {
  const { entries } = await listAudit(stack.table, tenantId, {}, { limit: 1000 });
  return entries.filter((entry) => entry.action.startsWith('correlation.'));
}

async function resetPolicy(): Promise<void> {
  const { version } = await correlationPolicies.get(stack.table, 'acme');
  await correlationPolicies.put(stack.table, 'acme', DEFAULT_POLICY, 'test-setup', new Date(), version);
}

function expectErrorShape(answer: Answer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-correlation'));
  mspAdmin = await login(stack, demo, 'admin@msp.example');
  acmeAdmin = await login(stack, demo, 'admin@acme.example');
  niko = await login(stack, demo, 'tech.niko@msp.example');
  gale = await login(stack, demo, 'tech.gale@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('reading the policy', () => {
  test('every default filled in; technicians may read; another tenant is 404, not 403', async () => {
    const statuses: number[] = [];
    for (const token of [mspAdmin, acmeAdmin, niko, gale]) {
      const answer = await call('GET', POLICY, token);
      statuses.push(answer.status);
      if (answer.status === 200) {
        expect(answer.body).toEqual({ tenantId: 'acme', policy: DEFAULT_POLICY, defaults: DEFAULT_POLICY });
      } else expectErrorShape(answer, 404);
    }
    expect(statuses).toEqual([200, 200, 200, 404]);
    expect((await call('GET', '/v1/tenants/globex/correlation/policy', acmeAdmin)).status).toBe(404);
    expect((await call('GET', '/v1/tenants/globex/correlation/policy', gale)).status).toBe(200);
  });

  test('401 without a token; 404 for a tenant that does not exist, even for an MSP admin; 400 for a malformed tenant id', async () => {
    expectErrorShape(await call('GET', POLICY, undefined), 401);
    expectErrorShape(await call('GET', '/v1/tenants/no-such-co/correlation/policy', mspAdmin), 404);
    expectErrorShape(await call('GET', '/v1/tenants/not%20a%20tenant/correlation/policy', mspAdmin), 400);
  });
});

describe('changing the policy', () => {
  beforeEach(resetPolicy);

  test('MSP and company admins change it, a technician may not (403), another tenant is 404; one audit entry per change', async () => {
    const before = (await policyAudit()).length;
    const answers = [];
    for (const [index, token] of [mspAdmin, acmeAdmin, niko, gale].entries()) {
      answers.push(await call('PUT', POLICY, token, { burstWindowSeconds: 600 + index * 60 }));
    }
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 403, 404]);
    expectErrorShape(answers[2]!, 403);
    expectErrorShape(answers[3]!, 404);
    expect((await policyAudit()).length - before).toBe(2);
    expect((await correlationPolicies.get(stack.table, 'acme')).policy.burstWindowSeconds).toBe(660);
  });

  test('a partial change is merged into the current policy (rules field by field) and answered as the effective policy', async () => {
    const first = await call('PUT', POLICY, acmeAdmin, { rules: { topology: false }, graceSeconds: 120 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      tenantId: 'acme',
      policy: { ...DEFAULT_POLICY, rules: { ...DEFAULT_POLICY.rules, topology: false }, graceSeconds: 120 },
      defaults: DEFAULT_POLICY,
      updatedAt: expect.any(String),
      updatedBy: 'admin@acme.example',
    });

    const second = await call('PUT', POLICY, mspAdmin, { rules: { reopenOnFlap: false }, relatedCategories: [['disk', 'database']] });
    expect(second.status).toBe(200);
    expect(second.body.policy).toEqual({
      ...DEFAULT_POLICY,
      rules: { sameAsset: true, topology: false, reopenOnFlap: false },
      graceSeconds: 120,
      relatedCategories: [['disk', 'database']],
    });
    expect(second.body.updatedBy).toBe('admin@msp.example');
    expect((await call('GET', POLICY, niko)).body).toEqual(second.body);
  });

  test('the audit entry names who changed what, with only the changed fields before and after', async () => {
    const answer = await call('PUT', POLICY, acmeAdmin, { rules: { sameAsset: false, topology: true }, flapWindowSeconds: 900 });
    expect(answer.status).toBe(200);
    const [entry] = await policyAudit();
    expect(entry).toMatchObject({
      tenantId: 'acme',
      action: 'correlation.policy.update',
      resource: { type: 'correlationPolicy', id: 'acme' },
      actor: { type: 'user', email: 'admin@acme.example', role: 'company_admin' },
      summary: {
        before: { rules: { sameAsset: true }, flapWindowSeconds: DEFAULT_POLICY.flapWindowSeconds },
        after: { rules: { sameAsset: false }, flapWindowSeconds: 900 },
      },
    });
  });

  test('a change that changes nothing writes nothing and is not audited', async () => {
    const before = await policyAudit();
    const answer = await call('PUT', POLICY, acmeAdmin, { burstWindowSeconds: DEFAULT_POLICY.burstWindowSeconds, rules: {} });
    expect(answer.status).toBe(200);
    expect(answer.body.policy).toEqual(DEFAULT_POLICY);
    expect(answer.body.updatedBy).toBe('test-setup');
    expect(await policyAudit()).toEqual(before);
  });

  test.each([
    ['an unknown field', { burstWindow: 60 }, ''],
    ['an unknown rule', { rules: { sameHost: true } }, 'rules'],
    ['a negative window', { burstWindowSeconds: -1 }, 'burstWindowSeconds'],
    ['a window over its maximum', { graceSeconds: 2 * 24 * 3600 }, 'graceSeconds'],
    ['a fraction of a second', { cascadeWindowSeconds: 1.5 }, 'cascadeWindowSeconds'],
    ['a string for a number', { quietPeriodSeconds: '3600' }, 'quietPeriodSeconds'],
    ['a string for a rule', { rules: { topology: 'no' } }, 'rules.topology'],
    ['an unknown category', { relatedCategories: [['disk', 'plumbing']] }, 'relatedCategories.0.1'],
    ['rules that are not an object', { rules: null }, 'rules'],
    ['an array body', [], ''],
    ['a null body', null, ''],
  ])('400 for %s, nothing stored, nothing audited', async (_label, body, path) => {
    const before = await policyAudit();
    const answer = await call('PUT', POLICY, acmeAdmin, body);
    expectErrorShape(answer, 400);
    expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect((await correlationPolicies.get(stack.table, 'acme')).policy).toEqual(DEFAULT_POLICY);
    expect(await policyAudit()).toEqual(before);
  });

  test('400 for a body that is not JSON', async () => {
    expectErrorShape(await call('PUT', POLICY, acmeAdmin, '{"graceSeconds": '), 400);
  });

  test('a refused change (technician, other tenant) leaves no audit entry, even with an invalid body', async () => {
    const before = await policyAudit();
    expect((await call('PUT', POLICY, niko, { graceSeconds: 60 })).status).toBe(403);
    expect((await call('PUT', POLICY, niko, { nonsense: true })).status).toBe(403);
    expect((await call('PUT', POLICY, gale, { graceSeconds: 60 })).status).toBe(404);
    expect((await call('PUT', '/v1/tenants/globex/correlation/policy', acmeAdmin, { graceSeconds: 60 })).status).toBe(404);
    expect(await policyAudit()).toEqual(before);
    expect(await policyAudit('globex')).toEqual([]);
  });

  test('DELETE resets to the defaults, audited; a technician may not', async () => {
    expect((await call('PUT', POLICY, acmeAdmin, { graceSeconds: 60, rules: { topology: false } })).status).toBe(200);
    expect((await call('DELETE', POLICY, niko)).status).toBe(403);
    expect((await call('DELETE', POLICY, gale)).status).toBe(404);

    const reset = await call('DELETE', POLICY, acmeAdmin);
    expect(reset.status).toBe(200);
    expect(reset.body.policy).toEqual(DEFAULT_POLICY);
    const [entry] = await policyAudit();
    expect(entry).toMatchObject({
      action: 'correlation.policy.reset',
      summary: { before: { graceSeconds: 60, rules: { topology: false } }, after: { graceSeconds: 300, rules: { topology: true } } },
    });

    // Resetting a policy already at its defaults changes nothing.
    const count = (await policyAudit()).length;
    expect((await call('DELETE', POLICY, acmeAdmin)).status).toBe(200);
    expect((await policyAudit()).length).toBe(count);
  });
});

describe('simulating a change', () => {
  const now = Date.now();
  let serial = 0;

  function alertAt(receivedMs: number, assetId: string | null, signature: string, tenantId = 'acme'): CanonicalAlert {
    serial++;
    const at = new Date(receivedMs).toISOString();
    return {
      id: ulid(receivedMs),
      tenantId,
      source: 'prometheus',
      status: 'firing',
      severity: 'critical',
      assetRef: assetId ?? 'mystery-host',
      assetId,
      signature,
      message: `${signature} on ${assetId}`,
      labels: {},
      dedupKey: `${assetId}|${signature}`,
      occurredAt: at,
      receivedAt: at,
      deliveryId: `sim-test-${serial}`,
    };
  }

  beforeAll(async () => {
    const minutesAgo = (minutes: number) => now - minutes * 60_000;
    // An hour ago, a database outage cascading to the apps and the load balancer in front of them.
    const cascade = [
      alertAt(minutesAgo(60), 'db-prod-01', 'PostgresDown'),
      alertAt(minutesAgo(60) + 30_000, 'app-prod-01', 'HTTP 5xx errors'),
      alertAt(minutesAgo(60) + 35_000, 'app-prod-02', 'HTTP 5xx errors'),
      alertAt(minutesAgo(60) + 60_000, 'lb-prod-01', 'Unhealthy targets'),
      alertAt(minutesAgo(60) + 90_000, 'db-prod-01', 'PostgresDown'),
    ];
    // Three days ago, outside the default period: a full disk on the file server.
    const older = [alertAt(minutesAgo(3 * 24 * 60), 'win-file-01', 'DiskFull')];
    // Globex's alerts never count for acme.
    const globex = [alertAt(minutesAgo(30), 'db-prod-01', 'PostgresDown', 'globex')];
    await storeAlerts(stack.table, 'acme', [...cascade, ...older], new Date());
    await storeAlerts(stack.table, 'globex', globex, new Date());
    // And one through the webhook: an unrelated certificate problem on the database.
    const apiKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
    const delivered = await postJson(
      stack,
      '/v1/webhooks/generic',
      { asset_name: 'db-prod-01', signature: 'TLS certificate expiring', severity: 'warning', message: 'in 7 days', tool_source: 'script' },
      { 'x-api-key': apiKey },
    );
    expect(delivered.status).toBe(202);
  });

  beforeEach(resetPolicy);

  test('both counts over the last 24 h: the cascade is one incident with topology, four without', async () => {
    const before = await policyAudit();
    const answer = await call('POST', SIMULATE, acmeAdmin, { policy: { rules: { topology: false } } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      tenantId: 'acme',
      alerts: 6,
      current: { incidents: 2, noiseReduction: expect.closeTo(1 - 2 / 6, 4) },
      candidate: { incidents: 5, noiseReduction: expect.closeTo(1 - 5 / 6, 4) },
      changes: { before: { rules: { topology: true } }, after: { rules: { topology: false } } },
    });
    const { from, to } = answer.body.period;
    expect(Date.parse(to) - Date.parse(from)).toBe(24 * 3600 * 1000);
    expect(Math.abs(Date.parse(to) - Date.now())).toBeLessThan(60_000);
    // Read-only: nothing stored, nothing audited.
    expect((await correlationPolicies.get(stack.table, 'acme')).policy).toEqual(DEFAULT_POLICY);
    expect(await policyAudit()).toEqual(before);
  });

  test('the comparison is against the stored policy', async () => {
    await correlationPolicies.put(
      stack.table,
      'acme',
      { ...DEFAULT_POLICY, rules: { ...DEFAULT_POLICY.rules, topology: false } },
      'x',
      new Date(),
      (await correlationPolicies.get(stack.table, 'acme')).version,
    );
    const answer = await call('POST', SIMULATE, niko, { policy: { rules: { topology: true } } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ alerts: 6, current: { incidents: 5 }, candidate: { incidents: 2 } });
  });

  test('an explicit period: the alerts received within it', async () => {
    const from = new Date(now - 4 * 24 * 3600 * 1000).toISOString();
    const all = await call('POST', SIMULATE, mspAdmin, { policy: {}, from });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ alerts: 7, current: { incidents: 3 }, candidate: { incidents: 3 } });

    const to = new Date(now - 2 * 24 * 3600 * 1000).toISOString();
    const old = await call('POST', SIMULATE, mspAdmin, { policy: {}, from, to });
    expect(old.body).toMatchObject({ alerts: 1, period: { from, to }, current: { incidents: 1, noiseReduction: 0 } });

    // Only `to`: the 24 h before it (the file server's disk filled 3 days ago, after this period).
    const earlier = new Date(now - 3.5 * 24 * 3600 * 1000).toISOString();
    const none = await call('POST', SIMULATE, mspAdmin, { policy: { graceSeconds: 60 }, to: earlier });
    expect(none.body).toMatchObject({ alerts: 0, current: { incidents: 0, noiseReduction: 0 }, candidate: { incidents: 0 } });
  });

  test('every role that may read the settings may simulate; another tenant is 404', async () => {
    const statuses = [];
    for (const token of [mspAdmin, acmeAdmin, niko, gale]) statuses.push((await call('POST', SIMULATE, token, { policy: {} })).status);
    expect(statuses).toEqual([200, 200, 200, 404]);
    const globex = await call('POST', '/v1/tenants/globex/correlation/simulate', gale, { policy: {} });
    expect(globex.body).toMatchObject({ tenantId: 'globex', alerts: 1 });
  });

  test.each([
    ['no policy', {}, 'policy'],
    ['an unknown field in the policy', { policy: { burstWindow: 60 } }, 'policy'],
    ['an invalid value in the policy', { policy: { graceSeconds: -5 } }, 'policy.graceSeconds'],
    ['an unknown field in the body', { policy: {}, window: '1d' }, ''],
    ['a date that is not ISO 8601', { policy: {}, from: 'yesterday' }, 'from'],
    ['from after to', { policy: {}, from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }, 'from'],
    ['more than 7 days', { policy: {}, from: '2025-01-01T00:00:00Z', to: '2025-01-08T00:00:01Z' }, 'from'],
    ['more than 7 days back from now', { policy: {}, from: new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString() }, 'from'],
  ])('400 for %s', async (_label, body, path) => {
    const answer = await call('POST', SIMULATE, acmeAdmin, body);
    expectErrorShape(answer, 400);
    expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  test('exactly 7 days is accepted', async () => {
    const answer = await call('POST', SIMULATE, acmeAdmin, { policy: {}, from: '2025-01-01T00:00:00Z', to: '2025-01-08T00:00:00Z' });
    expect(answer.status).toBe(200);
    expect(answer.body.alerts).toBe(0);
  });
});

describe('the stored policy', () => {
  test('only the changed fields are stored, and a write against a stale version is refused', async () => {
    await resetPolicy();
    const { version } = await correlationPolicies.get(stack.table, 'acme');
    const changed = { ...DEFAULT_POLICY, graceSeconds: 60, rules: { ...DEFAULT_POLICY.rules, topology: false } };
    expect(await correlationPolicies.put(stack.table, 'acme', changed, 'x', new Date(), version)).toBe(true);
    expect(await correlationPolicies.put(stack.table, 'acme', DEFAULT_POLICY, 'y', new Date(), version)).toBe(false);
    const { Item } = await stack.table.db.send(new GetCommand({ TableName: stack.table.tableName, Key: keys.correlationPolicy('acme') }));
    expect(Item?.policy).toEqual({ graceSeconds: 60, rules: { topology: false } });
    expect((await correlationPolicies.get(stack.table, 'acme')).policy).toEqual(changed);
    await resetPolicy();
  });
});
