import { jest } from '@jest/globals';
import type { Browser, Locator, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, signIn, type WatchedPage } from './browser';

/**
 * The settings tab's policy forms (SLA targets, escalation chain, correlation policy): a change is saved and
 * still there after a reload, a value the API refuses shows its message on the field and is not saved, and
 * a save based on a version someone else has replaced meanwhile offers the latest one.
 */
jest.setTimeout(60_000);

let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
const opened: WatchedPage[] = [];
let tenants = 0;

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-policy-forms-${Date.now()}`));
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A company of the test's own, so no test sees another's policy. */
async function freshTenant(): Promise<string> {
  tenants += 1;
  const tenantId = `policy-co-${tenants}`;
  await createTenant(stack, tenantId);
  return tenantId;
}

async function adminPage(): Promise<WatchedPage> {
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched;
}

async function openSettings(page: Page, tenantId: string, tab: 'sla' | 'correlation'): Promise<void> {
  await page.goto(`/settings?tenant=${tenantId}&tab=${tab}`);
}

/** The API writes a page sends to a path, in order. */
function writesTo(page: Page, path: string): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && new URL(request.url()).pathname === path) sent.push(`${request.method()} ${path}`);
  });
  return sent;
}

/** Chromium logs a refused request as a console error: one the test provokes on purpose is not a problem of the page. */
function forgiveRefusals(watched: WatchedPage, status: number): void {
  const expected = `status of ${status}`;
  const kept = watched.problems.filter((problem) => !problem.includes(expected));
  watched.problems.splice(0, watched.problems.length, ...kept);
}

const slaPath = (tenantId: string) => `/v1/tenants/${tenantId}/sla/policy`;

/** The SLA form's minutes for one severity (the inputs are named "Response minutes for critical"). */
const minutesInput = (form: Locator, clock: 'Response' | 'Resolution', severity: string) =>
  form.getByRole('spinbutton', { name: new RegExp(`^${clock} minutes for ${severity}`) });

test('SLA targets: a changed target is saved and still there after a reload', async () => {
  const tenantId = await freshTenant();
  const { page } = await adminPage();
  const sent = writesTo(page, slaPath(tenantId));
  await openSettings(page, tenantId, 'sla');
  const form = page.getByRole('form', { name: 'SLA policy' });
  await minutesInput(form, 'Response', 'critical').fill('45');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^SLA policy saved\./).waitFor();
  expect(sent).toEqual([`PUT ${slaPath(tenantId)}`]);

  await page.reload();
  await expect(minutesInput(page.getByRole('form', { name: 'SLA policy' }), 'Response', 'critical').inputValue()).resolves.toBe('45');
  const stored = await getJson(stack, slaPath(tenantId), await login(stack, demo, demo.admin.email));
  expect(stored.body.policy.targets.critical).toEqual({ responseMinutes: 45, resolutionMinutes: 240, coverage: '24x7' });
});

test('SLA targets: a resolution window shorter than the response window shows the API’s message and is not saved', async () => {
  const tenantId = await freshTenant();
  const watched = await adminPage();
  const { page } = watched;
  await openSettings(page, tenantId, 'sla');
  const form = page.getByRole('form', { name: 'SLA policy' });
  const resolution = minutesInput(form, 'Resolution', 'high');
  await resolution.fill('60');
  await form.getByRole('button', { name: 'Save' }).click();

  await form.getByText('The resolution window cannot be shorter than the response window').first().waitFor();
  await expect(resolution.getAttribute('aria-invalid')).resolves.toBe('true');
  const stored = await getJson(stack, slaPath(tenantId), await login(stack, demo, demo.admin.email));
  expect(stored.body.policy.targets.high).toEqual({ responseMinutes: 120, resolutionMinutes: 480, coverage: '24x7' });
  forgiveRefusals(watched, 400);
});

test('SLA targets: a value the schema refuses is shown on its field before any request', async () => {
  const tenantId = await freshTenant();
  const { page } = await adminPage();
  const sent = writesTo(page, slaPath(tenantId));
  await openSettings(page, tenantId, 'sla');
  const form = page.getByRole('form', { name: 'SLA policy' });
  const resolution = minutesInput(form, 'Resolution', 'medium');
  await resolution.fill('60');
  await form.getByRole('button', { name: 'Save' }).click();

  await form.getByText('The resolution window cannot be shorter than the response window').first().waitFor();
  await expect(resolution.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(sent).toEqual([]);

  await resolution.fill('600');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^SLA policy saved\./).waitFor();
  expect(sent).toEqual([`PUT ${slaPath(tenantId)}`]);
});

test('SLA targets: a save over a version someone replaced meanwhile is refused and offers the latest version', async () => {
  const tenantId = await freshTenant();
  const watched = await adminPage();
  const { page } = watched;
  await openSettings(page, tenantId, 'sla');
  const form = page.getByRole('form', { name: 'SLA policy' });
  await minutesInput(form, 'Response', 'low').waitFor();

  // Someone else saves through the API after the form was read.
  const token = await login(stack, demo, demo.admin.email);
  const read = await getJson(stack, slaPath(tenantId), token);
  const other = await fetch(`${stack.apiUrl}${slaPath(tenantId)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ version: read.body.version, warning: { leadMinutes: 20 } }),
  });
  expect(other.status).toBe(200);

  await minutesInput(form, 'Response', 'low').fill('600');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('Someone changed this policy after you opened it.').waitFor();
  forgiveRefusals(watched, 409);

  await form.getByRole('button', { name: 'Load the latest version' }).click();
  // The form was read at the defaults; the latest version names who changed it.
  await form.getByText(/^Last changed/).waitFor();
  await expect(form.getByRole('spinbutton', { name: /^Warning lead/ }).inputValue()).resolves.toBe('20');
  await expect(minutesInput(form, 'Response', 'low').inputValue()).resolves.toBe('1440');
});

test('escalation chain: an added level is saved and still there after a reload', async () => {
  const tenantId = await freshTenant();
  const { page } = await adminPage();
  const sent = writesTo(page, `/v1/tenants/${tenantId}/escalation/policy`);
  await openSettings(page, tenantId, 'sla');
  const form = page.getByRole('form', { name: 'Escalation chain' });
  await form.getByRole('heading', { name: 'Level 3' }).waitFor();
  await form.getByRole('button', { name: 'Add level' }).click();
  await form.getByRole('heading', { name: 'Level 4' }).waitFor();
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Escalation chain saved.').waitFor();
  expect(sent).toEqual([`PUT /v1/tenants/${tenantId}/escalation/policy`]);

  await page.reload();
  await page.getByRole('form', { name: 'Escalation chain' }).getByRole('heading', { name: 'Level 4' }).waitFor();
  const stored = await getJson(stack, `/v1/tenants/${tenantId}/escalation/policy`, await login(stack, demo, demo.admin.email));
  expect(stored.body.policy.levels.at(-1)).toEqual({ delayMinutes: 30, targets: [{ kind: 'role', role: 'msp_admin' }] });
});

test('escalation chain: a level that tells nobody is refused on the level before any request', async () => {
  const tenantId = await freshTenant();
  const { page } = await adminPage();
  const sent = writesTo(page, `/v1/tenants/${tenantId}/escalation/policy`);
  await openSettings(page, tenantId, 'sla');
  const form = page.getByRole('form', { name: 'Escalation chain' });
  await form.getByRole('button', { name: 'Add level' }).click();
  const added = form.getByRole('group', { name: 'Level 4' });
  await added.getByRole('checkbox', { name: 'MSP admins' }).uncheck();
  await form.getByRole('button', { name: 'Save' }).click();

  await added.getByText(/^Too small: expected array to have >=1 items?$/).waitFor();
  expect(sent).toEqual([]);
});

test('correlation policy: a changed window is saved and still there after a reload; the simulator replays the edit', async () => {
  const tenantId = await freshTenant();
  const { page } = await adminPage();
  const sent = writesTo(page, `/v1/tenants/${tenantId}/correlation/policy`);
  await openSettings(page, tenantId, 'correlation');
  const form = page.getByRole('form', { name: 'Correlation policy' });
  // The label holds the hint too.
  const burst = form.getByRole('spinbutton', { name: /^Burst window/ });
  await burst.fill('20');

  await form.getByRole('button', { name: 'Run simulation' }).click();
  await form.getByText(/alerts replayed from/).waitFor();
  await form.getByText('burstWindowSeconds', { exact: true }).waitFor();
  expect(sent).toEqual([]);

  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Correlation policy saved/).waitFor();
  expect(sent).toEqual([`PUT /v1/tenants/${tenantId}/correlation/policy`]);

  await page.reload();
  await expect(
    page
      .getByRole('form', { name: 'Correlation policy' })
      .getByRole('spinbutton', { name: /^Burst window/ })
      .inputValue(),
  ).resolves.toBe('20');
  const stored = await getJson(stack, `/v1/tenants/${tenantId}/correlation/policy`, await login(stack, demo, demo.admin.email));
  expect(stored.body.policy.burstWindowSeconds).toBe(1200);
});

test('correlation policy: a negative window is refused on its field before a save or a simulation sends anything', async () => {
  const tenantId = await freshTenant();
  const { page } = await adminPage();
  const saves = writesTo(page, `/v1/tenants/${tenantId}/correlation/policy`);
  const simulations = writesTo(page, `/v1/tenants/${tenantId}/correlation/simulate`);
  await openSettings(page, tenantId, 'correlation');
  const form = page.getByRole('form', { name: 'Correlation policy' });
  const grace = form.getByRole('spinbutton', { name: /^Grace period/ });
  await grace.fill('-5');
  await form.getByRole('button', { name: 'Run simulation' }).click();
  await form.getByText('Too small: expected number to be >=0').waitFor();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(grace.getAttribute('aria-invalid')).resolves.toBe('true');
  expect([...saves, ...simulations]).toEqual([]);
});
