/**
 * `npm run bench:reports [-- --tenant acme --period 2026-11 --runs 5]`: the client reports on the demo, as
 * `npm start` writes it (the demo companies, their calendars, the history back to the first of last month),
 * on the live local stack:
 * - last month's report of a demo company as JSON, HTML and PDF, each asked for `--runs` times: the time
 *   each takes (p50, max in ms) and the PDF's size and pages;
 * - `GET /v1/kpis` for the same instants and time zone, and the report's figures beside it: the JSON's
 *   totals must equal it field by field, and the PDF must show the same headline values (read back from
 *   its pages), else it exits 1.
 * Progress on stderr, the figures as JSON on stdout.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDocumentClient } from '../../lib/aws/clients';
import type { KpiRow } from '../../lib/domain/kpi';
import { kpiLines } from '../../lib/domain/report/format';
import { generateDemoHistory } from '../../local/demo-history';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../local/dynamodb';
import { seedDemo, seedDemoOnCall } from '../../local/seed';
import { startLocalStack } from '../../local/stack';
import { pdfText } from '../../test/helpers/pdf-text';
import { percentile, round } from './ops-counter';

const lastMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};
const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'acme' },
    period: { type: 'string', default: lastMonth() },
    runs: { type: 'string', default: '5' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  console.error('--runs takes a whole number from 1 to 50');
  process.exit(2);
}
const progress = (line: string) => console.error(`[bench:reports] ${line}`);
const TABLE = 'aw-bench-reports';

const dynamo = await startDynamoDbLocal();
let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
let failed = false;
try {
  await ensureTable(dynamo.endpoint, TABLE);
  const table = {
    db: createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    tableName: TABLE,
  };
  const demo = await seedDemo(table, mkdtempSync(join(tmpdir(), 'aw-reports-')));
  await seedDemoOnCall(table);
  table.db.destroy();
  progress('writing the demo history (as a fresh npm start does)...');
  const history = await generateDemoHistory({ endpoint: dynamo.endpoint, tableName: TABLE, log: progress });
  stack = await startLocalStack({ port: 0, dataDir: null, dynamoEndpoint: dynamo.endpoint, tableName: TABLE, log: () => undefined });

  const admin = demo.users.find((user) => user.role === 'msp_admin')!;
  const login = await fetch(`${stack.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const get = async (path: string) => {
    const started = performance.now();
    const response = await fetch(`${stack!.apiUrl}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
    return { ms: performance.now() - started, body, type: response.headers.get('content-type') ?? '' };
  };
  const timed = async (format: string) => {
    const samples: number[] = [];
    let last: Awaited<ReturnType<typeof get>> | undefined;
    for (let run = 0; run < runs; run++) {
      last = await get(`/v1/reports?tenant=${values.tenant}&period=${values.period}&format=${format}`);
      samples.push(last.ms);
    }
    const sorted = samples.sort((a, b) => a - b);
    return { last: last!, p50: round(percentile(sorted, 50)), max: round(sorted.at(-1) ?? 0) };
  };

  progress(`${values.tenant}'s report of ${values.period}, ${runs} times each as JSON, HTML and PDF...`);
  const json = await timed('json');
  const html = await timed('html');
  const pdf = await timed('pdf');
  const report = JSON.parse(Buffer.from(json.last.body).toString('utf8')) as {
    period: { from: string; to: string; timeZone: string; label: string };
    totals: Record<string, unknown> & { incidents: number; firingEpisodes: number; noiseReductionPct: number | null };
    breaches: unknown[];
  };
  const kpiPath =
    `/v1/kpis?tenant=${values.tenant}&from=${encodeURIComponent(report.period.from)}` +
    `&to=${encodeURIComponent(report.period.to)}&timeZone=${encodeURIComponent(report.period.timeZone)}`;
  const kpis = JSON.parse(Buffer.from((await get(kpiPath)).body).toString('utf8')) as { totals: Record<string, unknown> };
  const totalsEqual = JSON.stringify(report.totals) === JSON.stringify(kpis.totals);

  const text = pdfText(pdf.last.body);
  const pages = (
    Buffer.from(pdf.last.body)
      .toString('latin1')
      .match(/\/Type\s*\/Page[^s]/g) ?? []
  ).length;
  const t = kpis.totals as unknown as KpiRow;
  // The KPI table's rows as the report's own formatter writes them from GET /v1/kpis's totals: each label
  // must be followed by its value among the PDF's strings (cells are drawn row by row, label then value).
  const expected = kpiLines(t);
  const shownLines = text.split('\n');
  const missingInPdf = expected
    .filter(([label, value]) => !shownLines.some((line, index) => line === label && shownLines[index + 1] === value))
    .map(([label, value]) => `${label}: ${value}`);

  const result = {
    tenant: values.tenant,
    period: report.period,
    history: { days: history.days, alerts: history.alerts, incidents: history.incidents },
    kpis: {
      incidents: t.incidents,
      alerts: t.alerts,
      firingEpisodes: t.firingEpisodes,
      noiseReductionPct: t.noiseReductionPct,
      mttaMinutes: t.mttaMinutes,
      mttrMinutes: t.mttrMinutes,
      selfHealedPct: t.selfHealedPct,
      slaResponse: t.slaResponse,
      slaResolution: t.slaResolution,
    },
    reportTotalsEqualKpis: totalsEqual,
    breachesListed: report.breaches.length,
    pdf: {
      bytes: pdf.last.body.length,
      pages,
      contentType: pdf.last.type,
      kpiTable: Object.fromEntries(expected),
      missing: missingInPdf,
    },
    ms: {
      json: { p50: json.p50, max: json.max },
      html: { p50: html.p50, max: html.max },
      pdf: { p50: pdf.p50, max: pdf.max },
    },
    htmlBytes: html.last.body.length,
  };
  console.log(JSON.stringify(result, null, 2));
  if (!totalsEqual) {
    failed = true;
    console.error('The report totals differ from GET /v1/kpis for the same period.');
  }
  if (missingInPdf.length) {
    failed = true;
    console.error(`The PDF does not show: ${missingInPdf.join(', ')}`);
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await stack?.stop();
  await dynamo.stop();
}
process.exit(failed ? 1 : 0);
