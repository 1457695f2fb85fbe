import { useId, useMemo, type KeyboardEvent } from 'react';
import type { Schemas } from '../api/client';
import { humanize } from '../lib/format';
import { DEFAULT_SIZES, edgePath, layoutGraph } from './graph-layout';

type Asset = Schemas['Asset'];
type Incident = Schemas['Incident'];

export type AssetHealth = 'critical' | 'warning' | 'ok';

const URGENT: ReadonlySet<Incident['severity']> = new Set(['critical', 'high']);

/** Red when an active incident on the asset is critical or high, amber for any other active incident. */
export function assetHealth(incidents: Incident[] | undefined): AssetHealth {
  if (!incidents?.length) return 'ok';
  return incidents.some((incident) => URGENT.has(incident.severity)) ? 'critical' : 'warning';
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function incidentsLabel(count: number): string {
  return count === 0 ? 'No active incident' : count === 1 ? '1 active incident' : `${count} active incidents`;
}

/** The accessible name of a node: everything the drawing says, in words. */
export function assetNodeLabel(asset: Asset, incidents: Incident[], names: Map<string, string>): string {
  const parts = [asset.name, humanize(asset.type)];
  if (asset.critical) parts.push('critical asset');
  parts.push(incidentsLabel(incidents.length));
  parts.push(asset.dependsOn.length ? `depends on ${asset.dependsOn.map((id) => names.get(id) ?? id).join(', ')}` : 'depends on nothing');
  return parts.join(', ');
}

/**
 * The company's assets as a layered graph drawn in SVG: the entry points (nothing depends on them) on top,
 * what they need below, an arrow for each `dependsOn`. Each node is a focusable button that selects the asset.
 */
export function DependencyGraph({
  assets,
  incidentsByAsset,
  selected,
  onSelect,
}: {
  assets: Asset[];
  incidentsByAsset: Map<string, Incident[]>;
  selected: string | undefined;
  onSelect: (assetId: string | undefined) => void;
}) {
  const markerBase = `graph${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const layout = useMemo(
    () => layoutGraph(assets.map((asset) => ({ id: asset.id, dependsOn: asset.dependsOn, label: asset.name }))),
    [assets],
  );
  const byId = useMemo(() => new Map(assets.map((asset) => [asset.id, asset])), [assets]);
  const names = useMemo(() => new Map(assets.map((asset) => [asset.id, asset.name])), [assets]);
  const { nodeWidth: w, nodeHeight: h } = DEFAULT_SIZES;

  const linked = useMemo(() => {
    const set = new Set<string>();
    if (!selected) return set;
    for (const edge of layout.edges) {
      if (edge.from === selected) set.add(edge.to);
      if (edge.to === selected) set.add(edge.from);
    }
    return set;
  }, [layout.edges, selected]);

  const ordered = layout.layers.flat();

  const onKey = (event: KeyboardEvent<SVGGElement>, id: string) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(selected === id ? undefined : id);
    } else if (event.key === 'Escape' && selected) {
      onSelect(undefined);
    }
  };

  return (
    <div className="graph-scroll">
      <svg
        className="dependency-graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label={`Dependency graph of ${assets.length} assets: arrows point from an asset to what it depends on`}
      >
        <defs>
          {(['plain', 'active'] as const).map((kind) => (
            <marker
              key={kind}
              id={`${markerBase}-${kind}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M0,0 L10,5 L0,10 z" className={`graph-arrow graph-arrow-${kind}`} />
            </marker>
          ))}
        </defs>
        <g aria-hidden="true">
          {layout.edges.map((edge) => {
            if (!edge.points || edge.points.length < 2) return null;
            const active = selected !== undefined && (edge.from === selected || edge.to === selected);
            const dimmed = selected !== undefined && !active;
            return (
              <path
                key={`${edge.from}->${edge.to}`}
                d={edgePath(edge.points)}
                className={`graph-edge${active ? ' graph-edge-active' : ''}${dimmed ? ' graph-edge-dim' : ''}`}
                markerEnd={`url(#${markerBase}-${active ? 'active' : 'plain'})`}
              />
            );
          })}
        </g>
        {ordered.map((id) => {
          const node = layout.nodes.get(id);
          const asset = byId.get(id);
          if (!node || !asset) return null;
          const incidents = incidentsByAsset.get(id) ?? [];
          const health = assetHealth(incidents);
          const isSelected = selected === id;
          const dimmed = selected !== undefined && !isSelected && !linked.has(id);
          return (
            <g
              key={id}
              className={`graph-node graph-node-${health}${isSelected ? ' graph-node-selected' : ''}${dimmed ? ' graph-node-dim' : ''}`}
              transform={`translate(${node.x},${node.y})`}
              tabIndex={0}
              role="button"
              aria-pressed={isSelected}
              aria-label={assetNodeLabel(asset, incidents, names)}
              data-testid="graph-node"
              onClick={() => onSelect(isSelected ? undefined : id)}
              onKeyDown={(event) => onKey(event, id)}
            >
              <title>{asset.name}</title>
              <rect className="graph-node-box" width={w} height={h} rx="9" />
              {asset.critical ? <rect className="graph-node-critical-bar" width="5" height={h - 16} x="0" y="8" rx="2" /> : null}
              <text className="graph-node-name" x="14" y="22">
                {clip(asset.name, 21)}
              </text>
              <text className="graph-node-meta" x="14" y="38">
                {clip(humanize(asset.type), asset.critical ? 13 : 24)}
                {asset.critical ? <tspan className="graph-node-critical"> · critical</tspan> : null}
              </text>
              <text className="graph-node-status" x="14" y="53">
                {health === 'ok' ? '' : '● '}
                {incidentsLabel(incidents.length)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

export function GraphLegend() {
  return (
    <ul className="graph-legend" aria-label="Legend">
      <li>
        <span className="graph-swatch graph-swatch-critical" aria-hidden="true" /> Critical or high incident
      </li>
      <li>
        <span className="graph-swatch graph-swatch-warning" aria-hidden="true" /> Other active incident
      </li>
      <li>
        <span className="graph-swatch graph-swatch-ok" aria-hidden="true" /> No active incident
      </li>
      <li>
        <span className="graph-swatch graph-swatch-bar" aria-hidden="true" /> Critical asset
      </li>
      <li>
        <svg width="28" height="10" aria-hidden="true" className="graph-legend-arrow">
          <path d="M1,5 H22" />
          <path d="M20,1 L27,5 L20,9 z" />
        </svg>
        depends on
      </li>
    </ul>
  );
}
