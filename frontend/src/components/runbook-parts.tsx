import { useState, type ReactNode } from 'react';
import type { Schemas } from '../api/client';
import { useTenants } from '../auth/tenants';
import { humanize } from '../lib/format';
import { Badge } from './badges';

export type Runbook = Schemas['Runbook'];
export type Execution = Schemas['Execution'];
export type ExecutionState = Execution['state'];

/** How many executions the pages read per company (newest first): enough for "last run" and a recent list. */

const EXECUTION_STATE_LABELS: Record<ExecutionState, { tone: string; label: string }> = {
  pending_approval: { tone: 'pending', label: 'Awaiting approval' },
  running: { tone: 'running', label: 'Running' },
  succeeded: { tone: 'succeeded', label: 'Succeeded' },
  failed: { tone: 'failed', label: 'Failed' },
  rejected: { tone: 'rejected', label: 'Rejected' },
  expired: { tone: 'expired', label: 'Expired' },
};

/** 900 -> "15 min", 5400 -> "1 h 30 min". */
export function formatTimeout(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

export function categoryLabel(category: string): string {
  return category === 'cpu' ? 'CPU' : humanize(category);
}

export function ExecutionStateBadge({ state }: { state: ExecutionState }) {
  const { tone, label } = EXECUTION_STATE_LABELS[state] ?? { tone: state, label: humanize(state) };
  return <Badge value={tone} label={label} />;
}

export function RiskBadge({ risk }: { risk: 'low' | 'medium' | 'high' }) {
  // High risk reads as the strongest warning: it needs an MSP admin.
  return <Badge value={risk === 'high' ? 'critical' : risk} label={`${humanize(risk)} risk`} />;
}

/** "Automation" for the remediation engine's own requests, else the user's name when known. */
export function requesterLabel(requestedBy: string, names: Map<string, string>): string {
  if (requestedBy === 'system') return 'Automation';
  return names.get(requestedBy) ?? requestedBy;
}

function Steps({ title, steps, empty }: { title: string; steps: string[]; empty: string }) {
  return (
    <section className="runbook-section">
      <h3>{title}</h3>
      {steps.length ? (
        <ol className="runbook-steps">
          {steps.map((step, index) => (
            <li key={index}>
              <pre>{step}</pre>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{empty}</p>
      )}
    </section>
  );
}

function parameterRange(parameter: Runbook['parameters'][number]): ReactNode {
  if (parameter.type === 'integer') return `${parameter.min} – ${parameter.max}`;
  if (parameter.type === 'enum') return parameter.values.join(', ');
  return <code>{parameter.pattern}</code>;
}

/** Everything a runbook does: what it checks first, the commands, how it verifies and how it undoes them. */
export function RunbookDetail({ runbook, lastRun }: { runbook: Runbook; lastRun?: ReactNode }) {
  const [tab, setTab] = useState<'commands' | 'match'>('commands');
  return (
    <div className="runbook-detail stack">
      <div className="row">
        <RiskBadge risk={runbook.risk} />
        <Badge value="neutral" label={runbook.platform === 'linux' ? 'Linux' : 'Windows'} />
        {runbook.readOnly ? <Badge value="info" label="Read-only" /> : <Badge value="neutral" label="Changes the host" />}
        <Badge
          value={runbook.source === 'library' ? 'accent' : 'neutral'}
          label={runbook.source === 'library' ? 'Library' : 'Company runbook'}
        />
        <code>{runbook.id}</code>
      </div>
      <p className="runbook-description">{runbook.description}</p>
      <dl className="facts">
        <div>
          <dt>Timeout</dt>
          <dd>{formatTimeout(runbook.timeoutSeconds)}</dd>
        </div>
        <div>
          <dt>Max targets</dt>
          <dd>{runbook.maxTargets}</dd>
        </div>
        <div>
          <dt>Categories</dt>
          <dd>{runbook.match.categories.length ? runbook.match.categories.map(categoryLabel).join(', ') : '—'}</dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd>{lastRun ?? 'Never'}</dd>
        </div>
      </dl>
      <div className="tabs" role="tablist" aria-label="Runbook sections">
        <button type="button" role="tab" aria-selected={tab === 'commands'} onClick={() => setTab('commands')}>
          Steps
        </button>
        <button type="button" role="tab" aria-selected={tab === 'match'} onClick={() => setTab('match')}>
          Parameters and matching
        </button>
      </div>
      {tab === 'commands' ? (
        <div className="stack" role="tabpanel" aria-label="Steps">
          <Steps title="1. Pre-checks" steps={runbook.preChecks} empty="No pre-checks." />
          <Steps title="2. Commands" steps={runbook.commands} empty="No commands." />
          <Steps title="3. Verification" steps={runbook.verification} empty="No verification step." />
          <section className="runbook-section">
            <h3>4. Rollback</h3>
            {runbook.rollbackNote ? <p className="muted">{runbook.rollbackNote}</p> : null}
            {runbook.rollback.length ? (
              <ol className="runbook-steps">
                {runbook.rollback.map((step, index) => (
                  <li key={index}>
                    <pre>{step}</pre>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">{runbook.readOnly ? 'Read-only: nothing to roll back.' : 'No rollback commands.'}</p>
            )}
          </section>
        </div>
      ) : (
        <div className="stack" role="tabpanel" aria-label="Parameters and matching">
          <section className="runbook-section">
            <h3>Parameters</h3>
            {runbook.parameters.length ? (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Parameters of {runbook.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Allowed</th>
                      <th scope="col">Default</th>
                      <th scope="col">From labels</th>
                    </tr>
                  </thead>
                  <tbody>
                    {runbook.parameters.map((parameter) => (
                      <tr key={parameter.name}>
                        <th scope="row">
                          <code>{parameter.name}</code>
                          <span className="cell-sub">{parameter.description}</span>
                        </th>
                        <td>{parameter.type}</td>
                        <td>{parameterRange(parameter)}</td>
                        <td>{parameter.default !== undefined ? <code>{String(parameter.default)}</code> : '—'}</td>
                        <td>{parameter.fromLabels.length ? parameter.fromLabels.join(', ') : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No parameters.</p>
            )}
          </section>
          <section className="runbook-section">
            <h3>When it is proposed</h3>
            <dl className="facts">
              <div>
                <dt>Signatures</dt>
                <dd>
                  {runbook.match.signaturePatterns.length
                    ? runbook.match.signaturePatterns.map((pattern) => (
                        <code key={pattern} className="runbook-chip">
                          {pattern}
                        </code>
                      ))
                    : '—'}
                </dd>
              </div>
              <div>
                <dt>Keywords</dt>
                <dd>{runbook.match.keywords.length ? runbook.match.keywords.join(', ') : '—'}</dd>
              </div>
              <div>
                <dt>Labels</dt>
                <dd>
                  {runbook.match.labels.length
                    ? runbook.match.labels
                        .map((label) =>
                          'equals' in label
                            ? `${label.key} = ${label.equals}`
                            : 'in' in label
                              ? `${label.key} in (${label.in.join(', ')})`
                              : 'matches' in label
                                ? `${label.key} ~ ${label.matches}`
                                : `${label.key} ${label.exists ? 'set' : 'not set'}`,
                        )
                        .join('; ')
                    : '—'}
                </dd>
              </div>
              <div>
                <dt>Needs a signal</dt>
                <dd>{runbook.match.requireSignal ? 'Yes' : 'No'}</dd>
              </div>
            </dl>
          </section>
        </div>
      )}
    </div>
  );
}

/** The company of a page that needs exactly one: the header's choice, else a picker of its own (first company by default). */
export function useOneCompany(): { tenant: string | undefined; picker: ReactNode } {
  const { selected, current, tenants } = useTenants();
  const [picked, setPicked] = useState<string | undefined>();
  const tenant = selected ?? (picked && tenants.some((t) => t.id === picked) ? picked : current);
  const picker =
    !selected && tenants.length > 1 ? (
      <label>
        Company
        <select value={tenant ?? ''} onChange={(event) => setPicked(event.target.value)}>
          {tenants.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
    ) : null;
  return { tenant, picker };
}
