import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident } from '../domain/incident';
import { ulidFloor } from './alerts';
import { keys } from './keys';
import { entityOf, type TableRef } from './table-ref';

/**
 * Time-range reads of a tenant's alerts and incidents, for reports over a period (KPIs, the correlation
 * simulator). Both are one key range: alert ids are ULIDs of their receipt (sk of the alerts
 * partition), incident ids ULIDs of their first event (gsi1sk of the tenant's incidents).
 */

/** The largest ULID of the millisecond of `at`. */
const ulidCeiling = (at: Date) => `${ulidFloor(at).slice(0, 10)}${'Z'.repeat(16)}`;

export interface RangeReadOptions {
  /**
   * Called after each page with the number of items kept so far and whether more pages follow: throw
   * to stop reading (too many items, or out of time).
   */
  afterPage?: (kept: number, more: boolean) => void;
}

/**
 * The tenant's alerts received in [from, to], oldest first, with only `fields` (and `receivedAt`)
 * read. Items are the stored attributes as they are: the caller fills in what it did not read.
 */
export async function alertsReceivedBetween(
  table: TableRef,
  tenantId: string,
  from: Date,
  to: Date,
  fields: readonly string[],
  options: RangeReadOptions = {},
): Promise<Record<string, unknown>[]> {
  const projected = [...new Set([...fields, 'receivedAt'])];
  const names = Object.fromEntries(projected.map((field, index) => [`#f${index}`, field]));
  const alerts: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.alertsOf(tenantId).pk, ':from': ulidFloor(from), ':to': ulidCeiling(to) },
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(names).join(', '),
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) {
      const received = Date.parse(String(item.receivedAt));
      if (received >= from.getTime() && received <= to.getTime()) alerts.push(item);
    }
    cursor = page.LastEvaluatedKey;
    options.afterPage?.(alerts.length, cursor !== undefined);
  } while (cursor);
  return alerts;
}

/** The incident fields a report over a period reads. */
export type IncidentOutcome = Pick<
  Incident,
  'id' | 'status' | 'severity' | 'openedAt' | 'acknowledgedAt' | 'resolvedAt' | 'resolutionCode' | 'resolvedBy'
>;
const OUTCOME_FIELDS = ['id', 'status', 'severity', 'openedAt', 'acknowledgedAt', 'resolvedAt', 'resolutionCode', 'resolvedBy'] as const;

/**
 * The tenant's incidents opened in [from, to) (by their first event's time), oldest first, merged ones
 * left out, with the fields of their outcome only.
 */
export async function listIncidentsOpenedBetween(
  table: TableRef,
  tenantId: string,
  from: Date,
  to: Date,
  options: RangeReadOptions = {},
): Promise<IncidentOutcome[]> {
  const names = Object.fromEntries(OUTCOME_FIELDS.map((field, index) => [`#f${index}`, field]));
  const incidents: IncidentOutcome[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        FilterExpression: '#f1 <> :merged',
        ExpressionAttributeValues: {
          ':pk': keys.incidentsOf(tenantId).gsi1pk,
          ':from': ulidFloor(from),
          ':to': ulidCeiling(to),
          ':merged': 'merged',
        },
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(names).join(', '),
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) {
      const incident = entityOf<IncidentOutcome>(item) as IncidentOutcome;
      const opened = Date.parse(incident.openedAt);
      if (opened >= from.getTime() && opened < to.getTime()) incidents.push(incident);
    }
    cursor = page.LastEvaluatedKey;
    options.afterPage?.(incidents.length, cursor !== undefined);
  } while (cursor);
  return incidents;
}
