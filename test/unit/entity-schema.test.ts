// Stored items are parsed against their entity's schema before any code uses them: the key attributes
// are left out, a field of the wrong type is refused naming the item and the field (never its value),
// and the schema of an interface-typed entity must name exactly the interface's properties.
import * as z from 'zod';
import { entitySchema, pickShape, timestamp } from '../../lib/domain/entity-schema';
import { incidentShape } from '../../lib/domain/incident';
import { entityOf, InvalidStoredItemError, itemKeyOf, updatedEntity, validEntity } from '../../lib/store/entity';

interface Widget {
  id: string;
  size: number;
  /** Optional in the type: the schema may leave it out of an item. */
  label?: string;
}

const widgetSchema = entitySchema<Widget>({ id: z.string().min(1), size: z.number().int(), label: z.string().optional() });

const item = { pk: 'T#acme#WIDGET', sk: 'W#1', gsi1pk: 'x', gsi1sk: 'y', ttl: 1, entity: 'widget', id: 'w-1', size: 3 };

describe('entityOf', () => {
  it('leaves out the key and index attributes and returns the parsed entity', () => {
    expect(entityOf(widgetSchema, item)).toEqual({ id: 'w-1', size: 3 });
  });

  it('drops attributes the entity does not have, so what is returned is exactly the type', () => {
    expect(entityOf(widgetSchema, { ...item, leftover: 'from an older version' })).toEqual({ id: 'w-1', size: 3 });
  });

  it('answers undefined for no item, and throws for an item that does not parse', () => {
    expect(entityOf(widgetSchema, undefined)).toBeUndefined();
    expect(() => entityOf(widgetSchema, { ...item, size: 'three' })).toThrow(InvalidStoredItemError);
  });

  it('names the item and the field but never the stored value (it may be a secret)', () => {
    let error: unknown;
    try {
      entityOf(widgetSchema, { ...item, id: '', size: 'hunter2-secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidStoredItemError);
    const invalid = error as InvalidStoredItemError;
    expect(invalid.message).toContain('T#acme#WIDGET / W#1');
    expect(invalid.issues.map((issue) => issue.path).sort()).toEqual(['id', 'size']);
    expect(invalid.message).not.toContain('hunter2');
  });
});

describe('validEntity and updatedEntity', () => {
  it('checks an entity before it is written: a write never stores what a read would refuse', () => {
    expect(validEntity(widgetSchema, { id: 'w-2', size: 1, label: 'ok' })).toEqual({ id: 'w-2', size: 1, label: 'ok' });
    expect(() => validEntity(widgetSchema, { id: 'w-2', size: 1.5 })).toThrow(InvalidStoredItemError);
  });

  it('reads the attributes an update returned, and refuses none', () => {
    expect(updatedEntity(widgetSchema, item)).toEqual({ id: 'w-1', size: 3 });
    expect(() => updatedEntity(widgetSchema, undefined)).toThrow('returned no attributes');
  });

  it('reads an item key as strings', () => {
    expect(itemKeyOf(item)).toEqual({ pk: 'T#acme#WIDGET', sk: 'W#1' });
    expect(() => itemKeyOf({ pk: 'p' })).toThrow();
  });
});

describe('entitySchema', () => {
  it('picks the schemas of some properties for a projected read', () => {
    const outcome = entitySchema(pickShape(incidentShape, ['id', 'status', 'openedAt']));
    expect(outcome.parse({ id: 'i-1', status: 'open', openedAt: '2026-12-07T10:00:00.000Z', title: 'left out' })).toEqual({
      id: 'i-1',
      status: 'open',
      openedAt: '2026-12-07T10:00:00.000Z',
    });
    expect(outcome.safeParse({ id: 'i-1', status: 'sleeping', openedAt: '2026-12-07T10:00:00.000Z' }).success).toBe(false);
  });

  it('takes instants with a zone only', () => {
    expect(timestamp.safeParse('2026-12-07T10:00:00Z').success).toBe(true);
    expect(timestamp.safeParse('2026-12-07T11:00:00+01:00').success).toBe(true);
    expect(timestamp.safeParse('2026-12-07 10:00').success).toBe(false);
  });

  it('does not compile when the shape and the interface disagree (npm run lint type-checks this file)', () => {
    // @ts-expect-error: `label` is missing from the shape.
    entitySchema<Widget>({ id: z.string(), size: z.number() });
    // @ts-expect-error: `colour` is not a property of Widget.
    entitySchema<Widget>({ id: z.string(), size: z.number(), label: z.string().optional(), colour: z.string() });
    // @ts-expect-error: `size` would parse to a string.
    entitySchema<Widget>({ id: z.string(), size: z.string(), label: z.string().optional() });
    expect(widgetSchema).toBeDefined();
  });
});
