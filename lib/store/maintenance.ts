import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { NewDomainEvent } from '../domain/events';
import type { IncidentStatus, TimelineEntry } from '../domain/incident';
import { maintenanceHoldSchema, type MaintenanceHold } from '../domain/maintenance/hold';
import { maintenanceWindowSchema, type MaintenanceWindow } from '../domain/maintenance/window';
import { entityOf, validEntity } from './entity';
import { timelineItem } from './incidents';
import { keys } from './keys';
import { withEvents } from './outbox';
import { queryAll, type TableRef } from './table-ref';
import { deleteAtVersion, isConditionFailure, transactWrite } from './transact';

/**
 * A tenant's maintenance windows and silences, one item each under the tenant (`MAINT#<id>`), with a
 * version every change must name. Every incident check reads the tenant's windows, so a tenant keeps
 * at most MAX_WINDOWS (ended ones are deleted by their owners or stay as a record until then).
 */

export const MAX_WINDOWS = 200;

const ENTITY = 'maintenanceWindow';

/** The tenant's windows, newest first. */
export async function listWindows(table: TableRef, tenantId: string): Promise<MaintenanceWindow[]> {
  const { pk, skPrefix } = keys.maintenanceWindowsOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
  return items.map((item) => entityOf(maintenanceWindowSchema, item)).sort((a, b) => b.id.localeCompare(a.id));
}

export async function getWindow(table: TableRef, tenantId: string, windowId: string): Promise<MaintenanceWindow | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.maintenanceWindow(tenantId, windowId), ConsistentRead: true }),
  );
  return entityOf(maintenanceWindowSchema, Item);
}

/**
 * Writes a window with the events its change implies, in one transaction: a new one (version 1) if its id
 * is free, a change only if the stored one is still at `window.version - 1`. False when that condition
 * failed (taken, changed meanwhile, or deleted).
 */
export async function putWindow(
  table: TableRef,
  window: MaintenanceWindow,
  events: readonly NewDomainEvent[],
  now: Date,
): Promise<boolean> {
  const item = validEntity(maintenanceWindowSchema, window);
  try {
    await transactWrite(
      table,
      withEvents(
        table,
        window.tenantId,
        [
          {
            Put: {
              TableName: table.tableName,
              Item: { ...keys.maintenanceWindow(window.tenantId, window.id), entity: ENTITY, ...item },
              ...(window.version === 1
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : {
                    ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':expected': window.version - 1 },
                  }),
            },
          },
        ],
        events,
        now,
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Deletes a window if it is still at `expectedVersion`; false when it changed meanwhile or is gone. */
export async function deleteWindow(table: TableRef, tenantId: string, windowId: string, expectedVersion: number): Promise<boolean> {
  return deleteAtVersion(table, keys.maintenanceWindow(tenantId, windowId), expectedVersion);
}

export interface HoldWrite {
  hold: MaintenanceHold;
  /**
   * What the incident must hold for the write to apply: no hold yet ('none', the first check of a new
   * incident), or a hold of this window still in force (lifting it, or moving it to another window).
   * 'replace': any hold or none (a silence made from the incident).
   */
  expected: 'none' | 'replace' | { windowId: string };
  /** The statuses the incident must be in. */
  statuses: readonly IncidentStatus[];
  entry: Omit<TimelineEntry, 'id'>;
  events: readonly NewDomainEvent[];
  now: Date;
}

/** Sets (or lifts) an incident's maintenance hold with its timeline entry and events, in one transaction; false when the condition failed. */
export async function writeIncidentHold(table: TableRef, tenantId: string, incidentId: string, write: HoldWrite): Promise<boolean> {
  const names: Record<string, string> = { '#maintenance': 'maintenance', '#status': 'status' };
  const values: Record<string, unknown> = {
    ':hold': validEntity(maintenanceHoldSchema, write.hold),
    ':at': write.now.toISOString(),
  };
  const statuses = write.statuses.map((status, index) => {
    values[`:status${index}`] = status;
    return `:status${index}`;
  });
  const conditions = ['attribute_exists(pk)', `#status IN (${statuses.join(', ')})`];
  if (write.expected === 'none') conditions.push('attribute_not_exists(#maintenance)');
  else if (write.expected !== 'replace') {
    names['#windowId'] = 'windowId';
    names['#liftedAt'] = 'liftedAt';
    values[':windowId'] = write.expected.windowId;
    conditions.push('#maintenance.#windowId = :windowId', 'attribute_not_exists(#maintenance.#liftedAt)');
  }
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
              UpdateExpression: 'SET #maintenance = :hold, updatedAt = :at',
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          { Put: { TableName: table.tableName, Item: timelineItem(tenantId, incidentId, write.entry) } },
        ],
        write.events,
        write.now,
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
