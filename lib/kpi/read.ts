import { badRequest } from '../errors';
import type { SlaPolicy } from '../domain/sla/policy';
import type { StoredAlert } from '../store/alerts';
import { alertsReceivedBetween, listIncidentsOpenedBetween, type IncidentOutcome } from '../store/kpi-reads';
import { slaPolicies } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { kpiPeriodSchema, type KpiIncident, type KpiPeriod } from './kpis';

/**
 * What KPIs over a period are computed from, read one way for every reader (`GET /v1/kpis`, the client
 * reports of lib/reports/): the tenant's alerts by when they occurred, its incidents by when they opened,
 * and its SLA policy for the incidents that carry no deadlines.
 */

/**
 * Alerts count on the day they occurred but are stored by receipt: an alert of the period delivered
 * up to this long after its end still counts.
 */
const LATE_DELIVERY_MS = 3600 * 1000;
/** Wall-clock time the reads may take (the functions that read KPIs time out after 10 s, functions/catalog.ts). */
const READ_BUDGET_MS = 7_000;

/** The alert fields computeKpis reads. */
const KPI_ALERT_FIELDS = ['occurredAt', 'status', 'correlation', 'incidentId'] as const;

export interface KpiReadDeps {
  table: TableRef;
}

type KpiAlertField = (typeof KPI_ALERT_FIELDS)[number];

export interface KpiInputs<K extends keyof StoredAlert> {
  period: KpiPeriod;
  /** The time the outcomes are judged at (a deadline still ahead of it is pending). */
  now: Date;
  policy: SlaPolicy;
  /** The alerts as computeKpis reads them (KpiAlert), each with the extra stored fields asked for. */
  alerts: Array<Pick<StoredAlert, KpiAlertField | K | 'receivedAt'>>;
  /** The incidents as computeKpis reads them. */
  kpiIncidents: KpiIncident[];
  /** The same incidents as stored (same order), for what a report lists about them (id, title, runbook). */
  incidents: IncidentOutcome[];
}

/** An incident as computeKpis reads it: the deadlines the sla function stored (the tenant's policy then, pauses included), when it did. */
function kpiIncidentOf(incident: IncidentOutcome): KpiIncident {
  return {
    status: incident.status,
    severity: incident.severity,
    openedAt: incident.openedAt,
    ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
    ...(incident.respondedAt ? { respondedAt: incident.respondedAt } : {}),
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    ...(incident.resolvedBy ? { resolvedBy: incident.resolvedBy } : {}),
    ...(incident.sla
      ? { sla: { responseBy: incident.sla.responseDueAt, resolutionBy: incident.sla.resolutionDueAt, clock: incident.sla.clock } }
      : {}),
    ...(incident.maintenance ? { maintenance: { windowId: incident.maintenance.windowId } } : {}),
  };
}

/**
 * Reads the tenant's KPI inputs of [from, to), judged at `now`: 400 when the period has too much to read within the
 * read budget. `alertFields` are stored alert fields read beyond those computeKpis needs.
 */
export async function readKpiInputs<K extends keyof StoredAlert = never>(
  deps: KpiReadDeps,
  tenantId: string,
  range: { from: Date; to: Date; now: Date },
  alertFields: readonly K[] = [],
): Promise<KpiInputs<K>> {
  const started = Date.now();
  const { from, to, now } = range;
  const period = kpiPeriodSchema.parse({ from: from.toISOString(), to: to.toISOString() });
  const afterPage = (_kept: number, more: boolean) => {
    if (more && Date.now() - started > READ_BUDGET_MS) {
      throw badRequest('This period has too much to read in time: ask for a shorter period', { from: period.from, to: period.to });
    }
  };
  const lastReceipt = new Date(Math.min(to.getTime() + LATE_DELIVERY_MS, Math.max(to.getTime(), now.getTime())));
  const [alerts, incidents, sla] = await Promise.all([
    alertsReceivedBetween(deps.table, tenantId, from, lastReceipt, [...KPI_ALERT_FIELDS, ...alertFields], { afterPage }),
    listIncidentsOpenedBetween(deps.table, tenantId, from, to, { afterPage }),
    slaPolicies.get(deps.table, tenantId),
  ]);
  return {
    period,
    now,
    policy: sla.policy,
    alerts,
    kpiIncidents: incidents.map(kpiIncidentOf),
    incidents,
  };
}
