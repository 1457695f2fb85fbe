import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, PHONE, screenshot, signIn, type WatchedPage } from './browser';

/**
 * The client portal: a client_viewer of Acme (made by the MSP admin through the API) signs in on a phone.
 * The navigation offers only Incidents, Assets, Maintenance and Reports; the incident list holds Acme's
 * incidents and nothing of Globex's; another page typed by hand is the not-found page; the incident page
 * has no acknowledge, resolve or runbook controls, and a note and a callback request are sent from it.
 */
jest.setTimeout(90_000);

const VIEWER = { email: 'it.lead@acme.example', name: 'Robin Acme-IT', password: 'Portal-viewer-2026!' };
const ACME_SIGNATURE = 'PortalAcmeMailQueueStuck';
const GLOBEX_SIGNATURE = 'PortalGlobexCheckoutDown';

let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
const opened: WatchedPage[] = [];

/** One alert on a company's asset: an incident of its own; returns its id and title. */
async function openIncident(tenantId: string, assetName: string, signature: string): Promise<{ id: string; title: string }> {
  const tenant = demo.tenants.find((candidate) => candidate.id === tenantId)!;
  const delivery = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: assetName, signature, severity: 'high', message: `${signature} on ${assetName}`, tool_source: 'prometheus' },
    { 'x-api-key': tenant.apiKey },
  );
  expect([200, 202]).toContain(delivery.status);
  await stack.idle();
  const { body } = await getJson(stack, `/v1/incidents?tenant=${tenantId}`, adminToken);
  const incident = body.incidents.find((candidate: { signatures: string[] }) => candidate.signatures.includes(signature));
  if (!incident) throw new Error(`No incident with ${signature}`);
  return { id: incident.id, title: incident.title };
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-portal-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  const created = await postJson(
    stack,
    '/v1/users',
    { ...VIEWER, role: 'client_viewer', tenantIds: ['acme'] },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(created.status).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function viewerOnPhone(): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl, PHONE);
  opened.push(watched);
  await signIn(watched.page, VIEWER.email, VIEWER.password);
  return watched.page;
}

const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('a client viewer on a phone sees a reduced navigation and only their company’s incidents', async () => {
  const acme = await openIncident('acme', 'db-prod-01', ACME_SIGNATURE);
  const globex = await openIncident('globex', 'web-01', GLOBEX_SIGNATURE);
  const page = await viewerOnPhone();

  // Signed in, the portal opens on the incidents; the menu lists the portal's four pages and no others.
  await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Menu' }).click();
  const nav = page.getByRole('navigation', { name: 'Primary' });
  await expect(nav.getByRole('link').allInnerTexts()).resolves.toEqual(['Incidents', 'Assets', 'Maintenance', 'Reports']);
  // No company switcher: their company's name, no list of others.
  await expect(page.getByRole('combobox', { name: 'Company' }).count()).resolves.toBe(0);
  await page.getByRole('button', { name: 'Menu' }).click();

  await page.getByTestId('incident-row').filter({ hasText: acme.title }).waitFor();
  await page.waitForLoadState('networkidle');
  const text = await page.locator('body').innerText();
  expect(text).toContain(acme.title);
  expect(text).not.toContain(globex.title);
  expect(text).not.toContain(GLOBEX_SIGNATURE);
  expect(text).not.toContain('Globex');
  await screenshot(page, 'phone-portal-incidents');
  expect(await noSidewaysScroll(page)).toBe(0);

  // Another company's incident, typed by hand, is not found.
  await page.goto(`/incidents/globex/${globex.id}`);
  await page.getByText(/does not exist, or it belongs to a company you cannot see/).waitFor();
  // The browser logs the API's 404 for it: expected here, and only here.
  const watched = opened.at(-1)!;
  expect(watched.problems).toEqual([expect.stringMatching(/status of 404/)]);
  watched.problems.length = 0;

  // Pages the portal has no place for are the not-found page when typed.
  for (const path of ['/settings', '/companies', '/runbooks', '/approvals', '/audit', '/technicians']) {
    await page.goto(path);
    await page.getByText('This page does not exist').waitFor();
  }

  // Assets: the company's, with their status.
  await page.goto('/assets');
  await page.getByRole('heading', { name: 'Assets', level: 1 }).waitFor();
  await page.getByTestId('portal-asset').filter({ hasText: 'db-prod-01' }).getByText('Incident open').waitFor();
  expect(await noSidewaysScroll(page)).toBe(0);
  await screenshot(page, 'phone-portal-assets');

  // Maintenance: their company's windows, to read only.
  await page.goto('/maintenance');
  await page.getByRole('heading', { name: 'Maintenance', level: 1 }).waitFor();
  await page.waitForFunction(() => !document.querySelector('.state-loading'), undefined, { timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'New window' }).count()).resolves.toBe(0);
  expect(await noSidewaysScroll(page)).toBe(0);
  await screenshot(page, 'phone-portal-maintenance');
});

test('on an incident a client viewer adds a note and asks for a callback, with no operator controls', async () => {
  const acme = await openIncident('acme', 'win-file-01', 'PortalAcmeFileShareSlow');
  const page = await viewerOnPhone();
  const writes: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && request.url().includes('/v1/incidents/'))
      writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  await page.goto(`/incidents/acme/${acme.id}`);
  await page.getByRole('heading', { name: acme.title, level: 1 }).waitFor();
  await page.locator('.portal-alerts').getByText('PortalAcmeFileShareSlow on win-file-01').waitFor();
  for (const name of ['Acknowledge', 'Resolve', 'Run a runbook', 'Silence', 'Pause SLA']) {
    await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
  }

  await page.getByRole('textbox', { name: 'Add a note' }).fill('Users in the Berlin office cannot reach the intranet.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByText('Note added.').waitFor();
  await page.locator('.inc-notes').getByText('Users in the Berlin office cannot reach the intranet.').waitFor();

  await page.getByRole('button', { name: 'Ask for a callback' }).click();
  const dialog = page.getByRole('dialog', { name: 'Ask for a callback' });
  await dialog.getByRole('textbox', { name: /^Phone/ }).fill('not a number');
  await dialog.getByRole('textbox', { name: 'Message' }).fill('Please call me about the timeline for a fix.');
  await dialog.getByRole('button', { name: 'Send request' }).click();
  await dialog.getByText(/international format/).waitFor();
  await dialog.getByRole('textbox', { name: /^Phone/ }).fill('+49 30 1234567');
  await screenshot(page, 'phone-portal-callback', { fullPage: false });
  await dialog.getByRole('button', { name: 'Send request' }).click();
  await page.getByText(/^Callback requested/).waitFor();
  // The request is a note the client sees too.
  await page
    .locator('.inc-notes')
    .getByText(/asked for a callback on \+49301234567: Please call me about the timeline for a fix\./)
    .waitFor();
  expect(writes).toEqual([`POST /v1/incidents/${acme.id}/notes`, `POST /v1/incidents/${acme.id}/callback`]);
  expect(await noSidewaysScroll(page)).toBe(0);
  await screenshot(page, 'phone-portal-incident');

  const { body } = await getJson(stack, `/v1/incidents/${acme.id}?tenant=acme`, adminToken);
  expect(JSON.stringify(body.timeline)).toContain('Users in the Berlin office cannot reach the intranet.');
});
