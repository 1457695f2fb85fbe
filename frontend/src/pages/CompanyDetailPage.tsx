import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Schemas } from '../api/client';
import { isApiError, useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { AssetDialog } from '../features/assets/AssetDialog';
import { Badge, MaintenanceBadge } from '../components/badges';
import { DependencyGraph, GraphLegend, assetHealth } from '../components/graph-dependency';
import { Card, DataTable, Facts, PageHeader } from '../components/layout-parts';
import { EmptyState, ErrorState, Notice, Spinner } from '../components/states';
import { useAssets } from '../features/assets/hooks';
import { useIncidentList } from '../features/incidents/hooks';
import { useMaintenanceWindows, type MaintenanceWindow } from '../features/maintenance/hooks';
import { useTenant } from '../features/tenants/hooks';
import { formatDateTime, formatRelative, humanize } from '../lib/format';
import './admin.css';

type Asset = Schemas['Asset'];
type Incident = Schemas['Incident'];

/** The asset an incident is about: its root (after topology correlation) or the asset it was opened on. */
function incidentAsset(incident: Incident): string | null {
  return incident.rootAssetId ?? incident.assetId;
}

function NotFound({ tenantId }: { tenantId: string }) {
  return (
    <>
      <PageHeader title="Company not found" />
      <div className="state state-error" role="alert">
        <p className="state-title">No company “{tenantId}”</p>
        <p className="state-body">It does not exist, or you do not work for it.</p>
        <Link className="button" to="/companies">
          Back to companies
        </Link>
      </div>
    </>
  );
}

/** One company: its facts, the dependency graph of its assets (marked where incidents are active) and the inventory. */
export default function CompanyDetailPage() {
  const { tenantId = '' } = useParams();
  const { can } = useSession();
  const { select } = useTenants();
  const tenant = useTenant(tenantId);
  const assets = useAssets(tenantId, tenant.isSuccess);
  const incidents = useIncidentList({ tenant: tenantId, status: 'active', limit: 200 }, tenant.isSuccess);
  const maintenance = useMaintenanceWindows({ tenant: tenantId, phase: 'active' }, tenant.isSuccess && can('maintenance.read', tenantId));
  const [selected, setSelected] = useState<string | undefined>();
  const [editing, setEditing] = useState<{ asset: Asset | undefined } | undefined>();
  const [saved, setSaved] = useState<string | undefined>();

  const assetList = useMemo(
    () => [...(assets.data?.assets ?? [])].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })),
    [assets.data],
  );
  const names = useMemo(() => new Map(assetList.map((asset) => [asset.id, asset.name])), [assetList]);
  const incidentsByAsset = useMemo(() => {
    const map = new Map<string, Incident[]>();
    for (const incident of incidents.data?.incidents ?? []) {
      const id = incidentAsset(incident);
      if (!id) continue;
      map.set(id, [...(map.get(id) ?? []), incident]);
    }
    return map;
  }, [incidents.data]);
  const dependents = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const asset of assetList) for (const dep of asset.dependsOn) map.set(dep, [...(map.get(dep) ?? []), asset.id]);
    return map;
  }, [assetList]);

  // The active window naming each asset (or an asset it depends on, when the window takes in dependents).
  const inMaintenance = useMemo(() => {
    const map = new Map<string, MaintenanceWindow>();
    for (const window of maintenance.data?.windows ?? []) {
      const covered = new Set(window.scope.assetIds ?? []);
      // A set's iteration visits what is added during it: dependents of dependents too.
      if (window.scope.includeDependents)
        for (const id of covered) for (const dependent of dependents.get(id) ?? []) covered.add(dependent);
      for (const id of covered) if (!map.has(id)) map.set(id, window);
    }
    return map;
  }, [maintenance.data, dependents]);

  if (tenant.isPending) return <Spinner label="Loading the company" />;
  if (tenant.isError) {
    if (isApiError(tenant.error, 404)) return <NotFound tenantId={tenantId} />;
    return (
      <>
        <PageHeader title="Company" />
        <ErrorState error={tenant.error} onRetry={() => void tenant.refetch()} />
      </>
    );
  }

  const company = tenant.data;
  const writable = can('asset.write', tenantId);
  const activeCount = incidents.data?.incidents.length;
  const unplaced = (incidents.data?.incidents ?? []).filter((incident) => {
    const id = incidentAsset(incident);
    return !id || !names.has(id);
  });
  const selectedAsset = selected ? assetList.find((asset) => asset.id === selected) : undefined;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/companies">Companies</Link> <span aria-hidden="true">/</span> <span>{company.name}</span>
      </nav>
      <PageHeader
        title={company.name}
        description="Assets, how they depend on each other, and where incidents are active now."
        actions={
          <>
            <Link className="button" to="/incidents" onClick={() => select(tenantId)}>
              Incidents
            </Link>
            {can('settings.read', tenantId) ? (
              <Link className="button" to={`/settings?tenant=${encodeURIComponent(tenantId)}`}>
                Settings
              </Link>
            ) : null}
            {writable ? (
              <button type="button" className="button button-primary" onClick={() => setEditing({ asset: undefined })}>
                Add asset
              </button>
            ) : null}
          </>
        }
      />
      <Card>
        <Facts
          items={[
            ['Company id', <code key="id">{company.id}</code>],
            ['Assets', assets.data ? String(assetList.length) : '…'],
            ['Critical assets', assets.data ? String(assetList.filter((asset) => asset.critical).length) : '…'],
            ['With automation (SSM)', assets.data ? String(assetList.filter((asset) => asset.ssm).length) : '…'],
            ['Active incidents', activeCount === undefined ? '…' : `${activeCount}${incidents.data?.nextCursor ? '+' : ''}`],
            ['Auto-remediation on critical assets', company.settings.criticalAutoRemediation ? 'Allowed' : 'Approval required'],
            ['Client since', formatDateTime(company.createdAt)],
          ]}
        />
      </Card>
      {saved ? <Notice kind="success">{saved}</Notice> : null}

      <Card title="Dependency graph" className="graph-card">
        {assets.isPending ? (
          <Spinner label="Loading the assets" />
        ) : assets.isError ? (
          <ErrorState error={assets.error} onRetry={() => void assets.refetch()} />
        ) : assetList.length === 0 ? (
          <EmptyState title="No assets yet">
            {writable ? 'Add the company’s servers, databases and endpoints to see how they depend on each other.' : null}
          </EmptyState>
        ) : (
          <div className="stack">
            {incidents.isError ? (
              <Notice kind="error">Active incidents could not be loaded: the graph shows no incident marks.</Notice>
            ) : null}
            <p className="muted small graph-hint">
              Entry points on top; an arrow points to what an asset depends on. Select an asset (click, or Tab then Enter) to highlight its
              links.
            </p>
            <DependencyGraph assets={assetList} incidentsByAsset={incidentsByAsset} selected={selected} onSelect={setSelected} />
            <GraphLegend />
            {selectedAsset ? (
              <SelectedAsset
                tenantId={tenantId}
                asset={selectedAsset}
                names={names}
                dependents={dependents.get(selectedAsset.id) ?? []}
                incidents={incidentsByAsset.get(selectedAsset.id) ?? []}
              />
            ) : null}
            {unplaced.length ? (
              <p className="muted small">
                {unplaced.length} active incident{unplaced.length === 1 ? ' is' : 's are'} on names not in the inventory (
                {[...new Set(unplaced.map((incident) => incident.assetRef))].join(', ')}).
              </p>
            ) : null}
          </div>
        )}
      </Card>

      {assets.isSuccess && assetList.length ? (
        <section className="stack assets-table" aria-labelledby="assets-heading">
          <h2 id="assets-heading">Assets</h2>
          <DataTable caption={`Assets of ${company.name}`}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Environment</th>
                <th scope="col">Criticality</th>
                <th scope="col">Automation (SSM)</th>
                <th scope="col">Depends on</th>
                <th scope="col">Active incidents</th>
                {writable ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {assetList.map((asset) => {
                const active = incidentsByAsset.get(asset.id) ?? [];
                const health = assetHealth(active);
                const held = inMaintenance.get(asset.id);
                return (
                  <tr key={asset.id} data-testid="asset-row" className={selected === asset.id ? 'row-selected' : undefined}>
                    <th scope="row" className="cell-title">
                      {asset.name}
                      {asset.name !== asset.id ? <span className="cell-sub">{asset.id}</span> : null}
                      {held ? (
                        <span className="cell-sub">
                          <MaintenanceBadge name={held.name} until={held.current?.endsAt} />
                        </span>
                      ) : null}
                    </th>
                    <td>{humanize(asset.type)}</td>
                    <td>{asset.tags.env ?? <span className="muted">—</span>}</td>
                    <td>{asset.critical ? <Badge value="critical" label="Critical" /> : <span className="muted">Standard</span>}</td>
                    <td>
                      {asset.ssm ? (
                        <>
                          <code className="nowrap">{asset.ssm.instanceId}</code>
                          <span className="cell-sub">
                            {humanize(asset.ssm.platform)} · {asset.ssm.region}
                          </span>
                        </>
                      ) : (
                        <span className="muted">No automation</span>
                      )}
                    </td>
                    <td>
                      {asset.dependsOn.length ? (
                        asset.dependsOn.map((id) => names.get(id) ?? id).join(', ')
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      {active.length ? (
                        <Badge value={health === 'critical' ? 'critical' : 'medium'} label={`${active.length} active`} />
                      ) : (
                        <span className="muted">None</span>
                      )}
                    </td>
                    {writable ? (
                      <td>
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Edit ${asset.name}`}
                          onClick={() => setEditing({ asset })}
                        >
                          Edit
                        </button>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </DataTable>
        </section>
      ) : null}

      {writable ? (
        <AssetDialog
          open={editing !== undefined}
          tenantId={tenantId}
          asset={editing?.asset}
          assets={assetList}
          onClose={() => setEditing(undefined)}
          onSaved={(asset, created) => {
            setEditing(undefined);
            setSaved(created ? `Asset ${asset.name} added.` : `Asset ${asset.name} saved.`);
          }}
        />
      ) : null}
    </>
  );
}

function SelectedAsset({
  tenantId,
  asset,
  names,
  dependents,
  incidents,
}: {
  tenantId: string;
  asset: Asset;
  names: Map<string, string>;
  dependents: string[];
  incidents: Incident[];
}) {
  const list = (ids: string[]) => (ids.length ? ids.map((id) => names.get(id) ?? id).join(', ') : 'nothing');
  return (
    <div className="graph-selection" aria-live="polite">
      <h3>{asset.name}</h3>
      <p className="muted small">
        Depends on {list(asset.dependsOn)}; needed by {list(dependents)}.
      </p>
      {incidents.length ? (
        <ul className="graph-incidents">
          {incidents.map((incident) => (
            <li key={incident.id}>
              <Badge value={incident.severity} />{' '}
              <Link to={`/incidents/${encodeURIComponent(tenantId)}/${encodeURIComponent(incident.id)}`}>
                {incident.signatures[0] ?? 'Incident'} on {incident.assetRef}
              </Link>{' '}
              <span className="muted small">
                {humanize(incident.status)}, opened {formatRelative(incident.openedAt)}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="small">No active incident on this asset.</p>
      )}
    </div>
  );
}
