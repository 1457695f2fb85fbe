import { listAlerts } from '../../lib/store/alerts';
import { getAsset } from '../../lib/store/assets';
import { listAudit, type AuditEntry } from '../../lib/store/audit';
import { TENANT_ID_PATTERN } from '../../lib/domain/tenant';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The operator API for tenants and assets, over HTTP on the local stack: every route as every role and
 * as a user of another tenant, validation, conflicts, the dependency graph, and the audit log.
 */
let stack: LocalStack;
let demo: DemoInfo;

const tokens: Record<string, string> = {};
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

/** Every audit entry of a tenant's log (or the MSP's), optionally for one action. */
async function auditLog(tenantId: string | undefined, action?: string): Promise<AuditEntry[]> {
  return (await listAudit(stack.table, tenantId, action ? { action } : {}, { limit: 1000 })).entries;
}

async function auditOf(tenantId: string | undefined, resourceId: string, action?: string): Promise<AuditEntry[]> {
  return (await auditLog(tenantId, action)).filter((entry) => entry.resource.id === resourceId);
}

const asset = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id, type: 'server', ...extra });

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-tenants-assets'));
  for (const email of ['admin@msp.example', 'admin@acme.example', 'tech.niko@msp.example', 'tech.gale@msp.example']) {
    const user = demo.users.find((candidate) => candidate.email === email)!;
    const { status, body } = await postJson(stack, '/v1/auth/login', { email, password: user.password });
    if (status !== 200) throw new Error(`Login failed for ${email}: ${status}`);
    tokens[email] = body.accessToken;
  }
  mspAdmin = tokens['admin@msp.example']!;
  acmeAdmin = tokens['admin@acme.example']!;
  niko = tokens['tech.niko@msp.example']!;
  gale = tokens['tech.gale@msp.example']!;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('permissions, route by route', () => {
  const everyone = () => [mspAdmin, acmeAdmin, niko, gale];

  // [method, path (per caller), body (per caller), expected for msp admin, acme admin, niko (technician of acme), gale (technician of globex)]
  // On acme: msp admin (and acme admin where the role allows) act, niko's role lacks write actions (403),
  // gale cannot see acme (404). Creating or deleting a tenant is for MSP admins only (403 for everyone else).
  test.each([
    ['GET /v1/tenants', 'GET', () => '/v1/tenants', undefined, [200, 200, 200, 200]],
    ['GET /v1/tenants/acme', 'GET', () => '/v1/tenants/acme', undefined, [200, 200, 200, 404]],
    [
      'PATCH /v1/tenants/acme',
      'PATCH',
      () => '/v1/tenants/acme',
      (i: number) => ({ settings: { criticalAutoRemediation: i % 2 === 0 } }),
      [200, 200, 403, 404],
    ],
    ['POST /v1/tenants', 'POST', () => '/v1/tenants', (i: number) => ({ id: `perm-co-${i}`, name: `Perm ${i}` }), [201, 403, 403, 403]],
    ['DELETE /v1/tenants/acme', 'DELETE', () => '/v1/tenants/acme', undefined, [null, 403, 403, 404]], // the MSP admin's delete is tested on a tenant of its own
    ['GET /v1/assets?tenant=acme', 'GET', () => '/v1/assets?tenant=acme', undefined, [200, 200, 200, 404]],
    ['GET /v1/assets/db-prod-01?tenant=acme', 'GET', () => '/v1/assets/db-prod-01?tenant=acme', undefined, [200, 200, 200, 404]],
    [
      'POST /v1/assets?tenant=acme',
      'POST',
      () => '/v1/assets?tenant=acme',
      (i: number) => asset(`perm-asset-${i}`, { dependsOn: ['db-prod-01'] }),
      [201, 201, 403, 404],
    ],
    [
      'PUT /v1/assets/perm-asset-{i}?tenant=acme',
      'PUT',
      (i: number) => `/v1/assets/perm-asset-${i}?tenant=acme`,
      (i: number) => asset(`perm-asset-${i}`, { type: 'vm' }),
      [200, 200, 403, 404],
    ],
    [
      'DELETE /v1/assets/perm-asset-{i}?tenant=acme',
      'DELETE',
      (i: number) => `/v1/assets/perm-asset-${i}?tenant=acme`,
      undefined,
      [204, 204, 403, 404],
    ],
  ] as const)('%s', async (_label, method, pathOf, bodyOf, expected) => {
    const [mspBefore, acmeBefore] = [(await auditLog(undefined)).length, (await auditLog('acme')).length];
    const statuses: Array<number | null> = [];
    let mutations = 0;
    for (const [index, token] of everyone().entries()) {
      if (expected[index] === null) {
        statuses.push(null);
        continue;
      }
      const answer = await call(method, pathOf(index), token, bodyOf?.(index));
      statuses.push(answer.status);
      if (answer.status >= 400)
        expect(answer.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
      if (method !== 'GET' && answer.status < 300) mutations++;
    }
    expect(statuses).toEqual(expected);
    // One audit entry per successful mutation (tenant creations in the MSP's log, the rest in acme's), none for refusals.
    const [mspAfter, acmeAfter] = [(await auditLog(undefined)).length, (await auditLog('acme')).length];
    expect(mspAfter - mspBefore + (acmeAfter - acmeBefore)).toBe(mutations);
  });

  test('the tenant list is what each user may see', async () => {
    const ids = async (token: string) => (await call('GET', '/v1/tenants', token)).body.tenants.map((tenant: any) => tenant.id);
    expect(await ids(mspAdmin)).toEqual(expect.arrayContaining(['acme', 'globex']));
    expect(await ids(acmeAdmin)).toEqual(['acme']);
    expect(await ids(niko)).toEqual(['acme']);
    expect(await ids(gale)).toEqual(['globex']);
  });

  test('a company admin gets 404 for every route on another company, never 403', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/tenants/globex', undefined],
      ['PATCH', '/v1/tenants/globex', { name: 'Mine now' }],
      ['DELETE', '/v1/tenants/globex', undefined],
      ['GET', '/v1/assets?tenant=globex', undefined],
      ['GET', '/v1/assets/web-01?tenant=globex', undefined],
      ['POST', '/v1/assets?tenant=globex', asset('intruder')],
      ['PUT', '/v1/assets/web-01?tenant=globex', asset('web-01')],
      ['DELETE', '/v1/assets/shop-endpoint?tenant=globex', undefined],
      ['GET', '/v1/assets/unresolved?tenant=globex', undefined],
    ] as const) {
      const answer = await call(method, path, acmeAdmin, body);
      expect([method, path, answer.status]).toEqual([method, path, 404]);
      expect(answer.body.error.code).toBe('not_found');
    }
    expect(await getAsset(stack.table, 'globex', 'intruder')).toBeUndefined();
    expect(await getAsset(stack.table, 'globex', 'shop-endpoint')).toBeDefined();
  });

  test('without a token every route is 401', async () => {
    for (const [method, path] of [
      ['GET', '/v1/tenants'],
      ['POST', '/v1/tenants'],
      ['GET', '/v1/tenants/acme'],
      ['PATCH', '/v1/tenants/acme'],
      ['DELETE', '/v1/tenants/acme'],
      ['GET', '/v1/assets?tenant=acme'],
      ['POST', '/v1/assets?tenant=acme'],
      ['GET', '/v1/assets/db-prod-01?tenant=acme'],
      ['PUT', '/v1/assets/db-prod-01?tenant=acme'],
      ['DELETE', '/v1/assets/db-prod-01?tenant=acme'],
    ] as const) {
      expect([method, path, (await call(method, path, undefined)).status]).toEqual([method, path, 401]);
    }
  });
});

describe('tenants', () => {
  test('an MSP admin creates a tenant: 201, readable, listed, audited in the MSP log; a second create is 409', async () => {
    const created = await call('POST', '/v1/tenants', mspAdmin, { id: 'initech', name: 'Initech' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 'initech',
      name: 'Initech',
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
      settings: { criticalAutoRemediation: false },
    });
    expect((await call('GET', '/v1/tenants/initech', mspAdmin)).body).toEqual(created.body);
    expect((await call('GET', '/v1/tenants', mspAdmin)).body.tenants).toContainEqual(created.body);

    const again = await call('POST', '/v1/tenants', mspAdmin, { id: 'initech', name: 'Initech again' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    expect((await call('GET', '/v1/tenants/initech', mspAdmin)).body.name).toBe('Initech');

    const entries = await auditOf(undefined, 'initech', 'tenant.create');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'tenant.create',
      resource: { type: 'tenant', id: 'initech' },
      actor: { type: 'user', email: 'admin@msp.example', role: 'msp_admin' },
      summary: { after: { name: 'Initech', settings: { criticalAutoRemediation: false } } },
    });
    expect(entries[0]!.tenantId).toBeUndefined();
  });

  test.each([
    ['an id that is not a slug', { id: 'bad id!', name: 'x' }, 'id'],
    ['an id with the key separator', { id: 'a#b', name: 'x' }, 'id'],
    ['no name', { id: 'no-name-co' }, 'name'],
    ['an empty name', { id: 'empty-name-co', name: '  ' }, 'name'],
    ['an unknown field', { id: 'extra-co', name: 'x', plan: 'gold' }, ''],
    [
      'a setting of the wrong type',
      { id: 'typed-co', name: 'x', settings: { criticalAutoRemediation: 'yes' } },
      'settings.criticalAutoRemediation',
    ],
  ])('creating a tenant with %s is 400 naming the field, and nothing is written', async (_name, body, field) => {
    const answer = await call('POST', '/v1/tenants', mspAdmin, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('bad_request');
    expect(answer.body.error.details.map((detail: any) => detail.path)).toContain(field);
    // Not there: a well-formed id is a 404, a malformed one cannot even be asked for (400).
    const read = await call('GET', `/v1/tenants/${encodeURIComponent(body.id)}`, mspAdmin);
    expect(read.status).toBe(TENANT_ID_PATTERN.test(body.id) ? 404 : 400);
    expect(await auditOf(undefined, body.id)).toHaveLength(0);
  });

  test('a body that is not JSON is 400', async () => {
    expect((await call('POST', '/v1/tenants', mspAdmin, '{"id": "broken-co",')).status).toBe(400);
  });

  test('a company admin renames their company and changes a setting; the change is audited in its log', async () => {
    const before = (await call('GET', '/v1/tenants/acme', acmeAdmin)).body;
    const answer = await call('PATCH', '/v1/tenants/acme', acmeAdmin, {
      name: 'Acme Industries',
      settings: { criticalAutoRemediation: true },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: 'acme', name: 'Acme Industries', settings: { criticalAutoRemediation: true } });
    expect(answer.body.updatedAt >= before.updatedAt).toBe(true);
    expect((await call('GET', '/v1/tenants/acme', niko)).body).toEqual(answer.body);
    // The directory follows the new name.
    expect((await call('GET', '/v1/tenants', mspAdmin)).body.tenants.find((tenant: any) => tenant.id === 'acme').name).toBe(
      'Acme Industries',
    );

    const [entry] = await auditOf('acme', 'acme', 'tenant.update');
    expect(entry).toMatchObject({
      tenantId: 'acme',
      actor: { email: 'admin@acme.example', role: 'company_admin' },
      resource: { type: 'tenant', id: 'acme' },
      summary: {
        before: { name: before.name, settings: before.settings },
        after: { name: 'Acme Industries', settings: { criticalAutoRemediation: true } },
      },
    });
  });

  test('a PATCH that changes nothing answers the tenant and writes no audit entry; one field keeps the others', async () => {
    const updates = (await auditOf('acme', 'acme', 'tenant.update')).length;
    const current = (await call('GET', '/v1/tenants/acme', mspAdmin)).body;
    const same = await call('PATCH', '/v1/tenants/acme', mspAdmin, { name: current.name, settings: current.settings });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(current);
    expect(await auditOf('acme', 'acme', 'tenant.update')).toHaveLength(updates);

    const renamed = await call('PATCH', '/v1/tenants/acme', mspAdmin, { name: 'Acme Manufacturing' });
    expect(renamed.body).toMatchObject({ name: 'Acme Manufacturing', settings: current.settings });
    const entries = await auditOf('acme', 'acme', 'tenant.update');
    expect(entries).toHaveLength(updates + 1);
    expect(entries[0]!.summary).toEqual({ before: { name: current.name }, after: { name: 'Acme Manufacturing' } });
  });

  test.each([
    ['an empty body', {}],
    ['an unknown field', { plan: 'gold' }],
    ['an unknown setting', { settings: { autoPilot: true } }],
    ['a name too long', { name: 'x'.repeat(129) }],
    ['an id change', { id: 'acme2' }],
  ])('PATCH with %s is 400 and changes nothing', async (_name, body) => {
    const updates = (await auditOf('acme', 'acme', 'tenant.update')).length;
    const answer = await call('PATCH', '/v1/tenants/acme', acmeAdmin, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual(expect.any(Array));
    expect(await auditOf('acme', 'acme', 'tenant.update')).toHaveLength(updates);
  });

  test('an unknown tenant is 404 for an MSP admin; a malformed tenant id is 400 (the one tenant parameter schema)', async () => {
    for (const [method, path, body, status] of [
      ['GET', '/v1/tenants/no-such-co', undefined, 404],
      ['PATCH', '/v1/tenants/no-such-co', { name: 'Ghost' }, 404],
      ['DELETE', '/v1/tenants/no-such-co', undefined, 404],
      ['GET', '/v1/tenants/%23bad', undefined, 400],
      ['DELETE', '/v1/tenants/%23bad', undefined, 400],
    ] as const) {
      expect([method, path, (await call(method, path, mspAdmin, body)).status]).toEqual([method, path, status]);
    }
    expect(await auditOf(undefined, 'no-such-co')).toHaveLength(0);
  });

  test('deleting a tenant removes the tenant item only: 404 and unlisted afterwards, alerts and assets kept, audited', async () => {
    const apiKey = await createTenant(stack, 'doomed-co', [
      { ...asset('doomed-db'), aliases: [], dependsOn: [], critical: false, tags: {} },
    ]);
    const ingested = await postJson(
      stack,
      '/v1/webhooks/generic',
      { asset_name: 'doomed-db', signature: 'Disk', severity: 'high', message: 'disk full', tool_source: 'test' },
      { 'x-api-key': apiKey },
    );
    expect(ingested.status).toBe(202);

    expect((await call('DELETE', '/v1/tenants/doomed-co', mspAdmin)).status).toBe(204);
    expect((await call('GET', '/v1/tenants/doomed-co', mspAdmin)).status).toBe(404);
    expect((await call('GET', '/v1/tenants', mspAdmin)).body.tenants.map((tenant: any) => tenant.id)).not.toContain('doomed-co');
    expect((await call('GET', '/v1/assets?tenant=doomed-co', mspAdmin)).status).toBe(404);
    expect((await call('DELETE', '/v1/tenants/doomed-co', mspAdmin)).status).toBe(404);

    // Nothing but the tenant item went away.
    expect((await listAlerts(stack.table, 'doomed-co', {}, { limit: 10 })).alerts).toHaveLength(1);
    expect(await getAsset(stack.table, 'doomed-co', 'doomed-db')).toBeDefined();

    const entries = await auditOf(undefined, 'doomed-co', 'tenant.delete');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { email: 'admin@msp.example' },
      summary: { before: { name: 'doomed-co', settings: { criticalAutoRemediation: false } } },
    });
  });
});

describe('assets', () => {
  const tenant = 'asset-co';
  const path = (suffix = '') => `/v1/assets${suffix}?tenant=${tenant}`;

  beforeAll(async () => {
    expect((await call('POST', '/v1/tenants', mspAdmin, { id: tenant, name: 'Asset Co' })).status).toBe(201);
    for (const body of [
      asset('db', { type: 'database', critical: true, aliases: ['db.asset-co.lan', '10.9.0.1'] }),
      asset('app', { dependsOn: ['db'] }),
      asset('lb', { type: 'load_balancer', dependsOn: ['app'] }),
    ]) {
      expect((await call('POST', path(), mspAdmin, body)).status).toBe(201);
    }
  });

  test('created assets are listed and readable, with the schema defaults filled in, and audited', async () => {
    const listing = await call('GET', path(), mspAdmin);
    expect(listing.status).toBe(200);
    expect(listing.body.tenantId).toBe(tenant);
    expect(listing.body.assets.map((item: any) => item.id).sort()).toEqual(['app', 'db', 'lb']);
    const app = await call('GET', path('/app'), mspAdmin);
    expect(app.body).toEqual({ id: 'app', name: 'app', type: 'server', aliases: [], dependsOn: ['db'], critical: false, tags: {} });

    const [entry] = await auditOf(tenant, 'lb', 'asset.create');
    expect(entry).toMatchObject({
      tenantId: tenant,
      resource: { type: 'asset', id: 'lb' },
      summary: { after: { id: 'lb', dependsOn: ['app'] } },
    });
  });

  test('a duplicate id is 409 and changes nothing', async () => {
    const answer = await call('POST', path(), mspAdmin, asset('db', { type: 'changed' }));
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('conflict');
    expect((await call('GET', path('/db'), mspAdmin)).body.type).toBe('database');
    expect(await auditOf(tenant, 'db', 'asset.create')).toHaveLength(1);
  });

  test.each([
    ['no name', { id: 'x1', type: 'server' }, 'name'],
    ['an id with a slash', asset('a/b'), 'id'],
    ['dependsOn that is not a list', asset('x2', { dependsOn: 'db' }), 'dependsOn'],
    ['a malformed dependency id', asset('x3', { dependsOn: ['has space'] }), 'dependsOn.0'],
    ['critical that is not a boolean', asset('x4', { critical: 'yes' }), 'critical'],
    ['the reserved id "unresolved"', asset('unresolved'), 'id'],
  ])('creating an asset with %s is 400 naming the field', async (_name, body, field) => {
    const answer = await call('POST', path(), mspAdmin, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((detail: any) => detail.path)).toContain(field);
    expect(await auditOf(tenant, (body as { id: string }).id)).toHaveLength(0);
  });

  test('dependsOn naming unknown assets, or assets of another tenant, is 422 with the unknown ids', async () => {
    const answer = await call('POST', path(), mspAdmin, asset('web', { dependsOn: ['db', 'nope', 'web-01'] })); // web-01 is globex's
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'unknown_dependency', details: { unknown: ['nope', 'web-01'] } });
    expect((await call('GET', path('/web'), mspAdmin)).status).toBe(404);
    expect(await auditOf(tenant, 'web')).toHaveLength(0);
  });

  test('a dependency on itself is a cycle (422)', async () => {
    const created = await call('POST', path(), mspAdmin, asset('loner', { dependsOn: ['loner'] }));
    expect(created.status).toBe(422);
    expect(created.body.error).toMatchObject({ code: 'dependency_cycle', details: { cycle: ['loner', 'loner'] } });
  });

  test('a replacement that would close a cycle is 422 with the cycle, and the asset is unchanged', async () => {
    const answer = await call('PUT', path('/db'), mspAdmin, asset('db', { type: 'database', dependsOn: ['lb'] }));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'dependency_cycle', details: { cycle: ['db', 'lb', 'app', 'db'] } });
    expect((await call('GET', path('/db'), mspAdmin)).body.dependsOn).toEqual([]);
    expect(await auditOf(tenant, 'db', 'asset.update')).toHaveLength(0);
  });

  test('PUT replaces the whole asset (defaults for what is left out) and audits before and after', async () => {
    const before = (await call('GET', path('/app'), mspAdmin)).body;
    const answer = await call('PUT', path('/app'), mspAdmin, {
      name: 'app server',
      type: 'server',
      dependsOn: ['db', 'db'],
      tags: { env: 'prod' },
    });
    expect(answer.status).toBe(200);
    const expected = {
      id: 'app',
      name: 'app server',
      type: 'server',
      aliases: [],
      dependsOn: ['db'],
      critical: false,
      tags: { env: 'prod' },
    };
    expect(answer.body).toEqual(expected);
    expect((await call('GET', path('/app'), mspAdmin)).body).toEqual(expected);
    const entries = await auditOf(tenant, 'app', 'asset.update');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.summary).toEqual({ before, after: expected });

    // The same replacement again changes nothing: 200, no new entry.
    expect((await call('PUT', path('/app'), mspAdmin, expected)).status).toBe(200);
    expect(await auditOf(tenant, 'app', 'asset.update')).toHaveLength(1);
  });

  test('PUT with another id in the body is 400; PUT of an unknown asset is 404', async () => {
    const mismatch = await call('PUT', path('/app'), mspAdmin, asset('db'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details).toEqual([{ path: 'id', message: expect.any(String) }]);
    expect((await call('PUT', path('/ghost'), mspAdmin, asset('ghost'))).status).toBe(404);
    expect((await call('PUT', path('/ghost'), mspAdmin, { name: 'x' })).status).toBe(400);
    expect(await auditOf(tenant, 'ghost')).toHaveLength(0);
  });

  test('deleting an asset others depend on is 422 with their ids; leaves first, then it goes', async () => {
    const refused = await call('DELETE', path('/db'), mspAdmin);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'asset_in_use', details: { dependents: ['app'] } });
    expect(await auditOf(tenant, 'db', 'asset.delete')).toHaveLength(0);

    expect((await call('POST', path(), mspAdmin, asset('cache', { dependsOn: ['db'] }))).status).toBe(201);
    expect((await call('DELETE', path('/db'), mspAdmin)).body.error.details.dependents.sort()).toEqual(['app', 'cache']);
    expect((await call('DELETE', path('/cache'), mspAdmin)).status).toBe(204);
    expect((await call('GET', path('/cache'), mspAdmin)).status).toBe(404);
    expect((await call('DELETE', path('/cache'), mspAdmin)).status).toBe(404);
    const [entry] = await auditOf(tenant, 'cache', 'asset.delete');
    expect(entry).toMatchObject({ summary: { before: { id: 'cache', dependsOn: ['db'] } } });
    expect(await auditOf(tenant, 'cache', 'asset.delete')).toHaveLength(1);
  });

  test('two concurrent replacements that would close a cycle together: one wins, the other is 422', async () => {
    expect((await call('POST', path(), mspAdmin, asset('left'))).status).toBe(201);
    expect((await call('POST', path(), mspAdmin, asset('right'))).status).toBe(201);
    const answers = await Promise.all([
      call('PUT', path('/left'), mspAdmin, asset('left', { dependsOn: ['right'] })),
      call('PUT', path('/right'), mspAdmin, asset('right', { dependsOn: ['left'] })),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422]);
    const [left, right] = await Promise.all([call('GET', path('/left'), mspAdmin), call('GET', path('/right'), mspAdmin)]);
    expect(left.body.dependsOn.length + right.body.dependsOn.length).toBe(1);
  });

  test('the tenant must be named, well-formed and existing', async () => {
    expect((await call('GET', '/v1/assets', mspAdmin)).status).toBe(400); // an MSP admin must name it
    expect((await call('GET', '/v1/assets?tenant=a%23b', mspAdmin)).status).toBe(400);
    expect((await call('GET', '/v1/assets?tenant=no-such-co', mspAdmin)).status).toBe(404);
    expect((await call('POST', '/v1/assets?tenant=no-such-co', mspAdmin, asset('x'))).status).toBe(404);
    expect((await call('GET', '/v1/assets/db?tenant=no-such-co', mspAdmin)).status).toBe(404);
    expect((await call('GET', '/v1/assets', niko)).body.tenantId).toBe('acme'); // their only tenant
    expect((await call('GET', '/v1/assets/%23bad?tenant=acme', mspAdmin)).status).toBe(404);
  });

  test('GET /v1/assets/unresolved still reaches the unresolved-names route, not GET /v1/assets/{id}', async () => {
    const apiKey = demo.tenants.find((candidate) => candidate.id === 'acme')!.apiKey;
    const ingested = await postJson(
      stack,
      '/v1/webhooks/generic',
      { asset_name: 'mystery-host-9', signature: 'Ping', severity: 'low', message: 'no ping', tool_source: 'test' },
      { 'x-api-key': apiKey },
    );
    expect(ingested.status).toBe(202);
    await stack.idle(); // the stream relay counts unresolved names
    const answer = await call('GET', '/v1/assets/unresolved?tenant=acme', niko);
    expect(answer.status).toBe(200);
    expect(answer.body.unresolved).toEqual(expect.arrayContaining([expect.objectContaining({ assetRef: 'mystery-host-9' })]));
    expect((await call('GET', '/v1/assets/db-prod-01?tenant=acme', niko)).body.id).toBe('db-prod-01');
  });
});

test('deleting a tenant revokes its API keys: its webhooks are refused afterwards', async () => {
  const apiKey = await createTenant(stack, 'closing-co');
  const deleted = await call('DELETE', '/v1/tenants/closing-co', mspAdmin);
  expect(deleted.status).toBe(204);
  const webhook = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: 'h', signature: 's', severity: 'low', message: 'm', tool_source: 't' },
    { 'x-api-key': apiKey },
  );
  expect(webhook.status).toBe(401);
  const [entry] = await auditOf(undefined, 'closing-co', 'tenant.delete');
  expect((entry?.summary?.after as { revokedApiKeys: string[] }).revokedApiKeys).toHaveLength(1);
});
