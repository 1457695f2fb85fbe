/**
 * The figures of a KPI row (docs/kpis.md defines each): what lib/kpi/kpis.ts computes, and what client
 * reports (lib/domain/report/) show.
 */

export interface SlaCompliance {
  met: number;
  missed: number;
  /** met / (met + missed); incidents whose deadline is still ahead are not counted yet. */
  pct: number | null;
}

export interface ResponseCompliance extends SlaCompliance {
  /** Resolved, by a runbook or on its own, before the response was due, with no person acting by then: neither met nor missed. */
  resolvedBeforeDue: number;
}

export interface KpiRow {
  /** Alert notifications that occurred: firing and resolutions, repeats included. */
  alerts: number;
  /** Firing alert episodes (isFiringEpisode). */
  firingEpisodes: number;
  /** Resolution notifications that joined no incident (isUnmatchedResolution): among `alerts`, never an episode. */
  unmatchedResolutions: number;
  incidents: number;
  /** 1 - incidents / firingEpisodes, as a percentage (0 to 100). */
  noiseReductionPct: number | null;
  acknowledged: number;
  /** Mean time from opening to the first acknowledgement. */
  mttaMinutes: number | null;
  resolved: number;
  /** Mean time from opening to resolution. */
  mttrMinutes: number | null;
  /** Resolved by a successful runbook execution. */
  selfHealed: number;
  /** Resolved by correlation when its alerts cleared, with no runbook fix and no person. */
  clearedOnItsOwn: number;
  resolvedByPerson: number;
  /** selfHealed / resolved. */
  selfHealedPct: number | null;
  slaResponse: ResponseCompliance;
  slaResolution: SlaCompliance;
  /** Incidents held by a maintenance window or a silence: among `incidents`, never in SLA compliance. */
  inMaintenance: number;
}
