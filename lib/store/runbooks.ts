import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { runbookSchema, type Runbook } from '../domain/remediation/runbook';
import { logger } from '../observability';
import { keys } from './keys';
import { queryAll, type TableRef } from './table-ref';
import { isConditionFailure } from './transact';

/**
 * A tenant's own runbooks (the library's are code, lib/remediation/library). Stored as validated; read
 * back through the same schema, so a runbook that a later version of the schema refuses is left out
 * (and logged) rather than executed.
 */
function parseStored(item: Record<string, unknown>, tenantId: string): Runbook | undefined {
  const parsed = runbookSchema.safeParse(item.runbook);
  if (parsed.success) return parsed.data;
  logger.warn('Stored runbook is not valid any more; left out', { tenantId, runbookId: item.sk, issues: parsed.error.issues.length });
  return undefined;
}

export async function listTenantRunbooks(table: TableRef, tenantId: string): Promise<Runbook[]> {
  const { pk, skPrefix } = keys.runbooksOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map((item) => parseStored(item, tenantId)).filter((runbook): runbook is Runbook => runbook !== undefined);
}

export async function getTenantRunbook(table: TableRef, tenantId: string, runbookId: string): Promise<Runbook | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.runbook(tenantId, runbookId) }));
  return Item ? parseStored(Item, tenantId) : undefined;
}

/** Creates (`create`: must not exist) or replaces (`replace`: must exist); false when that condition fails. */
export async function putTenantRunbook(
  table: TableRef,
  tenantId: string,
  runbook: Runbook,
  mode: 'create' | 'replace',
  by: string,
  now: Date,
): Promise<boolean> {
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.runbook(tenantId, runbook.id), entity: 'runbook', tenantId, runbook, updatedAt: now.toISOString(), updatedBy: by },
        ConditionExpression: mode === 'create' ? 'attribute_not_exists(pk)' : 'attribute_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function deleteTenantRunbook(table: TableRef, tenantId: string, runbookId: string): Promise<Runbook | undefined> {
  const { Attributes } = await table.db.send(
    new DeleteCommand({ TableName: table.tableName, Key: keys.runbook(tenantId, runbookId), ReturnValues: 'ALL_OLD' }),
  );
  return Attributes ? parseStored(Attributes, tenantId) : undefined;
}
