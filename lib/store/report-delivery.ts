import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { timestamp } from '../domain/entity-schema';
import {
  DEFAULT_REPORT_DELIVERY,
  reportDeliveryRecordSchema,
  reportDeliverySettingsSchema,
  type ReportDeliveryRecord,
  type ReportDeliverySettings,
} from '../domain/report/delivery';
import { entityOf, validEntity } from './entity';
import { keys, ttlAfter } from './keys';
import { queryPage, type TableRef } from './table-ref';
import { isConditionFailure } from './transact';
import { versionedPolicy } from './versioned-policy';

/**
 * Report delivery state: the tenant's delivery settings (one versioned item, like the policies), one item
 * per period saying its report went out (the conditional write that makes a period go out once however
 * often its schedule fires), and a record of every send, scheduled or on demand.
 */

/** Send records expire after this long (DynamoDB TTL): a year of monthly reports, and a little more. */
export const REPORT_SEND_RETENTION_SECONDS = 400 * 24 * 3600;

/** The tenant's report delivery settings; off with no contacts (version 0) until set. */
export const reportDeliverySettings = versionedPolicy<ReportDeliverySettings>({
  entity: 'reportDelivery',
  key: keys.reportDelivery,
  schema: reportDeliverySettingsSchema,
  defaults: DEFAULT_REPORT_DELIVERY,
  what: 'report delivery settings',
});

// ---------------------------------------------------------------------------------------------------
// A period's send

/** Where a period's scheduled send stands: being sent (claimed), sent, or failed at its latest try. */
const periodSentSchema = z.object({
  tenantId: z.string().min(1),
  period: z.string().min(1),
  status: z.enum(['sending', 'sent', 'failed']),
  /** The try that claimed it (scheduled sends count 1 to MAX_SEND_TRIES). */
  attempt: z.number().int().min(1),
  messageId: z.string().optional(),
  updatedAt: timestamp,
});
export type PeriodSent = z.infer<typeof periodSentSchema>;

export async function getPeriodSent(table: TableRef, tenantId: string, period: string): Promise<PeriodSent | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.reportPeriodSent(tenantId, period), ConsistentRead: true }),
  );
  return entityOf(periodSentSchema, Item);
}

/**
 * Claims the period for try `attempt` of its scheduled send: only when nothing claimed it yet, or an
 * earlier try failed. False when it is sent, being sent, or this try (or a later one) ran already: a
 * repeated firing, or Lambda's retry of one, never sends twice. A try that crashed between its claim and
 * its outcome leaves the period `sending` and is not sent again: at most once rather than twice.
 */
export async function claimPeriod(table: TableRef, tenantId: string, period: string, attempt: number, now: Date): Promise<boolean> {
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.reportPeriodSent(tenantId, period),
          entity: 'reportPeriodSent',
          ...validEntity(periodSentSchema, { tenantId, period, status: 'sending', attempt, updatedAt: now.toISOString() }),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :failed AND attempt < :attempt)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed', ':attempt': attempt },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * The outcome of the period's send: `sent` (with SES's message id) or `failed` (a later try may claim it).
 * A send on demand records `sent` without a claim: the admin sent it, so the schedule does not.
 */
export async function recordPeriodOutcome(
  table: TableRef,
  tenantId: string,
  period: string,
  outcome: { status: 'sent' | 'failed'; attempt: number; messageId?: string },
  now: Date,
): Promise<void> {
  await table.db.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.reportPeriodSent(tenantId, period),
      UpdateExpression: `SET entity = :entity, tenantId = :tenantId, period = :period, #status = :status, attempt = if_not_exists(attempt, :attempt), updatedAt = :now${
        outcome.messageId ? ', messageId = :messageId' : ''
      }`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':entity': 'reportPeriodSent',
        ':tenantId': tenantId,
        ':period': period,
        ':status': outcome.status,
        ':attempt': outcome.attempt,
        ':now': now.toISOString(),
        ...(outcome.messageId ? { ':messageId': outcome.messageId } : {}),
      },
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Send records

export async function putReportSend(table: TableRef, record: ReportDeliveryRecord): Promise<void> {
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...keys.reportSend(record.tenantId, record.id),
        entity: 'reportSend',
        ...validEntity(reportDeliveryRecordSchema, record),
        ttl: ttlAfter(new Date(record.at), REPORT_SEND_RETENTION_SECONDS),
      },
    }),
  );
}

/** The tenant's latest sends, newest first. */
export async function listReportSends(table: TableRef, tenantId: string, limit: number): Promise<ReportDeliveryRecord[]> {
  const { items } = await queryPage(
    table,
    { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.reportSendsOf(tenantId).pk }, ScanIndexForward: false },
    { limit },
  );
  return items.map((item) => entityOf(reportDeliveryRecordSchema, item));
}
