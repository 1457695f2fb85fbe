import { Link } from 'react-router';
import type { Schemas } from '../api/client';
import { useIncident } from '../features/incidents/hooks';
import { useExecution } from '../features/runbooks/hooks';
import { Badge } from './badges';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format';
import { incidentPath } from './incident-parts';
import { requesterLabel, RiskBadge } from './runbook-parts';

export type ApprovalView = Schemas['ApprovalView'];
export type Verdict = 'approve' | 'reject';

/** Why the signed-in user may not decide a request, in words (the API gives a code). */
export function refusalText(approval: ApprovalView, companyName: string): string {
  switch (approval.refusal) {
    case 'own_request':
      return 'You asked for this run: someone else has to decide it.';
    case 'expired':
      return 'This request has expired: the incident goes to a technician.';
    case 'not_pending':
      return 'This request has already been decided.';
    case 'role':
      return approval.requiredRole === 'msp_admin'
        ? 'Only an MSP admin may decide this request.'
        : `Only a company admin of ${companyName} or an MSP admin may decide this request.`;
    default:
      return 'You may not decide this request.';
  }
}

export function requiredRoleText(role: ApprovalView['requiredRole']): string {
  return role === 'msp_admin' ? 'MSP admin' : 'Company admin or MSP admin';
}

/** Time left to decide, with how much of the approval window is used up. */
export function ExpiryCountdown({ createdAt, expiresAt, now }: { createdAt: string; expiresAt: string; now: number }) {
  const end = new Date(expiresAt).getTime();
  const start = new Date(createdAt).getTime();
  const left = end - now;
  const window = Math.max(1, end - start);
  const used = Math.min(1, Math.max(0, (now - start) / window));
  const tone = left <= 0 ? 'expired' : left <= Math.min(10 * 60_000, window / 5) ? 'urgent' : 'ok';
  return (
    <div className={`approval-expiry approval-expiry-${tone}`}>
      <span className="approval-expiry-label">{left <= 0 ? 'Expired' : 'Expires in'}</span>
      <strong className="approval-expiry-value">
        {left <= 0 ? `${formatDuration(-left)} ago` : <time dateTime={expiresAt}>{formatDuration(left)}</time>}
      </strong>
      <span className="approval-expiry-bar" aria-hidden="true">
        <span style={{ width: `${Math.round(used * 100)}%` }} />
      </span>
      <span className="approval-expiry-at">at {formatDateTime(expiresAt)}</span>
    </div>
  );
}

/** The same cache entry as the incident page (and the live updates refresh it). */
function useLinkedIncident(tenantId: string, incidentId: string) {
  return useIncident(tenantId, incidentId, 60_000);
}

/** A link to an incident named by its title once known (its id until then). */
export function IncidentLink({ tenantId, incidentId }: { tenantId: string; incidentId: string }) {
  const incident = useLinkedIncident(tenantId, incidentId);
  return (
    <Link to={incidentPath(tenantId, incidentId)} title={incidentId}>
      {incident.data?.incident.title ?? incidentId}
    </Link>
  );
}

/** The incident the run would fix: its title and severity say more than its id. */
function IncidentSummary({ approval }: { approval: ApprovalView }) {
  const incident = useLinkedIncident(approval.tenantId, approval.incidentId);
  const path = incidentPath(approval.tenantId, approval.incidentId);
  if (!incident.data) return <Link to={path}>{approval.incidentId}</Link>;
  const { title, severity, status } = incident.data.incident;
  return (
    <span className="approval-incident">
      <Link to={path}>{title}</Link>
      <span className="row approval-incident-meta">
        <Badge value={severity} />
        <Badge value={status} />
      </span>
    </span>
  );
}

function Targets({ approval }: { approval: ApprovalView }) {
  // The request's id is its execution's: the execution names the hosts and the parameters.
  const execution = useExecution(approval.tenantId, approval.id);
  if (execution.isPending) return <span className="muted">Loading…</span>;
  if (execution.isError) return <span className="muted">Not available</span>;
  const { targets, params, dryRun } = execution.data;
  const paramList = Object.entries(params);
  return (
    <div className="approval-targets">
      {targets.length ? (
        <ul>
          {targets.map((target) => (
            <li key={target.instanceId}>
              <span className="cell-title">{target.assetId}</span>
              <span className="cell-sub">
                {target.instanceId} · {target.region}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <span className="muted">No hosts named</span>
      )}
      {paramList.length ? (
        <p className="approval-params">
          {paramList.map(([name, value]) => (
            <code key={name}>
              {name}={String(value)}
            </code>
          ))}
        </p>
      ) : null}
      {dryRun ? <p className="approval-params muted">Dry run: pre-checks only, nothing changes.</p> : null}
    </div>
  );
}

/** One pending request, laid out so a decision takes seconds: what would run, where, why it waits, how long is left. */
export function ApprovalCard({
  approval,
  companyName,
  names,
  now,
  onDecide,
}: {
  approval: ApprovalView;
  companyName: string;
  names: Map<string, string>;
  now: number;
  onDecide: (approval: ApprovalView, verdict: Verdict) => void;
}) {
  const headingId = `approval-${approval.id}`;
  return (
    <article className={`card approval-card approval-risk-${approval.risk}`} data-testid="approval-card" aria-labelledby={headingId}>
      <header className="approval-head">
        <div className="approval-title">
          <div className="row">
            <RiskBadge risk={approval.risk} />
            <span className="approval-company">{companyName}</span>
          </div>
          <h2 id={headingId}>{approval.runbookName}</h2>
          <code className="approval-runbook-id">{approval.runbookId}</code>
        </div>
        <ExpiryCountdown createdAt={approval.createdAt} expiresAt={approval.expiresAt} now={now} />
      </header>

      <div className="approval-body">
        <section className="approval-why" aria-label="Why it waits for a person">
          <h3>Why automation did not run it</h3>
          {approval.reasons.length ? (
            <ul>
              {approval.reasons.map((reason, index) => (
                <li key={index}>{reason}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">No reason recorded.</p>
          )}
        </section>
        <dl className="approval-facts">
          <div>
            <dt>Incident</dt>
            <dd>
              <IncidentSummary approval={approval} />
            </dd>
          </div>
          <div>
            <dt>Targets</dt>
            <dd>
              <Targets approval={approval} />
            </dd>
          </div>
          <div>
            <dt>Requested by</dt>
            <dd>
              {requesterLabel(approval.requestedBy, names)}
              <span className="cell-sub" title={formatDateTime(approval.createdAt)}>
                {formatRelative(approval.createdAt, now)} · {formatDateTime(approval.createdAt)}
              </span>
            </dd>
          </div>
          <div>
            <dt>Who may decide</dt>
            <dd>{requiredRoleText(approval.requiredRole)}</dd>
          </div>
        </dl>
      </div>

      <footer className="approval-actions">
        {approval.canDecide ? (
          <>
            <button type="button" className="button button-primary" onClick={() => onDecide(approval, 'approve')}>
              Approve
            </button>
            <button type="button" className="button button-danger" onClick={() => onDecide(approval, 'reject')}>
              Reject
            </button>
            <span className="muted approval-actions-hint">
              Approving runs the runbook now; rejecting sends the incident to a technician.
            </span>
          </>
        ) : (
          <p className="approval-refusal">{refusalText(approval, companyName)}</p>
        )}
      </footer>
    </article>
  );
}
