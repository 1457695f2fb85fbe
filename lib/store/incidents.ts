import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentAlert, TimelineEntry } from '../domain/incident';
import { keys } from './keys';
import { entityOf, queryAll, type TableRef } from './table-ref';

/** A tenant's incidents, newest first (incident ids are ULIDs of their first event). */
export async function listIncidents(
  table: TableRef,
  tenantId: string,
  options: { status?: Incident['status']; limit?: number } = {},
): Promise<Incident[]> {
  const index = options.status
    ? { IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', pk: keys.incidentsByStatus(tenantId, options.status).gsi2pk }
    : { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', pk: keys.incidentsOf(tenantId).gsi1pk };
  const { Items } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: index.IndexName,
      KeyConditionExpression: index.KeyConditionExpression,
      ExpressionAttributeValues: { ':pk': index.pk },
      ScanIndexForward: false,
      Limit: options.limit ?? 100,
    }),
  );
  return (Items ?? []).map((item) => entityOf<Incident>(item) as Incident);
}

export interface IncidentDetail {
  incident: Incident;
  alerts: IncidentAlert[];
  timeline: TimelineEntry[];
}

/** One incident with its alerts (and why each joined) and its timeline: one query on its partition. */
export async function getIncidentDetail(table: TableRef, tenantId: string, incidentId: string): Promise<IncidentDetail | undefined> {
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.incidentPartition(tenantId, incidentId).pk },
  });
  const incidentItem = items.find((item) => item.sk === 'INC');
  if (!incidentItem) return undefined;
  return {
    incident: entityOf<Incident>(incidentItem) as Incident,
    alerts: items.filter((item) => String(item.sk).startsWith('ALERT#')).map((item) => entityOf<IncidentAlert>(item) as IncidentAlert),
    timeline: items.filter((item) => String(item.sk).startsWith('TL#')).map((item) => entityOf<TimelineEntry>(item) as TimelineEntry),
  };
}
