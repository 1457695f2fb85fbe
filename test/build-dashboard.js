// Jest global setup (plain JS: the root config has no transform): builds frontend/dist once per run, about
// two seconds. It is the CDK stack's dashboard asset and what the browser tests load. Same build as
// scripts/dashboard-build.ts.
import { join } from 'node:path';
import { build } from 'vite';

export default async function buildDashboardOnce() {
  await build({ configFile: join(import.meta.dirname, '..', 'frontend', 'vite.config.ts'), logLevel: 'warn' });
}
