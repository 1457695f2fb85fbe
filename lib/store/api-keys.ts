import { randomBytes, createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { keys } from './keys';
import type { TableRef } from './table-ref';

export interface ApiKeyRecord {
  tenantId: string;
  keyId: string;
  /** The first characters of the key, so an operator can tell keys apart without the secret. */
  prefix: string;
  createdAt: string;
  /** Set when the key is rotated: it keeps working until then, so tools can be moved over. */
  expiresAt?: string;
  revokedAt?: string;
}

/** Keys are random 256-bit secrets; only their SHA-256 is stored (a slow hash adds nothing at this entropy). */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `aw_${randomBytes(32).toString('base64url')}`;
}

/** Creates a key for the tenant and returns it in plain text: the only time it is ever visible. */
export async function createApiKey(
  table: TableRef,
  tenantId: string,
  now: Date,
  apiKey: string = generateApiKey(),
): Promise<{ apiKey: string; record: ApiKeyRecord }> {
  const keyHash = hashApiKey(apiKey);
  const record: ApiKeyRecord = { tenantId, keyId: ulid(now.getTime()), prefix: apiKey.slice(0, 10), createdAt: now.toISOString() };
  await table.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: table.tableName,
            Item: { ...keys.apiKeyLookup(keyHash), entity: 'apiKeyLookup', ...record },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: table.tableName,
            Item: { ...keys.apiKeyMeta(tenantId, record.keyId), entity: 'apiKey', keyHash, ...record },
          },
        },
      ],
    }),
  );
  return { apiKey, record };
}

/** The tenant a presented key belongs to, if the key exists and is neither revoked nor expired. */
export async function findActiveApiKey(table: TableRef, apiKey: string, now: Date): Promise<ApiKeyRecord | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.apiKeyLookup(hashApiKey(apiKey)) }));
  if (!Item) return undefined;
  const record = Item as unknown as ApiKeyRecord;
  if (record.revokedAt) return undefined;
  if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) return undefined;
  return {
    tenantId: record.tenantId,
    keyId: record.keyId,
    prefix: record.prefix,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
}
