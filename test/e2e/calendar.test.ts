import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, login, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, PHONE, screenshot, signIn, type WatchedPage } from './browser';

/**
 * The Calendars settings tab: a company's service calendar (time zone, business hours per weekday, holidays)
 * and, per severity, whether its SLA clocks run 24x7 or in business hours, saved through the SLA policy with
 * the version read; the SLA tab's minutes stay as they were, and saving the SLA tab afterwards keeps the
 * calendar. A range the API refuses shows its message on the field before any request; the tab fits a phone.
 */
jest.setTimeout(60_000);

let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
let adminToken: string;
const opened: WatchedPage[] = [];
let tenants = 0;

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-calendar-${Date.now()}`));
  adminToken = await login(stack, demo, demo.admin.email);
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function freshTenant(): Promise<string> {
  tenants += 1;
  const tenantId = `calendar-co-${tenants}`;
  await createTenant(stack, tenantId);
  return tenantId;
}

async function adminPage(viewport?: typeof PHONE): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl, viewport);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched.page;
}

const slaPath = (tenantId: string) => `/v1/tenants/${tenantId}/sla/policy`;

function writesTo(page: Page, path: string): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && new URL(request.url()).pathname === path) sent.push(`${request.method()} ${path}`);
  });
  return sent;
}

async function storedPolicy(tenantId: string) {
  const { body } = await getJson(stack, slaPath(tenantId), adminToken);
  return body;
}

test('a calendar with split hours, a closed Friday, holidays and business-hours severities is saved with its version', async () => {
  const tenantId = await freshTenant();
  const page = await adminPage();
  const sent = writesTo(page, slaPath(tenantId));
  await page.goto(`/settings?tenant=${tenantId}&tab=calendars`);
  const form = page.getByRole('form', { name: 'Service calendar' });
  await form.getByRole('combobox', { name: 'Time zone' }).selectOption('Europe/Berlin');

  // Monday: a split shift (08:00-12:00, 13:00-17:00); Friday closed; Saturday mornings.
  await form.getByLabel('Monday from').first().fill('08:00');
  await form.getByLabel('Monday to').first().fill('12:00');
  await form.getByRole('button', { name: 'Add hours on Monday' }).click();
  await form.getByLabel('Monday from').nth(1).fill('13:00');
  await form.getByLabel('Monday to').nth(1).fill('17:00');
  await form.getByRole('button', { name: 'Remove Friday range 1' }).click();
  await form.getByTestId('day-fri').getByText('Closed').waitFor();
  await form.getByRole('button', { name: 'Add hours on Saturday' }).click();
  await form.getByLabel('Saturday from').fill('09:00');
  await form.getByLabel('Saturday to').fill('00:00');

  // Two holidays, then one removed.
  for (const [date, name, yearly] of [
    ['2026-12-25', 'Christmas Day', true],
    ['2026-12-31', 'Office move', false],
    ['2027-01-01', 'New Year', true],
  ] as const) {
    await form.getByRole('button', { name: 'Add holiday' }).click();
    const row = form.getByTestId('holiday-row').last();
    await row.getByLabel('Date').fill(date);
    await row.getByRole('textbox', { name: 'Name' }).fill(name);
    if (yearly) await row.getByRole('checkbox', { name: 'Every year' }).check();
  }
  await form.getByRole('button', { name: 'Remove holiday 2' }).click();

  await form.getByRole('combobox', { name: 'Clocks for medium' }).selectOption('business-hours');
  await form.getByRole('combobox', { name: 'Clocks for low' }).selectOption('business-hours');
  await screenshot(page, 'desktop-settings-calendars');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Calendar saved/).waitFor();
  expect(sent).toEqual([`PUT ${slaPath(tenantId)}`]);

  const stored = await storedPolicy(tenantId);
  expect(stored.version).toBe(1);
  expect(stored.policy.calendar).toEqual({
    timeZone: 'Europe/Berlin',
    week: {
      mon: [
        { from: '08:00', to: '12:00' },
        { from: '13:00', to: '17:00' },
      ],
      tue: [{ from: '08:00', to: '18:00' }],
      wed: [{ from: '08:00', to: '18:00' }],
      thu: [{ from: '08:00', to: '18:00' }],
      fri: [],
      sat: [{ from: '09:00', to: '24:00' }],
      sun: [],
    },
    holidays: [
      { date: '2026-12-25', name: 'Christmas Day', yearly: true },
      { date: '2027-01-01', name: 'New Year', yearly: true },
    ],
  });
  expect(
    Object.fromEntries(Object.entries(stored.policy.targets).map(([severity, target]: [string, any]) => [severity, target.coverage])),
  ).toEqual({
    critical: '24x7',
    high: '24x7',
    medium: 'business-hours',
    low: 'business-hours',
    info: '24x7',
  });
  expect(stored.policy.targets.critical).toMatchObject({ responseMinutes: 30, resolutionMinutes: 240 });

  // After a reload the form shows what was saved.
  await page.reload();
  await expect(form.getByRole('combobox', { name: 'Time zone' }).inputValue()).resolves.toBe('Europe/Berlin');
  await expect(form.getByLabel('Saturday to').inputValue()).resolves.toBe('00:00');
  await expect(form.getByTestId('holiday-row').count()).resolves.toBe(2);
  await expect(form.getByRole('combobox', { name: 'Clocks for medium' }).inputValue()).resolves.toBe('business-hours');

  // Saving the SLA tab's targets keeps the calendar and the clocks set here.
  await page.goto(`/settings?tenant=${tenantId}&tab=sla`);
  const sla = page.getByRole('form', { name: 'SLA policy' });
  await sla.getByRole('spinbutton', { name: /^Response minutes for critical/ }).fill('20');
  await sla.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^SLA policy saved/).waitFor();
  const after = await storedPolicy(tenantId);
  expect(after.version).toBe(2);
  expect(after.policy.calendar).toEqual(stored.policy.calendar);
  expect(after.policy.targets.medium.coverage).toBe('business-hours');
  expect(after.policy.targets.critical).toMatchObject({ responseMinutes: 20, coverage: '24x7' });
});

test('a range ending before it starts, or overlapping, is refused on the field before any request', async () => {
  const tenantId = await freshTenant();
  const page = await adminPage();
  const sent = writesTo(page, slaPath(tenantId));
  await page.goto(`/settings?tenant=${tenantId}&tab=calendars`);
  const form = page.getByRole('form', { name: 'Service calendar' });
  await form.getByLabel('Tuesday from').fill('18:00');
  await form.getByLabel('Tuesday to').fill('09:00');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('A range must end after it starts').waitFor();
  await expect(form.getByLabel('Tuesday to').getAttribute('aria-invalid')).resolves.toBe('true');

  await form.getByLabel('Tuesday from').fill('08:00');
  await form.getByLabel('Tuesday to').fill('12:00');
  await form.getByRole('button', { name: 'Add hours on Tuesday' }).click();
  await form.getByLabel('Tuesday from').nth(1).fill('11:00');
  await form.getByLabel('Tuesday to').nth(1).fill('14:00');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByTestId('day-tue').getByText('The ranges of a day overlap').waitFor();

  // A holiday without its name.
  await form.getByLabel('Tuesday from').nth(1).fill('13:00');
  await form.getByRole('button', { name: 'Add holiday' }).click();
  await form.getByTestId('holiday-row').getByLabel('Date').fill('2027-05-01');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByTestId('holiday-row').locator('.field-error').waitFor();
  expect(sent).toEqual([]);
  expect((await storedPolicy(tenantId)).version).toBe(0);
});

test('at phone width the Calendars tab does not scroll sideways', async () => {
  const tenantId = await freshTenant();
  const page = await adminPage(PHONE);
  await page.goto(`/settings?tenant=${tenantId}&tab=calendars`);
  const form = page.getByRole('form', { name: 'Service calendar' });
  await form.getByRole('button', { name: 'Add holiday' }).click();
  await form.getByRole('button', { name: 'Add hours on Monday' }).click();
  await screenshot(page, 'phone-settings-calendars');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
});
