import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { entitySchema, pickShape } from '../domain/entity-schema';
import { incidentShape, type Incident } from '../domain/incident';
import { storedAlertShape, ulidFloor, type StoredAlert } from './alerts';
import { entityOf } from './entity';
import { keys } from './keys';
import type { TableRef } from './table-ref';

/**
 * Time-range reads of a tenant's alerts and incidents, for reports over a period (KPIs, the correlation
 * simulator). Both are one key range: alert ids are ULIDs of their receipt (sk of the alerts
 * partition), incident ids ULIDs of their first alert's time (gsi1sk of the tenant's incidents).
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
 * read, each parsed with those fields' schemas.
 */
export async function alertsReceivedBetween<K extends keyof StoredAlert>(
  table: TableRef,
  tenantId: string,
  from: Date,
  to: Date,
  fields: readonly K[],
  options: RangeReadOptions = {},
): Promise<Array<Pick<StoredAlert, K | 'receivedAt'>>> {
  const projected = [...new Set([...fields, 'receivedAt' as const])];
  const schema = entitySchema(pickShape(storedAlertShape, projected));
  const names = Object.fromEntries(projected.map((field, index) => [`#f${index}`, field]));
  const alerts: Array<Pick<StoredAlert, K | 'receivedAt'>> = [];
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
      const alert = entityOf(schema, item);
      const received = Date.parse(alert.receivedAt);
      if (received >= from.getTime() && received <= to.getTime()) alerts.push(alert);
    }
    cursor = page.LastEvaluatedKey;
    options.afterPage?.(alerts.length, cursor !== undefined);
  } while (cursor);
  return alerts;
}

/**
 * The incident fields a report over a period reads (`sla` for its stored deadlines, `maintenance` to leave it
 * out of SLA compliance; `title` and `remediation`, its runbook, for what a client report lists).
 */
export type IncidentOutcome = Pick<
  Incident,
  | 'id'
  | 'title'
  | 'status'
  | 'severity'
  | 'openedAt'
  | 'acknowledgedAt'
  | 'respondedAt'
  | 'resolvedAt'
  | 'resolvedBy'
  | 'sla'
  | 'maintenance'
  | 'remediation'
>;
const OUTCOME_FIELDS = [
  'id',
  'status',
  'severity',
  'openedAt',
  'acknowledgedAt',
  'respondedAt',
  'resolvedAt',
  'resolvedBy',
  'sla',
  'maintenance',
  'title',
  'remediation',
] as const;
const incidentOutcomeSchema = entitySchema<IncidentOutcome>(pickShape(incidentShape, OUTCOME_FIELDS));

/**
 * How far beyond the period an incident's id is looked for. The id is a ULID of its opening alert's time
 * as the tool sent it; `openedAt` is that time as correlation bounds it (lib/domain/correlation/engine.ts
 * eventTimeOf): no earlier than the tenant's lateness bound before its receipt, no later than 5 minutes
 * after it. So an alert delivered hours late opens an incident whose id is hours before its `openedAt`,
 * and one from a tool whose clock is hours ahead (local time sent as UTC) an id hours after it: near the
 * period's edges the id and `openedAt` fall on different sides. The key range reaches this far beyond
 * the period on both sides and `openedAt` decides; an opening alert's time more than this far off its
 * `openedAt` would still be missed.
 */
const INCIDENT_ID_DRIFT_MS = 24 * 3600 * 1000;

/**
 * The tenant's incidents opened in [from, to) (by `openedAt`, the time correlation opened them at),
 * in id order, merged ones left out, with the fields of their outcome only.
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
        FilterExpression: `#f${OUTCOME_FIELDS.indexOf('status')} <> :merged`,
        ExpressionAttributeValues: {
          ':pk': keys.incidentsOf(tenantId).gsi1pk,
          ':from': ulidFloor(new Date(from.getTime() - INCIDENT_ID_DRIFT_MS)),
          ':to': ulidCeiling(new Date(to.getTime() + INCIDENT_ID_DRIFT_MS)),
          ':merged': 'merged',
        },
        ExpressionAttributeNames: names,
        ProjectionExpression: Object.keys(names).join(', '),
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) {
      const incident = entityOf(incidentOutcomeSchema, item);
      const opened = Date.parse(incident.openedAt);
      if (opened >= from.getTime() && opened < to.getTime()) incidents.push(incident);
    }
    cursor = page.LastEvaluatedKey;
    options.afterPage?.(incidents.length, cursor !== undefined);
  } while (cursor);
  return incidents;
}
