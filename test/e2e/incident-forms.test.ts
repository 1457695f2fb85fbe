import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { assetSchema } from '../../lib/domain/asset';
import { postDemoAlerts, type PostedDemoAlerts } from '../../local/demo-alerts';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, signIn, type WatchedPage } from './browser';

/**
 * The incident page's forms and the sign-in check their values with the API's own request schemas before any
 * request: an invalid value shows the field's message and sends nothing; a valid one is sent and shown.
 */
jest.setTimeout(60_000);

const TENANT = 'incident-forms-co';
let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
let apiKey: string;
let deliveries = 0;
const opened: WatchedPage[] = [];

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let demoAlerts: Promise<PostedDemoAlerts> | undefined;

/** The demo's alerts, posted once for the tests that need its companies (globex: approvals, a technician). */
function withDemoAlerts(): Promise<PostedDemoAlerts> {
  demoAlerts ??= postDemoAlerts(stack.apiUrl, stack.table, demo);
  return demoAlerts;
}

const asset = (id: string) => assetSchema.parse({ id, name: id, type: 'server' });

/** One firing alert on its own asset: an open incident of its own. */
async function openIncidentFor(assetId: string, signature: string): Promise<string> {
  const response = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: assetId, signature, severity: 'high', message: signature, tool_source: 'prometheus' },
    { 'x-api-key': apiKey, 'x-delivery-id': `incident-forms-${++deliveries}` },
  );
  expect([200, 202]).toContain(response.status);
  await stack.idle();
  const { body } = await getJson(stack, `/v1/incidents?tenant=${TENANT}`, adminToken);
  const incident = body.incidents.find((candidate: { signatures: string[] }) => candidate.signatures.includes(signature));
  if (!incident) throw new Error(`No incident with ${signature}`);
  return incident.id;
}

async function signedIn(): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched.page;
}

async function incidentPage(id: string): Promise<Page> {
  const page = await signedIn();
  await page.goto(`/incidents/${TENANT}/${id}`);
  await page.getByRole('heading', { name: 'Alerts and why they were grouped' }).waitFor();
  return page;
}

/** The API writes a page sends to paths ending with `suffix` (`/notes`), in order. */
function writesEndingWith(page: Page, suffix: string): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() !== 'GET' && path.endsWith(suffix)) sent.push(`${request.method()} ${path}`);
  });
  return sent;
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-incident-forms-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  apiKey = await createTenant(stack, TENANT, [asset('forms-db'), asset('forms-app')]);
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a note of only spaces is refused on its field without a request; a real note appears in the timeline', async () => {
  const id = await openIncidentFor('forms-db', 'DiskFull');
  const page = await incidentPage(id);
  const sent = writesEndingWith(page, '/notes');
  const notes = page.locator('section[aria-labelledby="notes-heading"]');
  const text = notes.getByRole('textbox', { name: /^Note/ });
  await text.fill('   ');
  await notes.getByRole('button', { name: 'Add note' }).click();

  await notes.getByText('Too small: expected string to have >=1 characters').waitFor();
  await expect(text.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(sent).toEqual([]);

  await text.fill('  Called the client: their backup job filled the disk.  ');
  await notes.getByRole('button', { name: 'Add note' }).click();
  await notes.locator('.inc-note-text', { hasText: 'Called the client: their backup job filled the disk.' }).waitFor();
  await page
    .locator('section[aria-labelledby="activity-heading"] .inc-activity-text', { hasText: 'their backup job filled the disk' })
    .waitFor();
  await expect(text.inputValue()).resolves.toBe('');
  expect(sent).toEqual([`POST /v1/incidents/${id}/notes`]);
});

test('resolve with a code: the incident is resolved with that code', async () => {
  const id = await openIncidentFor('forms-app', 'ServiceDown');
  const page = await incidentPage(id);
  const sent = writesEndingWith(page, '/resolve');
  await page.getByRole('button', { name: 'Resolve incident' }).click();
  const dialog = page.getByRole('dialog', { name: 'Resolve incident' });
  await dialog.getByRole('combobox', { name: /^Resolution code/ }).selectOption('false-positive');
  await dialog.getByRole('textbox', { name: /^Note/ }).fill('A test probe, not the service.');
  await dialog.getByRole('button', { name: 'Resolve', exact: true }).click();

  await page.getByText('Incident resolved.').waitFor();
  expect(sent).toEqual([`POST /v1/incidents/${id}/resolve`]);
  const { body } = await getJson(stack, `/v1/incidents/${id}?tenant=${TENANT}`, adminToken);
  expect(body.incident).toMatchObject({ status: 'resolved', resolutionCode: 'false-positive' });
});

test('a rejection without a reason is refused on its field without a request; with one the run is rejected', async () => {
  // Globex approves every runbook first: the demo's memory alert leaves an approval waiting.
  await withDemoAlerts();
  const waiting = await until(async () => {
    const { body } = await getJson(stack, '/v1/approvals?tenant=globex', adminToken);
    return body.approvals?.find((approval: { state: string }) => approval.state === 'pending');
  }, 'the demo approval');
  const page = await signedIn();
  const sent = writesEndingWith(page, '/reject');
  await page.goto('/approvals');
  const card = page.getByTestId('approval-card').first();
  await card.getByRole('button', { name: 'Reject' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reject this run' });
  const reason = dialog.getByRole('textbox', { name: /^Why reject it/ });
  await reason.fill('   ');
  await dialog.getByRole('button', { name: 'Confirm rejection' }).click();

  await dialog.getByText('Too small: expected string to have >=1 characters').waitFor();
  await expect(reason.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(sent).toEqual([]);

  await reason.fill('Maintenance window tonight');
  await dialog.getByRole('button', { name: 'Confirm rejection' }).click();
  await until(async () => (sent.length ? sent : undefined), 'the rejection');
  const decided = await until(async () => {
    const { body } = await getJson(stack, `/v1/approvals/${waiting.id}?tenant=globex`, adminToken);
    return body.state === 'rejected' ? body : undefined;
  }, 'the rejected approval');
  expect(decided).toMatchObject({ state: 'rejected' });
  expect(sent).toEqual([`POST /v1/approvals/${waiting.id}/reject`]);
}, 120_000);

test('sign-in: an email that is not one is refused on its field without a request; a wrong password keeps its banner', async () => {
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  const { page } = watched;
  const sent = writesEndingWith(page, '/v1/auth/login');
  await page.goto('/login');
  const email = page.getByRole('textbox', { name: /^Email/ });
  await email.fill('not-an-email');
  await page.getByLabel('Password').fill('whatever');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByText('Invalid email address').waitFor();
  await expect(email.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(sent).toEqual([]);

  await email.fill(demo.admin.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  expect(sent).toEqual(['POST /v1/auth/login']);
  // Chromium logs the refused sign-in's 401 itself: expected here, and nothing else.
  expect(watched.problems.splice(0)).toEqual([expect.stringContaining('401 (Unauthorized)')]);
});

test("assign: the technician chosen is sent as the incident's assignee", async () => {
  await withDemoAlerts();
  const incident = await until(async () => {
    const { body } = await getJson(stack, '/v1/incidents?tenant=globex&status=active', adminToken);
    return body.incidents?.[0];
  }, 'an active globex incident');
  // Unassigned first, so choosing the technician is a change whoever routing picked.
  const cleared = await postJson(
    stack,
    `/v1/incidents/${incident.id}/assign?tenant=globex`,
    { userId: null },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(cleared.status).toBe(200);
  const page = await signedIn();
  const sent = writesEndingWith(page, '/assign');
  await page.goto(`/incidents/globex/${incident.id}`);
  const technician = page.getByRole('combobox', { name: 'Technician' });
  await technician.locator('option', { hasText: 'Gale Globex' }).waitFor({ state: 'attached' });
  await technician.selectOption({ label: await technician.locator('option', { hasText: 'Gale Globex' }).innerText() });
  await page.getByRole('button', { name: 'Assign', exact: true }).click();

  await page.getByText('Assigned to Gale Globex.').waitFor();
  expect(sent).toEqual([`POST /v1/incidents/${incident.id}/assign`]);
  const { body } = await getJson(stack, `/v1/incidents/${incident.id}?tenant=globex`, adminToken);
  expect(body.incident.assignee).toMatchObject({ name: 'Gale Globex' });
}, 120_000);
