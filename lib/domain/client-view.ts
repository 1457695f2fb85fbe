import * as z from 'zod';
import type { Asset } from './asset';
import type { Incident, TimelineEntry } from './incident';
import type { ActivityEntry, AlertRow } from './incident-view';
import { e164Schema } from './notify/sms-voice';
import type { Role } from './user';

/**
 * What a client's viewer (the `client_viewer` role: a person of the client company) sees, in one place.
 * The routes answer the same shapes as to the MSP's staff, filled from an allowlist: a field added to an
 * incident later stays hidden from clients until someone decides here that they may see it.
 *
 * Left out, and why (docs/security.md, "The client's viewer"):
 * - the remediation decision, the runbook execution and its output, approvals and AI advice: the MSP's
 *   tooling, and command output may carry hosts, paths or secrets;
 * - correlation's reasoning (why an alert joined, the priority's parts, topology), alerts' messages and
 *   the scope and correlation ids: tool text that may carry labels or secrets, and internals;
 * - who acted (acknowledged, resolved, wrote a note): the MSP's people's email addresses; only the
 *   assignee's display name is shown, and the viewer's own notes;
 * - internal notes, escalation levels and pending timers.
 */

/** A client's viewer asks the MSP to call back: where (optional: the MSP may know the number) and about what. */
export const callbackRequestBody = z.object({ phone: e164Schema.optional(), message: z.string().trim().min(1).max(1000) }).strict();

export const seesClientView = (role: Role): boolean => role === 'client_viewer';

/** Who reads the view: the notes they wrote keep their author (their own address). */
export interface ClientViewer {
  email: string;
}

/** An incident as a client sees it: the stored shape without what they may not see (no priority: its parts are correlation's reasoning). */
export type ClientIncident = Omit<Incident, 'priority'>;

export function clientIncident(incident: Incident): ClientIncident {
  // The deadlines and pauses, without the pending timers or the reasons staff typed for a pause.
  const sla = incident.sla && {
    ...incident.sla,
    timers: {},
    clock: { pauses: incident.sla.clock.pauses.map(({ reason: _reason, ...pause }) => pause) },
  };
  return {
    id: incident.id,
    tenantId: incident.tenantId,
    status: incident.status,
    title: incident.title,
    severity: incident.severity,
    rootAssetId: incident.rootAssetId,
    assetRef: incident.assetRef,
    assetId: incident.assetId,
    signatures: incident.signatures,
    sources: incident.sources,
    alertCount: incident.alertCount,
    ...(incident.occurrences !== undefined ? { occurrences: incident.occurrences } : {}),
    reopenCount: incident.reopenCount,
    openedAt: incident.openedAt,
    lastEventAt: incident.lastEventAt,
    ...(incident.resolvesAt ? { resolvesAt: incident.resolvesAt } : {}),
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    ...(incident.mergedInto ? { mergedInto: incident.mergedInto } : {}),
    ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
    ...(incident.respondedAt ? { respondedAt: incident.respondedAt } : {}),
    ...(incident.assignee !== undefined ? { assignee: incident.assignee } : {}),
    ...(incident.resolutionCode !== undefined ? { resolutionCode: incident.resolutionCode } : {}),
    ...(sla ? { sla } : {}),
    createdAt: incident.createdAt,
    updatedAt: incident.updatedAt,
  };
}

/** The client's words for each activity entry they see; the stored reasons name people and correlation's reasoning. */
const CLIENT_ACTIVITY: Partial<Record<TimelineEntry['type'], string>> = {
  'incident-opened': 'Incident opened',
  'alert-joined': 'An alert joined the incident',
  'alert-resolved': 'An alert cleared',
  'alert-ended': 'An alert ended with the incident',
  'resolution-pending': 'Every alert cleared: the incident resolves if they stay clear',
  'incident-acknowledged': 'Acknowledged by the service desk',
  'incident-assigned': 'Assignment changed',
  'incident-resolved': 'Resolved',
  'incident-reopened': 'Reopened',
  'sla-paused': 'SLA clock paused',
  'sla-resumed': 'SLA clock resumed',
  'maintenance-started': 'Held by a maintenance window',
  'maintenance-ended': 'Released by the end of a maintenance window',
};

type Entry = Omit<ActivityEntry, 'seq'>;

/** The activity a client sees: client-visible notes as written, the other entries they may see in fixed words. */
export function clientActivity(entries: readonly Entry[], viewer: ClientViewer): Entry[] {
  const shown: Entry[] = [];
  for (const entry of entries) {
    const base = {
      id: entry.id,
      at: entry.at,
      type: entry.type,
      ...(entry.alertId ? { alertId: entry.alertId } : {}),
      ...(entry.alert ? { alert: entry.alert } : {}),
    };
    if (entry.type === 'note') {
      if (entry.visibility !== 'client') continue;
      shown.push({ ...base, reason: entry.reason, visibility: 'client', ...(entry.actor === viewer.email ? { actor: entry.actor } : {}) });
      continue;
    }
    const words = CLIENT_ACTIVITY[entry.type];
    if (words) shown.push({ ...base, reason: words });
  }
  return shown;
}

/** An alert's row without its tool text (message) or correlation's reason for it. */
export function clientAlertRow(row: AlertRow): AlertRow {
  return { ...row, reason: '', message: '', events: row.events.map((event) => ({ ...event, reason: '' })) };
}

export interface IncidentDetailView<I = Incident> {
  incident: I;
  alerts: AlertRow[];
  timeline: Entry[];
}

export function clientIncidentDetail(detail: IncidentDetailView, viewer: ClientViewer): IncidentDetailView<ClientIncident> {
  return {
    incident: clientIncident(detail.incident),
    alerts: detail.alerts.map(clientAlertRow),
    timeline: clientActivity(detail.timeline, viewer),
  };
}

/**
 * An asset as its company sees it: what it is and whether it is in trouble, not how the MSP reaches,
 * tags or maps it (aliases, dependencies and tags are left empty, in the shape every asset has; no SSM target).
 */
export interface ClientAsset {
  id: string;
  name: string;
  type: string;
  aliases: [];
  dependsOn: [];
  critical: boolean;
  tags: Record<string, never>;
  /** `incident` while an open or acknowledged incident is rooted on it. */
  status: 'ok' | 'incident';
  openIncidents: number;
}

export function clientAssets(
  assets: readonly Asset[],
  activeIncidents: readonly Pick<Incident, 'rootAssetId' | 'assetId'>[],
): ClientAsset[] {
  const open = new Map<string, number>();
  for (const incident of activeIncidents) {
    const assetId = incident.rootAssetId ?? incident.assetId;
    if (assetId) open.set(assetId, (open.get(assetId) ?? 0) + 1);
  }
  return assets.map((asset) => {
    const count = open.get(asset.id) ?? 0;
    return {
      id: asset.id,
      name: asset.name,
      type: asset.type,
      aliases: [],
      dependsOn: [],
      critical: asset.critical,
      tags: {},
      status: count ? 'incident' : 'ok',
      openIncidents: count,
    };
  });
}

/** A maintenance window without who made or ended it (the MSP's people's addresses). */
export function clientWindow<W extends { createdBy: string; endedBy?: string }>(window: W): Omit<W, 'endedBy'> {
  const { endedBy: _endedBy, ...rest } = window;
  return { ...rest, createdBy: '' };
}
