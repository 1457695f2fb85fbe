import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { stepFunctionsOrchestrator } from '../../lib/aws/step-functions';
import type { ApproverRole } from '../../lib/domain/remediation/decision';
import { libraryRunbook } from '../../lib/remediation/library';
import { startRunbookExecution, type RemediationDeps } from '../../lib/remediation/service';
import { getAsset, InventoryCache } from '../../lib/store/assets';
import { PolicyCache } from '../../lib/store/correlation-policy';
import { getIncidentDetail, listIncidents } from '../../lib/store/incidents';
import { keys } from '../../lib/store/keys';
import { type Execution } from '../../lib/domain/remediation/execution';
import { remediationExternalId } from '../../lib/store/remediation';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { postJson, startTestStack } from '../helpers/local-stack';

/**
 * Remediation through the operator API, on the local stack: approval requests (made by a remediation
 * decision for a webhook alert, or directly with the service for the edge cases) and every rule of who
 * may decide them, manual executions by role, the executions list, the remediation policy and the
 * cross-account access. Executions really run: the runbook state machine in the local Step Functions
 * emulator, SSM in moto as the client account (every command succeeds at once).
 */
let stack: LocalStack;
let demo: DemoInfo;

type Who = 'admin' | 'acmeAdmin' | 'globexAdmin' | 'niko' | 'gale';
const EMAILS: Record<Who, string> = {
  admin: 'admin@msp.example',
  acmeAdmin: 'admin@acme.example',
  globexAdmin: 'admin@globex.example',
  niko: 'tech.niko@msp.example',
  gale: 'tech.gale@msp.example',
};
const GLOBEX_ADMIN_PASSWORD = 'Globex-Admin-Passw0rd';
const users = {} as Record<Who, { token: string; id: string }>;

interface Answer {
  status: number;
  body: any;
}

async function send(method: string, path: string, who: Who, body?: unknown): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${users[who].token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const get = (path: string, who: Who) => send('GET', path, who);

async function signIn(email: string, password: string): Promise<{ token: string; id: string }> {
  const { status, body } = await postJson(stack, '/v1/auth/login', { email, password });
  if (status !== 200) throw new Error(`Login failed for ${email}: ${status}`);
  return { token: body.accessToken, id: body.user.id };
}

let counter = 0;

/** One alert through the generic webhook of the tenant; waits until it is correlated and decided on. */
async function deliver(tenant: string, alert: { asset_name: string; signature: string; severity?: string; message?: string }) {
  const apiKey = demo.tenants.find((candidate) => candidate.id === tenant)!.apiKey;
  const delivered = await postJson(
    stack,
    '/v1/webhooks/generic',
    { severity: 'high', message: alert.signature, tool_source: 'remediation-test', ...alert },
    { 'x-api-key': apiKey },
  );
  if (delivered.status !== 202) throw new Error(`Webhook refused: ${delivered.status}`);
  await stack.idle();
}

/**
 * A fresh open incident of the tenant. By default on a host of its own that the inventory does not know
 * (no root asset, so no runbook runs on its own) with a signature no runbook matches.
 */
async function newIncident(tenant: string, assetName = `rx-host-${++counter}`, signature = `ReportJobLate${++counter}`) {
  await deliver(tenant, { asset_name: assetName, signature });
  const incident = (await listIncidents(stack.table, tenant, { limit: 1000 })).find((candidate) =>
    candidate.signatures.includes(signature),
  );
  if (!incident) throw new Error(`No incident for ${signature}`);
  return incident;
}

function remediationDeps(): RemediationDeps {
  return {
    table: stack.table,
    now: () => new Date(),
    inventory: new InventoryCache(stack.table),
    policies: new PolicyCache(stack.table),
    orchestrator: stepFunctionsOrchestrator(stack.environment.STATE_MACHINE_ARN!),
  };
}

interface ApprovalSpec {
  tenant: string;
  assetId: string;
  runbookId: string;
  requestedBy?: string;
  requiredRole?: ApproverRole;
  expiresAt?: Date;
}

/** An approval request made directly with the service, as a decision makes one; its state machine waits for the decision. */
async function requestApproval(spec: ApprovalSpec): Promise<Execution> {
  const incident = await newIncident(spec.tenant);
  const asset = (await getAsset(stack.table, spec.tenant, spec.assetId))!;
  const execution = await startRunbookExecution(remediationDeps(), {
    incident: (await getIncidentDetail(stack.table, spec.tenant, incident.id))!.incident,
    runbook: libraryRunbook(spec.runbookId)!,
    params: {},
    targets: [{ assetId: asset.id, ...asset.ssm! }],
    dryRun: false,
    requestedBy: spec.requestedBy ?? 'system',
    trigger: 'approval',
    approval: {
      requiredRole: spec.requiredRole ?? 'company_admin',
      expiresAt: (spec.expiresAt ?? new Date(Date.now() + 3600_000)).toISOString(),
      reasons: ['test'],
    },
  });
  await stack.idle();
  return execution;
}

const approve = (tenant: string, id: string, who: Who, body: unknown = { comment: 'go ahead' }) =>
  send('POST', `/v1/approvals/${id}/approve?tenant=${tenant}`, who, body);
const reject = (tenant: string, id: string, who: Who, body: unknown = { comment: 'not during business hours' }) =>
  send('POST', `/v1/approvals/${id}/reject?tenant=${tenant}`, who, body);
const execute = (tenant: string, incidentId: string, who: Who, body: unknown) =>
  send('POST', `/v1/incidents/${incidentId}/execute?tenant=${tenant}`, who, body);

/** The tenant's audit log, newest first. */
async function auditActions(tenant: string): Promise<Array<{ id: string; action: string; resource: { id: string }; summary?: any }>> {
  const { status, body } = await get(`/v1/audit?tenant=${tenant}&limit=200`, 'admin');
  expect(status).toBe(200);
  return body.entries;
}

beforeAll(async () => {
  // Runbook executions wait 0.2 s rather than 20 s between SSM polls (the sweeps run every 0.6 s).
  ({ stack, demo } = await startTestStack('api-remediation', { scheduleScale: 0.01 }));
  const password = (email: string) => demo.users.find((user) => user.email === email)!.password;
  for (const who of ['admin', 'acmeAdmin', 'niko', 'gale'] as const) users[who] = await signIn(EMAILS[who], password(EMAILS[who]));
  const created = await send('POST', '/v1/users', 'admin', {
    email: EMAILS.globexAdmin,
    name: 'Glen Globex-Admin',
    role: 'company_admin',
    tenantIds: ['globex'],
    password: GLOBEX_ADMIN_PASSWORD,
  });
  expect(created.status).toBe(201);
  users.globexAdmin = await signIn(EMAILS.globexAdmin, GLOBEX_ADMIN_PASSWORD);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('approval requests', () => {
  test('a decision asks globex for an approval; the queue shows it to who may decide; its company admin approves and the runbook succeeds', async () => {
    await deliver('globex', { asset_name: 'web-01', signature: 'MemoryCacheHigh', message: 'memory cache pressure on web-01' });
    const incident = (await listIncidents(stack.table, 'globex', { limit: 100 })).find((candidate) =>
      candidate.signatures.includes('MemoryCacheHigh'),
    )!;
    const detail = await get(`/v1/incidents/${incident.id}?tenant=globex`, 'gale');
    expect(detail.status).toBe(200);
    expect(detail.body.incident.decision).toMatchObject({
      action: 'approval_required',
      runbookId: 'linux-memory-relief',
      risk: 'medium',
      approval: { requiredRole: 'company_admin' },
    });
    expect(detail.body.incident.remediation).toMatchObject({ runbookId: 'linux-memory-relief', state: 'pending_approval' });
    const id: string = detail.body.incident.remediation.executionId;

    // The queue: who may read sees it, flagged with whether they may decide; ?mine=decidable is what they may decide.
    const seenByGale = (await get('/v1/approvals', 'gale')).body.approvals.find((approval: any) => approval.id === id);
    expect(seenByGale).toMatchObject({ tenantId: 'globex', state: 'pending', canDecide: false, refusal: 'role', requestedBy: 'system' });
    expect(seenByGale).not.toHaveProperty('taskToken');
    expect((await get('/v1/approvals?mine=decidable', 'gale')).body.approvals).toEqual([]);
    const queue = await get('/v1/approvals?mine=decidable', 'globexAdmin');
    expect(queue.status).toBe(200);
    expect(queue.body.approvals.map((approval: any) => [approval.id, approval.canDecide])).toEqual([[id, true]]);
    expect((await get('/v1/approvals?mine=decidable', 'admin')).body.approvals.map((approval: any) => approval.id)).toContain(id);
    expect((await get('/v1/approvals?tenant=globex', 'acmeAdmin')).body.approvals).toEqual([]);
    expect((await get('/v1/approvals?mine=other', 'admin')).status).toBe(400);

    expect((await get(`/v1/approvals/${id}?tenant=globex`, 'acmeAdmin')).status).toBe(404);
    const one = await get(`/v1/approvals/${id}?tenant=globex`, 'gale');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, incidentId: incident.id, runbookId: 'linux-memory-relief', risk: 'medium', canDecide: false });
    expect(one.body).not.toHaveProperty('taskToken');

    // A company admin of another tenant does not see it; a technician of the tenant may not decide it.
    expect((await approve('globex', id, 'acmeAdmin')).status).toBe(404);
    const byTechnician = await approve('globex', id, 'gale');
    expect([byTechnician.status, byTechnician.body.error.code]).toEqual([403, 'forbidden']);

    const approved = await approve('globex', id, 'globexAdmin');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id, state: 'approved', decidedBy: users.globexAdmin.id, comment: 'go ahead' });
    expect(approved.body).not.toHaveProperty('taskToken');
    expect(approved.body).not.toHaveProperty('canDecide');
    const again = await approve('globex', id, 'admin');
    expect([again.status, again.body.error.code]).toEqual([409, 'approval_decided']);

    await stack.idle();
    const execution = await get(`/v1/executions/${id}?tenant=globex`, 'gale');
    expect(execution.body).toMatchObject({ id, state: 'succeeded', outcome: 'succeeded', trigger: 'approval', incidentId: incident.id });
    const after = await get(`/v1/incidents/${incident.id}?tenant=globex`, 'gale');
    expect(after.body.incident).toMatchObject({ status: 'resolved', resolutionCode: 'self-healed' });
    expect(after.body.incident.remediation).toMatchObject({ executionId: id, state: 'succeeded' });

    const entry = (await auditActions('globex')).find((candidate) => candidate.action === 'approval.approve');
    expect(entry).toMatchObject({
      resource: { id },
      summary: { before: { state: 'pending' }, after: { state: 'approved', runbookId: 'linux-memory-relief', comment: 'go ahead' } },
    });
  }, 60_000);

  test('a rejection needs a comment and ends the execution rejected', async () => {
    const { id } = await requestApproval({ tenant: 'globex', assetId: 'web-01', runbookId: 'linux-memory-relief' });
    expect((await send('POST', `/v1/approvals/${id}/reject?tenant=globex`, 'globexAdmin')).status).toBe(400);
    for (const body of [{}, { comment: '' }, { comment: '   ' }, { comment: 'x'.repeat(1001) }, { comment: 'no', extra: 1 }]) {
      expect([JSON.stringify(body), (await reject('globex', id, 'globexAdmin', body)).status]).toEqual([JSON.stringify(body), 400]);
    }
    expect((await approve('globex', id, 'globexAdmin', { comment: 'x'.repeat(1001) })).status).toBe(400);

    const rejected = await reject('globex', id, 'globexAdmin');
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ id, state: 'rejected', comment: 'not during business hours', decidedBy: users.globexAdmin.id });
    const again = await approve('globex', id, 'globexAdmin');
    expect([again.status, again.body.error.code]).toEqual([409, 'approval_decided']);

    await stack.idle();
    expect((await get(`/v1/executions/${id}?tenant=globex`, 'gale')).body).toMatchObject({
      state: 'rejected',
      outcome: 'approval-rejected',
    });
    expect((await get(`/v1/approvals/${id}?tenant=globex`, 'globexAdmin')).body).toMatchObject({
      state: 'rejected',
      canDecide: false,
      refusal: 'not_pending',
    });
    expect((await get('/v1/approvals?tenant=globex', 'admin')).body.approvals.map((approval: any) => approval.id)).not.toContain(id);
    expect((await auditActions('globex')).find((entry) => entry.action === 'approval.reject')).toMatchObject({
      resource: { id },
      summary: { before: { state: 'pending' }, after: { state: 'rejected', comment: 'not during business hours' } },
    });
  }, 30_000);

  test('medium risk: a company admin of the tenant decides; a company admin of another tenant gets 404, a technician 403', async () => {
    const { id } = await requestApproval({ tenant: 'acme', assetId: 'app-prod-02', runbookId: 'linux-memory-relief' });
    expect((await get('/v1/approvals?mine=decidable', 'acmeAdmin')).body.approvals.map((approval: any) => approval.id)).toContain(id);
    expect((await get('/v1/approvals?mine=decidable', 'niko')).body.approvals).toEqual([]);
    expect((await approve('acme', id, 'globexAdmin')).status).toBe(404);
    expect((await reject('acme', id, 'globexAdmin')).status).toBe(404);
    expect((await approve('acme', id, 'niko')).status).toBe(403);
    expect((await reject('acme', id, 'niko')).status).toBe(403);
    // An approval without a body is fine.
    const approved = await send('POST', `/v1/approvals/${id}/approve?tenant=acme`, 'acmeAdmin');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', decidedBy: users.acmeAdmin.id });
    expect(approved.body).not.toHaveProperty('comment');
    await stack.idle();
    expect((await get(`/v1/executions/${id}?tenant=acme`, 'niko')).body.state).toBe('succeeded');
  }, 30_000);

  test('high risk needs an MSP admin', async () => {
    const { id } = await requestApproval({ tenant: 'acme', assetId: 'app-prod-02', runbookId: 'linux-apt-security-upgrade' });
    const view = await get(`/v1/approvals/${id}?tenant=acme`, 'acmeAdmin');
    expect(view.body).toMatchObject({ risk: 'high', requiredRole: 'msp_admin', canDecide: false, refusal: 'role' });
    expect((await get('/v1/approvals?mine=decidable', 'acmeAdmin')).body.approvals.map((approval: any) => approval.id)).not.toContain(id);
    const byCompanyAdmin = await approve('acme', id, 'acmeAdmin');
    expect([byCompanyAdmin.status, byCompanyAdmin.body.error.code]).toEqual([403, 'forbidden']);
    expect((await reject('acme', id, 'acmeAdmin')).status).toBe(403);
    expect((await approve('acme', id, 'admin')).body).toMatchObject({ state: 'approved', decidedBy: users.admin.id });
    await stack.idle();
  }, 30_000);

  test('nobody decides their own request', async () => {
    const { id } = await requestApproval({
      tenant: 'acme',
      assetId: 'app-prod-02',
      runbookId: 'linux-memory-relief',
      requestedBy: users.acmeAdmin.id,
    });
    expect((await get(`/v1/approvals/${id}?tenant=acme`, 'acmeAdmin')).body).toMatchObject({ canDecide: false, refusal: 'own_request' });
    for (const answer of [await approve('acme', id, 'acmeAdmin'), await reject('acme', id, 'acmeAdmin')]) {
      expect([answer.status, answer.body.error.code]).toEqual([403, 'own_request']);
    }
    expect((await approve('acme', id, 'admin')).status).toBe(200);
    await stack.idle();
  }, 30_000);

  test('an expired request cannot be decided; the sweep expires it and its execution ends expired', async () => {
    // Expiring in a second; its pending marker removed so that the sweep never gets to it before the approver does.
    const late = await requestApproval({
      tenant: 'acme',
      assetId: 'app-prod-02',
      runbookId: 'linux-memory-relief',
      expiresAt: new Date(Date.now() + 1500),
    });
    const approval = (await get(`/v1/approvals/${late.id}?tenant=acme`, 'acmeAdmin')).body;
    await stack.table.db.send(
      new DeleteCommand({ TableName: stack.table.tableName, Key: keys.pendingApproval(approval.expiresAt, 'acme', late.id) }),
    );
    await sleep(Math.max(0, Date.parse(approval.expiresAt) - Date.now()) + 100);
    for (const answer of [await approve('acme', late.id, 'acmeAdmin'), await reject('acme', late.id, 'admin')]) {
      expect([answer.status, answer.body.error.code]).toEqual([409, 'approval_expired']);
    }
    expect((await get(`/v1/approvals/${late.id}?tenant=acme`, 'acmeAdmin')).body).toMatchObject({
      state: 'pending',
      canDecide: false,
      refusal: 'expired',
    });

    // With its marker, the sweep (every 0.6 s here) expires it; then it is decided, and its execution ends.
    const swept = await requestApproval({
      tenant: 'acme',
      assetId: 'app-prod-02',
      runbookId: 'linux-memory-relief',
      expiresAt: new Date(Date.now() + 1000),
    });
    let state = 'pending';
    for (let attempt = 0; attempt < 100 && state === 'pending'; attempt++) {
      await sleep(100);
      state = (await get(`/v1/approvals/${swept.id}?tenant=acme`, 'acmeAdmin')).body.state;
    }
    expect(state).toBe('expired');
    const decided = await approve('acme', swept.id, 'acmeAdmin');
    expect([decided.status, decided.body.error.code]).toEqual([409, 'approval_decided']);
    await stack.idle();
    expect((await get(`/v1/executions/${swept.id}?tenant=acme`, 'acmeAdmin')).body).toMatchObject({
      state: 'expired',
      outcome: 'approval-expired',
    });
  }, 30_000);

  test('an approval request that does not exist, or a malformed id, is a 404', async () => {
    expect((await get('/v1/approvals/01J00000000000000000000000?tenant=acme', 'acmeAdmin')).status).toBe(404);
    expect((await get('/v1/approvals/not-an-id?tenant=acme', 'acmeAdmin')).status).toBe(404);
    expect((await approve('acme', '01J00000000000000000000000', 'acmeAdmin')).status).toBe(404);
    expect((await get('/v1/approvals/01J00000000000000000000000?tenant=nope', 'acmeAdmin')).status).toBe(404);
  });
});

describe('manual execution', () => {
  test('a technician runs a low-risk runbook on named hosts; it runs to success and resolves the incident', async () => {
    const incident = await newIncident('acme');
    const started = await execute('acme', incident.id, 'niko', { runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'] });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      incidentId: incident.id,
      runbookId: 'linux-disk-cleanup',
      risk: 'low',
      platform: 'linux',
      state: 'running',
      trigger: 'manual',
      requestedBy: users.niko.id,
      dryRun: false,
      params: { mountPoint: '/', journalDays: 7 },
      targets: [{ assetId: 'app-prod-02', instanceId: 'i-0a1b2c3d4e5f60012', accountId: '111122223333', region: 'us-east-1' }],
    });
    const entry = (await auditActions('acme')).find((candidate) => candidate.action === 'execution.start');
    expect(entry).toMatchObject({
      resource: { id: started.body.id },
      summary: { after: { incidentId: incident.id, runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'], dryRun: false } },
    });

    await stack.idle();
    expect((await get(`/v1/executions/${started.body.id}?tenant=acme`, 'niko')).body).toMatchObject({ state: 'succeeded' });
    expect((await get(`/v1/incidents/${incident.id}?tenant=acme`, 'niko')).body.incident).toMatchObject({
      status: 'resolved',
      resolutionCode: 'self-healed',
      // Started by hand: the technician's first response (docs/kpis.md); the runbook's success resolved it (self-healed).
      respondedBy: EMAILS.niko,
      resolvedBy: 'automation',
    });
  }, 30_000);

  test("medium risk needs a company admin's role; another tenant's people get 404", async () => {
    const incident = await newIncident('acme');
    const body = { runbookId: 'linux-memory-relief', targets: ['app-prod-02'], dryRun: true };
    const byTechnician = await execute('acme', incident.id, 'niko', body);
    expect([byTechnician.status, byTechnician.body.error.code]).toEqual([403, 'forbidden']);
    expect((await execute('acme', incident.id, 'gale', body)).status).toBe(404);
    expect((await execute('acme', incident.id, 'globexAdmin', body)).status).toBe(404);
    const byAdmin = await execute('acme', incident.id, 'acmeAdmin', body);
    expect(byAdmin.status).toBe(202);
    expect(byAdmin.body).toMatchObject({ risk: 'medium', dryRun: true, requestedBy: users.acmeAdmin.id });
    // High risk: MSP admins only.
    expect((await execute('acme', incident.id, 'acmeAdmin', { ...body, runbookId: 'linux-apt-security-upgrade' })).status).toBe(403);
    expect((await execute('acme', incident.id, 'admin', { ...body, runbookId: 'linux-apt-security-upgrade' })).status).toBe(202);
    await stack.idle();
    // A dry run changes nothing: the incident stays open (and goes to a technician).
    expect((await get(`/v1/executions/${byAdmin.body.id}?tenant=acme`, 'niko')).body).toMatchObject({
      state: 'succeeded',
      outcome: 'dry-run-succeeded',
    });
    expect((await get(`/v1/incidents/${incident.id}?tenant=acme`, 'niko')).body.incident.status).not.toBe('resolved');
  }, 30_000);

  test("the targets must be the tenant's Systems Manager hosts of the runbook's platform, within its limit", async () => {
    const incident = await newIncident('acme');
    const refused = async (body: Record<string, unknown>, path: string, message: RegExp) => {
      const answer = await execute('acme', incident.id, 'acmeAdmin', { runbookId: 'linux-disk-cleanup', ...body });
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), 400]);
      expect(answer.body.error.details).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    };
    await refused({ runbookId: 'windows-disk-cleanup', targets: ['app-prod-02'] }, 'targets.0', /linux host.*windows/);
    await refused({ targets: ['app-prod-02', 'win-file-01'] }, 'targets.1', /windows host/);
    await refused({ targets: ['app-prod-01'] }, 'targets.0', /not managed by Systems Manager/);
    await refused({ targets: ['no-such-host'] }, 'targets.0', /no asset/);
    // No target named and no root asset known.
    await refused({}, 'targets', /required/);
    for (const targets of [[], ['app-prod-02', 'app-prod-02'], Array.from({ length: 51 }, (_, index) => `host-${index}`), ['bad id!']]) {
      expect((await execute('acme', incident.id, 'acmeAdmin', { runbookId: 'linux-disk-cleanup', targets })).status).toBe(400);
    }
    expect(
      (await execute('acme', incident.id, 'acmeAdmin', { runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'], x: 1 })).status,
    ).toBe(400);

    // A runbook of the tenant's own, for one host at most.
    const own = await send('POST', '/v1/runbooks?tenant=acme', 'acmeAdmin', {
      id: 'uptime-once',
      name: 'Uptime on one host',
      description: 'Reads the uptime; changes nothing.',
      platform: 'linux',
      risk: 'low',
      readOnly: true,
      match: { categories: ['cpu'], keywords: ['uptime'] },
      preChecks: ['command -v uptime'],
      commands: ['uptime'],
      verification: ['test -r /proc/loadavg'],
      rollback: [],
      rollbackNote: 'None needed: read-only.',
      timeoutSeconds: 60,
      maxTargets: 1,
    });
    expect(own.status).toBe(201);
    await refused({ runbookId: 'uptime-once', targets: ['app-prod-02', 'db-prod-01'] }, 'targets', /at most 1/);
    const ran = await execute('acme', incident.id, 'niko', { runbookId: 'uptime-once', targets: ['db-prod-01'] });
    expect(ran.status).toBe(202);
    expect(ran.body).toMatchObject({ runbookId: 'uptime-once', targets: [{ assetId: 'db-prod-01' }] });
    // globex does not have acme's runbook.
    const globexIncident = await newIncident('globex');
    expect((await execute('globex', globexIncident.id, 'admin', { runbookId: 'uptime-once', targets: ['web-01'] })).status).toBe(404);
    await stack.idle();
  }, 30_000);

  test('invalid parameter values are refused with the failing parameters', async () => {
    const incident = await newIncident('acme');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ journalDays: 99_999 }, 'params.journalDays'],
      [{ mountPoint: '-rf' }, 'params.mountPoint'],
      [{ mountPoint: '/; reboot' }, 'params.mountPoint'],
      [{ nope: 1 }, 'params.nope'],
    ];
    for (const [params, path] of cases) {
      const answer = await execute('acme', incident.id, 'acmeAdmin', { runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'], params });
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 400, 'bad_request']);
      expect(answer.body.error.details).toEqual([{ path, message: expect.any(String) }]);
    }
    // A required parameter without a default must be given.
    const missing = await execute('acme', incident.id, 'acmeAdmin', { runbookId: 'linux-service-restart', targets: ['app-prod-02'] });
    expect([missing.status, missing.body.error.details]).toEqual([400, [{ path: 'params.service', message: 'is required' }]]);
    const given = await execute('acme', incident.id, 'acmeAdmin', {
      runbookId: 'linux-service-restart',
      targets: ['app-prod-02'],
      params: { service: 'report-agent', settleSeconds: 5 },
      dryRun: true,
    });
    expect(given.status).toBe(202);
    expect(given.body.params).toEqual({ service: 'report-agent', settleSeconds: 5 });
    expect((await get(`/v1/executions?tenant=acme&incidentId=${incident.id}`, 'niko')).body.executions).toHaveLength(1);
    await stack.idle();
  }, 30_000);

  test('an unknown runbook or incident is a 404; a resolved incident a 409', async () => {
    const incident = await newIncident('acme');
    const body = { runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'] };
    expect((await execute('acme', incident.id, 'acmeAdmin', { ...body, runbookId: 'no-such-runbook' })).status).toBe(404);
    expect((await execute('acme', '01J00000000000000000000000', 'acmeAdmin', body)).status).toBe(404);
    expect((await execute('globex', incident.id, 'admin', body)).status).toBe(404);
    const resolved = await send('POST', `/v1/incidents/${incident.id}/resolve?tenant=acme`, 'acmeAdmin', { code: 'fixed' });
    expect(resolved.status).toBe(200);
    const refused = await execute('acme', incident.id, 'acmeAdmin', body);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'conflict']);
    expect((await get(`/v1/executions?tenant=acme&incidentId=${incident.id}`, 'niko')).body.executions).toEqual([]);
  });

  test("without targets, the runbook runs on the incident's root asset", async () => {
    // acme's app-prod-02 is known (SSM-managed); no runbook matches this signature, so nothing ran on its own.
    const incident = await newIncident('acme', 'app-prod-02', 'ReportJobLate');
    expect(incident.rootAssetId).toBe('app-prod-02');
    expect((await get(`/v1/incidents/${incident.id}?tenant=acme`, 'niko')).body.incident.decision.action).toBe('route_to_technician');
    const started = await execute('acme', incident.id, 'niko', { runbookId: 'linux-time-sync', dryRun: true });
    expect(started.status).toBe(202);
    expect(started.body.targets).toEqual([
      { assetId: 'app-prod-02', instanceId: 'i-0a1b2c3d4e5f60012', accountId: '111122223333', region: 'us-east-1' },
    ]);
    await stack.idle();
  });
});

describe('executions', () => {
  test('the list: newest first, filters, cursor pages, bound to its tenant', async () => {
    const incident = await newIncident('acme');
    const ids: string[] = [];
    for (const runbookId of ['linux-time-sync', 'linux-disk-cleanup', 'linux-oom-investigation']) {
      const started = await execute('acme', incident.id, 'acmeAdmin', { runbookId, targets: ['app-prod-02'], dryRun: true });
      expect(started.status).toBe(202);
      ids.push(started.body.id);
    }
    const newestFirst = [...ids].reverse();
    const all = await get(`/v1/executions?tenant=acme&incidentId=${incident.id}`, 'niko');
    expect(all.status).toBe(200);
    expect([all.body.tenantId, all.body.executions.map((execution: any) => execution.id)]).toEqual(['acme', newestFirst]);

    const first = await get(`/v1/executions?tenant=acme&incidentId=${incident.id}&limit=2`, 'niko');
    expect(first.body.executions.map((execution: any) => execution.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(`/v1/executions?tenant=acme&incidentId=${incident.id}&limit=2&cursor=${first.body.nextCursor}`, 'niko');
    expect(second.body.executions.map((execution: any) => execution.id)).toEqual(newestFirst.slice(2));
    expect(second.body).not.toHaveProperty('nextCursor');
    // A cursor belongs to its tenant's list.
    expect((await get(`/v1/executions?tenant=globex&cursor=${first.body.nextCursor}`, 'admin')).status).toBe(400);
    expect((await get('/v1/executions?tenant=acme&cursor=garbage', 'admin')).status).toBe(400);

    await stack.idle();
    const succeeded = await get(`/v1/executions?tenant=acme&incidentId=${incident.id}&state=succeeded`, 'niko');
    expect(succeeded.body.executions).toHaveLength(3);
    expect((await get(`/v1/executions?tenant=acme&incidentId=${incident.id}&state=running`, 'niko')).body.executions).toEqual([]);
    // Without ?tenant=, a user of one tenant gets that tenant's.
    const own = await get('/v1/executions?limit=100', 'acmeAdmin');
    expect(own.body.tenantId).toBe('acme');
    expect(own.body.executions.map((execution: any) => execution.id)).toEqual(expect.arrayContaining(ids));
    for (const bad of ['state=done', 'limit=0', 'limit=101'])
      expect((await get(`/v1/executions?tenant=acme&${bad}`, 'niko')).status).toBe(400);
    expect((await get('/v1/executions', 'admin')).status).toBe(400);
  }, 30_000);

  test("another tenant's executions are not found", async () => {
    const acmeIncident = await newIncident('acme');
    const acme = await execute('acme', acmeIncident.id, 'acmeAdmin', {
      runbookId: 'linux-time-sync',
      targets: ['app-prod-02'],
      dryRun: true,
    });
    const globexIncident = await newIncident('globex');
    const globex = await execute('globex', globexIncident.id, 'admin', { runbookId: 'linux-time-sync', targets: ['web-01'], dryRun: true });
    expect([acme.status, globex.status]).toEqual([202, 202]);
    expect(globex.body.targets).toEqual([
      { assetId: 'web-01', instanceId: 'i-0f9e8d7c6b5a40011', accountId: '444455556666', region: 'eu-west-1' },
    ]);

    expect((await get(`/v1/executions/${acme.body.id}?tenant=acme`, 'niko')).status).toBe(200);
    expect((await get(`/v1/executions/${globex.body.id}?tenant=acme`, 'admin')).status).toBe(404);
    expect((await get(`/v1/executions/${globex.body.id}?tenant=globex`, 'acmeAdmin')).status).toBe(404);
    expect((await get(`/v1/executions/${acme.body.id}?tenant=acme`, 'gale')).status).toBe(404);
    expect((await get('/v1/executions?tenant=acme', 'gale')).status).toBe(404);
    expect((await get('/v1/executions/not-an-id?tenant=acme', 'niko')).status).toBe(404);
    const globexList = (await get('/v1/executions?tenant=globex&limit=100', 'gale')).body.executions.map((execution: any) => execution.id);
    expect(globexList).toContain(globex.body.id);
    expect(globexList).not.toContain(acme.body.id);
    await stack.idle();
    // Both ran in their own client account (moto), each with its tenant's role.
    expect((await get(`/v1/executions/${globex.body.id}?tenant=globex`, 'gale')).body.state).toBe('succeeded');
  }, 30_000);
});

describe('the remediation policy', () => {
  const path = '/v1/tenants/acme/remediation/policy';

  test('read, change with the version read, refused when stale, reset; changes audited', async () => {
    const read = await get(path, 'niko');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ tenantId: 'acme', version: 1, policy: { autoExecute: true }, defaults: { autoExecute: false } });
    const { version } = read.body;
    expect((await get(path, 'gale')).status).toBe(404);
    expect((await get('/v1/tenants/nope/remediation/policy', 'admin')).status).toBe(404);
    expect((await send('PUT', path, 'niko', { version, approvalExpiryMinutes: 30 })).status).toBe(403);
    expect((await send('PUT', path, 'gale', { version, approvalExpiryMinutes: 30 })).status).toBe(404);

    const changed = await send('PUT', path, 'acmeAdmin', { version, approvalExpiryMinutes: 30, circuitBreaker: { failures: 5 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      version: version + 1,
      updatedBy: EMAILS.acmeAdmin,
      policy: { autoExecute: true, approvalExpiryMinutes: 30, circuitBreaker: { failures: 5, periodMinutes: 1440 } },
    });
    // Based on the version before: refused, nothing changes.
    const stale = await send('PUT', path, 'acmeAdmin', { version, dryRun: true });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'conflict']);
    expect((await get(path, 'niko')).body).toMatchObject({ version: version + 1, policy: { dryRun: false } });

    for (const body of [
      { approvalExpiryMinutes: 1 },
      { bogus: true },
      { riskTolerance: 'extreme' },
      { circuitBreaker: { failures: 0 } },
      [],
    ]) {
      expect([JSON.stringify(body), (await send('PUT', path, 'acmeAdmin', body)).status]).toEqual([JSON.stringify(body), 400]);
    }
    const invalid = await send('PUT', path, 'acmeAdmin', { approvalExpiryMinutes: 1 });
    expect(invalid.body.error.details).toEqual([{ path: 'approvalExpiryMinutes', message: expect.any(String) }]);

    // The same values again: nothing changes, nothing is audited.
    const newest = (await auditActions('acme'))[0]?.id;
    expect((await send('PUT', path, 'acmeAdmin', { approvalExpiryMinutes: 30 })).body.version).toBe(version + 1);
    expect((await auditActions('acme'))[0]?.id).toBe(newest);

    expect((await send('DELETE', `${path}?version=${version}`, 'acmeAdmin')).status).toBe(409);
    expect((await send('DELETE', path, 'niko')).status).toBe(403);
    const reset = await send('DELETE', `${path}?version=${version + 1}`, 'acmeAdmin');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ version: version + 2, policy: reset.body.defaults });
    expect(reset.body.policy.autoExecute).toBe(false);

    const entries = await auditActions('acme');
    expect(entries.find((entry) => entry.action === 'remediation-policy.update')).toMatchObject({
      resource: { id: 'acme' },
      summary: {
        before: { approvalExpiryMinutes: 60, circuitBreaker: { failures: 3, periodMinutes: 1440 } },
        after: { approvalExpiryMinutes: 30, circuitBreaker: { failures: 5, periodMinutes: 1440 } },
      },
    });
    expect(entries.find((entry) => entry.action === 'remediation-policy.reset')).toMatchObject({
      summary: { before: { autoExecute: true, approvalExpiryMinutes: 30 }, after: { autoExecute: false, approvalExpiryMinutes: 60 } },
    });

    // Acme's own policy back (auto-execution of low-risk runbooks), without a version.
    expect((await send('PUT', path, 'admin', { autoExecute: true })).body).toMatchObject({
      version: version + 3,
      policy: { autoExecute: true },
    });
  });
});

describe('cross-account access', () => {
  test("the tenant's external id and how its clients deploy the role; reading it is not audited", async () => {
    const newest = (await auditActions('acme'))[0]?.id;
    const access = await get('/v1/tenants/acme/remediation/access', 'acmeAdmin');
    expect(access.status).toBe(200);
    expect(access.body).toEqual({
      tenantId: 'acme',
      externalId: expect.stringMatching(/^aw-[A-Za-z0-9_-]{32}$/),
      roleNamePrefix: 'AlertWhispererRemediation',
      mspAccountHint: 'the account running Alert Whisperer',
      deploy: expect.stringContaining("npx cdk deploy --app 'npx tsx infra/onboarding/app.ts' -c mspAccountId=<MSP account>"),
    });
    const { externalId, deploy } = access.body;
    expect(deploy).toContain(
      `-c externalId=${externalId} -c tenantId=acme -c webhookUrl='${stack.apiUrl}/v1/webhooks/cloudwatch?api_key=<key>'`,
    );
    // The id the executions' state machine input carries; it never changes.
    expect(externalId).toBe(await remediationExternalId(stack.table, 'acme'));
    expect((await get('/v1/tenants/acme/remediation/access', 'admin')).body.externalId).toBe(externalId);
    // Each tenant its own.
    expect((await get('/v1/tenants/globex/remediation/access', 'admin')).body.externalId).not.toBe(externalId);

    expect((await get('/v1/tenants/acme/remediation/access', 'niko')).status).toBe(403);
    expect((await get('/v1/tenants/acme/remediation/access', 'gale')).status).toBe(404);
    expect((await get('/v1/tenants/acme/remediation/access', 'globexAdmin')).status).toBe(404);
    expect((await get('/v1/tenants/nope/remediation/access', 'admin')).status).toBe(404);
    expect((await auditActions('acme'))[0]?.id).toBe(newest);
  });
});
