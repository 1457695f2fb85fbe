import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/dynamodb';

/** The fields of an incident (GET /v1/incidents) this test reads. */
interface Incident {
  signatures: string[];
  sla?: { responseDueAt?: string };
  decision?: { action: string };
}

/**
 * `npm start` as a user runs it: when its Node process crashes (SIGKILL) right after alerts were
 * accepted, none is lost: accepted alerts are in DynamoDB, and the next start stops the orphaned
 * DynamoDB Local gracefully (so it writes out everything it acknowledged), goes on reading the table's
 * stream from its checkpoint (new alerts to the journaled local queue, committed events to the bus)
 * and correlates what is left on the queue, so every incident gets its SLA clocks and a remediation
 * decision. SIGTERM stops every child process.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'aw-crash-'));
let port: number;
const started: ChildProcess[] = [];

afterAll(() => {
  // Whatever a failed assertion left running: the whole group (DynamoDB Local included).
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function start(): ChildProcess {
  // node itself (not npx), so the pid is the process that handles SIGTERM.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    // The demo's month of history is test/integration/demo-history.test.ts's: here only the crash counts.
    env: { ...process.env, AW_LOCAL_DIR: dataDir, AW_PORT: String(port), AW_DEMO_HISTORY: 'off' },
    detached: true, // its own process group, so a failed test can still clean up the whole tree
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  started.push(child);
  return child;
}

async function waitForHealth(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok && existsSync(join(dataDir, 'demo.json'))) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('local stack did not come up');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process group ${pid} still alive`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('alerts accepted just before a crash are all correlated, with SLA clocks and a decision, after the next start; SIGTERM stops every child', async () => {
  port = await freePort();
  const first = start();
  await waitForHealth();
  const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'));
  const apiKey = demo.tenants[0].apiKey as string;

  const signatures = Array.from({ length: 30 }, (_, index) => `Synthetic${index}`);
  const statuses = await Promise.all(
    signatures.map(async (signature) => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        // Uncategorised signatures on one host: 30 separate incidents, each findable by its signature.
        body: JSON.stringify({ asset_name: 'app-prod-02', signature, severity: 'medium', message: 'crash test', tool_source: 'test' }),
      });
      return response.status;
    }),
  );
  expect(statuses.every((status) => status === 202)).toBe(true);
  process.kill(first.pid!, 'SIGKILL'); // the Node process only: its DynamoDB Local child is orphaned
  await new Promise((resolve) => first.once('exit', resolve));

  const second = start();
  await waitForHealth();
  const loginResponse = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: demo.admin.email, password: demo.admin.password }),
  });
  const { accessToken } = (await loginResponse.json()) as { accessToken: string };
  const deadline = Date.now() + 30_000;
  let missing = signatures;
  /** What each posted alert's incident still lacks once it has one: its SLA clocks, its remediation decision. */
  let incomplete: string[] = [];
  while ((missing.length || incomplete.length) && Date.now() < deadline) {
    const response = await fetch(`http://127.0.0.1:${port}/v1/incidents?tenant=acme&limit=200`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const { incidents } = (await response.json()) as { incidents: Incident[] };
    missing = signatures.filter((signature) => !incidents.some((incident) => incident.signatures.includes(signature)));
    incomplete = signatures.flatMap((signature) => {
      const incident = incidents.find((candidate) => candidate.signatures.includes(signature));
      if (!incident) return [];
      return [...(incident.sla ? [] : [`${signature}: no SLA clocks`]), ...(incident.decision ? [] : [`${signature}: no decision`])];
    });
    if (missing.length || incomplete.length) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(missing).toEqual([]);
  // The events of every incident opened before or after the crash were handed on: each got its SLA clocks and a decision.
  expect(incomplete).toEqual([]);
  // Nothing of the table's stream was given up on across the crash.
  expect(existsSync(join(dataDir, 'stream-dead-letters.jsonl'))).toBe(false);

  process.kill(second.pid!, 'SIGTERM');
  await waitUntilGone(second.pid!);
  expect(groupAlive(second.pid!)).toBe(false);
}, 180_000);
