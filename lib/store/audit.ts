import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import * as z from 'zod';
import { entitySchema, timestamp } from '../domain/entity-schema';
import { entityOf, validEntity } from './entity';
import { keys } from './keys';
import { queryPage, type TableRef } from './table-ref';

/**
 * The append-only audit log: one item per change or automated action, never updated or deleted
 * through the API. Entries of a tenant live in its own partition, the MSP's (tenants, users) in the
 * MSP's; the sort key is time-ordered, so a period is one key range.
 */
export type AuditActor = { type: 'user'; id: string; email: string; role: string } | { type: 'system'; name: string };

export interface AuditEntry {
  id: string;
  at: string;
  /** The tenant the change belongs to, or undefined for MSP-level changes. */
  tenantId?: string;
  actor: AuditActor;
  /** What was done, as `resource.verb`: `asset.create`, `incident.acknowledge`, `apikey.rotate`... */
  action: string;
  resource: { type: string; id: string };
  /** A short before/after summary of what changed (never secrets). */
  summary?: { before?: unknown; after?: unknown };
  requestId?: string;
  sourceIp?: string;
  userAgent?: string;
}

export type AuditEntryInput = Omit<AuditEntry, 'id'>;

const auditEntrySchema = entitySchema<AuditEntry>({
  id: z.string().min(1),
  at: timestamp,
  tenantId: z.string().min(1).optional(),
  actor: z.discriminatedUnion('type', [
    z.object({ type: z.literal('user'), id: z.string(), email: z.string(), role: z.string() }),
    z.object({ type: z.literal('system'), name: z.string() }),
  ]),
  action: z.string().min(1),
  resource: z.object({ type: z.string(), id: z.string() }),
  summary: z.object({ before: z.unknown().optional(), after: z.unknown().optional() }).optional(),
  requestId: z.string().optional(),
  sourceIp: z.string().optional(),
  userAgent: z.string().optional(),
});

function partition(tenantId: string | undefined): string {
  return tenantId ? keys.auditOf(tenantId).pk : keys.mspAudit().pk;
}

export async function recordAudit(table: TableRef, input: AuditEntryInput): Promise<AuditEntry> {
  const entry: AuditEntry = { id: ulid(Date.parse(input.at)), ...input };
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { pk: partition(entry.tenantId), sk: `${entry.at}#${entry.id}`, entity: 'audit', ...validEntity(auditEntrySchema, entry) },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return entry;
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  from?: string;
  to?: string;
}

/** A page of the tenant's (or the MSP's) audit log, newest first. */
export async function listAudit(
  table: TableRef,
  tenantId: string | undefined,
  filter: AuditFilter,
  page: { limit: number; cursor?: Record<string, unknown> },
): Promise<{ entries: AuditEntry[]; cursor?: Record<string, unknown> }> {
  const values: Record<string, unknown> = { ':pk': partition(tenantId), ':from': filter.from ?? '0', ':to': `${filter.to ?? '9999'}~` };
  const names: Record<string, string> = {};
  const conditions: string[] = [];
  if (filter.actorId) {
    names['#actor'] = 'actor';
    values[':actorId'] = filter.actorId;
    conditions.push('#actor.id = :actorId');
  }
  if (filter.action) {
    names['#action'] = 'action';
    values[':action'] = filter.action;
    conditions.push('#action = :action');
  }
  const result = await queryPage(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    page,
  );
  return {
    entries: result.items.map((item) => entityOf(auditEntrySchema, item)),
    ...(result.cursor ? { cursor: result.cursor } : {}),
  };
}
