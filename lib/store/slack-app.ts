import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { entitySchema, timestamp } from '../domain/entity-schema';
import { INCIDENT_STATUSES, type IncidentStatus } from '../domain/incident';
import type { SlackAppMessage } from '../domain/notify/slack-app';
import { entityOf, validEntity } from './entity';
import { keys, SLACK_ID, ttlAfter } from './keys';
import { queryAll, type TableRef } from './table-ref';
import { ConditionFailedError, transactWrite, type TransactItem } from './transact';

/**
 * A tenant's Slack app installation (lib/domain/notify/slack-app.ts): the workspace, the bot and its
 * token, and the channel its incident messages go to; the reverse lookup from a workspace's channel to
 * the tenant (a button press names Slack's team and channel, not our tenant); and the messages posted
 * about each incident, so that they can be updated in place.
 *
 * | entity               | pk                                   | sk                   | ttl  |
 * |----------------------|--------------------------------------|----------------------|------|
 * | slack installation   | T#t                                  | SLACKAPP#install     |      |
 * | slack channel lookup | MSP#SLACKAPP#<teamId>#<channelId>    | SLACKAPP             |      |
 * | slack message ref    | T#t#SLACKMSG#<incidentId>            | <channel>#<ts>       | 90 d |
 *
 * The bot token is a secret: `publicSlackInstallation` is what any answer shows, and no log line carries it.
 */

/** Message references expire with the delivery records (90 days). */
const MESSAGE_REF_RETENTION_SECONDS = 90 * 24 * 3600;

const slackKeys = {
  installation: keys.slackInstallation,
  channelLookup: keys.slackChannel,
  messageRefsOf: keys.slackMessagesOf,
  messageRef: keys.slackMessage,
};

export interface SlackInstallation {
  tenantId: string;
  teamId: string;
  teamName: string;
  botUserId: string;
  /** A secret: never answered, never logged. */
  botToken: string;
  channelId: string;
  channelName: string;
  /** The email of the admin who installed it. */
  installedBy: string;
  installedAt: string;
}

const slackId = z.string().regex(SLACK_ID);

const installationSchema = entitySchema<SlackInstallation>({
  tenantId: z.string().min(1),
  teamId: slackId,
  teamName: z.string().max(200),
  botUserId: slackId,
  botToken: z.string().min(1).max(500),
  channelId: slackId,
  channelName: z.string().max(200),
  installedBy: z.string().min(1).max(320),
  installedAt: timestamp,
});

const lookupSchema = z.object({ tenantId: z.string().min(1) });

export type PublicSlackInstallation = Omit<SlackInstallation, 'botToken'>;

/** The installation as the API shows it: everything but the token. */
export function publicSlackInstallation(installation: SlackInstallation): PublicSlackInstallation {
  const { botToken: _token, ...rest } = installation;
  return rest;
}

export async function getSlackInstallation(table: TableRef, tenantId: string): Promise<SlackInstallation | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: slackKeys.installation(tenantId), ConsistentRead: true }),
  );
  return entityOf(installationSchema, Item);
}

/**
 * Stores the tenant's installation (replacing one it had) with the lookup of its channel. A channel
 * of a workspace belongs to one tenant: `channel-in-use` when another tenant's installation has it.
 */
export async function putSlackInstallation(
  table: TableRef,
  installation: SlackInstallation,
): Promise<{ ok: true; previous?: SlackInstallation } | { ok: false; reason: 'channel-in-use' }> {
  const valid = validEntity(installationSchema, installation);
  const previous = await getSlackInstallation(table, valid.tenantId);
  const ownTenant = { ':tenant': valid.tenantId };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: { ...slackKeys.channelLookup(valid.teamId, valid.channelId), entity: 'slackChannelLookup', tenantId: valid.tenantId },
        ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
        ExpressionAttributeValues: ownTenant,
      },
    },
    { Put: { TableName: table.tableName, Item: { ...slackKeys.installation(valid.tenantId), entity: 'slackInstallation', ...valid } } },
  ];
  if (previous && (previous.teamId !== valid.teamId || previous.channelId !== valid.channelId)) {
    items.push({
      Delete: {
        TableName: table.tableName,
        Key: slackKeys.channelLookup(previous.teamId, previous.channelId),
        ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
        ExpressionAttributeValues: ownTenant,
      },
    });
  }
  try {
    await transactWrite(table, items);
  } catch (error) {
    if (error instanceof ConditionFailedError && error.failedAt(0)) return { ok: false, reason: 'channel-in-use' };
    throw error;
  }
  return { ok: true, ...(previous ? { previous } : {}) };
}

/** Removes the tenant's installation and its channel lookup; the installation it removed (undefined when there was none). */
export async function deleteSlackInstallation(table: TableRef, tenantId: string): Promise<SlackInstallation | undefined> {
  const current = await getSlackInstallation(table, tenantId);
  if (!current) return undefined;
  await transactWrite(table, [
    { Delete: { TableName: table.tableName, Key: slackKeys.installation(tenantId) } },
    {
      Delete: {
        TableName: table.tableName,
        Key: slackKeys.channelLookup(current.teamId, current.channelId),
        ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
        ExpressionAttributeValues: { ':tenant': tenantId },
      },
    },
  ]);
  return current;
}

/** The tenant whose installation posts to this channel of this workspace. */
export async function tenantOfSlackChannel(table: TableRef, teamId: string, channelId: string): Promise<string | undefined> {
  if (!SLACK_ID.test(teamId) || !SLACK_ID.test(channelId)) return undefined;
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: slackKeys.channelLookup(teamId, channelId) }));
  return entityOf(lookupSchema, Item)?.tenantId;
}

// ---------------------------------------------------------------------------------------------------
// Messages posted about an incident

export interface SlackMessageRef {
  channel: string;
  ts: string;
  postedAt: string;
  /** The message as it stands in Slack (what an update starts from). */
  message?: SlackAppMessage;
  /** The incident status the message shows: a change to another is shown by updating it. */
  shownStatus?: IncidentStatus;
}

const messageRefSchema = entitySchema<SlackMessageRef>({
  channel: slackId,
  ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/),
  postedAt: timestamp,
  message: z
    .object({ text: z.string().max(4000), blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string().optional() })).max(50) })
    .optional() as z.ZodType<SlackAppMessage | undefined>,
  shownStatus: z.enum(INCIDENT_STATUSES).optional(),
});

/**
 * Remembers a message posted about an incident (lib/notify/deliver.ts: the sender's providerId
 * `<channel>:<ts>`), or what it shows after an update.
 */
export async function putSlackMessageRef(
  table: TableRef,
  tenantId: string,
  incidentId: string,
  message: { channel: string; ts: string; message?: SlackAppMessage; shownStatus?: IncidentStatus },
  now: Date = new Date(),
): Promise<void> {
  const ref = validEntity(messageRefSchema, {
    channel: message.channel,
    ts: message.ts,
    postedAt: now.toISOString(),
    ...(message.message ? { message: message.message } : {}),
    ...(message.shownStatus ? { shownStatus: message.shownStatus } : {}),
  });
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...slackKeys.messageRef(tenantId, incidentId, ref.channel, ref.ts),
        entity: 'slackMessageRef',
        ...ref,
        ttl: ttlAfter(now, MESSAGE_REF_RETENTION_SECONDS),
      },
    }),
  );
}

/** The messages posted about an incident (bounded: one per notification sent to the channel). */
export async function listSlackMessageRefs(table: TableRef, tenantId: string, incidentId: string): Promise<SlackMessageRef[]> {
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': slackKeys.messageRefsOf(tenantId, incidentId).pk },
  });
  return items.map((item) => entityOf(messageRefSchema, item));
}
