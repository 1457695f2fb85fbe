import { PDFDocument } from 'pdf-lib';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { pdfText } from '../helpers/pdf-text';

/**
 * GET /v1/reports and /v1/branding on the local stack (real HTTP through the gateway to the reports
 * function, DynamoDB Local): webhook alerts of a fresh tenant correlate into incidents, one breaches a
 * 1-minute response target, one is acknowledged and resolved in time, one opens inside a maintenance
 * window. The report's totals are GET /v1/kpis's for the same period and time zone, its breaches and
 * sections follow, and the HTML and PDF carry the same figures and the MSP's name and logo.
 */
let stack: LocalStack;
let demo: DemoInfo;
let apiKey: string;
let admin: string; // MSP admin
let niko: string; // technician of acme
const TENANT = 'report-co';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
/** Yesterday and today (UTC: the tenant has no service calendar): the alerts of minutes ago are inside. */
const DAYS = () => `from=${day(-1)}&to=${day(0)}`;
const REPORT = () => `/v1/reports?tenant=${TENANT}&${DAYS()}`;

const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

async function send(method: 'PUT' | 'POST', path: string, token: string, body: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth(token) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function fire(signature: string, assetName: string, severity: string, timestamp: string): Promise<void> {
  const answer = await postJson(
    stack,
    '/v1/webhooks/generic',
    {
      asset_name: assetName,
      signature,
      severity,
      message: `${signature} on ${assetName}`,
      tool_source: 'test',
      timestamp,
      status: 'firing',
    },
    { 'x-api-key': apiKey },
  );
  expect(answer.status).toBe(202);
  await stack.idle();
}

async function raw(path: string, token: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: auth(token) });
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-reports'));
  apiKey = await createTenant(stack, TENANT);
  admin = await login(stack, demo, 'admin@msp.example');
  niko = await login(stack, demo, 'tech.niko@msp.example');

  // A critical incident must be acknowledged within a minute: the one below, 10 minutes old, cannot be.
  const policy = await send('PUT', `/v1/tenants/${TENANT}/sla/policy`, admin, {
    version: 0,
    targets: { critical: { responseMinutes: 1, resolutionMinutes: 600 } },
  });
  expect(policy.status).toBe(200);
  const window = await send('POST', `/v1/maintenance-windows?tenant=${TENANT}`, admin, {
    name: 'Reboot <b>night</b>',
    reason: 'Kernel patches',
    startsAt: minutesAgo(30),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    scope: { matchers: [{ field: 'signature', op: '=', value: 'PlannedReboot' }] },
  });
  expect(window.status).toBe(201);

  await fire('DiskFull', 'db-01', 'critical', minutesAgo(10));
  for (const minutes of [9, 8, 7]) await fire('CpuHigh', 'web-01', 'high', minutesAgo(minutes));
  await fire('PlannedReboot', 'app-01', 'medium', minutesAgo(6));
  const { body: list } = await getJson(stack, `/v1/incidents?tenant=${TENANT}&limit=200`, admin);
  const cpu = (list.incidents as Array<{ id: string; signatures: string[] }>).find((incident) => incident.signatures.includes('CpuHigh'))!;
  const q = `?tenant=${TENANT}`;
  expect((await postJson(stack, `/v1/incidents/${cpu.id}/acknowledge${q}`, {}, auth(admin))).status).toBe(200);
  expect((await postJson(stack, `/v1/incidents/${cpu.id}/resolve${q}`, { code: 'fixed' }, auth(admin))).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

test('the JSON report: totals equal GET /v1/kpis for the same period and time zone, with every section filled from the same data', async () => {
  const { status, body: report } = await getJson(stack, REPORT(), admin);
  expect(status).toBe(200);
  expect(report.period).toMatchObject({ kind: 'custom', firstDay: day(-1), lastDay: day(0), timeZone: 'UTC' });
  expect(report.tenant).toEqual({ id: TENANT, name: TENANT });
  expect(report.msp).toEqual({ name: 'Alert Whisperer', hasLogo: false });

  const kpis = await getJson(
    stack,
    `/v1/kpis?tenant=${TENANT}&from=${report.period.from}&to=${report.period.to}&timeZone=${report.period.timeZone}`,
    admin,
  );
  expect(kpis.status).toBe(200);
  expect(report.totals).toEqual(kpis.body.totals);
  expect(report.totals).toMatchObject({ alerts: 5, firingEpisodes: 3, incidents: 3, acknowledged: 1, resolved: 1, inMaintenance: 1 });

  const critical = report.bySeverity.find((row: { severity: string }) => row.severity === 'critical');
  expect(critical).toMatchObject({ incidents: 1, slaResponse: { met: 0, missed: 1, pct: 0 } });
  expect(report.bySeverity.find((row: { severity: string }) => row.severity === 'high')).toMatchObject({
    incidents: 1,
    acknowledged: 1,
    slaResponse: { met: 1, missed: 0, pct: 100 },
  });

  // The critical incident: not acknowledged a minute after it opened; nobody acted since.
  expect(report.breaches).toHaveLength(1);
  expect(report.breaches[0]).toMatchObject({
    severity: 'critical',
    clock: 'response',
    metAt: null,
    stillOpen: true,
    reason: 'not acknowledged',
  });
  expect(report.breaches[0].lateMinutes).toBeGreaterThanOrEqual(8);
  expect(report.breaches[0].title).toContain('DiskFull');

  expect(report.noisyAssets.map((asset: { asset: string }) => asset.asset).sort()).toEqual(['app-01', 'db-01', 'web-01']);
  expect(report.noisySignatures).toEqual(
    expect.arrayContaining([
      { signature: 'CpuHigh', firingEpisodes: 1 },
      { signature: 'DiskFull', firingEpisodes: 1 },
    ]),
  );
  expect(report.maintenanceWindows).toEqual([
    expect.objectContaining({ name: 'Reboot <b>night</b>', reason: 'Kernel patches', occurrences: 1, heldIncidents: 1 }),
  ]);
  expect(report.selfHealing).toEqual({ resolved: 1, selfHealed: 0, pct: 0, runbooks: [] });

  // The two days before: nothing there, so every change from them is either null or the whole figure.
  expect(report.previous.period).toMatchObject({ firstDay: day(-3), lastDay: day(-2) });
  expect(report.previous.totals).toMatchObject({ alerts: 0, incidents: 0 });
  expect(report.changes.find((change: { figure: string }) => change.figure === 'incidents')).toMatchObject({
    current: 3,
    previous: 0,
    change: 3,
    direction: 'worse',
  });
});

test('a month and a quarter are periods too; the period is asked for properly or refused with 400', async () => {
  const month = day(0).slice(0, 7);
  const monthly = await getJson(stack, `/v1/reports?tenant=${TENANT}&period=${month}`, admin);
  expect(monthly.status).toBe(200);
  expect(monthly.body.period).toMatchObject({ kind: 'month', firstDay: `${month}-01` });
  const quarter = `${month.slice(0, 4)}-Q${Math.floor((Number(month.slice(5)) - 1) / 3) + 1}`;
  expect((await getJson(stack, `/v1/reports?tenant=${TENANT}&period=${quarter}`, admin)).body.period.kind).toBe('quarter');
  for (const query of [
    '',
    'period=2026-13',
    'period=2026-Q5',
    'from=2026-01-01&to=2026-04-03',
    'period=2026-11&from=2026-11-01&to=2026-11-02',
    'from=2026-02-30&to=2026-03-01',
    'period=2026-11&format=docx',
  ]) {
    expect([query, (await getJson(stack, `/v1/reports?tenant=${TENANT}&${query}`, admin)).status]).toEqual([query, 400]);
  }
});

test('who may read a report: report.read on the company; a company the caller cannot see, or none, is 404', async () => {
  expect((await getJson(stack, `/v1/reports?tenant=acme&${DAYS()}`, niko)).status).toBe(200);
  expect((await getJson(stack, REPORT(), niko)).status).toBe(404);
  expect((await getJson(stack, `/v1/reports?tenant=no-such-co&${DAYS()}`, admin)).status).toBe(404);
  expect((await getJson(stack, REPORT())).status).toBe(401);
});

test('branding: everyone reads it, MSP admins set it (a PNG or JPEG by its bytes, audited), and reports carry it', async () => {
  expect((await getJson(stack, '/v1/branding', niko)).body).toEqual({ name: 'Alert Whisperer', logo: null });
  expect((await send('PUT', '/v1/branding', niko, { name: 'Contoso IT' })).status).toBe(403);
  const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1').toString('base64');
  for (const body of [
    { name: 'Contoso IT', logo: gif },
    { name: 'Contoso IT', logo: 'not base64!' },
    { name: '' },
    { name: 'x'.repeat(129) },
  ]) {
    expect((await send('PUT', '/v1/branding', admin, body)).status).toBe(400);
  }
  const set = await send('PUT', '/v1/branding', admin, { name: 'Contoso IT <Managed>', logo: PIXEL_PNG });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({
    name: 'Contoso IT <Managed>',
    logo: { contentType: 'image/png', data: PIXEL_PNG },
    updatedBy: 'admin@msp.example',
  });
  expect((await getJson(stack, '/v1/branding', niko)).body).toMatchObject({
    name: 'Contoso IT <Managed>',
    logo: { contentType: 'image/png' },
  });
  const audit = await getJson(stack, '/v1/audit?limit=20', admin);
  expect(JSON.stringify(audit.body)).toContain('branding.update');

  const { body: report } = await getJson(stack, REPORT(), admin);
  expect(report.msp).toEqual({ name: 'Contoso IT <Managed>', hasLogo: true });

  // The HTML page: the figures of the JSON, escaped, the logo inline, no script.
  const html = await raw(`${REPORT()}&format=html`, admin);
  expect(html.status).toBe(200);
  expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
  const page = Buffer.from(html.bytes).toString('utf8');
  expect(page).toContain('Contoso IT &lt;Managed&gt;');
  expect(page).toContain('Reboot &lt;b&gt;night&lt;/b&gt;');
  expect(page).toContain(`data:image/png;base64,${PIXEL_PNG}`);
  expect(page).not.toMatch(/<script/i);
  expect(page).toContain('not acknowledged');
  expect(page).toContain(`<td class="num">${report.totals.alerts}</td>`);

  // The PDF: bytes through the gateway (base64 in the Lambda answer), the same figures in its text.
  const pdf = await raw(`${REPORT()}&format=pdf`, admin);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="report-${TENANT}-${day(-1)}-to-${day(0)}.pdf"`);
  expect(Buffer.from(pdf.bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  expect((await PDFDocument.load(pdf.bytes)).getPageCount()).toBeGreaterThan(0);
  const text = pdfText(pdf.bytes).replace(/\n/g, ' ');
  for (const expected of [
    'Contoso IT <Managed>',
    `Service report for ${TENANT}`,
    `${report.totals.slaResponse.pct}% (${report.totals.slaResponse.met} met, ${report.totals.slaResponse.missed} missed)`,
    `${report.totals.mttaMinutes} min`,
    'not acknowledged',
    'DiskFull',
    'Reboot <b>night</b>',
  ]) {
    expect([expected, text.includes(expected)]).toEqual([expected, true]);
  }
});

test("the period is in the time zone of the company's service calendar, and the totals still equal GET /v1/kpis there", async () => {
  const policy = await send('PUT', `/v1/tenants/${TENANT}/sla/policy`, admin, { version: 1, calendar: { timeZone: 'Asia/Tokyo' } });
  expect(policy.status).toBe(200);
  const { status, body: report } = await getJson(stack, REPORT(), admin);
  expect(status).toBe(200);
  expect(report.period).toMatchObject({ timeZone: 'Asia/Tokyo', from: `${day(-2)}T15:00:00.000Z`, to: `${day(0)}T15:00:00.000Z` });
  const kpis = await getJson(
    stack,
    `/v1/kpis?tenant=${TENANT}&from=${report.period.from}&to=${report.period.to}&timeZone=Asia/Tokyo`,
    admin,
  );
  expect(report.totals).toEqual(kpis.body.totals);
});
