import { worstSeverity, type Severity } from './alert';
import type { IncidentAlert, IncidentStatus, TimelineEntry } from './incident';

/**
 * How an incident reads to an operator: one row per alert (per fingerprint) rather than per notification,
 * and an activity list where every entry names its alert and one instant's entries come in the order they
 * happened. Pure: the store reads the items, the API shows the result.
 */

/** What happened to one alert, on its row: fired (or fired again after resolving), repeated, resolved, or cleared by another tool's word. */
export interface AlertRowEvent {
  alertId: string;
  at: string;
  kind: 'fired' | 'repeated' | 'resolved' | 'reported-cleared';
  source: string;
  reason: string;
}

export interface AlertRow {
  /** The fingerprint (hash of the dedup key) its notifications share. */
  key: string;
  signature: string;
  category: string;
  /** Worst severity it fired with. */
  severity: Severity;
  /**
   * Where it stands: firing; resolved (its tool said so); ended (the incident was resolved while it was
   * still firing: by a person, or after a long silence). Another tool saying it cleared does not change it.
   */
  state: 'firing' | 'resolved' | 'ended';
  assetRef: string;
  assetId: string | null;
  /** The tools that reported it, including those that only said it cleared. */
  sources: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  /** Firing notifications (repeats included, resolutions not). */
  occurrences: number;
  /** Why it joined the incident (its first notification's reason). */
  reason: string;
  /** Its latest firing message. */
  message: string;
  /** Its notifications in time order. */
  events: AlertRowEvent[];
}

/** Memberships stored before fingerprints were kept group by tool, asset and signature (the default dedup key's parts). */
function ownKey(alert: IncidentAlert): string {
  return alert.fingerprint ?? `legacy:${alert.source}|${alert.assetRef}|${alert.signature}`;
}

function rowKey(alert: IncidentAlert): string {
  return alert.row ?? ownKey(alert);
}

const byTimeThenOrder = (a: { occurredAt: string; seq?: string }, b: { occurredAt: string; seq?: string }) =>
  Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.seq ?? '').localeCompare(b.seq ?? '');

/** The incident's alerts, one row each, in the order they first appeared. */
export function alertRowsOf(notifications: readonly IncidentAlert[], incidentStatus: IncidentStatus): AlertRow[] {
  const groups = new Map<string, IncidentAlert[]>();
  for (const notification of [...notifications].sort(byTimeThenOrder)) {
    const key = rowKey(notification);
    groups.set(key, [...(groups.get(key) ?? []), notification]);
  }
  const rows: AlertRow[] = [];
  for (const [key, group] of groups) {
    const own = group.filter((notification) => ownKey(notification) === key);
    const firings = own.filter((notification) => notification.status === 'firing');
    const first = firings[0] ?? own[0] ?? (group[0] as IncidentAlert);
    const events: AlertRowEvent[] = [];
    let lastOwn: 'firing' | 'resolved' | undefined;
    for (const notification of group) {
      const isOwn = ownKey(notification) === key;
      const kind: AlertRowEvent['kind'] = !isOwn
        ? 'reported-cleared'
        : notification.status === 'resolved'
          ? 'resolved'
          : lastOwn === 'firing'
            ? 'repeated'
            : 'fired';
      if (isOwn) lastOwn = notification.status;
      events.push({
        alertId: notification.alertId,
        at: notification.occurredAt,
        kind,
        source: notification.source,
        reason: notification.reason,
      });
    }
    const state: AlertRow['state'] =
      lastOwn === 'resolved' ? 'resolved' : incidentStatus === 'resolved' || incidentStatus === 'merged' ? 'ended' : 'firing';
    rows.push({
      key,
      signature: first.signature,
      category: first.category,
      severity: firings.reduce<Severity>((worst, firing) => worstSeverity(worst, firing.severity), first.severity),
      state,
      assetRef: first.assetRef,
      assetId: first.assetId,
      sources: [...new Set(group.map((notification) => notification.source))],
      firstSeenAt: first.occurredAt,
      lastSeenAt: (group.at(-1) as IncidentAlert).occurredAt,
      occurrences: firings.length,
      reason: first.reason,
      message: (firings.at(-1) ?? first).message,
      events,
    });
  }
  return rows;
}

/** The alert an activity entry is about, named, and the tool that said what the entry records. */
export interface NamedAlert {
  signature: string;
  assetRef: string;
  source: string;
}

export type ActivityEntry = TimelineEntry & { alert?: NamedAlert };

/**
 * The activity: the stored entries and, from the memberships, what changed an alert's row (it joined,
 * fired again after resolving, resolved, or another tool said it cleared; a repeat is on its row only).
 * Every entry that concerns an alert names it. Time order; one instant's entries in the order they were
 * written (cause first); entries stored before that order was kept fall back to the alert first.
 */
export function activityOf(stored: readonly TimelineEntry[], notifications: readonly IncidentAlert[]): ActivityEntry[] {
  const byId = new Map(notifications.map((notification) => [notification.alertId, notification]));
  const rowOwners = new Map<string, IncidentAlert>();
  for (const notification of notifications) {
    const key = ownKey(notification);
    if (!notification.row && !rowOwners.has(key)) rowOwners.set(key, notification);
  }
  // The alert that opened the incident (or reopened it) has that entry already.
  const covered = new Set(
    stored
      .filter((entry) => entry.type === 'incident-opened' || entry.type === 'incident-reopened')
      .map((entry) => entry.alertId)
      .filter((id): id is string => id !== undefined),
  );
  const derived: TimelineEntry[] = [];
  for (const row of alertRowsOf(notifications, 'open')) {
    for (const event of row.events) {
      if (event.kind === 'repeated' || covered.has(event.alertId)) continue;
      const notification = byId.get(event.alertId) as IncidentAlert;
      derived.push({
        id: `ALERT#${event.alertId}`,
        at: event.at,
        type: event.kind === 'fired' ? 'alert-joined' : 'alert-resolved',
        alertId: event.alertId,
        reason: event.reason,
        ...(notification.seq ? { seq: notification.seq } : {}),
      });
    }
  }
  const legacyAlertFirst = (entry: TimelineEntry) => (entry.seq === undefined && entry.id.startsWith('ALERT#') ? 0 : 1);
  return [...stored, ...derived]
    .sort(
      (a, b) =>
        Date.parse(a.at) - Date.parse(b.at) ||
        (a.seq !== undefined && b.seq !== undefined ? a.seq.localeCompare(b.seq) : legacyAlertFirst(a) - legacyAlertFirst(b)) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .map((entry) => {
      const notification = entry.alertId ? byId.get(entry.alertId) : undefined;
      if (!notification) return entry;
      // Another tool's word on a condition names the alert whose row it is on, and who said it.
      const named = rowOwners.get(rowKey(notification)) ?? notification;
      return { ...entry, alert: { signature: named.signature, assetRef: named.assetRef, source: notification.source } };
    });
}
