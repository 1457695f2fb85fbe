/// <reference lib="dom" />
// page.evaluate() callbacks run in the browser: their code sees the DOM, IndexedDB and WebCrypto.
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { postJson, startTestStack } from '../helpers/local-stack';
import { closePages, launchChromium, openPage, signIn, type WatchedPage } from './browser';

/**
 * Where the dashboard keeps its session, in Debian's Chromium against the local stack: the access token in
 * localStorage, the refresh token in IndexedDB beside a private key WebCrypto will not export, and every
 * refresh proved with that key, so a refresh token copied out of the browser is refused (and the session ends).
 */
jest.setTimeout(60_000);

let stack: LocalStack;
let demo: DemoInfo;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  ({ stack, demo } = await startTestStack(`e2e-session-${Date.now()}`));
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  expect(await closePages(opened)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface HeldInBrowser {
  localStorage: string | null;
  refreshToken: string | undefined;
  key: { type: string; extractable: boolean; algorithm: string; usages: string[] } | undefined;
}

/** What the page holds: localStorage's session, and the IndexedDB record (its token and its key's properties). */
function held(page: Page): Promise<HeldInBrowser> {
  return page.evaluate(
    () =>
      new Promise<HeldInBrowser>((resolve, reject) => {
        const opening = indexedDB.open('alert-whisperer', 1);
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
          const read = opening.result.transaction('session', 'readonly').objectStore('session').get('refresh');
          read.onerror = () => reject(read.error);
          read.onsuccess = () => {
            const record = read.result as { refreshToken?: string; privateKey?: CryptoKey } | undefined;
            const key = record?.privateKey;
            resolve({
              localStorage: localStorage.getItem('alert-whisperer.session'),
              refreshToken: record?.refreshToken,
              key: key && { type: key.type, extractable: key.extractable, algorithm: key.algorithm.name, usages: [...key.usages] },
            });
          };
        };
      }),
  );
}

async function signedIn(): Promise<WatchedPage> {
  const watched = await openPage(browser, stack.dashboardUrl);
  opened.push(watched);
  await signIn(watched.page, demo.admin.email, demo.admin.password);
  return watched;
}

test('the refresh token is in IndexedDB beside a key that cannot be exported, never in localStorage', async () => {
  const { page } = await signedIn();
  const state = await held(page);
  expect(state.refreshToken).toEqual(expect.any(String));
  expect(state.key).toEqual({ type: 'private', extractable: false, algorithm: 'ECDSA', usages: ['sign'] });
  expect(state.localStorage).toContain('accessToken');
  expect(state.localStorage).not.toContain(state.refreshToken!);
  expect(state.localStorage).not.toContain('refreshToken');
});

test('an access token the API refuses is renewed with a proof by the key, and sign-out clears both stores', async () => {
  const watched = await signedIn();
  const { page } = watched;
  const before = await held(page);
  // The API refuses this access token: the next request's 401 makes the dashboard refresh.
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem('alert-whisperer.session')!) as { accessToken: string };
    localStorage.setItem('alert-whisperer.session', JSON.stringify({ ...session, accessToken: 'refused.access.token' }));
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.waitForFunction(() => !localStorage.getItem('alert-whisperer.session')?.includes('refused.access.token'));
  const after = await held(page);
  expect(after.refreshToken).toEqual(expect.any(String));
  expect(after.refreshToken).not.toBe(before.refreshToken);
  expect(after.localStorage).not.toContain('refused.access.token');
  // The live updates reconnect with the renewed token.
  await page.goto('/incidents');
  await page.getByText('Live', { exact: true }).waitFor();
  // The browser logs the refused request and WebSocket itself; those are expected here, nothing else.
  const unexpected = watched.problems.filter(
    (problem) => !/status of 401|WebSocket connection to .*refused\.access\.token.* failed/.test(problem),
  );
  watched.problems.length = 0;
  expect(unexpected).toEqual([]);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  expect(await held(page)).toEqual({ localStorage: null, refreshToken: undefined, key: undefined });
  // Signed out on the server too: the token is ended whatever proof comes with it.
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: after.refreshToken })).status).toBe(401);
});

test('a refresh token copied out of the browser is refused without its key, and the session ends', async () => {
  const { page } = await signedIn();
  const { refreshToken } = await held(page);
  const stolen = await postJson(stack, '/v1/auth/refresh', { refreshToken });
  expect(stolen.status).toBe(401);
  expect(stolen.body.error.code).toBe('invalid_proof');
});
