import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, ttlAfter } from './keys';
import type { TableRef } from './table-ref';

export const REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 3600;

/**
 * A refresh-token family: one per login. Only the hash of the family's current token is kept, so
 * rotation can tell a fresh token from a spent one (reuse detection comes with the auth API).
 */
export interface SessionFamily {
  familyId: string;
  userId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
}

export async function createSession(table: TableRef, session: SessionFamily): Promise<void> {
  const createdAt = new Date(session.createdAt);
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...keys.session(session.familyId),
        ...keys.sessionsOfUser(session.userId),
        gsi1sk: session.createdAt,
        entity: 'session',
        ttl: ttlAfter(createdAt, REFRESH_TOKEN_TTL_SECONDS),
        ...session,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}
