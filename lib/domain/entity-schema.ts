import * as z from 'zod';

/** A zod object shape with exactly the properties of T, each parsing to T's type for it (optional ones included). */
export type ShapeOf<T> = { [K in keyof T]-?: z.ZodType<T[K]> };

/**
 * The schema of an entity whose type is written as an interface, where its documentation lives. The
 * compiler checks that the shape names every property of the type and no other, and that each parses
 * to the property's type, so the schema and the type cannot drift apart. Unknown attributes are dropped
 * on parse: what is returned is exactly the type.
 */
export function entitySchema<T>(shape: ShapeOf<T>): z.ZodType<T> {
  // The ShapeOf<T> parameter is the proof; TypeScript cannot compute a generic object schema's output type.
  return z.object(shape) as unknown as z.ZodType<T>;
}

/** The shape of some of an entity's properties: the schema of a read that projects only those. */
export function pickShape<T, K extends keyof T>(shape: ShapeOf<T>, picked: readonly K[]): ShapeOf<Pick<T, K>> {
  // Object.fromEntries loses the key types; the entries are exactly `picked`, each with its own schema.
  return Object.fromEntries(picked.map((key) => [key, shape[key]])) as unknown as ShapeOf<Pick<T, K>>;
}

/** An instant as entities store it: ISO 8601 with a zone (the service writes UTC, `Z`). */
export const timestamp = z.iso.datetime({ offset: true });
