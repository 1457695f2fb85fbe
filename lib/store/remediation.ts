import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { NewDomainEvent } from '../domain/events';
import type { ExecutionRecord, RemediationPolicy } from '../domain/remediation/decision';
import { DEFAULT_REMEDIATION_POLICY, remediationPolicySchema } from '../domain/remediation/decision';
import {
  executionSchema,
  storedApprovalSchema,
  type Approval,
  type ApprovalState,
  type Execution,
  type ExecutionState,
  type StoredApproval,
} from '../domain/remediation/execution';
import { logger } from '../observability';
import { ulidFloor } from './alerts';
import { keys } from './keys';
import { withEvents } from './outbox';
import { entityOf, updatedEntity, validEntity } from './entity';
import { queryPage, type TableRef } from './table-ref';
import { isConditionFailure, transactWrite, type TransactItem } from './transact';
import { versionedPolicy } from './versioned-policy';

/** What a state change writes beside its own item, in the same transaction: timeline entries, the incident's summary, its events. */
export interface AlongWith {
  items?: readonly TransactItem[];
  events?: readonly NewDomainEvent[];
}

async function writeAlongWith(table: TableRef, tenantId: string, item: TransactItem, along: AlongWith, now: Date): Promise<void> {
  await transactWrite(table, withEvents(table, tenantId, [item, ...(along.items ?? [])], along.events ?? [], now));
}

/**
 * Remediation state: executions, approval requests, the tenant's remediation policy
 * and its cross-account access (external id). An execution id is also its approval's id: an
 * execution waits for at most one approval.
 */

const TERMINAL: ReadonlySet<ExecutionState> = new Set(['succeeded', 'failed', 'rejected', 'expired']);

/**
 * The execution, with its approval request and pending marker when it needs one, in one transaction.
 * False when an execution with this id exists already (a retried decision finds the one it created).
 */
export async function createExecution(table: TableRef, execution: Execution, approval?: Approval): Promise<boolean> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: { ...keys.execution(execution.tenantId, execution.id), entity: 'execution', ...validEntity(executionSchema, execution) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  if (approval) {
    items.push(
      {
        Put: {
          TableName: table.tableName,
          Item: { ...keys.approval(approval.tenantId, approval.id), entity: 'approval', ...validEntity(storedApprovalSchema, approval) },
        },
      },
      {
        Put: {
          TableName: table.tableName,
          Item: {
            ...keys.pendingApproval(approval.expiresAt, approval.tenantId, approval.id),
            entity: 'pendingApproval',
            tenantId: approval.tenantId,
            approvalId: approval.id,
          },
        },
      },
    );
  }
  try {
    await transactWrite(table, items);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Records that the state machine runs the execution, with what goes along (timeline, the incident's
 * remediation summary, ExecutionStarted or ApprovalRequested). False when that was recorded already
 * (a retry after the first one committed), so the events are written once.
 */
export async function markExecutionStarted(
  table: TableRef,
  tenantId: string,
  executionId: string,
  machineExecution: string,
  along: AlongWith,
  now: Date,
): Promise<boolean> {
  try {
    await writeAlongWith(
      table,
      tenantId,
      {
        Update: {
          TableName: table.tableName,
          Key: keys.execution(tenantId, executionId),
          UpdateExpression: 'SET stateMachineExecution = :arn',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(stateMachineExecution)',
          ExpressionAttributeValues: { ':arn': machineExecution },
        },
      },
      along,
      now,
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function getExecution(table: TableRef, tenantId: string, executionId: string): Promise<Execution | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.execution(tenantId, executionId), ConsistentRead: true }),
  );
  return entityOf(executionSchema, Item);
}

/** Moves an execution between states, with what goes along; false when it is not in one of `from` (a repeat, or a race lost). */
export async function updateExecution(
  table: TableRef,
  tenantId: string,
  executionId: string,
  from: readonly ExecutionState[],
  fields: Partial<Execution> & { state: ExecutionState },
  along: AlongWith = {},
  now: Date = new Date(),
): Promise<boolean> {
  const names: Record<string, string> = { '#state': 'state' };
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields).map(([field, value], index) => {
    names[`#f${index}`] = field;
    values[`:f${index}`] = value;
    return `#f${index} = :f${index}`;
  });
  const allowed = from.map((state, index) => {
    values[`:from${index}`] = state;
    return `:from${index}`;
  });
  try {
    await writeAlongWith(
      table,
      tenantId,
      {
        Update: {
          TableName: table.tableName,
          Key: keys.execution(tenantId, executionId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#state IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      along,
      now,
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export interface ExecutionFilter {
  incidentId?: string;
  state?: ExecutionState;
}

/** A page of the tenant's executions, newest first. */
export async function listExecutions(
  table: TableRef,
  tenantId: string,
  filter: ExecutionFilter,
  page: { limit: number; cursor?: Record<string, unknown> },
): Promise<{ executions: Execution[]; cursor?: Record<string, unknown> }> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': keys.executionsOf(tenantId).pk };
  if (filter.incidentId) {
    conditions.push('incidentId = :incident');
    values[':incident'] = filter.incidentId;
  }
  if (filter.state) {
    conditions.push('#state = :state');
    names['#state'] = 'state';
    values[':state'] = filter.state;
  }
  const result = await queryPage(
    table,
    {
      KeyConditionExpression: 'pk = :pk',
      ScanIndexForward: false,
      ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
    page,
  );
  return {
    executions: result.items.map((item) => entityOf(executionSchema, item)),
    ...(result.cursor ? { cursor: result.cursor } : {}),
  };
}

/**
 * What the decision needs from the tenant's recent executions: how many run now, and the finished ones
 * since `since` (the circuit breaker's period). Reads newest first and stops at `since` (ids are ULIDs).
 */
export async function executionActivity(
  table: TableRef,
  tenantId: string,
  since: Date,
): Promise<{ running: number; history: ExecutionRecord[] }> {
  const { Items = [] } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': keys.executionsOf(tenantId).pk, ':since': ulidFloor(since) },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 500,
    }),
  );
  let running = 0;
  const history: ExecutionRecord[] = [];
  for (const item of Items) {
    const execution = entityOf(executionSchema, item);
    if (execution.state === 'running') running++;
    if (TERMINAL.has(execution.state) && execution.finishedAt && (execution.state === 'succeeded' || execution.state === 'failed')) {
      history.push({
        runbookId: execution.runbookId,
        incidentId: execution.incidentId,
        status: execution.state === 'succeeded' ? 'succeeded' : 'failed',
        finishedAt: execution.finishedAt,
      });
    }
  }
  return { running, history };
}

// ---------------------------------------------------------------------------------------------
// Approvals

export async function getApproval(table: TableRef, tenantId: string, approvalId: string): Promise<StoredApproval | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.approval(tenantId, approvalId), ConsistentRead: true }),
  );
  return entityOf(storedApprovalSchema, Item);
}

/** The request without its task token (what the API shows). */
export function publicApproval(approval: StoredApproval): Approval {
  const { taskToken: _token, ...rest } = approval;
  return rest;
}

/**
 * Attaches the state machine's task token to a pending request. Returns the request as stored: when
 * it was decided before the token arrived (a fast approver, the sweep), the caller answers the token.
 */
export async function attachTaskToken(table: TableRef, tenantId: string, approvalId: string, taskToken: string): Promise<StoredApproval> {
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.approval(tenantId, approvalId),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':token': taskToken, ':pending': 'pending' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return updatedEntity(storedApprovalSchema, Attributes);
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const stored = await getApproval(table, tenantId, approvalId);
    if (!stored) throw new Error(`Approval ${approvalId} of ${tenantId} does not exist`, { cause: error });
    return stored;
  }
}

/**
 * Decides a pending request (approved, rejected, expired) and removes its pending marker. Returns the
 * request as decided (with the token, when the state machine has attached it), or undefined when it
 * was not pending any more, or (approve/reject) had expired by `now`.
 */
export async function decideApprovalRequest(
  table: TableRef,
  approval: Pick<Approval, 'tenantId' | 'id' | 'expiresAt'>,
  decision: { state: Exclude<ApprovalState, 'pending'>; by: string; comment?: string; now: Date },
  along: AlongWith = {},
): Promise<StoredApproval | undefined> {
  const now = decision.now.toISOString();
  const timely = { expired: ' AND expiresAt <= :now', cancelled: '', approved: ' AND expiresAt > :now', rejected: ' AND expiresAt > :now' }[
    decision.state
  ];
  try {
    await transactWrite(
      table,
      withEvents(
        table,
        approval.tenantId,
        [
          {
            Update: {
              TableName: table.tableName,
              Key: keys.approval(approval.tenantId, approval.id),
              UpdateExpression:
                'SET #state = :state, decidedBy = :by, decidedAt = :now' + (decision.comment ? ', #comment = :comment' : ''),
              ConditionExpression: `#state = :pending${timely}`,
              ExpressionAttributeNames: { '#state': 'state', ...(decision.comment ? { '#comment': 'comment' } : {}) },
              ExpressionAttributeValues: {
                ':state': decision.state,
                ':by': decision.by,
                ':now': now,
                ':pending': 'pending',
                ...(decision.comment ? { ':comment': decision.comment } : {}),
              },
            },
          },
          { Delete: { TableName: table.tableName, Key: keys.pendingApproval(approval.expiresAt, approval.tenantId, approval.id) } },
          ...(along.items ?? []),
        ],
        along.events ?? [],
        decision.now,
      ),
    );
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
  return getApproval(table, approval.tenantId, approval.id);
}

/** The marker of a request still pending, in the MSP's expiry-ordered partition: which request it stands for. */
const pendingApprovalMarkerSchema = z.object({ tenantId: z.string().min(1), approvalId: z.string().min(1) });

/** Pending requests of every tenant (or of `tenantIds`), soonest expiry first; `before` limits to those expired by then (inclusive). */
export async function listPendingApprovals(
  table: TableRef,
  options: { tenantIds?: ReadonlySet<string>; before?: Date; limit?: number } = {},
): Promise<Approval[]> {
  const { Items = [] } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: options.before ? 'pk = :pk AND sk < :before' : 'pk = :pk',
      ExpressionAttributeValues: {
        ':pk': keys.pendingApprovals().pk,
        ...(options.before ? { ':before': `${options.before.toISOString()}#\uffff` } : {}),
      },
      Limit: 1000,
    }),
  );
  const wanted = Items.map((item) => entityOf(pendingApprovalMarkerSchema, item)).filter(
    (ref) => !options.tenantIds || options.tenantIds.has(ref.tenantId),
  );
  const approvals: Approval[] = [];
  for (const ref of wanted.slice(0, options.limit ?? 200)) {
    const approval = await getApproval(table, ref.tenantId, ref.approvalId);
    if (approval) approvals.push(publicApproval(approval));
    else logger.warn('Pending approval marker without its request', ref);
  }
  return approvals;
}

// ---------------------------------------------------------------------------------------------
// Policy and cross-account access

/** The tenant's remediation policy (auto-execution, maintenance windows, circuit breaker, disabled runbooks). */
export const remediationPolicies = versionedPolicy<RemediationPolicy>({
  entity: 'remediationPolicy',
  key: keys.remediationPolicy,
  schema: remediationPolicySchema,
  defaults: DEFAULT_REMEDIATION_POLICY,
  what: 'remediation policy',
});

const remediationAccessSchema = z.object({ tenantId: z.string().min(1), externalId: z.string().min(1) });

/**
 * The tenant's external id for assuming its clients' remediation roles: created on first use (random,
 * 32 characters of STS's allowed set) and never changed, since the client's role trusts exactly it.
 */
export async function remediationExternalId(table: TableRef, tenantId: string): Promise<string> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.remediationAccess(tenantId), ConsistentRead: true }),
  );
  if (Item) return entityOf(remediationAccessSchema, Item).externalId;
  const externalId = `aw-${randomBytes(24).toString('base64url')}`;
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.remediationAccess(tenantId), entity: 'remediationAccess', tenantId, externalId },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return externalId;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return remediationExternalId(table, tenantId);
  }
}
