import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Inventory, type Asset } from '../domain/asset';
import { TtlCache } from '../util/ttl-cache';
import { keys } from './keys';
import { entityOf, queryAll, type TableRef } from './table-ref';

export async function putAsset(table: TableRef, tenantId: string, asset: Asset): Promise<void> {
  await table.db.send(
    new PutCommand({ TableName: table.tableName, Item: { ...keys.asset(tenantId, asset.id), entity: 'asset', tenantId, ...asset } }),
  );
}

export async function listAssets(table: TableRef, tenantId: string): Promise<Asset[]> {
  const { pk, skPrefix } = keys.assetsOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map((item) => {
    const { tenantId: _tenant, ...asset } = entityOf<Asset & { tenantId: string }>(item) as Asset & { tenantId: string };
    return asset;
  });
}

/** Inventories are read on every alert: each warm function keeps them a minute (a new alias resolves on the next load). */
export class InventoryCache extends TtlCache<Inventory> {
  constructor(table: TableRef, maxAgeMs = 60_000, clock?: () => number) {
    super(async (tenantId) => new Inventory(await listAssets(table, tenantId)), maxAgeMs, clock);
  }
}
