import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { entitySchema, timestamp } from '../domain/entity-schema';
import { entityOf, validEntity } from './entity';
import { transactWrite } from './transact';
import { keys } from './keys';
import { queryAll, type TableRef } from './table-ref';

/** Default per-tenant ingestion limit (600 alerts a minute with a burst of 200). */
export const DEFAULT_RATE_LIMIT = { perMinute: 600, burst: 200 } as const;

export interface HmacSettings {
  secret: string;
  /** Kept valid until `previousExpiresAt` after a rotation, so senders can switch over. */
  previousSecret?: string;
  previousExpiresAt?: string;
  /** When true, unsigned deliveries are refused. */
  required: boolean;
}

const hmacSettingsSchema = entitySchema<HmacSettings>({
  secret: z.string().min(1),
  previousSecret: z.string().min(1).optional(),
  previousExpiresAt: timestamp.optional(),
  required: z.boolean().default(false),
});

const rateLimitSchema = z.object({ perMinute: z.number().positive(), burst: z.number().positive() });
const snsTopicSchema = z.object({ topicArn: z.string().min(1) });
/** The account of a registration, and (on the lookup item) the tenant it belongs to. */
const awsAccountSchema = z.object({ tenantId: z.string().min(1), accountId: z.string().min(1) });

export interface IngestSettings {
  hmac?: HmacSettings;
  rateLimit: { perMinute: number; burst: number };
  /** SNS topics whose subscription confirmations this tenant accepts. */
  snsTopicArns: string[];
  /** AWS accounts whose CloudWatch alarm events (EventBridge) belong to this tenant. */
  awsAccountIds: string[];
}

/** Everything ingestion needs to know about a tenant, in one query on its partition. */
export async function getIngestSettings(table: TableRef, tenantId: string): Promise<IngestSettings> {
  const { pk, skPrefix } = keys.integrationSettingsOf(tenantId);
  const Items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  const settings: IngestSettings = { rateLimit: { ...DEFAULT_RATE_LIMIT }, snsTopicArns: [], awsAccountIds: [] };
  for (const item of Items) {
    const sk = String(item.sk);
    if (sk === keys.hmacSecret(tenantId).sk) settings.hmac = entityOf(hmacSettingsSchema, item);
    else if (sk === keys.rateLimitSettings(tenantId).sk) settings.rateLimit = entityOf(rateLimitSchema, item);
    else if (sk.startsWith(keys.snsTopic(tenantId, '').sk)) settings.snsTopicArns.push(entityOf(snsTopicSchema, item).topicArn);
    else if (sk.startsWith(keys.awsAccount(tenantId, '').sk)) settings.awsAccountIds.push(entityOf(awsAccountSchema, item).accountId);
  }
  return settings;
}

export async function putHmacSettings(table: TableRef, tenantId: string, hmac: HmacSettings): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.hmacSecret(tenantId), entity: 'hmacSecret', tenantId, ...validEntity(hmacSettingsSchema, hmac) },
    }),
  );
}

/** Replaces the signing secret; the old one keeps verifying for `overlapSeconds`. */
export async function rotateHmacSecret(
  table: TableRef,
  tenantId: string,
  newSecret: string,
  overlapSeconds: number,
  now: Date,
): Promise<void> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.hmacSecret(tenantId), ConsistentRead: true }),
  );
  const current = entityOf(hmacSettingsSchema, Item);
  await putHmacSettings(table, tenantId, {
    secret: newSecret,
    required: current?.required ?? false,
    ...(current
      ? { previousSecret: current.secret, previousExpiresAt: new Date(now.getTime() + overlapSeconds * 1000).toISOString() }
      : {}),
  });
}

export async function putRateLimit(table: TableRef, tenantId: string, rateLimit: { perMinute: number; burst: number }): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.rateLimitSettings(tenantId), entity: 'rateLimit', tenantId, ...validEntity(rateLimitSchema, rateLimit) },
    }),
  );
}

export async function registerSnsTopic(table: TableRef, tenantId: string, topicArn: string): Promise<void> {
  await table.db.send(
    new PutCommand({ TableName: table.tableName, Item: { ...keys.snsTopic(tenantId, topicArn), entity: 'snsTopic', tenantId, topicArn } }),
  );
}

/** Registers a client AWS account for CloudWatch alarm events; an account belongs to one tenant only. */
export async function registerAwsAccount(table: TableRef, tenantId: string, accountId: string): Promise<void> {
  await transactWrite(table, [
    {
      Put: {
        TableName: table.tableName,
        Item: { ...keys.awsAccountLookup(accountId), entity: 'awsAccountLookup', tenantId, accountId },
        ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
        ExpressionAttributeValues: { ':tenant': tenantId },
      },
    },
    {
      Put: { TableName: table.tableName, Item: { ...keys.awsAccount(tenantId, accountId), entity: 'awsAccount', tenantId, accountId } },
    },
  ]);
}

export async function tenantOfAwsAccount(table: TableRef, accountId: string): Promise<string | undefined> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.awsAccountLookup(accountId) }));
  return entityOf(awsAccountSchema, Item)?.tenantId;
}
