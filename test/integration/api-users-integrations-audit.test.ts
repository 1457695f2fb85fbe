import { createHmac } from 'node:crypto';
import { hashApiKey } from '../../lib/store/api-keys';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The operator API for integrations (keys, signing, limits, SNS topics, AWS accounts), users and the
 * audit log, over HTTP on the local stack, as every role and as a user of another tenant.
 */
let stack: LocalStack;
let demo: DemoInfo;

interface Session {
  token: string;
  id: string;
}
const sessions: Record<string, Session> = {};
let mspAdmin: Session;
let acmeAdmin: Session;
let niko: Session; // technician of acme
let gale: Session; // technician of globex

/** Every secret the tests saw; none may ever show up in a listing or an audit entry. */
const secrets: string[] = [];

async function signIn(email: string, password?: string): Promise<Session> {
  const user = demo.users.find((candidate) => candidate.email === email);
  const { status, body } = await postJson(stack, '/v1/auth/login', { email, password: password ?? user?.password });
  if (status !== 200) throw new Error(`Login failed for ${email}: ${status}`);
  return { token: body.accessToken, id: body.user.id };
}

interface Answer {
  status: number;
  body: any;
  text: string;
}

async function call(method: string, path: string, who: Session | undefined, body?: unknown): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(who ? { authorization: `Bearer ${who.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

const generic = (signature: string) => ({ asset_name: 'web-01', signature, severity: 'high', message: 'm', tool_source: 'test' });

async function ingest(apiKey: string, signature: string, headers: Record<string, string> = {}) {
  return postJson(stack, '/v1/webhooks/generic', generic(signature), { 'x-api-key': apiKey, ...headers });
}

/** Signed headers for a delivery: the signature covers the timestamp, the delivery id and the body. */
function sign(secret: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const deliveryId = `d-${Math.random()}`;
  return {
    'x-timestamp': timestamp,
    'x-delivery-id': deliveryId,
    'x-signature': `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.${body}`).digest('hex')}`,
  };
}

async function auditOf(tenant: string | undefined, query = ''): Promise<any[]> {
  const answer = await call('GET', `/v1/audit?limit=200${tenant ? `&tenant=${tenant}` : ''}${query}`, mspAdmin);
  expect(answer.status).toBe(200);
  return answer.body.entries;
}

function expectNoSecrets(text: string): void {
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    if (secret.startsWith('aw_')) expect(text).not.toContain(hashApiKey(secret));
  }
  expect(text).not.toMatch(/passwordHash|keyHash|scrypt\$|"secret"|previousSecret"/);
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-users-integrations-audit'));
  for (const email of ['admin@msp.example', 'admin@acme.example', 'tech.niko@msp.example', 'tech.gale@msp.example'])
    sessions[email] = await signIn(email);
  mspAdmin = sessions['admin@msp.example']!;
  acmeAdmin = sessions['admin@acme.example']!;
  niko = sessions['tech.niko@msp.example']!;
  gale = sessions['tech.gale@msp.example']!;
  for (const tenant of demo.tenants) secrets.push(tenant.apiKey, tenant.hmacSecret);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('permissions, route by route', () => {
  // [method, path, body, expected for msp admin, acme admin, niko (technician of acme), gale (technician of globex)]
  // On acme: msp admin and acme admin may act, niko's role lacks the action (403), gale cannot see acme (404).
  const acme = '?tenant=acme';
  test.each([
    ['GET', `/v1/integrations${acme}`, undefined, [200, 200, 403, 404]],
    ['PUT', `/v1/integrations/rate-limit${acme}`, { perMinute: 600, burst: 200 }, [200, 200, 403, 404]],
    // Another party's data source (an SNS topic, an AWS account): only an MSP admin registers it.
    ['POST', `/v1/integrations/sns-topics${acme}`, { topicArn: 'arn:aws:sns:us-east-1:111122223333:acme-alarms' }, [201, 403, 403, 404]],
    ['POST', `/v1/integrations/api-keys${acme}`, undefined, [201, 201, 403, 404]],
    ['DELETE', `/v1/integrations/api-keys/01ARZ3NDEKTSV4RRFFQ69G5FAV${acme}`, undefined, [404, 404, 403, 404]],
    ['POST', `/v1/integrations/api-keys/01ARZ3NDEKTSV4RRFFQ69G5FAV/rotate${acme}`, {}, [404, 404, 403, 404]],
    ['POST', `/v1/integrations/aws-accounts${acme}`, { accountId: '210987654321' }, [201, 403, 403, 404]],
    ['GET', `/v1/audit${acme}`, undefined, [200, 200, 403, 404]],
    ['GET', `/v1/users${acme}`, undefined, [200, 200, 200, 404]],
  ])('%s %s', async (method, path, body, expected) => {
    const statuses: number[] = [];
    for (const who of [mspAdmin, acmeAdmin, niko, gale]) {
      const answer = await call(method, path, who, body);
      statuses.push(answer.status);
      if (answer.body?.apiKey) secrets.push(answer.body.apiKey);
    }
    expect(statuses).toEqual(expected);
  });

  test('a company admin gets 404 for another company, never 403', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/integrations?tenant=globex', undefined],
      ['POST', '/v1/integrations/api-keys?tenant=globex', undefined],
      ['POST', '/v1/integrations/hmac/rotate?tenant=globex', {}],
      ['PUT', '/v1/integrations/hmac?tenant=globex', { required: true }],
      ['GET', '/v1/audit?tenant=globex', undefined],
      ['GET', '/v1/users?tenant=globex', undefined],
    ] as const) {
      expect((await call(method, path, acmeAdmin, body)).status).toBe(404);
    }
  });

  test('without a token every route is 401', async () => {
    for (const [method, path] of [
      ['GET', '/v1/integrations?tenant=acme'],
      ['POST', '/v1/integrations/api-keys?tenant=acme'],
      ['GET', '/v1/users'],
      ['POST', '/v1/users'],
      ['GET', '/v1/audit'],
    ]) {
      expect((await call(method!, path!, undefined)).status).toBe(401);
    }
  });

  test('an MSP admin must name the tenant; a tenant that does not exist is 404', async () => {
    expect((await call('GET', '/v1/integrations', mspAdmin)).status).toBe(400);
    expect((await call('GET', '/v1/integrations?tenant=no-such-co', mspAdmin)).status).toBe(404);
    expect((await call('GET', '/v1/integrations', acmeAdmin)).body.tenantId).toBe('acme'); // their only tenant
  });
});

describe('API keys', () => {
  test('a created key is shown once, works on the webhook, and is listed without its secret', async () => {
    const created = await call('POST', '/v1/integrations/api-keys?tenant=acme', acmeAdmin);
    expect(created.status).toBe(201);
    const { apiKey, keyId, prefix } = created.body;
    secrets.push(apiKey);
    expect(apiKey).toMatch(/^aw_/);
    expect(apiKey.startsWith(prefix)).toBe(true);
    expect((await ingest(apiKey, 'NewKeyWorks')).status).toBe(202);

    const listing = await call('GET', '/v1/integrations?tenant=acme', acmeAdmin);
    const listed = listing.body.apiKeys.find((key: any) => key.keyId === keyId);
    expect(listed).toMatchObject({ keyId, prefix, expiresAt: null, revokedAt: null, status: 'active' });
    // Who made it: an admin sees whose keys these are, and revokes those of someone who left.
    expect(listed.createdBy).toEqual({ userId: expect.stringMatching(/^usr_/), email: 'admin@acme.example' });
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'keyId', 'prefix', 'revokedAt', 'status']);
    expectNoSecrets(listing.text);
  });

  test('a revoked key is refused (a key no ingestion function had cached before the revocation)', async () => {
    const { apiKey, keyId } = (await call('POST', '/v1/integrations/api-keys?tenant=acme', acmeAdmin)).body;
    secrets.push(apiKey);
    expect((await call('DELETE', `/v1/integrations/api-keys/${keyId}?tenant=acme`, acmeAdmin)).status).toBe(204);
    const refused = await ingest(apiKey, 'RevokedKey');
    expect(refused.status).toBe(401);
    const listed = (await call('GET', '/v1/integrations?tenant=acme', mspAdmin)).body.apiKeys.find((key: any) => key.keyId === keyId);
    expect(listed.status).toBe('revoked');
    expect(listed.revokedAt).toEqual(expect.any(String));
    // Revoking again changes nothing; rotating a revoked key is a conflict.
    expect((await call('DELETE', `/v1/integrations/api-keys/${keyId}?tenant=acme`, acmeAdmin)).status).toBe(204);
    expect((await call('POST', `/v1/integrations/api-keys/${keyId}/rotate?tenant=acme`, acmeAdmin, {})).status).toBe(409);
    const revocations = await auditOf('acme', '&action=apikey.revoke');
    expect(revocations.filter((entry) => entry.resource.id === keyId)).toHaveLength(1);
  });

  test("another tenant's key cannot be revoked or rotated through one's own tenant (404)", async () => {
    const { keyId, apiKey } = (await call('POST', '/v1/integrations/api-keys?tenant=globex', mspAdmin)).body;
    secrets.push(apiKey);
    expect((await call('DELETE', `/v1/integrations/api-keys/${keyId}?tenant=acme`, acmeAdmin)).status).toBe(404);
    expect((await call('POST', `/v1/integrations/api-keys/${keyId}/rotate?tenant=acme`, acmeAdmin, {})).status).toBe(404);
    expect((await ingest(apiKey, 'GlobexKeyStillWorks')).status).toBe(202);
  });

  test('after a rotation both the old and the new key work during the overlap; the old one then expires', async () => {
    const { apiKey: oldKey, keyId } = (await call('POST', '/v1/integrations/api-keys?tenant=acme', acmeAdmin)).body;
    secrets.push(oldKey);
    expect((await ingest(oldKey, 'BeforeRotation')).status).toBe(202);

    expect(
      (await call('POST', `/v1/integrations/api-keys/${keyId}/rotate?tenant=acme`, acmeAdmin, { overlapSeconds: 31 * 86_400 })).status,
    ).toBe(400);
    const before = Date.now();
    const rotated = await call('POST', `/v1/integrations/api-keys/${keyId}/rotate?tenant=acme`, acmeAdmin, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(201);
    const newKey = rotated.body.apiKey;
    secrets.push(newKey);
    expect(newKey).not.toBe(oldKey);
    expect(rotated.body.previous.keyId).toBe(keyId);
    const expiresAt = Date.parse(rotated.body.previous.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);

    expect((await ingest(oldKey, 'OldKeyDuringOverlap')).status).toBe(202);
    expect((await ingest(newKey, 'NewKeyAfterRotation')).status).toBe(202);

    const keys = (await call('GET', '/v1/integrations?tenant=acme', acmeAdmin)).body.apiKeys;
    expect(keys.find((key: any) => key.keyId === keyId)).toMatchObject({ status: 'expiring', expiresAt: rotated.body.previous.expiresAt });
    expect(keys.find((key: any) => key.keyId === rotated.body.keyId)).toMatchObject({ status: 'active', expiresAt: null });

    // A rotation with no overlap: a key never cached before is refused at once.
    const { apiKey: shortKey, keyId: shortId } = (await call('POST', '/v1/integrations/api-keys?tenant=acme', acmeAdmin)).body;
    secrets.push(shortKey);
    const immediate = await call('POST', `/v1/integrations/api-keys/${shortId}/rotate?tenant=acme`, acmeAdmin, { overlapSeconds: 0 });
    secrets.push(immediate.body.apiKey);
    expect((await ingest(shortKey, 'ExpiredKey')).status).toBe(401);
    expect((await ingest(immediate.body.apiKey, 'ItsSuccessor')).status).toBe(202);
  });
});

describe('HMAC signing, limits, SNS topics and AWS accounts', () => {
  test('rotate and require signing: old and new secrets verify during the overlap, unsigned deliveries are refused', async () => {
    // A tenant of its own: ingestion has never cached its settings, so the changes apply at once.
    const apiKey = await createTenant(stack, 'hmac-api-co');
    secrets.push(apiKey);
    const path = (route: string) => `/v1/integrations/${route}?tenant=hmac-api-co`;
    expect((await call('PUT', path('hmac'), mspAdmin, { required: true })).status).toBe(409); // no secret yet
    expect((await call('PUT', path('hmac'), mspAdmin, { required: 'yes' })).status).toBe(400);

    const first = await call('POST', path('hmac/rotate'), mspAdmin);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ configured: true, required: false });
    const second = await call('POST', path('hmac/rotate'), mspAdmin, { overlapSeconds: 3600 });
    expect(second.body.secret).not.toBe(first.body.secret);
    expect(second.body.previousSecretExpiresAt).toEqual(expect.any(String));
    secrets.push(first.body.secret, second.body.secret);
    expect((await call('POST', path('hmac/rotate'), mspAdmin, { overlapSeconds: 31 * 86_400 })).status).toBe(400);

    const required = await call('PUT', path('hmac'), mspAdmin, { required: true });
    expect(required.status).toBe(200);
    expect(required.body).toMatchObject({ configured: true, required: true });

    const body = JSON.stringify(generic('Signed'));
    const post = (headers: Record<string, string>) =>
      postJson(stack, '/v1/webhooks/generic', body, { 'x-api-key': apiKey, 'x-delivery-id': `d-${Math.random()}`, ...headers });
    const unsigned = await post({});
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.error.code).toBe('signature_required');
    expect((await post(sign(second.body.secret, body))).status).toBe(202);
    expect((await post(sign(first.body.secret, body))).status).toBe(202);
    expect((await post(sign('not-the-secret', body))).status).toBe(403);

    // No trailing slash: `/v1/integrations/` is the api function's catch-all, not the admin route (functions/catalog.ts).
    const listing = await call('GET', '/v1/integrations?tenant=hmac-api-co', mspAdmin);
    expect(listing.body.hmac).toEqual({ configured: true, required: true, previousSecretExpiresAt: second.body.previousSecretExpiresAt });
    expectNoSecrets(listing.text);
  });

  test('rate limit bounds, SNS topic ARNs and AWS account ids are validated', async () => {
    const put = (body: unknown) => call('PUT', '/v1/integrations/rate-limit?tenant=acme', acmeAdmin, body);
    for (const bad of [
      { perMinute: 0, burst: 10 },
      { perMinute: 600, burst: 0 },
      { perMinute: 1e9, burst: 10 },
      { perMinute: 600 },
      { perMinute: 6.5, burst: 1 },
    ])
      expect((await put(bad)).status).toBe(400);
    expect((await put({ perMinute: 1200, burst: 300 })).body).toEqual({ perMinute: 1200, burst: 300 });

    const topic = (topicArn: unknown) => call('POST', '/v1/integrations/sns-topics?tenant=acme', mspAdmin, { topicArn });
    for (const bad of ['arn:aws:sqs:us-east-1:111122223333:queue', 'arn:aws:sns:us-east-1:1111:alarms', 'alarms', 42])
      expect((await topic(bad)).status).toBe(400);
    expect((await topic('arn:aws:sns:eu-west-1:111122223333:acme-prod.fifo')).status).toBe(201);
    expect((await topic('arn:aws:sns:eu-west-1:111122223333:acme-prod.fifo')).status).toBe(200); // already registered

    const account = (accountId: unknown, who = mspAdmin, tenant = 'acme') =>
      call('POST', `/v1/integrations/aws-accounts?tenant=${tenant}`, who, { accountId });
    for (const bad of ['12345', '1234567890123', 123456789012, 'abcdefghijkl']) expect((await account(bad)).status).toBe(400);
    expect((await account('333344445555')).status).toBe(201);
    const taken = await account('333344445555', mspAdmin, 'globex');
    expect(taken.status).toBe(409);
    expect(taken.text).not.toContain('acme');
    // A company admin cannot claim an account (its alarms would become their alerts): not even a free one.
    const claimed = await account('444455556666', acmeAdmin, 'acme');
    expect(claimed.status).toBe(403);
    expect((await account('444455556666', mspAdmin, 'globex')).status).toBe(201);

    const listing = (await call('GET', '/v1/integrations?tenant=acme', acmeAdmin)).body;
    expect(listing.rateLimit).toEqual({ perMinute: 1200, burst: 300 });
    expect(listing.snsTopicArns).toContain('arn:aws:sns:eu-west-1:111122223333:acme-prod.fifo');
    expect(listing.awsAccountIds).toContain('333344445555');
    expect((await call('GET', '/v1/integrations?tenant=globex', mspAdmin)).body.awsAccountIds).not.toContain('333344445555');
  });

  test("the setup guide carries this deployment's webhook URLs, with key placeholders where the tool needs them", async () => {
    const guide = (await call('GET', '/v1/integrations?tenant=acme', acmeAdmin)).body;
    expect(guide.apiBaseUrl).toBe(stack.apiUrl);
    const bySource = Object.fromEntries(guide.setup.map((entry: any) => [entry.source, entry]));
    expect(Object.keys(bySource).sort()).toEqual([
      'alertmanager',
      'azure',
      'cloudwatch',
      'datadog',
      'eventbridge',
      'generic',
      'grafana',
      'zabbix',
    ]);
    expect(bySource.generic.webhookUrl).toBe(`${stack.apiUrl}/v1/webhooks/generic`);
    expect(bySource.azure.webhookUrl).toBe(`${stack.apiUrl}/v1/webhooks/azure?api_key=<your key>`);
    expect(bySource.cloudwatch.webhookUrl).toBe(`${stack.apiUrl}/v1/webhooks/cloudwatch?api_key=<your key>`);
    expect(bySource.zabbix.parameters).toContainEqual({ name: 'alert_whisperer_url', value: `${stack.apiUrl}/v1/webhooks/zabbix` });
    expect(bySource.eventbridge.registeredAwsAccountIds).toEqual(guide.awsAccountIds);

    const proxied = await fetch(`${stack.apiUrl}/v1/integrations?tenant=acme`, {
      headers: { authorization: `Bearer ${acmeAdmin.token}`, 'x-forwarded-proto': 'https' },
    });
    expect(((await proxied.json()) as any).apiBaseUrl).toBe(stack.apiUrl.replace(/^http:/, 'https:'));
  });
});

describe('users', () => {
  const password = 'Correct-Horse-42-battery';
  const person = (email: string, overrides: Record<string, unknown> = {}) => ({
    email,
    name: 'New Person',
    role: 'technician',
    tenantIds: ['acme'],
    skills: ['Linux'],
    password,
    ...overrides,
  });

  test('listing: MSP admins see everyone, others the users of their tenants (and only their tenants of each)', async () => {
    const all = await call('GET', '/v1/users', mspAdmin);
    expect(all.status).toBe(200);
    expect(all.body.users.map((user: any) => user.email)).toEqual(expect.arrayContaining(demo.users.map((user) => user.email)));

    const ofAcme = (await call('GET', '/v1/users', acmeAdmin)).body.users;
    const emails = ofAcme.map((user: any) => user.email);
    expect(emails).toEqual(expect.arrayContaining(['admin@acme.example', 'tech.niko@msp.example', 'tech.dana@msp.example']));
    expect(emails).not.toContain('tech.gale@msp.example');
    expect(emails).not.toContain('admin@msp.example');
    expect(ofAcme.find((user: any) => user.email === 'tech.dana@msp.example').tenantIds).toEqual(['acme']);

    expect((await call('GET', '/v1/users', niko)).body.users.map((user: any) => user.email)).toEqual(expect.arrayContaining(emails));
    expect((await call('GET', '/v1/users?tenant=globex', mspAdmin)).body.users.map((user: any) => user.email)).toContain(
      'tech.gale@msp.example',
    );
    expect((await call('GET', `/v1/users/${gale.id}`, acmeAdmin)).status).toBe(404);
    expect((await call('GET', `/v1/users/${niko.id}`, gale)).status).toBe(404);
    expect((await call('GET', `/v1/users/${niko.id}`, acmeAdmin)).status).toBe(200);
    for (const answer of [all, await call('GET', `/v1/users/${niko.id}`, mspAdmin)]) expect(answer.text).not.toMatch(/passwordHash|scrypt/);
  });

  test('creating: within the rules of the role; duplicate emails are 409, weak passwords 400', async () => {
    const created = await call('POST', '/v1/users', acmeAdmin, person('new.tech@acme.example'));
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['email', 'id', 'name', 'role', 'skills', 'tenantIds']);
    expect((await signIn('new.tech@acme.example', password)).id).toBe(created.body.id);

    expect((await call('POST', '/v1/users', acmeAdmin, person('NEW.TECH@acme.example'))).status).toBe(409);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x1@acme.example', { role: 'company_admin' }))).status).toBe(201);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x2@acme.example', { role: 'msp_admin', tenantIds: [] }))).status).toBe(403);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x3@acme.example', { tenantIds: ['globex'] }))).status).toBe(404);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x4@acme.example', { tenantIds: ['acme', 'globex'] }))).status).toBe(404);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x5@acme.example', { tenantIds: [] }))).status).toBe(400);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x6@acme.example', { password: 'short' }))).status).toBe(400);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x7@acme.example', { password: 'alllowercaseletters' }))).status).toBe(400);
    expect((await call('POST', '/v1/users', acmeAdmin, person('x8@acme.example', { passwordHash: 'x' }))).status).toBe(400);
    expect((await call('POST', '/v1/users', niko, person('x9@acme.example'))).status).toBe(403);
    expect((await call('POST', '/v1/users', gale, person('x10@acme.example'))).status).toBe(404);
    expect((await call('POST', '/v1/users', mspAdmin, person('x11@msp.example', { role: 'msp_admin', tenantIds: [] }))).status).toBe(201);
    expect((await call('POST', '/v1/users', mspAdmin, person('x12@msp.example', { tenantIds: ['no-such-co'] }))).status).toBe(400);
    expect(created.text).not.toContain(password);
  });

  test('changing: name, skills, role and tenants within the same rules; nobody changes their own role', async () => {
    const { id } = (await call('POST', '/v1/users', acmeAdmin, person('patch.me@acme.example'))).body;
    const patch = (who: Session, body: unknown, target = id) => call('PATCH', `/v1/users/${target}`, who, body);

    const renamed = await patch(acmeAdmin, { name: 'Patched Name', skills: ['Windows'] });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Patched Name', skills: ['Windows'], role: 'technician' });
    expect((await patch(acmeAdmin, { role: 'company_admin' })).body.role).toBe('company_admin');
    expect((await patch(acmeAdmin, { role: 'msp_admin', tenantIds: [] })).status).toBe(403);
    expect((await patch(acmeAdmin, { tenantIds: ['acme', 'globex'] })).status).toBe(404);
    expect((await patch(acmeAdmin, {})).status).toBe(400);
    expect((await patch(acmeAdmin, { email: 'other@acme.example' })).status).toBe(400);
    expect((await patch(niko, { name: 'x' })).status).toBe(403);
    expect((await patch(gale, { name: 'x' })).status).toBe(404);

    const dana = (await call('GET', '/v1/users', mspAdmin)).body.users.find((user: any) => user.email === 'tech.dana@msp.example');
    expect((await patch(acmeAdmin, { name: 'x' }, dana.id)).status).toBe(403); // also works for globex
    expect((await patch(acmeAdmin, { name: 'x' }, gale.id)).status).toBe(404);
    expect((await patch(acmeAdmin, { name: 'x' }, mspAdmin.id)).status).toBe(404);
    expect((await patch(acmeAdmin, { role: 'technician' }, acmeAdmin.id)).status).toBe(403);
    expect((await patch(mspAdmin, { role: 'technician', tenantIds: ['acme'] }, mspAdmin.id)).status).toBe(403);
    expect((await patch(acmeAdmin, { name: 'Casey Acme-Admin' }, acmeAdmin.id)).status).toBe(200);

    const moved = await patch(mspAdmin, { role: 'technician', tenantIds: ['globex'] });
    expect(moved.body).toMatchObject({ role: 'technician', tenantIds: ['globex'] });
    expect((await patch(acmeAdmin, { name: 'x' })).status).toBe(404); // no longer one of acme's
  });

  test('deleting: MSP admins, or a company admin for users only of their tenants; never oneself', async () => {
    const { id } = (await call('POST', '/v1/users', acmeAdmin, person('delete.me@acme.example'))).body;
    expect((await call('DELETE', `/v1/users/${id}`, niko)).status).toBe(403);
    expect((await call('DELETE', `/v1/users/${id}`, gale)).status).toBe(404);
    expect((await call('DELETE', `/v1/users/${gale.id}`, acmeAdmin)).status).toBe(404);
    const dana = (await call('GET', '/v1/users', mspAdmin)).body.users.find((user: any) => user.email === 'tech.dana@msp.example');
    expect((await call('DELETE', `/v1/users/${dana.id}`, acmeAdmin)).status).toBe(403);
    expect((await call('DELETE', `/v1/users/${acmeAdmin.id}`, acmeAdmin)).status).toBe(403);
    expect((await call('DELETE', `/v1/users/${mspAdmin.id}`, mspAdmin)).status).toBe(403);

    expect((await call('DELETE', `/v1/users/${id}`, acmeAdmin)).status).toBe(204);
    expect((await call('GET', `/v1/users/${id}`, mspAdmin)).status).toBe(404);
    expect((await postJson(stack, '/v1/auth/login', { email: 'delete.me@acme.example', password })).status).toBe(401);
    expect((await call('DELETE', `/v1/users/${id}`, acmeAdmin)).status).toBe(404);
    // The email is free again.
    expect((await call('POST', '/v1/users', acmeAdmin, person('delete.me@acme.example'))).status).toBe(201);
  });
});

describe('audit log', () => {
  test('every successful mutation has its entry, with who did it, and never a secret', async () => {
    const acmeEntries = await auditOf('acme');
    const actions = new Set(acmeEntries.map((entry) => entry.action));
    for (const action of [
      'apikey.create',
      'apikey.rotate',
      'apikey.revoke',
      'ratelimit.update',
      'snstopic.register',
      'awsaccount.register',
      'user.create',
      'user.update',
      'user.delete',
    ])
      expect(actions).toContain(action);
    const hmacEntries = (await auditOf('hmac-api-co')).filter((entry) => entry.actor.type === 'user');
    expect(hmacEntries.map((entry) => entry.action).sort()).toEqual(['hmac.rotate', 'hmac.rotate', 'hmac.update']);
    const mspEntries = await auditOf(undefined);
    expect(mspEntries.filter((entry) => entry.action === 'user.delete').length).toBeGreaterThanOrEqual(1);
    expect(mspEntries.every((entry) => entry.tenantId === undefined)).toBe(true);

    const rotation = acmeEntries.find((entry) => entry.action === 'apikey.rotate' && entry.summary.after.overlapSeconds === 3600);
    expect(rotation.actor).toEqual({ type: 'user', id: acmeAdmin.id, email: 'admin@acme.example', role: 'company_admin' });
    expect(rotation.sourceIp).toEqual(expect.any(String));
    expect(rotation.summary.after.previous.status).toBe('expiring');

    // Every key of acme was created through an audited route (create or rotate), except the seeded demo key.
    const creates = acmeEntries.filter((entry) => entry.action === 'apikey.create');
    const listed = (await call('GET', '/v1/integrations?tenant=acme', mspAdmin)).body.apiKeys;
    const seededKeyIds = listed
      .filter((key: any) => !creates.some((entry) => entry.resource.id === key.keyId))
      .map((key: any) => key.keyId);
    const rotationsNewKeys = acmeEntries.filter((entry) => entry.action === 'apikey.rotate').map((entry) => entry.summary.after.new.keyId);
    expect(seededKeyIds.filter((keyId: string) => !rotationsNewKeys.includes(keyId))).toHaveLength(1); // the demo key

    expect(secrets.length).toBeGreaterThan(10);
    expectNoSecrets(JSON.stringify([acmeEntries, hmacEntries, mspEntries, await auditOf('globex')]));
  });

  test('filters: actor, action and period, pages with a cursor bound to the log', async () => {
    const before = new Date(Date.now() - 1).toISOString();
    await call('PUT', '/v1/integrations/rate-limit?tenant=globex', mspAdmin, { perMinute: 700, burst: 70 });
    await call('PUT', '/v1/integrations/rate-limit?tenant=globex', mspAdmin, { perMinute: 800, burst: 80 });
    const after = new Date(Date.now() + 1).toISOString();

    const inPeriod = await auditOf('globex', `&from=${encodeURIComponent(before)}&to=${encodeURIComponent(after)}`);
    expect(inPeriod.map((entry) => entry.summary.after)).toEqual([
      { perMinute: 800, burst: 80 },
      { perMinute: 700, burst: 70 },
    ]);
    expect(await auditOf('globex', `&from=${encodeURIComponent(after)}`)).toEqual([]);
    const offset = before.replace('Z', '+00:00');
    expect(await auditOf('globex', `&from=${encodeURIComponent(offset)}`)).toHaveLength(2);
    expect(
      (await call('GET', `/v1/audit?tenant=globex&from=${encodeURIComponent(after)}&to=${encodeURIComponent(before)}`, mspAdmin)).status,
    ).toBe(400);
    expect((await call('GET', '/v1/audit?tenant=globex&from=yesterday', mspAdmin)).status).toBe(400);

    const byAction = await auditOf('acme', '&action=user.create');
    expect(byAction.length).toBeGreaterThan(0);
    expect(byAction.every((entry) => entry.action === 'user.create')).toBe(true);
    const byActor = await auditOf('acme', `&actor=${mspAdmin.id}`);
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((entry) => entry.actor.id === mspAdmin.id)).toBe(true);
    expect(await auditOf('acme', '&actor=usr_nobody')).toEqual([]);

    const first = await call('GET', '/v1/audit?tenant=acme&limit=2', acmeAdmin);
    expect(first.body.entries).toHaveLength(2);
    const second = await call('GET', `/v1/audit?tenant=acme&limit=2&cursor=${first.body.nextCursor}`, acmeAdmin);
    expect(second.status).toBe(200);
    expect(second.body.entries[0].id < first.body.entries[1].id).toBe(true);
    expect((await call('GET', `/v1/audit?tenant=globex&limit=2&cursor=${first.body.nextCursor}`, mspAdmin)).status).toBe(400);
    expect((await call('GET', `/v1/audit?limit=2&cursor=${first.body.nextCursor}`, mspAdmin)).status).toBe(400);
  });

  test('who reads which log: the MSP log is for MSP admins; technicians read none; there is no way to change an entry', async () => {
    expect((await call('GET', '/v1/audit', mspAdmin)).body.tenantId).toBeNull();
    expect((await call('GET', '/v1/audit', acmeAdmin)).body.tenantId).toBe('acme');
    expect((await call('GET', '/v1/audit', niko)).status).toBe(403);
    expect((await call('GET', '/v1/audit?tenant=acme', gale)).status).toBe(404);
    const [entry] = await auditOf('acme');
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      expect((await call(method, `/v1/audit?tenant=acme`, mspAdmin, method === 'DELETE' ? undefined : {})).status).toBe(404);
      expect((await call(method, `/v1/audit/${entry.id}?tenant=acme`, mspAdmin, method === 'DELETE' ? undefined : {})).status).toBe(404);
    }
  });
});
