import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { closePages, DESKTOP, launchChromium, openPage, PHONE, screenshot, signIn, type WatchedPage } from './browser';

/**
 * The Reports page: a company's report for a period previewed from its JSON (the incidents total the same
 * as GET /v1/kpis for the period), downloaded as a PDF, its e-mail delivery set up and sent now after a
 * confirmation naming the recipients; at desktop and phone width, last month chosen by default.
 */
jest.setTimeout(90_000);

let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
const opened: WatchedPage[] = [];

const pad = (value: number) => String(value).padStart(2, '0');
const now = new Date();
const THIS_MONTH = `${now.getFullYear()}-${pad(now.getMonth() + 1)}`;
const lastMonthDate = new Date(now.getFullYear(), now.getMonth() - 1, 1);
const LAST_MONTH = `${lastMonthDate.getFullYear()}-${pad(lastMonthDate.getMonth() + 1)}`;

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-reports-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  const acme = demo.tenants.find((tenant) => tenant.id === 'acme')!;
  for (const [asset, signature] of [
    ['db-prod-01', 'ReportDiskFull'],
    ['web-01', 'ReportHttp5xx'],
  ]) {
    const delivery = await postJson(
      stack,
      '/v1/webhooks/generic',
      { asset_name: asset, signature, severity: 'high', message: signature, tool_source: 'prometheus' },
      { 'x-api-key': acme.apiKey },
    );
    expect([200, 202]).toContain(delivery.status);
  }
  await stack.idle();
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function adminPage(viewport = DESKTOP): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl, viewport);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched.page;
}

/** The incidents total GET /v1/kpis gives for the report's own period and time zone. */
async function kpiIncidents(tenantId: string, period: string): Promise<number> {
  const { status, body: report } = await getJson(stack, `/v1/reports?tenant=${tenantId}&period=${period}&format=json`, adminToken);
  expect(status).toBe(200);
  const { from, to, timeZone } = (report.report ?? report).period;
  const query = new URLSearchParams({ tenant: tenantId, from, to, timeZone });
  const { body } = await getJson(stack, `/v1/kpis?${query}`, adminToken);
  return body.totals.incidents;
}

/** Clicks Download PDF; returns the file's name, its first bytes and the answer's content type. */
async function downloadPdf(page: Page): Promise<{ name: string; head: string; contentType: string | undefined }> {
  const [download, response] = await Promise.all([
    page.waitForEvent('download'),
    page.waitForResponse((candidate) => candidate.url().includes('/v1/reports?') && candidate.url().includes('format=pdf')),
    page.getByRole('button', { name: 'Download PDF' }).click(),
  ]);
  const path = await download.path();
  return {
    name: download.suggestedFilename(),
    head: readFileSync(path).subarray(0, 5).toString('latin1'),
    contentType: (await response.allHeaders())['content-type'],
  };
}

test('desktop: the preview matches the KPIs, the PDF downloads, delivery is set up and the report sent now', async () => {
  const page = await adminPage();
  await page.goto('/reports?tenant=acme');
  await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
  // Last month by default.
  await expect(page.getByRole('combobox', { name: 'Period' }).inputValue()).resolves.toBe(LAST_MONTH);
  await page.getByTestId('figure-incidents').waitFor();

  await page.getByRole('combobox', { name: 'Period' }).selectOption(THIS_MONTH);
  const expected = await kpiIncidents('acme', THIS_MONTH);
  expect(expected).toBeGreaterThanOrEqual(2);
  const figure = page.getByTestId('figure-incidents').locator('.report-figure-value');
  await figure.filter({ hasText: new RegExp(`^${expected}$`) }).waitFor();
  await page.getByRole('region', { name: 'Incidents and SLA by severity' }).waitFor();
  await page.getByRole('heading', { name: 'Noisiest signatures' }).waitFor();
  await page.getByText('ReportDiskFull').first().waitFor();
  await screenshot(page, 'desktop-reports');

  const pdf = await downloadPdf(page);
  expect(pdf).toEqual({ name: `acme-${THIS_MONTH}.pdf`, head: '%PDF-', contentType: expect.stringMatching(/^application\/pdf/) });

  // Delivery: on, monthly, two contacts (one typed wrong first).
  const delivery = page.getByRole('form', { name: 'Report delivery' });
  await delivery.getByRole('checkbox', { name: 'Send the report on a schedule' }).check();
  await delivery.getByRole('textbox', { name: 'Contacts' }).fill('cio@acme.example\nnot-an-address');
  await delivery.getByRole('button', { name: 'Save delivery' }).click();
  await delivery.getByText('Not an e-mail address').waitFor();
  await delivery.getByRole('textbox', { name: 'Contacts' }).fill('cio@acme.example\nit-manager@acme.example');
  await delivery.getByLabel('Send time').fill('07:30');
  await delivery.getByRole('button', { name: 'Save delivery' }).click();
  await delivery.getByText(/^Delivery saved: the next report/).waitFor();
  const { body: stored } = await getJson(stack, '/v1/reports/delivery?tenant=acme', adminToken);
  expect(stored.settings).toEqual({
    enabled: true,
    cadence: 'monthly',
    contacts: ['cio@acme.example', 'it-manager@acme.example'],
    sendAt: '07:30',
  });

  // Send now: the confirmation names the recipients.
  await page.getByRole('button', { name: 'Send now' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send the report now?' });
  await expect(dialog.getByRole('list', { name: 'Recipients' }).getByRole('listitem').allInnerTexts()).resolves.toEqual([
    'cio@acme.example',
    'it-manager@acme.example',
  ]);
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByText(`The report of ${THIS_MONTH} was sent to 2 contacts.`).waitFor();
  const { body: sends } = await getJson(stack, '/v1/reports/deliveries?tenant=acme', adminToken);
  expect(sends.deliveries[0]).toMatchObject({ period: THIS_MONTH, status: 'sent', recipients: 2, trigger: 'on-demand' });
  await page.getByText('Last sends (1)').click();
  await page.getByTestId('report-send').filter({ hasText: THIS_MONTH }).getByText('Sent', { exact: true }).waitFor();
  await screenshot(page, 'desktop-reports-delivery');
});

test('phone: the preview and the PDF work at 390 px without sideways scrolling', async () => {
  const page = await adminPage(PHONE);
  await page.goto(`/reports?tenant=acme&period=${THIS_MONTH}`);
  const expected = await kpiIncidents('acme', THIS_MONTH);
  await page
    .getByTestId('figure-incidents')
    .locator('.report-figure-value')
    .filter({ hasText: new RegExp(`^${expected}$`) })
    .waitFor();
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'phone-reports');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
  const pdf = await downloadPdf(page);
  expect(pdf).toMatchObject({ name: `acme-${THIS_MONTH}.pdf`, head: '%PDF-' });
});

test('a client viewer reads their company’s report, with no send or delivery controls', async () => {
  const viewer = { email: 'finance@acme.example', name: 'Acme Finance', password: 'Report-viewer-2026!' };
  const created = await postJson(
    stack,
    '/v1/users',
    { ...viewer, role: 'client_viewer', tenantIds: ['acme'] },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(created.status).toBe(201);
  const watched = await openPage(browser, stack.dashboardUrl, PHONE);
  opened.push(watched);
  const { page } = watched;
  await signIn(page, viewer.email, viewer.password);
  await page.goto(`/reports?period=${THIS_MONTH}`);
  await page.getByTestId('figure-incidents').waitFor();
  await expect(page.getByRole('combobox', { name: 'Company' }).count()).resolves.toBe(0);
  await expect(page.getByRole('button', { name: 'Send now' }).count()).resolves.toBe(0);
  await expect(page.getByRole('form', { name: 'Report delivery' }).count()).resolves.toBe(0);
  const pdf = await downloadPdf(page);
  expect(pdf).toMatchObject({ name: `acme-${THIS_MONTH}.pdf`, head: '%PDF-' });
});
