import type { KpiRow } from '../kpi';
import type { ClientReport, FigureChange } from './report';

/**
 * How a report's values read, the same in every format (HTML, PDF): a figure with nothing to divide by is
 * "n/a", instants are shown in the period's time zone.
 */

export const NOT_APPLICABLE = 'n/a';

export function formatValue(value: number | null, unit: '' | '%' | ' min' = ''): string {
  return value === null ? NOT_APPLICABLE : `${value}${unit}`;
}

/** An instant as the client reads it, in the report's time zone: "3 Nov 2026, 14:05". */
export function formatInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).format(new Date(iso));
}

/** The rows of the KPI table: a label and the value as shown. */
export function kpiLines(row: KpiRow): Array<[string, string]> {
  return [
    ['Alerts received', formatValue(row.alerts)],
    ['Alert episodes', formatValue(row.firingEpisodes)],
    ['Incidents', formatValue(row.incidents)],
    ['Noise reduction', formatValue(row.noiseReductionPct, '%')],
    ['Acknowledged', formatValue(row.acknowledged)],
    ['MTTA', formatValue(row.mttaMinutes, ' min')],
    ['Resolved', formatValue(row.resolved)],
    ['MTTR', formatValue(row.mttrMinutes, ' min')],
    ['Self-healed', `${row.selfHealed} (${formatValue(row.selfHealedPct, '%')})`],
    ['Cleared on their own', formatValue(row.clearedOnItsOwn)],
    ['Resolved by a person', formatValue(row.resolvedByPerson)],
    ['Response SLA met', `${formatValue(row.slaResponse.pct, '%')} (${row.slaResponse.met} met, ${row.slaResponse.missed} missed)`],
    ['Resolution SLA met', `${formatValue(row.slaResolution.pct, '%')} (${row.slaResolution.met} met, ${row.slaResolution.missed} missed)`],
    ['In maintenance', formatValue(row.inMaintenance)],
  ];
}

/** The per-severity table's columns: a heading and the value of a row. */
export const SEVERITY_COLUMNS: ReadonlyArray<[string, (row: KpiRow) => string]> = [
  ['Incidents', (row) => formatValue(row.incidents)],
  ['MTTA', (row) => formatValue(row.mttaMinutes, ' min')],
  ['MTTR', (row) => formatValue(row.mttrMinutes, ' min')],
  ['Response SLA', (row) => formatValue(row.slaResponse.pct, '%')],
  ['Resolution SLA', (row) => formatValue(row.slaResolution.pct, '%')],
];

/** A change from the period before: "+2.5", "-3", "0", or n/a. */
export function formatChange(change: FigureChange): string {
  if (change.change === null) return NOT_APPLICABLE;
  return change.change > 0 ? `+${change.change}` : String(change.change);
}

/** The period as a heading reads it: "November 2026 (2026-11-01 to 2026-11-30, Europe/Berlin)". */
export function periodLine(report: Pick<ClientReport, 'period'>): string {
  const { label, firstDay, lastDay, timeZone, kind } = report.period;
  return kind === 'custom' ? `${label} (${timeZone})` : `${label} (${firstDay} to ${lastDay}, ${timeZone})`;
}
