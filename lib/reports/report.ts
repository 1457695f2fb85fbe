import { SEVERITIES } from '../domain/alert';
import type { Branding } from '../domain/report/branding';
import { occurrencesBetween, type MaintenanceWindow } from '../domain/maintenance/window';
import { periodBounds, previousPeriod, reportTimeZone, type ReportPeriodSpec } from '../domain/report/period';
import {
  describeBreach,
  figureChanges,
  type ClientReport,
  type NoisyAsset,
  type NoisySignature,
  type ReportMaintenanceWindow,
  type RunbookShare,
  type SlaBreach,
} from '../domain/report/report';
import { notFound } from '../errors';
import { computeKpis, isFiringEpisode, resolutionOf, slaOutcomesOf } from '../kpi/kpis';
import { readKpiInputs, type KpiInputs } from '../kpi/read';
import { getBranding } from '../store/branding';
import { listWindows } from '../store/maintenance';
import { listTenantRunbooks } from '../store/runbooks';
import { slaPolicies } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { getTenant } from '../store/tenants';

/**
 * A client report (lib/domain/report/report.ts) of a tenant and period. Every KPI comes from computeKpis
 * over the inputs readKpiInputs reads, as `GET /v1/kpis` computes them: the report's totals are that
 * route's totals for the same period and time zone.
 */

export interface ReportDeps {
  table: TableRef;
  now: () => Date;
}

/** How many assets and signatures the report names. */
const TOP = 5;

/** The alert fields the report reads beyond computeKpis's: what the noisiest lists and the per-severity rows group by. */
const REPORT_ALERT_FIELDS = ['assetId', 'assetRef', 'hostless', 'signature', 'severity'] as const;
type ReportInputs = KpiInputs<(typeof REPORT_ALERT_FIELDS)[number]>;

/** The tenant's report of the period, with the MSP's branding to render it with. 404 for a tenant that does not exist. */
export async function loadReport(
  deps: ReportDeps,
  tenantId: string,
  spec: ReportPeriodSpec,
): Promise<{ report: ClientReport; branding: Branding }> {
  const [tenant, sla, branding] = await Promise.all([
    getTenant(deps.table, tenantId),
    slaPolicies.get(deps.table, tenantId),
    getBranding(deps.table),
  ]);
  if (!tenant) throw notFound('Tenant');
  const timeZone = reportTimeZone(sla.policy);
  const period = periodBounds(spec, timeZone);
  const previous = periodBounds(previousPeriod(spec), timeZone);
  const now = deps.now();
  const range = (bounds: { from: string; to: string }) => ({ from: new Date(bounds.from), to: new Date(bounds.to), now });
  const [inputs, previousInputs, windows, runbooks] = await Promise.all([
    readKpiInputs(deps, tenantId, range(period), REPORT_ALERT_FIELDS),
    readKpiInputs(deps, tenantId, range(previous)),
    listWindows(deps.table, tenantId),
    listTenantRunbooks(deps.table, tenantId),
  ]);
  const options = { now, policy: inputs.policy };
  const totals = computeKpis(inputs.alerts, inputs.kpiIncidents, inputs.period, timeZone, options).totals;
  const previousTotals = computeKpis(previousInputs.alerts, previousInputs.kpiIncidents, previousInputs.period, timeZone, {
    now,
    policy: previousInputs.policy,
  }).totals;

  const bySeverity = SEVERITIES.map((severity) => {
    const alerts = inputs.alerts.filter((alert) => alert.severity === severity);
    const incidents = inputs.kpiIncidents.filter((incident) => incident.severity === severity);
    return { severity, ...computeKpis(alerts, incidents, inputs.period, timeZone, options).totals };
  });

  const runbookNames = new Map(runbooks.map((runbook) => [runbook.id, runbook.name]));
  return {
    branding,
    report: {
      tenant: { id: tenant.id, name: tenant.name },
      msp: { name: branding.name, hasLogo: branding.logo !== undefined },
      period,
      generatedAt: now.toISOString(),
      totals,
      bySeverity,
      breaches: breachesOf(inputs, now.getTime()),
      selfHealing: {
        resolved: totals.resolved,
        selfHealed: totals.selfHealed,
        pct: totals.selfHealedPct,
        runbooks: selfHealingRunbooks(inputs, runbookNames),
      },
      ...noisiest(inputs),
      maintenanceWindows: overlappingWindows(windows, inputs),
      previous: { period: previous, totals: previousTotals },
      changes: figureChanges(totals, previousTotals),
    },
  };
}

/** Every missed SLA clock of the period's incidents, by deadline: the same outcomes the compliance figures count. */
function breachesOf(inputs: ReportInputs, nowMs: number): SlaBreach[] {
  const breaches: Array<SlaBreach & { dueMs: number }> = [];
  inputs.kpiIncidents.forEach((kpi, index) => {
    const incident = inputs.incidents[index]!;
    const outcomes = slaOutcomesOf(kpi, inputs.policy, nowMs);
    const resolvedAt = kpi.status === 'resolved' && kpi.resolvedAt ? Date.parse(kpi.resolvedAt) : undefined;
    for (const clock of ['response', 'resolution'] as const) {
      const outcome = outcomes[clock];
      if (outcome?.outcome !== 'missed') continue;
      const described = describeBreach({
        clock,
        due: outcome.due,
        ...(outcome.at !== undefined ? { metAt: outcome.at } : {}),
        metByAcknowledgement: kpi.acknowledgedAt !== undefined && Date.parse(kpi.acknowledgedAt) === outcome.at,
        ...(resolvedAt !== undefined ? { resolvedAt } : {}),
        now: nowMs,
      });
      breaches.push({
        incidentId: incident.id,
        title: incident.title,
        severity: incident.severity,
        clock,
        deadline: new Date(outcome.due).toISOString(),
        metAt: outcome.at !== undefined ? new Date(outcome.at).toISOString() : null,
        ...described,
        dueMs: outcome.due,
      });
    }
  });
  return breaches
    .sort((a, b) => a.dueMs - b.dueMs || a.incidentId.localeCompare(b.incidentId) || a.clock.localeCompare(b.clock))
    .map(({ dueMs: _due, ...breach }) => breach);
}

/** The runbooks that resolved the period's self-healed incidents (the execution summary kept on each), most first. */
function selfHealingRunbooks(inputs: ReportInputs, names: ReadonlyMap<string, string>): RunbookShare[] {
  const counts = new Map<string, number>();
  inputs.kpiIncidents.forEach((kpi, index) => {
    if (kpi.status !== 'resolved' || resolutionOf(kpi) !== 'self-healed') return;
    const runbookId = inputs.incidents[index]!.remediation?.runbookId ?? 'unknown';
    counts.set(runbookId, (counts.get(runbookId) ?? 0) + 1);
  });
  return [...counts]
    .map(([runbookId, incidents]) => ({ runbookId, name: names.get(runbookId) ?? runbookId, incidents }))
    .sort((a, b) => b.incidents - a.incidents || a.runbookId.localeCompare(b.runbookId));
}

/** The assets and signatures with the most firing episodes that occurred in the period (as computeKpis counts them). */
function noisiest(inputs: ReportInputs): { noisyAssets: NoisyAsset[]; noisySignatures: NoisySignature[] } {
  const from = Date.parse(inputs.period.from);
  const to = Date.parse(inputs.period.to);
  const assets = new Map<string, NoisyAsset>();
  const signatures = new Map<string, number>();
  for (const alert of inputs.alerts) {
    const at = Date.parse(alert.occurredAt);
    if (at < from || at >= to || !isFiringEpisode(alert)) continue;
    signatures.set(alert.signature, (signatures.get(alert.signature) ?? 0) + 1);
    // A host-less alert (a watchdog, a budget) names no asset to count.
    if (alert.hostless) continue;
    const key = alert.assetId ?? `ref:${alert.assetRef}`;
    const entry = assets.get(key) ?? { asset: alert.assetRef, assetId: alert.assetId, firingEpisodes: 0 };
    entry.firingEpisodes++;
    assets.set(key, entry);
  }
  return {
    noisyAssets: [...assets.values()].sort((a, b) => b.firingEpisodes - a.firingEpisodes || a.asset.localeCompare(b.asset)).slice(0, TOP),
    noisySignatures: [...signatures]
      .map(([signature, firingEpisodes]) => ({ signature, firingEpisodes }))
      .sort((a, b) => b.firingEpisodes - a.firingEpisodes || a.signature.localeCompare(b.signature))
      .slice(0, TOP),
  };
}

/** The maintenance windows and silences with an occurrence in the period, first first, with the period's incidents each held. */
function overlappingWindows(windows: readonly MaintenanceWindow[], inputs: ReportInputs): ReportMaintenanceWindow[] {
  const from = Date.parse(inputs.period.from);
  const to = Date.parse(inputs.period.to);
  const held = new Map<string, number>();
  for (const incident of inputs.incidents) {
    const windowId = incident.maintenance?.windowId;
    if (windowId) held.set(windowId, (held.get(windowId) ?? 0) + 1);
  }
  return windows
    .flatMap((window) => {
      const occurrences = occurrencesBetween(window, from, to);
      if (occurrences.length === 0) return [];
      return [
        {
          id: window.id,
          name: window.name,
          kind: window.kind,
          reason: window.reason,
          occurrences: occurrences.length,
          firstStartsAt: new Date(occurrences[0]!.start).toISOString(),
          lastEndsAt: new Date(occurrences[occurrences.length - 1]!.end).toISOString(),
          heldIncidents: held.get(window.id) ?? 0,
        },
      ];
    })
    .sort((a, b) => a.firstStartsAt.localeCompare(b.firstStartsAt) || a.id.localeCompare(b.id));
}
