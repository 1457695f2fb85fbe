import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import type { Incident, IncidentAlert, TimelineEntry } from '../domain/incident';
import { keys } from './keys';
import { entityOf, queryAll, type TableRef } from './table-ref';

export interface IncidentQuery {
  /** One status (by the status index), or every status but 'merged'. */
  status?: Incident['status'];
  /** Only incidents older than this id (ids are ULIDs of their first event): the cursor of the previous page. */
  before?: string;
  limit?: number;
  /** Further conditions, applied while reading. */
  where?: (incident: Incident) => boolean;
  /** Items read at most (a filter that matches little must not read a tenant's whole history). */
  maxRead?: number;
}

/**
 * A tenant's incidents, newest first (incident ids are ULIDs of their first event). Incidents merged
 * into another are left out unless asked for by status: their alerts are listed by the survivor.
 */
export async function listIncidents(table: TableRef, tenantId: string, query: IncidentQuery = {}): Promise<Incident[]> {
  const index = query.status
    ? { IndexName: 'gsi2', pkName: 'gsi2pk', skName: 'gsi2sk', pk: keys.incidentsByStatus(tenantId, query.status).gsi2pk }
    : { IndexName: 'gsi1', pkName: 'gsi1pk', skName: 'gsi1sk', pk: keys.incidentsOf(tenantId).gsi1pk };
  const limit = query.limit ?? 100;
  const maxRead = query.maxRead ?? 2000;
  const found: Incident[] = [];
  let read = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: index.IndexName,
        KeyConditionExpression: `${index.pkName} = :pk${query.before ? ` AND ${index.skName} < :before` : ''}`,
        ExpressionAttributeValues: {
          ':pk': index.pk,
          ...(query.before ? { ':before': query.before } : {}),
          ...(query.status ? {} : { ':merged': 'merged' }),
        },
        ...(query.status ? {} : { FilterExpression: '#status <> :merged', ExpressionAttributeNames: { '#status': 'status' } }),
        ScanIndexForward: false,
        Limit: Math.min(Math.max(limit, 25), 200),
        ExclusiveStartKey: start,
      }),
    );
    read += page.ScannedCount ?? page.Items?.length ?? 0;
    for (const item of page.Items ?? []) {
      const incident = entityOf<Incident>(item) as Incident;
      if (found.length < limit && (!query.where || query.where(incident))) found.push(incident);
    }
    start = page.LastEvaluatedKey;
  } while (start && found.length < limit && read < maxRead);
  return found;
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
  // Alerts that joined incidents later merged into this one keep their membership under those: read them there.
  const absorbed = (incidentItem.absorbed as string[] | undefined) ?? [];
  const absorbedAlerts = await Promise.all(
    absorbed.map((absorbedId) =>
      queryAll(table, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)',
        ExpressionAttributeValues: { ':pk': keys.incidentPartition(tenantId, absorbedId).pk, ':alert': 'ALERT#' },
      }),
    ),
  );
  const seen = new Set<string>();
  const alerts = [...items, ...absorbedAlerts.flat()]
    .filter((item) => String(item.sk).startsWith('ALERT#') && !seen.has(String(item.sk)) && seen.add(String(item.sk)))
    .map((item) => entityOf<IncidentAlert>(item) as IncidentAlert);
  const stored = items.filter((item) => String(item.sk).startsWith('TL#')).map((item) => entityOf<TimelineEntry>(item) as TimelineEntry);
  // Each alert's membership is its own timeline entry (joined or resolved, with why): not written twice.
  const joins: TimelineEntry[] = alerts.map((alert) => ({
    id: `ALERT#${alert.alertId}`,
    at: alert.occurredAt,
    type: alert.status === 'resolved' ? 'alert-resolved' : 'alert-joined',
    alertId: alert.alertId,
    reason: alert.reason,
  }));
  // The alert that opened the incident has its 'incident-opened' entry already.
  const opener = new Set(stored.filter((entry) => entry.type === 'incident-opened').map((entry) => entry.alertId));
  // Time order; at one moment, the alert before what it caused (a pending resolution, a new root).
  const isAlert = (entry: TimelineEntry) => (entry.id.startsWith('ALERT#') ? 0 : 1);
  const timeline = [...stored, ...joins.filter((entry) => !opener.has(entry.alertId))].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || isAlert(a) - isAlert(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { incident: entityOf<Incident>(incidentItem) as Incident, alerts, timeline };
}

/**
 * Monotonic: entries written at the same millisecond (an execution's end and the resolution it causes)
 * keep the order they were written in, since the timeline sorts by time, then id.
 */
const timelineId = monotonicFactory();

/** A timeline entry's item (its id a ULID of its own time, so the partition reads in time order). */
export function timelineItem(tenantId: string, incidentId: string, entry: Omit<TimelineEntry, 'id'>): Record<string, unknown> {
  const id = timelineId(Date.parse(entry.at));
  return { ...keys.timelineEntry(tenantId, incidentId, id), entity: 'timeline', id, ...entry };
}
