import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `npm run invoke` runs one handler with a sample event from events/ and prints its result. */
test('npm run invoke -- api events/http/health.json prints the handler result', () => {
  const result = spawnSync('npx', ['tsx', 'scripts/invoke.ts', 'api', 'events/http/health.json'], {
    encoding: 'utf8',
    env: { ...process.env, AW_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'aw-invoke-')) },
    timeout: 60_000,
  });
  expect(result.status).toBe(0);
  const printed = JSON.parse(result.stdout);
  expect(printed.statusCode).toBe(200);
  expect(JSON.parse(printed.body)).toMatchObject({ status: 'ok', checks: { table: { ok: true } } });
}, 90_000);

test('npm run invoke refuses an unknown function with the list of functions', () => {
  const result = spawnSync('npx', ['tsx', 'scripts/invoke.ts', 'nope', 'events/http/health.json'], { encoding: 'utf8', timeout: 30_000 });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("Unknown function 'nope'");
  expect(result.stderr).toContain('ingestWebhook');
});
