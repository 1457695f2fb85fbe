import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { assetSchema } from '../../lib/domain/asset';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, postJson, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, PHONE, screenshot, signIn, type WatchedPage } from './browser';

/**
 * The Maintenance page and silences: a one-off window planned from the page with its live preview (the
 * assets it covers, the firing alerts it would hold, its occurrence), listed as active, then ended now; a
 * rule the API refuses shown on its field before any request; an incident silenced from its page, with the
 * "In maintenance" badge there and in the incident list; the page at phone width without sideways scrolling.
 */
jest.setTimeout(60_000);

const TENANT = 'maintenance-co';
let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
let apiKey: string;
let deliveries = 0;
const opened: WatchedPage[] = [];

const asset = (id: string) => assetSchema.parse({ id, name: id, type: 'server' });

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-maintenance-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  apiKey = await createTenant(stack, TENANT, [asset('mw-db'), asset('mw-app'), asset('mw-web')]);
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** One firing alert on its own asset: an open incident of its own. Returns the incident's id. */
async function openIncidentFor(assetId: string, signature: string): Promise<string> {
  const response = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: assetId, signature, severity: 'high', message: signature, tool_source: 'prometheus' },
    { 'x-api-key': apiKey, 'x-delivery-id': `maintenance-${++deliveries}` },
  );
  expect([200, 202]).toContain(response.status);
  await stack.idle();
  const { body } = await getJson(stack, `/v1/incidents?tenant=${TENANT}`, adminToken);
  const incident = body.incidents.find((candidate: { signatures: string[] }) => candidate.signatures.includes(signature));
  if (!incident) throw new Error(`No incident with ${signature}`);
  return incident.id;
}

async function signedIn(viewport?: typeof PHONE): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl, viewport);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched.page;
}

/** The API writes a page sends to paths starting with `prefix`, in order (the preview's POSTs left out). */
function writesTo(page: Page, prefix: string): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() !== 'GET' && path.startsWith(prefix) && !path.endsWith('/preview')) sent.push(`${request.method()} ${path}`);
  });
  return sent;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** A datetime-local input's value for an instant (the browser runs in this process's time zone). */
function localInput(ms: number): string {
  const date = new Date(ms);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function windowsOf(tenantId: string): Promise<any[]> {
  const { body } = await getJson(stack, `/v1/maintenance-windows?tenant=${tenantId}`, adminToken);
  return body.windows;
}

test('a one-off window planned from the page shows its preview, is listed as active, and ends now', async () => {
  await openIncidentFor('mw-db', 'DiskFull');
  const page = await signedIn();
  const sent = writesTo(page, '/v1/maintenance-windows');
  await page.goto('/maintenance');
  await page.getByRole('heading', { name: 'Maintenance', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'New window' }).click();

  const dialog = page.getByRole('dialog', { name: 'New maintenance window' });
  await dialog.getByRole('combobox', { name: 'Company' }).selectOption(TENANT);
  await dialog.getByRole('textbox', { name: 'Name' }).fill('Patch night');
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('Kernel updates');
  const startsAt = Date.now() - 5 * 60_000;
  await dialog.getByLabel(/^Starts/).fill(localInput(startsAt));
  await dialog.getByLabel(/^Ends/).fill(localInput(startsAt + 2 * 3_600_000));
  await dialog.getByRole('checkbox', { name: 'mw-db' }).check();

  // The preview asks the API about the draft: the asset picked, its firing alert, the one occurrence.
  const preview = dialog.getByTestId('window-preview');
  await preview.getByTestId('preview-assets').filter({ hasText: '1 asset: mw-db' }).waitFor();
  await preview.getByTestId('preview-alerts').filter({ hasText: /^1$/ }).waitFor();
  await expect(preview.getByTestId('preview-occurrences').locator('li').count()).resolves.toBe(1);
  expect(sent).toEqual([]);
  await screenshot(page, 'desktop-maintenance-form', { fullPage: false });

  await dialog.getByRole('button', { name: 'Create window' }).click();
  await page.getByText(`Patch night planned for ${TENANT}.`).waitFor();
  expect(sent).toEqual(['POST /v1/maintenance-windows']);
  const panel = page.getByRole('tabpanel');
  const row = panel.getByTestId('window-row').filter({ hasText: 'Patch night' });
  await row.getByText(/^Active until/).waitFor();
  await page.getByRole('tab', { name: /^Active/, selected: true }).waitFor();
  await page.getByTestId('timeline-row').filter({ hasText: 'Patch night' }).waitFor();
  await screenshot(page, 'desktop-maintenance');
  const [stored] = await windowsOf(TENANT);
  expect(stored).toMatchObject({ name: 'Patch night', reason: 'Kernel updates', phase: 'active', scope: { assetIds: ['mw-db'] } });

  await row.getByRole('button', { name: 'End Patch night now' }).click();
  await page.getByRole('dialog', { name: 'End Patch night now?' }).getByRole('button', { name: 'End now' }).click();
  await page.getByText(/^Patch night ended now/).waitFor();
  expect(sent).toEqual(['POST /v1/maintenance-windows', `POST /v1/maintenance-windows/${stored.id}/end`]);
  await page.getByRole('tab', { name: 'Past (1)' }).click();
  await page
    .getByRole('tabpanel')
    .getByTestId('window-row')
    .filter({ hasText: 'Patch night' })
    .getByText('Ended early', { exact: true })
    .waitFor();
  const [ended] = await windowsOf(TENANT);
  expect(ended).toMatchObject({ id: stored.id, phase: 'past', endedBy: demo.admin.email });
});

test('a recurrence rule or an end the API refuses is shown on its field before any request', async () => {
  const page = await signedIn();
  const sent = writesTo(page, '/v1/maintenance-windows');
  await page.goto('/maintenance');
  await page.getByRole('button', { name: 'New window' }).click();
  const dialog = page.getByRole('dialog', { name: 'New maintenance window' });
  await dialog.getByRole('combobox', { name: 'Company' }).selectOption(TENANT);
  await dialog.getByRole('textbox', { name: 'Name' }).fill('Backups');

  // A one-off window ending before it starts: the service's own rule, on the end.
  const startsAt = Date.now() + 3_600_000;
  await dialog.getByLabel(/^Starts/).fill(localInput(startsAt));
  await dialog.getByLabel(/^Ends/).fill(localInput(startsAt - 30 * 60_000));
  await dialog.getByRole('button', { name: 'Create window' }).click();
  await dialog.getByText('endsAt must be after startsAt').waitFor();
  await expect(dialog.getByLabel(/^Ends/).getAttribute('aria-invalid')).resolves.toBe('true');

  // An hourly rule: the recurrence schema (with its RRULE check) runs in the browser too.
  await dialog.getByRole('radio', { name: 'Recurring' }).check();
  const rule = dialog.getByRole('combobox', { name: 'Recurrence rule' });
  await rule.fill('FREQ=HOURLY');
  await dialog.getByRole('button', { name: 'Create window' }).click();
  await dialog.getByText('FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY').waitFor();
  await expect(rule.getAttribute('aria-invalid')).resolves.toBe('true');
  await dialog.getByTestId('window-preview').getByText('Complete the fields to see what the window would cover.').waitFor();
  expect(sent).toEqual([]);

  // A valid rule, on the weekday three days from now (so it is not in progress): the preview lists its next
  // occurrences, it is saved as upcoming, and the two weeks' timeline shows two of them.
  const weekday = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][(new Date().getDay() + 3) % 7];
  const weekly = `FREQ=WEEKLY;BYDAY=${weekday};BYHOUR=2`;
  await rule.fill(weekly);
  // Weekly: five occurrences within the preview's 60 days.
  await dialog.getByTestId('preview-occurrences').locator('li').nth(4).waitFor();
  await dialog.getByRole('button', { name: 'Create window' }).click();
  await page.getByText(`Backups planned for ${TENANT}.`).waitFor();
  expect(sent).toEqual(['POST /v1/maintenance-windows']);
  await page.getByRole('tab', { name: /^Upcoming/, selected: true }).waitFor();
  await expect(page.getByTestId('timeline-row').filter({ hasText: 'Backups' }).locator('.mw-bar').count()).resolves.toBe(2);
  const stored = (await windowsOf(TENANT)).find((window) => window.name === 'Backups');
  expect(stored).toMatchObject({ phase: 'upcoming', recurrence: { rrule: weekly, durationMinutes: 120 } });
});

test('an incident silenced from its page shows the badge there and in the incident list', async () => {
  const id = await openIncidentFor('mw-app', 'ServiceDown');
  const page = await signedIn();
  const sent = writesTo(page, `/v1/incidents/${id}/silence`);
  await page.goto(`/incidents/${TENANT}/${id}`);
  await page.getByRole('heading', { name: 'Alerts and why they were grouped' }).waitFor();
  await page.getByRole('button', { name: 'Silence', exact: true }).click();

  const dialog = page.getByRole('dialog', { name: 'Silence this incident' });
  await dialog.getByRole('radio', { name: '4 hours' }).check();
  await expect(dialog.getByRole('checkbox', { name: 'End the silence when the incident resolves' }).isChecked()).resolves.toBe(true);
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('Restarting the service by hand');
  await dialog.getByRole('button', { name: 'Silence', exact: true }).click();

  await page.getByText(/^Silenced until .*, or until it resolves/).waitFor();
  expect(sent).toEqual([`POST /v1/incidents/${id}/silence`]);
  const hero = page.locator('.inc-hero');
  await hero.getByText(/^In maintenance: Silence: /).waitFor();
  await page.getByRole('button', { name: 'End silence' }).waitFor();
  const { body } = await getJson(stack, `/v1/incidents/${id}?tenant=${TENANT}`, adminToken);
  expect(body.incident.maintenance).toMatchObject({ kind: 'silence' });
  expect(body.incident.maintenance.liftedAt).toBeUndefined();
  const silence = (await windowsOf(TENANT)).find((window) => window.id === body.incident.maintenance.windowId);
  expect(silence).toMatchObject({ kind: 'silence', incidentId: id, endWhenResolved: true, reason: 'Restarting the service by hand' });
  expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBe(4 * 3_600_000);

  await page.goto('/incidents');
  await page
    .getByTestId('incident-row')
    .filter({ hasText: 'ServiceDown' })
    .getByText(/^In maintenance: Silence: /)
    .waitFor();
  // The Overview's SLA figures leave it out and say so (docs/kpis.md).
  await page.goto('/');
  await page.getByText(/· 1 in maintenance, left out$/).waitFor();
});

test('at phone width the Maintenance page and its form do not scroll sideways', async () => {
  // Something to draw: an active window with a long name, and the windows the other tests left.
  const created = await postJson(
    stack,
    `/v1/maintenance-windows?tenant=${TENANT}`,
    {
      name: 'Quarterly firmware upgrade of every storage array in the primary datacenter',
      scope: { assetIds: ['mw-web'], matchers: [{ field: 'severity', op: '!=', value: 'critical' }] },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 6 * 3_600_000).toISOString(),
    },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(created.status).toBe(201);
  const page = await signedIn(PHONE);
  await page.goto('/maintenance');
  await page.getByTestId('window-row').first().waitFor();
  await page.getByTestId('timeline-row').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.state-loading'), undefined, { timeout: 15_000 });
  await screenshot(page, 'phone-maintenance');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);

  // The form in its dialog fits the screen too.
  await page.getByRole('button', { name: 'New window' }).click();
  const dialog = page.getByRole('dialog', { name: 'New maintenance window' });
  await dialog.getByTestId('window-preview').waitFor();
  const fits = await dialog.evaluate((element) => ({
    scroll: element.scrollWidth - element.clientWidth,
    right: element.getBoundingClientRect().right <= window.innerWidth,
  }));
  expect(fits).toEqual({ scroll: 0, right: true });
  await screenshot(page, 'phone-maintenance-form', { fullPage: false });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
});
