import { useState } from 'react';
import { Link } from 'react-router';
import type { Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { Badge } from '../components/badges';
import { PageHeader } from '../components/layout-parts';
import { EmptyState, Notice, Spinner } from '../components/states';
import { useAssetsOf } from '../features/assets/hooks';
import { useActiveIncidentsOf } from '../features/incidents/hooks';
import { AddCompanyDialog } from '../features/tenants/AddCompanyDialog';
import { formatDateTime } from '../lib/format';
import './admin.css';

type Tenant = Schemas['Tenant'];
type Severity = Schemas['Incident']['severity'];

const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The client companies the user sees: their assets and active incidents at a glance. */
export default function CompaniesPage() {
  const { can } = useSession();
  const { tenants, loading } = useTenants();
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<Tenant | undefined>();

  const tenantIds = tenants.map((tenant) => tenant.id);
  const assetQueries = useAssetsOf(tenantIds);
  const incidentQueries = useActiveIncidentsOf(tenantIds, 100);

  return (
    <>
      <PageHeader
        title="Companies"
        description="The client companies you look after: their assets and the incidents active now."
        actions={
          can('tenant.create') ? (
            <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
              Add company
            </button>
          ) : null
        }
      />
      {created ? (
        <Notice kind="success">
          Company {created.name} created. <Link to={`/companies/${encodeURIComponent(created.id)}`}>Add its assets</Link>, then create its
          API key under Settings.
        </Notice>
      ) : null}
      {loading ? (
        <Spinner label="Loading the companies" />
      ) : tenants.length === 0 ? (
        <EmptyState title="No companies yet">
          {can('tenant.create') ? 'Add the first client company to start receiving its alerts.' : 'You do not work for any company yet.'}
        </EmptyState>
      ) : (
        <ul className="company-grid" aria-label="Companies">
          {tenants.map((tenant, index) => {
            const assets = assetQueries[index];
            const incidents = incidentQueries[index];
            const assetList = assets?.data?.assets;
            const active = incidents?.data?.incidents;
            const bySeverity = SEVERITY_ORDER.map(
              (severity) => [severity, active?.filter((i) => i.severity === severity).length ?? 0] as const,
            ).filter(([, count]) => count > 0);
            const urgent = (active ?? []).some((incident) => incident.severity === 'critical' || incident.severity === 'high');
            return (
              <li key={tenant.id} className={`company-card${urgent ? ' company-card-urgent' : ''}`} data-testid="company-card">
                <div className="company-card-head">
                  <h2>
                    <Link to={`/companies/${encodeURIComponent(tenant.id)}`}>{tenant.name}</Link>
                  </h2>
                  <code className="company-id">{tenant.id}</code>
                </div>
                <dl className="company-stats">
                  <div>
                    <dt>Assets</dt>
                    <dd>{assets?.isError ? '—' : assetList ? assetList.length : '…'}</dd>
                  </div>
                  <div>
                    <dt>Critical</dt>
                    <dd>{assetList ? assetList.filter((asset) => asset.critical).length : assets?.isError ? '—' : '…'}</dd>
                  </div>
                  <div>
                    <dt>Active incidents</dt>
                    <dd className={urgent ? 'text-critical' : undefined}>
                      {incidents?.isError ? '—' : active ? `${active.length}${incidents?.data?.nextCursor ? '+' : ''}` : '…'}
                    </dd>
                  </div>
                </dl>
                <div className="company-card-foot">
                  <div className="row">
                    {bySeverity.length ? (
                      bySeverity.map(([severity, count]) => <Badge key={severity} value={severity} label={`${count} ${severity}`} />)
                    ) : active ? (
                      <Badge value="succeeded" label="All clear" />
                    ) : null}
                  </div>
                  <span className="muted small">Since {formatDateTime(tenant.createdAt)}</span>
                </div>
                {assets?.isError || incidents?.isError ? (
                  <p className="form-error small" role="alert">
                    Some figures could not be loaded.
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {can('tenant.create') ? (
        <AddCompanyDialog
          open={adding}
          onClose={() => setAdding(false)}
          onCreated={(tenant) => {
            setAdding(false);
            setCreated(tenant);
          }}
        />
      ) : null}
    </>
  );
}
