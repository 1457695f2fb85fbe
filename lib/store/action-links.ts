import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { actionLinkSchema, type ActionLink, type ActionLinkAction } from '../domain/notify/action-link';
import { entityOf, updatedEntity, validEntity } from './entity';
import { keys, ttlAfter } from './keys';
import type { TableRef } from './table-ref';
import { isConditionFailure, transactWrite, type TransactItem } from './transact';

/**
 * One-tap action links (lib/domain/notify/action-link.ts), one item each, found by the id its token names:
 *
 * | entity              | pk                 | sk                    | ttl                   |
 * |---------------------|--------------------|-----------------------|-----------------------|
 * | action link         | MSP#LINK#linkId              | LINK              | a day after it expires |
 * | SMS link of a user  | MSP#USER#userId#SMSLINKS     | createdAt#linkId  | a day after it expires |
 *
 * The second item is written for links sent by SMS only: a two-way SMS reply ("ACK") acts on the newest
 * one sent to the user who replied (latestLinkFor). Each action is taken once per link: claimAction
 * records it with a condition, so a second POST of the same action (a double tap, a replay) is told so.
 */

const LINK_ENTITY = 'actionLink';
const USER_LINK_ENTITY = 'actionLinkOfUser';
/** Items outlive their link by a day (DynamoDB's TTL deletes them up to a couple of days late anyway). */
const TTL_AFTER_EXPIRY_SECONDS = 24 * 60 * 60;

const linkKeys = { link: keys.actionLink, linksOfUser: keys.smsLinksOf, linkOfUser: keys.smsLinkOf };

const userLinkSchema = z.object({ linkId: z.string().min(1), createdAt: z.string(), expiresAt: z.string() });

/** Stores a new link (with its entry in the user's SMS links when it went by SMS); its id must be new. */
export async function putActionLink(table: TableRef, link: ActionLink): Promise<void> {
  const entity = validEntity(actionLinkSchema, link);
  const ttl = ttlAfter(new Date(entity.expiresAt), TTL_AFTER_EXPIRY_SECONDS);
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: { ...linkKeys.link(entity.linkId), entity: LINK_ENTITY, ...entity, ttl },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  if (entity.channel === 'sms') {
    items.push({
      Put: {
        TableName: table.tableName,
        Item: {
          ...linkKeys.linkOfUser(entity.userId, entity.createdAt, entity.linkId),
          entity: USER_LINK_ENTITY,
          linkId: entity.linkId,
          createdAt: entity.createdAt,
          expiresAt: entity.expiresAt,
          ttl,
        },
      },
    });
  }
  await transactWrite(table, items);
}

export async function getActionLink(table: TableRef, linkId: string): Promise<ActionLink | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: linkKeys.link(linkId), ConsistentRead: true }));
  return entityOf(actionLinkSchema, Item);
}

export type ClaimResult =
  | { claimed: true; link: ActionLink }
  /** `used`: this action was already taken through the link (`link.used[action]` says when). */
  | { claimed: false; reason: 'used' | 'expired'; link: ActionLink }
  | { claimed: false; reason: 'not-found' };

/**
 * Records that `action` is being taken through the link at `at`: only if the link exists, has not expired
 * and was not used for this action before (one conditional update, so two taps at once claim it once).
 */
export async function claimAction(table: TableRef, linkId: string, action: ActionLinkAction, at: Date): Promise<ClaimResult> {
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: linkKeys.link(linkId),
        UpdateExpression: 'SET #used.#action = :use',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#used.#action) AND #expiresAt > :now',
        ExpressionAttributeNames: { '#used': 'used', '#action': action, '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':use': { at: at.toISOString() }, ':now': at.toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { claimed: true, link: updatedEntity(actionLinkSchema, Attributes) };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const link = await getActionLink(table, linkId);
  if (!link) return { claimed: false, reason: 'not-found' };
  if (link.used[action]) return { claimed: false, reason: 'used', link };
  return { claimed: false, reason: 'expired', link };
}

/** Undoes a claim made at `at` (the action then failed before anything was done): the action can be tried again. */
export async function releaseAction(table: TableRef, linkId: string, action: ActionLinkAction, at: Date): Promise<void> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: linkKeys.link(linkId),
        UpdateExpression: 'REMOVE #used.#action',
        ConditionExpression: '#used.#action.#at = :at',
        ExpressionAttributeNames: { '#used': 'used', '#action': action, '#at': 'at' },
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  } catch (error) {
    // Someone else's claim (or the link is gone): not ours to undo.
    if (!isConditionFailure(error)) throw error;
  }
}

/** The newest link sent to the user by SMS at or after `since` that has not expired by then, if any. */
export async function latestLinkFor(table: TableRef, userId: string, since: Date): Promise<ActionLink | undefined> {
  const { Items } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': linkKeys.linksOfUser(userId).pk, ':since': since.toISOString() },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const entry = Items?.[0];
  if (!entry) return undefined;
  const { linkId } = userLinkSchema.parse(entry);
  return getActionLink(table, linkId);
}
