import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { deleteAtVersion, isConditionFailure } from './transact';
import { notificationPreferencesSchema, type NotificationPreferences } from '../domain/notify/preferences';
import { logger } from '../observability';
import type { Technician } from '../domain/oncall/routing';
import { onCallAt, scheduleSchema, type OnCall, type Schedule } from '../domain/oncall/schedule';
import { keys } from './keys';
import { timestamp } from '../domain/entity-schema';
import { changeStampSchema, entityOf } from './entity';
import { batchGetItems, queryAll, type TableRef } from './table-ref';
import { getUser, listUsers, type StoredUser } from './users';

/**
 * On-call state: a tenant's on-call schedules (each with a version a change must
 * name), each technician's routing profile (workload cap, active; the skills stay on the user item),
 * and each user's notification preferences (beside the user item). On top of them: the technicians
 * of a tenant as the routing sees them (`technicians`) and who is on call now (`onCallNow`).
 */

/** Schedule ids go into the sort key and the URL: a slug. */
export const SCHEDULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Most schedules one tenant keeps (every routing decision reads them all). */
export const MAX_SCHEDULES = 50;

// ---------------------------------------------------------------------------------------------------
// Schedules

export interface StoredSchedule {
  tenantId: string;
  schedule: Schedule;
  /** 1 when created; every change adds one and must name the version it read. */
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** The schedule item; the schedule itself is parsed apart, so that one an older version wrote is left out, not an error. */
const scheduleItemSchema = z.object({
  tenantId: z.string().min(1),
  schedule: z.unknown(),
  version: z.number().int().min(1),
  createdAt: timestamp,
  updatedAt: timestamp,
  updatedBy: z.string().min(1),
});

/** The stored schedule, or undefined when it no longer validates (written by an older version: logged, left out). */
function storedSchedule(item: Record<string, unknown> | undefined): StoredSchedule | undefined {
  const entity = entityOf(scheduleItemSchema, item);
  if (!entity) return undefined;
  const parsed = scheduleSchema.safeParse(entity.schedule);
  if (!parsed.success) {
    logger.warn('Stored on-call schedule is not valid any more; leaving it out', {
      tenantId: entity.tenantId,
      issues: parsed.error.issues.length,
    });
    return undefined;
  }
  return { ...entity, schedule: parsed.data };
}

/** The tenant's schedules, oldest first (then by id). */
export async function listSchedules(table: TableRef, tenantId: string): Promise<StoredSchedule[]> {
  const { pk, skPrefix } = keys.oncallSchedulesOf(tenantId);
  const items = await queryAll(table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
  return items
    .map(storedSchedule)
    .filter((schedule): schedule is StoredSchedule => schedule !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.schedule.id.localeCompare(b.schedule.id));
}

export async function getSchedule(table: TableRef, tenantId: string, scheduleId: string): Promise<StoredSchedule | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.oncallSchedule(tenantId, scheduleId), ConsistentRead: true }),
  );
  return storedSchedule(Item);
}

export interface ChangeBy {
  updatedBy: string;
  now: Date;
}

/** Creates a schedule (validated: throws a ZodError on invalid input); undefined when its id is taken. */
export async function createSchedule(
  table: TableRef,
  tenantId: string,
  input: z.input<typeof scheduleSchema>,
  change: ChangeBy,
): Promise<StoredSchedule | undefined> {
  const schedule = scheduleSchema.parse(input);
  const at = change.now.toISOString();
  const stored: StoredSchedule = { tenantId, schedule, version: 1, createdAt: at, updatedAt: at, updatedBy: change.updatedBy };
  try {
    await table.db.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.oncallSchedule(tenantId, schedule.id), entity: 'oncallSchedule', ...stored },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return stored;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Replaces a schedule (validated) if it is still at `expectedVersion`; undefined when it changed
 * meanwhile or is gone.
 */
export async function updateSchedule(
  table: TableRef,
  tenantId: string,
  input: z.input<typeof scheduleSchema>,
  change: ChangeBy,
  expectedVersion: number,
): Promise<StoredSchedule | undefined> {
  const schedule = scheduleSchema.parse(input);
  try {
    const { Attributes } = await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.oncallSchedule(tenantId, schedule.id),
        UpdateExpression: 'SET #schedule = :schedule, #version = :next, updatedAt = :at, updatedBy = :by',
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: { '#schedule': 'schedule', '#version': 'version' },
        ExpressionAttributeValues: {
          ':schedule': schedule,
          ':next': expectedVersion + 1,
          ':expected': expectedVersion,
          ':at': change.now.toISOString(),
          ':by': change.updatedBy,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return storedSchedule(Attributes);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Deletes a schedule if it is still at `expectedVersion`; false when it changed meanwhile or is gone. */
export async function deleteSchedule(table: TableRef, tenantId: string, scheduleId: string, expectedVersion: number): Promise<boolean> {
  return deleteAtVersion(table, keys.oncallSchedule(tenantId, scheduleId), expectedVersion);
}

// ---------------------------------------------------------------------------------------------------
// Who is on call

export interface OnCallEntry extends OnCall {
  schedule: { id: string; name: string };
  /** Null when the user no longer exists. */
  name: string | null;
  email: string | null;
}

export interface OnCallNow {
  at: string;
  /** Everyone on call in some schedule of the tenant (what the routing prefers). */
  userIds: string[];
  /** One entry per schedule with someone on call, in schedule order. */
  onCall: OnCallEntry[];
}

/** Who is on call at `now` in each of the tenant's schedules, and who they are. */
export async function onCallNow(table: TableRef, tenantId: string, now: Date, schedules?: readonly StoredSchedule[]): Promise<OnCallNow> {
  const found = (schedules ?? (await listSchedules(table, tenantId))).flatMap(({ schedule }) => {
    const onCall = onCallAt(schedule, now);
    return onCall ? [{ schedule: { id: schedule.id, name: schedule.name }, onCall }] : [];
  });
  const userIds = [...new Set(found.map(({ onCall }) => onCall.userId))];
  const users = new Map<string, StoredUser | undefined>(
    await Promise.all(userIds.map(async (userId) => [userId, await getUser(table, userId)] as const)),
  );
  return {
    at: now.toISOString(),
    userIds,
    onCall: found.map(({ schedule, onCall }) => {
      const user = users.get(onCall.userId);
      return { ...onCall, schedule, name: user?.name ?? null, email: user?.email ?? null };
    }),
  };
}

/**
 * Who is on call at `at` in one schedule, or in the tenant's default when none is named (the first
 * schedule, oldest first, with someone on call); null when nobody is. What an escalation chain's
 * `on-call` target resolves to.
 */
export async function onCallUser(table: TableRef, tenantId: string, scheduleId: string | undefined, at: Date): Promise<string | null> {
  const schedules = scheduleId
    ? [await getSchedule(table, tenantId, scheduleId)].filter((schedule) => schedule !== undefined)
    : await listSchedules(table, tenantId);
  for (const { schedule } of schedules) {
    const onCall = onCallAt(schedule, at);
    if (onCall) return onCall.userId;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Technician profiles

export const technicianProfileSchema = z
  .object({
    /** Open incidents (open or acknowledged, assigned to them) at most. */
    maxOpenIncidents: z.number().int().min(1).max(1000),
    /** Off (holiday, left the company): never picked by the routing. */
    active: z.boolean(),
  })
  .strict();
export type TechnicianProfileInput = z.infer<typeof technicianProfileSchema>;

export interface TechnicianProfile extends TechnicianProfileInput {
  updatedAt?: string;
  updatedBy?: string;
}

/** What a technician without a stored profile gets. */
export const DEFAULT_TECHNICIAN_PROFILE: Readonly<TechnicianProfileInput> = { maxOpenIncidents: 5, active: true };

function profileOf(item: Record<string, unknown> | undefined): TechnicianProfile {
  const parsed = technicianProfileSchema.safeParse({ maxOpenIncidents: item?.maxOpenIncidents, active: item?.active });
  if (!item || !parsed.success) return { ...DEFAULT_TECHNICIAN_PROFILE };
  return { ...parsed.data, ...entityOf(changeStampSchema, item) };
}

/** The user a profile item belongs to (the profile itself is parsed apart: one that no longer parses gives the defaults). */
const profileOwnerSchema = z.object({ userId: z.string().min(1) });

/** A user's profile, the defaults when none was stored. */
export async function getTechnicianProfile(table: TableRef, userId: string): Promise<TechnicianProfile> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.technicianProfile(userId) }));
  return profileOf(Item);
}

/** Several users' profiles at once (the defaults for those without one). */
export async function getTechnicianProfiles(table: TableRef, userIds: readonly string[]): Promise<Map<string, TechnicianProfile>> {
  const items = new Map<string, Record<string, unknown>>();
  const unique = [...new Set(userIds)];
  for (let start = 0; start < unique.length; start += 100) {
    const page = await batchGetItems(
      table,
      unique.slice(start, start + 100).map((userId) => keys.technicianProfile(userId)),
    );
    for (const item of page) items.set(entityOf(profileOwnerSchema, item).userId, item);
  }
  return new Map(unique.map((userId) => [userId, profileOf(items.get(userId))]));
}

/** Stores a user's profile (validated: throws a ZodError on invalid input). */
export async function putTechnicianProfile(
  table: TableRef,
  userId: string,
  input: TechnicianProfileInput,
  change: ChangeBy,
): Promise<TechnicianProfile> {
  const profile = technicianProfileSchema.parse(input);
  const stored = { ...profile, updatedAt: change.now.toISOString(), updatedBy: change.updatedBy };
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.technicianProfile(userId), entity: 'technicianProfile', userId, ...stored },
    }),
  );
  return stored;
}

/** The users with the technician role who work for the tenant, with their profiles: what the routing picks from. */
export async function technicians(table: TableRef, tenantId: string): Promise<Technician[]> {
  const users = (await listUsers(table)).filter((user) => user.role === 'technician' && user.tenantIds.includes(tenantId));
  const profiles = await getTechnicianProfiles(
    table,
    users.map((user) => user.id),
  );
  return users.map((user) => {
    const profile = profiles.get(user.id) ?? DEFAULT_TECHNICIAN_PROFILE;
    return {
      userId: user.id,
      name: user.name,
      skills: user.skills ?? [],
      maxOpenIncidents: profile.maxOpenIncidents,
      tenantIds: user.tenantIds,
      active: profile.active,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Notification preferences

/** What a user may set: the preferences without the user id (which is the caller's). */
export const preferencesInputSchema = notificationPreferencesSchema.omit({ userId: true });
export type PreferencesInput = z.input<typeof preferencesInputSchema>;

export interface StoredPreferences {
  preferences: NotificationPreferences;
  /** Absent when the user never set any (the defaults). */
  updatedAt?: string;
}

/** The preferences item; the preferences are parsed apart, so that ones an older version wrote give the defaults, not an error. */
const storedPreferencesSchema = changeStampSchema.extend({ preferences: z.record(z.string(), z.unknown()) });

/** A user's notification preferences; the defaults (UTC, DEFAULT_CHANNELS, no quiet hours) when none were stored. */
export async function getNotificationPreferences(table: TableRef, userId: string): Promise<StoredPreferences> {
  const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.notificationPreferences(userId) }));
  const defaults = { preferences: notificationPreferencesSchema.parse({ userId }) };
  if (!Item) return defaults;
  const stored = entityOf(storedPreferencesSchema, Item);
  const parsed = notificationPreferencesSchema.safeParse({ ...stored.preferences, userId });
  if (!parsed.success) {
    logger.warn('Stored notification preferences are not valid any more; using the defaults', { userId });
    return defaults;
  }
  return { preferences: parsed.data, ...(stored.updatedAt ? { updatedAt: stored.updatedAt } : {}) };
}

/** Replaces a user's preferences (validated: throws a ZodError on invalid input). */
export async function putNotificationPreferences(
  table: TableRef,
  userId: string,
  input: PreferencesInput,
  now: Date,
): Promise<StoredPreferences> {
  const { userId: _userId, ...preferences } = notificationPreferencesSchema.parse({ ...input, userId });
  const updatedAt = now.toISOString();
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.notificationPreferences(userId), entity: 'notificationPreferences', userId, preferences, updatedAt },
    }),
  );
  return { preferences: { ...preferences, userId }, updatedAt };
}
