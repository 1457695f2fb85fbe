import { findUserByEmail } from '../../lib/store/users';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, postJson, startTestStack } from '../helpers/local-stack';
import { withoutAutomation } from '../helpers/timeline';

/**
 * Incident list and operator actions on the local stack: filters, priority order and cursors;
 * acknowledge, assign, note, resolve with a code, reopen; each audited once, refused with 409 when
 * it does not apply, and invisible (404) to a user of another tenant.
 */
let stack: LocalStack;
let demo: DemoInfo;
let apiKey: string;
const tokens = {} as { admin: string; niko: string; gale: string };
const TENANT = 'incident-actions';

async function loginAs(email: string): Promise<string> {
  const user = demo.users.find((candidate) => candidate.email === email)!;
  const { status, body } = await postJson(stack, '/v1/auth/login', { email, password: user.password });
  expect(status).toBe(200);
  return body.accessToken as string;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function fire(signature: string, assetName: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { status } = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: assetName, signature, severity: 'high', message: signature, tool_source: 'test', ...extra },
    { 'x-api-key': apiKey },
  );
  expect(status).toBe(202);
  await stack.idle();
}

async function incidentWith(signature: string): Promise<any> {
  const { body } = await getJson(stack, `/v1/incidents?tenant=${TENANT}&limit=200`, tokens.admin);
  return body.incidents.find((incident: any) => incident.signatures.includes(signature));
}

async function auditFor(incidentId: string): Promise<string[]> {
  const { body } = await getJson(stack, `/v1/audit?tenant=${TENANT}&limit=200`, tokens.admin);
  return (
    body.entries
      // What people did: the remediation decision and routing are the system's (tested in remediation-e2e).
      .filter((entry: any) => entry.resource?.id === incidentId && entry.actor.type === 'user')
      .map((entry: any) => entry.action)
      .reverse()
  );
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-incidents'));
  apiKey = await createTenant(stack, TENANT);
  // Give the demo technicians and the company admin this tenant, as the MSP admin would.
  tokens.admin = await loginAs('admin@msp.example');
  for (const email of ['tech.niko@msp.example']) {
    const user = (await findUserByEmail(stack.table, email))!;
    const { status } = await fetch(`${stack.apiUrl}/v1/users/${user.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...auth(tokens.admin) },
      body: JSON.stringify({ tenantIds: [...user.tenantIds, TENANT] }),
    });
    expect(status).toBe(200);
  }
  tokens.niko = await loginAs('tech.niko@msp.example');
  tokens.gale = await loginAs('tech.gale@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('acknowledge, assign, note, resolve with a code and reopen: each applies once, is audited and shows on the timeline', async () => {
  await fire('SyntheticCheckOne', 'host-a');
  const incident = await incidentWith('SyntheticCheckOne');
  const base = `/v1/incidents/${incident.id}`;
  const q = `?tenant=${TENANT}`;

  const ack = await postJson(stack, `${base}/acknowledge${q}`, {}, auth(tokens.niko));
  expect(ack.status).toBe(200);
  expect(ack.body.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'tech.niko@msp.example' });
  expect((await postJson(stack, `${base}/acknowledge${q}`, {}, auth(tokens.niko))).status).toBe(200); // no-op

  // Routing gave it to the tenant's only technician; the admin takes it back, then gives it to him again.
  const niko = (await findUserByEmail(stack.table, 'tech.niko@msp.example'))!;
  expect((await getJson(stack, `${base}${q}`, tokens.admin)).body.incident.assignee).toEqual({ userId: niko.id, name: niko.name });
  const unassigned = await postJson(stack, `${base}/assign${q}`, { userId: null }, auth(tokens.admin));
  expect(unassigned.body.incident.assignee).toBeNull();
  const assigned = await postJson(stack, `${base}/assign${q}`, { userId: niko.id }, auth(tokens.admin));
  expect(assigned.body.incident.assignee).toEqual({ userId: niko.id, name: niko.name });
  const gale = (await findUserByEmail(stack.table, 'tech.gale@msp.example'))!;
  const refused = await postJson(stack, `${base}/assign${q}`, { userId: gale.id }, auth(tokens.admin));
  expect(refused.status).toBe(400); // gale does not work on this tenant

  const note = await postJson(stack, `${base}/notes${q}`, { text: 'Restarted the agent' }, auth(tokens.niko));
  expect(note.status).toBe(201);
  expect((await postJson(stack, `${base}/notes${q}`, { text: '' }, auth(tokens.niko))).status).toBe(400);

  const badCode = await postJson(stack, `${base}/resolve${q}`, { code: 'magic' }, auth(tokens.niko));
  expect(badCode.status).toBe(400);
  const resolved = await postJson(stack, `${base}/resolve${q}`, { code: 'fixed', note: 'agent restarted' }, auth(tokens.niko));
  expect(resolved.status).toBe(200);
  expect(resolved.body.incident).toMatchObject({ status: 'resolved', resolutionCode: 'fixed', resolvedBy: 'tech.niko@msp.example' });
  expect((await postJson(stack, `${base}/resolve${q}`, { code: 'fixed' }, auth(tokens.niko))).status).toBe(409);
  expect((await postJson(stack, `${base}/acknowledge${q}`, {}, auth(tokens.niko))).status).toBe(409);

  const reopened = await postJson(stack, `${base}/reopen${q}`, { reason: 'came back' }, auth(tokens.niko));
  expect(reopened.status).toBe(200);
  expect(reopened.body.incident).toMatchObject({ status: 'open', reopenCount: 1 });

  expect(withoutAutomation(reopened.body.timeline).map((entry: any) => entry.type)).toEqual([
    'incident-opened',
    'incident-acknowledged',
    'incident-assigned',
    'incident-assigned',
    'note',
    'incident-resolved',
    'incident-reopened',
  ]);
  expect(withoutAutomation(reopened.body.timeline).find((entry: any) => entry.type === 'note')).toMatchObject({
    actor: 'tech.niko@msp.example',
    reason: 'Restarted the agent',
  });
  expect(await auditFor(incident.id)).toEqual([
    'incident.acknowledge',
    'incident.assign',
    'incident.assign',
    'incident.note',
    'incident.resolve',
    'incident.reopen',
  ]);
});

test('an operator-resolved incident whose alert fires again within the flap window reopens by itself', async () => {
  await fire('SyntheticCheckTwo', 'host-b');
  const incident = await incidentWith('SyntheticCheckTwo');
  const q = `?tenant=${TENANT}`;
  expect((await postJson(stack, `/v1/incidents/${incident.id}/resolve${q}`, { code: 'false-positive' }, auth(tokens.admin))).status).toBe(
    200,
  );
  await fire('SyntheticCheckTwo', 'host-b', { message: 'still failing' });
  const { body } = await getJson(stack, `/v1/incidents/${incident.id}${q}`, tokens.admin);
  expect(body.incident).toMatchObject({ status: 'open', reopenCount: 1 });
  expect(body.timeline.at(-1)).toMatchObject({ type: 'incident-reopened' });
});

test('a user of another tenant gets 404 for every action, and nothing changes', async () => {
  await fire('SyntheticCheckThree', 'host-c');
  const incident = await incidentWith('SyntheticCheckThree');
  const q = `?tenant=${TENANT}`;
  for (const [path, body] of [
    ['acknowledge', {}],
    ['assign', { userId: null }],
    ['notes', { text: 'hi' }],
    ['resolve', { code: 'fixed' }],
    ['reopen', {}],
  ] as const) {
    const { status } = await postJson(stack, `/v1/incidents/${incident.id}/${path}${q}`, body, auth(tokens.gale));
    expect([path, status]).toEqual([path, 404]);
  }
  expect((await getJson(stack, `/v1/incidents/${incident.id}${q}`, tokens.gale)).status).toBe(404);
  expect(await auditFor(incident.id)).toEqual([]);
});

test('the list filters by status, severity, asset and assignee, sorts by priority and pages with a cursor', async () => {
  await fire('SyntheticLow', 'host-d', { severity: 'low' });
  await fire('SyntheticCritical', 'host-e', { severity: 'critical' });
  const q = `/v1/incidents?tenant=${TENANT}`;

  const critical = await getJson(stack, `${q}&severity=critical`, tokens.admin);
  expect(critical.body.incidents.map((incident: any) => incident.signatures[0])).toEqual(['SyntheticCritical']);
  const byPriority = await getJson(stack, `${q}&sort=priority&status=active`, tokens.admin);
  const scores = byPriority.body.incidents.map((incident: any) => incident.priority.score);
  expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
  expect(byPriority.body.incidents[0].signatures).toContain('SyntheticCritical');
  expect(byPriority.body.incidents.every((incident: any) => ['open', 'acknowledged'].includes(incident.status))).toBe(true);

  const unassigned = await getJson(stack, `${q}&assignee=none`, tokens.admin);
  expect(unassigned.body.incidents.every((incident: any) => !incident.assignee)).toBe(true);
  // Niko was assigned SyntheticCheckOne by hand; routing may have given him others of this tenant.
  const mine = await getJson(stack, `${q}&assignee=me`, tokens.niko);
  expect(mine.body.incidents.map((incident: any) => incident.signatures[0])).toContain('SyntheticCheckOne');
  const niko = (await findUserByEmail(stack.table, 'tech.niko@msp.example'))!;
  expect(mine.body.incidents.every((incident: any) => incident.assignee?.userId === niko.id)).toBe(true);

  const all = (await getJson(stack, `${q}&limit=200`, tokens.admin)).body.incidents.map((incident: any) => incident.id);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await getJson(stack, `${q}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, tokens.admin);
    expect(page.status).toBe(200);
    seen.push(...page.body.incidents.map((incident: any) => incident.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen).toEqual(all);

  const priorityPages: string[] = [];
  cursor = undefined;
  do {
    const page = await getJson(stack, `${q}&sort=priority&limit=2${cursor ? `&cursor=${cursor}` : ''}`, tokens.admin);
    priorityPages.push(...page.body.incidents.map((incident: any) => incident.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect([...priorityPages].sort()).toEqual([...all].sort());

  expect((await getJson(stack, `${q}&cursor=not-a-cursor`, tokens.admin)).status).toBe(400);
  const newestCursor = (await getJson(stack, `${q}&limit=1`, tokens.admin)).body.nextCursor;
  expect((await getJson(stack, `${q}&sort=priority&cursor=${newestCursor}`, tokens.admin)).status).toBe(400);
});
