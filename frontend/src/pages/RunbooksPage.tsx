import { useMemo, useState } from 'react';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { IncidentLink } from '../components/approval-card';
import { Badge } from '../components/badges';
import { useNow } from '../components/countdown';
import { Dialog } from '../components/dialog';
import { Card, DataTable, PageHeader } from '../components/layout-parts';
import {
  categoryLabel,
  ExecutionStateBadge,
  formatTimeout,
  RiskBadge,
  RunbookDetail,
  useOneCompany,
  type Execution,
  type Runbook,
} from '../components/runbook-parts';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { useRunbooks, useTenantExecutions } from '../features/runbooks/hooks';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format';
import './operations.css';

const RECENT_ROWS = 15;

function runtimeOf(execution: Execution, now: number): number | undefined {
  if (execution.durationMs !== undefined) return execution.durationMs;
  if (execution.state === 'running' && execution.startedAt) return now - new Date(execution.startedAt).getTime();
  if (execution.startedAt && execution.finishedAt)
    return new Date(execution.finishedAt).getTime() - new Date(execution.startedAt).getTime();
  return undefined;
}

function LastRun({ execution, now }: { execution: Execution | undefined; now: number }) {
  if (!execution) return <span className="muted">Never</span>;
  return (
    <span className="runbook-last-run">
      <ExecutionStateBadge state={execution.state} />
      <span className="cell-sub" title={formatDateTime(execution.startedAt ?? execution.createdAt)}>
        {formatRelative(execution.startedAt ?? execution.createdAt, now)}
      </span>
    </span>
  );
}

/** The runbook library and the company's own runbooks, with how each last ran. */
export default function RunbooksPage() {
  const { can } = useSession();
  const { nameOf } = useTenants();
  const { tenant, picker } = useOneCompany();
  const now = useNow(30_000);
  const [platform, setPlatform] = useState('');
  const [risk, setRisk] = useState('');
  const [category, setCategory] = useState('');
  const [search, setSearch] = useState('');
  const [openId, setOpenId] = useState<string | undefined>();

  const query = useRunbooks(tenant);
  const executions = useTenantExecutions(tenant && can('execution.read', tenant) ? tenant : undefined);

  const runbooks = useMemo(() => query.data?.runbooks ?? [], [query.data]);
  const categories = useMemo(() => [...new Set(runbooks.flatMap((runbook) => runbook.match.categories))].sort(), [runbooks]);
  const lastRuns = useMemo(() => {
    const last = new Map<string, Execution>();
    // Newest first: the first seen per runbook is its last run.
    for (const execution of executions.data?.executions ?? []) if (!last.has(execution.runbookId)) last.set(execution.runbookId, execution);
    return last;
  }, [executions.data]);

  const needle = search.trim().toLowerCase();
  const shown = runbooks.filter(
    (runbook) =>
      (!platform || runbook.platform === platform) &&
      (!risk || runbook.risk === risk) &&
      (!category || runbook.match.categories.includes(category as Runbook['match']['categories'][number])) &&
      (!needle || `${runbook.name} ${runbook.id} ${runbook.description}`.toLowerCase().includes(needle)),
  );
  const open = runbooks.find((runbook) => runbook.id === openId);
  const recent = (executions.data?.executions ?? []).slice(0, RECENT_ROWS);
  const names = new Map(runbooks.map((runbook) => [runbook.id, runbook.name]));
  const filtered = Boolean(platform || risk || category || needle);

  return (
    <>
      <PageHeader
        title="Runbooks"
        description="The fixes the automation can run: the built-in library plus the company's own runbooks. Low risk may run on its own if the company allows it; medium and high risk wait for an approval."
      />

      <div className="filters">
        {picker}
        <label>
          Search
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Name, id or description" />
        </label>
        <label>
          Platform
          <select value={platform} onChange={(event) => setPlatform(event.target.value)}>
            <option value="">All</option>
            <option value="linux">Linux</option>
            <option value="windows">Windows</option>
          </select>
        </label>
        <label>
          Risk
          <select value={risk} onChange={(event) => setRisk(event.target.value)}>
            <option value="">All</option>
            <option value="low">Low</option>
            <option value="medium">Medium</option>
            <option value="high">High</option>
          </select>
        </label>
        <label>
          Category
          <select value={category} onChange={(event) => setCategory(event.target.value)}>
            <option value="">All</option>
            {categories.map((value) => (
              <option key={value} value={value}>
                {categoryLabel(value)}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <button
            type="button"
            className="button button-ghost"
            onClick={() => {
              setPlatform('');
              setRisk('');
              setCategory('');
              setSearch('');
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>

      {!tenant ? (
        <EmptyState title="No company to show">You are not a member of any company yet.</EmptyState>
      ) : query.isPending ? (
        <Spinner label="Loading runbooks" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : shown.length === 0 ? (
        <div className="card">
          <EmptyState title={runbooks.length ? 'No runbooks match these filters' : 'No runbooks yet'} />
        </div>
      ) : (
        <section className="stack ops-section runbook-library" aria-labelledby="runbook-library-heading">
          <h2 id="runbook-library-heading" className="section-title">
            Library <span className="muted">({filtered ? `${shown.length} of ${runbooks.length}` : runbooks.length})</span>
          </h2>
          <DataTable caption={`Runbooks of ${nameOf(tenant)}`}>
            <thead>
              <tr>
                <th scope="col">Runbook</th>
                <th scope="col">Platform</th>
                <th scope="col">Category</th>
                <th scope="col">Risk</th>
                <th scope="col">Safety</th>
                <th scope="col" className="numeric">
                  Timeout
                </th>
                <th scope="col" className="numeric">
                  Max targets
                </th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((runbook) => (
                <tr key={runbook.id} data-testid="runbook-row">
                  <th scope="row" className="runbook-name-cell">
                    <button type="button" className="link-button cell-title" onClick={() => setOpenId(runbook.id)} aria-haspopup="dialog">
                      {runbook.name}
                    </button>
                    <span className="cell-sub">
                      <code>{runbook.id}</code>
                      {runbook.source === 'tenant' ? (
                        <>
                          {' '}
                          <span className="badge badge-accent">Company</span>
                        </>
                      ) : null}
                    </span>
                  </th>
                  <td>{runbook.platform === 'linux' ? 'Linux' : 'Windows'}</td>
                  <td className="runbook-category">
                    {runbook.match.categories.length ? runbook.match.categories.map(categoryLabel).join(', ') : '—'}
                  </td>
                  <td>
                    <RiskBadge risk={runbook.risk} />
                  </td>
                  <td>
                    {runbook.readOnly ? (
                      <Badge value="info" label="Read-only" />
                    ) : runbook.rollback.length ? (
                      <Badge value="success" label="Rollback" />
                    ) : (
                      <Badge value="high" label="No rollback" />
                    )}
                  </td>
                  <td className="numeric">{formatTimeout(runbook.timeoutSeconds)}</td>
                  <td className="numeric">{runbook.maxTargets}</td>
                  <td>
                    {executions.isPending && executions.fetchStatus !== 'idle' ? (
                      <span className="muted">…</span>
                    ) : (
                      <LastRun execution={lastRuns.get(runbook.id)} now={now} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        </section>
      )}

      {tenant && can('execution.read', tenant) ? (
        <Card title="Recent executions">
          {executions.isPending ? (
            <Spinner label="Loading executions" />
          ) : executions.isError ? (
            <ErrorState error={executions.error} onRetry={() => void executions.refetch()} />
          ) : recent.length === 0 ? (
            <EmptyState title="No runbook has run here yet" />
          ) : (
            <DataTable caption={`Recent executions of ${nameOf(tenant)}`}>
              <thead>
                <tr>
                  <th scope="col">Runbook</th>
                  <th scope="col">Incident</th>
                  <th scope="col">State</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Started</th>
                  <th scope="col" className="numeric">
                    Duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {recent.map((execution) => (
                  <tr key={execution.id} data-testid="execution-row">
                    <td>
                      <span className="cell-title">{names.get(execution.runbookId) ?? execution.runbookName}</span>
                      <span className="cell-sub">
                        {execution.targets.length} target{execution.targets.length === 1 ? '' : 's'}
                        {execution.dryRun ? ' · dry run' : ''}
                      </span>
                    </td>
                    <td>
                      <IncidentLink tenantId={execution.tenantId} incidentId={execution.incidentId} />
                    </td>
                    <td>
                      <ExecutionStateBadge state={execution.state} />
                      {execution.error ? <span className="cell-sub runbook-error">{execution.error}</span> : null}
                    </td>
                    <td>{execution.trigger === 'auto' ? 'Automatic' : execution.trigger === 'approval' ? 'After approval' : 'By hand'}</td>
                    <td className="nowrap">
                      {execution.startedAt ? formatDateTime(execution.startedAt) : <span className="muted">Not started</span>}
                    </td>
                    <td className="numeric">{formatDuration(runtimeOf(execution, now))}</td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
        </Card>
      ) : null}

      {tenant && can('runbook.write', tenant) ? (
        <Card title="Adding your own runbooks">
          <p className="runbook-note">
            Library runbooks cannot be changed. To add a runbook for {nameOf(tenant)}, send it to{' '}
            <code>POST /v1/runbooks?tenant={tenant}</code> with the same fields as a library runbook (parameters with patterns, pre-checks,
            commands, verification and a rollback unless it is read-only); <code>PUT</code> and <code>DELETE /v1/runbooks/{'{id}'}</code>{' '}
            change or remove it. The fields are described in the{' '}
            <a href="/v1/openapi.json" target="_blank" rel="noreferrer">
              API reference
            </a>
            . Company runbooks are marked “Company” in the table.
          </p>
        </Card>
      ) : null}

      <Dialog open={Boolean(open)} title={open?.name ?? 'Runbook'} onClose={() => setOpenId(undefined)}>
        {open ? <RunbookDetail runbook={open} lastRun={<LastRun execution={lastRuns.get(open.id)} now={now} />} /> : null}
      </Dialog>
    </>
  );
}
