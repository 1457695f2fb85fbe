import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { channelSettingsSchema, type ChannelSettings } from '../domain/notify/channel-settings';
import {
  deliveryReceiptSchema,
  notificationDeliverySchema,
  type DeliveryReceipt,
  type DeliveryStatus,
  type NotificationChannel,
  type NotificationDelivery,
} from '../domain/notify/delivery';
import { logger } from '../observability';
import { keys, ttlAfter } from './keys';
import { changeStampSchema, entityOf, validEntity } from './entity';
import { queryPage, type TableRef } from './table-ref';
import { isConditionFailure } from './transact';

/**
 * Notification state: one delivery record per recipient × channel of every
 * notification sent by lib/notify/deliver.ts, and the tenant's channel settings (its Slack and Teams
 * incoming webhooks, its signed generic webhook, its email sender). The webhook URLs and the signing
 * secret are secrets (a Slack or Teams webhook URL is its own credential): the API shows
 * `publicChannelSettings` only, and no log line or delivery record ever carries them.
 */

/** Delivery records expire after this long (DynamoDB TTL). */
export const NOTIFICATION_RETENTION_SECONDS = 90 * 24 * 3600;

/** The recipient of a tenant-wide delivery (the generic webhook) that no user asked for. */
export const TENANT_RECIPIENT = 'tenant';

const BATCH_SIZE = 25;

/** Stores delivery records (batched; DynamoDB's unprocessed items are retried a few times). */
export async function putNotificationDeliveries(table: TableRef, records: readonly NotificationDelivery[]): Promise<void> {
  for (let start = 0; start < records.length; start += BATCH_SIZE) {
    let requests: Array<Record<string, unknown>> = records.slice(start, start + BATCH_SIZE).map((record) => ({
      PutRequest: {
        Item: {
          ...keys.notificationDelivery(record.tenantId, record.id),
          entity: 'notificationDelivery',
          ...validEntity(notificationDeliverySchema, record),
          ttl: ttlAfter(new Date(record.createdAt), NOTIFICATION_RETENTION_SECONDS),
        },
      },
    }));
    for (let round = 0; requests.length > 0; round++) {
      if (round > 0) await sleep(Math.min(1_000, 50 * 2 ** round));
      if (round === 6) throw new Error(`DynamoDB left ${requests.length} delivery records unprocessed`);
      const { UnprocessedItems } = await table.db.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: requests as never } }));
      requests = (UnprocessedItems?.[table.tableName] ?? []) as Array<Record<string, unknown>>;
    }
  }
}

export interface NotificationDeliveryFilter {
  incidentId?: string;
  notificationId?: string;
  recipient?: string;
  channel?: NotificationChannel;
  status?: DeliveryStatus;
}

/** A page of the tenant's delivery records, newest first, filtered; `cursor` continues where the last page ended. */
export async function listNotificationDeliveries(
  table: TableRef,
  tenantId: string,
  filter: NotificationDeliveryFilter,
  page: { limit: number; cursor?: Record<string, unknown> },
): Promise<{ deliveries: NotificationDelivery[]; cursor?: Record<string, unknown> }> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': keys.notificationDeliveriesOf(tenantId).pk };
  const conditions: string[] = [];
  for (const field of ['incidentId', 'notificationId', 'recipient', 'channel', 'status'] as const) {
    const value = filter[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    conditions.push(`#${field} = :${field}`);
  }
  const result = await queryPage(
    table,
    {
      KeyConditionExpression: 'pk = :pk',
      ScanIndexForward: false,
      ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
    page,
  );
  return {
    deliveries: result.items.map((item) => entityOf(notificationDeliverySchema, item)),
    ...(result.cursor ? { cursor: result.cursor } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Channel settings

export interface PublicChannelSettings {
  slack?: { webhookUrl: string };
  teams?: { webhookUrl: string };
  webhook?: { url: string; secretSet: true };
  emailSender?: string;
  updatedAt?: string;
  updatedBy?: string;
}

/** `https://hooks.slack.com/…/XXXX`: the origin and the last 4 characters, enough to tell URLs apart. */
export function maskUrl(url: string): string {
  const last = url.length > 12 ? url.slice(-4) : '';
  try {
    const { origin } = new URL(url);
    return `${origin}/…${last ? `/${last}` : ''}`;
  } catch {
    return `…${last}`;
  }
}

/** What the API shows: the URLs masked, the signing secret never. */
export function publicChannelSettings(settings: ChannelSettings & { updatedAt?: string; updatedBy?: string }): PublicChannelSettings {
  return {
    ...(settings.slack ? { slack: { webhookUrl: maskUrl(settings.slack.webhookUrl) } } : {}),
    ...(settings.teams ? { teams: { webhookUrl: maskUrl(settings.teams.webhookUrl) } } : {}),
    ...(settings.webhook ? { webhook: { url: maskUrl(settings.webhook.url), secretSet: true as const } } : {}),
    ...(settings.emailSender ? { emailSender: settings.emailSender } : {}),
    ...(settings.updatedAt ? { updatedAt: settings.updatedAt } : {}),
    ...(settings.updatedBy ? { updatedBy: settings.updatedBy } : {}),
  };
}

export type StoredChannelSettings = ChannelSettings & { updatedAt?: string; updatedBy?: string };

/** The channel settings item; the settings are parsed apart, so that ones an older version wrote count as none, not an error. */
const storedChannelSettingsSchema = changeStampSchema.extend({ settings: z.unknown() });

/** The tenant's channel settings (empty when it has none; a stored value that no longer validates counts as none). */
export async function getChannelSettings(table: TableRef, tenantId: string): Promise<StoredChannelSettings> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.notificationChannels(tenantId) }));
  if (!Item) return {};
  const stored = entityOf(storedChannelSettingsSchema, Item);
  const parsed = channelSettingsSchema.safeParse(stored.settings);
  if (!parsed.success) {
    logger.warn('Stored notification channel settings are not valid any more; ignoring them', {
      tenantId,
      issues: parsed.error.issues.length,
    });
    return {};
  }
  const { settings: _settings, ...changed } = stored;
  return { ...parsed.data, ...changed };
}

/** Replaces the tenant's channel settings (validated: throws a ZodError on invalid input). */
export async function putChannelSettings(
  table: TableRef,
  tenantId: string,
  settings: z.input<typeof channelSettingsSchema>,
  change: { updatedBy: string; now: Date },
): Promise<StoredChannelSettings> {
  const valid = channelSettingsSchema.parse(settings);
  const updatedAt = change.now.toISOString();
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...keys.notificationChannels(tenantId),
        entity: 'notificationChannels',
        tenantId,
        settings: valid,
        updatedAt,
        updatedBy: change.updatedBy,
      },
    }),
  );
  return { ...valid, updatedAt, updatedBy: change.updatedBy };
}

export async function deleteChannelSettings(table: TableRef, tenantId: string): Promise<void> {
  await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: keys.notificationChannels(tenantId) }));
}

/**
 * Records a carrier's delivery status on an SMS or voice delivery: only on the record that sent that very
 * message (its provider id), and never an older status over a newer one (events may arrive out of order).
 * `missing` when the record is not stored yet (a status can come before `deliver` stores its records),
 * `refused` when the record is another message's or has a newer status.
 */
export async function recordDeliveryReceipt(
  table: TableRef,
  tenantId: string,
  deliveryId: string,
  messageId: string,
  receipt: DeliveryReceipt,
): Promise<'recorded' | 'missing' | 'refused'> {
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.notificationDelivery(tenantId, deliveryId),
        UpdateExpression: 'SET receipt = :receipt',
        ConditionExpression: 'attribute_exists(pk) AND providerId = :messageId AND (attribute_not_exists(receipt) OR receipt.#at <= :at)',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':receipt': deliveryReceiptSchema.parse(receipt), ':messageId': messageId, ':at': receipt.at },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'recorded';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (error as { Item?: unknown }).Item ? 'refused' : 'missing';
  }
}
