import { randomBytes, createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { TtlCache } from '../util/ttl-cache';
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

/**
 * Keys a warm ingestion function has seen recently, so a storm does not read the key on every
 * delivery. Only valid keys are kept, for 30 s: a revocation takes effect within that time.
 */
export class ApiKeyCache {
  private readonly cache: TtlCache<ApiKeyRecord | undefined>;

  constructor(table: TableRef, maxAgeMs = 30_000) {
    this.cache = new TtlCache(async (keyHash) => lookup(table, keyHash), maxAgeMs);
  }

  async find(apiKey: string, now: Date): Promise<ApiKeyRecord | undefined> {
    const keyHash = hashApiKey(apiKey);
    const record = await this.cache.get(keyHash);
    if (!record) this.cache.invalidate(keyHash);
    return record && isActive(record, now) ? record : undefined;
  }
}

async function lookup(table: TableRef, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.apiKeyLookup(keyHash) }));
  if (!Item) return undefined;
  const { tenantId, keyId, prefix, createdAt, expiresAt, revokedAt } = Item as unknown as ApiKeyRecord;
  return { tenantId, keyId, prefix, createdAt, ...(expiresAt ? { expiresAt } : {}), ...(revokedAt ? { revokedAt } : {}) };
}

function isActive(record: ApiKeyRecord, now: Date): boolean {
  return !record.revokedAt && !(record.expiresAt && Date.parse(record.expiresAt) <= now.getTime());
}

/** The tenant a presented key belongs to, if the key exists and is neither revoked nor expired. */
export async function findActiveApiKey(table: TableRef, apiKey: string, now: Date): Promise<ApiKeyRecord | undefined> {
  const record = await lookup(table, hashApiKey(apiKey));
  return record && isActive(record, now) ? record : undefined;
}
