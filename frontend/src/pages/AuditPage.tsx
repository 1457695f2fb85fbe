import { useState } from 'react';
import type { Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { DataTable, PageHeader } from '../components/layout-parts';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { useAuditLog } from '../features/audit/hooks';
import { formatDateTime } from '../lib/format';

type AuditEntry = Schemas['AuditEntry'];

function actorLabel(actor: AuditEntry['actor']): string {
  return actor.type === 'user' ? actor.email : `${actor.name} (system)`;
}

/** The audit log: who did what, when, from where; per company, or the MSP's own log for MSP admins. */
export default function AuditPage() {
  const { can } = useSession();
  const { current, tenants, nameOf } = useTenants();
  const [scope, setScope] = useState<string | undefined>(undefined);
  const [action, setAction] = useState('');
  const tenant = scope === 'msp' ? undefined : (scope ?? current);
  const query = useAuditLog(tenant, action);
  const entries = query.data?.pages.flatMap((page) => page.entries) ?? [];
  const auditable = tenants.filter((t) => can('audit.read', t.id));

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made through the API or by the system, newest first. Entries cannot be edited or deleted."
      />
      <div className="filters">
        <label>
          Log
          <select value={scope ?? current ?? ''} onChange={(event) => setScope(event.target.value || undefined)}>
            {auditable.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
            {can('audit.read') ? <option value="msp">MSP (companies, users)</option> : null}
          </select>
        </label>
        <label>
          Action
          <input value={action} onChange={(event) => setAction(event.target.value)} placeholder="e.g. incident.resolve" />
        </label>
      </div>
      {query.isPending ? (
        <Spinner label="Loading the audit log" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState title="No audit entries match" />
      ) : (
        <>
          <DataTable caption={`Audit log of ${tenant ? nameOf(tenant) : 'the MSP'}`}>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Source IP</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDateTime(entry.at)}</td>
                  <td>
                    {actorLabel(entry.actor)}
                    {entry.actor.type === 'user' ? <span className="cell-sub">{entry.actor.role}</span> : null}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>
                    {entry.resource.type} <span className="cell-sub">{entry.resource.id}</span>
                  </td>
                  <td>{entry.sourceIp ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
          {query.hasNextPage ? (
            <button type="button" className="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </>
      )}
    </>
  );
}
