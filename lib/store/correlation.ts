import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SEVERITIES, type CanonicalAlert } from '../domain/alert';
import { CATEGORIES } from '../domain/correlation/categories';
import { entitySchema } from '../domain/entity-schema';
import type { NewDomainEvent } from '../domain/events';
import type { IncidentAlert, Priority } from '../domain/incident';
import {
  EMPTY_SCOPE,
  type Decision,
  type EarlyResolution,
  type IncidentChange,
  type Member,
  type ScopeIncident,
  type ScopeState,
} from '../domain/correlation/engine';
import { storedAlertItem } from './alerts';
import { entityOf, itemKeyOf } from './entity';
import type { IncidentSetClauses } from './incident-actions';
import { timelineItem, writeStamps } from './incidents';
import { keys, ttlAfter } from './keys';
import { outboxPut } from './outbox';
import type { TableRef } from './table-ref';
import { ConditionFailedError, transactWrite, type TransactItem } from './transact';

/**
 * A scope's state is rewritten whole by every commit, and it holds each open incident's members (up to
 * 100 fingerprints each): several KB, at two write units per KB in a transaction, was most of what
 * correlation cost (bench:storm: a 6 KB state, 12 write units a commit). Its incidents and early
 * resolutions are therefore stored gzip-compressed in one binary attribute, `body` (the repeated asset
 * names, signatures and timestamps compress 5-10x), as DynamoDB's guidance for large attribute values
 * suggests. To read one by hand: `aws dynamodb get-item ... | jq -r .Item.body.B | base64 -d | gunzip`.
 */
type ScopeBody = Pick<ScopeState, 'incidents' | 'earlyResolutions'>;

// The state is read on every commit and may hold hundreds of members: its times are checked as strings,
// not as ISO instants (the engine writes them from alert times that were checked at ingestion).
const memberSchema = entitySchema<Member>({
  key: z.string(),
  assetId: z.string().nullable(),
  assetRef: z.string(),
  category: z.enum(CATEGORIES),
  signature: z.string(),
  source: z.string(),
  state: z.enum(['firing', 'resolved', 'ended']),
  firstAt: z.string(),
  lastAt: z.string(),
  episodeStart: z.string().optional(),
  resolvedAt: z.string().optional(),
});

const scopeIncidentSchema = entitySchema<ScopeIncident>({
  id: z.string().min(1),
  status: z.enum(['open', 'resolved']),
  title: z.string(),
  rootAssetId: z.string().nullable(),
  rootAssetRef: z.string(),
  rootCategory: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  openedAt: z.string(),
  lastEventAt: z.string(),
  resolvesAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  reopenCount: z.number().int(),
  alertCount: z.number().int(),
  occurrences: z.number().int().optional(),
  sources: z.array(z.string()),
  signatures: z.array(z.string()),
  members: z.array(memberSchema),
  correlationId: z.string().optional(),
  absorbed: z.array(z.string()).optional(),
});

const scopeBodySchema = entitySchema<ScopeBody>({
  incidents: z.array(scopeIncidentSchema),
  earlyResolutions: z.array(entitySchema<EarlyResolution>({ key: z.string(), at: z.string(), alertId: z.string() })).optional(),
});

/** The scope item: its version, and its body compressed or (items written before the body existed) as plain attributes. */
const scopeItemSchema = z.object({ version: z.number().int().min(1), body: z.instanceof(Uint8Array).optional() });

export function encodeScopeBody(state: ScopeState): Uint8Array {
  const body: ScopeBody = {
    incidents: state.incidents,
    ...(state.earlyResolutions?.length ? { earlyResolutions: state.earlyResolutions } : {}),
  };
  return gzipSync(JSON.stringify(body));
}

/** The state of a scope item: its compressed body, or the plain attributes of an item written before the body existed. */
export function scopeStateOf(item: Record<string, unknown>): ScopeState {
  const { version, body: compressed } = entityOf(scopeItemSchema, item);
  const body = compressed
    ? entityOf(scopeBodySchema, { ...item, ...JSON.parse(gunzipSync(compressed).toString('utf8')) })
    : entityOf(scopeBodySchema, item);
  const state: ScopeState = { version, incidents: body.incidents };
  if (body.earlyResolutions?.length) state.earlyResolutions = body.earlyResolutions;
  return state;
}

export async function loadScope(table: TableRef, tenantId: string, scope: string): Promise<ScopeState> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.correlationScope(tenantId, scope), ConsistentRead: true }),
  );
  return Item ? scopeStateOf(Item) : EMPTY_SCOPE;
}

/** Another writer changed the scope between our read and our write: read again and decide again. */
export class ScopeConflictError extends Error {}
/** Some alerts already joined an incident (a queue redelivery): drop them and decide again without them. */
export class AlreadyCorrelatedError extends Error {
  constructor(readonly alertIds: string[]) {
    super(`already correlated: ${alertIds.join(', ')}`);
  }
}

export interface AppliedAlert {
  alert: CanonicalAlert;
  decision: Decision;
  category: string;
  /** The alert's fingerprint (lib/domain/correlation/engine.ts fingerprintOf): the row it has in its incident. */
  fingerprint: string;
  /** Its place in the order things happened within the commit (before what it caused). */
  seq?: number;
}

export interface ScopeCommit {
  tenantId: string;
  scope: string;
  previousVersion: number;
  next: ScopeState;
  /** The alerts decided, in order. */
  applied: AppliedAlert[];
  /** Every incident changed by them (one entry an incident, latest state, timeline in order). */
  changes: IncidentChange[];
  /** The priority of each changed incident (computed with the inventory: critical assets, blast radius). */
  priorities: ReadonlyMap<string, Priority>;
  now: Date;
  /** Fields set on a changed incident beside the summary (an operator's resolution code, who reopened it). */
  incidentFields?: ReadonlyMap<string, Record<string, unknown>>;
  /** Clauses merged into a changed incident's update (a person's first response, kept once: lib/store/incident-actions.ts). */
  incidentSets?: ReadonlyMap<string, IncidentSetClauses>;
  /** The events the change implies, committed with it (lib/store/outbox.ts). */
  events: readonly NewDomainEvent[];
}

/** Most items one commit may write (DynamoDB's transaction limit is 100). */
export const MAX_COMMIT_ITEMS = 100;

/** The items a commit writes, to size batches before deciding them. */
export function commitItemCount(commit: Pick<ScopeCommit, 'applied' | 'changes'>): number {
  const alertItems = commit.applied.reduce((sum, { decision }) => sum + (decision.kind === 'unmatched-resolution' ? 1 : 2), 0);
  // The scope state and the outbox item; each changed incident: its summary, its timeline entries, and possibly a settle marker.
  return 2 + alertItems + commit.changes.reduce((sum, change) => sum + 2 + change.timeline.length, 0);
}

/**
 * Writes decisions in one transaction: the scope state (only if still at the version we read), each
 * alert's membership with its reason (created once: a redelivered alert fails the condition), each
 * alert linked to its incident, every changed incident's summary and its timeline entries, and the
 * events all this implies (the outbox item).
 */
export async function commitScope(table: TableRef, commit: ScopeCommit): Promise<void> {
  const { tenantId, scope, previousVersion, next, applied, changes, priorities, now, incidentFields, incidentSets, events } = commit;
  const T = table.tableName;
  const stamp = writeStamps();
  const items: TransactItem[] = [
    {
      Put: {
        TableName: T,
        Item: {
          ...keys.correlationScope(tenantId, scope),
          entity: 'correlationScope',
          tenantId,
          scope,
          version: next.version,
          // With the resolutions that came before their firing (kept for the lateness bound), so the next turn sees them too.
          body: encodeScopeBody(next),
        },
        ...(previousVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': previousVersion } }),
      },
    },
  ];
  /** Item index of each membership write -> its alert id, to name redelivered alerts. */
  const membershipAt = new Map<number, string>();
  for (const { alert, decision, category, fingerprint, seq } of applied) {
    if (decision.kind === 'unmatched-resolution') {
      items.push({ Put: { TableName: T, Item: storedAlertItem(alert, { correlation: decision.reason }) } });
      continue;
    }
    const membership: IncidentAlert = {
      alertId: alert.id,
      signature: alert.signature,
      severity: alert.severity,
      status: alert.status,
      source: alert.source,
      assetRef: alert.assetRef,
      assetId: alert.assetId,
      category,
      message: alert.message,
      occurredAt: alert.occurredAt,
      reason: decision.reason,
      fingerprint,
      // Another tool's resolution of this incident's condition sits on that condition's row.
      ...(decision.kind === 'resolve-alert' && decision.row ? { row: decision.row } : {}),
      seq: stamp(seq ?? 0),
    };
    membershipAt.set(items.length, alert.id);
    items.push({
      Put: {
        TableName: T,
        Item: { ...keys.incidentAlert(tenantId, decision.incidentId, alert.id), entity: 'incidentAlert', ...membership },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    // The whole alert, linked to its incident. The queued message is a complete, validated copy: if the
    // stored one was lost (DynamoDB Local can drop acknowledged writes when killed), it is written back.
    items.push({ Put: { TableName: T, Item: storedAlertItem(alert, { incidentId: decision.incidentId, correlation: decision.reason }) } });
  }
  const markers = new Set<string>();
  for (const change of changes) {
    const { id } = change.incident;
    items.push(incidentWrite(T, tenantId, scope, change, priorities.get(id), now, incidentFields?.get(id), incidentSets?.get(id)));
    const { resolvesAt } = change.incident;
    if (
      resolvesAt &&
      !markers.has(resolvesAt) &&
      !change.mergedInto &&
      change.timeline.some((entry) => entry.type === 'resolution-pending')
    ) {
      // One marker a scope and time (two incidents of the scope may end their grace period together).
      // The settle sweep resolves the incident when the grace period ends, even if no other alert comes to this scope.
      markers.add(resolvesAt);
      items.push({ Put: { TableName: T, Item: settleMarkerItem(tenantId, scope, resolvesAt, now) } });
    }
    for (const entry of change.timeline) {
      const { seq, ...draft } = entry;
      items.push({ Put: { TableName: T, Item: timelineItem(tenantId, change.incident.id, { ...draft, seq: stamp(seq ?? 0) }) } });
    }
  }
  if (events.length) items.push(outboxPut(table, tenantId, events, now));
  if (items.length > MAX_COMMIT_ITEMS) throw new Error(`a correlation commit of ${items.length} items exceeds ${MAX_COMMIT_ITEMS}`);

  try {
    await transactWrite(table, items);
  } catch (error) {
    if (error instanceof ConditionFailedError) {
      const redelivered = [...membershipAt].filter(([index]) => error.failedAt(index)).map(([, id]) => id);
      if (redelivered.length) throw new AlreadyCorrelatedError(redelivered);
      if (error.failedAt(0)) throw new ScopeConflictError(scope);
    }
    throw error;
  }
}

/**
 * Correlation owns the incident's summary fields. The status is written only when correlation changes
 * it (opened, resolved, reopened, merged), so an operator's acknowledgement is left alone otherwise.
 */
function incidentWrite(
  T: string,
  tenantId: string,
  scope: string,
  change: IncidentChange,
  priority: Priority | undefined,
  now: Date,
  extra: Record<string, unknown> = {},
  clauses?: IncidentSetClauses,
) {
  const { incident } = change;
  const status = change.mergedInto ? 'merged' : statusChange(change);
  const summary: Record<string, unknown> = {
    title: incident.title,
    severity: incident.severity,
    rootAssetId: incident.rootAssetId,
    assetId: incident.rootAssetId,
    assetRef: incident.rootAssetRef,
    signatures: incident.signatures,
    sources: incident.sources,
    alertCount: incident.alertCount,
    occurrences: incident.occurrences ?? incident.alertCount,
    reopenCount: incident.reopenCount,
    openedAt: incident.openedAt,
    lastEventAt: incident.lastEventAt,
    scope,
    updatedAt: now.toISOString(),
    ...(priority ? { priority } : {}),
    ...(incident.correlationId ? { correlationId: incident.correlationId } : {}),
    ...(incident.absorbed?.length ? { absorbed: incident.absorbed } : {}),
    ...extra,
  };
  const key = keys.incident(tenantId, incident.id);
  if (change.isNew && !change.mergedInto) {
    return {
      Put: {
        TableName: T,
        Item: {
          ...key,
          ...keys.incidentIndexEntries(tenantId, incident),
          entity: 'incident',
          id: incident.id,
          tenantId,
          status: incident.status,
          createdAt: now.toISOString(),
          ...summary,
          ...(incident.resolvesAt ? { resolvesAt: incident.resolvesAt } : {}),
          ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  const set = (field: string, value: unknown) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  };
  for (const [field, value] of Object.entries(summary)) set(field, value);
  if (incident.resolvesAt && !change.mergedInto) set('resolvesAt', incident.resolvesAt);
  else removes.push('resolvesAt');
  if (status) {
    set('status', status);
    for (const [attribute, value] of Object.entries(keys.incidentsByStatus(tenantId, status))) set(attribute, value);
    if (status === 'resolved') set('resolvedAt', incident.resolvedAt);
    else removes.push('resolvedAt');
    // Reopened by an alert firing again: who closed it, and how, no longer holds (an operator's reopen clears them itself).
    if (status === 'open') removes.push(...['resolutionCode', 'resolvedBy'].filter((field) => !(field in extra)));
    if (change.mergedInto) set('mergedInto', change.mergedInto);
  }
  if (clauses) {
    sets.push(...clauses.set);
    Object.assign(values, clauses.values);
  }
  if (change.isNew) {
    // Opened and merged away within one batch: still a full item.
    // Its status entry (gsi2pk) is set with its status above.
    const { gsi2pk: _statusEntry, ...entries } = keys.incidentIndexEntries(tenantId, incident);
    for (const [attribute, value] of Object.entries(entries)) set(attribute, value);
    set('entity', 'incident');
    set('id', incident.id);
    set('tenantId', tenantId);
    set('createdAt', now.toISOString());
  }
  return {
    Update: {
      TableName: T,
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The status correlation sets, if its timeline says it changed it. */
function statusChange(change: IncidentChange): 'open' | 'resolved' | undefined {
  let status: 'open' | 'resolved' | undefined;
  for (const entry of change.timeline) {
    if (entry.type === 'incident-resolved') status = 'resolved';
    if (entry.type === 'incident-reopened') status = 'open';
  }
  return status;
}

const settleMarkerSchema = z.object({ tenantId: z.string().min(1), scope: z.string().min(1), resolvesAt: z.string() });

export type SettleMarker = z.output<typeof settleMarkerSchema> & { key: { pk: string; sk: string } };

/** Scopes with a grace period ending by `now`, oldest first. */
export async function dueSettleMarkers(table: TableRef, now: Date, limit: number): Promise<SettleMarker[]> {
  const { Items } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND sk <= :until',
      ExpressionAttributeValues: { ':pk': keys.settleMarkers().pk, ':until': `${now.toISOString()}~` },
      Limit: limit,
    }),
  );
  return (Items ?? []).map((item) => ({ ...entityOf(settleMarkerSchema, item), key: itemKeyOf(item) }));
}

function settleMarkerItem(tenantId: string, scope: string, resolvesAt: string, now: Date): Record<string, unknown> {
  return {
    ...keys.settleMarker(resolvesAt, tenantId, scope),
    entity: 'settleMarker',
    tenantId,
    scope,
    resolvesAt,
    ttl: ttlAfter(now, 7 * 24 * 3600),
  };
}

export async function putSettleMarker(table: TableRef, tenantId: string, scope: string, resolvesAt: string, now: Date): Promise<void> {
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: settleMarkerItem(tenantId, scope, resolvesAt, now) }));
}

export async function deleteSettleMarker(table: TableRef, marker: SettleMarker): Promise<void> {
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: marker.key }));
}
