import { Link } from 'react-router';
import type { Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { Badge, PriorityMeter } from '../components/badges';
import { DailyChart, KpiCard } from '../components/chart';
import { useNow } from '../components/countdown';
import { describeEvent, type Incident, incidentPath, NextSla } from '../components/incident-parts';
import { Card, PageHeader } from '../components/layout-parts';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { formatDateTime, formatDuration, formatNumber, formatPercent, formatRelative, formatTime } from '../lib/format';
import { useIncidentList } from '../features/incidents/hooks';
import { useKpiReports } from '../features/kpis/hooks';
import { useLive } from '../realtime/live';
import { useState } from 'react';
import './incidents.css';

type KpiRow = Schemas['KpiRow'];
type KpiDay = KpiRow & { date: string };
interface KpiReport {
  totals: KpiRow;
  days: KpiDay[];
}

const PERIODS = [7, 14, 30] as const;
type Period = (typeof PERIODS)[number];
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Midnight (local) of the first day of a period of `days` days ending today. */
function periodStart(days: number): string {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - (days - 1));
  return start.toISOString();
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

function combineReports(reports: KpiReport[]): KpiReport {
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
];

function KpiCards({ report, days }: { report: KpiReport; days: Period }) {
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
          hint={`${t.slaResolution.met} met · ${t.slaResolution.missed} missed`}
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

function Trends({ report }: { report: KpiReport }) {
  const labels = report.days.map((day) => day.date);
  return (
    <section aria-labelledby="trends-heading" className="stack">
      <h2 id="trends-heading" className="ov-section-title">
        Trends by day
      </h2>
      <div className="grid grid-2">
        <div className="card">
          <DailyChart
            title="Firing alerts vs incidents"
            days={labels}
            yLabel="Count"
            series={[
              { name: 'Firing alerts', values: report.days.map((day) => day.firingEpisodes) },
              { name: 'Incidents', values: report.days.map((day) => day.incidents) },
            ]}
          />
        </div>
        <div className="card">
          <DailyChart
            title="Noise reduction"
            kind="line"
            days={labels}
            yLabel="Percent"
            maxValue={100}
            formatValue={(value) => `${value} %`}
            series={[{ name: 'Noise reduction', values: report.days.map((day) => day.noiseReductionPct), color: 'var(--chart-3)' }]}
          />
        </div>
        <div className="card">
          <DailyChart
            title="Mean time to resolve"
            kind="line"
            days={labels}
            yLabel="Minutes"
            formatValue={(value) => value.toLocaleString(undefined, { maximumFractionDigits: 2 })}
            series={[{ name: 'MTTR (minutes)', values: report.days.map((day) => day.mttrMinutes), color: 'var(--chart-2)' }]}
          />
        </div>
        <div className="card">
          <DailyChart
            title="SLA compliance"
            kind="line"
            days={labels}
            yLabel="Percent"
            maxValue={100}
            formatValue={(value) => `${value} %`}
            series={[
              { name: 'Response', values: report.days.map((day) => day.slaResponse.pct), color: 'var(--chart-1)' },
              { name: 'Resolution', values: report.days.map((day) => day.slaResolution.pct), color: 'var(--chart-4)' },
            ]}
          />
        </div>
      </div>
    </section>
  );
}

function ActiveIncidents({ tenant }: { tenant: string | undefined }) {
  const { nameOf } = useTenants();
  const query = useIncidentList({ status: 'active', sort: 'priority', tenant, limit: 5 });
  return (
    <Card
      title="Active incidents"
      className="ov-active"
      actions={
        <Link to="/incidents" className="button button-small">
          View all
        </Link>
      }
    >
      {query.isPending ? (
        <Spinner label="Loading incidents" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.incidents.length === 0 ? (
        <EmptyState title="No active incidents">
          <p>All quiet. New incidents show up here live.</p>
        </EmptyState>
      ) : (
        <ol className="ov-active-list">
          {query.data.incidents.map((incident: Incident) => (
            <li key={`${incident.tenantId}/${incident.id}`} className={`ov-active-item inc-edge-${incident.severity}`}>
              <div className="ov-active-main">
                <Link to={incidentPath(incident.tenantId, incident.id)} className="cell-title">
                  {incident.title}
                </Link>
                <span className="cell-sub">
                  {nameOf(incident.tenantId)} · {incident.alertCount} alert{incident.alertCount === 1 ? '' : 's'} ·{' '}
                  {incident.assignee ? incident.assignee.name : 'unassigned'}
                </span>
              </div>
              <div className="ov-active-side">
                {incident.priority ? <PriorityMeter score={incident.priority.score} /> : null}
                <span className="row">
                  <Badge value={incident.severity} />
                  <NextSla incident={incident} />
                </span>
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function LiveFeed({ tenant }: { tenant: string | undefined }) {
  const { status, feed } = useLive();
  const { nameOf } = useTenants();
  const now = useNow(10_000);
  // Recent incidents, to name the asset an event is about (events carry ids only); refreshed by every event.
  const recent = useIncidentList({ sort: 'newest', tenant, limit: 100 });
  const byId = new Map((recent.data?.incidents ?? []).map((incident) => [`${incident.tenantId}/${incident.id}`, incident]));
  const events = tenant ? feed.filter((event) => event.tenantId === tenant) : feed;
  return (
    <Card
      title="Live feed"
      className="ov-feed"
      actions={
        <span className={`live live-${status} ov-live`}>
          <span className="live-dot" aria-hidden="true" />
          {status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting' : 'Offline'}
        </span>
      }
    >
      {events.length === 0 ? (
        <div className="ov-feed-empty">
          <span className="ov-pulse" aria-hidden="true" />
          <p className="state-title">Waiting for events…</p>
          <p className="muted">New alerts, incidents, decisions and runbook results appear here as they happen.</p>
        </div>
      ) : (
        <ol className="feed ov-feed-list" aria-live="polite" aria-label="Latest events, newest first">
          {events.map((event, index) => {
            const incident = event.incidentId ? byId.get(`${event.tenantId}/${event.incidentId}`) : undefined;
            const { text, tone, detail } = describeEvent(event, incident);
            const sentence = `${text} · ${nameOf(event.tenantId)}`;
            return (
              <li key={`${events.length - index}-${event.at}-${event.type}`}>
                <time dateTime={event.at} title={formatDateTime(event.at)}>
                  {formatTime(event.at)}
                  <span className="cell-sub">{formatRelative(event.at, now)}</span>
                </time>
                <div className="ov-feed-body">
                  <span className={`ov-feed-dot tone-${tone}`} aria-hidden="true" />
                  <div>
                    {event.incidentId ? (
                      <Link to={incidentPath(event.tenantId, event.incidentId)}>{sentence}</Link>
                    ) : (
                      <span>{sentence}</span>
                    )}
                    {detail ? <span className="cell-sub ov-feed-detail">{detail}</span> : null}
                  </div>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}

/** The MSP's morning view: what is burning now and what just happened, then the KPIs and trends of the period. */
export default function OverviewPage() {
  const { can } = useSession();
  const { selected, tenants, nameOf, loading } = useTenants();
  const [days, setDays] = useState<Period>(7);
  // KPIs are per company: "all companies" adds up each company's report.
  const kpiTenants = (selected ? [selected] : tenants.map((t) => t.id)).filter((id) => can('kpi.read', id));
  const reports = useKpiReports(kpiTenants, days, periodStart(days), TIME_ZONE);
  const failed = reports.find((report) => report.isError);
  const pending = loading || reports.some((report) => report.isPending);
  const combined = !pending && !failed && reports.length > 0 ? combineReports(reports.map((report) => report.data!)) : undefined;
  const scope = selected ? nameOf(selected) : tenants.length === 1 ? tenants[0]!.name : `all ${tenants.length} companies`;

  return (
    <>
      <PageHeader
        title="Overview"
        description={`How alerts turned into incidents and how fast they were handled, for ${scope}.`}
        actions={
          <div className="ov-period" role="group" aria-label="Period">
            {PERIODS.map((value) => (
              <button
                key={value}
                type="button"
                className={`ov-period-button${value === days ? ' is-active' : ''}`}
                aria-pressed={value === days}
                onClick={() => setDays(value)}
              >
                {value} days
              </button>
            ))}
          </div>
        }
      />
      {/* What is burning now comes first (on a phone, before eight KPI cards), then the figures of the period. */}
      <div className="grid ov-now">
        <ActiveIncidents tenant={selected} />
        <LiveFeed tenant={selected} />
      </div>
      {pending ? (
        <Spinner label="Loading the key figures" />
      ) : failed ? (
        <ErrorState error={failed.error} onRetry={() => reports.forEach((report) => void report.refetch())} />
      ) : combined ? (
        <KpiCards report={combined} days={days} />
      ) : (
        <EmptyState title="No key figures to show">
          <p>Your role cannot read the KPIs of any company.</p>
        </EmptyState>
      )}
      {combined ? <Trends report={combined} /> : null}
    </>
  );
}
