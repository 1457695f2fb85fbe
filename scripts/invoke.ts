/**
 * `npm run invoke -- <function> <events/file.json>`: runs one handler with a sample event against the
 * local table and prints its result, like `sam local invoke`. With `npm start` running it uses that
 * stack's table, queue and bus; otherwise it starts DynamoDB Local on the same `.local/` data itself
 * (without the queue consumer, so only the named handler runs).
 *
 * In event files, `$AW_DEMO_API_KEY` stands for the first demo tenant's API key from .local/demo.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FUNCTIONS, type FunctionName } from '../functions/catalog';
import { LocalLambdas } from '../local/lambda-runtime';
import { localDataDir, ROOT_DIR, RUNTIME_FILE, startLocalStack, type LocalStack } from '../local/stack';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const [name, eventFile] = process.argv.slice(2);
const names = Object.keys(FUNCTIONS);
if (!name || !eventFile) fail(`Usage: npm run invoke -- <function> <event.json>\nFunctions: ${names.join(', ')}`);
if (!names.includes(name)) fail(`Unknown function '${name}'. Functions: ${names.join(', ')}`);
const eventPath = resolve(process.cwd(), eventFile);
if (!existsSync(eventPath)) fail(`No such event file: ${eventFile}`);

const dataDir = localDataDir();
let text = readFileSync(eventPath, 'utf8');
if (text.includes('$AW_DEMO_API_KEY')) {
  const demoFile = join(dataDir, 'demo.json');
  if (!existsSync(demoFile)) fail('This event uses $AW_DEMO_API_KEY: run `npm start` once so .local/demo.json exists.');
  const demo = JSON.parse(readFileSync(demoFile, 'utf8')) as { tenants: Array<{ apiKey: string }> };
  text = text.replaceAll('$AW_DEMO_API_KEY', demo.tenants[0]!.apiKey);
}
let event: unknown;
try {
  event = JSON.parse(text);
} catch (error) {
  fail(`${eventFile} is not valid JSON: ${(error as Error).message}`);
}

function runningStackEnvironment(): Record<string, string> | undefined {
  const file = join(dataDir, RUNTIME_FILE);
  if (!existsSync(file)) return undefined;
  const runtime = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; environment: Record<string, string> };
  try {
    process.kill(runtime.pid, 0);
    return runtime.environment;
  } catch {
    return undefined; // left behind by a stack that is gone
  }
}

let stack: LocalStack | undefined;
let lambdas: LocalLambdas;
const running = runningStackEnvironment();
if (running) {
  Object.assign(process.env, running);
  lambdas = new LocalLambdas(ROOT_DIR);
  console.error(`Using the running local stack (${running.WS_MANAGEMENT_ENDPOINT}).`);
} else {
  console.error('No local stack running: starting DynamoDB Local on the local data...');
  stack = await startLocalStack({ port: 0, dataDir, consumers: false, log: (line) => console.error(line) });
  lambdas = stack.lambdas;
}

let exitCode = 0;
const started = performance.now();
try {
  const result = await lambdas.invoke(name as FunctionName, event);
  console.error(`${name} finished in ${Math.round(performance.now() - started)} ms`);
  console.log(JSON.stringify(result ?? null, null, 2));
} catch (error) {
  console.error(`${name} failed:`, error);
  exitCode = 1;
} finally {
  await stack?.idle();
  await stack?.stop();
}
process.exit(exitCode);
