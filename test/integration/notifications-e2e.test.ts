import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, startTestStack } from '../helpers/local-stack';

/**
 * Notifications that follow domain events, on the whole local stack: routing's assignment reaches the
 * technician and an approval request the possible approvers, as email through the SES client into the
 * local SES; every delivery is recorded and listed by the API.
 */
let stack: LocalStack;
let demo: DemoInfo;

async function sendAlert(tenantId: string, alert: Record<string, unknown>): Promise<void> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === tenantId)!.apiKey;
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ severity: 'high', tool_source: 'e2e', ...alert }),
  });
  expect(response.status).toBe(202);
}

async function mailTo(address: string, subject: RegExp, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.idle();
    const found = (await stack.ses.sentMail()).find((mail) => mail.to.includes(address) && subject.test(mail.subject));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} matching ${subject}: ${JSON.stringify(await stack.ses.sentMail())}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('notifications-e2e'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('the technician routing picks is told by email, and the delivery is on record', async () => {
  // A host Globex's inventory does not know: no runbook can run there, so routing assigns a technician.
  await sendAlert('globex', { asset_name: 'pos-terminal-7', signature: 'CheckoutLatencyHigh', message: 'p95 above 3 s' });
  await stack.idle();
  const admin = await login(stack, demo, 'admin@msp.example');
  const { body } = await getJson(stack, '/v1/incidents?tenant=globex', admin);
  const incident = body.incidents.find((candidate: any) => candidate.signatures.includes('CheckoutLatencyHigh'));
  expect(incident?.assignee).toBeDefined();
  const assignee = demo.users.find((user) => `usr_${user.email.replace(/[^a-z0-9]+/gi, '_')}` === incident.assignee.userId)!;
  const mail = await mailTo(assignee.email, /assigned/i);
  expect(mail.from).toBe('alerts@msp.example');
  expect(mail.text).toContain(`/incidents/${incident.id}?tenant=globex`);

  const records = await getJson(stack, `/v1/notifications?tenant=globex&incidentId=${incident.id}&channel=email`, admin);
  expect(records.status).toBe(200);
  expect(records.body.deliveries).toEqual(
    expect.arrayContaining([expect.objectContaining({ kind: 'assignment', channel: 'email', status: 'delivered' })]),
  );
}, 40_000);

test('an approval request reaches those who may approve it', async () => {
  await sendAlert('globex', { asset_name: 'web-01', signature: 'MemoryHigh', message: 'memory usage above 95%' });
  // Medium risk: a company admin of Globex (none in the demo) or an MSP admin.
  const mail = await mailTo('admin@msp.example', /approv/i);
  expect(mail.text).toContain('Linux memory relief');
  expect((await stack.ses.sentMail()).some((sent) => sent.to.includes('admin@acme.example') && /approv/i.test(sent.subject))).toBe(false);
}, 40_000);

test('an operator pauses the SLA clock while the incident waits on the client, then resumes it', async () => {
  await sendAlert('globex', { asset_name: 'pos-terminal-9', signature: 'PrinterOffline', message: 'receipt printer offline' });
  await stack.idle();
  const tech = await login(stack, demo, 'tech.gale@msp.example');
  const { body } = await getJson(stack, '/v1/incidents?tenant=globex', tech);
  const { id } = body.incidents.find((candidate: any) => candidate.signatures.includes('PrinterOffline'));
  const before = (await getJson(stack, `/v1/incidents/${id}?tenant=globex`, tech)).body.incident.sla;
  expect(before.responseDueAt).toEqual(expect.any(String));

  const post = (path: string, payload?: unknown) =>
    fetch(`${stack.apiUrl}/v1/incidents/${id}/sla/${path}?tenant=globex`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tech}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload ?? {}),
    });
  expect((await post('pause', { reason: 'waiting for the client to power-cycle it' })).status).toBe(202);
  await stack.idle();
  const paused = (await getJson(stack, `/v1/incidents/${id}?tenant=globex`, tech)).body;
  expect(paused.incident.sla.clock.pauses).toEqual([expect.objectContaining({ reason: 'waiting for the client to power-cycle it' })]);
  expect(paused.incident.sla.clock.pauses[0].to).toBeUndefined();
  await new Promise((done) => setTimeout(done, 50));

  expect((await post('resume')).status).toBe(202);
  await stack.idle();
  const resumed = (await getJson(stack, `/v1/incidents/${id}?tenant=globex`, tech)).body;
  expect(resumed.incident.sla.clock.pauses[0].to).toEqual(expect.any(String));
  // The deadline moved by the time paused.
  expect(Date.parse(resumed.incident.sla.responseDueAt)).toBeGreaterThan(Date.parse(before.responseDueAt));
  const types = resumed.timeline.map((entry: any) => entry.type);
  expect(types).toEqual(expect.arrayContaining(['sla-paused', 'sla-resumed']));
}, 40_000);
