import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { assetSchema, Inventory, type Asset } from '../domain/asset';
import { TtlCache } from '../util/ttl-cache';
import { ConditionFailedError, transactWrite } from './transact';
import { keys } from './keys';
import { entityOf, validEntity } from './entity';
import { queryAll, type TableRef } from './table-ref';

/** The stored item of an asset: the asset and, beside it, its tenant (the asset schema leaves it out when read). */
function assetItem(tenantId: string, asset: Asset): Record<string, unknown> {
  return { ...keys.asset(tenantId, asset.id), entity: 'asset', tenantId, ...validEntity(assetSchema, asset) };
}

export async function putAsset(table: TableRef, tenantId: string, asset: Asset): Promise<void> {
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: assetItem(tenantId, asset) }));
}

export async function listAssets(table: TableRef, tenantId: string): Promise<Asset[]> {
  const { pk, skPrefix } = keys.assetsOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map((item) => entityOf(assetSchema, item));
}

/** Inventories are read on every alert: each warm function keeps them a minute (a new alias resolves on the next load). */
export class InventoryCache extends TtlCache<Inventory> {
  constructor(table: TableRef, maxAgeMs = 60_000, clock?: () => number) {
    super(async (tenantId) => new Inventory(await listAssets(table, tenantId)), maxAgeMs, clock);
  }
}

/**
 * Guarded inventory writes. Whether an asset may be written depends on the other assets (dependencies
 * must exist, no cycle, nothing may depend on a deleted asset), so every API write is checked against a
 * snapshot of the whole inventory and commits only if the inventory is still at that snapshot's version:
 * one transaction bumps `assetsVersion` on the tenant item (which must still exist) together with the
 * asset write. Two concurrent writes can thus never create a cycle or a dangling dependency together;
 * the loser gets `stale` and checks again against a fresh snapshot.
 * (`putAsset`, used by seeding, writes without the guard.)
 */
export interface InventorySnapshot {
  version: number;
  assets: Asset[];
}

export type InventoryWriteResult = 'written' | 'stale' | 'exists' | 'missing';

/** The tenant's inventory with the version guarding it, read strongly consistent; undefined when the tenant does not exist. */
export async function readInventory(table: TableRef, tenantId: string): Promise<InventorySnapshot | undefined> {
  // The version first: a write committed after this read changes it, one committed before is in the query.
  const { Item } = await table.db.send(
    new GetCommand({
      TableName: table.tableName,
      Key: keys.tenant(tenantId),
      ConsistentRead: true,
      ProjectionExpression: 'pk, assetsVersion',
    }),
  );
  if (!Item) return undefined;
  const { pk, skPrefix } = keys.assetsOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
  return {
    version: typeof Item.assetsVersion === 'number' ? Item.assetsVersion : 0,
    assets: items.map((item) => entityOf(assetSchema, item)),
  };
}

export async function getAsset(table: TableRef, tenantId: string, assetId: string): Promise<Asset | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.asset(tenantId, assetId) }));
  return entityOf(assetSchema, Item);
}

/** Adds an asset: `exists` when the id is taken. */
export function createAsset(table: TableRef, tenantId: string, asset: Asset, inventoryVersion: number): Promise<InventoryWriteResult> {
  return guardedWrite(table, tenantId, inventoryVersion, 'exists', {
    Put: {
      TableName: table.tableName,
      Item: assetItem(tenantId, asset),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
}

/** Replaces an asset: `missing` when there is none. */
export function replaceAsset(table: TableRef, tenantId: string, asset: Asset, inventoryVersion: number): Promise<InventoryWriteResult> {
  return guardedWrite(table, tenantId, inventoryVersion, 'missing', {
    Put: {
      TableName: table.tableName,
      Item: assetItem(tenantId, asset),
      ConditionExpression: 'attribute_exists(pk)',
    },
  });
}

/** Deletes an asset: `missing` when there is none. */
export function deleteAsset(table: TableRef, tenantId: string, assetId: string, inventoryVersion: number): Promise<InventoryWriteResult> {
  return guardedWrite(table, tenantId, inventoryVersion, 'missing', {
    Delete: { TableName: table.tableName, Key: keys.asset(tenantId, assetId), ConditionExpression: 'attribute_exists(pk)' },
  });
}

type AssetWrite =
  | { Put: { TableName: string; Item: Record<string, unknown>; ConditionExpression: string } }
  | { Delete: { TableName: string; Key: Record<string, unknown>; ConditionExpression: string } };

/** `assetRefused` is what the asset's own condition failing means (`exists` for a create, `missing` otherwise). */
async function guardedWrite(
  table: TableRef,
  tenantId: string,
  inventoryVersion: number,
  assetRefused: 'exists' | 'missing',
  write: AssetWrite,
): Promise<InventoryWriteResult> {
  const values: Record<string, unknown> = { ':next': inventoryVersion + 1 };
  let condition = 'attribute_exists(pk) AND attribute_not_exists(#version)';
  if (inventoryVersion > 0) {
    condition = 'attribute_exists(pk) AND #version = :expected';
    values[':expected'] = inventoryVersion;
  }
  try {
    await transactWrite(table, [
      {
        Update: {
          TableName: table.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: 'SET #version = :next',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#version': 'assetsVersion' },
          ExpressionAttributeValues: values,
        },
      },
      write,
    ]);
    return 'written';
  } catch (error) {
    // Throttling and conflicting transactions were retried by transactWrite; a failed condition says which item.
    if (!(error instanceof ConditionFailedError)) throw error;
    if (error.failedAt(0)) return 'stale';
    if (error.failedAt(1)) return assetRefused;
    throw error;
  }
}
