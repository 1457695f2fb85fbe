import type { IncidentStatus, TimelineEntry } from '../domain/incident';
import type { NewDomainEvent } from '../events';
import { timelineItem } from './incidents';
import { keys } from './keys';
import { withEvents } from './outbox';
import type { TableRef } from './table-ref';
import { ConditionFailedError, transactWrite, type TransactItem } from './transact';

/**
 * Operator changes to an incident that correlation does not own (acknowledgement, assignment, notes),
 * each written with its timeline entry and the events it implies in one transaction, guarded by the
 * incident's current state. Resolve and reopen go through the correlation scope (lib/correlation/operator.ts).
 */

/** The incident is not in the state the change needs (or does not exist): the caller answers 409 or 404. */
export class IncidentStateError extends Error {}

function timelinePut(table: TableRef, tenantId: string, incidentId: string, entry: Omit<TimelineEntry, 'id'>) {
  return { Put: { TableName: table.tableName, Item: timelineItem(tenantId, incidentId, entry) } };
}

/** The change with its events; a failed condition is the incident's state (IncidentStateError), throttling is not. */
async function transact(
  table: TableRef,
  tenantId: string,
  items: TransactItem[],
  events: readonly NewDomainEvent[],
  now: Date,
): Promise<void> {
  try {
    await transactWrite(table, withEvents(table, tenantId, items, events, now));
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new IncidentStateError(error.message);
    throw error;
  }
}

/** open -> acknowledged. */
export async function acknowledgeIncident(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  actor: string,
  now: Date,
  events: readonly NewDomainEvent[] = [],
): Promise<void> {
  const status: IncidentStatus = 'acknowledged';
  await transact(
    table,
    tenantId,
    [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.incident(tenantId, incidentId),
          UpdateExpression: 'SET #status = :status, gsi2pk = :statusKey, acknowledgedAt = :at, acknowledgedBy = :actor, updatedAt = :at',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':statusKey': keys.incidentsByStatus(tenantId, status).gsi2pk,
            ':at': now.toISOString(),
            ':actor': actor,
            ':open': 'open',
          },
        },
      },
      timelinePut(table, tenantId, incidentId, {
        at: now.toISOString(),
        type: 'incident-acknowledged',
        actor,
        reason: `acknowledged by ${actor}`,
      }),
    ],
    events,
    now,
  );
}

/**
 * Sets or clears the assignee of an incident that is not resolved or merged; only if it has none
 * (`onlyIfUnassigned`: routing never takes an incident from someone), or only if it is still this
 * user's (`onlyIfAssignedTo`: a leaver's incidents are released, not someone else's).
 */
export async function assignIncident(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  assignee: { userId: string; name: string } | null,
  actor: string,
  now: Date,
  options: { events?: readonly NewDomainEvent[]; reason?: string; onlyIfUnassigned?: boolean; onlyIfAssignedTo?: string } = {},
): Promise<void> {
  const active = 'attribute_exists(pk) AND #status IN (:open, :acknowledged)';
  const condition = options.onlyIfUnassigned
    ? `${active} AND (attribute_not_exists(assignee) OR assignee = :none)`
    : options.onlyIfAssignedTo !== undefined
      ? `${active} AND assignee.userId = :previous`
      : active;
  await transact(
    table,
    tenantId,
    [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.incident(tenantId, incidentId),
          UpdateExpression: 'SET assignee = :assignee, updatedAt = :at',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':assignee': assignee,
            ':at': now.toISOString(),
            ':open': 'open',
            ':acknowledged': 'acknowledged',
            ...(options.onlyIfUnassigned ? { ':none': null } : {}),
            ...(options.onlyIfAssignedTo !== undefined ? { ':previous': options.onlyIfAssignedTo } : {}),
          },
        },
      },
      timelinePut(table, tenantId, incidentId, {
        at: now.toISOString(),
        type: 'incident-assigned',
        actor,
        reason: assignee ? `assigned to ${assignee.name} by ${actor}` : `unassigned by ${actor}`,
      }),
      // Routing says why it chose this person, in the same transaction.
      ...(options.reason
        ? [timelinePut(table, tenantId, incidentId, { at: now.toISOString(), type: 'incident-routed', actor, reason: options.reason })]
        : []),
    ],
    options.events ?? [],
    now,
  );
}

/** A note on the incident's timeline (any status: notes on resolved incidents record what was learned). */
export async function addIncidentNote(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  text: string,
  actor: string,
  now: Date,
): Promise<string> {
  const put = timelinePut(table, tenantId, incidentId, { at: now.toISOString(), type: 'note', actor, reason: text });
  await transact(
    table,
    tenantId,
    [
      {
        ConditionCheck: {
          TableName: table.tableName,
          Key: keys.incident(tenantId, incidentId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      put,
    ],
    [],
    now,
  );
  return put.Put.Item.id as string;
}

/** Resolve or reopen of an incident correlation no longer holds in its scope state: the stored incident only. */
export async function setIncidentStatusDirectly(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  change: { status: 'resolved' | 'open'; fields: Record<string, unknown>; entry: Omit<TimelineEntry, 'id'> },
  now: Date,
  events: readonly NewDomainEvent[] = [],
): Promise<void> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {
    ':status': change.status,
    ':statusKey': keys.incidentsByStatus(tenantId, change.status).gsi2pk,
    ':at': now.toISOString(),
  };
  const sets = ['#status = :status', 'gsi2pk = :statusKey', 'updatedAt = :at'];
  for (const [field, value] of Object.entries(change.fields)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  const allowedFrom = change.status === 'resolved' ? ['open', 'acknowledged'] : ['resolved'];
  allowedFrom.forEach((status, index) => (values[`:from${index}`] = status));
  await transact(
    table,
    tenantId,
    [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.incident(tenantId, incidentId),
          UpdateExpression: `SET ${sets.join(', ')}${change.status === 'open' ? ' REMOVE resolvedAt' : ''}`,
          ConditionExpression: `#status IN (${allowedFrom.map((_, index) => `:from${index}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      timelinePut(table, tenantId, incidentId, change.entry),
    ],
    events,
    now,
  );
}
