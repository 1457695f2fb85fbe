import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { login, startTestStack } from '../helpers/local-stack';
import { until } from '../helpers/until';

/**
 * Maintenance windows on the whole local stack: a window planned through the API, alerts through the
 * webhook, the sla and remediate functions on the bus, the window's end timer in the local Scheduler.
 * A critical alert inside the window pages no one, starts no runbook and breaches no SLA; still firing
 * when the window ends, it is routed and its technician notified within a minute of the end.
 */
let stack: LocalStack;
let demo: DemoInfo;
let admin: string;
/** The globex window of the first test and its two incidents: the last test waits for the window's end. */
let endsAt: Date;
let till: any;
let memory: any;

async function api(method: string, path: string, body?: unknown, token = admin) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function sendAlert(tenantId: string, alert: Record<string, unknown>): Promise<void> {
  const apiKey = demo.tenants.find((tenant) => tenant.id === tenantId)!.apiKey;
  const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ severity: 'critical', tool_source: 'e2e', ...alert }),
  });
  expect(response.status).toBe(202);
}

async function incidentWith(tenantId: string, signature: string) {
  const list = await until(
    () => api('GET', `/v1/incidents?tenant=${tenantId}`),
    (answer) => answer.body.incidents?.some((incident: any) => incident.signatures.includes(signature)),
    `an incident of ${signature}`,
  );
  const { id } = list.body.incidents.find((incident: any) => incident.signatures.includes(signature));
  return (await api('GET', `/v1/incidents/${id}?tenant=${tenantId}`)).body;
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('maintenance-e2e'));
  admin = await login(stack, demo, 'admin@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('inside a window a critical alert pages no one, runs nothing and breaches nothing', async () => {
  // The window ends on a whole minute (Scheduler's precision) at least 20 s from now: the alerts have time to
  // settle inside it. The other tests of this file run while it lasts; the last one waits for its end.
  endsAt = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
  const created = await api('POST', '/v1/maintenance-windows?tenant=globex', {
    name: 'Checkout patching',
    reason: 'Point-of-sale firmware',
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: endsAt.toISOString(),
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ phase: 'active', effects: { notify: false, slaClocks: 'paused', autoRemediation: 'off' } });

  // A host no runbook serves (routing) and one whose memory runbook would ask for approval (remediation).
  await sendAlert('globex', { asset_name: 'pos-terminal-5', signature: 'TillOffline', message: 'till not reachable' });
  await sendAlert('globex', { asset_name: 'web-01', signature: 'MemoryHigh', message: 'memory usage above 95%' });
  till = await until(
    () => incidentWith('globex', 'TillOffline'),
    (detail) =>
      Boolean(
        detail.incident.maintenance && detail.incident.sla && detail.timeline.some((entry: any) => entry.type === 'remediation-decided'),
      ),
    'the incident to be held, its clock started and its decision deferred',
  );
  await stack.idle();
  memory = await until(
    () => incidentWith('globex', 'MemoryHigh'),
    (detail) => Boolean(detail.incident.maintenance && detail.incident.sla),
    'the second incident to be held',
  );

  for (const detail of [till, memory]) {
    expect(detail.incident.maintenance).toMatchObject({ name: 'Checkout patching', until: endsAt.toISOString() });
    expect(detail.incident.maintenance.liftedAt).toBeUndefined();
    expect(detail.incident.assignee ?? null).toBeNull();
    expect(detail.incident.decision).toBeUndefined();
    expect(detail.incident.remediation).toBeUndefined();
    // The clock is paused from the opening: no deadline, no timer, so nothing can breach.
    expect(detail.incident.sla).toMatchObject({ responseDueAt: null, resolutionDueAt: null, timers: {}, breachedAt: {} });
    expect(detail.incident.sla.clock.pauses).toEqual([expect.objectContaining({ reason: 'maintenance: Checkout patching' })]);
    expect(detail.timeline.map((entry: any) => entry.type)).toContain('maintenance-started');
  }
  await stack.idle();
  expect(await stack.ses.sentMail()).toEqual([]);
  const approvals = await api('GET', '/v1/approvals?tenant=globex');
  expect(approvals.body.approvals).toEqual([]);
});

test('technicians may make short windows on the assets of an open incident, and end only their own', async () => {
  const tech = await login(stack, demo, 'tech.niko@msp.example');
  await sendAlert('acme', { asset_name: 'app-prod-01', signature: 'ServiceRestartLoop', message: 'nginx restarting', severity: 'high' });
  const { incident } = await incidentWith('acme', 'ServiceRestartLoop');
  const start = Date.now();
  const short = {
    name: 'Restarting nginx',
    incidentId: incident.id,
    scope: { assetIds: ['app-prod-01'] },
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 2 * 3_600_000).toISOString(),
  };
  const post = (body: unknown, token = tech) => api('POST', '/v1/maintenance-windows?tenant=acme', body, token);

  expect((await post({ ...short, endsAt: new Date(start + 5 * 3_600_000).toISOString() })).status).toBe(403);
  expect((await post({ ...short, scope: { assetIds: ['db-prod-01'] } })).status).toBe(403);
  expect((await post({ ...short, scope: { assetIds: ['app-prod-01'], includeDependents: true } })).status).toBe(403);
  expect((await post({ ...short, incidentId: undefined })).status).toBe(400);
  const { startsAt: _s, endsAt: _e, ...rest } = short;
  expect((await post({ ...rest, recurrence: { rrule: 'FREQ=DAILY;BYHOUR=2', durationMinutes: 60, timeZone: 'UTC' } })).status).toBe(403);

  const mine = await post(short);
  expect(mine.status).toBe(201);
  expect(mine.body).toMatchObject({ createdBy: 'tech.niko@msp.example', phase: 'active' });
  expect((await api('PATCH', `/v1/maintenance-windows/${mine.body.id}?tenant=acme`, { name: 'Renamed' }, tech)).status).toBe(403);

  const theirs = await post(
    { ...short, name: 'Admin window', endsAt: new Date(start + 30 * 3_600_000).toISOString(), incidentId: undefined },
    admin,
  );
  expect(theirs.status).toBe(201);
  expect((await api('POST', `/v1/maintenance-windows/${theirs.body.id}/end?tenant=acme`, undefined, tech)).status).toBe(403);
  const ended = await api('POST', `/v1/maintenance-windows/${mine.body.id}/end?tenant=acme`, undefined, tech);
  expect(ended.status).toBe(200);
  expect(ended.body).toMatchObject({ phase: 'past', endedBy: 'tech.niko@msp.example' });
  expect((await api('POST', `/v1/maintenance-windows/${mine.body.id}/end?tenant=acme`, undefined, tech)).status).toBe(409);
});

test("bad rules are refused with the reason, and an MSP admin lists every company's windows", async () => {
  const bad = await api('POST', '/v1/maintenance-windows?tenant=acme', {
    name: 'Broken',
    recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=XX', durationMinutes: 60, timeZone: 'Europe/Berlin' },
  });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('BYDAY has an invalid value');
  const both = await api('POST', '/v1/maintenance-windows?tenant=acme', {
    name: 'Both',
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 60_000).toISOString(),
    recurrence: { rrule: 'FREQ=DAILY', durationMinutes: 60, timeZone: 'UTC' },
  });
  expect(both.status).toBe(400);
  const weekly = await api('POST', '/v1/maintenance-windows?tenant=acme', {
    name: 'Sunday patch night',
    scope: { assetIds: ['db-prod-01'], includeDependents: true },
    recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', durationMinutes: 120, timeZone: 'Europe/Berlin' },
  });
  expect(weekly.status).toBe(201);
  expect(weekly.body.upcoming).toHaveLength(5);
  for (const occurrence of weekly.body.upcoming) expect(new Date(occurrence.startsAt).getUTCDay()).toBe(0);

  const preview = await api('POST', '/v1/maintenance-windows/preview?tenant=acme', {
    name: 'Sunday patch night',
    scope: { assetIds: ['db-prod-01'], includeDependents: true },
    recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', durationMinutes: 120, timeZone: 'Europe/Berlin' },
  });
  expect(preview.status).toBe(200);
  // The demo's application servers depend on its database.
  expect(preview.body.assets.map((asset: any) => asset.id)).toEqual(expect.arrayContaining(['db-prod-01', 'app-prod-01']));

  const all = await api('GET', '/v1/maintenance-windows');
  expect(new Set(all.body.windows.map((window: any) => window.tenantId))).toEqual(new Set(['acme', 'globex']));
  const upcoming = await api('GET', '/v1/maintenance-windows?phase=upcoming');
  expect(upcoming.body.windows.every((window: any) => window.phase === 'upcoming')).toBe(true);
});

test('still firing when the window ends, it is routed and its technician notified within a minute of the end', async () => {
  // The window ends: its end timer fires in the local Scheduler.
  const routed = await until(
    () => api('GET', `/v1/incidents/${till.incident.id}?tenant=globex`),
    (answer) => Boolean(answer.body.incident.assignee),
    'the incident to be routed after the window',
    endsAt.getTime() - Date.now() + 60_000,
  );
  const { incident, timeline } = routed.body;
  expect(incident.maintenance.liftedAt).toEqual(expect.any(String));
  expect(Date.parse(incident.maintenance.liftedAt) - endsAt.getTime()).toBeLessThan(60_000);
  const ended = timeline.find((entry: any) => entry.type === 'maintenance-ended');
  expect(ended.reason).toMatch(/Maintenance ended, still firing/);
  // The clocks run from the window's end: the response deadline is 30 minutes (critical) after it.
  const responseDueAt = await until(
    () => api('GET', `/v1/incidents/${till.incident.id}?tenant=globex`),
    (answer) => Boolean(answer.body.incident.sla.responseDueAt),
    'the SLA clock to resume',
  );
  const due = Date.parse(responseDueAt.body.incident.sla.responseDueAt);
  expect(due - endsAt.getTime()).toBeGreaterThanOrEqual(30 * 60_000);
  expect(due - endsAt.getTime()).toBeLessThan(31 * 60_000);

  const assignee = demo.users.find((user) => `usr_${user.email.replace(/[^a-z0-9]+/gi, '_')}` === incident.assignee.userId)!;
  const mail = await until(
    () => stack.ses.sentMail(),
    (sent) => sent.some((message) => message.to.includes(assignee.email) && /assigned/i.test(message.subject)),
    'the assignment email',
  );
  const assignment = mail.find((message) => message.to.includes(assignee.email) && /assigned/i.test(message.subject))!;
  expect(Date.parse(assignment.at) - endsAt.getTime()).toBeLessThan(60_000);
  // The memory runbook asks for its approval now.
  await until(
    () => api('GET', '/v1/approvals?tenant=globex'),
    (answer) => answer.body.approvals.some((approval: any) => approval.incidentId === memory.incident.id),
    'the approval request after the window',
  );
}, 150_000);
