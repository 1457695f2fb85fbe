import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, signIn, type WatchedPage } from './browser';

/**
 * The dashboard's forms check their values with the API's own schemas before any request: an invalid value
 * shows the field's message and sends nothing; a valid one is saved and shown.
 */
jest.setTimeout(60_000);

const TENANT = 'forms-co';
let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-forms-${Date.now()}`));
  await createTenant(stack, TENANT);
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function adminPage(): Promise<Page> {
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched.page;
}

/** The API writes a page sends to a path (`/v1/assets`), in order. */
function writesTo(page: Page, path: string): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && new URL(request.url()).pathname === path) sent.push(`${request.method()} ${path}`);
  });
  return sent;
}

test('an invalid asset shows the API’s field message without a request; a valid one is added to the list', async () => {
  const page = await adminPage();
  const sent = writesTo(page, '/v1/assets');
  await page.getByRole('link', { name: 'Companies & assets' }).click();
  // The card's heading link ends with an arrow.
  await page.getByRole('link', { name: new RegExp(`^${TENANT}`) }).click();
  await page.getByRole('button', { name: 'Add asset' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add asset' });
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E cache');
  await dialog.getByRole('checkbox', { name: /Runbooks can reach it/ }).check();
  // Matched by the start of their names: a field's message becomes part of its label.
  const instance = dialog.getByRole('textbox', { name: /^Instance id/ });
  await instance.fill('not-an-instance');
  await dialog.getByRole('textbox', { name: /^AWS account id/ }).fill('111122223333');
  await dialog.getByRole('textbox', { name: /^Region/ }).fill('eu-west-1');
  await dialog.getByRole('button', { name: 'Save' }).click();

  await dialog.getByText('an EC2 (i-...) or managed (mi-...) instance id').waitFor();
  await expect(instance.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(sent).toEqual([]);

  await instance.fill('i-0123456789abcdef0');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Asset E2E cache added.').waitFor();
  await page.getByTestId('asset-row').filter({ hasText: 'E2E cache' }).waitFor();
  expect(await page.getByTestId('asset-row').filter({ hasText: 'i-0123456789abcdef0' }).count()).toBe(1);
  expect(sent).toEqual(['POST /v1/assets']);
});

test('add company: an id that is not a slug shows the API’s message without a request; a valid company is created', async () => {
  const page = await adminPage();
  const sent = writesTo(page, '/v1/tenants');
  await page.getByRole('link', { name: 'Companies & assets' }).click();
  await page.getByRole('button', { name: 'Add company' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add company' });
  await dialog.getByRole('textbox', { name: 'Company name' }).fill('Initech');
  // The id follows the name until one is typed.
  await expect(dialog.getByRole('textbox', { name: /^Company id/ }).inputValue()).resolves.toBe('initech');
  await dialog.getByRole('textbox', { name: /^Company id/ }).fill('-initech');
  await dialog.getByRole('button', { name: 'Create company' }).click();

  await dialog.getByText(/^a slug: letters, digits/).waitFor();
  await expect(dialog.getByRole('textbox', { name: /^Company id/ }).getAttribute('aria-invalid')).resolves.toBe('true');
  expect(sent).toEqual([]);

  await dialog.getByRole('textbox', { name: /^Company id/ }).fill('initech');
  await dialog.getByRole('button', { name: 'Create company' }).click();
  await page.getByText('Company Initech created.').waitFor();
  await page.getByTestId('company-card').filter({ hasText: 'Initech' }).waitFor();
  expect(sent).toEqual(['POST /v1/tenants']);
});
