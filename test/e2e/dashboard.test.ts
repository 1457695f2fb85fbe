/// <reference lib="dom" />
// page.evaluate() callbacks run in the browser: their code sees the DOM.
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import { postDemoAlerts } from '../../local/demo-alerts';
import type { LocalStack } from '../../local/stack';
import { getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { closePages, DESKTOP, launchChromium, openPage, PHONE, screenshot, signIn, type WatchedPage } from './browser';

/**
 * The dashboard in Debian's Chromium against a local stack seeded with the demo MSP and its demo alerts
 * (the same ones `npm start` posts): every page is served by the local gateway under the production CSP.
 */
jest.setTimeout(60_000);

let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
const opened: WatchedPage[] = [];

function password(email: string): string {
  const user = demo.users.find((candidate) => candidate.email === email);
  if (!user) throw new Error(`No demo user ${email}`);
  return user.password;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function incidentOn(tenant: string, asset: string): Promise<{ id: string }> {
  return until(async () => {
    const { body } = await getJson(stack, `/v1/incidents?tenant=${tenant}&status=active`, adminToken);
    return body.incidents?.find((incident: any) => JSON.stringify(incident).includes(asset));
  }, `an incident on ${asset}`);
}

async function pageAs(email: string, viewport = DESKTOP): Promise<WatchedPage> {
  const watched = await openPage(browser, stack.dashboardUrl, viewport);
  opened.push(watched);
  await signIn(watched.page, email, email === demo.admin.email ? demo.admin.password : password(email));
  return watched;
}

/** The page's own content, not the page's frame (navigation, header). */
function main(page: Page) {
  return page.locator('main');
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  await postDemoAlerts(stack.apiUrl, stack.table, demo);
  // Globex approves every runbook first: the demo's memory alert leaves an approval waiting.
  await until(async () => {
    const { body } = await getJson(stack, '/v1/approvals?tenant=globex', adminToken);
    return body.approvals?.find((approval: any) => approval.state === 'pending');
  }, 'the demo approval');
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  // No page may log an error or warning (React warnings included) or throw.
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('an MSP admin signs in and sees the KPIs and the demo incidents of both companies', async () => {
  const { page } = await pageAs(demo.admin.email);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await main(page).getByText('Noise reduction').first().waitFor();
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  await page.getByTestId('incident-row').first().waitFor();
  const rows = await page.getByTestId('incident-row').allInnerTexts();
  expect(rows.some((row) => row.includes('db-prod-01'))).toBe(true);
  expect(rows.some((row) => row.includes('web-01'))).toBe(true);
});

test('a new incident appears in the list live after a webhook POST, without a reload', async () => {
  const { page } = await pageAs(demo.admin.email);
  await page.goto('/incidents');
  await page.getByTestId('incident-row').first().waitFor();
  await page.getByText('Live', { exact: true }).waitFor();
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));

  const acme = demo.tenants.find((tenant) => tenant.id === 'acme')!;
  const delivery = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: 'e2e-live-host', signature: 'PingLoss', severity: 'critical', message: 'host unreachable', tool_source: 'e2e' },
    { 'x-api-key': acme.apiKey },
  );
  expect(delivery.status).toBe(202);
  await page.getByTestId('incident-row').filter({ hasText: 'e2e-live-host' }).waitFor({ timeout: 15_000 });
  expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
});

test('an MSP admin approves the waiting runbook from the approvals queue', async () => {
  const { body: queue } = await getJson(stack, '/v1/approvals?tenant=globex', adminToken);
  const waiting = queue.approvals.find((approval: any) => approval.state === 'pending');
  const { page } = await pageAs(demo.admin.email);
  await page.goto('/approvals');
  const card = page.getByTestId('approval-card').filter({ hasText: 'web-01' }).first();
  await card.waitFor();
  await screenshot(page, 'desktop-approvals-waiting');
  await card.getByRole('button', { name: 'Approve' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox').first().fill('Approved from the e2e test');
  await dialog.getByRole('button', { name: 'Confirm approval' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /approved/i })
    .first()
    .waitFor();

  const { body: decided } = await getJson(stack, `/v1/approvals/${waiting.id}?tenant=globex`, adminToken);
  expect(decided).toMatchObject({ state: 'approved', decidedBy: 'usr_admin_msp_example' });
  // The decision resumed the runbook: the incident's execution leaves 'pending'.
  await until(async () => {
    const { body } = await getJson(stack, `/v1/incidents/${waiting.incidentId}?tenant=globex`, adminToken);
    const state: string | undefined = body.incident.remediation?.state;
    return state && state !== 'pending' ? state : undefined;
  }, 'the runbook to run after the approval');
});

test('an operator resolves an incident from its page', async () => {
  const { id } = await incidentOn('acme', 'win-file-01');
  const { page } = await pageAs(demo.admin.email);
  await page.goto(`/incidents/acme/${id}`);
  await page.getByRole('button', { name: 'Resolve incident' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('combobox').first().selectOption('fixed');
  await dialog.getByRole('textbox').first().fill('Backup job re-run by hand');
  await dialog.getByRole('button', { name: 'Resolve', exact: true }).click();
  // Reopen is offered once the incident is resolved.
  await page.getByRole('button', { name: 'Reopen' }).waitFor();
  const { body } = await getJson(stack, `/v1/incidents/${id}?tenant=acme`, adminToken);
  expect(body.incident.status).toBe('resolved');
});

test('a technician of one company sees neither the other company’s incidents nor its pages', async () => {
  const globexIncident = await incidentOn('globex', 'web-01');
  const watched = await pageAs('tech.niko@msp.example');
  const { page } = watched;
  await page.goto('/incidents');
  await page.getByTestId('incident-row').first().waitFor();
  const rows = await page.getByTestId('incident-row').allInnerTexts();
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.filter((row) => /globex|web-01|shop\.globex/i.test(row))).toEqual([]);
  // No company picker with Globex in it, and no way in by URL.
  expect(await page.getByRole('combobox', { name: 'Company' }).count()).toBe(0);
  await page.goto(`/incidents/globex/${globexIncident.id}`);
  await main(page).getByText('Not found', { exact: true }).waitFor();
  // The browser logs the API's 404 itself; that one is expected here.
  const expected404 = watched.problems.findIndex((problem) => problem.includes('status of 404'));
  expect(expected404).toBeGreaterThanOrEqual(0);
  watched.problems.splice(expected404, 1);
  await page.goto('/approvals');
  await page.getByRole('heading', { name: 'Approvals' }).waitFor();
  expect(await main(page).innerText()).not.toMatch(/globex/i);
});

test('a user deleted while their dashboard is open is signed out: the live connection closes and the session ends', async () => {
  const email = `e2e-leaver-${Date.now()}@msp.example`;
  const userPassword = 'Leaver-e2e-test-7!';
  const made = await postJson(
    stack,
    '/v1/users',
    { email, name: 'Lee Leaver', role: 'technician', tenantIds: ['acme'], password: userPassword },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(made.status).toBe(201);
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  const { page } = watched;
  await signIn(page, email, userPassword);
  await page.goto('/incidents');
  await page.getByText('Live', { exact: true }).waitFor();

  const deleted = await fetch(`${stack.apiUrl}/v1/users/${made.body.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(deleted.status).toBe(204);
  // The next push to acme finds the user gone and closes the connection; the refused reconnect asks the API,
  // whose 401 and refused refresh end the session.
  const acme = demo.tenants.find((tenant) => tenant.id === 'acme')!;
  await until(
    async () => {
      await postJson(
        stack,
        '/v1/webhooks/generic',
        { asset_name: 'e2e-leaver-host', signature: `Leaver${Date.now()}`, severity: 'low', message: 'revocation', tool_source: 'e2e' },
        { 'x-api-key': acme.apiKey },
      );
      return (await page.getByRole('button', { name: 'Sign in' }).count()) > 0 ? true : undefined;
    },
    'the sign-in page',
    30_000,
  );
  // The browser logs the refused WebSocket and the API's 401s itself; those are expected here, nothing else.
  const unexpected = watched.problems.filter((problem) => !/status of 401|WebSocket connection to .* failed/.test(problem));
  watched.problems.length = 0;
  expect(unexpected).toEqual([]);
});

test('the sign-in and the navigation work with the keyboard alone', async () => {
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  const { page } = watched;
  await page.goto('/login');
  await page.getByLabel('Email').waitFor();
  expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('email'); // focused on arrival
  await page.keyboard.type(demo.admin.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(demo.admin.password);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Primary' }).waitFor();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
});

/** Where each of a row's cells (and everything in them) sits horizontally, measured in the browser. */
interface CellExtent {
  row: number;
  cell: string;
  left: number;
  right: number;
  width: number;
}

test('on a phone the Overview leads with the active incidents and the incident list shows status, priority and SLA without sideways scrolling (screenshots in test-artifacts/)', async () => {
  const { page, context } = await pageAs(demo.admin.email, PHONE);

  // Overview: what is burning now comes before the eight KPI cards.
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  const firstActive = main(page).locator('.ov-active-item').first();
  const firstKpi = main(page).locator('.kpi').first();
  await firstActive.waitFor();
  await firstKpi.waitFor();
  const activeBox = (await firstActive.boundingBox())!;
  const kpiBox = (await firstKpi.boundingBox())!;
  expect(activeBox.y + activeBox.height).toBeLessThanOrEqual(kpiBox.y);
  expect(activeBox.y).toBeLessThan(PHONE.height); // on the first screen
  await screenshot(page, 'phone-first-screen-overview', { fullPage: false });
  await screenshot(page, 'phone-layout-overview');

  // Incidents: every row's priority, status and SLA within the screen's width; the page does not scroll sideways.
  await page.goto('/incidents');
  await page.getByTestId('incident-row').first().waitFor();
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const extents: CellExtent[] = await page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="incident-row"]')).flatMap((row, index) =>
      (['priority', 'status', 'sla'] as const).map((cell) => {
        const element = row.querySelector(`.inc-cell-${cell}`);
        if (!element) return { row: index, cell, left: NaN, right: NaN, width: 0 };
        // The cell and everything drawn in it: a badge or countdown that overflows its cell counts too.
        const boxes = [element, ...Array.from(element.querySelectorAll('*'))].map((node) => node.getBoundingClientRect());
        return {
          row: index,
          cell,
          left: Math.min(...boxes.map((box) => box.left)),
          right: Math.max(...boxes.map((box) => box.right)),
          width: boxes[0]!.width,
        };
      }),
    ),
  );
  expect(extents.length).toBeGreaterThanOrEqual(3 * 4); // the demo's incidents at least
  const offScreen = extents.filter((extent) => !(extent.width > 0 && extent.left >= 0 && extent.right <= PHONE.width));
  expect(offScreen).toEqual([]);
  // Playwright's own boxes agree, for the first rows.
  for (const row of await page
    .getByTestId('incident-row')
    .all()
    .then((rows) => rows.slice(0, 5))) {
    for (const cell of ['priority', 'status', 'sla']) {
      const box = (await row.locator(`.inc-cell-${cell}`).boundingBox())!;
      expect({ cell, fits: box.x >= 0 && box.x + box.width <= PHONE.width }).toEqual({ cell, fits: true });
    }
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

  // Still a table to assistive technology (Chromium's own accessibility tree): its column headers are there,
  // every row is a row of cells, and the labels drawn beside the values are not read as well.
  const cdp = await context.newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: Array<{ ignored: boolean; role?: { value: string }; name?: { value: string } }>;
  };
  const exposed = nodes.filter((node) => !node.ignored);
  const named = (role: string) => exposed.filter((node) => node.role?.value === role).map((node) => node.name?.value ?? '');
  expect(named('table')).toContain('Incidents');
  // (Chromium names the headers as drawn: upper case.)
  expect(named('columnheader').map((name) => name.toLowerCase())).toEqual(
    expect.arrayContaining(['priority', 'incident', 'status', 'sla']),
  );
  expect(named('row').length).toBeGreaterThan(extents.length / 3); // the header row and one per incident
  const cells = named('cell');
  expect(cells.some((name) => / left\b|^Breached|^No SLA/.test(name))).toBe(true); // cells are named by their content
  expect(cells.filter((name) => /^(Priority|Status|SLA|Severity|Company|Alerts|Assignee|Opened)\b/i.test(name))).toEqual([]);
  await cdp.detach();

  await screenshot(page, 'phone-first-screen-incidents', { fullPage: false });
  await screenshot(page, 'phone-layout-incidents');
});

const PAGES: Array<[name: string, path: () => Promise<string>]> = [
  ['overview', async () => '/'],
  ['incidents', async () => '/incidents'],
  ['incident-detail', async () => `/incidents/acme/${(await incidentOn('acme', 'db-prod-01')).id}`],
  ['approvals', async () => '/approvals'],
  ['runbooks', async () => '/runbooks'],
  ['companies', async () => '/companies'],
  ['company-acme', async () => '/companies/acme'],
  ['technicians', async () => '/technicians'],
  ['audit', async () => '/audit'],
  ['maintenance', async () => '/maintenance'],
  ['reports', async () => '/reports'],
  ['settings', async () => '/settings'],
];

test.each([
  ['desktop', DESKTOP],
  ['phone', PHONE],
])('every page renders at %s width without errors or sideways scrolling (screenshots in test-artifacts/)', async (label, viewport) => {
  const watched = await openPage(browser, stack.dashboardUrl, viewport);
  opened.push(watched);
  const { page } = watched;
  await page.goto('/login');
  await screenshot(page, `${label}-login`);
  await signIn(page, demo.admin.email, demo.admin.password);
  for (const [name, path] of PAGES) {
    await page.goto(await path());
    await main(page).locator('h1').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('.state-loading'), undefined, { timeout: 15_000 });
    await screenshot(page, `${label}-${name}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
    expect(await main(page).locator('.state-error').count()).toBe(0);
  }
});
