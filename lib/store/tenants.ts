import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { tenantSchema, type Tenant } from '../domain/tenant';
import { conflict } from '../errors';
import { isConditionFailure } from './transact';
import { indexUpdate, keys } from './keys';
import { entityOf, validEntity } from './entity';
import { queryAll, type TableRef } from './table-ref';

export async function putTenant(table: TableRef, tenant: Tenant): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...keys.tenant(tenant.id),
        ...keys.tenantDirectoryEntry(tenant.id, tenant.name),
        entity: 'tenant',
        ...validEntity(tenantSchema, tenant),
      },
    }),
  );
}

export async function getTenant(table: TableRef, tenantId: string): Promise<Tenant | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.tenant(tenantId) }));
  return entityOf(tenantSchema, Item);
}

/** The MSP's directory of client companies, by name, with their settings. */
export async function listTenants(table: TableRef): Promise<TenantRecord[]> {
  const items = await queryAll(table, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.tenantDirectory().gsi1pk },
  });
  return items.map((item) => entityOf(tenantRecordSchema, item));
}

/** Per-tenant switches set through the API (absent means the default). */
const tenantSettingsSchema = z.object({
  /** Whether runbooks may run without approval on assets marked critical (default false). */
  criticalAutoRemediation: z.boolean().optional(),
});
export type TenantSettings = z.output<typeof tenantSettingsSchema>;

/**
 * The tenant item as stored: the tenant plus its settings and two optimistic-locking counters,
 * `version` for the tenant's own fields and `assetsVersion` for its inventory (see lib/store/assets.ts).
 * Items written by `putTenant` have neither counter, which counts as 0.
 */
const tenantRecordSchema = tenantSchema.extend({
  settings: tenantSettingsSchema.optional(),
  updatedAt: z.iso.datetime().optional(),
  version: z.number().int().min(0).optional(),
  assetsVersion: z.number().int().min(0).optional(),
});
export type TenantRecord = z.output<typeof tenantRecordSchema>;

/** The tenant item, read strongly consistent (for read-modify-write). */
export async function getTenantRecord(table: TableRef, tenantId: string): Promise<TenantRecord | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
  return entityOf(tenantRecordSchema, Item);
}

/** Creates a tenant; 409 when a tenant with that id exists. */
export async function createTenant(
  table: TableRef,
  tenant: Tenant & { settings?: TenantSettings; updatedAt?: string },
): Promise<TenantRecord> {
  const record: TenantRecord = { ...tenant, version: 1 };
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.tenant(tenant.id),
          ...keys.tenantDirectoryEntry(tenant.id, tenant.name),
          entity: 'tenant',
          ...validEntity(tenantRecordSchema, record),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw conflict('A tenant with this id exists', { id: tenant.id });
    throw error;
  }
  return record;
}

export interface TenantChanges {
  name?: string;
  /** The whole settings object as it should be stored. */
  settings?: TenantSettings;
}

/**
 * Changes a tenant's name (and its directory entry) or settings, if the tenant is still at
 * `expectedVersion`. Returns the tenant as stored, or undefined when it was changed or deleted meanwhile
 * (the caller reads it again and retries).
 */
export async function updateTenant(
  table: TableRef,
  tenantId: string,
  changes: TenantChanges,
  expectedVersion: number,
  now: Date,
): Promise<TenantRecord | undefined> {
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':next': expectedVersion + 1, ':updatedAt': now.toISOString() };
  const sets = ['#version = :next', '#updatedAt = :updatedAt'];
  if (changes.name !== undefined) {
    names['#name'] = 'name';
    values[':name'] = changes.name;
    const directoryEntry = indexUpdate(keys.tenantDirectoryEntry(tenantId, changes.name));
    Object.assign(values, directoryEntry.values);
    sets.push('#name = :name', ...directoryEntry.set);
  }
  if (changes.settings !== undefined) {
    names['#settings'] = 'settings';
    values[':settings'] = changes.settings;
    sets.push('#settings = :settings');
  }
  let condition = 'attribute_exists(pk) AND attribute_not_exists(#version)';
  if (expectedVersion > 0) {
    condition = 'attribute_exists(pk) AND #version = :expected';
    values[':expected'] = expectedVersion;
  }
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return entityOf(tenantRecordSchema, Attributes);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Deletes the tenant item only: the tenant leaves the directory and every API route answers 404 for
 * it, while its other items (assets, API keys, alerts, incidents, audit log) stay where they are.
 * Returns the deleted tenant, or undefined when there was none.
 */
export async function deleteTenant(table: TableRef, tenantId: string): Promise<TenantRecord | undefined> {
  try {
    const { Attributes } = await table.db.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: keys.tenant(tenantId),
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValues: 'ALL_OLD',
      }),
    );
    return entityOf(tenantRecordSchema, Attributes);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
