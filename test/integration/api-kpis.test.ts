import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';

/**
 * GET /v1/kpis on the local stack: webhook alerts of a fresh tenant correlate into incidents, one is
 * acknowledged and resolved through the API, and the KPIs count them as docs/kpis.md defines them;
 * validation of the period; a user of another tenant gets 404. test/integration/kpis-history.test.ts
 * checks every figure over a longer history on a clock of its own.
 */
let stack: LocalStack;
let demo: DemoInfo;
let apiKey: string;
let admin: string; // MSP admin
let gale: string; // technician of globex
let niko: string; // technician of acme
const TENANT = 'kpi-co';
const KPIS = `/v1/kpis?tenant=${TENANT}`;

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function fire(signature: string, assetName: string, timestamp: string, status: 'firing' | 'resolved' = 'firing'): Promise<void> {
  const answer = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: assetName, signature, severity: 'high', message: `${signature} at ${timestamp}`, tool_source: 'test', timestamp, status },
    { 'x-api-key': apiKey },
  );
  const { body } = answer;
  expect(answer.status).toBe(202);
  expect(body.accepted.map((accepted: { duplicate: boolean }) => accepted.duplicate)).toEqual([false]);
  await stack.idle();
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-kpis'));
  apiKey = await createTenant(stack, TENANT);
  admin = await login(stack, demo, 'admin@msp.example');
  gale = await login(stack, demo, 'tech.gale@msp.example');
  niko = await login(stack, demo, 'tech.niko@msp.example');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('an empty period: zero counts, null ratios, one row per day of the default 7 days', async () => {
  const { status, body } = await getJson(stack, KPIS, admin);
  expect(status).toBe(200);
  expect(body).toMatchObject({ tenantId: TENANT, timeZone: 'UTC' });
  expect(Date.parse(body.period.to) - Date.parse(body.period.from)).toBe(7 * 86_400_000);
  expect(body.totals).toMatchObject({
    alerts: 0,
    firingEpisodes: 0,
    unmatchedResolutions: 0,
    incidents: 0,
    noiseReductionPct: null,
    mttaMinutes: null,
    mttrMinutes: null,
    selfHealedPct: null,
  });
  // A period of 7 x 24 h from a time that is not midnight touches 8 UTC days.
  expect(body.days.length).toBeGreaterThanOrEqual(7);
  expect(body.days.length).toBeLessThanOrEqual(8);
});

test('alerts, episodes, incidents, noise reduction, MTTA and MTTR of webhook alerts acknowledged and resolved through the API: repeats of an alert are not noise reduction (the old definition divided by every notification), an unmatched resolution is counted apart', async () => {
  for (const minutes of [10, 9, 8]) await fire('DiskFull', 'host-a', minutesAgo(minutes));
  await fire('CpuHigh', 'host-b', minutesAgo(7));
  // A resolution of something that never fired here: it matches no incident.
  await fire('MemoryHigh', 'host-c', minutesAgo(6), 'resolved');

  const { body: list } = await getJson(stack, `/v1/incidents?tenant=${TENANT}&limit=200`, admin);
  const incidents = list.incidents as Array<{ id: string; signatures: string[] }>;
  expect(incidents.length).toBeGreaterThan(0);
  expect(incidents.length).toBeLessThan(4);
  const disk = incidents.find((incident) => incident.signatures.includes('DiskFull'))!;
  const q = `?tenant=${TENANT}`;
  expect((await postJson(stack, `/v1/incidents/${disk.id}/acknowledge${q}`, {}, auth(admin))).status).toBe(200);
  expect((await postJson(stack, `/v1/incidents/${disk.id}/resolve${q}`, { code: 'fixed' }, auth(admin))).status).toBe(200);

  const { status, body } = await getJson(stack, KPIS, admin);
  expect(status).toBe(200);
  // Two episodes (DiskFull, whose two repeats start none, and CpuHigh); noise reduction is over episodes,
  // not notifications: two incidents for two episodes reduce nothing.
  const expectedNoise = Math.round((1 - incidents.length / 2) * 1000) / 10;
  expect(body.totals).toMatchObject({
    alerts: 5,
    firingEpisodes: 2,
    unmatchedResolutions: 1,
    incidents: incidents.length,
    noiseReductionPct: expectedNoise,
    acknowledged: 1,
    resolved: 1,
    selfHealed: 0,
    clearedOnItsOwn: 0,
    resolvedByPerson: 1,
    selfHealedPct: 0,
  });
  // Opened by the first alert's event time, 10 minutes ago (within the policy's 15 minutes of lateness):
  // acknowledged and resolved about then.
  expect(body.totals.mttaMinutes).toBeGreaterThanOrEqual(9.9);
  expect(body.totals.mttaMinutes).toBeLessThan(12);
  expect(body.totals.mttrMinutes).toBeGreaterThanOrEqual(body.totals.mttaMinutes);
  // Acknowledged by a person within the 2 h of a high incident: met. CpuHigh's deadline is ahead: not counted yet.
  expect(body.totals.slaResponse).toEqual({ met: 1, missed: 0, resolvedBeforeDue: 0, pct: 100 });
  expect(body.totals.slaResolution).toEqual({ met: 1, missed: 0, pct: 100 });
  // The days add up to the totals.
  type Counted = 'alerts' | 'firingEpisodes' | 'unmatchedResolutions' | 'incidents';
  const sum = (field: Counted) => body.days.reduce((total: number, day: Record<Counted, number>) => total + day[field], 0);
  expect([sum('alerts'), sum('firingEpisodes'), sum('unmatchedResolutions'), sum('incidents')]).toEqual([5, 2, 1, incidents.length]);

  // A period before the alerts has none of them.
  const before = await getJson(stack, `${KPIS}&from=${minutesAgo(60 * 24 * 3)}&to=${minutesAgo(60)}`, admin);
  expect(before.status).toBe(200);
  expect(before.body.totals).toMatchObject({ alerts: 0, incidents: 0 });
});

test('a time zone names the local days', async () => {
  const { status, body } = await getJson(
    stack,
    `${KPIS}&from=2024-03-01T00:00:00Z&to=2024-03-03T00:00:00Z&timeZone=America/New_York`,
    admin,
  );
  expect(status).toBe(200);
  expect(body.timeZone).toBe('America/New_York');
  expect(body.days.map((day: { date: string }) => day.date)).toEqual(['2024-02-29', '2024-03-01', '2024-03-02']);
});

test('400 for a period over 92 days, `from` not before `to`, or an unknown time zone', async () => {
  const bad = [
    `${KPIS}&from=2024-01-01T00:00:00Z&to=2024-04-03T00:00:00Z`,
    `${KPIS}&from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z`,
    `${KPIS}&timeZone=Mars/Olympus`,
    `${KPIS}&from=yesterday`,
  ];
  for (const path of bad) expect([path, (await getJson(stack, path, admin)).status]).toEqual([path, 400]);
  expect((await getJson(stack, `${KPIS}&from=2024-01-01T00:00:00Z&to=2024-04-02T00:00:00Z`, admin)).status).toBe(200);
});

test("another tenant's technician gets 404; no token is 401", async () => {
  expect((await getJson(stack, KPIS, gale)).status).toBe(404);
  expect((await getJson(stack, KPIS, niko)).status).toBe(404);
  expect((await getJson(stack, KPIS)).status).toBe(401);
  expect((await getJson(stack, '/v1/kpis?tenant=globex', gale)).status).toBe(200);
});
