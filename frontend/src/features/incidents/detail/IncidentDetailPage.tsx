import { Link, useParams } from 'react-router';
import { ApiError } from '../../../api/client';
import { useSession } from '../../../auth/session';
import { useTenants } from '../../../auth/tenants';
import { IncidentBadges, slaClocks, type IncidentDetail } from '../../../components/incident-parts';
import { ErrorState, Spinner } from '../../../components/states';
import { useIncident, useIncidentAlerts } from '../hooks';
import { useRunbooks } from '../../runbooks/hooks';
import { useFollowIncident } from '../../../realtime/live';
import '../../../pages/incidents.css';
import { Time, PriorityDial, SlaTile } from './hero-parts';
import { ActionsPanel } from './actions-panel';
import { FactsCard, PriorityCard, EscalationCard } from './fact-cards';
import { AlertsCard } from './alerts-card';
import { RemediationCard } from './remediation-card';
import { NotesCard, ActivityCard } from './timeline-cards';
import { isPortalUser } from '../../portal/portal';
import { PortalIncidentView } from '../../portal/PortalIncidentView';

function IncidentView({ detail }: { detail: IncidentDetail }) {
  const { can } = useSession();
  const { nameOf } = useTenants();
  const { incident } = detail;
  const tenantId = incident.tenantId;
  const runbooks = useRunbooks(tenantId, can('runbook.read', tenantId));
  // Each alert's correlation id (the webhook request that brought it), shown beside the alert.
  const alerts = useIncidentAlerts(incident, can('alert.read', tenantId));
  const correlationIds = new Map<string, string>();
  for (const alert of alerts.data?.alerts ?? []) {
    if (alert.incidentId === incident.id && alert.correlationId) correlationIds.set(alert.id, alert.correlationId);
  }
  const opener = detail.timeline.find((entry) => entry.type === 'incident-opened')?.alertId;
  const correlationId = incident.correlationId ?? (opener ? correlationIds.get(opener) : undefined);
  const clocks = slaClocks(incident);

  return (
    <div className="inc-detail">
      <nav aria-label="Breadcrumb" className="inc-crumbs">
        <Link to="/incidents">Incidents</Link>
        <span aria-hidden="true">/</span>
        <span>{nameOf(tenantId)}</span>
      </nav>
      <header className={`inc-hero inc-edge-${incident.severity}`}>
        <div className="inc-hero-main">
          <IncidentBadges incident={incident} withSeverity />
          <h1>{incident.title}</h1>
          <p className="inc-hero-sub">
            <span>{nameOf(tenantId)}</span>
            <span>
              root <span className="inc-asset">{incident.rootAssetId ?? incident.assetId ?? incident.assetRef}</span>
            </span>
            <span>
              {incident.alertCount} alert{incident.alertCount === 1 ? '' : 's'}
              {incident.occurrences !== undefined && incident.occurrences > incident.alertCount
                ? ` (${incident.occurrences} notifications)`
                : ''}{' '}
              from {incident.sources.join(', ')}
            </span>
            <span>
              opened <Time iso={incident.openedAt} relative />
            </span>
          </p>
        </div>
        {incident.priority ? (
          <PriorityDial score={incident.priority.score} settled={incident.status === 'resolved' || incident.status === 'merged'} />
        ) : null}
      </header>
      {clocks && incident.status !== 'merged' ? (
        <div className="inc-sla-strip" aria-label="SLA clocks" role="group">
          <SlaTile clock={clocks.response} />
          <SlaTile clock={clocks.resolution} />
        </div>
      ) : null}
      <div className="inc-layout">
        <div className="inc-main">
          <AlertsCard detail={detail} correlationIds={correlationIds} />
          <RemediationCard detail={detail} runbooks={runbooks.data?.runbooks} />
          <NotesCard detail={detail} />
          <ActivityCard detail={detail} />
        </div>
        <aside className="inc-side" aria-label="Incident facts and actions">
          <ActionsPanel detail={detail} runbooks={runbooks.data?.runbooks} />
          <FactsCard detail={detail} correlationId={correlationId} />
          <PriorityCard incident={incident} />
          <EscalationCard incident={incident} />
        </aside>
      </div>
    </div>
  );
}

/** One incident: what happened, why it was grouped and prioritised, what the automation did, and the operator's controls. */
export default function IncidentDetailPage() {
  const { tenantId = '', incidentId = '' } = useParams();
  const { user } = useSession();
  useFollowIncident(tenantId, incidentId);
  const query = useIncident(tenantId, incidentId);
  if (query.isPending) return <Spinner label="Loading the incident" />;
  if (query.isError) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <div className="stack">
        <nav aria-label="Breadcrumb" className="inc-crumbs">
          <Link to="/incidents">Incidents</Link>
        </nav>
        <h1>Incident</h1>
        <div className="card">
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          {notFound ? (
            <p className="inc-center muted">
              This incident does not exist, or it belongs to a company you cannot see. <Link to="/incidents">Back to incidents</Link>
            </p>
          ) : null}
        </div>
      </div>
    );
  }
  // A client's viewer gets the incident as the API shows it to them, with their own actions only.
  if (isPortalUser(user)) return <PortalIncidentView detail={query.data} />;
  return <IncidentView detail={query.data} />;
}
