import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { entitySchema, timestamp } from '../domain/entity-schema';
import type { ProofKey } from '../domain/refresh-proof';
import { proofKeySchema } from '../domain/refresh-proof-schemas';
import { entityOf, validEntity } from './entity';
import { isConditionFailure } from './transact';
import { keys, ttlAfter } from './keys';
import { queryAll, type TableRef } from './table-ref';

export const REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 3600;

/**
 * A refresh-token family: one per login. Only the hash of the family's current token is kept, so
 * rotation can tell the current token from a spent one: presenting a spent one revokes the family.
 */
export interface SessionFamily {
  familyId: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedReason?: string;
  /** The key its refresh tokens are bound to (lib/domain/refresh-proof.ts), when the client sent one. */
  proofKey?: ProofKey;
}

const sessionFamilySchema = entitySchema<SessionFamily>({
  familyId: z.string().min(1),
  userId: z.string().min(1),
  tokenHash: z.string().min(1),
  createdAt: timestamp,
  expiresAt: timestamp,
  revokedAt: timestamp.optional(),
  revokedReason: z.string().optional(),
  proofKey: proofKeySchema.optional(),
});

export async function createSession(table: TableRef, session: SessionFamily): Promise<void> {
  const createdAt = new Date(session.createdAt);
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...keys.session(session.familyId),
        ...keys.sessionOfUserEntry(session.userId, session.createdAt),
        entity: 'session',
        ttl: ttlAfter(createdAt, REFRESH_TOKEN_TTL_SECONDS),
        ...validEntity(sessionFamilySchema, session),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export async function getSession(table: TableRef, familyId: string): Promise<SessionFamily | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.session(familyId), ConsistentRead: true }));
  return entityOf(sessionFamilySchema, Item);
}

/** Moves the family to its next token, only if `currentHash` is still its token. False when it was not. */
export async function rotateSession(table: TableRef, familyId: string, currentHash: string, nextHash: string): Promise<boolean> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.session(familyId),
        UpdateExpression: 'SET tokenHash = :next',
        ConditionExpression: 'tokenHash = :current AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':next': nextHash, ':current': currentHash },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function revokeSession(table: TableRef, familyId: string, reason: string, now: Date): Promise<void> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.session(familyId),
        UpdateExpression: 'SET revokedAt = :now, revokedReason = :reason',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':reason': reason },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error; // unknown or already revoked: nothing to do
  }
}

/** Revokes every session of the user; returns how many were still active. */
export async function revokeAllSessions(table: TableRef, userId: string, reason: string, now: Date): Promise<number> {
  const families = await queryAll(table, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.sessionsOfUser(userId).gsi1pk },
  });
  const active = families.map((item) => entityOf(sessionFamilySchema, item)).filter((family) => !family.revokedAt);
  await Promise.all(active.map((family) => revokeSession(table, family.familyId, reason, now)));
  return active.length;
}

/** Failed logins per email: drives the backoff and the temporary lockout. */
const loginFailuresSchema = z.object({ count: z.number().int().min(0).default(0), lockedUntil: timestamp.optional() });
export type LoginFailures = z.output<typeof loginFailuresSchema>;

export async function getLoginFailures(table: TableRef, email: string): Promise<LoginFailures> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.loginFailures(email), ConsistentRead: true }),
  );
  return entityOf(loginFailuresSchema, Item ?? {});
}

export async function recordLoginFailure(table: TableRef, email: string, lockedUntil: Date | undefined, now: Date): Promise<void> {
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.loginFailures(email),
      UpdateExpression: `SET entity = :entity, #ttl = :ttl${lockedUntil ? ', lockedUntil = :locked' : ''} ADD #count :one`,
      ExpressionAttributeNames: { '#ttl': 'ttl', '#count': 'count' },
      ExpressionAttributeValues: {
        ':entity': 'loginFailures',
        ':ttl': ttlAfter(now, 24 * 3600),
        ':one': 1,
        ...(lockedUntil ? { ':locked': lockedUntil.toISOString() } : {}),
      },
    }),
  );
}

export async function clearLoginFailures(table: TableRef, email: string): Promise<void> {
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: keys.loginFailures(email) }));
}
