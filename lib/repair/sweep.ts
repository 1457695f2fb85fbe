import type { Incident } from '../domain/incident';
import { isHeld } from '../domain/maintenance/hold';
import { releaseOverdueHold } from '../maintenance/holds';
import { DETAIL_TYPES, domainEvent, type Repairable } from '../domain/events';
import { countMetric, logger } from '../observability';
import { listIncidents } from '../store/incidents';
import { requestIncidentRepair } from '../store/repair';
import type { TableRef } from '../store/table-ref';
import { listTenants } from '../store/tenants';

/**
 * The repair sweep: the safety net under the outbox. Every open incident gets its SLA clocks and a
 * remediation decision from its IncidentOpened event; if an incident is still missing one of them a few
 * minutes after it was created (an event dead-lettered after its retries, a consumer that kept
 * failing), the sweep asks for it again with an IncidentRepairRequested event, which the sla and
 * remediate functions act on like the event they missed. Each request is counted (IncidentsRepaired,
 * with an alarm: something upstream is losing work) and spaced out, and an incident is asked about a
 * few times at most, then left to the alarm and an operator. It also releases an incident still held
 * by a maintenance window well after the window's end (the end timer lost, or the hold stored in the
 * instant the end was releasing the others), as the end would have.
 */
export interface RepairDeps {
  table: TableRef;
  now: () => Date;
}

export interface RepairOptions {
  /** How old (since it was created) an incident must be before its missing parts count as lost. */
  minAgeMs?: number;
  /** How long after a request the same incident may be asked about again. */
  retryAfterMs?: number;
  /** Requests per incident at most. */
  maxAttempts?: number;
}

export const REPAIR_DEFAULTS = { minAgeMs: 5 * 60_000, retryAfterMs: 15 * 60_000, maxAttempts: 5 } as const;

export interface RepairResult {
  tenants: number;
  checked: number;
  repaired: Record<SweptPart, number>;
  /** Incidents still missing something after their last allowed request. */
  givenUp: number;
  /** Incidents still held well after their maintenance window ended, released (lib/maintenance/holds.ts). */
  released: number;
}

/** What the sweep looks for (an `assignee` is asked for only when a technician leaves: lib/oncall/release.ts). */
export type SweptPart = Exclude<Repairable, 'assignee'>;

/** What an open incident is missing that its events should have given it. */
export function missingParts(incident: Incident): SweptPart[] {
  const missing: SweptPart[] = [];
  if (!incident.sla) missing.push('sla');
  // A maintenance window that pages no one defers the decision to its end (lib/remediation/service.ts).
  const deferred = isHeld(incident.maintenance) && !incident.maintenance.effects.notify;
  if (!incident.decision) {
    if (!deferred) missing.push('decision');
  } else if (incident.decision.executionId && !incident.remediation) {
    // Decided to run a runbook, but the execution never started (its summary is written when it starts).
    missing.push('execution');
  }
  return missing;
}

export async function repairIncidents(deps: RepairDeps, options: RepairOptions = {}): Promise<RepairResult> {
  const { minAgeMs, retryAfterMs, maxAttempts } = { ...REPAIR_DEFAULTS, ...options };
  const now = deps.now();
  const result: RepairResult = { tenants: 0, checked: 0, repaired: { sla: 0, decision: 0, execution: 0 }, givenUp: 0, released: 0 };
  for (const tenant of await listTenants(deps.table)) {
    result.tenants++;
    for (const status of ['open', 'acknowledged'] as const) {
      const incidents = await listIncidents(deps.table, tenant.id, { status, limit: 1000, maxRead: 5000 });
      for (const incident of incidents) {
        result.checked++;
        if (await releaseOverdueHold(deps, incident)) {
          result.released++;
          logger.warn('An incident was still held well after its maintenance window ended; released', {
            tenantId: incident.tenantId,
            incidentId: incident.id,
          });
          continue;
        }
        if (now.getTime() - Date.parse(incident.createdAt) < minAgeMs) continue;
        const missing = missingParts(incident);
        if (!missing.length) continue;
        const attempt = (incident.repair?.attempts ?? 0) + 1;
        if (attempt > maxAttempts) {
          result.givenUp++;
          continue;
        }
        const requested = await requestIncidentRepair(
          deps.table,
          incident,
          { attempt, notBefore: new Date(now.getTime() - retryAfterMs), now },
          domainEvent(DETAIL_TYPES.incidentRepairRequested, {
            tenantId: incident.tenantId,
            incidentId: incident.id,
            missing,
            attempt,
            ...(incident.correlationId ? { correlationId: incident.correlationId } : {}),
          }),
        );
        if (!requested) continue;
        for (const part of missing) {
          result.repaired[part]++;
          countMetric('IncidentsRepaired', 1, { missing: part });
        }
        logger.warn('An open incident was missing what its events should have given it; asked again', {
          tenantId: incident.tenantId,
          incidentId: incident.id,
          missing,
          attempt,
        });
      }
    }
  }
  if (result.givenUp) logger.error('Open incidents still missing SLA clocks or a decision after every repair request', { ...result });
  return result;
}
