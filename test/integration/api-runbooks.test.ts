import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, postJson, startTestStack } from '../helpers/local-stack';

/** The runbook library and a tenant's own runbooks through the operator API. */
let stack: LocalStack;
let demo: DemoInfo;
const tokens = {} as { admin: string; acmeAdmin: string; niko: string; gale: string };

function runbook(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: 'Restart the reporting agent',
    description: 'Restarts the reporting agent and checks that it runs.',
    platform: 'linux',
    risk: 'medium',
    match: { categories: ['service'], keywords: ['reporting'] },
    parameters: [{ name: 'unit', description: 'systemd unit', type: 'string', pattern: '^[a-z0-9@._-]+$', default: 'report-agent' }],
    preChecks: ['systemctl cat -- {{unit}} >/dev/null'],
    commands: ['systemctl restart -- {{unit}}'],
    verification: ['systemctl is-active --quiet -- {{unit}}'],
    rollback: ['systemctl start -- {{unit}}'],
    rollbackNote: 'Starts the unit again if the restart left it stopped.',
    timeoutSeconds: 120,
    maxTargets: 3,
    ...overrides,
  };
}

async function send(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-runbooks'));
  tokens.admin = await login(stack, demo, 'admin@msp.example');
  tokens.acmeAdmin = await login(stack, demo, 'admin@acme.example');
  tokens.niko = await login(stack, demo, 'tech.niko@msp.example');
  tokens.gale = await login(stack, demo, 'tech.gale@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('the library is listed for every tenant, with Linux and Windows runbooks, read-only', async () => {
  const { status, body } = await getJson(stack, '/v1/runbooks?tenant=acme', tokens.niko);
  expect(status).toBe(200);
  const library = body.runbooks.filter((entry: any) => entry.source === 'library');
  expect(library.length).toBeGreaterThanOrEqual(20);
  expect(new Set(library.map((entry: any) => entry.platform))).toEqual(new Set(['linux', 'windows']));
  const first = library[0];
  expect((await send('PUT', `/v1/runbooks/${first.id}?tenant=acme`, tokens.admin, { ...first, name: 'mine now' })).status).toBe(409);
  expect((await send('DELETE', `/v1/runbooks/${first.id}?tenant=acme`, tokens.admin)).status).toBe(409);
  expect((await send('POST', '/v1/runbooks?tenant=acme', tokens.admin, { ...runbook(first.id) })).status).toBe(409);
});

test('a company admin adds, changes and deletes a runbook of its tenant; other tenants never see it', async () => {
  const created = await postJson(stack, '/v1/runbooks?tenant=acme', runbook('restart-report-agent'), {
    authorization: `Bearer ${tokens.acmeAdmin}`,
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: 'restart-report-agent', source: 'tenant', readOnly: false });
  expect(
    (await postJson(stack, '/v1/runbooks?tenant=acme', runbook('restart-report-agent'), { authorization: `Bearer ${tokens.acmeAdmin}` }))
      .status,
  ).toBe(409);

  const changed = await send(
    'PUT',
    '/v1/runbooks/restart-report-agent?tenant=acme',
    tokens.acmeAdmin,
    runbook('restart-report-agent', { risk: 'high' }),
  );
  expect(changed.status).toBe(200);
  expect((await getJson(stack, '/v1/runbooks/restart-report-agent?tenant=acme', tokens.niko)).body.risk).toBe('high');

  expect((await getJson(stack, '/v1/runbooks/restart-report-agent?tenant=globex', tokens.gale)).status).toBe(404);
  expect((await getJson(stack, '/v1/runbooks/restart-report-agent?tenant=acme', tokens.gale)).status).toBe(404);
  // Technicians read runbooks but do not write them.
  expect((await postJson(stack, '/v1/runbooks?tenant=acme', runbook('tech-made'), { authorization: `Bearer ${tokens.niko}` })).status).toBe(
    403,
  );

  expect((await send('DELETE', '/v1/runbooks/restart-report-agent?tenant=acme', tokens.acmeAdmin)).status).toBe(204);
  expect((await getJson(stack, '/v1/runbooks/restart-report-agent?tenant=acme', tokens.niko)).status).toBe(404);
  const { body } = await getJson(stack, '/v1/audit?tenant=acme&limit=200', tokens.admin);
  const actions = body.entries.filter((entry: any) => entry.resource?.id === 'restart-report-agent').map((entry: any) => entry.action);
  expect(actions.reverse()).toEqual(['runbook.create', 'runbook.update', 'runbook.delete']);
});

test.each([
  ['a placeholder inside quotes', runbook('bad-quotes', { commands: ["systemctl restart '{{unit}}'"] })],
  ['an unknown placeholder', runbook('bad-placeholder', { commands: ['systemctl restart {{service}}'] })],
  ['a change without a rollback', runbook('bad-rollback', { rollback: [] })],
  ['a read-only runbook with a rollback', runbook('bad-readonly', { readOnly: true })],
  ['no way to match', runbook('bad-match', { match: {} })],
  ['an id that is not a slug', runbook('Bad Id')],
])('%s is refused with 400 naming the field', async (_name, body) => {
  const { status, body: answer } = await postJson(stack, '/v1/runbooks?tenant=acme', body, { authorization: `Bearer ${tokens.admin}` });
  expect(status).toBe(400);
  expect(answer.error.details.length).toBeGreaterThan(0);
});
