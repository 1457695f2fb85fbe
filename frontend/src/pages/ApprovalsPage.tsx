import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { ApprovalCard, IncidentLink, type ApprovalView, type Verdict } from '../components/approval-card';
import { ApprovalDecisionDialog, type DecidedApproval } from '../components/approval-decision';
import { Badge } from '../components/badges';
import { useNow } from '../components/countdown';
import { DataTable, PageHeader } from '../components/layout-parts';
import { incidentPath } from '../components/incident-parts';
import { ExecutionStateBadge, RiskBadge, type Execution } from '../components/runbook-parts';
import { EmptyState, ErrorState, Notice, Spinner } from '../components/states';
import { useApprovalDetails, useApprovals } from '../features/approvals/hooks';
import { useExecutionsOf } from '../features/runbooks/hooks';
import { useUserNames } from '../features/users/hooks';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format';
import './operations.css';

type Tab = 'waiting' | 'decided';

/** Decided requests shown at most (the API lists pending requests only: decided ones come from executions). */
const DECIDED_ROWS = 25;

function byUrgency(a: ApprovalView, b: ApprovalView): number {
  // Pending first, then the ones the caller can act on, then the soonest expiry.
  const pending = Number(b.state === 'pending') - Number(a.state === 'pending');
  if (pending) return pending;
  const decidable = Number(b.canDecide) - Number(a.canDecide);
  if (decidable) return decidable;
  return a.expiresAt.localeCompare(b.expiresAt);
}

function QueueSummary({ approvals, now }: { approvals: ApprovalView[]; now: number }) {
  const decidable = approvals.filter((approval) => approval.canDecide).length;
  const high = approvals.filter((approval) => approval.risk === 'high').length;
  const soonest = approvals.reduce<string | undefined>(
    (min, approval) => (new Date(approval.expiresAt).getTime() > now && (!min || approval.expiresAt < min) ? approval.expiresAt : min),
    undefined,
  );
  return (
    <dl className="approval-summary" aria-label="Queue summary">
      <div>
        <dt>Waiting</dt>
        <dd>{approvals.length}</dd>
      </div>
      <div>
        <dt>You can decide</dt>
        <dd>{decidable}</dd>
      </div>
      <div>
        <dt>High risk</dt>
        <dd>{high}</dd>
      </div>
      <div>
        <dt>Next expiry</dt>
        <dd>{soonest ? formatDuration(new Date(soonest).getTime() - now) : '—'}</dd>
      </div>
    </dl>
  );
}

function DecidedNotice({ decided, verdict, companyName }: { decided: DecidedApproval; verdict: Verdict; companyName: string }) {
  return (
    <Notice kind={verdict === 'approve' ? 'success' : 'info'}>
      {verdict === 'approve' ? 'Approved' : 'Rejected'}: <strong>{decided.runbookName}</strong> for {companyName}.{' '}
      {verdict === 'approve' ? 'The runbook is running; ' : 'The incident goes to a technician; '}
      <Link to={incidentPath(decided.tenantId, decided.incidentId)}>follow the incident</Link>.
    </Notice>
  );
}

function decisionOf(execution: Execution): { value: string; label: string } {
  if (execution.state === 'rejected') return { value: 'rejected', label: 'Rejected' };
  if (execution.state === 'expired') return { value: 'expired', label: 'Expired' };
  return { value: 'approved', label: 'Approved' };
}

/** Requests decided lately: the executions that waited for an approval and are past it. */
function RecentlyDecided({ tenantIds, names }: { tenantIds: string[]; names: Map<string, string> }) {
  const { nameOf } = useTenants();
  const results = useExecutionsOf(tenantIds);
  const pending = results.some((result) => result.isPending);
  const failed = results.find((result) => result.isError);
  const rows = useMemo(
    () =>
      results
        .flatMap((result) => result.data?.executions ?? [])
        .filter((execution) => execution.trigger === 'approval' && execution.state !== 'pending_approval')
        .sort((a, b) => (b.finishedAt ?? b.createdAt).localeCompare(a.finishedAt ?? a.createdAt))
        .slice(0, DECIDED_ROWS),
    [results],
  );
  // Who decided and their comment are on the approval request itself.
  const details = useApprovalDetails(rows);

  if (pending) return <Spinner label="Loading decided requests" />;
  if (failed) return <ErrorState error={failed.error} onRetry={() => void failed.refetch()} />;
  if (!rows.length) {
    return (
      <div className="card">
        <EmptyState title="No decided requests yet">Approved, rejected and expired requests appear here.</EmptyState>
      </div>
    );
  }
  return (
    <DataTable caption="Recently decided approval requests">
      <thead>
        <tr>
          <th scope="col">Decision</th>
          <th scope="col">Runbook</th>
          <th scope="col">Incident</th>
          <th scope="col">Decided by</th>
          <th scope="col">Decided</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => {
          const detail = details[index]?.data;
          const decision = decisionOf(row);
          const decider =
            detail?.decidedBy === 'system'
              ? 'System (expiry)'
              : detail?.decidedBy
                ? (names.get(detail.decidedBy) ?? detail.decidedBy)
                : '—';
          return (
            <tr key={row.id} data-testid="decided-approval-row">
              <td>
                <Badge value={decision.value} label={decision.label} />
              </td>
              <td>
                <span className="cell-title">{row.runbookName}</span>
                <span className="cell-sub">
                  {nameOf(row.tenantId)} · <RiskBadge risk={row.risk} />
                </span>
              </td>
              <td>
                <IncidentLink tenantId={row.tenantId} incidentId={row.incidentId} />
              </td>
              <td>
                {decider}
                {detail?.comment ? <span className="cell-sub approval-comment">“{detail.comment}”</span> : null}
              </td>
              <td className="nowrap">{formatDateTime(detail?.decidedAt ?? row.finishedAt ?? row.createdAt)}</td>
              <td>
                {decision.value === 'approved' ? <ExecutionStateBadge state={row.state} /> : <span className="muted">Did not run</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </DataTable>
  );
}

/** The approval queue: runbook runs that wait for a person, the most urgent first. */
export default function ApprovalsPage() {
  const { can } = useSession();
  const { selected, tenants, nameOf } = useTenants();
  const now = useNow(1000);
  const [tab, setTab] = useState<Tab>('waiting');
  const [mine, setMine] = useState(false);
  const [target, setTarget] = useState<{ approval: ApprovalView; verdict: Verdict } | undefined>();
  const [done, setDone] = useState<{ decided: DecidedApproval; verdict: Verdict } | undefined>();

  const filter = mine ? ('decidable' as const) : ('all' as const);
  const query = useApprovals(selected, filter);
  const approvals = useMemo(() => [...(query.data?.approvals ?? [])].sort(byUrgency), [query.data]);

  const scope = useMemo(
    () => (selected ? [selected] : tenants.map((tenant) => tenant.id)).filter((id) => can('execution.read', id)),
    [selected, tenants, can],
  );
  const names = useUserNames(scope);
  const canDecideSomewhere = scope.some((id) => can('approval.decide.medium', id));

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Runbook runs the automation would not start on its own. Approve to run them now, reject to send the incident to a technician. Requests expire if nobody decides."
      />
      {done ? <DecidedNotice decided={done.decided} verdict={done.verdict} companyName={nameOf(done.decided.tenantId)} /> : null}

      <div className="tabs" role="tablist" aria-label="Approval requests">
        <button type="button" role="tab" aria-selected={tab === 'waiting'} onClick={() => setTab('waiting')}>
          Waiting{query.data ? ` (${query.data.approvals.length})` : ''}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'decided'} onClick={() => setTab('decided')}>
          Recently decided
        </button>
      </div>

      {tab === 'waiting' ? (
        <div className="stack ops-section" role="tabpanel" aria-label="Waiting">
          <div className="approval-toolbar">
            {query.data && !mine ? <QueueSummary approvals={approvals} now={now} /> : <span />}
            <label className="toggle">
              <input type="checkbox" checked={mine} onChange={(event) => setMine(event.target.checked)} />
              <span>Only ones I can decide</span>
            </label>
          </div>
          {!canDecideSomewhere ? (
            <Notice kind="info">Your role can see these requests but not decide them: a company admin or an MSP admin does.</Notice>
          ) : null}
          {query.isPending ? (
            <Spinner label="Loading approval requests" />
          ) : query.isError ? (
            <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          ) : approvals.length === 0 ? (
            <div className="card">
              <EmptyState title="No approvals waiting">
                {mine ? 'Nothing needs your decision right now.' : 'Every proposed runbook run has been decided.'} New requests appear here
                live.
              </EmptyState>
            </div>
          ) : (
            <div className="approval-list">
              {approvals.map((approval) => (
                <ApprovalCard
                  key={approval.id}
                  approval={approval}
                  companyName={nameOf(approval.tenantId)}
                  names={names}
                  now={now}
                  onDecide={(chosen, verdict) => {
                    setDone(undefined);
                    setTarget({ approval: chosen, verdict });
                  }}
                />
              ))}
            </div>
          )}
          {query.data && approvals.length ? (
            <p className="muted approval-foot">
              Updated {formatRelative(new Date(query.dataUpdatedAt).toISOString(), now)}; new requests arrive live.
            </p>
          ) : null}
        </div>
      ) : (
        <div className="ops-section" role="tabpanel" aria-label="Recently decided">
          <RecentlyDecided tenantIds={scope} names={names} />
        </div>
      )}

      <ApprovalDecisionDialog
        target={target}
        companyName={target ? nameOf(target.approval.tenantId) : ''}
        onClose={() => setTarget(undefined)}
        onDone={(decided, verdict) => {
          setTarget(undefined);
          setDone({ decided, verdict });
        }}
      />
    </>
  );
}
