import { DETAIL_TYPES, type DomainEvent } from '../domain/events';
import { notifyForEvent, NOTIFIED_EVENTS, type NotifierConfig } from '../notify/event-notifier';
import { handleOnce } from '../store/event-receipts';
import { IncidentStateError } from '../store/incident-actions';
import { reviewHold } from '../maintenance/holds';
import { endSilencesOf, scheduleWindow } from '../maintenance/windows';
import { getIncident } from '../store/sla';
import { showIncidentInSlack } from '../notify/slack-sync';
import {
  escalateOnRequest,
  followMaintenance,
  onIncidentChanged,
  pauseSla,
  resumeSla,
  sendSlaNotification,
  startSla,
  type SlaDeps,
} from './service';

/** Changes that bring an incident alerts it did not have: a maintenance hold is checked again. */
const REVIEWED_CHANGES: ReadonlySet<string> = new Set(['join', 'reopen', 'absorbed', 'root-changed']);

/** Events that start, move or stop an incident's SLA timers. */
const CLOCK_EVENTS: ReadonlySet<string> = new Set([
  DETAIL_TYPES.incidentOpened,
  DETAIL_TYPES.incidentUpdated,
  DETAIL_TYPES.incidentResolved,
]);

/**
 * The sla function's work for one bus event, once per event id: the clocks follow the incident
 * (opened: started; updated or resolved: timers moved, stopped), an operator's pause or resume moves
 * them, and the people the event concerns are told: an assignee, the approvers, the SLA warning's and
 * escalation's recipients (carried by the event). A failure throws, so the event is delivered again; the
 * steps that already succeeded are safe to repeat (timers by name, deliveries by their dedup key).
 */
export async function handleSlaEvent(
  deps: SlaDeps,
  notifier: NotifierConfig,
  event: DomainEvent,
): Promise<Record<string, unknown> | { skipped: string }> {
  const outcome = await handleOnce(deps.table, 'sla', event, deps.now, async () => {
    const { detail } = event;
    const results: Record<string, unknown> = {};
    if (event.detailType === DETAIL_TYPES.incidentUpdated) {
      if (event.detail.decision === 'maintenance-started' || event.detail.decision === 'maintenance-ended')
        results.maintenance = await followMaintenance(deps, detail.tenantId, detail.incidentId);
      else if (REVIEWED_CHANGES.has(event.detail.decision)) {
        // New alerts (joined, reopening it, or absorbed with another incident): one from outside the window
        // lifts the hold (its own event then resumes the clock).
        const incident = await getIncident(deps.table, detail.tenantId, detail.incidentId);
        if (incident) results.maintenance = { lifted: await reviewHold(deps, incident) };
      }
    }
    // A window created or changed, or an occurrence over: the timers of its next occurrence.
    if (event.detailType === DETAIL_TYPES.maintenanceScheduled)
      results.timers = await scheduleWindow(deps, detail.tenantId, event.detail.windowId, deps.now().getTime());
    if (event.detailType === DETAIL_TYPES.maintenanceEnded)
      results.timers = await scheduleWindow(deps, detail.tenantId, event.detail.windowId, Date.parse(event.detail.endsAt));
    if (event.detailType === DETAIL_TYPES.incidentResolved)
      results.silencesEnded = await endSilencesOf(deps, detail.tenantId, detail.incidentId);
    // The Slack app's messages about the incident say who acknowledged or resolved it, wherever that was done.
    if (
      event.detailType === DETAIL_TYPES.incidentResolved ||
      (event.detailType === DETAIL_TYPES.incidentUpdated && event.detail.decision === 'acknowledged')
    )
      results.slack = await showIncidentInSlack(deps, detail.tenantId, detail.incidentId, event.detail.actor);
    if (CLOCK_EVENTS.has(event.detailType)) {
      results.sla =
        event.detailType === DETAIL_TYPES.incidentOpened
          ? await startSla(deps, detail.tenantId, detail.incidentId)
          : await onIncidentChanged(deps, detail.tenantId, detail.incidentId);
    }
    if (event.detailType === DETAIL_TYPES.slaPauseRequested || event.detailType === DETAIL_TYPES.slaResumeRequested) {
      try {
        results.sla =
          event.detailType === DETAIL_TYPES.slaPauseRequested
            ? await pauseSla(deps, detail.tenantId, detail.incidentId, { actor: event.detail.actor, reason: event.detail.reason })
            : await resumeSla(deps, detail.tenantId, detail.incidentId, { actor: event.detail.actor });
      } catch (error) {
        // Already paused (or not), or resolved meanwhile: nothing to do.
        if (!(error instanceof IncidentStateError)) throw error;
        results.sla = { skipped: error.message };
      }
    }
    if (event.detailType === DETAIL_TYPES.escalationRequested)
      results.escalation = await escalateOnRequest(deps, detail.tenantId, detail.incidentId, {
        actor: event.detail.actor,
        requesterId: event.detail.requesterId,
      });
    if (event.detailType === DETAIL_TYPES.incidentRepairRequested && event.detail.missing.includes('sla'))
      results.sla = await startSla(deps, detail.tenantId, detail.incidentId);
    if (event.detailType === DETAIL_TYPES.slaWarning || event.detailType === DETAIL_TYPES.incidentEscalated)
      results.notified = await sendSlaNotification(deps, event.detail);
    if ((NOTIFIED_EVENTS as readonly string[]).includes(event.detailType))
      results.notified = await notifyForEvent(notifier, event.detailType, detail, detail.eventId);
    return results;
  });
  return outcome.handled ? outcome.result : { skipped: outcome.reason };
}
