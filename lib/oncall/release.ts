import type { Incident } from '../domain/incident';
import { DETAIL_TYPES, domainEvent } from '../domain/events';
import { logger } from '../observability';
import { assignIncident, IncidentStateError } from '../store/incident-actions';
import { listIncidents } from '../store/incidents';
import type { TableRef } from '../store/table-ref';

/**
 * Releases the open incidents a technician holds in companies they no longer work for (deleted, or the
 * companies taken off them): each loses its assignee, with a timeline entry saying why, and asks for
 * another (an IncidentRepairRequested event with `assignee` missing: remediation routes it again, to
 * someone who is still there). An incident reassigned or resolved meanwhile is left alone.
 */
export async function releaseAssignments(
  table: TableRef,
  leaver: { userId: string; name: string },
  tenantIds: readonly string[],
  why: string,
  actor: string,
  now: Date,
): Promise<{ released: number }> {
  let released = 0;
  for (const tenantId of tenantIds) {
    const where = (incident: Incident) => incident.assignee?.userId === leaver.userId;
    const held = (
      await Promise.all(
        (['open', 'acknowledged'] as const).map((status) =>
          listIncidents(table, tenantId, { status, where, limit: 1000, maxRead: 10_000 }),
        ),
      )
    ).flat();
    for (const incident of held) {
      try {
        await assignIncident(table, tenantId, incident.id, null, actor, now, {
          onlyIfAssignedTo: leaver.userId,
          reason: `${leaver.name} ${why}: routing picks someone else`,
          events: [
            domainEvent(DETAIL_TYPES.incidentRepairRequested, { tenantId, incidentId: incident.id, missing: ['assignee'], attempt: 1 }),
          ],
        });
        released++;
      } catch (error) {
        if (!(error instanceof IncidentStateError)) throw error;
      }
    }
  }
  if (released) logger.info('Released the incidents of a technician who left', { userId: leaver.userId, released });
  return { released };
}
