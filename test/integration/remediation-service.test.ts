import { ulid } from 'ulid';
import { correlateAlerts } from '../../lib/correlation/correlate';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { Inventory, type Asset } from '../../lib/domain/asset';
import { remediationPolicySchema } from '../../lib/domain/remediation/decision';
import { libraryRunbook } from '../../lib/remediation/library';
import {
  ApprovalRefused,
  attachApprovalToken,
  decideApproval,
  decideForIncident,
  expireApprovals,
  recordExecutionOutcome,
  startRunbookExecution,
  withdrawApprovalsOfIncident,
  type RemediationDeps,
} from '../../lib/remediation/service';
import { decideOnEvent } from '../../lib/remediation/events';
import { changeIncidentStatus } from '../../lib/correlation/operator';
import type { Orchestrator, RunbookExecutionInput, RunbookStepRequest } from '../../lib/domain/remediation/step-contract';
import { storeAlerts } from '../../lib/store/alerts';
import { listAudit } from '../../lib/store/audit';
import { getIncidentDetail } from '../../lib/store/incidents';
import { getApproval, getExecution, listExecutions, remediationPolicies } from '../../lib/store/remediation';
import type { TableRef } from '../../lib/store/table-ref';
import { createUser } from '../../lib/store/users';
import { committedEvents } from '../helpers/outbox';
import { createTestTable } from '../helpers/dynamo';

/**
 * The remediation service's edges on DynamoDB Local: repeats, races between an approver and the state
 * machine's token, expiry, failures and dry runs. Step Functions is this recording orchestrator (the
 * whole state machine runs in remediation-e2e and stepfunctions-emulator tests).
 */
let table: TableRef;
let clock = new Date('2026-11-24T10:00:00Z');
const calls: Array<{ kind: 'start'; input: RunbookExecutionInput } | { kind: 'succeed' | 'fail'; token: string; error?: string }> = [];
let failStart = false;
let failTokens = false;

const orchestrator: Orchestrator = {
  async start(input) {
    if (failStart) throw new Error('Step Functions is unavailable');
    calls.push({ kind: 'start', input });
    return `arn:aws:states:us-east-1:000000000000:execution:RunbookExecution:${input.executionId}`;
  },
  async succeedTask(token) {
    if (failTokens) throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    calls.push({ kind: 'succeed', token });
  },
  async failTask(token, error) {
    calls.push({ kind: 'fail', token, error });
  },
};

const ssm = (instanceId: string) => ({ instanceId, accountId: '111122223333', region: 'us-east-1', platform: 'linux' as const });
const assets: Asset[] = [
  { id: 'web-01', name: 'web-01', type: 'server', aliases: [], dependsOn: [], critical: false, tags: {}, ssm: ssm('i-0123456789abcdef0') },
  { id: 'web-02', name: 'web-02', type: 'server', aliases: [], dependsOn: [], critical: false, tags: {}, ssm: ssm('i-0123456789abcdef1') },
  { id: 'web-03', name: 'web-03', type: 'server', aliases: [], dependsOn: [], critical: false, tags: {}, ssm: ssm('i-0123456789abcdef2') },
  { id: 'web-04', name: 'web-04', type: 'server', aliases: [], dependsOn: [], critical: false, tags: {}, ssm: ssm('i-0123456789abcdef3') },
];
const inventory = new Inventory(assets);

const deps = (): RemediationDeps => ({
  table,
  now: () => clock,
  inventory: { get: async () => inventory },
  policies: { get: async () => DEFAULT_POLICY },
  orchestrator,
});

const TENANT = 'svc';

async function incidentOn(assetId: string, signature: string, tenantId = TENANT): Promise<string> {
  const alert: CanonicalAlert = {
    id: ulid(clock.getTime()),
    tenantId,
    source: 'test',
    status: 'firing',
    severity: 'high',
    assetRef: assetId,
    // Hosts the inventory does not know stay unresolved (their own correlation scope each).
    assetId: inventory.resolve(assetId)?.id ?? null,
    signature,
    message: `${signature} on ${assetId}`,
    labels: {},
    dedupKey: `test|${assetId}|${signature}|${ulid()}`,
    occurredAt: clock.toISOString(),
    receivedAt: clock.toISOString(),
    deliveryId: ulid(),
  };
  await storeAlerts(table, tenantId, [alert], clock);
  const [result] = await correlateAlerts([alert], deps());
  if (result?.kind !== 'open') throw new Error(`no new incident: ${JSON.stringify(result)}`);
  return result.incidentId;
}

function outcome(
  executionId: string,
  incidentId: string,
  status: string,
  extra: Partial<Extract<RunbookStepRequest, { op: 'recordOutcome' }>> = {},
) {
  return {
    op: 'recordOutcome' as const,
    tenantId: TENANT,
    incidentId,
    executionId,
    runbookId: 'linux-disk-cleanup',
    outcome: { status, failedSection: status === 'succeeded' ? 'verification' : 'commands' },
    current: { section: 'commands', status: status === 'succeeded' ? 'Success' : 'Failed', output: 'disk cleaned' },
    error: { Error: '', Cause: '' },
    startedAt: clock.toISOString(),
    ...extra,
  };
}

const admin = { sub: 'usr_admin', role: 'msp_admin' as const, tenants: [], email: 'admin@msp.example' };

beforeAll(async () => {
  table = await createTestTable('remediation');
  await remediationPolicies.put(table, TENANT, remediationPolicySchema.parse({ autoExecute: true }), 'test', clock, 0);
  await createUser(table, {
    id: 'usr_tech',
    email: 'tech@msp.example',
    name: 'Terry Tech',
    role: 'technician',
    tenantIds: [TENANT],
    skills: ['Server'],
    createdAt: clock.toISOString(),
    passwordHash: 'x',
  });
});

beforeEach(() => {
  calls.length = 0;
  failStart = false;
  failTokens = false;
  clock = new Date(clock.getTime() + 60_000);
});

test('a decision is made once: a redelivered IncidentOpened does nothing', async () => {
  const incidentId = await incidentOn('web-01', 'DiskSpaceLow');
  const first = await decideForIncident(deps(), TENANT, incidentId);
  expect(first).toMatchObject({ kind: 'decided', decision: { action: 'auto_execute', runbookId: 'linux-disk-cleanup' } });
  expect(await decideForIncident(deps(), TENANT, incidentId)).toEqual({ kind: 'skipped', reason: 'already decided' });
  expect(calls.filter((call) => call.kind === 'start')).toHaveLength(1);
  const started = calls[0] as { input: RunbookExecutionInput };
  // The state machine gets rendered scripts, the client's role and the tenant's external id.
  expect(started.input.target).toMatchObject({
    accountId: '111122223333',
    roleArn: 'arn:aws:iam::111122223333:role/AlertWhispererRemediation',
    instanceIds: ['i-0123456789abcdef0'],
    documentName: 'AWS-RunShellScript',
  });
  expect(started.input.target.externalId).toMatch(/^aw-[\w-]{32}$/);
  expect(started.input.sections.commands.slice(0, 2)).toEqual(['#!/bin/bash', 'set -euo pipefail']);
  expect(started.input.approval).toEqual({ required: false });
});

test('an outcome recorded twice (a retried step) resolves the incident once', async () => {
  const incidentId = await incidentOn('web-02', 'DiskSpaceLow');
  const decided = await decideForIncident(deps(), TENANT, incidentId);
  const executionId = (decided as { executionId: string }).executionId;
  clock = new Date(clock.getTime() + 42_000);
  await recordExecutionOutcome(deps(), outcome(executionId, incidentId, 'succeeded'));
  await recordExecutionOutcome(deps(), outcome(executionId, incidentId, 'succeeded'));

  const execution = await getExecution(table, TENANT, executionId);
  expect(execution).toMatchObject({ state: 'succeeded', outcome: 'succeeded', output: 'disk cleaned', durationMs: 42_000 });
  const detail = (await getIncidentDetail(table, TENANT, incidentId))!;
  expect(detail.incident).toMatchObject({ status: 'resolved', resolutionCode: 'self-healed', resolvedBy: 'automation' });
  expect(detail.timeline.filter((entry) => entry.type === 'execution-finished')).toHaveLength(1);
  const audit = await listAudit(table, TENANT, { action: 'execution.finish' }, { limit: 50 });
  expect(audit.entries.filter((entry) => entry.resource.id === executionId)).toHaveLength(1);
});

test('a failed and rolled back execution leaves the incident open and routes it to a technician', async () => {
  const incidentId = await incidentOn('web-03', 'DiskSpaceLow');
  const { executionId } = (await decideForIncident(deps(), TENANT, incidentId)) as { executionId: string };
  await recordExecutionOutcome(
    deps(),
    outcome(executionId, incidentId, 'commands-failed, rolled back', { error: { Error: 'States.TaskFailed', Cause: 'exit 1' } }),
  );
  const execution = await getExecution(table, TENANT, executionId);
  expect(execution).toMatchObject({ state: 'failed', failedSection: 'commands', error: 'States.TaskFailed: exit 1' });
  const detail = (await getIncidentDetail(table, TENANT, incidentId))!;
  expect(detail.incident.status).toBe('open');
  expect(detail.incident.assignee).toEqual({ userId: 'usr_tech', name: 'Terry Tech' });
  expect(detail.timeline.find((entry) => entry.type === 'incident-routed')?.reason).toMatch(
    /^linux-disk-cleanup commands-failed, rolled back; routed to Terry Tech/,
  );
});

test('a dry run that passes its pre-checks changes nothing and hands the incident to a technician', async () => {
  const incidentId = await incidentOn('host-dry-run', 'DiskFull');
  const incident = (await getIncidentDetail(table, TENANT, incidentId))!.incident;
  const execution = await startRunbookExecution(deps(), {
    incident,
    runbook: libraryRunbook('linux-disk-cleanup')!,
    params: {},
    targets: [{ assetId: 'web-01', ...ssm('i-0123456789abcdef0') }],
    dryRun: true,
    requestedBy: 'usr_tech',
    trigger: 'manual',
  });
  await recordExecutionOutcome(deps(), outcome(execution.id, incidentId, 'dry-run-succeeded'));
  const detail = (await getIncidentDetail(table, TENANT, incidentId))!;
  expect(detail.incident.status).toBe('open');
  expect(detail.incident.remediation).toMatchObject({ state: 'succeeded', outcome: 'dry-run-succeeded' });
  expect(detail.timeline.some((entry) => entry.type === 'incident-routed' && entry.reason.includes('dry run'))).toBe(true);
});

/** The state machine's `awaitApproval` step for an execution waiting on its approval. */
const parkToken = (execution: { id: string; incidentId: string }, taskToken: string) =>
  attachApprovalToken(deps(), {
    op: 'awaitApproval',
    tenantId: TENANT,
    incidentId: execution.incidentId,
    executionId: execution.id,
    runbookId: 'linux-memory-relief',
    taskToken,
  });

async function approvalFor(incidentId: string, expiresInMs = 3_600_000, correlationId?: string) {
  const incident = (await getIncidentDetail(table, TENANT, incidentId))!.incident;
  return startRunbookExecution(deps(), {
    ...(correlationId ? { correlationId } : {}),
    incident,
    runbook: libraryRunbook('linux-memory-relief')!,
    params: {},
    targets: [{ assetId: 'web-02', ...ssm('i-0123456789abcdef1') }],
    dryRun: false,
    requestedBy: 'system',
    trigger: 'approval',
    approval: { requiredRole: 'company_admin', expiresAt: new Date(clock.getTime() + expiresInMs).toISOString(), reasons: ['medium risk'] },
  });
}

test('an approval decided before the state machine parks its token is answered when the token arrives', async () => {
  const approved = await approvalFor(await incidentOn('web-02', 'MemoryHigh'));
  expect(approved.state).toBe('pending_approval');
  await decideApproval(deps(), admin, TENANT, approved.id, 'approve');
  expect(calls.filter((call) => call.kind !== 'start')).toEqual([]); // no token yet
  await parkToken(approved, 'token-approved');
  expect(calls.at(-1)).toEqual({ kind: 'succeed', token: 'token-approved' });
  expect(await getExecution(table, TENANT, approved.id)).toMatchObject({ state: 'running' });

  const rejected = await approvalFor(await incidentOn('web-03', 'MemoryHigh'));
  await decideApproval(deps(), admin, TENANT, rejected.id, 'reject', 'not now');
  await parkToken(rejected, 'token-rejected');
  expect(calls.at(-1)).toEqual({ kind: 'fail', token: 'token-rejected', error: 'ApprovalRejected' });
});

test('an approval with its token parked is answered at once; a second decision is refused', async () => {
  const execution = await approvalFor(await incidentOn('web-01', 'SwapHigh'));
  await parkToken(execution, 'token-parked');
  expect(calls.filter((call) => call.kind !== 'start')).toEqual([]); // pending: the token waits
  const decided = await decideApproval(deps(), admin, TENANT, execution.id, 'approve', 'go');
  expect(decided).toMatchObject({ state: 'approved', decidedBy: 'usr_admin', comment: 'go' });
  expect(decided).not.toHaveProperty('taskToken');
  expect(calls.at(-1)).toEqual({ kind: 'succeed', token: 'token-parked' });
  await expect(decideApproval(deps(), admin, TENANT, execution.id, 'reject')).rejects.toMatchObject({ reason: 'not_pending' });
  await expect(decideApproval(deps(), admin, TENANT, 'nope', 'approve')).rejects.toBeInstanceOf(ApprovalRefused);
});

test('the sweep expires requests past their expiry, fails their tokens and escalates; newer requests wait', async () => {
  const due = await approvalFor(await incidentOn('host-sweep-1', 'RamLow'), 5 * 60_000, 'corr-sweep');
  const later = await approvalFor(await incidentOn('host-sweep-2', 'RamLow'), 60 * 60_000);
  await parkToken(due, 'token-due');
  clock = new Date(clock.getTime() + 5 * 60_000);
  // From the second it expires, nobody can approve it, even before the sweep runs.
  await expect(decideApproval(deps(), admin, TENANT, due.id, 'approve')).rejects.toMatchObject({ reason: 'expired' });
  expect(await expireApprovals(deps())).toBe(1);
  expect(await expireApprovals(deps())).toBe(0);
  expect(calls.at(-1)).toEqual({ kind: 'fail', token: 'token-due', error: 'ApprovalExpired' });
  expect(await getApproval(table, TENANT, due.id)).toMatchObject({ state: 'expired', decidedBy: 'system' });
  expect(await getApproval(table, TENANT, later.id)).toMatchObject({ state: 'pending' });
  const audit = await listAudit(table, TENANT, { action: 'approval.expire' }, { limit: 10 });
  expect(audit.entries.map((entry) => entry.resource.id)).toContain(due.id);
  // The ApprovalDecided event carries the execution's correlation id (the alert's that led to it).
  expect(await committedEvents(table, (event) => event.detailType === 'ApprovalDecided' && event.detail.approvalId === due.id)).toEqual([
    expect.objectContaining({ detail: expect.objectContaining({ state: 'expired', correlationId: 'corr-sweep' }) }),
  ]);
});

test('an operator’s decision commits ApprovalDecided with the execution’s correlation id', async () => {
  const pending = await approvalFor(await incidentOn('host-decide-corr', 'RamLow'), 3_600_000, 'corr-approval');
  await decideApproval(deps(), admin, TENANT, pending.id, 'reject', 'not now');
  expect(await committedEvents(table, (event) => event.detailType === 'ApprovalDecided' && event.detail.approvalId === pending.id)).toEqual(
    [expect.objectContaining({ detail: expect.objectContaining({ state: 'rejected', correlationId: 'corr-approval' }) })],
  );
});

test('when Step Functions refuses the start, the execution is marked failed and the error surfaces', async () => {
  const incidentId = await incidentOn('host-no-start', 'LogPartitionFull');
  const incident = (await getIncidentDetail(table, TENANT, incidentId))!.incident;
  failStart = true;
  await expect(
    startRunbookExecution(deps(), {
      incident,
      runbook: libraryRunbook('linux-disk-cleanup')!,
      params: {},
      targets: [{ assetId: 'web-01', ...ssm('i-0123456789abcdef0') }],
      dryRun: false,
      requestedBy: 'usr_tech',
      trigger: 'manual',
    }),
  ).rejects.toThrow('Step Functions is unavailable');
  const { executions } = await listExecutions(table, TENANT, { incidentId }, { limit: 5 });
  expect(executions[0]).toMatchObject({ state: 'failed', outcome: 'error', error: 'could not start: Step Functions is unavailable' });
});

test('a start refused for an execution awaiting approval cancels its request', async () => {
  const incidentId = await incidentOn('host-no-start-2', 'MemoryHigh');
  failStart = true;
  await expect(approvalFor(incidentId)).rejects.toThrow('Step Functions is unavailable');
  const { executions } = await listExecutions(table, TENANT, { incidentId }, { limit: 5 });
  expect(await getApproval(table, TENANT, executions[0]!.id)).toMatchObject({ state: 'cancelled', decidedBy: 'system' });
  await expect(decideApproval(deps(), admin, TENANT, executions[0]!.id, 'approve')).rejects.toMatchObject({ reason: 'not_pending' });
});

test('an approval whose token is gone fails the execution and routes the incident instead of leaving it running', async () => {
  const execution = await approvalFor(await incidentOn('host-stale-token', 'MemoryHigh'));
  await parkToken(execution, 'token-stale');
  failTokens = true;
  expect(await decideApproval(deps(), admin, TENANT, execution.id, 'approve')).toMatchObject({ state: 'approved' });
  expect(await getExecution(table, TENANT, execution.id)).toMatchObject({ state: 'failed', outcome: 'error' });
  const detail = (await getIncidentDetail(table, TENANT, execution.incidentId))!;
  expect(detail.incident.assignee).toEqual({ userId: 'usr_tech', name: 'Terry Tech' });
});

test('one execution never spans accounts or regions', async () => {
  const incident = (await getIncidentDetail(table, TENANT, await incidentOn('host-spread', 'DiskFull')))!.incident;
  await expect(
    startRunbookExecution(deps(), {
      incident,
      runbook: libraryRunbook('linux-disk-cleanup')!,
      params: {},
      targets: [
        { assetId: 'web-01', ...ssm('i-0123456789abcdef0') },
        { assetId: 'web-02', ...ssm('i-0123456789abcdef1'), region: 'eu-west-1' },
      ],
      dryRun: false,
      requestedBy: 'usr_tech',
      trigger: 'manual',
    }),
  ).rejects.toThrow('one AWS account and region');
});

test('a decided runbook that cannot be started still gets the incident to a technician', async () => {
  // A tenant of its own: nothing running, no failures on record, so the decision is to run the runbook.
  const tenant = 'svc-start';
  await remediationPolicies.put(table, tenant, remediationPolicySchema.parse({ autoExecute: true }), 'test', clock, 0);
  await createUser(table, {
    id: 'usr_tech_start',
    email: 'tech-start@msp.example',
    name: 'Sam Start',
    role: 'technician',
    tenantIds: [tenant],
    skills: [],
    createdAt: clock.toISOString(),
    passwordHash: 'x',
  });
  const incidentId = await incidentOn('web-04', 'DiskSpaceLow', tenant);
  failStart = true;
  const outcome = await decideForIncident(deps(), tenant, incidentId);
  expect(outcome).toMatchObject({ kind: 'decided', decision: { action: 'auto_execute' }, assignee: 'usr_tech_start' });
  const detail = (await getIncidentDetail(table, tenant, incidentId))!;
  expect(detail.timeline.find((entry) => entry.type === 'incident-routed')?.reason).toMatch(
    /could not be started: Step Functions is unavailable/,
  );
});

async function resolveIncident(incidentId: string): Promise<void> {
  const incident = (await getIncidentDetail(table, TENANT, incidentId))!.incident;
  await changeIncidentStatus(deps(), incident, { kind: 'resolve', code: 'fixed', actor: 'tech@msp.example', at: clock });
}

test('an incident that resolves withdraws its pending approval: the parked token fails, the runbook never runs', async () => {
  const execution = await approvalFor(await incidentOn('web-04', 'MemoryHigh'));
  await parkToken(execution, 'token-withdrawn');
  await resolveIncident(execution.incidentId);
  const [resolved] = await committedEvents(
    table,
    (event) => event.detailType === 'IncidentResolved' && event.detail.incidentId === execution.incidentId,
  );

  expect(await decideOnEvent(deps(), resolved!)).toEqual({
    kind: 'withdrawn',
    tenantId: TENANT,
    incidentId: execution.incidentId,
    approvalIds: [execution.id],
  });
  expect(await getApproval(table, TENANT, execution.id)).toMatchObject({
    state: 'cancelled',
    decidedBy: 'system',
    comment: 'withdrawn: the incident is resolved',
  });
  expect(calls.filter((call) => call.kind !== 'start')).toEqual([{ kind: 'fail', token: 'token-withdrawn', error: 'ApprovalExpired' }]);
  const timeline = (await getIncidentDetail(table, TENANT, execution.incidentId))!.timeline;
  expect(timeline.some((entry) => entry.type === 'approval-decided' && entry.reason.includes('approval withdrawn'))).toBe(true);
  expect(
    await committedEvents(table, (event) => event.detailType === 'ApprovalDecided' && event.detail.incidentId === execution.incidentId),
  ).toEqual([expect.objectContaining({ detail: expect.objectContaining({ approvalId: execution.id, state: 'cancelled' }) })]);
  // A late approver is refused; the event delivered again does nothing.
  await expect(decideApproval(deps(), admin, TENANT, execution.id, 'approve')).rejects.toMatchObject({ reason: 'not_pending' });
  expect(await decideOnEvent(deps(), resolved!)).toMatchObject({ kind: 'skipped' });
  expect(calls.filter((call) => call.kind === 'succeed')).toEqual([]);
});

test('an approver who answers before the withdrawal is refused (and withdraws it); the token that comes later fails', async () => {
  const execution = await approvalFor(await incidentOn('web-04', 'LoadHigh'));
  await resolveIncident(execution.incidentId);
  await expect(decideApproval(deps(), admin, TENANT, execution.id, 'approve')).rejects.toMatchObject({ reason: 'withdrawn' });
  expect(await getApproval(table, TENANT, execution.id)).toMatchObject({ state: 'cancelled' });
  await parkToken(execution, 'token-late');
  expect(calls.filter((call) => call.kind !== 'start')).toEqual([{ kind: 'fail', token: 'token-late', error: 'ApprovalExpired' }]);
  // An open incident's approval is not withdrawn by a stray call.
  const open = await approvalFor(await incidentOn('web-01', 'LoadHigh'));
  expect(await withdrawApprovalsOfIncident(deps(), TENANT, open.incidentId)).toEqual([]);
  expect(await getApproval(table, TENANT, open.id)).toMatchObject({ state: 'pending' });
});
