import type { Asset, Inventory } from '../asset';
import { aliasForms } from '../asset';

export interface UpstreamPath {
  /** Hops from the asset to this upstream asset (1: a direct dependency). */
  distance: number;
  /** The asset's direct dependency on the way (the asset itself for distance 1). */
  via: string;
}

/**
 * The dependency graph of a tenant's inventory (`dependsOn` edges: db <- app <- load balancer <-
 * endpoint), read by the correlation engine. Built once per inventory object and memoised.
 */
export class Topology {
  private readonly componentIds = new Map<string, string>();
  private readonly upstreamCache = new Map<string, ReadonlyMap<string, UpstreamPath>>();
  private readonly dependentCounts = new Map<string, number>();

  constructor(private readonly inventory: Inventory) {
    this.computeComponents();
  }

  asset(id: string): Asset | undefined {
    return this.inventory.byId.get(id);
  }

  nameOf(id: string | null, fallback: string): string {
    return (id && this.inventory.byId.get(id)?.name) || fallback;
  }

  /**
   * The connected component (ignoring edge direction) the asset belongs to, named by its smallest
   * asset id: the unit of correlation state, since topology rules join alerts across it.
   */
  componentOf(assetId: string): string {
    return this.componentIds.get(assetId) ?? assetId;
  }

  /** Every asset this one depends on, directly or not, with the shortest distance. */
  upstreamOf(assetId: string): ReadonlyMap<string, UpstreamPath> {
    let cached = this.upstreamCache.get(assetId);
    if (cached) return cached;
    const found = new Map<string, UpstreamPath>();
    let frontier: Array<{ id: string; via: string }> = (this.inventory.byId.get(assetId)?.dependsOn ?? []).map((id) => ({ id, via: id }));
    for (let distance = 1; frontier.length; distance++) {
      const next: typeof frontier = [];
      for (const { id, via } of frontier) {
        if (id === assetId || found.has(id)) continue;
        found.set(id, { distance, via });
        for (const upstream of this.inventory.byId.get(id)?.dependsOn ?? []) next.push({ id: upstream, via });
      }
      frontier = next;
    }
    cached = found;
    this.upstreamCache.set(assetId, cached);
    return cached;
  }

  /** How many assets depend on this one, directly or not: its blast radius. */
  dependentsOf(assetId: string): number {
    const cached = this.dependentCounts.get(assetId);
    if (cached !== undefined) return cached;
    let count = 0;
    for (const asset of this.inventory.assets) if (asset.id !== assetId && this.upstreamOf(asset.id).has(assetId)) count++;
    this.dependentCounts.set(assetId, count);
    return count;
  }

  private computeComponents(): void {
    const parent = new Map<string, string>();
    const find = (id: string): string => {
      let root = id;
      while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root) as string;
      parent.set(id, root);
      return root;
    };
    for (const asset of this.inventory.assets) parent.set(asset.id, parent.get(asset.id) ?? asset.id);
    for (const asset of this.inventory.assets) {
      for (const upstream of asset.dependsOn) {
        if (!this.inventory.byId.has(upstream)) continue;
        const [a, b] = [find(asset.id), find(upstream)];
        if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
      }
    }
    for (const asset of this.inventory.assets) this.componentIds.set(asset.id, find(asset.id));
  }
}

const topologies = new WeakMap<Inventory, Topology>();

/** The topology of an inventory, built once per inventory object (inventories are cached per tenant). */
export function topologyOf(inventory: Inventory): Topology {
  let topology = topologies.get(inventory);
  if (!topology) topologies.set(inventory, (topology = new Topology(inventory)));
  return topology;
}

/** How an asset the inventory does not know is compared: lower case, without a port or a domain. */
export function unknownAssetKey(assetRef: string): string {
  return aliasForms(assetRef).at(-1) as string;
}
