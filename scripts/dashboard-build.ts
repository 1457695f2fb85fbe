import { join } from 'node:path';
import { build } from 'vite';

const FRONTEND_DIR = join(import.meta.dirname, '..', 'frontend');
export const DASHBOARD_DIST = join(FRONTEND_DIR, 'dist');

/**
 * Builds the dashboard into frontend/dist (a second or two): `npm start`, `cdk synth` and the browser
 * tests each build before they serve or upload it, so none of them can ship a stale bundle.
 */
export async function buildDashboard(): Promise<string> {
  await build({ configFile: join(FRONTEND_DIR, 'vite.config.ts'), logLevel: 'warn' });
  return DASHBOARD_DIST;
}

if (process.argv[1] === import.meta.filename) {
  await buildDashboard();
  console.log(`dashboard built in ${DASHBOARD_DIST}`);
}
