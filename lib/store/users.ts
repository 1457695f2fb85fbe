import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { User } from '../domain/user';
import { conflict } from '../errors';
import { keys } from './keys';
import { entityOf, type TableRef } from './table-ref';

export type StoredUser = User & { passwordHash: string };

/** Creates a user; the email item makes addresses unique across the MSP. */
export async function createUser(table: TableRef, user: StoredUser): Promise<void> {
  try {
    await table.db.send(
      new TransactWriteCommand({
        TransactItems: [
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
              Item: { ...keys.user(user.id), gsi1pk: keys.userDirectory().gsi1pk, gsi1sk: user.email, entity: 'user', ...user },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
    if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) throw conflict('A user with this email exists');
    throw error;
  }
}

export async function getUser(table: TableRef, userId: string): Promise<StoredUser | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.user(userId) }));
  return entityOf<StoredUser>(Item);
}

export async function findUserByEmail(table: TableRef, email: string): Promise<StoredUser | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.userEmail(email) }));
  if (!Item) return undefined;
  return getUser(table, Item.userId as string);
}
