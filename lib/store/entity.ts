import * as z from 'zod';
import { timestamp } from '../domain/entity-schema';

/**
 * Reading and writing entities of the single table. An item is an entity plus its key and index
 * attributes (lib/store/keys.ts); what comes back from DynamoDB is checked against the entity's schema
 * before any code uses it, so a type is never an unchecked promise about stored data.
 */

/** The attributes that place an item in the table rather than describe the entity. */
const KEY_ATTRIBUTES: ReadonlySet<string> = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl', 'entity']);

/**
 * A stored item does not match its entity's schema: written by hand, by an older version whose shape has
 * since changed, or by a bug. It names the item and the fields, never their values (they may be secrets).
 */
export class InvalidStoredItemError extends Error {
  constructor(
    /** The item's key when it was read; none for an entity refused before it was written. */
    readonly key: { pk: unknown; sk: unknown } | undefined,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    const what = key ? `The stored item ${String(key.pk)} / ${String(key.sk)}` : 'An entity about to be stored';
    super(`${what} is not valid: ${issues.map((issue) => `${issue.path || '(item)'}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidStoredItemError';
  }
}

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** The entity a stored item holds: its key and index attributes left out, the rest parsed with the entity's schema. */
export function entityOf<S extends z.ZodType>(schema: S, item: Record<string, unknown>): z.output<S>;
export function entityOf<S extends z.ZodType>(schema: S, item: Record<string, unknown> | undefined): z.output<S> | undefined;
export function entityOf<S extends z.ZodType>(schema: S, item: Record<string, unknown> | undefined): z.output<S> | undefined {
  if (!item) return undefined;
  const attributes = Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name)));
  const parsed = schema.safeParse(attributes);
  if (!parsed.success) throw new InvalidStoredItemError({ pk: item.pk, sk: item.sk }, issuesOf(parsed.error));
  return parsed.data;
}

/**
 * The entity as it will be stored, checked against its schema first: a write never puts an item that a
 * read would refuse. A failure is a bug in the caller, not bad input (inputs are parsed at the edge).
 */
export function validEntity<S extends z.ZodType>(schema: S, entity: z.input<S>): z.output<S> {
  const parsed = schema.safeParse(entity);
  if (!parsed.success) throw new InvalidStoredItemError(undefined, issuesOf(parsed.error));
  return parsed.data;
}

/** The entity an UpdateItem with `ReturnValues: 'ALL_NEW'` wrote (DynamoDB always returns it when the update succeeds). */
export function updatedEntity<S extends z.ZodType>(schema: S, attributes: Record<string, unknown> | undefined): z.output<S> {
  if (!attributes) throw new Error('An update asked for ALL_NEW returned no attributes');
  return entityOf(schema, attributes);
}

/** Who last changed a stored document (a policy, a profile, preferences), beside the document itself. */
export const changeStampSchema = z.object({ updatedAt: timestamp.optional(), updatedBy: z.string().min(1).optional() });

const itemKeySchema = z.object({ pk: z.string().min(1), sk: z.string().min(1) });

/** The primary key of a stored item (to delete or update exactly the item that was read). */
export function itemKeyOf(item: Record<string, unknown>): { pk: string; sk: string } {
  return itemKeySchema.parse(item);
}
