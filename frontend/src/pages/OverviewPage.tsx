import { Link } from 'react-router';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { Badge, PriorityMeter } from '../components/badges';
import { useNow } from '../components/countdown';
import { describeEvent, eventPath, type Incident, incidentPath, NextSla } from '../components/incident-parts';
import { Card, PageHeader } from '../components/layout-parts';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { formatDateTime, formatRelative, formatTime } from '../lib/format';
import { useIncidentList } from '../features/incidents/hooks';
import { combineReports } from '../features/kpis/combine';
import { useKpiReports } from '../features/kpis/hooks';
import { KpiCards } from '../features/kpis/KpiCards';
import { Trends } from '../features/kpis/Trends';
import { useLive } from '../realtime/live';
import { useState } from 'react';
import './incidents.css';

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
            const path = eventPath(event);
            return (
              <li key={`${events.length - index}-${event.at}-${event.type}`}>
                <time dateTime={event.at} title={formatDateTime(event.at)}>
                  {formatTime(event.at)}
                  <span className="cell-sub">{formatRelative(event.at, now)}</span>
                </time>
                <div className="ov-feed-body">
                  <span className={`ov-feed-dot tone-${tone}`} aria-hidden="true" />
                  <div>
                    {path ? <Link to={path}>{sentence}</Link> : <span>{sentence}</span>}
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
