/**
 * `npm run bench:maintenance [-- --incidents 20]`: a patch night on the live local stack (DynamoDB Local,
 * the gateway, the stream relay, the bus, the sla and remediate functions, the local Scheduler), as
 * docs/maintenance.md promises it:
 * - a maintenance window for Globex is planned through the API, ending on a whole minute (Scheduler's
 *   precision) about a minute ahead;
 * - `--incidents` critical alerts, each on a host of its own, arrive through the webhook inside it;
 * - during the window: how many incidents were held, and how many emails, approvals, assignments, SLA
 *   deadlines and breaches they caused (all must be 0);
 * - after its end: for each incident, the time from the window's end to its assignment and to the
 *   assignee's email (p50, p95, max; the bound is a minute), and whether its response deadline
 *   counts from the end.
 * Prints the figures as JSON; exits 1 when an incident paged anyone during the window, or was not
 * routed and notified within a minute of its end.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listIncidents } from '../../lib/store/incidents';
import { putTechnicianProfile } from '../../lib/store/oncall';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { seedDemo } from '../../local/seed';
import { startLocalStack } from '../../local/stack';
import { percentile, round } from './ops-counter';

const { values } = parseArgs({ options: { incidents: { type: 'string', default: '20' } } });
const count = Number(values.incidents);
if (!Number.isInteger(count) || count < 1 || count > 200) {
  console.error('--incidents takes a whole number from 1 to 200');
  process.exit(2);
}

const TENANT = 'globex';
const MINUTE = 60_000;
const progress = (line: string) => console.error(`[bench:maintenance] ${line}`);

const dynamoLocal = await startDynamoDbLocal();
const stack = await startLocalStack({ port: 0, dataDir: null, dynamoEndpoint: dynamoLocal.endpoint, log: () => undefined });
let failed = false;
try {
  const demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-maintenance-')));
  // Globex's one technician takes every incident of the run (the default cap is 5 open incidents).
  const technician = demo.users.find((user) => user.email === 'tech.gale@msp.example')!;
  await putTechnicianProfile(
    stack.table,
    `usr_${technician.email.replace(/[^a-z0-9]+/gi, '_')}`,
    { maxOpenIncidents: 1000, active: true },
    { updatedBy: 'bench', now: new Date() },
  );
  const admin = demo.users.find((user) => user.email === 'admin@msp.example')!;
  const login = await fetch(`${stack.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { approvals?: unknown[] } & Record<string, unknown> };
  };

  const endsAt = Math.ceil((Date.now() + 50_000) / MINUTE) * MINUTE;
  const window = await api('POST', `/v1/maintenance-windows?tenant=${TENANT}`, {
    name: 'Bench patch night',
    startsAt: new Date(Date.now() - MINUTE).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
  });
  if (window.status !== 201) throw new Error(`The window was refused: ${window.status} ${JSON.stringify(window.body)}`);
  progress(`window until ${new Date(endsAt).toISOString()}; sending ${count} critical alerts`);

  const apiKey = demo.tenants.find((tenant) => tenant.id === TENANT)!.apiKey;
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${stack.apiUrl}/v1/webhooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({
        severity: 'critical',
        tool_source: 'bench',
        asset_name: `till-${index}`,
        signature: 'TillOffline',
        message: 'till not reachable',
      }),
    });
    if (response.status !== 202) throw new Error(`The webhook refused an alert: ${response.status}`);
  }
  const incidents = async () =>
    (await listIncidents(stack.table, TENANT, { limit: 1000 })).filter((incident) => incident.signatures.includes('TillOffline'));
  while ((await incidents()).filter((incident) => incident.sla && incident.maintenance).length < count) {
    if (Date.now() > endsAt - 5_000) break;
    await stack.idle();
  }
  await stack.idle();

  const before = await incidents();
  const mailBefore = (await stack.ses.sentMail()).filter((mail) => !/Maintenance/.test(mail.subject));
  const approvalsBefore = (await api('GET', `/v1/approvals?tenant=${TENANT}`)).body.approvals?.length ?? 0;
  const during = {
    incidents: before.length,
    held: before.filter((incident) => incident.maintenance && !incident.maintenance.liftedAt).length,
    emails: mailBefore.length,
    approvals: approvalsBefore,
    assigned: before.filter((incident) => incident.assignee).length,
    decided: before.filter((incident) => incident.decision).length,
    deadlines: before.filter((incident) => incident.sla?.responseDueAt).length,
    breaches: before.filter((incident) => Object.keys(incident.sla?.breachedAt ?? {}).length > 0).length,
    msBeforeTheEnd: endsAt - Date.now(),
  };
  progress(`during the window: ${JSON.stringify(during)}; waiting for its end`);

  const deadline = endsAt + 90_000;
  const routedAt = new Map<string, number>();
  while (Date.now() < deadline && routedAt.size < count) {
    for (const incident of await incidents()) {
      if (incident.assignee && !routedAt.has(incident.id)) routedAt.set(incident.id, Date.now());
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stack.idle();
  const after = await incidents();
  const mail = await stack.ses.sentMail();
  const assignmentMail = mail.filter((message) => /assigned/i.test(message.subject) && Date.parse(message.at) >= endsAt - 1_000);
  const routedMs = [...routedAt.values()].map((at) => at - endsAt).sort((a, b) => a - b);
  const mailMs = assignmentMail.map((message) => Date.parse(message.at) - endsAt).sort((a, b) => a - b);
  const responseFromEnd = after.filter((incident) => {
    const due = Date.parse(incident.sla?.responseDueAt ?? '');
    return due - endsAt >= 30 * MINUTE && due - endsAt < 31 * MINUTE;
  }).length;
  const summary = (values: number[]) => ({
    count: values.length,
    p50Ms: round(percentile(values, 50), 0),
    p95Ms: round(percentile(values, 95), 0),
    maxMs: values.length ? (values.at(-1) as number) : null,
  });
  const result = {
    incidents: count,
    during,
    afterTheEnd: {
      released: after.filter((incident) => incident.maintenance?.liftedAt).length,
      routed: summary(routedMs),
      // Routing is polled every 200 ms and email timestamps are whole seconds: both are upper bounds within that.
      assignmentEmails: summary(mailMs),
      responseDeadlineCountedFromTheEnd: responseFromEnd,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  const problems = [
    ...(during.held !== count ? [`${count - during.held} incidents were not held`] : []),
    ...(during.emails + during.approvals + during.assigned + during.deadlines + during.breaches > 0
      ? ['someone was paged during the window']
      : []),
    ...(routedMs.length < count || (routedMs.at(-1) ?? Infinity) > MINUTE
      ? ['not every incident was routed within a minute of the end']
      : []),
    ...(mailMs.length < count || (mailMs.at(-1) ?? Infinity) > MINUTE ? ['not every assignee was emailed within a minute of the end'] : []),
    ...(responseFromEnd < count ? ['a response deadline did not count from the end'] : []),
  ];
  if (problems.length) {
    failed = true;
    console.error(`FAILED: ${problems.join('; ')}`);
  }
} finally {
  await stack.stop();
  await dynamoLocal.stop();
}
process.exit(failed ? 1 : 0);
