import { join } from 'node:path';
import { build } from 'vite';

const FRONTEND_DIR = join(import.meta.dirname, '..', 'frontend');
export const DASHBOARD_DIST = join(FRONTEND_DIR, 'dist');

/**
 * Builds the dashboard into frontend/dist (a second or two): `npm start`, `cdk synth` and the browser
 * tests each build before they serve or upload it, so none of them can ship a stale bundle.
 */
export async function buildDashboard(): Promise<string> {
  // Always production React, whatever NODE_ENV the caller has: Vite follows NODE_ENV, and `test` or
  // `development` would ship React's development build (twice the size, StrictMode's double effects).
  const callersNodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(FRONTEND_DIR, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    if (callersNodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = callersNodeEnv;
  }
  return DASHBOARD_DIST;
}

if (process.argv[1] === import.meta.filename) {
  await buildDashboard();
  console.log(`dashboard built in ${DASHBOARD_DIST}`);
}
