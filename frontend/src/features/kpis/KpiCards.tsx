import { KpiCard } from '../../components/chart';
import { formatDuration, formatNumber, formatPercent } from '../../lib/format';
import type { KpiReport } from './combine';

const minutes = (value: number | null) => (value === null ? '—' : formatDuration(value * 60_000));
const count = (value: number, one: string, many: string) => `${formatNumber(value)} ${value === 1 ? one : many}`;

/** Each card's one-line definition, in the cards' order (docs/kpis.md has the full ones: the dashboard does not serve it). */
const DEFINITIONS: ReadonlyArray<[label: string, definition: string]> = [
  ['Firing alerts', 'Alerts that started firing: an episode counts once, its repeats and its resolution not at all.'],
  ['Incidents', 'Incidents opened in the period; one merged into another counts as that one.'],
  ['Noise reduction', '1 − incidents ÷ firing alerts: the share of firing alerts that needed no incident of their own.'],
  [
    'Self-healed',
    'Resolved incidents a successful runbook resolved. Beside it: cleared on its own (every alert resolved, no runbook, no person) and resolved by a person.',
  ],
  ['MTTA', 'Mean time from opening to the first acknowledgement, over the acknowledged incidents.'],
  ['MTTR', 'Mean time from opening to resolution, over the resolved incidents, however they were resolved.'],
  [
    'SLA response',
    'Met when a person acted (acknowledged, assigned, noted, resolved, decided an approval, ran a runbook, paused the clock) within the response target; missed once it passed. Resolved without a person before it was due: counted apart.',
  ],
  ['SLA resolution', 'Met when resolved, by anyone, within the resolution target; missed when later or still open after it.'],
  [
    'In maintenance',
    'Incidents a maintenance window or a silence held: counted in the other figures, in neither SLA figure (named under the SLA resolution card).',
  ],
];

/** The period's key figures, one card each, and how each is counted. */
export function KpiCards({ report, days }: { report: KpiReport; days: number }) {
  const t = report.totals;
  return (
    <section aria-labelledby="kpi-heading" className="stack">
      <h2 id="kpi-heading" className="ov-section-title">
        Key figures of the last {days} days
      </h2>
      <div className="kpis ov-kpis">
        <KpiCard
          label="Firing alerts"
          value={formatNumber(t.firingEpisodes)}
          hint={`repeats left out · ${count(t.alerts, 'notification', 'notifications')} in all · ${count(t.unmatchedResolutions, 'unmatched resolution', 'unmatched resolutions')}`}
        />
        <KpiCard label="Incidents" value={formatNumber(t.incidents)} hint="opened, merged ones left out" />
        <KpiCard
          label="Noise reduction"
          value={formatPercent(t.noiseReductionPct)}
          hint={`${count(t.firingEpisodes, 'firing alert', 'firing alerts')} → ${count(t.incidents, 'incident', 'incidents')}`}
        />
        <KpiCard
          label="Self-healed"
          value={formatPercent(t.selfHealedPct)}
          hint={
            `${formatNumber(t.selfHealed)} of ${formatNumber(t.resolved)} resolved by runbooks · ` +
            `${formatNumber(t.clearedOnItsOwn)} cleared on ${t.clearedOnItsOwn === 1 ? 'its' : 'their'} own · ` +
            `${formatNumber(t.resolvedByPerson)} by a person`
          }
        />
        <KpiCard
          label="MTTA"
          value={minutes(t.mttaMinutes)}
          hint={`to the first acknowledgement · ${formatNumber(t.acknowledged)} acknowledged`}
        />
        <KpiCard label="MTTR" value={minutes(t.mttrMinutes)} hint={`opened to resolved · ${formatNumber(t.resolved)} resolved`} />
        <KpiCard
          label="SLA response"
          value={formatPercent(t.slaResponse.pct)}
          hint={`${t.slaResponse.met} met · ${t.slaResponse.missed} missed · ${t.slaResponse.resolvedBeforeDue} resolved before due`}
        />
        <KpiCard
          label="SLA resolution"
          value={formatPercent(t.slaResolution.pct)}
          hint={`${t.slaResolution.met} met · ${t.slaResolution.missed} missed${t.inMaintenance ? ` · ${formatNumber(t.inMaintenance)} in maintenance, left out` : ''}`}
        />
      </div>
      <details className="ov-kpi-definitions">
        <summary>How these are counted</summary>
        <dl>
          {DEFINITIONS.map(([label, definition]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{definition}</dd>
            </div>
          ))}
        </dl>
        <p className="muted">
          Every figure counts on the day its incident opened (alerts on the day they fired), in your time zone. The full definitions, with
          what is left out and why: <code>docs/kpis.md</code> in the Alert Whisperer repository.
        </p>
      </details>
    </section>
  );
}
