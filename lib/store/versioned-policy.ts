import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { logger } from '../observability';
import { changeStampSchema, entityOf } from './entity';
import type { TableRef } from './table-ref';
import { isConditionFailure } from './transact';

/**
 * A tenant's policy item (correlation, remediation, SLA, escalation): one item with the policy and a
 * version. A write names the version it read (0: none stored yet), so two admins editing at once never
 * overwrite each other silently: the second gets a conflict and reads again.
 */
export interface StoredPolicy<T> {
  policy: T;
  /** 0 when the tenant never set one; a write must name the version it read. */
  version: number;
  updatedAt?: string;
  updatedBy?: string;
}

/** What a kind of policy is: where it is stored, how it is parsed, what applies when none is stored. */
export interface VersionedPolicyDefinition<T> {
  /** The item's `entity`, and the resource type its changes are audited under. */
  entity: string;
  key: (tenantId: string) => { pk: string; sk: string };
  /** Parses the stored policy (filling in defaults a stored one leaves out). */
  schema: z.ZodType<T>;
  defaults: T;
  /** How the log names it ("SLA policy"). */
  what: string;
  /** What is stored of a policy; the policy as given unless said otherwise (the correlation policy keeps only its changes). */
  stored?: (policy: T) => unknown;
}

/** A kind of policy with its reads and writes. */
export interface VersionedPolicy<T> extends VersionedPolicyDefinition<T> {
  /** The stored policy; the defaults (version 0) when there is none. */
  get(table: TableRef, tenantId: string): Promise<StoredPolicy<T>>;
  /** Stores `policy` if the stored one is still at `expectedVersion` (0: none yet); false on a conflict. */
  put(table: TableRef, tenantId: string, policy: T, updatedBy: string, now: Date, expectedVersion: number): Promise<boolean>;
}

export function versionedPolicy<T>(definition: VersionedPolicyDefinition<T>): VersionedPolicy<T> {
  return {
    ...definition,
    get: (table, tenantId) => getVersionedPolicy(table, definition, tenantId),
    put: (table, tenantId, policy, updatedBy, now, expectedVersion) =>
      putVersionedPolicy(
        table,
        definition.key(tenantId),
        { entity: definition.entity, tenantId, policy: definition.stored ? definition.stored(policy) : policy, updatedBy, now },
        expectedVersion,
      ),
  };
}

/** The policy item; the policy itself is parsed by its own schema, apart, so that one an older version wrote falls back. */
const storedPolicySchema = changeStampSchema.extend({ policy: z.unknown(), version: z.number().int().min(1).default(1) });

/**
 * The stored policy, parsed; the defaults when there is none, or when what is stored no longer parses
 * (written by an older version with a field since removed or narrowed): the service then runs on the
 * defaults and says so in the log.
 */
async function getVersionedPolicy<T>(
  table: TableRef,
  { key, schema, defaults, what }: VersionedPolicyDefinition<T>,
  tenantId: string,
): Promise<StoredPolicy<T>> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: key(tenantId), ConsistentRead: true }));
  if (!Item) return { policy: defaults, version: 0 };
  const { policy, version, ...changed } = entityOf(storedPolicySchema, Item);
  const parsed = schema.safeParse(policy);
  if (!parsed.success) {
    logger.warn(`Stored ${what} is not valid any more; using the defaults`, { tenantId });
    return { policy: defaults, version };
  }
  return { policy: parsed.data, version, ...changed };
}

async function putVersionedPolicy(
  table: TableRef,
  key: { pk: string; sk: string },
  item: { entity: string; tenantId: string; policy: unknown; updatedBy: string; now: Date },
  expectedVersion: number,
): Promise<boolean> {
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...key,
          entity: item.entity,
          tenantId: item.tenantId,
          policy: item.policy,
          version: expectedVersion + 1,
          updatedAt: item.now.toISOString(),
          updatedBy: item.updatedBy,
        },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
