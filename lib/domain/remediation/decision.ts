import * as z from 'zod';
import type { Category } from '../correlation/categories';
import type { Severity } from '../alert';
import { RISK_RANK, RISKS, RUNBOOK_ID_PATTERN, type ParamValue, type RemediationTarget, type Risk, type RunbookMatch } from './runbook';

export const ADVICE_FAILURES = [
  'timeout',
  'throttled',
  'service_error',
  'token_budget',
  'empty_answer',
  'invalid_json',
  'invalid_answer',
  'runbook_not_allowed',
] as const;
export type AdviceFailure = (typeof ADVICE_FAILURES)[number];

export type AdviceResult =
  | {
      used: true;
      summary: string;
      likelyRootCause: string;
      suggestedRunbookId: string | null;
      confidence: number;
      modelId: string;
      usage?: { inputTokens?: number; outputTokens?: number };
    }
  | { used: false; code: AdviceFailure; reason: string };

/**
 * The remediation decision: for every incident, auto-execute a runbook, ask for an
 * approval, or route to a technician — with the reasons, a confidence and the policy values applied.
 * A pure function of (incident, targets, matched runbooks, tenant policy, running executions, recent
 * execution history, optional AI advice, clock): no I/O, so every rule is unit-tested and the
 * decision Lambda only gathers the inputs and stores the result.
 *
 * Rules, in order:
 *  1. Route to a technician when there is no SSM target, targets mix platforms, or no runbook is left
 *     once runbooks for the other platform, disabled by the tenant, with fewer maxTargets than the
 *     targets, or already failed on this incident are set aside.
 *  2. The best remaining runbook is chosen (score, then lower risk); AI advice may break a near tie
 *     (within 0.05) but never raises autonomy: when it disagrees, auto-execution is off.
 *  3. Route to a technician (runbook suggested) when parameters lack values or the score is below
 *     the policy's minimum.
 *  4. Auto-execute only when nothing blocks it: auto-execution on, risk within tolerance, no critical
 *     asset (unless allowed), priority not above the policy's ceiling, maintenance windows allow it
 *     now, the tenant's concurrency limit not reached, targets within the blast-radius limit, the
 *     runbook's circuit breaker closed, confidence high enough, AI advice not disagreeing.
 *  5. Otherwise: medium risk needs a company admin or MSP admin, high risk an MSP admin, and a
 *     blast radius over the tenant's limit an MSP admin whatever the risk; the request expires
 *     (default 1 h) and then escalates. A blocked low-risk runbook with no such rule goes to a
 *     technician with the runbook suggested (technicians may run low-risk runbooks).
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A weekly window in a time zone. `end` at or before `start` crosses midnight: a Saturday 22:00-02:00
 * window runs into Sunday. `autoExecute` says what the window means: true, a maintenance window
 * where auto-execution may run; false, a change freeze where it may not.
 */
export const maintenanceWindowSchema = z
  .object({
    name: z.string().min(1).max(80),
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
    start: z.string().regex(HHMM, 'HH:MM, 24-hour'),
    end: z.string().regex(HHMM, 'HH:MM, 24-hour'),
    timeZone: z.string().min(1).max(64).refine(isTimeZone, 'Unknown IANA time zone'),
    autoExecute: z.boolean(),
  })
  .strict()
  .refine((window) => window.start !== window.end, { message: 'start and end must differ', path: ['end'] });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/**
 * A tenant's remediation policy. Every field has a default; a tenant stores only what it changes.
 *
 * `autoExecute` defaults to false: the product auto-executes "low risk and the tenant allows it",
 * and nothing should run on a client's servers before someone at the MSP or the client has said so
 * (the onboarding role may exist long before the client agrees to automation). Until then every
 * decision is an approval or a technician's suggestion, which already shows what would have run.
 */
export const remediationPolicySchema = z
  .object({
    /** Runbooks may run without a human (within the other limits). */
    autoExecute: z.boolean().default(false),
    /** Highest risk that may auto-execute. */
    riskTolerance: z.enum(RISKS).default('low'),
    /** Executions run their pre-checks only and change nothing. */
    dryRun: z.boolean().default(false),
    /** Auto-execution on assets flagged critical. */
    allowCriticalAssets: z.boolean().default(false),
    /** Executions running at once for the tenant, at most. */
    maxConcurrentExecutions: z.number().int().min(1).max(100).default(3),
    /** Blast-radius limit: hosts one auto-execution may target. */
    maxTargets: z.number().int().min(1).max(500).default(5),
    /** Incidents with a priority above this get a human (100: no ceiling). */
    maxAutoPriority: z.number().int().min(0).max(100).default(100),
    /** A runbook scoring below this is not proposed at all (the technician decides). */
    minMatchScore: z.number().min(0).max(1).default(0.5),
    /** Auto-execution needs at least this confidence. */
    minConfidence: z.number().min(0).max(1).default(0.6),
    /** After this many failures of a runbook within the period (and no success since), it no longer auto-executes. */
    circuitBreaker: z
      .object({
        failures: z.number().int().min(1).max(50).default(3),
        periodMinutes: z
          .number()
          .int()
          .min(5)
          .max(7 * 24 * 60)
          .default(24 * 60),
      })
      .strict()
      .prefault({}),
    /** An approval request expires (and escalates) after this long. */
    approvalExpiryMinutes: z.number().int().min(5).max(1440).default(60),
    maintenanceWindows: z.array(maintenanceWindowSchema).max(20).default([]),
    /** Outside every window: may auto-execution run? (true when the tenant has only freeze windows.) */
    autoExecuteOutsideWindows: z.boolean().default(true),
    /** Ask the configured Bedrock model for advice on each incident (it may break a near tie, never raise autonomy). */
    aiAdvice: z.boolean().default(false),
    /** Runbooks the tenant never wants proposed. */
    disabledRunbooks: z.array(z.string().regex(RUNBOOK_ID_PATTERN)).max(200).default([]),
  })
  .strict();
export type RemediationPolicy = z.infer<typeof remediationPolicySchema>;
export type RemediationPolicyInput = z.input<typeof remediationPolicySchema>;
export const DEFAULT_REMEDIATION_POLICY: RemediationPolicy = remediationPolicySchema.parse({});

/** What the decision needs to know about the incident. */
export interface DecisionIncident {
  id: string;
  /** The root's category. */
  category: Category;
  severity: Severity;
  /** Priority score, 0-100. */
  priority: number;
  /** Whether any asset of the incident is flagged critical. */
  critical: boolean;
}

export const EXECUTION_STATUSES = ['succeeded', 'failed', 'rolled_back', 'timed_out', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
const FAILED: ReadonlySet<ExecutionStatus> = new Set(['failed', 'rolled_back', 'timed_out']);

/** One finished execution of the tenant (recent history: the circuit breaker's and the confidence's input). */
export interface ExecutionRecord {
  runbookId: string;
  incidentId?: string;
  status: ExecutionStatus;
  finishedAt: string;
}

export interface DecisionInput {
  incident: DecisionIncident;
  /** The SSM targets of the incident's root asset (or of the assets the runbook would touch). */
  targets: readonly RemediationTarget[];
  /** Runbooks matched for the incident (matchRunbooks), best first. */
  candidates: readonly RunbookMatch[];
  policy: RemediationPolicy;
  /** Executions of the tenant running now. */
  runningExecutions: number;
  history: readonly ExecutionRecord[];
  /** AI advice, when requested (undefined: not requested). */
  advice?: AdviceResult;
  /** The maintenance window or silence holding the incident (lib/domain/maintenance/window.ts), if any. */
  maintenance?: { name: string; autoRemediation: 'off' | 'allowed' };
  now: Date;
}

export type DecisionAction = 'auto_execute' | 'approval_required' | 'route_to_technician';
export type ApproverRole = 'company_admin' | 'msp_admin';

export interface PolicyApplied {
  autoExecute: boolean;
  riskTolerance: Risk;
  dryRun: boolean;
  allowCriticalAssets: boolean;
  maxAutoPriority: number;
  minMatchScore: number;
  minConfidence: number;
  concurrency: { running: number; limit: number };
  blastRadius: { targets: number; limit: number };
  maintenanceWindow: { active: string | null; autoExecuteAllowed: boolean };
  circuitBreaker: { failures: number; threshold: number; periodMinutes: number; open: boolean };
  approvalExpiryMinutes: number;
}

export interface RemediationDecision {
  action: DecisionAction;
  runbookId?: string;
  risk?: Risk;
  /** The parameters the runbook would run with. */
  params?: Record<string, ParamValue>;
  reasons: string[];
  /** 0..1: confidence that the runbook fits the incident (0 when none does). */
  confidence: number;
  /** Executions created from this decision run their pre-checks only. */
  dryRun: boolean;
  /** Whether AI advice contributed (false when unavailable or not requested). */
  adviceUsed: boolean;
  policyApplied: PolicyApplied;
  approval?: { requiredRole: ApproverRole; expiresAt: string };
}

/** Runbook scores within this of the best count as a tie that AI advice may break. */
const AI_TIE = 0.05;
/** History runs needed before the success rate weighs on the confidence. */
const MIN_HISTORY = 3;

const ROLE_RANK: Record<ApproverRole, number> = { company_admin: 0, msp_admin: 1 };

export function decideRemediation(input: DecisionInput): RemediationDecision {
  const { incident, targets, policy, now } = input;
  const reasons: string[] = [];
  const windowState = maintenanceState(policy, now, input.maintenance);
  const applied: PolicyApplied = {
    autoExecute: policy.autoExecute,
    riskTolerance: policy.riskTolerance,
    dryRun: policy.dryRun,
    allowCriticalAssets: policy.allowCriticalAssets,
    maxAutoPriority: policy.maxAutoPriority,
    minMatchScore: policy.minMatchScore,
    minConfidence: policy.minConfidence,
    concurrency: { running: input.runningExecutions, limit: policy.maxConcurrentExecutions },
    blastRadius: { targets: targets.length, limit: policy.maxTargets },
    maintenanceWindow: { active: windowState.active, autoExecuteAllowed: windowState.allowed },
    circuitBreaker: {
      failures: 0,
      threshold: policy.circuitBreaker.failures,
      periodMinutes: policy.circuitBreaker.periodMinutes,
      open: false,
    },
    approvalExpiryMinutes: policy.approvalExpiryMinutes,
  };
  const advice = input.advice;
  if (advice && !advice.used) reasons.push(`AI advice unavailable: ${advice.reason}; rules decided`);
  const base = { dryRun: policy.dryRun, adviceUsed: false, policyApplied: applied };
  const route = (why: string[], confidence = 0): RemediationDecision => ({
    action: 'route_to_technician',
    reasons: [...reasons, ...why],
    confidence,
    ...base,
  });

  // 1. Targets and eligible runbooks.
  if (targets.length === 0) return route(['No SSM-managed target is known for the incident’s asset: a technician takes it']);
  const platforms = new Set(targets.map((target) => target.platform));
  if (platforms.size > 1) return route(['The targets mix Linux and Windows hosts: no runbook runs on both, a technician takes it']);
  const platform = targets[0]?.platform;
  const eligible: RunbookMatch[] = [];
  for (const candidate of input.candidates) {
    const { runbook } = candidate;
    if (runbook.platform !== platform) continue;
    if (policy.disabledRunbooks.includes(runbook.id)) {
      reasons.push(`${runbook.id} is disabled by the tenant’s policy`);
    } else if (targets.length > runbook.maxTargets) {
      reasons.push(`${runbook.id} runs on at most ${runbook.maxTargets} hosts; the incident has ${targets.length}`);
    } else if (input.history.some((run) => run.runbookId === runbook.id && run.incidentId === incident.id && FAILED.has(run.status))) {
      reasons.push(`${runbook.id} already failed on this incident`);
    } else {
      eligible.push(candidate);
    }
  }
  if (eligible.length === 0) {
    return route([`No ${platform} runbook fits this ${incident.category} incident: a technician takes it`]);
  }

  // 2. The runbook, and what AI advice says about it.
  eligible.sort((a, b) => b.score - a.score || RISK_RANK[a.runbook.risk] - RISK_RANK[b.runbook.risk]);
  let chosen = eligible[0] as RunbookMatch;
  let aiAgrees = false;
  let aiDisagrees = false;
  if (advice?.used) {
    const suggested = advice.suggestedRunbookId;
    const alternative = suggested === null ? undefined : eligible.find((candidate) => candidate.runbook.id === suggested);
    if (suggested === chosen.runbook.id) {
      aiAgrees = true;
      reasons.push(`AI advice agrees on ${suggested} (confidence ${advice.confidence})`);
    } else if (alternative && alternative.score >= chosen.score - AI_TIE) {
      aiAgrees = true;
      reasons.push(
        `AI advice breaks a near tie: ${alternative.runbook.id} rather than ${chosen.runbook.id} (confidence ${advice.confidence})`,
      );
      chosen = alternative;
    } else {
      aiDisagrees = true;
      reasons.push(
        suggested === null
          ? `AI advice suggests no runbook; rules chose ${chosen.runbook.id}`
          : `AI advice suggests ${suggested} instead; rules keep ${chosen.runbook.id}`,
      );
    }
  }
  const { runbook } = chosen;
  const decided = { ...base, adviceUsed: advice?.used === true, runbookId: runbook.id, risk: runbook.risk, params: chosen.params };
  reasons.push(`${runbook.id} (${runbook.risk} risk) matches with score ${chosen.score}: ${chosen.reasons.join('; ')}`);

  // 3. Confidence, and whether the runbook can be proposed at all.
  const confidence = confidenceOf(chosen, input.history, advice, aiAgrees, aiDisagrees, reasons);
  if (chosen.missingParams.length) {
    return {
      ...decided,
      action: 'route_to_technician',
      confidence,
      reasons: [
        ...reasons,
        `${runbook.id} needs ${chosen.missingParams.join(', ')}, which the incident’s labels do not give: a technician runs it with the values`,
      ],
    };
  }
  if (chosen.score < policy.minMatchScore) {
    return {
      ...decided,
      action: 'route_to_technician',
      confidence,
      reasons: [
        ...reasons,
        `Match score ${chosen.score} is below the policy’s minimum ${policy.minMatchScore}: suggested to the technician only`,
      ],
    };
  }

  // 4. Safety rules: each one that holds keeps the runbook from running on its own.
  const blockers: Array<{ reason: string; role?: ApproverRole }> = [];
  if (!policy.autoExecute) blockers.push({ reason: 'Auto-execution is off in the tenant’s remediation policy' });
  if (RISK_RANK[runbook.risk] > RISK_RANK[policy.riskTolerance]) {
    blockers.push({ reason: `${runbook.risk} risk is above the tenant’s auto-execution tolerance (${policy.riskTolerance})` });
  }
  if (incident.critical && !policy.allowCriticalAssets) {
    blockers.push({ reason: 'A critical asset is involved and the policy does not auto-execute on critical assets' });
  }
  if (incident.priority > policy.maxAutoPriority) {
    blockers.push({
      reason: `Priority ${incident.priority} (${incident.severity}) is above the policy’s auto-execution ceiling ${policy.maxAutoPriority}`,
    });
  }
  if (!windowState.allowed) blockers.push({ reason: windowState.reason });
  else if (windowState.active) reasons.push(windowState.reason);
  if (input.runningExecutions >= policy.maxConcurrentExecutions) {
    blockers.push({
      reason: `Concurrency limit reached: ${input.runningExecutions} of ${policy.maxConcurrentExecutions} executions running for the tenant`,
    });
  }
  if (targets.length > policy.maxTargets) {
    blockers.push({
      reason: `Blast radius: ${targets.length} targets exceed the tenant’s limit of ${policy.maxTargets}`,
      role: 'msp_admin',
    });
  }
  const breaker = circuitBreaker(runbook.id, input.history, policy, now);
  applied.circuitBreaker = { ...applied.circuitBreaker, failures: breaker.failures, open: breaker.open };
  if (breaker.open) {
    blockers.push({
      reason: `Circuit breaker open: ${runbook.id} failed ${breaker.failures} times in the last ${formatMinutes(policy.circuitBreaker.periodMinutes)} with no success since`,
    });
  }
  if (confidence < policy.minConfidence)
    blockers.push({ reason: `Confidence ${confidence} is below the policy’s minimum ${policy.minConfidence}` });
  if (aiDisagrees) blockers.push({ reason: 'AI advice disagrees with the rules: a human decides' });

  if (blockers.length === 0) {
    reasons.push(
      policy.dryRun
        ? `Auto-execute ${runbook.id} in dry-run mode: pre-checks only, nothing changes`
        : `Auto-execute ${runbook.id}: ${runbook.risk} risk within the tenant’s policy`,
    );
    return { ...decided, action: 'auto_execute', confidence, reasons };
  }
  reasons.push(...blockers.map((blocker) => blocker.reason));
  const demanded = blockers.map((blocker) => blocker.role).filter((role): role is ApproverRole => role !== undefined);
  if (runbook.risk === 'low' && demanded.length === 0) {
    reasons.push(`Suggested to the technician: ${runbook.id} is low risk, a technician may run it`);
    return { ...decided, action: 'route_to_technician', confidence, reasons };
  }
  const roles: ApproverRole[] = [runbook.risk === 'high' ? 'msp_admin' : 'company_admin', ...demanded];
  const requiredRole = roles.reduce((highest, role) => (ROLE_RANK[role] > ROLE_RANK[highest] ? role : highest));
  const expiresAt = new Date(now.getTime() + policy.approvalExpiryMinutes * 60_000).toISOString();
  reasons.push(
    `Approval by ${requiredRole === 'msp_admin' ? 'an MSP admin' : 'a company admin or MSP admin'} required, ` +
      `expiring after ${formatMinutes(policy.approvalExpiryMinutes)} (then it escalates)`,
  );
  return { ...decided, action: 'approval_required', confidence, reasons, approval: { requiredRole, expiresAt } };
}

/**
 * Confidence that the runbook fits: its match score; blended 70/30 with its success rate when the
 * tenant ran it at least 3 times recently; raised towards 1 by agreeing AI advice (by a quarter of
 * the gap, scaled by the advice's own confidence) and cut by 40% by disagreeing advice.
 */
function confidenceOf(
  chosen: RunbookMatch,
  history: readonly ExecutionRecord[],
  advice: AdviceResult | undefined,
  aiAgrees: boolean,
  aiDisagrees: boolean,
  reasons: string[],
): number {
  let confidence = chosen.score;
  const runs = history.filter((run) => run.runbookId === chosen.runbook.id && run.status !== 'cancelled');
  if (runs.length >= MIN_HISTORY) {
    const succeeded = runs.filter((run) => run.status === 'succeeded').length;
    confidence = 0.7 * confidence + (0.3 * succeeded) / runs.length;
    reasons.push(`History: ${chosen.runbook.id} succeeded ${succeeded} of its last ${runs.length} runs for the tenant`);
  }
  if (aiAgrees && advice?.used) confidence += (1 - confidence) * 0.25 * advice.confidence;
  if (aiDisagrees) confidence *= 0.6;
  return Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100;
}

function circuitBreaker(
  runbookId: string,
  history: readonly ExecutionRecord[],
  policy: RemediationPolicy,
  now: Date,
): { failures: number; open: boolean } {
  const since = now.getTime() - policy.circuitBreaker.periodMinutes * 60_000;
  const runs = history.filter((run) => run.runbookId === runbookId);
  const lastSuccess = Math.max(-Infinity, ...runs.filter((run) => run.status === 'succeeded').map((run) => Date.parse(run.finishedAt)));
  const failures = runs.filter((run) => {
    const at = Date.parse(run.finishedAt);
    return FAILED.has(run.status) && at >= since && at <= now.getTime() && at > lastSuccess;
  }).length;
  return { failures, open: failures >= policy.circuitBreaker.failures };
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows

interface WindowState {
  /** The window the clock is in (a freeze wins over a maintenance window), or null. */
  active: string | null;
  allowed: boolean;
  reason: string;
}

export function maintenanceState(
  policy: Pick<RemediationPolicy, 'maintenanceWindows' | 'autoExecuteOutsideWindows'>,
  now: Date,
  held?: DecisionInput['maintenance'],
): WindowState {
  // The incident's own maintenance window says first: planned work on these assets decides for them.
  if (held?.autoRemediation === 'off')
    return {
      active: held.name,
      allowed: false,
      reason: `The incident is in maintenance window "${held.name}", which turns auto-execution off`,
    };
  if (held?.autoRemediation === 'allowed')
    return {
      active: held.name,
      allowed: true,
      reason: `The incident is in maintenance window "${held.name}", which allows auto-execution`,
    };
  const active = policy.maintenanceWindows.filter((window) => inWindow(window, now));
  const freeze = active.find((window) => !window.autoExecute);
  if (freeze) return { active: freeze.name, allowed: false, reason: `Window "${freeze.name}" forbids auto-execution now` };
  const open = active.find((window) => window.autoExecute);
  if (open) return { active: open.name, allowed: true, reason: `Inside maintenance window "${open.name}", which allows auto-execution` };
  if (!policy.autoExecuteOutsideWindows && policy.maintenanceWindows.length) {
    const names = policy.maintenanceWindows.filter((window) => window.autoExecute).map((window) => `"${window.name}"`);
    return {
      active: null,
      allowed: false,
      reason: `Outside the maintenance windows (${names.join(', ') || 'none allowing it'}) auto-execution is not allowed`,
    };
  }
  if (!policy.autoExecuteOutsideWindows)
    return { active: null, allowed: false, reason: 'Auto-execution is allowed only in maintenance windows, and none is defined' };
  return { active: null, allowed: true, reason: 'No maintenance window restricts auto-execution now' };
}

/** Whether the clock is inside a weekly window, in the window's own time zone (DST included, via Intl). */
export function inWindow(window: MaintenanceWindow, now: Date): boolean {
  const { day, minutes } = localTime(now, window.timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  const days = new Set(window.days);
  if (start < end) return days.has(day) && minutes >= start && minutes < end;
  const previous = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
  return (days.has(day) && minutes >= start) || (days.has(previous) && minutes < end);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(now: Date, timeZone: string): { day: Weekday; minutes: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(now).map((part) => [part.type, part.value]));
  return {
    day: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
  };
}

function toMinutes(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours as number) * 60 + (minutes as number);
}

function formatMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? '24 h' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}
