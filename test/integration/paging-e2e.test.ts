import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { login, startTestStack } from '../helpers/local-stack';
import { until } from '../helpers/until';

/**
 * Paging on the whole local stack: acme's technicians verify their numbers through the API (the code
 * comes by SMS from the local End User Messaging), a critical alert through the webhook is routed and its
 * technician paged by SMS with a signed link; an escalation is under way when the technician follows the
 * link from the recorded SMS and acknowledges on the mobile page, and the escalation stops there. A reply
 * "ACK" to the SMS of another incident acknowledges that one.
 */
let stack: LocalStack;
let demo: DemoInfo;
let admin: string;
const NUMBERS: Record<string, string> = {
  'tech.niko@msp.example': '+15555550111',
  'tech.dana@msp.example': '+15555550112',
};

async function api(method: string, path: string, body?: unknown, token = admin) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function sendAlert(alert: Record<string, unknown>): Promise<void> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ severity: 'critical', tool_source: 'e2e', ...alert }),
  });
  expect(response.status).toBe(202);
}

/** The acme incident of `signature` once it is assigned. */
async function assignedIncident(signature: string) {
  const list = await until(
    () => api('GET', '/v1/incidents?tenant=acme'),
    (answer) => answer.body.incidents?.some((incident: any) => incident.signatures.includes(signature) && incident.assignee),
    `an assigned incident of ${signature}`,
  );
  return list.body.incidents.find((incident: any) => incident.signatures.includes(signature));
}

const texts = (to: string) =>
  stack.smsVoice
    .messages()
    .filter((message) => message.to === to && message.channel === 'sms')
    .map((message) => message.body);

const LINK = /(http:\/\/[^\s]+\/a\/[0-9A-Za-z_-]+)/;

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('paging-e2e'));
  admin = await login(stack, demo, 'admin@msp.example');
  for (const [email, number] of Object.entries(NUMBERS)) {
    const token = await login(stack, demo, email);
    const asked = await api('PUT', '/v1/me/phone', { number }, token);
    expect(asked.status).toBe(202);
    const code = /code is (\d{6})/.exec(texts(number).at(-1) ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await api('POST', '/v1/me/phone/verify', { code }, token);
    expect(verified).toMatchObject({ status: 200, body: { number } });
  }
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

test('the paged technician acknowledges from the link in the SMS, and the escalation stops', async () => {
  await sendAlert({ asset_name: 'edge-fw-07', signature: 'FirewallDown', message: 'firewall not answering' });
  const incident = await assignedIncident('FirewallDown');
  // A critical assignment calls, then texts: the text carries the technician's own link.
  const paged = await until(
    async () => Object.values(NUMBERS).find((number) => texts(number).some((text) => text.includes('edge-fw-07') && LINK.test(text))),
    (number) => number !== undefined,
    'the SMS page with its link',
  );
  const sms = texts(paged!).find((text) => text.includes('edge-fw-07') && LINK.test(text));
  expect(sms).toMatch(/CRITICAL/);
  expect(stack.smsVoice.messages().some((message) => message.to === paged && message.channel === 'voice')).toBe(true);
  const link = LINK.exec(sms!)![1]!;
  // The carrier's status comes back through the default bus onto the page's delivery record.
  const receipts = await until(
    () => api('GET', `/v1/notifications?tenant=acme&incidentId=${incident.id}&channel=sms`),
    (answer) => answer.body.deliveries?.some((delivery: any) => delivery.receipt?.event === 'TEXT_DELIVERED'),
    'the SMS delivery status on its record',
  );
  expect(receipts.body.deliveries.find((delivery: any) => delivery.status === 'delivered')).toMatchObject({
    to: expect.stringMatching(/^\+15…011[12]$/),
    receipt: { event: 'TEXT_DELIVERED', final: true },
  });

  // An escalation under way: the MSP admin passes it on now; the chain starts and waits on its first level.
  expect((await api('POST', `/v1/incidents/${incident.id}/escalate?tenant=acme`)).status).toBe(202);
  const escalating = await until(
    () => api('GET', `/v1/incidents/${incident.id}?tenant=acme`),
    (answer) => answer.body.incident.escalation?.status === 'active' && answer.body.incident.escalation.timer,
    'the escalation to be active with its timer',
  );
  const timerName = escalating.body.incident.escalation.timer.name;

  // Opening the link shows the page and changes nothing (link scanners fetch GETs).
  const page = await fetch(link);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('FirewallDown');
  expect(html).toMatch(/Acknowledge/);
  expect((await api('GET', `/v1/incidents/${incident.id}?tenant=acme`)).body.incident.status).toBe('open');

  const acted = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=acknowledge',
  });
  expect(acted.status).toBe(200);
  expect(await acted.text()).toMatch(/Acknowledged/);

  const stopped = await until(
    () => api('GET', `/v1/incidents/${incident.id}?tenant=acme`),
    (answer) => answer.body.incident.escalation?.status === 'acknowledged',
    'the escalation to stop',
  );
  expect(stopped.body.incident).toMatchObject({ status: 'acknowledged' });
  expect(stopped.body.incident.escalation.timer).toBeNull();
  await stack.idle();
  // The level's timer is gone from the Scheduler: nobody else is paged for it.
  expect(stack.scheduler.list().map((schedule) => schedule.name)).not.toContain(timerName);

  // Audited as the technician, from the link.
  const audit = await api('GET', '/v1/audit?tenant=acme&action=incident.acknowledge');
  expect(audit.body.entries[0]).toMatchObject({
    actor: { type: 'user', id: incident.assignee.userId },
    resource: { type: 'incident', id: incident.id },
    summary: { after: { via: 'link' } },
  });

  // The same action again from the same link: already used.
  const again = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=acknowledge',
  });
  expect(again.status).toBeLessThan(500);
  expect(await again.text()).toMatch(/already/i);
});

test('a reply ACK to the SMS acknowledges the incident it paged for', async () => {
  await sendAlert({ asset_name: 'edge-sw-03', signature: 'SwitchDown', message: 'switch not answering' });
  const incident = await assignedIncident('SwitchDown');
  const paged = await until(
    async () => Object.values(NUMBERS).find((number) => texts(number).some((text) => text.includes('edge-sw-03') && LINK.test(text))),
    (number) => number !== undefined,
    'the SMS page of the second incident',
  );
  await stack.smsVoice.reply(paged!, 'ack');
  const acknowledged = await until(
    () => api('GET', `/v1/incidents/${incident.id}?tenant=acme`),
    (answer) => answer.body.incident.status === 'acknowledged',
    'the incident to be acknowledged by the reply',
  );
  expect(acknowledged.body.incident.acknowledgedBy).toMatch(/^tech\.(niko|dana)@msp\.example$/);
});
