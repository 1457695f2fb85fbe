import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import {
  incidentAlertSchema,
  incidentSchema,
  timelineEntrySchema,
  type Incident,
  type IncidentAlert,
  type TimelineEntry,
} from '../domain/incident';
import { activityOf, type ActivityEntry } from '../domain/incident-view';
import { keys } from './keys';
import { entityOf, validEntity } from './entity';
import { batchGetItems, queryAll, type TableRef } from './table-ref';

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
      const incident = entityOf(incidentSchema, item);
      if (found.length < limit && (!query.where || query.where(incident))) found.push(incident);
    }
    start = page.LastEvaluatedKey;
  } while (start && found.length < limit && read < maxRead);
  return found;
}

export interface IncidentDetail {
  incident: Incident;
  /** Every notification that joined it (rows per alert: lib/domain/incident-view.ts alertRowsOf). */
  alerts: IncidentAlert[];
  /** Its activity, each entry naming its alert (lib/domain/incident-view.ts activityOf). */
  timeline: ActivityEntry[];
}

/** One incident with its alerts' notifications (and why each joined) and its activity: one query on its partition. */
export async function getIncidentDetail(table: TableRef, tenantId: string, incidentId: string): Promise<IncidentDetail | undefined> {
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.incidentPartition(tenantId, incidentId).pk },
  });
  const incidentItem = items.find((item) => item.sk === 'INC');
  if (!incidentItem) return undefined;
  const incident = entityOf(incidentSchema, incidentItem);
  // Alerts that joined incidents later merged into this one keep their membership under those: read them there.
  const absorbedAlerts = await Promise.all(
    (incident.absorbed ?? []).map((absorbedId) =>
      queryAll(table, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)',
        ExpressionAttributeValues: { ':pk': keys.incidentPartition(tenantId, absorbedId).pk, ':alert': 'ALERT#' },
      }),
    ),
  );
  const seen = new Set<string>();
  const alerts = [...items, ...absorbedAlerts.flat()]
    .filter((item) => String(item.sk).startsWith('ALERT#') && !seen.has(String(item.sk)) && seen.add(String(item.sk)))
    .map((item) => entityOf(incidentAlertSchema, item));
  const stored = items.filter((item) => String(item.sk).startsWith('TL#')).map((item) => entityOf(timelineEntrySchema, item));
  const timeline = activityOf(stored, alerts);
  return { incident, alerts, timeline };
}

/** The incidents of up to 100 references in one batch read (eventually consistent; those that do not exist are left out). */
export async function getIncidents(table: TableRef, refs: ReadonlyArray<{ tenantId: string; incidentId: string }>): Promise<Incident[]> {
  const items = await batchGetItems(
    table,
    refs.map(({ tenantId, incidentId }) => keys.incident(tenantId, incidentId)),
  );
  return items.map((item) => entityOf(incidentSchema, item));
}

const timelineId = monotonicFactory();
const writeOrder = monotonicFactory();

/**
 * Stamps of writing order for the entries of one write: a ULID of the wall clock (increasing within a
 * process even within one millisecond) and each entry's position in the write. Things are written after
 * what caused them, so entries of one instant sort cause first.
 */
export function writeStamps(): (position: number) => string {
  const base = writeOrder(Date.now());
  return (position) => `${base}.${String(position).padStart(4, '0')}`;
}

/** A new timeline entry's id: a ULID of its own time, so the partition reads in time order. */
export function newTimelineEntryId(at: string): string {
  return timelineId(Date.parse(at));
}

/** A timeline entry's item (its id a new one unless given); `seq` defaults to the order it is written in. */
export function timelineItem(
  tenantId: string,
  incidentId: string,
  entry: Omit<TimelineEntry, 'id'> & { id?: string },
): Record<string, unknown> {
  const id = entry.id ?? newTimelineEntryId(entry.at);
  return {
    ...keys.timelineEntry(tenantId, incidentId, id),
    entity: 'timeline',
    ...validEntity(timelineEntrySchema, { id, ...entry, seq: entry.seq ?? writeStamps()(0) }),
  };
}
