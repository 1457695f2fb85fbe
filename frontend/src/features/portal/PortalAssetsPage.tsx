import { useMemo } from 'react';
import { Link } from 'react-router';
import type { Schemas } from '../../api/client';
import { useTenants } from '../../auth/tenants';
import { Badge, MaintenanceBadge } from '../../components/badges';
import { Card, PageHeader } from '../../components/layout-parts';
import { EmptyState, QueryState } from '../../components/states';
import { useAssets } from '../assets/hooks';
import { useIncidentList } from '../incidents/hooks';
import { useMaintenanceWindows, type MaintenanceWindow } from '../maintenance/hooks';
import { humanize } from '../../lib/format';
import './portal.css';

type Incident = Schemas['Incident'];

/** What each asset is doing now: an active incident on it, a maintenance window holding it, or nothing to report. */
function statusOf(assetId: string, incidents: Map<string, Incident[]>, windows: Map<string, MaintenanceWindow>) {
  const active = incidents.get(assetId) ?? [];
  return { incidents: active, window: windows.get(assetId) };
}

/** The client portal's assets: the company's assets, each with its status now, as cards that fit a phone. */
export default function PortalAssetsPage() {
  const { current, nameOf } = useTenants();
  const tenantId = current ?? '';
  const assets = useAssets(tenantId, Boolean(current));
  const incidents = useIncidentList({ tenant: tenantId, status: 'active', limit: 200 }, Boolean(current));
  const maintenance = useMaintenanceWindows({ tenant: tenantId, phase: 'active' }, Boolean(current));

  const byAsset = useMemo(() => {
    const map = new Map<string, Incident[]>();
    for (const incident of incidents.data?.incidents ?? []) {
      const id = incident.rootAssetId ?? incident.assetId;
      if (id) map.set(id, [...(map.get(id) ?? []), incident]);
    }
    return map;
  }, [incidents.data]);
  const held = useMemo(() => {
    const map = new Map<string, MaintenanceWindow>();
    for (const window of maintenance.data?.windows ?? [])
      for (const id of window.scope.assetIds ?? []) if (!map.has(id)) map.set(id, window);
    return map;
  }, [maintenance.data]);

  if (!current) return <EmptyState title="No company">Your account is not linked to a company yet.</EmptyState>;
  return (
    <>
      <PageHeader title="Assets" description={<>The status of {nameOf(tenantId)}’s assets now.</>} />
      <QueryState
        query={assets}
        loadingLabel="Loading the assets"
        isEmpty={(data) => data.assets.length === 0}
        empty={<EmptyState title="No assets yet">Your service provider has not listed any assets for your company.</EmptyState>}
      >
        {(data) => (
          <ul className="portal-assets" aria-label="Assets and their status">
            {[...data.assets]
              .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
              .map((asset) => {
                const status = statusOf(asset.id, byAsset, held);
                return (
                  <li key={asset.id} data-testid="portal-asset">
                    <Card>
                      <div className="portal-asset-head">
                        <h2>{asset.name}</h2>
                        {status.incidents.length ? (
                          <Badge
                            value="open"
                            label={status.incidents.length === 1 ? 'Incident open' : `${status.incidents.length} incidents open`}
                          />
                        ) : status.window ? null : (
                          <Badge value="succeeded" label="Operational" />
                        )}
                        {status.window ? <MaintenanceBadge name={status.window.name} until={status.window.endsAt} /> : null}
                      </div>
                      <p className="muted small">
                        {humanize(asset.type)}
                        {asset.critical ? ' · business critical' : ''}
                      </p>
                      {status.incidents.length ? (
                        <ul className="portal-asset-incidents">
                          {status.incidents.map((incident) => (
                            <li key={incident.id}>
                              <Link to={`/incidents/${encodeURIComponent(incident.tenantId)}/${encodeURIComponent(incident.id)}`}>
                                {incident.title}
                              </Link>
                            </li>
                          ))}
                        </ul>
                      ) : null}
                    </Card>
                  </li>
                );
              })}
          </ul>
        )}
      </QueryState>
    </>
  );
}
