import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { userPhoneSchema, type PendingPhone, type UserPhone } from '../domain/notify/phone';
import { entityOf, validEntity } from './entity';
import { keys } from './keys';
import type { TableRef } from './table-ref';
import { isConditionFailure, transactWrite, type TransactItem } from './transact';
import { getUser, type StoredUser } from './users';

/**
 * Users' phone numbers: one item per user (the verified number and a pending verification) and, per
 * verified number, an owner item that keeps numbers unique and tells whose number an SMS reply came from.
 */
const phoneOwnerSchema = z.object({ userId: z.string().min(1) });

export class PhoneTakenError extends Error {}

export async function getUserPhone(table: TableRef, userId: string): Promise<UserPhone | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.userPhone(userId) }));
  return entityOf(userPhoneSchema, Item);
}

function phoneItem(phone: UserPhone) {
  return { ...keys.userPhone(phone.userId), entity: 'userPhone', ...validEntity(userPhoneSchema, phone) };
}

/** Stores a verification under way (replacing any earlier one); the verified number stays usable meanwhile. */
export async function putPendingPhone(table: TableRef, userId: string, pending: PendingPhone, at: Date): Promise<void> {
  const current = await getUserPhone(table, userId);
  const next: UserPhone = { ...(current ?? { userId }), userId, pending, updatedAt: at.toISOString() };
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: phoneItem(next) }));
}

/** Counts a wrong code. */
export async function putPhoneState(table: TableRef, phone: UserPhone): Promise<void> {
  await table.db.send(new PutCommand({ TableName: table.tableName, Item: phoneItem(phone) }));
}

/**
 * The pending number becomes the user's verified number: its owner item is claimed (refused when another
 * user verified it), the previous number's released.
 */
export async function confirmPhone(table: TableRef, phone: UserPhone, at: Date): Promise<UserPhone> {
  const number = phone.pending?.number;
  if (!number) throw new Error('No verification is under way');
  const next: UserPhone = { userId: phone.userId, number, verifiedAt: at.toISOString(), updatedAt: at.toISOString() };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: { ...keys.phoneOwner(number), entity: 'phoneOwner', userId: phone.userId },
        ConditionExpression: 'attribute_not_exists(pk) OR userId = :me',
        ExpressionAttributeValues: { ':me': phone.userId },
      },
    },
    { Put: { TableName: table.tableName, Item: phoneItem(next) } },
  ];
  if (phone.number && phone.number !== number)
    items.push({
      Delete: {
        TableName: table.tableName,
        Key: keys.phoneOwner(phone.number),
        ConditionExpression: 'userId = :me',
        ExpressionAttributeValues: { ':me': phone.userId },
      },
    });
  try {
    await transactWrite(table, items);
  } catch (error) {
    if (isConditionFailure(error)) throw new PhoneTakenError('Another user verified this number');
    throw error;
  }
  return next;
}

/** Forgets the user's number (verified and pending). */
export async function removeUserPhone(table: TableRef, userId: string): Promise<void> {
  const current = await getUserPhone(table, userId);
  if (current?.number)
    await table.db
      .send(
        new DeleteCommand({
          TableName: table.tableName,
          Key: keys.phoneOwner(current.number),
          ConditionExpression: 'userId = :me',
          ExpressionAttributeValues: { ':me': userId },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: keys.userPhone(userId) }));
}

/** The user who verified `e164` (and still has it verified), for an SMS reply; undefined for anyone else's number. */
export async function findUserByVerifiedPhone(table: TableRef, e164: string): Promise<(StoredUser & { phone: UserPhone }) | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.phoneOwner(e164) }));
  const owner = entityOf(phoneOwnerSchema, Item);
  if (!owner) return undefined;
  const [user, phone] = await Promise.all([getUser(table, owner.userId), getUserPhone(table, owner.userId)]);
  if (!user || phone?.number !== e164 || !phone.verifiedAt) return undefined;
  return { ...user, phone };
}
