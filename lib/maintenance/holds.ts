import type { Timers } from '../aws/scheduler';
import { DETAIL_TYPES, domainEvent, type NewDomainEvent } from '../domain/events';
import { AUTOMATION_ACTOR, type Incident } from '../domain/incident';
import { isActiveIncident } from '../domain/incident-status';
import { isHeld, type MaintenanceHold, type WindowEffects } from '../domain/maintenance/hold';
import { holdFor, scopeAssets, type CoverableAlert, type MaintenanceWindow, type ResolvedWindow } from '../domain/maintenance/window';
import { getAlert } from '../store/alerts';
import { listAssets } from '../store/assets';
import { getIncidentDetail, listIncidents } from '../store/incidents';
import { listWindows, writeIncidentHold } from '../store/maintenance';
import type { TableRef } from '../store/table-ref';

/**
 * Incidents in maintenance (the rules are in lib/domain/maintenance/window.ts; the windows themselves, their
 * timers and silences in windows.ts):
 * - an incident is checked once, by whichever consumer meets it first (the SLA clocks or the remediation
 *   decision, `holdOf`): if all its alerts fall inside windows at the time they happened, the hold is
 *   stored on the incident and every later step reads it, so both consumers always agree;
 * - an alert joining from outside the window lifts the hold at once (`reviewHold`);
 * - the end of an occurrence releases its incidents still firing (`releaseIncidents`), which then get the
 *   normal treatment (routing, notifications, SLA clocks from the end).
 * Windows are read as stored, with their occurrences: nothing here expands a recurrence rule.
 * Lifting a hold writes an IncidentUpdated 'maintenance-ended' event with it: the SLA service resumes the
 * clock and the remediation service decides and routes as for a new incident.
 */

export interface MaintenanceDeps {
  table: TableRef;
  now: () => Date;
  /** The window timers (absent where nothing schedules: the checks made by the consumers). */
  timers?: Timers;
}

export const ACTIVE_STATUSES = ['open', 'acknowledged'] as const;
/** Open incidents read at most when a window ends (a tenant with more is not in maintenance, it is on fire). */
const MAX_RELEASED = 1000;

// ---------------------------------------------------------------------------------------------------
// Windows of a tenant, ready to check

async function resolvedWindows(table: TableRef, tenantId: string, windows?: readonly MaintenanceWindow[]): Promise<ResolvedWindow[]> {
  const list = windows ?? (await listWindows(table, tenantId));
  if (list.length === 0) return [];
  const needsTopology = list.some((window) => window.scope.includeDependents && window.scope.assetIds?.length);
  const dependsOn = new Map<string, readonly string[]>();
  if (needsTopology) for (const asset of await listAssets(table, tenantId)) dependsOn.set(asset.id, asset.dependsOn);
  return list.map((window) => ({ window, assets: scopeAssets(window.scope, dependsOn) }));
}

/** The incident's alerts as the windows see them (labels read only when a window matches on one). */
async function coverableAlerts(table: TableRef, incident: Incident, windows: readonly ResolvedWindow[]): Promise<CoverableAlert[]> {
  const detail = await getIncidentDetail(table, incident.tenantId, incident.id);
  if (!detail) return [];
  const wantsLabels = windows.some(({ window }) => window.scope.matchers?.some((matcher) => matcher.field.startsWith('label.')));
  return Promise.all(
    detail.alerts.map(async (alert) => ({
      assetId: alert.assetId,
      signature: alert.signature,
      source: alert.source,
      severity: alert.severity,
      occurredAt: alert.occurredAt,
      ...(wantsLabels ? { labels: (await getAlert(table, incident.tenantId, alert.alertId))?.labels ?? {} } : {}),
    })),
  );
}

export function effectsText(effects: WindowEffects): string {
  return [
    effects.notify ? 'people are still notified' : 'no one is paged',
    effects.slaClocks === 'paused' ? 'SLA clocks paused' : 'SLA clocks running',
    effects.autoRemediation === 'allowed' ? 'runbooks may run' : 'no runbook runs by itself',
  ].join(', ');
}

export function updatedEvent(incident: Incident, decision: 'maintenance-started' | 'maintenance-ended', actor: string): NewDomainEvent {
  return domainEvent(DETAIL_TYPES.incidentUpdated, {
    tenantId: incident.tenantId,
    incidentId: incident.id,
    decision,
    actor,
    ...(incident.correlationId ? { correlationId: incident.correlationId } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------
// Incidents

/**
 * The incident's maintenance hold: the stored one (in force or lifted), or, on the first check, the one its
 * alerts call for, stored with a timeline entry (null when none does, which is not stored: a window made
 * later does not reach back to an incident that was already handled).
 */
export async function holdOf(deps: MaintenanceDeps, incident: Incident): Promise<MaintenanceHold | null> {
  if (incident.maintenance) return incident.maintenance;
  if (!isActiveIncident(incident)) return null;
  const windows = await resolvedWindows(deps.table, incident.tenantId);
  if (windows.length === 0) return null;
  const now = deps.now();
  const found = holdFor(windows, await coverableAlerts(deps.table, incident, windows), now);
  if (!found) return null;
  // Met only after its window ended (a consumer that lagged, a late delivery): it opened during the
  // planned work, but it is handled as usual from the window's end on (its clock starts at that end).
  const over = Date.parse(found.until) <= now.getTime();
  const hold: MaintenanceHold = over
    ? { ...found, liftedAt: now.toISOString(), liftReason: 'the window had ended when it was first handled' }
    : found;
  const what = `${hold.kind === 'silence' ? 'silence' : 'maintenance window'} "${hold.name}"`;
  const written = await writeIncidentHold(deps.table, incident.tenantId, incident.id, {
    hold,
    expected: 'none',
    statuses: ACTIVE_STATUSES,
    entry: {
      at: now.toISOString(),
      type: 'maintenance-started',
      actor: AUTOMATION_ACTOR,
      reason: over
        ? `Opened in ${what}, which ended at ${hold.until}: routed, notified and timed as usual from that end`
        : `In ${what} until ${hold.until}: ${effectsText(hold.effects)}`,
    },
    events: [updatedEvent(incident, 'maintenance-started', AUTOMATION_ACTOR)],
    now,
  });
  if (written) return hold;
  // Another consumer stored it first (or the incident closed): theirs stands.
  const detail = await getIncidentDetail(deps.table, incident.tenantId, incident.id);
  return detail?.incident.maintenance ?? null;
}

/**
 * After alerts joined a held incident: if one of them happened outside every window, the hold is lifted
 * now and the incident gets the normal treatment. Returns the reason when it lifted it.
 */
export async function reviewHold(deps: MaintenanceDeps, incident: Incident): Promise<string | null> {
  const hold = incident.maintenance;
  if (!isHeld(hold) || !isActiveIncident(incident)) return null;
  const windows = await resolvedWindows(deps.table, incident.tenantId);
  const alerts = await coverableAlerts(deps.table, incident, windows);
  if (holdFor(windows, alerts, deps.now())) return null;
  const reason = 'an alert came from outside the maintenance window';
  return (await liftHold(deps, incident, hold, reason)) ? reason : null;
}

/** Lifts a hold in force (if it still is: a repeat or a race finds it lifted and does nothing). */
async function liftHold(deps: MaintenanceDeps, incident: Incident, hold: MaintenanceHold, reason: string): Promise<boolean> {
  const now = deps.now();
  return writeIncidentHold(deps.table, incident.tenantId, incident.id, {
    hold: { ...hold, liftedAt: now.toISOString(), liftReason: reason },
    expected: { windowId: hold.windowId },
    statuses: ACTIVE_STATUSES,
    entry: {
      at: now.toISOString(),
      type: 'maintenance-ended',
      actor: AUTOMATION_ACTOR,
      reason: `Maintenance ended, still firing (${reason}): routed, notified and timed as usual from now`,
    },
    events: [updatedEvent(incident, 'maintenance-ended', AUTOMATION_ACTOR)],
    now,
  });
}

/**
 * The end of a window's occurrence for its incidents still firing: each is held on by another window
 * that covers it now, or released. Returns the ids released.
 */
export async function releaseIncidents(deps: MaintenanceDeps, window: MaintenanceWindow, reason: string): Promise<string[]> {
  const held = (
    await Promise.all(
      ACTIVE_STATUSES.map((status) =>
        listIncidents(deps.table, window.tenantId, {
          status,
          limit: MAX_RELEASED,
          maxRead: 5 * MAX_RELEASED,
          where: (incident) => isHeld(incident.maintenance) && incident.maintenance.windowId === window.id,
        }),
      ),
    )
  ).flat();
  if (held.length === 0) return [];
  const others = (await listWindows(deps.table, window.tenantId)).filter((other) => other.id !== window.id);
  const resolved = await resolvedWindows(deps.table, window.tenantId, others);
  const released: string[] = [];
  for (const incident of held) if (await release(deps, incident, resolved, reason)) released.push(incident.id);
  return released;
}

/**
 * One incident whose window ended: held on by another window covering all its alerts now, or released.
 * True when released.
 */
async function release(deps: MaintenanceDeps, incident: Incident, others: readonly ResolvedWindow[], reason: string): Promise<boolean> {
  const now = deps.now();
  const hold = incident.maintenance as MaintenanceHold;
  const alerts = others.length ? await coverableAlerts(deps.table, incident, others) : [];
  const next = others.length ? holdFor(others, alerts, now, now.getTime()) : null;
  if (!next) return liftHold(deps, incident, hold, reason);
  await writeIncidentHold(deps.table, incident.tenantId, incident.id, {
    hold: { ...next, since: hold.since },
    expected: { windowId: hold.windowId },
    statuses: ACTIVE_STATUSES,
    entry: {
      at: now.toISOString(),
      type: 'maintenance-started',
      actor: AUTOMATION_ACTOR,
      reason: `"${hold.name}" ended; still in "${next.name}" until ${next.until}`,
    },
    events: [updatedEvent(incident, 'maintenance-started', AUTOMATION_ACTOR)],
    now,
  });
  return false;
}

/** How long past its window's end a hold may stand before the repair sweep releases it. */
export const OVERDUE_HOLD_MS = 5 * 60_000;

/**
 * The repair sweep's safety net: a hold still in force well after its window's end (stored in the instant
 * the end was releasing the others, or its end timer lost) is released as the end would have. True when
 * it released the incident.
 */
export async function releaseOverdueHold(deps: MaintenanceDeps, incident: Incident): Promise<boolean> {
  const hold = incident.maintenance;
  if (!isHeld(hold) || !isActiveIncident(incident)) return false;
  if (Date.parse(hold.until) + OVERDUE_HOLD_MS > deps.now().getTime()) return false;
  const others = (await listWindows(deps.table, incident.tenantId)).filter((window) => window.id !== hold.windowId);
  return release(deps, incident, await resolvedWindows(deps.table, incident.tenantId, others), `"${hold.name}" ended at ${hold.until}`);
}
