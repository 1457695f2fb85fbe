import type { IncidentStatus, TimelineEntry } from '../domain/incident';
import type { NoteVisibility } from '../domain/incident-actions';
import type { NewDomainEvent } from '../domain/events';
import { newTimelineEntryId, timelineItem } from './incidents';
import { indexUpdate, keys } from './keys';
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

/** SET clauses and their values, merged into the one update a transaction makes to an incident (it may write an item once). */
export interface IncidentSetClauses {
  set: string[];
  values: Record<string, unknown>;
}

/**
 * Records the first time a person acted on the incident (acknowledge, assign, note, resolve or reopen,
 * an approval decision, a runbook started by hand, pausing or resuming the SLA clock): set once, so a
 * later action never moves it. The response SLA (its timers and its KPI, docs/kpis.md) is met by it;
 * automation (routing, a runbook's resolution) never calls this.
 */
export function firstResponseClauses(actor: string, at: Date): IncidentSetClauses {
  return {
    set: ['respondedAt = if_not_exists(respondedAt, :respondedAt)', 'respondedBy = if_not_exists(respondedBy, :respondedBy)'],
    values: { ':respondedAt': at.toISOString(), ':respondedBy': actor },
  };
}

/** The first response as a transaction item of its own, for a transaction that writes the incident nowhere else. */
export function firstResponseUpdate(table: TableRef, tenantId: string, incidentId: string, actor: string, at: Date): TransactItem {
  const { set, values } = firstResponseClauses(actor, at);
  return {
    Update: {
      TableName: table.tableName,
      Key: keys.incident(tenantId, incidentId),
      UpdateExpression: `SET ${set.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: values,
    },
  };
}

function timelinePut(table: TableRef, tenantId: string, incidentId: string, entry: Omit<TimelineEntry, 'id'> & { id?: string }) {
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

/** open -> acknowledged; the first acknowledgement's time and person are kept (MTTA measures it). */
export async function acknowledgeIncident(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  actor: string,
  now: Date,
  events: readonly NewDomainEvent[] = [],
): Promise<void> {
  const status: IncidentStatus = 'acknowledged';
  const statusEntry = indexUpdate(keys.incidentsByStatus(tenantId, status));
  const response = firstResponseClauses(actor, now);
  await transact(
    table,
    tenantId,
    [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.incident(tenantId, incidentId),
          UpdateExpression: [
            'SET #status = :status',
            ...statusEntry.set,
            'acknowledgedAt = if_not_exists(acknowledgedAt, :at)',
            'acknowledgedBy = if_not_exists(acknowledgedBy, :actor)',
            'updatedAt = :at',
            ...response.set,
          ].join(', '),
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ...statusEntry.values,
            ':at': now.toISOString(),
            ':actor': actor,
            ':open': 'open',
            ...response.values,
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
 * user's (`onlyIfAssignedTo`: a leaver's incidents are released, not someone else's). `byPerson`: a
 * person assigned it on the incident itself, which is a response to it (routing and the release of a
 * leaver's incidents are not).
 */
export async function assignIncident(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  assignee: { userId: string; name: string } | null,
  actor: string,
  now: Date,
  options: {
    events?: readonly NewDomainEvent[];
    reason?: string;
    onlyIfUnassigned?: boolean;
    onlyIfAssignedTo?: string;
    byPerson?: boolean;
  } = {},
): Promise<void> {
  const active = 'attribute_exists(pk) AND #status IN (:open, :acknowledged)';
  const response = options.byPerson ? firstResponseClauses(actor, now) : { set: [], values: {} };
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
          UpdateExpression: `SET ${['assignee = :assignee', 'updatedAt = :at', ...response.set].join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':assignee': assignee,
            ':at': now.toISOString(),
            ':open': 'open',
            ':acknowledged': 'acknowledged',
            ...(options.onlyIfUnassigned ? { ':none': null } : {}),
            ...(options.onlyIfAssignedTo !== undefined ? { ':previous': options.onlyIfAssignedTo } : {}),
            ...response.values,
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

/**
 * A note on the incident's timeline (any status: notes on resolved incidents record what was learned).
 * A staff member's note is a response to the incident: its first response is recorded with it. A client's
 * note (`byClient`) is not (the MSP has not responded because the client wrote), and is client-visible;
 * its events (a callback request) are written with it.
 */
export async function addIncidentNote(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  text: string,
  actor: string,
  now: Date,
  options: { visibility?: NoteVisibility; byClient?: boolean; events?: readonly NewDomainEvent[] } = {},
): Promise<string> {
  const at = now.toISOString();
  const id = newTimelineEntryId(at);
  const visibility = options.byClient ? 'client' : options.visibility;
  const put = timelinePut(table, tenantId, incidentId, {
    id,
    at,
    type: 'note',
    actor,
    reason: text,
    ...(visibility ? { visibility } : {}),
  });
  // The incident must exist either way; only a staff member's note records the first response.
  const incident: TransactItem = options.byClient
    ? {
        ConditionCheck: {
          TableName: table.tableName,
          Key: keys.incident(tenantId, incidentId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      }
    : firstResponseUpdate(table, tenantId, incidentId, actor, now);
  await transact(table, tenantId, [incident, put], options.events ?? [], now);
  return id;
}

/**
 * Resolve or reopen of an incident correlation no longer holds in its scope state: the stored incident
 * only. `firstResponse`: a person did it (firstResponseClauses).
 */
export async function setIncidentStatusDirectly(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  change: {
    status: 'resolved' | 'open';
    fields: Record<string, unknown>;
    entry: Omit<TimelineEntry, 'id'>;
    firstResponse?: IncidentSetClauses;
  },
  now: Date,
  events: readonly NewDomainEvent[] = [],
): Promise<void> {
  const names: Record<string, string> = { '#status': 'status' };
  const statusEntry = indexUpdate(keys.incidentsByStatus(tenantId, change.status));
  const values: Record<string, unknown> = { ':status': change.status, ...statusEntry.values, ':at': now.toISOString() };
  const sets = ['#status = :status', ...statusEntry.set, 'updatedAt = :at', ...(change.firstResponse?.set ?? [])];
  Object.assign(values, change.firstResponse?.values);
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
