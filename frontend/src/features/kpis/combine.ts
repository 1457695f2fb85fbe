import type { Schemas } from '../../api/client';

type KpiRow = Schemas['KpiRow'];
type KpiDay = KpiRow & { date: string };

/** A period's figures: its totals and one row per day. */
export interface KpiReport {
  totals: KpiRow;
  days: KpiDay[];
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);
const weightedMean = (rows: KpiRow[], value: (row: KpiRow) => number | null, weight: (row: KpiRow) => number) => {
  let sum = 0;
  let count = 0;
  for (const row of rows) {
    const v = value(row);
    if (v === null) continue;
    sum += v * weight(row);
    count += weight(row);
  }
  return count === 0 ? null : Math.round((sum / count) * 10) / 10;
};

/** Several companies' KPI rows as one: counts add up, shares and means are recomputed from them (as lib/kpi/kpis.ts does). */
function combineRows(rows: KpiRow[]): KpiRow {
  const sum = (value: (row: KpiRow) => number) => rows.reduce((total, row) => total + value(row), 0);
  const firingEpisodes = sum((r) => r.firingEpisodes);
  const incidents = sum((r) => r.incidents);
  const resolved = sum((r) => r.resolved);
  const selfHealed = sum((r) => r.selfHealed);
  const compliance = (pick: (row: KpiRow) => KpiRow['slaResolution']) => {
    const met = sum((r) => pick(r).met);
    const missed = sum((r) => pick(r).missed);
    return { met, missed, pct: ratio(met, met + missed) };
  };
  return {
    alerts: sum((r) => r.alerts),
    firingEpisodes,
    unmatchedResolutions: sum((r) => r.unmatchedResolutions),
    incidents,
    inMaintenance: sum((r) => r.inMaintenance),
    noiseReductionPct: firingEpisodes === 0 ? null : Math.min(100, Math.max(0, Math.round((1 - incidents / firingEpisodes) * 1000) / 10)),
    acknowledged: sum((r) => r.acknowledged),
    mttaMinutes: weightedMean(
      rows,
      (r) => r.mttaMinutes,
      (r) => r.acknowledged,
    ),
    resolved,
    mttrMinutes: weightedMean(
      rows,
      (r) => r.mttrMinutes,
      (r) => r.resolved,
    ),
    selfHealed,
    clearedOnItsOwn: sum((r) => r.clearedOnItsOwn),
    resolvedByPerson: sum((r) => r.resolvedByPerson),
    selfHealedPct: ratio(selfHealed, resolved),
    slaResponse: { ...compliance((r) => r.slaResponse), resolvedBeforeDue: sum((r) => r.slaResponse.resolvedBeforeDue) },
    slaResolution: compliance((r) => r.slaResolution),
  };
}

/** The companies' reports as one, day by day. */
export function combineReports(reports: KpiReport[]): KpiReport {
  if (reports.length === 1) return reports[0]!;
  const dates = [...new Set(reports.flatMap((report) => report.days.map((day) => day.date)))].sort();
  return {
    totals: combineRows(reports.map((report) => report.totals)),
    days: dates.map((date) => ({
      date,
      ...combineRows(reports.flatMap((report) => report.days.filter((day) => day.date === date))),
    })),
  };
}
