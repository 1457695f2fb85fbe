import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { brandingSchema, DEFAULT_BRANDING, type Branding } from '../domain/report/branding';
import { entityOf, validEntity } from './entity';
import { keys } from './keys';
import type { TableRef } from './table-ref';

/** The MSP's branding (lib/domain/report/branding.ts): one item of the MSP's, the defaults until one is put. */

export async function getBranding(table: TableRef): Promise<Branding> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.branding() }));
  return entityOf(brandingSchema, Item) ?? DEFAULT_BRANDING;
}

/** Replaces the branding (last writer wins: one setting, changed rarely, by MSP admins only). */
export async function putBranding(table: TableRef, branding: Branding): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.branding(), entity: 'branding', ...validEntity(brandingSchema, branding) },
    }),
  );
}
