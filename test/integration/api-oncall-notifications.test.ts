import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ulid } from 'ulid';
import { createSenders } from '../../lib/notify/channels';
import { deliver } from '../../lib/notify/deliver';
import { listIncidents } from '../../lib/store/incidents';
import { type NotificationDelivery } from '../../lib/domain/notify/delivery';
import { putNotificationDeliveries } from '../../lib/store/notifications';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, postJson, startTestStack } from '../helpers/local-stack';

/**
 * On-call schedules, technician profiles, the SLA policy and escalation chain, notification channels,
 * delivery records and preferences through the operator API, on the local stack. Time is not frozen:
 * the rotations that must cover "now" start relative to the real clock, and `?at=` asks about fixed
 * instants (a DST change among them). Routing really runs: alerts through the webhook become incidents
 * that the remediation flow routes to a technician with the stored profiles and schedules.
 */
let stack: LocalStack;
let demo: DemoInfo;

type Who = 'admin' | 'acmeAdmin' | 'dana' | 'niko' | 'gale';
const EMAILS: Record<Who, string> = {
  admin: 'admin@msp.example',
  acmeAdmin: 'admin@acme.example',
  dana: 'tech.dana@msp.example',
  niko: 'tech.niko@msp.example',
  gale: 'tech.gale@msp.example',
};
const users = {} as Record<Who, { token: string; id: string }>;

interface Answer {
  status: number;
  body: any;
  text: string;
}

async function send(method: string, path: string, who: Who | 'anonymous', body?: unknown): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(who === 'anonymous' ? {} : { authorization: `Bearer ${users[who].token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

const get = (path: string, who: Who | 'anonymous') => send('GET', path, who);

/** The local date (YYYY-MM-DD) and wall time (HH:MM) of an instant in a time zone, by Intl alone. */
function local(instant: Date | string, timeZone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

const DAY_MS = 86_400_000;

/** The entry of one schedule in /v1/oncall/now (at an instant), or undefined when nobody is on call there. */
async function onCallIn(scheduleId: string, at?: string, who: Who = 'niko') {
  const answer = await get(`/v1/oncall/now?tenant=acme${at ? `&at=${at}` : ''}`, who);
  expect(answer.status).toBe(200);
  return answer.body.onCall.find((entry: any) => entry.schedule.id === scheduleId);
}

/** The tenant's audit log, newest first. */
async function auditEntries(tenant?: string): Promise<Array<{ action: string; resource: { type: string; id: string }; summary?: any }>> {
  const { status, body } = await get(`/v1/audit?limit=200${tenant ? `&tenant=${tenant}` : ''}`, 'admin');
  expect(status).toBe(200);
  return body.entries;
}

let counter = 0;

/** A fresh acme incident on a host of its own with a signature no runbook matches (category other): it is routed to a technician. */
async function routedIncident(): Promise<{ id: string; assignee?: { userId: string; name: string } | null }> {
  const signature = `ReportJobLate${++counter}`;
  const apiKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  const delivered = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: `oncall-host-${counter}`, signature, severity: 'high', message: signature, tool_source: 'oncall-test' },
    { 'x-api-key': apiKey },
  );
  expect(delivered.status).toBe(202);
  await stack.idle();
  const incident = (await listIncidents(stack.table, 'acme', { limit: 1000 })).find((candidate) =>
    candidate.signatures.includes(signature),
  );
  if (!incident) throw new Error(`No incident for ${signature}`);
  return incident;
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-oncall-notifications'));
  for (const who of Object.keys(EMAILS) as Who[]) {
    const email = EMAILS[who];
    const password = demo.users.find((user) => user.email === email)!.password;
    const { status, body } = await postJson(stack, '/v1/auth/login', { email, password });
    if (status !== 200) throw new Error(`Login failed for ${email}: ${status}`);
    users[who] = { token: body.accessToken, id: body.user.id };
  }
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('on-call schedules', () => {
  test('a weekly rotation hands off at 09:00 Berlin time on the weekday it started, across the DST change; ?at= asks about any instant', async () => {
    const created = await send('POST', '/v1/oncall/schedules?tenant=acme', 'acmeAdmin', {
      id: 'berlin-weekly',
      name: 'Berlin weekly',
      layers: [
        {
          name: 'Primary',
          members: [users.dana.id, users.niko.id],
          rotation: 'weekly',
          handoffTime: '09:00',
          timeZone: 'Europe/Berlin',
          // A Monday; the layer ends before the tests' "now", so it covers nobody today.
          startDate: '2025-03-03',
          endDate: '2025-04-30',
        },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'berlin-weekly', tenantId: 'acme', version: 1, overrides: [], updatedBy: EMAILS.acmeAdmin });

    // Nothing before the first shift.
    expect(await onCallIn('berlin-weekly', '2025-03-03T07:59:00Z')).toBeUndefined();
    // The first week: Dana, from Monday 09:00 CET (08:00 UTC) to the next Monday's hand-off.
    expect(await onCallIn('berlin-weekly', '2025-03-10T07:59:00Z')).toMatchObject({
      userId: users.dana.id,
      name: 'Dana Database',
      email: EMAILS.dana,
      schedule: { id: 'berlin-weekly', name: 'Berlin weekly' },
      source: 'layer',
      layer: 'Primary',
      since: '2025-03-03T08:00:00.000Z',
      until: '2025-03-10T08:00:00.000Z',
    });
    // At the hand-off: Niko.
    expect(await onCallIn('berlin-weekly', '2025-03-10T08:00:00Z')).toMatchObject({
      userId: users.niko.id,
      until: '2025-03-17T08:00:00.000Z',
    });
    // The clocks go forward on 30 March: the hand-off stays at 09:00 local, 07:00 UTC.
    expect(await onCallIn('berlin-weekly', '2025-03-25T11:00:00Z')).toMatchObject({
      userId: users.niko.id,
      since: '2025-03-24T08:00:00.000Z',
      until: '2025-03-31T07:00:00.000Z',
    });
    expect(await onCallIn('berlin-weekly', '2025-03-31T07:00:00Z')).toMatchObject({ userId: users.dana.id });
    // After its end date, and now: nobody.
    expect(await onCallIn('berlin-weekly', '2025-05-01T12:00:00Z')).toBeUndefined();
    expect(await onCallIn('berlin-weekly')).toBeUndefined();
    expect((await get('/v1/oncall/now?tenant=acme&at=yesterday', 'niko')).status).toBe(400);
  });

  test('who is on call now: a rotation that started a week ago at New York midnight, then an override on top', async () => {
    const now = Date.now();
    const zone = 'America/New_York';
    const created = await send('POST', '/v1/oncall/schedules?tenant=acme', 'admin', {
      id: 'ny-weekly',
      name: 'New York weekly',
      layers: [
        {
          name: 'Nights and days',
          members: [users.dana.id, users.niko.id],
          rotation: 'weekly',
          handoffTime: '00:00',
          timeZone: zone,
          startDate: local(new Date(now - 7 * DAY_MS), zone).date,
        },
      ],
    });
    expect(created.status).toBe(201);

    // Dana had the first week; Niko took over at midnight today, New York time, for a week.
    const current = await onCallIn('ny-weekly');
    expect(current).toMatchObject({ userId: users.niko.id, name: 'Niko Network', email: EMAILS.niko, source: 'layer' });
    expect(local(current.since, zone)).toEqual({ date: local(new Date(now), zone).date, time: '00:00' });
    expect(local(current.until, zone)).toEqual({ date: local(new Date(now + 7 * DAY_MS), zone).date, time: '00:00' });

    // An override for the next hour: Dana covers (the version read must still be current).
    const start = new Date(now - 60_000).toISOString();
    const end = new Date(now + 3600_000).toISOString();
    const { id: _id, tenantId: _tenant, version, createdAt: _c, updatedAt: _u, updatedBy: _b, ...schedule } = created.body;
    const changed = await send('PUT', '/v1/oncall/schedules/ny-weekly?tenant=acme', 'acmeAdmin', {
      ...schedule,
      overrides: [{ userId: users.dana.id, start, end, reason: 'Niko at the dentist' }],
      version,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, overrides: [{ userId: users.dana.id }] });
    expect(await onCallIn('ny-weekly')).toMatchObject({
      userId: users.dana.id,
      source: 'override',
      layer: 'override',
      until: new Date(Date.parse(end)).toISOString(),
    });
    // A stale version is refused and changes nothing.
    const stale = await send('PUT', '/v1/oncall/schedules/ny-weekly?tenant=acme', 'acmeAdmin', { ...schedule, overrides: [], version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toEqual({ version: 2 });
    expect((await get('/v1/oncall/schedules/ny-weekly?tenant=acme', 'niko')).body.overrides).toHaveLength(1);

    // The technicians list says who is on call now.
    const technicians = await get('/v1/technicians?tenant=acme', 'niko');
    expect(technicians.status).toBe(200);
    const byId = new Map(technicians.body.technicians.map((technician: any) => [technician.userId, technician]));
    expect(byId.get(users.dana.id)).toMatchObject({ onCall: true, onCallSchedules: ['ny-weekly'], maxOpenIncidents: 5, active: true });
    expect(byId.get(users.niko.id)).toMatchObject({ onCall: false, onCallSchedules: [], skills: ['Network', 'Server'] });
    // A technician's tenants as the caller may see them: Dana also works for globex, which acme's admin does not see.
    expect(
      (await get('/v1/technicians?tenant=acme', 'acmeAdmin')).body.technicians.find((t: any) => t.userId === users.dana.id).tenantIds,
    ).toEqual(['acme']);

    // Listed oldest first, with their versions.
    const list = await get('/v1/oncall/schedules?tenant=acme', 'niko');
    expect(list.body.schedules.map((entry: any) => [entry.id, entry.version])).toEqual([
      ['berlin-weekly', 1],
      ['ny-weekly', 2],
    ]);
  });

  test('routing prefers whoever is on call, and leaves out technicians at their cap or inactive', async () => {
    // Dana is on call (the override above); neither technician has a skill an "other" incident wants.
    const first = await routedIncident();
    expect(first.assignee).toEqual({ userId: users.dana.id, name: 'Dana Database' });
    const detail = await get(`/v1/incidents/${first.id}?tenant=acme`, 'niko');
    expect(detail.body.timeline.find((entry: any) => entry.type === 'incident-routed').reason).toContain('on call now');

    // At her cap (1 open of 1): Niko, although Dana is on call. (Dana also works for Globex: an MSP admin sets her profile.)
    expect((await send('PUT', `/v1/technicians/${users.dana.id}/profile`, 'admin', { maxOpenIncidents: 1, active: true })).status).toBe(
      200,
    );
    const technicians = await get('/v1/technicians?tenant=acme', 'acmeAdmin');
    expect(technicians.body.technicians.find((t: any) => t.userId === users.dana.id)).toMatchObject({
      maxOpenIncidents: 1,
      openIncidents: 1,
    });
    expect((await routedIncident()).assignee).toEqual({ userId: users.niko.id, name: 'Niko Network' });

    // Inactive: never picked.
    expect((await send('PUT', `/v1/technicians/${users.dana.id}/profile`, 'admin', { maxOpenIncidents: 10, active: false })).status).toBe(
      200,
    );
    expect((await routedIncident()).assignee).toEqual({ userId: users.niko.id, name: 'Niko Network' });

    // Back on duty: the on-call technician again.
    expect((await send('PUT', `/v1/technicians/${users.dana.id}/profile`, 'admin', { maxOpenIncidents: 10, active: true })).status).toBe(
      200,
    );
    expect((await routedIncident()).assignee).toEqual({ userId: users.dana.id, name: 'Dana Database' });
  });

  test('role and tenant rules: technicians read, admins write, other tenants are 404, members must work for the tenant', async () => {
    const schedule = {
      name: 'Rules',
      layers: [{ name: 'L', members: [users.niko.id], rotation: 'daily', handoffTime: '08:30', timeZone: 'UTC', startDate: '2025-01-01' }],
    };
    expect((await send('POST', '/v1/oncall/schedules?tenant=acme', 'anonymous', schedule)).status).toBe(401);
    expect((await send('POST', '/v1/oncall/schedules?tenant=acme', 'niko', schedule)).status).toBe(403);
    expect((await send('POST', '/v1/oncall/schedules?tenant=acme', 'gale', schedule)).status).toBe(404);
    expect((await get('/v1/oncall/schedules?tenant=acme', 'gale')).status).toBe(404);
    expect((await get('/v1/oncall/now?tenant=acme', 'gale')).status).toBe(404);
    expect((await get('/v1/oncall/schedules/ny-weekly?tenant=acme', 'gale')).status).toBe(404);
    expect((await get('/v1/oncall/schedules/ny-weekly?tenant=globex', 'admin')).status).toBe(404);
    expect((await get('/v1/oncall/schedules?tenant=globex', 'acmeAdmin')).status).toBe(404);
    expect((await get('/v1/oncall/schedules?tenant=nosuch', 'admin')).status).toBe(404);
    // Dana works for both tenants: she must name the one she means.
    expect((await get('/v1/oncall/schedules', 'dana')).status).toBe(400);
    expect((await get('/v1/oncall/schedules', 'niko')).status).toBe(200);

    // Gale works for globex only; an unknown user reads the same.
    const strangers = await send('POST', '/v1/oncall/schedules?tenant=acme', 'acmeAdmin', {
      ...schedule,
      layers: [{ ...schedule.layers[0], members: [users.niko.id, users.gale.id, 'usr_nobody'] }],
    });
    expect(strangers.status).toBe(400);
    expect(strangers.body.error.details).toEqual([
      { path: 'layers.0.members.1', message: `${users.gale.id} is not a user of acme` },
      { path: 'layers.0.members.2', message: 'usr_nobody is not a user of acme' },
    ]);
    const invalid = await send('POST', '/v1/oncall/schedules?tenant=acme', 'acmeAdmin', {
      ...schedule,
      layers: [{ ...schedule.layers[0], timeZone: 'Mars/Olympus', handoffTime: '25:00' }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      'layers.0.handoffTime',
      'layers.0.timeZone',
    ]);

    const made = await send('POST', '/v1/oncall/schedules?tenant=acme', 'acmeAdmin', { ...schedule, id: 'rules' });
    expect(made.status).toBe(201);
    expect((await send('POST', '/v1/oncall/schedules?tenant=acme', 'acmeAdmin', { ...schedule, id: 'rules' })).status).toBe(409);
    const generated = await send('POST', '/v1/oncall/schedules?tenant=acme', 'admin', schedule);
    expect(generated.status).toBe(201);
    expect(generated.body.id).toMatch(/^sch_/);
    expect((await send('PUT', '/v1/oncall/schedules/rules?tenant=acme', 'niko', schedule)).status).toBe(403);
    expect((await send('DELETE', '/v1/oncall/schedules/rules?tenant=acme', 'niko')).status).toBe(403);
    expect((await send('DELETE', '/v1/oncall/schedules/rules?tenant=acme', 'gale')).status).toBe(404);
    expect((await send('DELETE', '/v1/oncall/schedules/rules?tenant=acme&version=7', 'acmeAdmin')).status).toBe(409);
    expect((await send('DELETE', '/v1/oncall/schedules/rules?tenant=acme&version=1', 'acmeAdmin')).status).toBe(204);
    expect((await send('DELETE', '/v1/oncall/schedules/rules?tenant=acme', 'acmeAdmin')).status).toBe(404);
    expect((await send('DELETE', `/v1/oncall/schedules/${generated.body.id}?tenant=acme`, 'admin')).status).toBe(204);

    const actions = (await auditEntries('acme'))
      .filter((entry) => entry.resource.type === 'oncallSchedule' && entry.resource.id === 'rules')
      .map((entry) => entry.action);
    expect(actions).toEqual(['oncall-schedule.delete', 'oncall-schedule.create']);

    // Technician profiles: a company admin sets those of technicians working only for tenants they manage; one shared with
    // another company (Dana: Acme and Globex) would change that company's routing too, so it is refused.
    const shared = await send('PUT', `/v1/technicians/${users.dana.id}/profile`, 'acmeAdmin', { maxOpenIncidents: 1, active: false });
    expect(shared.status).toBe(403);
    expect(shared.body.error.message).toMatch(/also works for companies you do not manage/);
    expect((await send('PUT', `/v1/technicians/${users.gale.id}/profile`, 'acmeAdmin', { maxOpenIncidents: 3, active: true })).status).toBe(
      404,
    );
    expect((await send('PUT', `/v1/technicians/${users.dana.id}/profile`, 'niko', { maxOpenIncidents: 3, active: true })).status).toBe(403);
    expect((await send('PUT', `/v1/technicians/${users.dana.id}/profile`, 'gale', { maxOpenIncidents: 3, active: true })).status).toBe(403);
    expect(
      (await send('PUT', `/v1/technicians/${users.acmeAdmin.id}/profile`, 'admin', { maxOpenIncidents: 3, active: true })).status,
    ).toBe(400);
    expect((await send('PUT', `/v1/technicians/${users.niko.id}/profile`, 'acmeAdmin', { maxOpenIncidents: 0, active: true })).status).toBe(
      400,
    );
    expect((await send('PUT', `/v1/technicians/${users.niko.id}/profile`, 'acmeAdmin', { maxOpenIncidents: 3 })).status).toBe(400);
    expect((await send('PUT', '/v1/technicians/usr_nobody/profile', 'admin', { maxOpenIncidents: 3, active: true })).status).toBe(404);
    const profile = await send('PUT', `/v1/technicians/${users.niko.id}/profile`, 'acmeAdmin', { maxOpenIncidents: 8, active: true });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ userId: users.niko.id, maxOpenIncidents: 8, active: true, updatedBy: EMAILS.acmeAdmin });
    // Audited in the MSP's log and in acme's, without touching the user's skills.
    const entry = (await auditEntries('acme')).find(
      (candidate) => candidate.action === 'technician-profile.update' && candidate.resource.id === users.niko.id,
    );
    expect(entry?.summary).toEqual({ before: { maxOpenIncidents: 5, active: true }, after: { maxOpenIncidents: 8, active: true } });
    expect(
      (await auditEntries()).some(
        (candidate) => candidate.action === 'technician-profile.update' && candidate.resource.id === users.niko.id,
      ),
    ).toBe(true);
    expect((await get(`/v1/users/${users.niko.id}`, 'admin')).body.skills).toEqual(['Network', 'Server']);
    expect((await get('/v1/technicians?tenant=acme', 'gale')).status).toBe(404);
    expect((await get('/v1/technicians?tenant=globex', 'gale')).body.technicians.map((t: any) => t.userId).sort()).toEqual(
      [users.dana.id, users.gale.id].sort(),
    );
  });
});

describe('SLA policy and escalation chain', () => {
  test('the SLA policy: the demo contract over the defaults, a change naming its version, a stale version refused, reset', async () => {
    const initial = await get('/v1/tenants/acme/sla/policy', 'niko');
    expect(initial.status).toBe(200);
    // The demo seeds Acme's contract (local/seed.ts): its calendar, critical and high 24x7, the rest in business hours.
    const seeded: number = initial.body.version;
    expect(initial.body).toMatchObject({ tenantId: 'acme', policy: { calendar: { timeZone: 'America/Chicago' } } });
    expect(initial.body.defaults.calendar).toMatchObject({ timeZone: 'UTC', holidays: [] });
    expect(initial.body.policy.targets.critical).toEqual({ responseMinutes: 30, resolutionMinutes: 240, coverage: '24x7' });
    expect(initial.body.policy.targets.low).toMatchObject({ coverage: 'business-hours' });

    expect((await send('PUT', '/v1/tenants/acme/sla/policy', 'niko', { version: seeded })).status).toBe(403);
    expect((await send('PUT', '/v1/tenants/globex/sla/policy', 'acmeAdmin', { version: 0 })).status).toBe(404);
    expect((await get('/v1/tenants/acme/sla/policy', 'gale')).status).toBe(404);

    const changed = await send('PUT', '/v1/tenants/acme/sla/policy', 'acmeAdmin', {
      version: seeded,
      targets: { critical: { responseMinutes: 15, resolutionMinutes: 120 } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: seeded + 1, updatedBy: EMAILS.acmeAdmin });
    // Field by field: the severity's coverage and the calendar stay as they were.
    expect(changed.body.policy.targets).toMatchObject({
      critical: { responseMinutes: 15, resolutionMinutes: 120, coverage: '24x7' },
      high: { responseMinutes: 120, resolutionMinutes: 480 },
    });
    expect(changed.body.policy.calendar).toEqual(initial.body.policy.calendar);

    // Based on the seeded version again: refused, nothing changes.
    const stale = await send('PUT', '/v1/tenants/acme/sla/policy', 'admin', { version: seeded, warning: { leadMinutes: 10 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toEqual({ version: seeded + 1 });
    expect((await get('/v1/tenants/acme/sla/policy', 'niko')).body.policy.warning.leadMinutes).toBe(30);

    // Invalid: a resolution window shorter than the response window; an unknown severity.
    const invalid = await send('PUT', '/v1/tenants/acme/sla/policy', 'admin', {
      targets: { low: { responseMinutes: 60, resolutionMinutes: 30 } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details).toEqual([expect.objectContaining({ path: 'targets.low.resolutionMinutes' })]);
    expect(
      (await send('PUT', '/v1/tenants/acme/sla/policy', 'admin', { targets: { urgent: { responseMinutes: 1, resolutionMinutes: 2 } } }))
        .status,
    ).toBe(400);

    // The same values again change nothing (no new version, no audit entry).
    const same = await send('PUT', '/v1/tenants/acme/sla/policy', 'admin', {
      targets: { critical: { responseMinutes: 15, resolutionMinutes: 120 } },
    });
    expect(same.body.version).toBe(seeded + 1);

    expect((await send('DELETE', `/v1/tenants/acme/sla/policy?version=${seeded}`, 'admin')).status).toBe(409);
    const reset = await send('DELETE', `/v1/tenants/acme/sla/policy?version=${seeded + 1}`, 'acmeAdmin');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ version: seeded + 2, policy: initial.body.defaults });

    const actions = (await auditEntries('acme')).filter((entry) => entry.resource.type === 'slaPolicy').map((entry) => entry.action);
    expect(actions).toEqual(['sla-policy.reset', 'sla-policy.update']);
    const update = (await auditEntries('acme')).find((entry) => entry.action === 'sla-policy.update')!;
    expect(update.summary.after.targets.critical).toEqual({ responseMinutes: 15, resolutionMinutes: 120, coverage: '24x7' });
  });

  test('the escalation chain: the default, targets of the tenant only, version conflicts, reset', async () => {
    const initial = await get('/v1/tenants/acme/escalation/policy', 'niko');
    expect(initial.status).toBe(200);
    expect(initial.body.version).toBe(0);
    expect(initial.body.policy.levels).toHaveLength(3);

    const levels = [
      { targets: [{ kind: 'on-call', scheduleId: 'ny-weekly' }], delayMinutes: 10 },
      {
        targets: [
          { kind: 'user', userId: users.acmeAdmin.id },
          { kind: 'role', role: 'msp_admin' },
        ],
        delayMinutes: 20,
      },
    ];
    const strangers = await send('PUT', '/v1/tenants/acme/escalation/policy', 'acmeAdmin', {
      levels: [levels[0], { targets: [{ kind: 'user', userId: users.gale.id }], delayMinutes: 20 }],
    });
    expect(strangers.status).toBe(400);
    expect(strangers.body.error.details).toEqual([
      { path: 'levels.1.targets.0.userId', message: `${users.gale.id} is not a user of acme` },
    ]);
    const noSchedule = await send('PUT', '/v1/tenants/acme/escalation/policy', 'acmeAdmin', {
      levels: [{ targets: [{ kind: 'on-call', scheduleId: 'nosuch' }], delayMinutes: 5 }],
    });
    expect(noSchedule.status).toBe(400);
    expect((await send('PUT', '/v1/tenants/acme/escalation/policy', 'acmeAdmin', { levels: [] })).status).toBe(400);
    expect((await send('PUT', '/v1/tenants/acme/escalation/policy', 'niko', { levels })).status).toBe(403);

    const changed = await send('PUT', '/v1/tenants/acme/escalation/policy', 'acmeAdmin', { version: 0, name: 'Acme chain', levels });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 1, policy: { id: 'default', name: 'Acme chain', levels } });
    // Another admin, based on the version they read before: refused.
    expect((await send('PUT', '/v1/tenants/acme/escalation/policy', 'admin', { version: 0, name: 'Mine' })).status).toBe(409);
    // Only the name: the levels stay.
    const renamed = await send('PUT', '/v1/tenants/acme/escalation/policy', 'admin', { version: 1, name: 'Acme on-call chain' });
    expect(renamed.body).toMatchObject({ version: 2, policy: { name: 'Acme on-call chain', levels } });

    expect((await send('DELETE', '/v1/tenants/acme/escalation/policy?version=1', 'admin')).status).toBe(409);
    const reset = await send('DELETE', '/v1/tenants/acme/escalation/policy', 'admin');
    expect(reset.body).toMatchObject({ version: 3, policy: initial.body.defaults });
    // Already at the default: nothing to do.
    expect((await send('DELETE', '/v1/tenants/acme/escalation/policy', 'admin')).body.version).toBe(3);
    const actions = (await auditEntries('acme')).filter((entry) => entry.resource.type === 'escalationPolicy').map((entry) => entry.action);
    expect(actions).toEqual(['escalation-policy.reset', 'escalation-policy.update', 'escalation-policy.update']);
  });
});

describe('notification channels', () => {
  const SLACK = 'https://hooks.slack.com/services/T0ACME/B0ACME/slackSecretToken1234';
  const WEBHOOK = 'https://receiver.acme.example/alert-whisperer/hook?token=webhookSecretToken';
  const SECRET = 'signing-secret-0123456789abcdef';
  const SECRETS = /slackSecretToken|webhookSecretToken|signing-secret|\/services\//;

  test('every answer is masked, the audit log names channels but never a URL or the secret', async () => {
    expect((await get('/v1/tenants/acme/notifications/channels', 'niko')).body).toEqual({ tenantId: 'acme' });

    const put = await send('PUT', '/v1/tenants/acme/notifications/channels', 'acmeAdmin', {
      slack: { webhookUrl: SLACK },
      webhook: { url: WEBHOOK, secret: SECRET },
      emailSender: 'Acme Alerts <alerts@acme.example>',
    });
    expect(put.status).toBe(200);
    expect(put.text).not.toMatch(SECRETS);
    expect(put.body).toEqual({
      tenantId: 'acme',
      slack: { webhookUrl: 'https://hooks.slack.com/…/1234' },
      webhook: { url: 'https://receiver.acme.example/…/oken', secretSet: true },
      emailSender: 'Acme Alerts <alerts@acme.example>',
      updatedAt: expect.any(String),
      updatedBy: EMAILS.acmeAdmin,
    });
    const read = await get('/v1/tenants/acme/notifications/channels', 'niko');
    expect(read.status).toBe(200);
    expect(read.text).not.toMatch(SECRETS);
    expect(read.body).toEqual(put.body);

    // Only the email sender: the webhooks stay (they cannot be read back to send them again); null removes one.
    const sender = await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', { emailSender: 'ops@acme.example', slack: null });
    expect(sender.status).toBe(200);
    expect(sender.body).toMatchObject({ webhook: { secretSet: true }, emailSender: 'ops@acme.example' });
    expect(sender.body).not.toHaveProperty('slack');
    // A new secret for the same webhook: "replaced" in the log.
    expect(
      (await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', { webhook: { url: WEBHOOK, secret: `${SECRET}-2` } })).status,
    ).toBe(200);

    const entries = (await auditEntries('acme')).filter((entry) => entry.resource.type === 'notificationChannels');
    expect(JSON.stringify(entries)).not.toMatch(SECRETS);
    expect(entries.map((entry) => entry.summary)).toEqual([
      { before: { webhook: 'set', emailSender: 'ops@acme.example' }, after: { webhook: 'replaced', emailSender: 'ops@acme.example' } },
      {
        before: { slack: 'set', webhook: 'set', emailSender: 'Acme Alerts <alerts@acme.example>' },
        after: { webhook: 'set', emailSender: 'ops@acme.example' },
      },
      { before: {}, after: { slack: 'set', webhook: 'set', emailSender: 'Acme Alerts <alerts@acme.example>' } },
    ]);

    const removed = await send('DELETE', '/v1/tenants/acme/notifications/channels', 'acmeAdmin');
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ tenantId: 'acme' });
    const deletion = (await auditEntries('acme')).find((entry) => entry.action === 'notification-channels.delete');
    expect(deletion?.summary).toEqual({ before: { webhook: 'set', emailSender: 'ops@acme.example' } });
  });

  test('URLs must be https without credentials, and a refusal never repeats the URL; roles and tenants', async () => {
    const plain = await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', {
      slack: { webhookUrl: 'http://hooks.example.com/services/plainSecretToken' },
    });
    expect(plain.status).toBe(400);
    expect(plain.text).not.toContain('plainSecretToken');
    expect(plain.body.error.details).toEqual([expect.objectContaining({ path: 'slack.webhookUrl' })]);
    const credentials = await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', {
      teams: { webhookUrl: 'https://user:credentialSecret@teams.example.com/hook' },
    });
    expect(credentials.status).toBe(400);
    expect(credentials.text).not.toContain('credentialSecret');
    expect(
      (await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', { webhook: { url: 'https://ok.example', secret: 'short' } }))
        .status,
    ).toBe(400);
    expect((await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', { emailSender: 'not an address' })).status).toBe(400);
    expect((await send('PUT', '/v1/tenants/acme/notifications/channels', 'admin', { pager: { url: 'https://x.example' } })).status).toBe(
      400,
    );
    // Local receivers may use plain http on loopback.
    const loopback = await send('PUT', '/v1/tenants/globex/notifications/channels', 'admin', {
      teams: { webhookUrl: 'http://127.0.0.1:9999/teams' },
    });
    expect(loopback.status).toBe(200);
    expect(loopback.body.teams).toEqual({ webhookUrl: 'http://127.0.0.1:9999/…/eams' });

    expect((await send('PUT', '/v1/tenants/acme/notifications/channels', 'niko', { emailSender: 'x@acme.example' })).status).toBe(403);
    expect((await send('DELETE', '/v1/tenants/acme/notifications/channels', 'niko')).status).toBe(403);
    expect((await get('/v1/tenants/globex/notifications/channels', 'acmeAdmin')).status).toBe(404);
    expect((await send('PUT', '/v1/tenants/globex/notifications/channels', 'acmeAdmin', { emailSender: 'x@acme.example' })).status).toBe(
      404,
    );
    expect((await get('/v1/tenants/nosuch/notifications/channels', 'admin')).status).toBe(404);
    expect((await get('/v1/tenants/acme/notifications/channels', 'anonymous')).status).toBe(401);
  });
});

describe('notification deliveries', () => {
  // In the future: these records are the tenant's newest, ahead of the real ones routing's
  // assignments write while the other tests run (filtered out below by their notification ids).
  const base = Date.now() + 3600_000;
  function record(tenantId: string, index: number, fields: Partial<NotificationDelivery>): NotificationDelivery {
    const at = new Date(base + index * 1000).toISOString();
    return {
      id: ulid(base + index * 1000),
      tenantId,
      notificationId: `ntf-${tenantId}-${index}`,
      incidentId: 'inc-a',
      kind: 'assignment',
      recipient: users.dana.id,
      channel: 'email',
      status: 'delivered',
      attempts: 1,
      to: EMAILS.dana,
      createdAt: at,
      firstAttemptAt: at,
      lastAttemptAt: at,
      completedAt: at,
      ...fields,
    };
  }

  let acme: NotificationDelivery[];

  beforeAll(async () => {
    acme = [
      record('acme', 1, {}),
      record('acme', 2, { channel: 'slack', status: 'failed', attempts: 6, lastError: 'HTTP 500', lastStatus: 500, to: undefined }),
      record('acme', 3, { incidentId: 'inc-b', channel: 'slack', status: 'skipped', attempts: 0, reason: 'quiet hours', to: undefined }),
      record('acme', 4, { incidentId: 'inc-b', kind: 'sla-breach', recipient: 'tenant', channel: 'webhook', to: undefined }),
      record('acme', 5, { incidentId: 'inc-b', recipient: users.niko.id, to: EMAILS.niko }),
      record('acme', 6, { channel: 'slack', status: 'failed', attempts: 2, lastError: 'HTTP 404', lastStatus: 404, to: undefined }),
    ];
    await putNotificationDeliveries(stack.table, [...acme, record('globex', 7, { incidentId: 'inc-g' })]);
  });

  const ours = (answer: Answer): NotificationDelivery[] =>
    answer.body.deliveries.filter((delivery: NotificationDelivery) => delivery.notificationId.startsWith('ntf-'));
  const ids = (answer: Answer) => ours(answer).map((delivery) => delivery.id);
  const newestFirst = (records: NotificationDelivery[]) => records.map((delivery) => delivery.id).reverse();

  test('newest first, filtered by incident, recipient, channel and status', async () => {
    const all = await get('/v1/notifications?tenant=acme', 'niko');
    expect(all.status).toBe(200);
    expect(all.body.tenantId).toBe('acme');
    expect(ours(all)).toEqual([...acme].reverse());

    expect(ids(await get('/v1/notifications?tenant=acme&incidentId=inc-b', 'niko'))).toEqual(newestFirst(acme.slice(2, 5)));
    expect(ids(await get('/v1/notifications?tenant=acme&channel=slack&status=failed', 'niko'))).toEqual(newestFirst([acme[1]!, acme[5]!]));
    expect(ids(await get('/v1/notifications?tenant=acme&incidentId=inc-b&channel=email', 'niko'))).toEqual([acme[4]!.id]);
    expect(ids(await get('/v1/notifications?tenant=acme&recipient=tenant', 'niko'))).toEqual([acme[3]!.id]);
    expect(ids(await get('/v1/notifications?tenant=acme&status=skipped', 'acmeAdmin'))).toEqual([acme[2]!.id]);
    expect(ids(await get('/v1/notifications?tenant=acme&incidentId=inc-none', 'niko'))).toEqual([]);
    expect(ids(await get('/v1/notifications?tenant=globex', 'gale'))).toHaveLength(1);

    expect((await get('/v1/notifications?tenant=acme&channel=pager', 'niko')).status).toBe(400);
    expect((await get('/v1/notifications?tenant=acme&status=lost', 'niko')).status).toBe(400);
    expect((await get('/v1/notifications?tenant=acme', 'gale')).status).toBe(404);
    expect((await get('/v1/notifications?tenant=acme', 'anonymous')).status).toBe(401);
  });

  test('cursor pages, bound to the tenant they came from', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(`/v1/notifications?tenant=acme&limit=4${cursor ? `&cursor=${cursor}` : ''}`, 'acmeAdmin');
      expect(page.status).toBe(200);
      expect(page.body.deliveries.length).toBeLessThanOrEqual(4);
      seen.push(...ids(page));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && seen.length < acme.length && pages < 50);
    expect(seen).toEqual(newestFirst(acme));
    expect(pages).toBe(2);

    const first = await get('/v1/notifications?tenant=acme&channel=slack&limit=1', 'admin');
    expect(ids(first)).toEqual([acme[5]!.id]);
    const second = await get(`/v1/notifications?tenant=acme&channel=slack&limit=1&cursor=${first.body.nextCursor}`, 'admin');
    expect(ids(second)).toEqual([acme[2]!.id]);
    // Another tenant's partition: refused.
    expect((await get(`/v1/notifications?tenant=globex&cursor=${first.body.nextCursor}`, 'admin')).status).toBe(400);
    expect((await get('/v1/notifications?tenant=acme&cursor=garbage', 'admin')).status).toBe(400);
  });
});

describe('notification preferences', () => {
  test('each user reads and changes their own; the defaults until then; invalid ones are refused', async () => {
    const defaults = await get('/v1/me/notification-preferences', 'niko');
    expect(defaults.status).toBe(200);
    expect(defaults.body).toMatchObject({ userId: users.niko.id, timeZone: 'UTC', channels: {} });
    expect(defaults.body).not.toHaveProperty('updatedAt');
    expect(defaults.body).not.toHaveProperty('quietHours');
    expect(defaults.body.defaults.assignment).toEqual(['email', 'slack', 'dashboard']);

    const preferences = {
      timeZone: 'Europe/Berlin',
      channels: { resolved: [], 'sla-warning': ['dashboard'] },
      quietHours: { from: '22:00', to: '07:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    };
    const put = await send('PUT', '/v1/me/notification-preferences', 'niko', preferences);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...preferences, userId: users.niko.id, updatedAt: expect.any(String) });
    expect((await get('/v1/me/notification-preferences', 'niko')).body).toEqual(put.body);

    // Dana's are her own: still the defaults.
    const dana = await get('/v1/me/notification-preferences', 'dana');
    expect(dana.body).toMatchObject({ userId: users.dana.id, timeZone: 'UTC', channels: {} });
    expect((await send('PUT', '/v1/me/notification-preferences', 'dana', { channels: { assignment: ['teams'] } })).status).toBe(200);
    expect((await get('/v1/me/notification-preferences', 'dana')).body.channels).toEqual({ assignment: ['teams'] });
    expect((await get('/v1/me/notification-preferences', 'niko')).body.channels).toEqual(preferences.channels);

    // Someone else's id, a zone that does not exist, quiet hours that start and end together, an unknown channel: refused.
    expect((await send('PUT', '/v1/me/notification-preferences', 'niko', { ...preferences, userId: users.dana.id })).status).toBe(400);
    expect((await send('PUT', '/v1/me/notification-preferences', 'niko', { timeZone: 'Europe/Atlantis' })).status).toBe(400);
    expect((await send('PUT', '/v1/me/notification-preferences', 'niko', { quietHours: { from: '22:00', to: '22:00' } })).status).toBe(400);
    expect((await send('PUT', '/v1/me/notification-preferences', 'niko', { channels: { assignment: ['pager'] } })).status).toBe(400);
    expect((await get('/v1/me/notification-preferences', 'anonymous')).status).toBe(401);
    expect((await get('/v1/me/notification-preferences', 'niko')).body.timeZone).toBe('Europe/Berlin');

    // Audited in the MSP's log; the same preferences again are not.
    const count = async () =>
      (await auditEntries()).filter((entry) => entry.action === 'notification-preferences.update' && entry.resource.id === users.niko.id)
        .length;
    expect(await count()).toBe(1);
    expect((await send('PUT', '/v1/me/notification-preferences', 'niko', preferences)).status).toBe(200);
    expect(await count()).toBe(1);
  });
});

describe('notification targets inside a network (SSRF)', () => {
  const TENANT = 'ssrf-co';
  const SECRET = 'whsec-0123456789abcdef';
  beforeAll(async () => {
    await createTenant(stack, TENANT);
  });

  /** Runs with the local opt-in unset: what every deployed stack has (the test setup sets it for loopback receivers). */
  async function asDeployed<T>(run: () => Promise<T>): Promise<T> {
    const saved = process.env.AW_ALLOW_PRIVATE_WEBHOOKS;
    delete process.env.AW_ALLOW_PRIVATE_WEBHOOKS;
    try {
      return await run();
    } finally {
      if (saved === undefined) delete process.env.AW_ALLOW_PRIVATE_WEBHOOKS;
      else process.env.AW_ALLOW_PRIVATE_WEBHOOKS = saved;
    }
  }

  const channels = () => `/v1/tenants/${TENANT}/notifications/channels`;

  test('internal addresses and names are refused at save time with 422 naming the field and why; nothing is stored', async () => {
    await asDeployed(async () => {
      const cases: Array<[string, RegExp]> = [
        ['https://169.254.169.254/latest/meta-data/iam/SECRETPATH', /link-local .*metadata/],
        ['https://[::ffff:169.254.169.254]/SECRETPATH', /IPv4-mapped link-local/],
        ['https://[fd00:ec2::254]/SECRETPATH', /unique-local/],
        ['https://127.0.0.1:8443/SECRETPATH', /loopback/],
        ['https://[::1]/SECRETPATH', /loopback/],
        ['https://10.0.0.5/SECRETPATH', /private \(10\.0\.0\.0\/8\)/],
        ['https://172.20.1.1/SECRETPATH', /private \(172\.16\.0\.0\/12\)/],
        ['https://192.168.0.10/SECRETPATH', /private \(192\.168\.0\.0\/16\)/],
        ['https://100.64.0.7/SECRETPATH', /carrier-grade NAT/],
        ['https://0.0.0.0/SECRETPATH', /this network/],
        ['https://239.1.1.1/SECRETPATH', /multicast/],
        ['https://255.255.255.255/SECRETPATH', /broadcast/],
        ['https://2130706433/SECRETPATH', /loopback/],
        ['https://localhost/SECRETPATH', /loopback name/],
        ['https://hooks.localhost/SECRETPATH', /loopback name/],
        ['https://metadata.google.internal/SECRETPATH', /internal name/],
        ['http://127.0.0.1:9999/SECRETPATH', /loopback/],
      ];
      for (const [url, why] of cases) {
        const answer = await send('PUT', channels(), 'admin', { slack: { webhookUrl: url } });
        expect({ url, status: answer.status, code: answer.body.error?.code }).toEqual({ url, status: 422, code: 'unsafe_target' });
        expect(answer.body.error.details).toEqual([{ path: 'slack.webhookUrl', message: expect.stringMatching(why) }]);
        expect(answer.text).not.toContain('SECRETPATH');
      }
      // Every refused field is named at once.
      const both = await send('PUT', channels(), 'admin', {
        teams: { webhookUrl: 'https://10.1.2.3/teams' },
        webhook: { url: 'https://vault.internal/hook', secret: SECRET },
      });
      expect(both.status).toBe(422);
      expect(both.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['teams.webhookUrl', 'webhook.url']);
      expect((await get(channels(), 'admin')).body).toEqual({ tenantId: TENANT });
      expect((await auditEntries(TENANT)).filter((entry) => entry.resource.type === 'notificationChannels')).toEqual([]);
      // A public https URL is still accepted.
      expect((await send('PUT', channels(), 'admin', { slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/X' } })).status).toBe(
        200,
      );
    });
  });

  test('the local opt-in allows loopback receivers only, never private or metadata addresses', async () => {
    expect(process.env.AW_ALLOW_PRIVATE_WEBHOOKS).toBe('local');
    expect((await send('PUT', channels(), 'admin', { teams: { webhookUrl: 'http://127.0.0.1:9999/teams' } })).status).toBe(200);
    for (const url of ['https://10.0.0.5/hook', 'https://169.254.169.254/latest/meta-data', 'http://10.0.0.5/hook']) {
      const answer = await send('PUT', channels(), 'admin', { teams: { webhookUrl: url } });
      expect([url, answer.status]).toEqual([url, url.startsWith('http:') ? 400 : 422]);
    }
  });

  test('at send time a name resolving to a private or loopback address is refused after DNS, recorded as failed with why, never contacted', async () => {
    // A receiver on loopback counting connections: what a resolved-to-loopback name would reach if it were sent.
    let connections = 0;
    const receiver = createServer((_request, response) => response.end('ok'));
    receiver.on('connection', () => connections++);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      await asDeployed(async () => {
        // Saved while the name looked public (no DNS at save time); DNS now answers with internal addresses.
        const answers: Record<string, string[]> = { 'hooks.rebind.example': ['10.0.0.5'], 'alerts.rebind.example': ['127.0.0.1'] };
        const resolve = async (host: string) => (answers[host] ?? []).map((address) => ({ address, family: 4 }));
        const saved = await send('PUT', channels(), 'admin', {
          slack: null,
          teams: { webhookUrl: `https://alerts.rebind.example:${port}/teams` },
          webhook: { url: `https://hooks.rebind.example:${port}/aw`, secret: SECRET },
        });
        expect(saved.status).toBe(200);

        const notificationId = `ntf-ssrf-${Date.now()}`;
        const records = await deliver(
          { table: stack.table, senders: createSenders({ resolve }), sleep: async () => undefined },
          {
            id: notificationId,
            notification: {
              kind: 'sla-breach',
              at: new Date().toISOString(),
              incident: {
                id: 'inc-ssrf',
                tenantId: TENANT,
                tenantName: 'SSRF Co',
                title: 'Disk full on db-01',
                severity: 'high',
                status: 'open',
                assetRef: 'db-01',
                openedAt: new Date().toISOString(),
                url: 'https://aw.example.com/incidents/inc-ssrf',
              },
              clock: 'response',
              deadline: new Date().toISOString(),
            },
            recipients: [{ userId: users.dana.id, preferences: { channels: { 'sla-breach': ['teams'] } } }],
          },
        );
        const listed = await get(`/v1/notifications?tenant=${TENANT}`, 'admin');
        const stored = (listed.body.deliveries as NotificationDelivery[]).filter((record) => record.notificationId === notificationId);
        for (const list of [records, stored]) {
          const byChannel = Object.fromEntries(list.map((record) => [record.channel, record]));
          expect(byChannel.webhook).toMatchObject({
            status: 'failed',
            attempts: 1,
            reason: 'not retryable',
            lastError: 'Refusing the target URL: its host resolves to 10.0.0.5, not a public internet address: private (10.0.0.0/8)',
          });
          expect(byChannel.teams).toMatchObject({
            status: 'failed',
            attempts: 1,
            reason: 'not retryable',
            lastError: 'Refusing the target URL: its host resolves to 127.0.0.1, not a public internet address: loopback (127.0.0.0/8)',
          });
        }
      });
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
