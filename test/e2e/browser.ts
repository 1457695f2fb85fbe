import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where the browser tests leave a screenshot of every page (CI keeps the folder as an artifact). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/**
 * Debian's Chromium, headless. Without the background-networking flags Chromium keeps dialling Google's
 * services, which this machine's closed network refuses; --no-sandbox because CI runs as root.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page that records every console error or warning and uncaught exception, for a test to assert none. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

export async function openPage(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  if (process.env.AW_E2E_DEBUG) {
    page.on('console', (message) => console.error(`[browser ${message.type()}] ${message.text()}`));
    page.on('response', (response) =>
      console.error(`[browser http] ${response.status()} ${response.request().method()} ${response.url()}`),
    );
    page.on('websocket', (socket) => {
      console.error(`[browser ws] open ${socket.url().replace(/token=[^&]+/, 'token=…')}`);
      socket.on('close', () => console.error('[browser ws] closed'));
    });
  }
  return { page, context, problems };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The whole page by default; `fullPage: false` keeps what the first screen shows. Returns the file's path. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let spinners settle: no request in flight for a moment.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Closes the pages a test opened and returns what they logged or threw (a test expects none). */
export async function closePages(opened: WatchedPage[]): Promise<string[]> {
  const problems = opened.flatMap((watched) => watched.problems);
  await Promise.all(opened.map((watched) => watched.context.close()));
  opened.length = 0;
  return problems;
}
