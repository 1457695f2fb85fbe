/// <reference lib="dom" />
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { assetSchema } from '../../lib/domain/asset';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, PHONE, screenshot, signIn, type WatchedPage } from './browser';

/**
 * The incident page an operator reads at 3 a.m., in Debian's Chromium against the local stack: one row
 * per alert however often it repeated, its resolution and another tool's "cleared" on that row, a count
 * of distinct alerts, activity entries that name their alert in causal order, a response clock and the
 * facts that read the same fields, and no alarming priority ring once resolved.
 */
jest.setTimeout(60_000);

const TENANT = 'page-co';
let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
let apiKey: string;
let deliveries = 0;
const opened: WatchedPage[] = [];

const asset = (id: string, dependsOn: string[] = []) => assetSchema.parse({ id, name: id, type: 'server', dependsOn });

async function deliver(body: Record<string, unknown>): Promise<void> {
  const response = await postJson(
    stack,
    '/v1/webhooks/generic',
    { severity: 'high', message: String(body.signature), tool_source: 'prometheus', ...body },
    { 'x-api-key': apiKey, 'x-delivery-id': `page-${++deliveries}` },
  );
  expect([200, 202]).toContain(response.status);
  await stack.idle();
}

async function incidentWith(signature: string): Promise<any> {
  const { body } = await getJson(stack, `/v1/incidents?tenant=${TENANT}`, adminToken);
  const incident = body.incidents.find((candidate: any) => candidate.signatures.includes(signature));
  if (!incident) throw new Error(`No incident with ${signature}`);
  return incident;
}

async function openIncident(id: string, viewport?: typeof PHONE): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl, viewport);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  await watched.page.goto(`/incidents/${TENANT}/${id}`);
  await watched.page.getByRole('heading', { name: 'Alerts and why they were grouped' }).waitFor();
  return watched.page;
}

const alertRows = (page: Page) => page.locator('section[aria-labelledby="alerts-heading"] .inc-alert');
const activity = (page: Page) => page.locator('section[aria-labelledby="activity-heading"] .inc-activity > li');

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-incident-page-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  apiKey = await createTenant(stack, TENANT, [asset('page-db'), asset('page-app', ['page-db'])]);
  // A cascade: the database fires (and repeats), the app behind it joins, datadog says the CPU cleared,
  // then the app's own tool resolves it.
  await deliver({ asset_name: 'page-db', signature: 'NodeCPUHigh', severity: 'critical' });
  await deliver({ asset_name: 'page-db', signature: 'NodeCPUHigh', severity: 'critical', message: 'still high' });
  await deliver({ asset_name: 'page-app', signature: 'ServiceLatencyHigh' });
  await deliver({ asset_name: 'page-db', signature: 'NodeCPUHigh', severity: 'critical', message: 'and still' });
  await deliver({ asset_name: 'page-db', signature: 'system.cpu.user', tool_source: 'datadog', status: 'resolved' });
  await deliver({ asset_name: 'page-app', signature: 'ServiceLatencyHigh', status: 'resolved' });
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('one row per alert: repeats and resolutions are events on it, and another tool saying it cleared is shown there', async () => {
  const incident = await incidentWith('NodeCPUHigh');
  expect(incident).toMatchObject({ alertCount: 2, occurrences: 4 });
  const page = await openIncident(incident.id);
  const rows = alertRows(page);
  expect(await rows.count()).toBe(2);
  const db = rows.filter({ hasText: 'NodeCPUHigh' });
  await expect(db.innerText()).resolves.toMatch(/Firing/);
  await expect(db.innerText()).resolves.toMatch(/fired 3 times/);
  await expect(db.innerText()).resolves.toMatch(/datadog reports it cleared; prometheus still reports it firing/);
  const app = rows.filter({ hasText: 'ServiceLatencyHigh' });
  await expect(app.innerText()).resolves.toMatch(/Resolved/);
  await expect(app.innerText()).resolves.not.toMatch(/Firing/);
  // The header counts distinct alerts, with the notifications beside.
  const hero = await page.locator('.inc-hero').innerText();
  expect(hero).toMatch(/2 alerts \(4 notifications\)/);
  await db.locator('details summary').click();
  const events = await db.locator('details li').allInnerTexts();
  expect(events.map((text) => text.split('\n').find((line) => /Fired|Repeated|Resolved|reports it cleared/.test(line)))).toEqual([
    expect.stringMatching(/^Fired/),
    expect.stringMatching(/^Repeated/),
    expect.stringMatching(/^Repeated/),
    'datadog reports it cleared',
  ]);
  await screenshot(page, 'incident-rows-desktop');
});

test('every alert entry of the activity names its alert, and one instant reads cause first', async () => {
  const incident = await incidentWith('NodeCPUHigh');
  const page = await openIncident(incident.id);
  const entries = await activity(page).allInnerTexts();
  const alertEntries = entries.filter((text) => /^(Alert joined|Alert cleared)/.test(text));
  expect(alertEntries.length).toBeGreaterThanOrEqual(3);
  for (const text of alertEntries) expect(text).toMatch(/(NodeCPUHigh on page-db|ServiceLatencyHigh on page-app) \((prometheus|datadog)\)/);
  expect(entries.some((text) => /^Alert cleared\s*NodeCPUHigh on page-db \(datadog\)/.test(text))).toBe(true);
  // Newest first: the opening is the oldest entry, listed last.
  expect(entries.at(-1)).toMatch(/^Opened/);
});

test('the response clock and the facts read the same first response, and a resolved incident has a calm priority', async () => {
  const incident = await incidentWith('NodeCPUHigh');
  const acknowledged = await postJson(
    stack,
    `/v1/incidents/${incident.id}/acknowledge?tenant=${TENANT}`,
    {},
    {
      authorization: `Bearer ${adminToken}`,
    },
  );
  expect(acknowledged.status).toBe(200);
  const page = await openIncident(incident.id, PHONE);
  const responseTile = page.locator('.inc-sla-tile').filter({ hasText: 'Response' });
  await expect(responseTile.innerText()).resolves.toMatch(new RegExp(`Responded .* by ${demo.admin.email.replace('.', '\\.')}`));
  const facts = page.locator('.inc-facts');
  const firstResponse = facts.locator('div').filter({ hasText: 'First response' });
  await expect(firstResponse.innerText()).resolves.toContain(`by ${demo.admin.email}`);
  await expect(
    facts
      .locator('div')
      .filter({ hasText: /^Acknowledged/ })
      .innerText(),
  ).resolves.not.toContain('Not yet');
  expect(await page.locator('.inc-dial-settled').count()).toBe(0);
  await screenshot(page, 'incident-acknowledged-phone');

  const resolved = await postJson(
    stack,
    `/v1/incidents/${incident.id}/resolve?tenant=${TENANT}`,
    { code: 'fixed' },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(resolved.status).toBe(200);
  await page.reload();
  await page.locator('.inc-dial-settled').waitFor();
  expect(await page.locator('.inc-dial-critical, .inc-dial-high').count()).toBe(0);
  // Rows that were still firing ended with the incident: none says Firing.
  await expect(alertRows(page).filter({ hasText: 'NodeCPUHigh' }).innerText()).resolves.toMatch(/Ended with the incident/);
  expect(await alertRows(page).filter({ hasText: 'Firing' }).count()).toBe(0);
});
