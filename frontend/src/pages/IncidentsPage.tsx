import { Link, useSearchParams } from 'react-router';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { Badge, PriorityMeter } from '../components/badges';
import { useNow } from '../components/countdown';
import { IncidentBadges, incidentPath, NextSla, rootAssetOf, SEVERITIES, type Severity } from '../components/incident-parts';
import { DataTable, PageHeader } from '../components/layout-parts';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { useIncidentPages } from '../features/incidents/hooks';
import { formatDateTime, humanize } from '../lib/format';
import { isPortalUser } from '../features/portal/portal';
import './incidents.css';

const STATUSES = [
  { value: 'active', label: 'Active' },
  { value: 'open', label: 'Open' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'merged', label: 'Merged' },
  { value: 'all', label: 'All' },
] as const;
type StatusFilter = (typeof STATUSES)[number]['value'];

const SORTS = [
  { value: 'priority', label: 'Priority' },
  { value: 'newest', label: 'Newest first' },
] as const;
type SortOrder = (typeof SORTS)[number]['value'];

const ASSIGNEES = [
  { value: '', label: 'Anyone' },
  { value: 'me', label: 'Assigned to me' },
  { value: 'none', label: 'Unassigned' },
] as const;

const PAGE_SIZE = 25;
/** Incidents opened this recently are flagged "New" (they arrive live). */
const NEW_FOR_MS = 2 * 60_000;

/** "just now", "25 min ago", "5 h ago", "3 d ago": short enough for a table column. */
function ago(iso: string, now: number): string {
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 36 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} d ago`;
}

function pick<T extends string>(value: string | null, allowed: readonly { value: T }[], fallback: T): T {
  return allowed.find((option) => option.value === value)?.value ?? fallback;
}

/** The incident queue: filters live in the URL so a filtered view can be shared. */
export default function IncidentsPage() {
  const { user } = useSession();
  const { selected, nameOf, tenants } = useTenants();
  const [params, setParams] = useSearchParams();
  const now = useNow(15_000);

  const status = pick<StatusFilter>(params.get('status'), STATUSES, 'active');
  const sort = pick<SortOrder>(params.get('sort'), SORTS, 'priority');
  const severityParam = params.get('severity');
  const severity = SEVERITIES.includes(severityParam as Severity) ? (severityParam as Severity) : undefined;
  const assignee = pick(params.get('assignee'), ASSIGNEES, '');

  const setFilter = (name: string, value: string, fallback: string) => {
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value === fallback) next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  };

  const query = useIncidentPages(
    { status: status === 'all' ? undefined : status, severity, sort, assignee: assignee || undefined, tenant: selected },
    PAGE_SIZE,
  );
  const incidents = query.data?.pages.flatMap((page) => page.incidents) ?? [];
  const filtered = status !== 'active' || severity !== undefined || assignee !== '';
  // One company in view: its name is in the description, not on every row.
  const showCompany = !selected && tenants.length > 1;
  const scope = selected ? nameOf(selected) : tenants.length > 1 ? 'all companies' : undefined;

  return (
    <>
      <PageHeader
        title="Incidents"
        description={
          isPortalUser(user) ? (
            <>Your company&apos;s incidents and where each one stands. Open one to follow it, add a note or ask for a callback.</>
          ) : (
            <>
              Correlated incidents{scope ? ` of ${scope}` : ''}, updated live. Open one to see why its alerts were grouped, what the
              remediation decided and to act on it.
            </>
          )
        }
      />
      <div className="filters inc-filters" role="search" aria-label="Filter incidents">
        <label>
          Status
          <select value={status} onChange={(event) => setFilter('status', event.target.value, 'active')}>
            {STATUSES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={severity ?? ''} onChange={(event) => setFilter('severity', event.target.value, '')}>
            <option value="">Any severity</option>
            {SEVERITIES.map((value) => (
              <option key={value} value={value}>
                {humanize(value)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Assignee
          <select value={assignee} onChange={(event) => setFilter('assignee', event.target.value, '')}>
            {ASSIGNEES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(event) => setFilter('sort', event.target.value, 'priority')}>
            {SORTS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <button
            type="button"
            className="button button-ghost"
            onClick={() => setParams(sort === 'priority' ? {} : { sort }, { replace: true })}
          >
            Clear filters
          </button>
        ) : null}
        <span className="inc-filters-count muted" aria-live="polite">
          {query.isSuccess ? `${incidents.length}${query.hasNextPage ? '+' : ''} incident${incidents.length === 1 ? '' : 's'}` : ''}
          {query.isFetching && !query.isPending ? ' · refreshing' : ''}
        </span>
      </div>

      {query.isPending ? (
        <Spinner label="Loading incidents" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : incidents.length === 0 ? (
        <div className="card">
          <EmptyState title={status === 'active' && !filtered ? 'No active incidents' : 'No incidents match these filters'}>
            {status === 'active' && !filtered ? (
              <p>All quiet. New incidents appear here the moment their first alert arrives.</p>
            ) : (
              <p>Try another status or severity.</p>
            )}
          </EmptyState>
        </div>
      ) : (
        <div className="inc-list">
          <DataTable caption="Incidents">
            <thead>
              <tr>
                <th scope="col">Priority</th>
                <th scope="col">Incident</th>
                {showCompany ? <th scope="col">Company</th> : null}
                <th scope="col">Severity</th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  Alerts
                </th>
                <th scope="col">Assignee</th>
                <th scope="col">SLA</th>
                <th scope="col">Opened</th>
              </tr>
            </thead>
            <tbody>
              {incidents.map((incident) => {
                const fresh = now - new Date(incident.openedAt).getTime() < NEW_FOR_MS && incident.status === 'open';
                return (
                  <tr
                    key={`${incident.tenantId}/${incident.id}`}
                    data-testid="incident-row"
                    className={`inc-row inc-row-${incident.severity}${fresh ? ' inc-row-new' : ''}`}
                  >
                    <td className="inc-cell-priority" data-label="Priority">
                      {incident.priority ? (
                        <PriorityMeter
                          score={incident.priority.score}
                          settled={incident.status === 'resolved' || incident.status === 'merged'}
                        />
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="inc-title-cell">
                      <Link className="cell-title inc-title-link" to={incidentPath(incident.tenantId, incident.id)}>
                        {incident.title}
                      </Link>
                      {fresh ? <span className="inc-new-tag">New</span> : null}
                      <span className="cell-sub">
                        {incident.signatures.slice(0, 3).join(', ')}
                        {incident.signatures.length > 3 ? ` +${incident.signatures.length - 3}` : ''} · root{' '}
                        <span className="inc-asset">{rootAssetOf(incident)}</span>
                      </span>
                    </td>
                    {showCompany ? (
                      <td className="inc-company inc-cell-meta" data-label="Company">
                        {nameOf(incident.tenantId)}
                      </td>
                    ) : null}
                    <td className="inc-cell-meta" data-label="Severity">
                      <Badge value={incident.severity} />
                    </td>
                    <td className="inc-cell-status" data-label="Status">
                      <IncidentBadges incident={incident} />
                    </td>
                    <td className="numeric inc-cell-meta" data-label="Alerts">
                      {incident.alertCount}
                    </td>
                    <td className="inc-cell-meta" data-label="Assignee">
                      {incident.assignee ? incident.assignee.name : <span className="muted">Unassigned</span>}
                    </td>
                    <td className="inc-cell-sla" data-label="SLA">
                      <NextSla incident={incident} />
                    </td>
                    <td className="inc-cell-meta" data-label="Opened">
                      <time dateTime={incident.openedAt} title={formatDateTime(incident.openedAt)} className="inc-nowrap">
                        {ago(incident.openedAt, now)}
                      </time>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </DataTable>
          {query.hasNextPage ? (
            <div className="inc-more">
              <button type="button" className="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </div>
      )}
    </>
  );
}
