import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Inventory, type Asset } from '../domain/asset';
import { keys } from './keys';
import { entityOf, type TableRef } from './table-ref';

export async function putAsset(table: TableRef, tenantId: string, asset: Asset): Promise<void> {
  await table.db.send(
    new PutCommand({ TableName: table.tableName, Item: { ...keys.asset(tenantId, asset.id), entity: 'asset', tenantId, ...asset } }),
  );
}

export async function listAssets(table: TableRef, tenantId: string): Promise<Asset[]> {
  const { pk, skPrefix } = keys.assetsOf(tenantId);
  const assets: Asset[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) {
      const { tenantId: _tenant, ...asset } = entityOf<Asset & { tenantId: string }>(item) as Asset & { tenantId: string };
      assets.push(asset);
    }
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return assets;
}

/**
 * Inventories are read on every alert, so each warm function keeps them for a short while.
 * A stale minute is acceptable: a newly added alias then resolves on the next load.
 */
export class InventoryCache {
  private readonly entries = new Map<string, { inventory: Inventory; loadedAt: number }>();

  constructor(
    private readonly table: TableRef,
    private readonly maxAgeMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(tenantId: string): Promise<Inventory> {
    const cached = this.entries.get(tenantId);
    if (cached && this.clock() - cached.loadedAt < this.maxAgeMs) return cached.inventory;
    const inventory = new Inventory(await listAssets(this.table, tenantId));
    this.entries.set(tenantId, { inventory, loadedAt: this.clock() });
    return inventory;
  }

  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
  }
}
