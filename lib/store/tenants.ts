import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Tenant } from '../domain/tenant';
import { keys } from './keys';
import { entityOf, queryAll, type TableRef } from './table-ref';

export async function putTenant(table: TableRef, tenant: Tenant): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.tenant(tenant.id), ...keys.tenantDirectoryEntry(tenant.id, tenant.name), entity: 'tenant', ...tenant },
    }),
  );
}

export async function getTenant(table: TableRef, tenantId: string): Promise<Tenant | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.tenant(tenantId) }));
  return entityOf<Tenant>(Item);
}

/** The MSP's directory of client companies, by name. */
export async function listTenants(table: TableRef): Promise<Tenant[]> {
  const items = await queryAll(table, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.tenantDirectory().gsi1pk },
  });
  return items.map((item) => entityOf<Tenant>(item) as Tenant);
}
