import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { userSchema, type User } from '../domain/user';
import { conflict } from '../errors';
import { keys } from './keys';
import { entityOf, updatedEntity, validEntity } from './entity';
import { queryAll, type TableRef } from './table-ref';
import { isConditionFailure, transactWrite } from './transact';

/**
 * The user as stored: `authVersion` moves on whenever the user's access changes (role, tenants): access
 * tokens carry the version they were made with, and an older one is refused (lib/auth/access.ts).
 */
export const storedUserSchema = userSchema.extend({ passwordHash: z.string().min(1), authVersion: z.number().int().min(0).optional() });
export type StoredUser = z.output<typeof storedUserSchema>;

/** The item that makes an email address unique: which user has it. */
const userEmailSchema = z.object({ userId: z.string().min(1) });

/** Creates a user; the email item makes addresses unique across the MSP. */
export async function createUser(table: TableRef, user: StoredUser): Promise<void> {
  try {
    await transactWrite(table, [
      {
        Put: {
          TableName: table.tableName,
          Item: { ...keys.userEmail(user.email), entity: 'userEmail', userId: user.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table.tableName,
          Item: { ...keys.user(user.id), ...keys.userDirectoryEntry(user.email), entity: 'user', ...validEntity(storedUserSchema, user) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  } catch (error) {
    if (isConditionFailure(error)) throw conflict('A user with this email exists');
    throw error;
  }
}

export async function getUser(table: TableRef, userId: string): Promise<StoredUser | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.user(userId) }));
  return entityOf(storedUserSchema, Item);
}

export async function findUserByEmail(table: TableRef, email: string): Promise<StoredUser | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.userEmail(email) }));
  if (!Item) return undefined;
  return getUser(table, entityOf(userEmailSchema, Item).userId);
}

/** Every user of the MSP, by email (the gsi1 directory MSP#USERS). */
export async function listUsers(table: TableRef): Promise<StoredUser[]> {
  const items = await queryAll(table, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.userDirectory().gsi1pk },
  });
  return items.map((item) => entityOf(storedUserSchema, item));
}

export type UserChanges = Partial<Pick<User, 'name' | 'role' | 'tenantIds' | 'skills'>>;

/** What a change was authorized against: the write fails (409) if the user's role or tenants moved meanwhile. */
export type UserGuard = Pick<User, 'role' | 'tenantIds'>;

function guardCondition(guard: UserGuard | undefined): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  return guard
    ? {
        expression: 'attribute_exists(pk) AND #role = :expectedRole AND #tenantIds = :expectedTenantIds',
        names: { '#role': 'role', '#tenantIds': 'tenantIds' },
        values: { ':expectedRole': guard.role, ':expectedTenantIds': guard.tenantIds },
      }
    : { expression: 'attribute_exists(pk)', names: {}, values: {} };
}

function raceConflict(error: unknown): never {
  if (isConditionFailure(error)) throw conflict('The user was changed or deleted meanwhile: reload and retry');
  throw error;
}

/** The update that moves a user's access version on (tokens made before it stop working: lib/auth/access.ts). */
const NEXT_AUTH_VERSION = {
  set: '#authVersion = if_not_exists(#authVersion, :zero) + :one',
  names: { '#authVersion': 'authVersion' },
  values: { ':zero': 0, ':one': 1 },
};
/**
 * Changes a user's name, role, tenants or skills (never the email or password hash); returns the user as
 * stored. A new role or tenant list moves the user's access version on in the same write, so every access
 * token made before stops working (lib/auth/access.ts).
 */
export async function updateUser(table: TableRef, userId: string, changes: UserChanges, guard?: UserGuard): Promise<StoredUser> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  const condition = guardCondition(guard);
  if (!entries.length) {
    const user = await getUser(table, userId);
    if (!user) throw conflict('The user was deleted meanwhile');
    return user;
  }
  const names: Record<string, string> = { ...condition.names };
  const values: Record<string, unknown> = { ...condition.values };
  const sets = entries.map(([field, value]) => {
    names[`#set_${field}`] = field;
    values[`:set_${field}`] = value;
    return `#set_${field} = :set_${field}`;
  });
  if (changes.role !== undefined || changes.tenantIds !== undefined) {
    Object.assign(names, NEXT_AUTH_VERSION.names);
    Object.assign(values, NEXT_AUTH_VERSION.values);
    sets.push(NEXT_AUTH_VERSION.set);
  }
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.user(userId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return updatedEntity(storedUserSchema, Attributes);
  } catch (error) {
    return raceConflict(error);
  }
}

/**
 * The user's access version, or null when the user does not exist. Reads only the key and the version
 * (the realtime functions may read nothing else of a user: infra/constructs/functions.ts).
 */
export async function getAccessVersion(table: TableRef, userId: string): Promise<number | null> {
  const { Item } = await table.db.send(
    new GetCommand({
      TableName: table.tableName,
      Key: keys.user(userId),
      ProjectionExpression: '#pk, #authVersion',
      ExpressionAttributeNames: { '#pk': 'pk', '#authVersion': 'authVersion' },
      ConsistentRead: true,
    }),
  );
  if (!Item) return null;
  return typeof Item.authVersion === 'number' ? Item.authVersion : 0;
}

/**
 * Moves the user's access version on without changing anything else ("sign out everywhere"): every
 * access token made before stops working within lib/auth/access.ts's few seconds. Nothing when the user is gone.
 */
export async function revokeAccessTokens(table: TableRef, userId: string): Promise<void> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.user(userId),
        UpdateExpression: `SET ${NEXT_AUTH_VERSION.set}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: NEXT_AUTH_VERSION.names,
        ExpressionAttributeValues: NEXT_AUTH_VERSION.values,
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Deletes the user and its email item together (the email becomes free again). */
export async function deleteUser(table: TableRef, user: Pick<User, 'id' | 'email'>, guard?: UserGuard): Promise<void> {
  const condition = guardCondition(guard);
  try {
    await transactWrite(table, [
      {
        Delete: {
          TableName: table.tableName,
          Key: keys.user(user.id),
          ConditionExpression: condition.expression,
          ...(guard ? { ExpressionAttributeNames: condition.names, ExpressionAttributeValues: condition.values } : {}),
        },
      },
      {
        Delete: {
          TableName: table.tableName,
          Key: keys.userEmail(user.email),
          ConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': user.id },
        },
      },
    ]);
  } catch (error) {
    raceConflict(error);
  }
}
