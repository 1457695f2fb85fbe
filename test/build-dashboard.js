// Jest global setup: builds frontend/dist once per run (a few seconds) with scripts/dashboard-build.ts in
// a process of its own (plain JS here: the root config has no transform to load TypeScript with).
// frontend/dist is the CDK stack's dashboard asset and what the browser tests load.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function buildDashboardOnce() {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'dashboard-build.ts')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
