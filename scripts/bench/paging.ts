/**
 * `npm run bench:paging [-- --incidents 10]`: paging and acting from the page on the live local stack
 * (DynamoDB Local, the gateway, the stream relay, the bus, the remediate, sla and respond functions, the
 * local End User Messaging), as docs/sla-notifications.md describes it:
 * - Globex's technicians verify their numbers through the API (the code read from the recorded SMS);
 * - `--incidents` critical alerts arrive through the webhook one after the other, each on a host of its own;
 * - for each: the time from the webhook's answer to the call and to the SMS with its link on the routed
 *   technician's phone; then the incident is acknowledged, every other one by following the link (POST on
 *   the mobile page) and the rest by replying "ACK" to the SMS, and the time until the API shows it
 *   acknowledged by that technician is measured.
 * Prints the figures as JSON (p50, p95, max in ms); exits 1 when an incident was not paged, or not
 * acknowledged, within 30 s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { putTechnicianProfile } from '../../lib/store/oncall';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { seedDemo } from '../../local/seed';
import { startLocalStack } from '../../local/stack';
import { percentile, round } from './ops-counter';

const { values } = parseArgs({ options: { incidents: { type: 'string', default: '10' } } });
const count = Number(values.incidents);
if (!Number.isInteger(count) || count < 1 || count > 100) {
  console.error('--incidents takes a whole number from 1 to 100');
  process.exit(2);
}

const TENANT = 'globex';
const DEADLINE_MS = 30_000;
const LINK = /(http:\/\/[^\s]+\/a\/[0-9A-Za-z_-]+)/;
const progress = (line: string) => console.error(`[bench:paging] ${line}`);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > DEADLINE_MS) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted.at(-1) ?? 0) };
};

const dynamoLocal = await startDynamoDbLocal();
const stack = await startLocalStack({ port: 0, dataDir: null, dynamoEndpoint: dynamoLocal.endpoint, log: () => undefined });
let failed = false;
try {
  const demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-paging-')));
  const login = async (email: string) => {
    const user = demo.users.find((candidate) => candidate.email === email)!;
    const response = await fetch(`${stack.apiUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: user.password }),
    });
    return ((await response.json()) as { accessToken: string }).accessToken;
  };
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => ({}))) as {
        incidents?: Array<{ id: string; assetRef: string }>;
        incident?: { status: string };
      },
    };
  };

  // Globex's technicians, each with a verified number and room for every incident of the run.
  const technicians = demo.users.filter((user) => user.role === 'technician' && user.tenants.includes(TENANT));
  const numbers = new Map<string, string>();
  for (const [index, technician] of technicians.entries()) {
    const number = `+1555555020${index}`;
    await putTechnicianProfile(
      stack.table,
      `usr_${technician.email.replace(/[^a-z0-9]+/gi, '_')}`,
      { maxOpenIncidents: 1000, active: true },
      { updatedBy: 'bench', now: new Date() },
    );
    const token = await login(technician.email);
    const asked = await api(token, 'PUT', '/v1/me/phone', { number });
    if (asked.status !== 202) throw new Error(`PUT /v1/me/phone: ${asked.status} ${JSON.stringify(asked.body)}`);
    const code = /code is (\d{6})/.exec(
      stack.smsVoice
        .messages()
        .filter((message) => message.to === number)
        .at(-1)?.body ?? '',
    )?.[1];
    const verified = await api(token, 'POST', '/v1/me/phone/verify', { code });
    if (verified.status !== 200) throw new Error(`POST /v1/me/phone/verify: ${verified.status}`);
    numbers.set(technician.email, number);
  }
  progress(`${numbers.size} technicians verified; ${count} critical alerts, one after the other`);

  const admin = await login('admin@msp.example');
  const apiKey = demo.tenants.find((tenant) => tenant.id === TENANT)!.apiKey;
  const call: number[] = [];
  const text: number[] = [];
  const byLink: number[] = [];
  const byReply: number[] = [];
  for (let index = 0; index < count; index++) {
    const host = `bench-host-${index}`;
    const seen = stack.smsVoice.messages().length;
    const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({
        severity: 'critical',
        tool_source: 'bench',
        asset_name: host,
        signature: 'HostDown',
        message: `${host} down`,
      }),
    });
    if (response.status !== 202) throw new Error(`webhook: ${response.status}`);
    const accepted = Date.now();
    const fresh = () => stack.smsVoice.messages().slice(seen);
    const sms = await until(`the SMS of ${host}`, () =>
      fresh().find((message) => message.channel === 'sms' && message.body.includes(host)),
    );
    text.push(Date.parse(sms.at) - accepted);
    const voice = fresh().find((message) => message.channel === 'voice' && message.to === sms.to);
    if (voice) call.push(Date.parse(voice.at) - accepted);
    else failed = true;

    const list = await api(admin, 'GET', `/v1/incidents?tenant=${TENANT}&status=open&limit=200`);
    const incident = list.body.incidents?.find((candidate) => candidate.assetRef === host);
    if (!incident) throw new Error(`no incident for ${host}`);
    const started = Date.now();
    if (index % 2 === 0) {
      const link = LINK.exec(sms.body)![1]!;
      await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=acknowledge' });
    } else {
      await stack.smsVoice.reply(sms.to, 'ACK');
    }
    await until(`${host} acknowledged`, async () => {
      const detail = await api(admin, 'GET', `/v1/incidents/${incident.id}?tenant=${TENANT}`);
      return detail.body.incident?.status === 'acknowledged' ? true : undefined;
    });
    (index % 2 === 0 ? byLink : byReply).push(Date.now() - started);
    progress(`${index + 1}/${count}: paged ${text.at(-1)} ms after the webhook, acknowledged ${Date.now() - started} ms after acting`);
  }
  await stack.idle();
  console.log(
    JSON.stringify(
      {
        incidents: count,
        callAfterWebhookMs: call.length ? summary(call) : null,
        smsAfterWebhookMs: summary(text),
        acknowledgedAfterLinkMs: summary(byLink),
        acknowledgedAfterSmsReplyMs: byReply.length ? summary(byReply) : null,
        calls: call.length,
        texts: text.length,
      },
      null,
      2,
    ),
  );
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await stack.stop();
  await dynamoLocal.stop();
}
process.exit(failed ? 1 : 0);
