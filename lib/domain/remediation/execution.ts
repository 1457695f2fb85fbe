import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';
import type { ApproverRole } from './decision';
import { PLATFORMS, RISKS, type Platform, type Risk } from './runbook';

/**
 * A runbook execution and the approval request it may wait for (an execution id is also its approval's
 * id: an execution waits for at most one approval). Stored by lib/store/remediation.ts.
 */
/** What an execution and its approval request both name: the incident's runbook (an approval's id is its execution's). */
interface RunbookWork {
  id: string;
  tenantId: string;
  incidentId: string;
  runbookId: string;
  runbookName: string;
  risk: Risk;
}

export const EXECUTION_STATES = ['pending_approval', 'running', 'succeeded', 'failed', 'rejected', 'expired'] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

export interface Execution extends RunbookWork {
  platform: Platform;
  params: Record<string, string | number>;
  targets: { assetId: string; instanceId: string; accountId: string; region: string }[];
  dryRun: boolean;
  /** 'system' for a decision's execution, else the user who asked. */
  requestedBy: string;
  trigger: 'auto' | 'approval' | 'manual';
  state: ExecutionState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** The state machine's outcome: 'succeeded', 'commands-failed, rolled back', 'approval-rejected'... */
  outcome?: string;
  failedSection?: string;
  /** The last section's output (truncated by the runbook step). */
  output?: string;
  error?: string;
  stateMachineExecution?: string;
  /** The request that led to it (lib/http/http.ts correlationIdOf): the alert's, or the operator's API call. */
  correlationId?: string;
}

/**
 * `cancelled`: nothing is left to approve: its execution could not start, its decision was revised, or
 * its incident resolved or was merged before anyone answered (withdrawn).
 */
export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface Approval extends RunbookWork {
  requiredRole: ApproverRole;
  requestedBy: string;
  reasons: string[];
  state: ApprovalState;
  createdAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

const runbookWorkShape = {
  id: z.string().min(1),
  tenantId: z.string().min(1),
  incidentId: z.string().min(1),
  runbookId: z.string().min(1),
  runbookName: z.string(),
  risk: z.enum(RISKS),
};

export const executionSchema = entitySchema<Execution>({
  ...runbookWorkShape,
  platform: z.enum(PLATFORMS),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  targets: z.array(z.object({ assetId: z.string(), instanceId: z.string(), accountId: z.string(), region: z.string() })),
  dryRun: z.boolean(),
  requestedBy: z.string(),
  trigger: z.enum(['auto', 'approval', 'manual']),
  state: z.enum(EXECUTION_STATES),
  createdAt: timestamp,
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
  durationMs: z.number().optional(),
  outcome: z.string().optional(),
  failedSection: z.string().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
  stateMachineExecution: z.string().optional(),
  correlationId: z.string().optional(),
});

/** An approval request as stored: with the state machine's task token once it has attached it (never shown by the API). */
export type StoredApproval = Approval & { taskToken?: string };

export const storedApprovalSchema = entitySchema<StoredApproval>({
  ...runbookWorkShape,
  requiredRole: z.enum(['company_admin', 'msp_admin']),
  requestedBy: z.string(),
  reasons: z.array(z.string()),
  state: z.enum(APPROVAL_STATES),
  createdAt: timestamp,
  expiresAt: timestamp,
  decidedBy: z.string().optional(),
  decidedAt: timestamp.optional(),
  comment: z.string().optional(),
  taskToken: z.string().optional(),
});
