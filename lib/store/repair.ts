import type { Incident } from '../domain/incident';
import type { NewDomainEvent } from '../domain/events';
import { keys } from './keys';
import { withEvents } from './outbox';
import type { TableRef } from './table-ref';
import { isConditionFailure, transactWrite } from './transact';

/**
 * Notes a repair request on the incident (attempt number and time) with its event, in one transaction;
 * only if no request was made since `notBefore` (two sweeps at once ask once). False when another did.
 */
export async function requestIncidentRepair(
  table: TableRef,
  incident: Pick<Incident, 'tenantId' | 'id'>,
  request: { attempt: number; notBefore: Date; now: Date },
  event: NewDomainEvent,
): Promise<boolean> {
  try {
    await transactWrite(
      table,
      withEvents(
        table,
        incident.tenantId,
        [
          {
            Update: {
              TableName: table.tableName,
              Key: keys.incident(incident.tenantId, incident.id),
              UpdateExpression: 'SET #repair = :repair',
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#repair) OR #repair.#at < :notBefore)',
              ExpressionAttributeNames: { '#repair': 'repair', '#at': 'requestedAt' },
              ExpressionAttributeValues: {
                ':repair': { attempts: request.attempt, requestedAt: request.now.toISOString() },
                ':notBefore': request.notBefore.toISOString(),
              },
            },
          },
        ],
        [event],
        request.now,
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
