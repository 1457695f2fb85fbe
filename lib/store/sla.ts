import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { incidentSchema, type Incident, type IncidentSla, type IncidentStatus, type TimelineEntry } from '../domain/incident';
import type { NewDomainEvent } from '../domain/events';
import {
  DEFAULT_ESCALATION_POLICY,
  escalationPolicySchema,
  type EscalationPolicy,
  type EscalationState,
} from '../domain/escalation/policy';
import { DEFAULT_SLA_POLICY, slaPolicySchema, type SlaPolicy } from '../domain/sla/policy';
import { firstResponseClauses } from './incident-actions';
import { timelineItem } from './incidents';
import { keys } from './keys';
import { entityOf } from './entity';
import type { TableRef } from './table-ref';
import { withEvents } from './outbox';
import { isConditionFailure, transactWrite } from './transact';
import { versionedPolicy } from './versioned-policy';

/**
 * SLA state: the tenant's SLA policy and escalation chain (each stored as given, with
 * a version a write must name, like the correlation policy), and the SLA and escalation state kept on
 * the incident item. Incident writes are conditional on the incident's status and on the SLA version
 * read, so a repeated or late timer, or one racing an operator, never acts twice.
 */

/** The tenant's SLA policy: response and resolution targets per severity, warnings. */
export const slaPolicies = versionedPolicy<SlaPolicy>({
  entity: 'slaPolicy',
  key: keys.slaPolicy,
  schema: slaPolicySchema,
  defaults: DEFAULT_SLA_POLICY,
  what: 'SLA policy',
});

/** The tenant's escalation chain; the default chain (assignee or on call, company admins, MSP admins) when it never set one. */
export const escalationPolicies = versionedPolicy<EscalationPolicy>({
  entity: 'escalationPolicy',
  key: keys.escalationPolicy,
  schema: escalationPolicySchema,
  defaults: DEFAULT_ESCALATION_POLICY,
  what: 'escalation policy',
});

// ---------------------------------------------------------------------------------------------------
// The incident's SLA and escalation state

/** The incident item alone (a consistent read: a timer acts on the incident as it is now). */
export async function getIncident(table: TableRef, tenantId: string, incidentId: string): Promise<Incident | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.incident(tenantId, incidentId), ConsistentRead: true }),
  );
  return entityOf(incidentSchema, Item);
}

export interface SlaWrite {
  /** The SLA version read: 0 when the incident had none (the write starts it). */
  expectedVersion: number;
  /** The new SLA state; stored with version `expectedVersion + 1`. */
  sla: Omit<IncidentSla, 'version'>;
  /** The new escalation state; unchanged when undefined. */
  escalation?: EscalationState;
  /** The statuses the incident must still be in. */
  statuses: readonly IncidentStatus[];
  /** Also require that nobody acknowledged it (what a response timer or an escalation step acts on). */
  unacknowledged?: boolean;
  /** Timeline entries written in the same transaction. */
  entries?: ReadonlyArray<Omit<TimelineEntry, 'id'>>;
  /** A person made the change (pausing or resuming the clock): their first response is recorded with it. */
  respondedBy?: string;
  /** The events the change implies, in the same transaction. */
  events?: readonly NewDomainEvent[];
  now: Date;
}

/**
 * Writes the incident's SLA (and escalation) state with its timeline entries in one transaction, if
 * the incident is still in one of `statuses` (unacknowledged when asked) and its SLA is still at
 * `expectedVersion`; false otherwise (the caller re-reads and decides again).
 */
export async function writeIncidentSla(table: TableRef, tenantId: string, incidentId: string, write: SlaWrite): Promise<boolean> {
  const sla: IncidentSla = { ...write.sla, version: write.expectedVersion + 1 };
  const names: Record<string, string> = { '#status': 'status', '#sla': 'sla' };
  const values: Record<string, unknown> = { ':sla': sla, ':at': write.now.toISOString() };
  const sets = ['#sla = :sla', 'updatedAt = :at'];
  if (write.respondedBy) {
    const response = firstResponseClauses(write.respondedBy, write.now);
    sets.push(...response.set);
    Object.assign(values, response.values);
  }
  if (write.escalation) {
    names['#escalation'] = 'escalation';
    values[':escalation'] = write.escalation;
    sets.push('#escalation = :escalation');
  }
  const statuses = write.statuses.map((status, index) => {
    values[`:status${index}`] = status;
    return `:status${index}`;
  });
  const conditions = ['attribute_exists(pk)', `#status IN (${statuses.join(', ')})`];
  if (write.expectedVersion === 0) conditions.push('attribute_not_exists(#sla)');
  else {
    names['#version'] = 'version';
    values[':version'] = write.expectedVersion;
    conditions.push('#sla.#version = :version');
  }
  if (write.unacknowledged) conditions.push('attribute_not_exists(acknowledgedAt)');
  try {
    await transactWrite(
      table,
      withEvents(
        table,
        tenantId,
        [
          {
            Update: {
              TableName: table.tableName,
              Key: keys.incident(tenantId, incidentId),
              UpdateExpression: `SET ${sets.join(', ')}`,
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          ...(write.entries ?? []).map((entry) => ({
            Put: { TableName: table.tableName, Item: timelineItem(tenantId, incidentId, entry) },
          })),
        ],
        write.events ?? [],
        write.now,
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
