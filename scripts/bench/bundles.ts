/**
 * `npm run bench:bundles [-- --runs 5 --analyze]`: synthesizes the stack into a temporary cloud assembly
 * (the very NodejsFunction bundling `cdk synth` does, with the local esbuild), then prints, for every
 * catalog function, its bundle size (index.mjs, and the source map apart: Lambda loads the map only with
 * --enable-source-maps) and a local cold-start figure: the time a fresh `node` process takes to import
 * the bundle (module evaluation: SDK clients, zod schemas, readEnv), median of N runs, with the
 * function's own NODE_OPTIONS from the template and dummy values for the variables its schema validates.
 * `--analyze` adds the largest packages in each bundle (from esbuild's metafile).
 *
 * Budget (the aim): index.mjs under 1 MB (10^6 bytes) and a median import under 300 ms. Lambda's
 * own init adds runtime start-up and the zip download on top of the import, and grows with code size, so
 * a bundle near 1 MB already costs ~100+ ms; 300 ms of import on this machine leaves init on arm64
 * Lambda comfortably under a second. Override with BENCH_MAX_BYTES / BENCH_MAX_IMPORT_MS.
 * Exits 1, naming each function and figure over budget.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { parseConfig } from '../../infra/config';
import type { Environments } from '../../infra/constructs/functions';
import { AlertWhispererStack } from '../../infra/stack';

const MAX_BYTES = Number(process.env.BENCH_MAX_BYTES ?? 1_000_000);
const MAX_IMPORT_MS = Number(process.env.BENCH_MAX_IMPORT_MS ?? 300);

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, analyze: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs takes a positive whole number');
  process.exit(2);
}

/** Dummy values that pass each schema in lib/config/env.ts (typed: a new required variable fails tsc here). */
const DUMMY_ENV: Environments = {
  api: { TABLE_NAME: 'x', AW_STAGE: 'dev', STATE_MACHINE_ARN: 'x', AUTH_KEYS_FILE: '/nonexistent' },
  adminApi: { TABLE_NAME: 'x', AW_STAGE: 'dev', AUTH_KEYS_FILE: '/nonexistent' },
  ingest: { TABLE_NAME: 'x', AW_STAGE: 'dev', AW_SNS_VERIFY: 'on' },
  correlate: { TABLE_NAME: 'x', AW_STAGE: 'dev' },
  settle: { TABLE_NAME: 'x', AW_STAGE: 'dev' },
  remediation: { TABLE_NAME: 'x', AW_STAGE: 'dev', STATE_MACHINE_ARN: 'x', BEDROCK_MODEL_ID: 'x' },
  automation: { TABLE_NAME: 'x', AW_STAGE: 'dev' },
  sla: {
    TABLE_NAME: 'x',
    AW_STAGE: 'dev',
    SLA_SCHEDULE_GROUP: 'x',
    SLA_SCHEDULER_ROLE_ARN: 'x',
    SLA_TIMER_DLQ_ARN: 'x',
    SES_SENDER: 'alerts@example.com',
    DASHBOARD_URL: 'https://dashboard.example.com',
    ACTION_LINK_BASE_URL: 'https://api.example.com',
    AUTH_KEYS_FILE: '/nonexistent',
  },
  realtime: { TABLE_NAME: 'x', AW_STAGE: 'dev', WS_MANAGEMENT_ENDPOINT: 'https://x.execute-api.us-east-1.amazonaws.com/prod' },
  realtimeConnect: { TABLE_NAME: 'x', AW_STAGE: 'dev', AUTH_KEYS_FILE: '/nonexistent' },
  relay: { TABLE_NAME: 'x', AW_STAGE: 'dev', EVENT_BUS_NAME: 'x', ALERT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q' },
  repair: { TABLE_NAME: 'x', AW_STAGE: 'dev' },
  respond: { TABLE_NAME: 'x', AW_STAGE: 'dev', AUTH_KEYS_FILE: '/nonexistent' },
  reports: { TABLE_NAME: 'x', AW_STAGE: 'dev', AUTH_KEYS_FILE: '/nonexistent', REPORT_SCHEDULE_GROUP: 'x', REPORT_SCHEDULER_ROLE_ARN: 'x' },
};

interface TemplateFunction {
  Type: string;
  Properties: { Description?: string; Code: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } };
}

interface Result {
  function: FunctionName;
  bundleBytes: number;
  sourceMapBytes: number;
  importMsMedian: number;
  importMsMedianWithoutSourceMaps: number;
  topPackages?: { name: string; bytes: number }[];
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One fresh process: milliseconds from just before `import()` to its resolution. */
function importOnce(file: string, env: Record<string, string>): number {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t0));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`Importing ${file} failed:\n${child.stderr}`);
  return Number(child.stdout);
}

function importMedian(file: string, env: Record<string, string>): number {
  importOnce(file, env); // warm-up: the file into the page cache, as Lambda's disk would have it
  return median(Array.from({ length: runs }, () => importOnce(file, env)));
}

/** Bytes each package contributes to the output, from esbuild's metafile. */
function topPackages(metafilePath: string, count = 8): { name: string; bytes: number }[] {
  const meta = JSON.parse(readFileSync(metafilePath, 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const byPackage = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const afterModules = input.split('node_modules/').pop()!;
      const parts = afterModules.split('/');
      const name = input.includes('node_modules/') ? (parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!) : `${parts[0]}/`;
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

const outdir = mkdtempSync(join(tmpdir(), 'aw-bundles-'));
try {
  console.error(`Synthesizing into ${outdir} (bundling ${Object.keys(FUNCTIONS).length} functions with esbuild)...`);
  const app = new App({ outdir, context: { bundleMetafile: true } });
  const stack = new AlertWhispererStack(app, 'Bench', { config: parseConfig({ stage: 'dev' }) });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, TemplateFunction> };
  const lambdas = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');

  const results: Result[] = [];
  for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
    const resource = lambdas.find((candidate) => candidate.Properties.Description === spec.description);
    const assetHash = resource?.Properties.Code.S3Key?.replace(/\.zip$/, '');
    const dir = join(outdir, `asset.${assetHash}`);
    const bundle = join(dir, 'index.mjs');
    if (!assetHash || !existsSync(bundle)) throw new Error(`No bundle found for ${name} (looked in ${dir})`);

    const deployed = Object.fromEntries(
      Object.entries(resource!.Properties.Environment?.Variables ?? {}).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...DUMMY_ENV[spec.env], ...deployed };
    const withoutMaps = { ...env, NODE_OPTIONS: '' };
    console.error(`  ${name}: importing ${runs + 1}x with NODE_OPTIONS='${env.NODE_OPTIONS ?? ''}' and ${runs + 1}x without...`);
    const result: Result = {
      function: name,
      bundleBytes: statSync(bundle).size,
      sourceMapBytes: existsSync(`${bundle}.map`) ? statSync(`${bundle}.map`).size : 0,
      importMsMedian: Math.round(importMedian(bundle, env) * 10) / 10,
      importMsMedianWithoutSourceMaps: Math.round(importMedian(bundle, withoutMaps) * 10) / 10,
    };
    if (values.analyze && existsSync(join(dir, 'index.meta.json'))) result.topPackages = topPackages(join(dir, 'index.meta.json'));
    results.push(result);
  }

  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
  console.log();
  console.log(
    [
      'function'.padEnd(18),
      'index.mjs'.padStart(11),
      'source map'.padStart(11),
      'import p50'.padStart(11),
      'no maps p50'.padStart(12),
    ].join(' '),
  );
  for (const r of results) {
    console.log(
      [
        r.function.padEnd(18),
        kb(r.bundleBytes).padStart(11),
        kb(r.sourceMapBytes).padStart(11),
        `${r.importMsMedian} ms`.padStart(11),
        `${r.importMsMedianWithoutSourceMaps} ms`.padStart(12),
      ].join(' '),
    );
    for (const p of r.topPackages ?? []) console.log(`${''.padEnd(22)}${kb(p.bytes).padStart(10)}  ${p.name}`);
  }
  console.log(`(import p50: median of ${runs} fresh \`node\` processes, ${process.version}, with the function's NODE_OPTIONS)`);

  const over: string[] = [];
  for (const r of results) {
    if (r.bundleBytes >= MAX_BYTES) over.push(`${r.function}: index.mjs is ${r.bundleBytes} bytes, budget ${MAX_BYTES}`);
    if (r.importMsMedian >= MAX_IMPORT_MS) over.push(`${r.function}: import median is ${r.importMsMedian} ms, budget ${MAX_IMPORT_MS} ms`);
  }
  console.log(
    JSON.stringify({ node: process.version, runs, budget: { maxBytes: MAX_BYTES, maxImportMs: MAX_IMPORT_MS }, results, over }, null, 2),
  );
  for (const line of over) console.error(`OVER BUDGET ${line}`);
  if (over.length) process.exitCode = 1;
  else console.error(`All ${results.length} functions within budget (< ${MAX_BYTES} bytes, < ${MAX_IMPORT_MS} ms).`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
