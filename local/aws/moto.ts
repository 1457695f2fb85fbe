/**
 * Launches moto's standalone server (https://docs.getmoto.org), the local stand-in for STS and SSM
 * behind the runbook step (lib/remediation/ssm-runner.ts): point the SDK at it with
 * `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL_SSM` set to `endpoint`, any credentials, any region.
 *
 * What moto 5.2.1 does with the calls the runbook step makes (read from moto/sts and moto/ssm, and
 * checked by test/integration/ssm-runner-moto.test.ts):
 *
 * - STS AssumeRole: the role need not exist, no trust policy or ExternalId is checked (it is accepted
 *   and ignored, so it can never answer AccessDenied), RoleSessionName must be at most 64 characters.
 *   It returns real-looking temporary credentials (`ASIA...`) expiring after DurationSeconds, and moto
 *   maps them to the role ARN's account: SSM calls made with them land in that account's backend, so
 *   a command sent through the client's role is invisible to the caller's own account, as on AWS.
 * - SSM SendCommand: neither the instances nor the document are checked (any InstanceIds, any
 *   DocumentName; Parameters are stored as given), nothing runs. The command is born finished: Status
 *   `Success`, StatusDetails `Details placeholder`, CompletedCount = number of instances. No
 *   instance registration is needed (there is also no SSM API to register an EC2 instance, and moto
 *   offers no call to script another status or any output). Caveat: the command's targets are resolved
 *   with an EC2 filter built from `Targets`; with no Targets the filter is empty and matches EVERY EC2
 *   instance of that account and region, so EC2 instances created in moto (RunInstances over its Query
 *   API) would silently join every command. Leave EC2 alone in the client accounts.
 * - SSM GetCommandInvocation: for an instance of the command, always Status `Success`, StatusDetails
 *   `Success`, ResponseCode 0, PluginName `aws:runShellScript` (for PowerShell too), empty
 *   StandardOutputContent and StandardErrorContent. For an instance not in the command it answers
 *   `InvocationDoesNotExist`; for an unknown command id, `InvalidCommandId`. There is never a Pending or
 *   InProgress phase, so the poll loop ends on its first poll.
 *
 * So moto proves the wiring (endpoints, signing, cross-account credentials, request shapes, command id
 * round-trip); failure statuses, output and truncation are covered by the unit tests with
 * aws-sdk-client-mock. `POST <endpoint>/moto-api/reset` (`reset()`) empties every backend.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_SSM. */
  endpoint: string;
  port: number;
  /** Empties every moto backend (all accounts, all services). */
  reset(): Promise<void>;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface MotoServerOptions {
  /** Receives moto's output, only when it fails to start or dies while running. */
  log?: (line: string) => void;
  /** How long to wait for the first HTTP answer (default 20 s). */
  startTimeoutMs?: number;
  /** Python interpreter (default `python3`). */
  python?: string;
}

export class MissingMotoError extends Error {
  constructor(reason: string) {
    super(
      `${reason}\nThe local SSM/STS emulator is moto's server: install Python 3 and run \`python3 -m pip install 'moto[server]'\`, then try again.`,
    );
    this.name = 'MissingMotoError';
  }
}

/** Fails early with a clear message when python3, moto or its server extras are missing. */
export function checkMoto(python = 'python3'): void {
  const result = spawnSync(python, ['-c', 'import moto, moto.server'], { encoding: 'utf8' });
  if (result.error) throw new MissingMotoError(`\`${python}\` was not found on PATH.`);
  if (result.status !== 0) {
    throw new MissingMotoError(
      `\`${python} -c "import moto, moto.server"\` failed:\n${result.stderr.trim().split('\n').slice(-3).join('\n')}`,
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** The last this-many characters of moto's output are kept for a failure report (it logs every request). */
const OUTPUT_KEPT = 20_000;

const EXIT_WITH_PARENT = [
  'import os, sys, threading',
  'threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()',
  'from moto.server import main',
  'main(sys.argv[1:])',
].join('\n');

/** Starts moto's server (as `python3 -m moto.server` would) on a free loopback port and resolves once it answers HTTP. */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const python = options.python ?? 'python3';
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  checkMoto(python);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's own main, plus a thread that exits when stdin closes: when this process dies, even by
  // SIGKILL (which runs no exit hook), the pipe closes and moto goes with it instead of lingering.
  const child = spawn(python, ['-c', EXIT_WITH_PARENT, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => log(`moto server: ${error.message}`));
  child.once('exit', (code, signal) => {
    if (!stopping) log(`moto server exited unexpectedly (code ${code}, signal ${signal}):\n${output}`);
  });
  // Never leave moto behind when this process ends without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // The exit listener has logged its output.
      process.removeListener('exit', killOnExit);
      throw new Error(`moto server exited before answering on ${endpoint} (code ${child.exitCode}; its output is logged above)`);
    }
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      break; // any HTTP answer will do
    } catch {
      if (Date.now() > deadline) {
        const seen = output;
        await stop();
        log(seen);
        throw new Error(`moto server did not answer on ${endpoint} within ${timeoutMs / 1000} s (output above)`);
      }
      await sleep(100);
    }
  }
  return {
    endpoint,
    port,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    stop,
  };
}
