import { randomBytes, createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import * as z from 'zod';
import { entitySchema, timestamp } from '../domain/entity-schema';
import { conflict } from '../errors';
import { entityOf, validEntity } from './entity';
import { TtlCache } from '../util/ttl-cache';
import { isConditionFailure, transactWrite } from './transact';
import { keys } from './keys';
import { queryAll, type TableRef } from './table-ref';

export interface ApiKeyRecord {
  tenantId: string;
  keyId: string;
  /** The first characters of the key, so an operator can tell keys apart without the secret. */
  prefix: string;
  createdAt: string;
  /** Set when the key is rotated: it keeps working until then, so tools can be moved over. */
  expiresAt?: string;
  revokedAt?: string;
  /** Who made the key (absent on keys made outside the API: the demo seed, tests): an admin sees whose keys to revoke. */
  createdBy?: KeyCreator;
}

/** The user who created or rotated a key, as they were then. */
export interface KeyCreator {
  userId: string;
  email: string;
}

/** Keys are random 256-bit secrets; only their SHA-256 is stored (a slow hash adds nothing at this entropy). */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `aw_${randomBytes(32).toString('base64url')}`;
}

/** The two items of a new key: the lookup by hash (ingestion) and the tenant's meta item (listing, revocation). */
function newKeyItems(table: TableRef, tenantId: string, now: Date, apiKey: string, createdBy: KeyCreator | undefined) {
  const keyHash = hashApiKey(apiKey);
  const record: ApiKeyRecord = {
    tenantId,
    keyId: ulid(now.getTime()),
    prefix: apiKey.slice(0, 10),
    createdAt: now.toISOString(),
    ...(createdBy ? { createdBy } : {}),
  };
  const items = [
    {
      Put: {
        TableName: table.tableName,
        Item: { ...keys.apiKeyLookup(keyHash), entity: 'apiKeyLookup', ...validEntity(apiKeyRecordSchema, record) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: table.tableName,
        Item: { ...keys.apiKeyMeta(tenantId, record.keyId), entity: 'apiKey', keyHash, ...validEntity(apiKeyRecordSchema, record) },
      },
    },
  ];
  return { record, items };
}

/** Creates a key for the tenant and returns it in plain text: the only time it is ever visible. */
export async function createApiKey(
  table: TableRef,
  tenantId: string,
  now: Date,
  options: { apiKey?: string; createdBy?: KeyCreator } = {},
): Promise<{ apiKey: string; record: ApiKeyRecord }> {
  const apiKey = options.apiKey ?? generateApiKey();
  const { record, items } = newKeyItems(table, tenantId, now, apiKey, options.createdBy);
  await transactWrite(table, items);
  return { apiKey, record };
}

const apiKeyRecordSchema = entitySchema<ApiKeyRecord>({
  tenantId: z.string().min(1),
  keyId: z.string().min(1),
  prefix: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.optional(),
  revokedAt: timestamp.optional(),
  createdBy: entitySchema<KeyCreator>({ userId: z.string().min(1), email: z.string() }).optional(),
});

/** The public fields of a stored key item (never its hash). */
function recordOf(item: Record<string, unknown>): ApiKeyRecord {
  return entityOf(apiKeyRecordSchema, item);
}

/** The tenant's meta item of a key: its public fields and the hash that finds its lookup item. */
const keyMetaSchema = z.object({ keyHash: z.string().min(1) });

/** The tenant's keys, oldest first (revoked and expired ones included, marked as such). */
export async function listApiKeys(table: TableRef, tenantId: string): Promise<ApiKeyRecord[]> {
  const { pk, skPrefix } = keys.apiKeysOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map(recordOf);
}

async function getKeyMeta(table: TableRef, tenantId: string, keyId: string): Promise<(ApiKeyRecord & { keyHash: string }) | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.apiKeyMeta(tenantId, keyId), ConsistentRead: true }),
  );
  return Item ? { ...recordOf(Item), keyHash: entityOf(keyMetaSchema, Item).keyHash } : undefined;
}

/** Sets one attribute on both items of a key, unless the key was revoked meanwhile. */
function setOnBothItems(
  table: TableRef,
  tenantId: string,
  keyId: string,
  keyHash: string,
  field: 'expiresAt' | 'revokedAt',
  value: string,
) {
  return [keys.apiKeyLookup(keyHash), keys.apiKeyMeta(tenantId, keyId)].map((key) => ({
    Update: {
      TableName: table.tableName,
      Key: key,
      UpdateExpression: 'SET #field = :value',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
      ExpressionAttributeNames: { '#field': field },
      ExpressionAttributeValues: { ':value': value },
    },
  }));
}

/**
 * Revokes a key now, on both items (ingestion reads the lookup item, listings the meta item).
 * Undefined when the tenant has no such key; revoking a revoked key changes nothing. A warm ingestion
 * function may keep accepting the key for up to 30 s (ApiKeyCache).
 */
export async function revokeApiKey(
  table: TableRef,
  tenantId: string,
  keyId: string,
  now: Date,
): Promise<{ before: ApiKeyRecord; after: ApiKeyRecord } | undefined> {
  const meta = await getKeyMeta(table, tenantId, keyId);
  if (!meta) return undefined;
  const { keyHash, ...before } = meta;
  if (before.revokedAt) return { before, after: before };
  const revokedAt = now.toISOString();
  try {
    await transactWrite(table, setOnBothItems(table, tenantId, keyId, keyHash, 'revokedAt', revokedAt));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const latest = await getKeyMeta(table, tenantId, keyId); // revoked concurrently: same outcome
    if (!latest) return undefined;
    const { keyHash: _hash, ...after } = latest;
    return { before, after };
  }
  return { before, after: { ...before, revokedAt } };
}

/**
 * Rotates a key: a new key (returned in plain text, once) and the old one expiring after
 * `overlapSeconds` (or earlier, if it already expired sooner), in one transaction. Undefined when the
 * tenant has no such key; a 409 when the old key is revoked or expired.
 */
export async function rotateApiKey(
  table: TableRef,
  tenantId: string,
  keyId: string,
  overlapSeconds: number,
  now: Date,
  createdBy?: KeyCreator,
): Promise<{ apiKey: string; record: ApiKeyRecord; previous: { before: ApiKeyRecord; after: ApiKeyRecord } } | undefined> {
  const meta = await getKeyMeta(table, tenantId, keyId);
  if (!meta) return undefined;
  const { keyHash, ...before } = meta;
  if (!isActive(before, now)) throw conflict(`This key is ${before.revokedAt ? 'revoked' : 'expired'}: create a new one instead`);
  const overlapEnd = new Date(now.getTime() + overlapSeconds * 1000).toISOString();
  const expiresAt = before.expiresAt && before.expiresAt < overlapEnd ? before.expiresAt : overlapEnd;
  const apiKey = generateApiKey();
  const { record, items } = newKeyItems(table, tenantId, now, apiKey, createdBy);
  try {
    await transactWrite(table, [...items, ...setOnBothItems(table, tenantId, keyId, keyHash, 'expiresAt', expiresAt)]);
  } catch (error) {
    if (isConditionFailure(error)) throw conflict('The key was revoked meanwhile: create a new one instead');
    throw error;
  }
  return { apiKey, record, previous: { before, after: { ...before, expiresAt } } };
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
  return Item ? recordOf(Item) : undefined;
}

export function isActive(record: ApiKeyRecord, now: Date): boolean {
  return !record.revokedAt && !(record.expiresAt && Date.parse(record.expiresAt) <= now.getTime());
}

/** The tenant a presented key belongs to, if the key exists and is neither revoked nor expired. */
export async function findActiveApiKey(table: TableRef, apiKey: string, now: Date): Promise<ApiKeyRecord | undefined> {
  const record = await lookup(table, hashApiKey(apiKey));
  return record && isActive(record, now) ? record : undefined;
}
