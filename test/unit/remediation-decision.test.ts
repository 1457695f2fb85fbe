// The remediation decision: auto-execute only low risk that the tenant allows, approvals
// by role for medium and high risk, a technician otherwise — every safety rule tested with its reason.
import type { Category } from '../../lib/domain/correlation/categories';
import type { AdviceResult } from '../../lib/domain/remediation/decision';
import {
  DEFAULT_REMEDIATION_POLICY,
  decideRemediation,
  inWindow,
  maintenanceWindowSchema,
  remediationPolicySchema,
  type DecisionInput,
  type ExecutionRecord,
  type MaintenanceWindow,
  type RemediationPolicyInput,
} from '../../lib/domain/remediation/decision';
import { RUNBOOK_LIBRARY } from '../../lib/remediation/library';
import { matchRunbooks, type Platform, type RemediationTarget } from '../../lib/domain/remediation/runbook';

const NOW = new Date('2026-03-04T10:00:00Z'); // a Wednesday

const target = (index: number, platform: Platform = 'linux'): RemediationTarget => ({
  assetId: `web-${index}`,
  instanceId: `i-0${String(index).padStart(16, '0')}`,
  platform,
  accountId: '111122223333',
  region: 'eu-west-1',
});

interface Scenario {
  category?: Category;
  signatures?: string[];
  labels?: Record<string, string>;
  platform?: Platform;
  targets?: RemediationTarget[];
  policy?: RemediationPolicyInput;
  critical?: boolean;
  priority?: number;
  runningExecutions?: number;
  history?: ExecutionRecord[];
  advice?: AdviceResult;
  now?: Date;
}

/** A disk-full incident on one Linux host, the tenant allowing auto-execution, unless told otherwise. */
function decide(scenario: Scenario = {}) {
  const platform = scenario.platform ?? 'linux';
  const category = scenario.category ?? 'disk';
  const candidates = matchRunbooks(
    {
      categories: [category],
      signatures: scenario.signatures ?? ['NodeFilesystemAlmostOutOfSpace'],
      labels: scenario.labels ?? {},
      platform,
    },
    RUNBOOK_LIBRARY,
  );
  const input: DecisionInput = {
    incident: { id: 'inc-1', category, severity: 'high', priority: scenario.priority ?? 60, critical: scenario.critical ?? false },
    targets: scenario.targets ?? [target(1, platform)],
    candidates,
    policy: remediationPolicySchema.parse({ autoExecute: true, ...scenario.policy }),
    runningExecutions: scenario.runningExecutions ?? 0,
    history: scenario.history ?? [],
    advice: scenario.advice,
    now: scenario.now ?? NOW,
  };
  return decideRemediation(input);
}

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const run = (
  status: ExecutionRecord['status'],
  minutes: number,
  runbookId = 'linux-disk-cleanup',
  incidentId = 'inc-0',
): ExecutionRecord => ({
  runbookId,
  incidentId,
  status,
  finishedAt: minutesAgo(minutes),
});

const MEMORY = { category: 'memory' as const, signatures: ['HostMemoryPressureHigh'] };
const RUNAWAY = { category: 'cpu' as const, signatures: ['ProcessHighCpu'], labels: { process: 'java' } };

describe('the policy', () => {
  test('defaults: no auto-execution until the tenant allows it, low risk tolerance, 1 h approvals', () => {
    expect(DEFAULT_REMEDIATION_POLICY).toEqual({
      autoExecute: false,
      riskTolerance: 'low',
      dryRun: false,
      allowCriticalAssets: false,
      maxConcurrentExecutions: 3,
      maxTargets: 5,
      maxAutoPriority: 100,
      minMatchScore: 0.5,
      minConfidence: 0.6,
      circuitBreaker: { failures: 3, periodMinutes: 1440 },
      approvalExpiryMinutes: 60,
      maintenanceWindows: [],
      autoExecuteOutsideWindows: true,
      aiAdvice: false,
      disabledRunbooks: [],
    });
  });

  test('refuses unknown time zones, empty windows, unknown fields and out-of-range values', () => {
    const window = { name: 'Sunday', days: ['sun'], start: '02:00', end: '04:00', timeZone: 'Europe/Berlin', autoExecute: true };
    expect(maintenanceWindowSchema.safeParse(window).success).toBe(true);
    expect(maintenanceWindowSchema.safeParse({ ...window, timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(maintenanceWindowSchema.safeParse({ ...window, end: '02:00' }).success).toBe(false);
    expect(maintenanceWindowSchema.safeParse({ ...window, start: '24:00' }).success).toBe(false);
    expect(remediationPolicySchema.safeParse({ autoExecute: 'yes' }).success).toBe(false);
    expect(remediationPolicySchema.safeParse({ riskTolerance: 'extreme' }).success).toBe(false);
    expect(remediationPolicySchema.safeParse({ approvalExpiryMinutes: 0 }).success).toBe(false);
    expect(remediationPolicySchema.safeParse({ autoRun: true }).success).toBe(false);
  });
});

describe('auto-execution', () => {
  test('a low-risk runbook the tenant allows runs on its own, with reasons and the policy applied', () => {
    const decision = decide();
    expect(decision).toMatchObject({
      action: 'auto_execute',
      runbookId: 'linux-disk-cleanup',
      risk: 'low',
      dryRun: false,
      adviceUsed: false,
    });
    expect(decision.approval).toBeUndefined();
    expect(decision.confidence).toBe(1);
    expect(decision.params).toMatchObject({ mountPoint: '/', journalDays: 7 });
    expect(decision.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^linux-disk-cleanup \(low risk\) matches with score 1/),
        'Auto-execute linux-disk-cleanup: low risk within the tenant’s policy',
      ]),
    );
    expect(decision.policyApplied).toMatchObject({
      autoExecute: true,
      riskTolerance: 'low',
      concurrency: { running: 0, limit: 3 },
      blastRadius: { targets: 1, limit: 5 },
      maintenanceWindow: { active: null, autoExecuteAllowed: true },
      circuitBreaker: { failures: 0, threshold: 3, periodMinutes: 1440, open: false },
      approvalExpiryMinutes: 60,
    });
  });

  test('in dry-run mode it still decides to run, marked as pre-checks only', () => {
    const decision = decide({ policy: { dryRun: true } });
    expect(decision).toMatchObject({ action: 'auto_execute', dryRun: true });
    expect(decision.reasons).toContain('Auto-execute linux-disk-cleanup in dry-run mode: pre-checks only, nothing changes');
  });

  test('medium risk runs on its own when the tenant tolerates medium risk', () => {
    expect(decide({ ...MEMORY, policy: { riskTolerance: 'medium' } })).toMatchObject({
      action: 'auto_execute',
      runbookId: 'linux-memory-relief',
    });
  });

  test('high risk runs on its own only with a high tolerance', () => {
    expect(decide({ ...RUNAWAY, policy: { riskTolerance: 'high' } })).toMatchObject({
      action: 'auto_execute',
      runbookId: 'linux-kill-runaway-process',
    });
  });
});

describe('approvals', () => {
  test('medium risk needs a company admin or MSP admin, and the request expires after 1 h', () => {
    const decision = decide(MEMORY);
    expect(decision).toMatchObject({
      action: 'approval_required',
      runbookId: 'linux-memory-relief',
      risk: 'medium',
      approval: { requiredRole: 'company_admin', expiresAt: '2026-03-04T11:00:00.000Z' },
    });
    expect(decision.reasons).toEqual(
      expect.arrayContaining([
        'medium risk is above the tenant’s auto-execution tolerance (low)',
        'Approval by a company admin or MSP admin required, expiring after 1 h (then it escalates)',
      ]),
    );
  });

  test('high risk needs an MSP admin', () => {
    const decision = decide(RUNAWAY);
    expect(decision).toMatchObject({
      action: 'approval_required',
      runbookId: 'linux-kill-runaway-process',
      approval: { requiredRole: 'msp_admin' },
    });
    expect(decision.params).toMatchObject({ processName: 'java' });
    expect(decision.reasons).toContain('high risk is above the tenant’s auto-execution tolerance (low)');
    expect(decision.reasons).toContain('Approval by an MSP admin required, expiring after 1 h (then it escalates)');
  });

  test('the expiry follows the policy', () => {
    expect(decide({ ...MEMORY, policy: { approvalExpiryMinutes: 90 } }).approval?.expiresAt).toBe('2026-03-04T11:30:00.000Z');
  });

  test('with auto-execution off (the default), medium risk still goes to approval', () => {
    const decision = decide({ ...MEMORY, policy: { autoExecute: false, riskTolerance: 'medium' } });
    expect(decision).toMatchObject({ action: 'approval_required', approval: { requiredRole: 'company_admin' } });
    expect(decision.reasons).toContain('Auto-execution is off in the tenant’s remediation policy');
  });
});

describe('safety rules', () => {
  test('auto-execution off: a low-risk runbook is suggested to the technician', () => {
    const decision = decide({ policy: { autoExecute: false } });
    expect(decision).toMatchObject({ action: 'route_to_technician', runbookId: 'linux-disk-cleanup' });
    expect(decision.approval).toBeUndefined();
    expect(decision.reasons).toEqual(
      expect.arrayContaining([
        'Auto-execution is off in the tenant’s remediation policy',
        'Suggested to the technician: linux-disk-cleanup is low risk, a technician may run it',
      ]),
    );
  });

  test('a critical asset blocks auto-execution unless the policy allows it', () => {
    const reason = 'A critical asset is involved and the policy does not auto-execute on critical assets';
    expect(decide({ critical: true })).toMatchObject({ action: 'route_to_technician', reasons: expect.arrayContaining([reason]) });
    expect(decide({ ...MEMORY, critical: true, policy: { riskTolerance: 'medium' } })).toMatchObject({
      action: 'approval_required',
      approval: { requiredRole: 'company_admin' },
      reasons: expect.arrayContaining([reason]),
    });
    expect(decide({ critical: true, policy: { allowCriticalAssets: true } }).action).toBe('auto_execute');
  });

  test('a priority above the ceiling gets a human', () => {
    const decision = decide({ priority: 90, policy: { maxAutoPriority: 80 } });
    expect(decision.action).toBe('route_to_technician');
    expect(decision.reasons).toContain('Priority 90 (high) is above the policy’s auto-execution ceiling 80');
  });

  test('the tenant’s concurrency limit', () => {
    const decision = decide({ ...MEMORY, runningExecutions: 3, policy: { riskTolerance: 'medium' } });
    expect(decision).toMatchObject({ action: 'approval_required', policyApplied: { concurrency: { running: 3, limit: 3 } } });
    expect(decision.reasons).toContain('Concurrency limit reached: 3 of 3 executions running for the tenant');
    expect(decide({ runningExecutions: 2 }).action).toBe('auto_execute');
  });

  test('the blast-radius limit needs an MSP admin, even for low risk', () => {
    const targets = [1, 2, 3, 4, 5, 6].map((index) => target(index));
    const decision = decide({ targets });
    expect(decision).toMatchObject({
      action: 'approval_required',
      runbookId: 'linux-disk-cleanup',
      approval: { requiredRole: 'msp_admin' },
    });
    expect(decision.reasons).toContain('Blast radius: 6 targets exceed the tenant’s limit of 5');
    expect(decide({ targets, policy: { maxTargets: 6 } }).action).toBe('auto_execute');
  });

  test('a runbook’s own maximum number of targets is a hard limit', () => {
    const targets = Array.from({ length: 21 }, (_, index) => target(index));
    const decision = decide({ targets, policy: { maxTargets: 50 } });
    expect(decision).toMatchObject({ action: 'route_to_technician', confidence: 0 });
    expect(decision.runbookId).toBeUndefined();
    expect(decision.reasons).toEqual(
      expect.arrayContaining([
        'linux-disk-cleanup runs on at most 20 hosts; the incident has 21',
        'No linux runbook fits this disk incident: a technician takes it',
      ]),
    );
  });

  describe('circuit breaker', () => {
    test('opens after 3 failures within 24 h', () => {
      const history = [run('failed', 30), run('rolled_back', 120), run('timed_out', 600)];
      const decision = decide({ history });
      expect(decision.action).toBe('route_to_technician');
      expect(decision.policyApplied.circuitBreaker).toEqual({ failures: 3, threshold: 3, periodMinutes: 1440, open: true });
      expect(decision.reasons).toContain('Circuit breaker open: linux-disk-cleanup failed 3 times in the last 24 h with no success since');
    });

    test('a success closes it, and older failures do not count', () => {
      expect(
        decide({ history: [run('failed', 300), run('failed', 200), run('succeeded', 100), run('failed', 30)] }).policyApplied
          .circuitBreaker,
      ).toMatchObject({
        failures: 1,
        open: false,
      });
      expect(decide({ history: [run('failed', 30), run('failed', 60), run('failed', 2000)] }).policyApplied.circuitBreaker.open).toBe(
        false,
      );
    });

    test('the threshold and period follow the policy', () => {
      const decision = decide({ history: [run('failed', 30)], policy: { circuitBreaker: { failures: 1, periodMinutes: 60 } } });
      expect(decision.reasons).toContain('Circuit breaker open: linux-disk-cleanup failed 1 times in the last 1 h with no success since');
    });
  });

  describe('maintenance windows', () => {
    const weekdays = (autoExecute: boolean): MaintenanceWindow => ({
      name: autoExecute ? 'Office hours' : 'Quarter-end freeze',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '09:00',
      end: '17:00',
      timeZone: 'Europe/Berlin',
      autoExecute,
    });

    test('a freeze window forbids auto-execution while it lasts', () => {
      const decision = decide({ policy: { maintenanceWindows: [weekdays(false)] } });
      expect(decision.action).toBe('route_to_technician');
      expect(decision.policyApplied.maintenanceWindow).toEqual({ active: 'Quarter-end freeze', autoExecuteAllowed: false });
      expect(decision.reasons).toContain('Window "Quarter-end freeze" forbids auto-execution now');
      expect(decide({ policy: { maintenanceWindows: [weekdays(false)] }, now: new Date('2026-03-04T18:00:00Z') }).action).toBe(
        'auto_execute',
      );
    });

    test('with auto-execution only in windows: inside runs, outside waits', () => {
      const policy = { maintenanceWindows: [weekdays(true)], autoExecuteOutsideWindows: false };
      const inside = decide({ policy });
      expect(inside.action).toBe('auto_execute');
      expect(inside.reasons).toContain('Inside maintenance window "Office hours", which allows auto-execution');
      const outside = decide({ policy, now: new Date('2026-03-07T10:00:00Z') }); // a Saturday
      expect(outside.action).toBe('route_to_technician');
      expect(outside.reasons).toContain('Outside the maintenance windows ("Office hours") auto-execution is not allowed');
    });

    test('a freeze wins over an overlapping maintenance window', () => {
      expect(decide({ policy: { maintenanceWindows: [weekdays(true), weekdays(false)] } }).policyApplied.maintenanceWindow.active).toBe(
        'Quarter-end freeze',
      );
    });

    test('auto-execution only in windows, and none defined', () => {
      expect(decide({ policy: { autoExecuteOutsideWindows: false } }).reasons).toContain(
        'Auto-execution is allowed only in maintenance windows, and none is defined',
      );
    });

    test('windows are read in their own time zone, daylight saving time included', () => {
      const newYork: MaintenanceWindow = {
        name: 'NY',
        days: ['mon'],
        start: '09:00',
        end: '17:00',
        timeZone: 'America/New_York',
        autoExecute: true,
      };
      expect(inWindow(newYork, new Date('2026-07-06T13:30:00Z'))).toBe(true); // 09:30 EDT
      expect(inWindow(newYork, new Date('2026-01-05T13:30:00Z'))).toBe(false); // 08:30 EST
      expect(inWindow(newYork, new Date('2026-01-05T14:30:00Z'))).toBe(true); // 09:30 EST
    });

    test('a window ending at or before its start runs past midnight into the next day', () => {
      const night: MaintenanceWindow = {
        name: 'Night',
        days: ['sat'],
        start: '22:00',
        end: '02:00',
        timeZone: 'Europe/Berlin',
        autoExecute: true,
      };
      expect(inWindow(night, new Date('2026-03-07T21:30:00Z'))).toBe(true); // Sat 22:30 CET
      expect(inWindow(night, new Date('2026-03-07T23:30:00Z'))).toBe(true); // Sun 00:30 CET
      expect(inWindow(night, new Date('2026-03-08T01:30:00Z'))).toBe(false); // Sun 02:30 CET
      expect(inWindow(night, new Date('2026-03-06T23:30:00Z'))).toBe(false); // Sat 00:30: Friday is not a window day
    });
  });

  test('low confidence keeps the runbook from running on its own', () => {
    const decision = decide({ policy: { minConfidence: 0.99 }, signatures: ['StorageAlert'] });
    expect(decision.action).toBe('route_to_technician');
    expect(decision.reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Confidence 0\.\d+ is below the policy’s minimum 0\.99$/)]),
    );
  });

  test('a poor success record lowers the confidence', () => {
    const history = [run('succeeded', 5000), run('failed', 4000), run('failed', 3000), run('succeeded', 2500)];
    const decision = decide({ history });
    expect(decision.confidence).toBe(0.85);
    expect(decision.reasons).toContain('History: linux-disk-cleanup succeeded 2 of its last 4 runs for the tenant');
  });
});

describe('routing to a technician', () => {
  test('no SSM target', () => {
    const decision = decide({ targets: [] });
    expect(decision).toMatchObject({
      action: 'route_to_technician',
      confidence: 0,
      reasons: ['No SSM-managed target is known for the incident’s asset: a technician takes it'],
    });
  });

  test('targets on both platforms', () => {
    expect(decide({ targets: [target(1), target(2, 'windows')] }).reasons).toContain(
      'The targets mix Linux and Windows hosts: no runbook runs on both, a technician takes it',
    );
  });

  test('no runbook matches', () => {
    const decision = decide({ category: 'other', signatures: ['SomethingOdd'] });
    expect(decision).toMatchObject({ action: 'route_to_technician', confidence: 0 });
    expect(decision.runbookId).toBeUndefined();
    expect(decision.reasons).toEqual(['No linux runbook fits this other incident: a technician takes it']);
  });

  test('never a Linux runbook for a Windows target', () => {
    const linuxOnly = matchRunbooks(
      { categories: ['disk'], signatures: ['NodeFilesystemAlmostOutOfSpace'], platform: 'linux' },
      RUNBOOK_LIBRARY,
    );
    const decision = decideRemediation({
      incident: { id: 'inc-1', category: 'disk', severity: 'high', priority: 60, critical: false },
      targets: [target(1, 'windows')],
      candidates: linuxOnly,
      policy: remediationPolicySchema.parse({ autoExecute: true }),
      runningExecutions: 0,
      history: [],
      now: NOW,
    });
    expect(decision.action).toBe('route_to_technician');
    expect(decision.runbookId).toBeUndefined();
    expect(decision.reasons).toEqual(['No windows runbook fits this disk incident: a technician takes it']);
  });

  test('a runbook disabled by the tenant is never proposed', () => {
    const decision = decide({ policy: { disabledRunbooks: ['linux-disk-cleanup'] } });
    expect(decision.runbookId).toBeUndefined();
    expect(decision.reasons).toContain('linux-disk-cleanup is disabled by the tenant’s policy');
  });

  test('a runbook that already failed on this incident is not proposed again', () => {
    const decision = decide({ history: [run('failed', 10, 'linux-disk-cleanup', 'inc-1')] });
    expect(decision.runbookId).toBeUndefined();
    expect(decision.reasons).toContain('linux-disk-cleanup already failed on this incident');
  });

  test('parameters the labels do not give: the technician runs it with them', () => {
    const decision = decide({ category: 'service', signatures: ['NodeSystemdServiceFailed'] });
    expect(decision).toMatchObject({ action: 'route_to_technician', runbookId: 'linux-service-restart' });
    expect(decision.reasons).toContain(
      'linux-service-restart needs service, which the incident’s labels do not give: a technician runs it with the values',
    );
    expect(decide({ category: 'service', signatures: ['NodeSystemdServiceFailed'], labels: { name: 'nginx.service' } })).toMatchObject({
      action: 'auto_execute',
      runbookId: 'linux-service-restart',
      params: { service: 'nginx.service', settleSeconds: 10 },
    });
  });

  test('a match score below the policy’s minimum is only a suggestion', () => {
    const decision = decide({ policy: { minMatchScore: 0.9 }, signatures: ['StorageAlert'] });
    expect(decision).toMatchObject({ action: 'route_to_technician', runbookId: 'linux-disk-cleanup' });
    expect(decision.reasons).toContain('Match score 0.5 is below the policy’s minimum 0.9: suggested to the technician only');
  });
});

describe('AI advice', () => {
  const advice = (suggestedRunbookId: string | null, confidence = 0.8): AdviceResult => ({
    used: true,
    summary: 'The root file system is filling up.',
    likelyRootCause: 'Old logs.',
    suggestedRunbookId,
    confidence,
    modelId: 'model',
  });

  test('unavailable advice: the rules decide and say so', () => {
    const decision = decide({ advice: { used: false, code: 'throttled', reason: 'Bedrock is throttling requests (ThrottlingException)' } });
    expect(decision).toMatchObject({ action: 'auto_execute', adviceUsed: false });
    expect(decision.reasons[0]).toBe('AI advice unavailable: Bedrock is throttling requests (ThrottlingException); rules decided');
  });

  test('agreeing advice raises the confidence', () => {
    const decision = decide({ signatures: ['StorageAlert'], advice: advice('linux-disk-cleanup', 0.8) });
    expect(decision).toMatchObject({ action: 'auto_execute', adviceUsed: true, confidence: 0.6 });
    expect(decision.reasons).toContain('AI advice agrees on linux-disk-cleanup (confidence 0.8)');
  });

  test('disagreeing advice keeps the rules’ runbook but stops auto-execution', () => {
    const decision = decide({ advice: advice(null) });
    expect(decision).toMatchObject({ action: 'route_to_technician', runbookId: 'linux-disk-cleanup', confidence: 0.6 });
    expect(decision.reasons).toEqual(
      expect.arrayContaining([
        'AI advice suggests no runbook; rules chose linux-disk-cleanup',
        'AI advice disagrees with the rules: a human decides',
      ]),
    );
    expect(decide({ advice: advice('linux-docker-cleanup') }).reasons).toContain(
      'AI advice suggests linux-docker-cleanup instead; rules keep linux-disk-cleanup',
    );
  });

  test('advice breaks a near tie between matched runbooks', () => {
    const decision = decide({ signatures: ['DockerDiskFull'], advice: advice('linux-docker-cleanup') });
    expect(decision.runbookId).toBe('linux-docker-cleanup');
    expect(decision.reasons).toContain('AI advice breaks a near tie: linux-docker-cleanup rather than linux-disk-cleanup (confidence 0.8)');
  });
});
