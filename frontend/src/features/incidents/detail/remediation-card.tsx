import { Link } from 'react-router';
import { useSession } from '../../../auth/session';
import { Badge } from '../../../components/badges';
import { CopyButton } from '../../../components/copy-button';
import { remediationLabel, Section, type Execution, type IncidentDetail } from '../../../components/incident-parts';
import { ErrorState, Notice, Spinner } from '../../../components/states';
import { useIncidentExecutions } from '../../runbooks/hooks';
import { formatDateTime, formatDuration, humanize } from '../../../lib/format';
import type { Runbook, Decision } from './types';
import { Time } from './hero-parts';

const EXECUTION_TONES: Record<Execution['state'], string> = {
  pending_approval: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  expired: 'expired',
};

function policyRows(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [[prefix, '—']];
  if (typeof value !== 'object') return [[prefix, String(value)]];
  if (Array.isArray(value))
    return [[prefix, value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : '—']];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => policyRows(inner, prefix ? `${prefix} › ${key}` : key));
}

function DecisionBlock({ decision, runbookName }: { decision: Decision; runbookName: (id: string) => string }) {
  const advice = decision.advice;
  return (
    <div className="inc-decision">
      <div className="inc-decision-head">
        <Badge value={decision.action} />
        {decision.runbookId ? (
          <span className="cell-title">{runbookName(decision.runbookId)}</span>
        ) : (
          <span className="muted">No runbook chosen</span>
        )}
        {decision.risk ? <Badge value={decision.risk} label={`${humanize(decision.risk)} risk`} /> : null}
        {decision.dryRun ? <Badge value="skipped" label="Dry run" /> : null}
      </div>
      <div className="inc-meters">
        <div className="inc-meter">
          <span className="inc-meter-label">Confidence</span>
          <span className="inc-meter-bar" aria-hidden="true">
            <span style={{ width: `${Math.round(decision.confidence * 100)}%` }} />
          </span>
          <strong>{Math.round(decision.confidence * 100)} %</strong>
        </div>
        <span className="muted inc-small">
          Decided <Time iso={decision.decidedAt} relative />
          {decision.approval ? (
            <>
              {' '}
              · approval by a {humanize(decision.approval.requiredRole).toLowerCase()} until {formatDateTime(decision.approval.expiresAt)}
            </>
          ) : null}
        </span>
      </div>
      <h3 className="inc-subtitle">Reasons</h3>
      <ol className="inc-reasons">
        {decision.reasons.map((reason, index) => (
          <li key={index}>{reason}</li>
        ))}
      </ol>
      {decision.params && Object.keys(decision.params).length ? (
        <>
          <h3 className="inc-subtitle">Parameters</h3>
          <p className="row">
            {Object.entries(decision.params).map(([key, value]) => (
              <code key={key}>
                {key}={String(value)}
              </code>
            ))}
          </p>
        </>
      ) : null}
      <h3 className="inc-subtitle">AI advice</h3>
      {!advice ? (
        <p className="muted inc-small">Not asked (AI advice is off in the company&apos;s remediation policy).</p>
      ) : 'unavailable' in advice ? (
        <p className="muted inc-small">Unavailable: {advice.unavailable}</p>
      ) : (
        <div className="inc-advice">
          <p>{advice.summary}</p>
          <p className="inc-small">
            <strong>Likely root cause:</strong> {advice.likelyRootCause}
          </p>
          <p className="inc-small muted">
            Confidence {Math.round(advice.confidence * 100)} %
            {advice.suggestedRunbookId ? ` · suggests ${runbookName(advice.suggestedRunbookId)}` : ''} ·{' '}
            {decision.adviceUsed ? 'taken into account' : 'not used for the decision'}
          </p>
        </div>
      )}
      <details className="inc-policy">
        <summary>Policy applied</summary>
        <dl>
          {policyRows(decision.policyApplied).map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}

function ExecutionBlock({ execution, open }: { execution: Execution; open: boolean }) {
  const { can } = useSession();
  const body = (
    <div className="inc-exec-body">
      <dl className="inc-exec-facts">
        <div>
          <dt>Trigger</dt>
          <dd>
            {humanize(execution.trigger)}
            {execution.requestedBy !== 'system' ? <span className="cell-sub">by {execution.requestedBy}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Targets</dt>
          <dd>
            {execution.targets.map((target) => (
              <span key={target.instanceId} className="cell-sub inc-exec-target">
                {target.assetId} · {target.instanceId}
              </span>
            ))}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Time iso={execution.startedAt ?? execution.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            {execution.durationMs !== undefined ? formatDuration(execution.durationMs) : execution.state === 'running' ? 'running…' : '—'}
          </dd>
        </div>
      </dl>
      {Object.keys(execution.params).length ? (
        <p className="row">
          {Object.entries(execution.params).map(([key, value]) => (
            <code key={key}>
              {key}={String(value)}
            </code>
          ))}
        </p>
      ) : null}
      {execution.state === 'pending_approval' && can('approval.read', execution.tenantId) ? (
        <Notice kind="info">
          Waiting for an approval. <Link to="/approvals">Review it in Approvals</Link>
        </Notice>
      ) : null}
      {execution.error ? (
        <Notice kind="error">
          {execution.failedSection ? <strong>{humanize(execution.failedSection)} failed: </strong> : null}
          {execution.error}
        </Notice>
      ) : null}
      {execution.output ? (
        <div>
          <div className="inc-output-head">
            <span className="inc-subtitle">Output{execution.outcome ? ` · ${humanize(execution.outcome)}` : ''}</span>
            <CopyButton text={execution.output} label="Copy output" />
          </div>
          <pre className="inc-output" tabIndex={0} aria-label="Runbook output">
            {execution.output}
          </pre>
        </div>
      ) : execution.state === 'running' ? (
        <p className="muted inc-small">
          <span className="spinner inc-inline-spinner" aria-hidden="true" /> Running: the output appears when it finishes.
        </p>
      ) : execution.outcome ? (
        <p className="muted inc-small">Outcome: {humanize(execution.outcome)}</p>
      ) : null}
    </div>
  );
  const head = (
    <span className="inc-exec-head">
      <span className="cell-title">{execution.runbookName}</span>
      <Badge value={EXECUTION_TONES[execution.state]} label={humanize(remediationLabel(execution.state).replace('Runbook ', ''))} />
      <Badge value={execution.risk} label={`${humanize(execution.risk)} risk`} />
      {execution.dryRun ? <Badge value="skipped" label="Dry run" /> : null}
      <span className="muted inc-small">
        <Time iso={execution.createdAt} relative />
      </span>
    </span>
  );
  if (open) {
    return (
      <div className="inc-exec">
        {head}
        {body}
      </div>
    );
  }
  return (
    <details className="inc-exec inc-exec-older">
      <summary>{head}</summary>
      {body}
    </details>
  );
}

export function RemediationCard({ detail, runbooks }: { detail: IncidentDetail; runbooks: Runbook[] | undefined }) {
  const { incident } = detail;
  const executions = useIncidentExecutions(incident.tenantId, incident.id);
  const names = new Map((runbooks ?? []).map((r) => [r.id, r.name]));
  const runbookName = (id: string) => names.get(id) ?? id;
  const list = [...(executions.data?.executions ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <Section title="Remediation" id="remediation-heading">
      <h3 className="inc-block-title">Decision</h3>
      {incident.decision ? (
        <DecisionBlock decision={incident.decision} runbookName={runbookName} />
      ) : (
        <p className="muted inc-small">No remediation decision yet: it is made right after the incident opens.</p>
      )}
      <h3 className="inc-block-title">Runbook executions</h3>
      {executions.isPending ? (
        <Spinner label="Loading executions" />
      ) : executions.isError ? (
        <ErrorState error={executions.error} onRetry={() => void executions.refetch()} />
      ) : list.length === 0 ? (
        <p className="muted inc-small">No runbook has run for this incident.</p>
      ) : (
        <div className="stack">
          {list.map((execution, index) => (
            <ExecutionBlock key={execution.id} execution={execution} open={index === 0} />
          ))}
        </div>
      )}
    </Section>
  );
}
