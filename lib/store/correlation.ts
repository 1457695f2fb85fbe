import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { storedAlertItem } from './alerts';
import { ulid } from 'ulid';
import type { CanonicalAlert } from '../domain/alert';
import { priorityOf, type IncidentAlert, type TimelineEntry } from '../domain/incident';
import { EMPTY_SCOPE, type Decision, type ScopeIncident, type ScopeState } from '../correlation/engine';
import { keys } from './keys';
import type { TableRef } from './table-ref';

export async function loadScope(table: TableRef, tenantId: string, scope: string): Promise<ScopeState> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.correlationScope(tenantId, scope), ConsistentRead: true }),
  );
  return Item ? { version: Item.version as number, incidents: Item.incidents as ScopeIncident[] } : EMPTY_SCOPE;
}

/** Another writer changed the scope between our read and our write: read again and decide again. */
export class ScopeConflictError extends Error {}
/** The alert already joined an incident (a queue redelivery): nothing more to do. */
export class AlreadyCorrelatedError extends Error {}

export interface AppliedDecision {
  alert: CanonicalAlert;
  scope: string;
  decision: Decision;
  previousVersion: number;
  next: ScopeState;
  now: Date;
}

/**
 * Writes a decision in one transaction: the scope state (only if still at the version we read), the
 * incident summary, the alert's membership with its reason, the timeline entry and the alert's link.
 * The membership item can only be created once, which makes a redelivered alert a no-op.
 */
export async function commitDecision(table: TableRef, applied: AppliedDecision): Promise<void> {
  const { alert, scope, decision, previousVersion, next, now } = applied;
  const T = table.tableName;
  const scopeKey = keys.correlationScope(alert.tenantId, scope);
  const scopeWrite = {
    Put: {
      TableName: T,
      Item: { ...scopeKey, entity: 'correlationScope', tenantId: alert.tenantId, scope, version: next.version, incidents: next.incidents },
      ...(previousVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': previousVersion } }),
    },
  };
  if (decision.kind === 'unmatched-resolution') {
    await table.db.send(new PutCommand({ TableName: T, Item: storedAlertItem(alert, { correlation: decision.reason }) }));
    return;
  }

  const incident = next.incidents.find((candidate) => candidate.id === decision.incidentId) as ScopeIncident;
  const timeline: TimelineEntry[] = [];
  if (decision.kind === 'open')
    timeline.push({ id: ulid(), at: alert.occurredAt, type: 'incident-opened', alertId: alert.id, reason: decision.reason });
  else if (decision.kind === 'join')
    timeline.push({ id: ulid(), at: alert.occurredAt, type: 'alert-joined', alertId: alert.id, reason: decision.reason });
  else {
    timeline.push({ id: ulid(), at: alert.occurredAt, type: 'alert-resolved', alertId: alert.id, reason: decision.reason });
    if (decision.resolvesIncident) {
      timeline.push({ id: ulid(), at: alert.occurredAt, type: 'incident-resolved', reason: 'all its alerts resolved' });
    }
  }
  const membership: IncidentAlert = {
    alertId: alert.id,
    signature: alert.signature,
    severity: alert.severity,
    status: alert.status,
    source: alert.source,
    assetRef: alert.assetRef,
    message: alert.message,
    occurredAt: alert.occurredAt,
    reason: decision.reason,
  };

  try {
    await table.db.send(
      new TransactWriteCommand({
        TransactItems: [
          scopeWrite,
          {
            Put: {
              TableName: T,
              Item: { ...keys.incidentAlert(alert.tenantId, incident.id, alert.id), entity: 'incidentAlert', ...membership },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          incidentWrite(T, alert.tenantId, incident, decision.kind === 'open', now),
          {
            // The whole alert, linked to its incident. The queued message is a complete, validated copy:
            // if the stored one was lost (DynamoDB Local can drop acknowledged writes when killed),
            // it is written back rather than left missing.
            Put: { TableName: T, Item: storedAlertItem(alert, { incidentId: incident.id }) },
          },
          ...timeline.map((entry) => ({
            Put: { TableName: T, Item: { ...keys.timelineEntry(alert.tenantId, incident.id, entry.id), entity: 'timeline', ...entry } },
          })),
        ],
      }),
    );
  } catch (error) {
    const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
    if (error instanceof Error && error.name === 'TransactionCanceledException' && reasons) {
      if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new AlreadyCorrelatedError(alert.id);
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new ScopeConflictError(scope);
    }
    throw error;
  }
}

/** Correlation owns the incident's summary fields; operator fields (acknowledgement, notes) are left alone. */
function incidentWrite(T: string, tenantId: string, incident: ScopeIncident, isNew: boolean, now: Date) {
  const priority = priorityOf(incident);
  const summary = {
    title: incident.title,
    severity: incident.severity,
    priority,
    assetId: incident.assetId,
    assetRef: incident.assetRef,
    signatures: incident.signatures,
    sources: incident.sources,
    alertCount: incident.alertCount,
    openedAt: incident.openedAt,
    lastEventAt: incident.lastEventAt,
    updatedAt: now.toISOString(),
  };
  const key = keys.incident(tenantId, incident.id);
  if (isNew) {
    return {
      Put: {
        TableName: T,
        Item: {
          ...key,
          ...keys.incidentsOf(tenantId),
          gsi1sk: incident.id,
          ...keys.incidentsByStatus(tenantId, 'open'),
          gsi2sk: incident.id,
          entity: 'incident',
          id: incident.id,
          tenantId,
          status: 'open',
          createdAt: now.toISOString(),
          ...summary,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(summary).map(([field, value]) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    return `#${field} = :${field}`;
  });
  if (incident.status === 'resolved') {
    names['#status'] = 'status';
    values[':resolved'] = 'resolved';
    values[':resolvedAt'] = incident.resolvedAt;
    values[':statusKey'] = keys.incidentsByStatus(tenantId, 'resolved').gsi2pk;
    sets.push('#status = :resolved', 'resolvedAt = :resolvedAt', 'gsi2pk = :statusKey');
  }
  return {
    Update: {
      TableName: T,
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
