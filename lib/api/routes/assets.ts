import { assetSchema, type Asset } from '../../domain/asset';
import { AppError, badRequest, conflict, notFound } from '../../errors';
import { json } from '../../http/http';
import {
  createAsset,
  deleteAsset,
  getAsset,
  readInventory,
  replaceAsset,
  type InventorySnapshot,
  type InventoryWriteResult,
} from '../../store/assets';
import { getTenantRecord } from '../../store/tenants';
import { listIncidents } from '../../store/incidents';
import { clientAssets, seesClientView } from '../../domain/client-view';
import { noContent, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { assetListResponse, assetPathParams, assetResponse, tenantQuery } from '../schemas';

/**
 * A tenant's asset inventory. `dependsOn` must name assets of the same tenant and must not make a
 * cycle; an asset others depend on cannot be deleted. Every write is checked against a snapshot of
 * the inventory and commits only if the inventory did not change meanwhile (lib/store/assets.ts),
 * otherwise it checks again (a few times, then 409).
 *
 * `GET /v1/assets/unresolved` (alerts.ts) is a static route and wins over `GET /v1/assets/{id}`;
 * "unresolved" is therefore not accepted as an asset id.
 */

const RESERVED_ASSET_IDS = new Set(['unresolved']);
const WRITE_ATTEMPTS = 3;
/** Active incidents read per status for the status of a client viewer's assets (beyond it, an asset may show fewer). */
const ACTIVE_INCIDENTS_READ = 1000;
const tag = 'assets';

const createBody = assetSchema.refine((asset) => !RESERVED_ASSET_IDS.has(asset.id), {
  path: ['id'],
  message: 'this id is reserved',
});

/** A replacement: the id comes from the path (the body may repeat it). */
const replaceBody = assetSchema.extend({ id: assetSchema.shape.id.optional() });

/** The cycle `dependsOn` would close through `start`, as a path `[start, ..., start]`, if any. */
export function findCycle(dependsOn: ReadonlyMap<string, readonly string[]>, start: string): string[] | undefined {
  const done = new Set<string>();
  const onPath = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    path.push(id);
    onPath.add(id);
    for (const next of dependsOn.get(id) ?? []) {
      if (next === start) return [...path, start];
      // A cycle elsewhere (not through start) is not this write's doing: just do not loop on it.
      if (done.has(next) || onPath.has(next)) continue;
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return undefined;
  };
  return visit(start);
}

/** Throws 422 unless every dependency of `asset` exists in the inventory and none closes a cycle. */
export function checkDependencies(inventory: readonly Asset[], asset: Asset): void {
  const ids = new Set(inventory.map((other) => other.id));
  const unknown = asset.dependsOn.filter((dependency) => dependency !== asset.id && !ids.has(dependency));
  if (unknown.length) {
    throw new AppError(422, 'unknown_dependency', 'dependsOn names assets this tenant does not have', { unknown });
  }
  const graph = new Map(inventory.map((other) => [other.id, other.dependsOn] as const));
  graph.set(asset.id, asset.dependsOn);
  const cycle = findCycle(graph, asset.id);
  if (cycle) throw new AppError(422, 'dependency_cycle', `dependsOn would make a cycle: ${cycle.join(' -> ')}`, { cycle });
}

/** The ids of the assets that depend on `assetId`. */
export function dependentsOf(inventory: readonly Asset[], assetId: string): string[] {
  return inventory.filter((asset) => asset.id !== assetId && asset.dependsOn.includes(assetId)).map((asset) => asset.id);
}

function normalized(asset: Asset): Asset {
  return { ...asset, dependsOn: [...new Set(asset.dependsOn)] };
}

function canonical(asset: Asset): string {
  const tags = Object.fromEntries(Object.entries(asset.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const { id, name, type, aliases, dependsOn, critical } = asset;
  return JSON.stringify({ id, name, type, aliases, dependsOn, critical, tags });
}

export function assetRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  async function inventoryOf(tenantId: string): Promise<InventorySnapshot> {
    const snapshot = await readInventory(deps.table, tenantId);
    if (!snapshot) throw notFound('Tenant');
    return snapshot;
  }

  /** Runs a guarded write against fresh snapshots until it commits (or the inventory keeps changing). */
  async function withInventory<T>(
    tenantId: string,
    attempt: (snapshot: InventorySnapshot) => Promise<{ result: InventoryWriteResult; value: T }>,
  ): Promise<T> {
    for (let tries = 0; tries < WRITE_ATTEMPTS; tries++) {
      const { result, value } = await attempt(await inventoryOf(tenantId));
      if (result === 'written') return value;
      if (result === 'exists') throw conflict('An asset with this id exists');
      if (result === 'missing') throw notFound('Asset');
    }
    throw conflict("The tenant's inventory keeps changing: reload and retry");
  }

  /** The tenant's open and acknowledged incidents: a client's viewer sees which assets are in trouble. */
  async function activeIncidents(tenantId: string) {
    const byStatus = await Promise.all(
      (['open', 'acknowledged'] as const).map((status) => listIncidents(deps.table, tenantId, { status, limit: ACTIVE_INCIDENTS_READ })),
    );
    return byStatus.flat();
  }

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/assets',
        summary: "A tenant's asset inventory",
        tag,
        scope: 'tenant',
        action: 'asset.read',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: assetListResponse },
      },
      async ({ principal, tenantId }) => {
        const { assets } = await inventoryOf(tenantId);
        if (seesClientView(principal.role)) return json(200, { tenantId, assets: clientAssets(assets, await activeIncidents(tenantId)) });
        return json(200, { tenantId, assets });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/assets',
        summary: 'Add an asset',
        description: '`dependsOn` must name assets of the same tenant and must not close a cycle.',
        tag,
        scope: 'tenant',
        action: 'asset.write',
        query: tenantQuery,
        tenant: { from: 'query' },
        body: createBody,
        responses: { 201: assetResponse },
        errors: { 409: 'An asset with this id exists', 422: 'An unknown dependency, or a dependency cycle' },
        audit: { action: 'asset.create', log: 'tenant' },
      },
      async ({ tenantId, body, audit }) => {
        const asset = normalized(body);
        await withInventory(tenantId, async ({ version, assets }) => {
          if (assets.some((other) => other.id === asset.id)) throw conflict('An asset with this id exists', { id: asset.id });
          checkDependencies(assets, asset);
          return { result: await createAsset(deps.table, tenantId, asset, version), value: undefined };
        });
        await audit({
          tenantId,
          resource: { type: 'asset', id: asset.id },
          summary: { after: asset },
        });
        return json(201, asset);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/assets/{id}',
        summary: 'One asset',
        tag,
        scope: 'tenant',
        action: 'asset.read',
        params: assetPathParams,
        malformedPathIs404: 'Asset',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: assetResponse },
      },
      async ({ principal, tenantId, params: { id: assetId } }) => {
        const [tenant, asset] = await Promise.all([getTenantRecord(deps.table, tenantId), getAsset(deps.table, tenantId, assetId)]);
        if (!tenant) throw notFound('Tenant');
        if (!asset) throw notFound('Asset');
        if (seesClientView(principal.role)) return json(200, clientAssets([asset], await activeIncidents(tenantId))[0]);
        return json(200, asset);
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        path: '/v1/assets/{id}',
        summary: 'Replace an asset',
        description: 'The id comes from the path (the body may repeat it). Replacing an asset with itself changes nothing.',
        tag,
        scope: 'tenant',
        action: 'asset.write',
        params: assetPathParams,
        malformedPathIs404: 'Asset',
        query: tenantQuery,
        tenant: { from: 'query' },
        body: replaceBody,
        responses: { 200: assetResponse },
        errors: { 409: 'The inventory kept changing meanwhile', 422: 'An unknown dependency, or a dependency cycle' },
        audit: { action: 'asset.update', log: 'tenant' },
      },
      async ({ tenantId, params: { id: assetId }, body, audit }) => {
        if (body.id !== undefined && body.id !== assetId) {
          throw badRequest('The request body is not valid', [{ path: 'id', message: 'differs from the id in the path' }]);
        }
        const asset = normalized({ ...body, id: assetId });
        const before = await withInventory(tenantId, async ({ version, assets }) => {
          const current = assets.find((other) => other.id === assetId);
          if (!current) throw notFound('Asset');
          if (canonical(current) === canonical(asset)) return { result: 'written' as const, value: undefined }; // nothing changes
          checkDependencies(assets, asset);
          return { result: await replaceAsset(deps.table, tenantId, asset, version), value: current };
        });
        if (before) {
          await audit({
            tenantId,
            resource: { type: 'asset', id: assetId },
            summary: { before, after: asset },
          });
        }
        return json(200, asset);
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/v1/assets/{id}',
        summary: 'Delete an asset',
        tag,
        scope: 'tenant',
        action: 'asset.write',
        params: assetPathParams,
        malformedPathIs404: 'Asset',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 204: null },
        errors: { 409: 'The inventory kept changing meanwhile', 422: 'Other assets depend on it' },
        audit: { action: 'asset.delete', log: 'tenant' },
      },
      async ({ tenantId, params: { id: assetId }, audit }) => {
        const before = await withInventory(tenantId, async ({ version, assets }) => {
          const current = assets.find((other) => other.id === assetId);
          if (!current) throw notFound('Asset');
          const dependents = dependentsOf(assets, assetId);
          if (dependents.length) {
            throw new AppError(422, 'asset_in_use', `Other assets depend on ${assetId}: ${dependents.join(', ')}`, { dependents });
          }
          return { result: await deleteAsset(deps.table, tenantId, assetId, version), value: current };
        });
        await audit({ tenantId, resource: { type: 'asset', id: assetId }, summary: { before } });
        return noContent();
      },
    ),
  ];
}
