import * as z from 'zod';

/**
 * Helpers for bounding what a request may carry, and for maps whose keys come from user input.
 *
 * Reserved keys: `__proto__`, `constructor` and `prototype` name or reach an object's prototype. Kept as
 * ordinary keys of a plain object they break the tools the data goes through: zod records and
 * assignment drop `__proto__` (or make it the prototype), and the DynamoDB marshaller
 * (@aws-sdk/util-dynamodb) recognises a map by `value.constructor.name === 'Object'`, so a map with an
 * own `constructor` key makes it refuse the whole item. Other names of Object.prototype (`toString`,
 * `hasOwnProperty`, `valueOf`...) are ordinary own keys: marshalling, JSON, spreads and zod keep them;
 * code that looks a key up by a name the caller chose must read own properties only (Object.hasOwn, Maps).
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key);
}

/** A record of at most `maxEntries` entries, documented as `maxProperties`. */
export function limitedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V, maxEntries: number) {
  return z
    .record(key, value)
    .refine((map) => Object.keys(map).length <= maxEntries, { message: `At most ${maxEntries} entries`, abort: true })
    .meta({ maxProperties: maxEntries });
}

/**
 * A map from the caller's input, `{key: value}`: at most `maxEntries` entries, keys and values as their
 * schemas say, and none of the reserved keys (a 400 naming the key; zod would drop a `__proto__` key
 * silently, so the input is checked before it parses). With a default: refuseReservedKeys(limitedRecord(...).default({})),
 * the default inside the check so that the document shows it.
 */
export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V, maxEntries: number) {
  return refuseReservedKeys(limitedRecord(key, value, maxEntries));
}

/**
 * The schema, after a check that the input object has none of the reserved keys as its own (a 400
 * naming each). Typed as the schema it wraps: the check only adds issues, it never changes a value.
 */
export function refuseReservedKeys<S extends z.ZodType>(schema: S): S {
  return z.preprocess((input, context) => {
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
      for (const name of Object.keys(input)) {
        if (isReservedKey(name)) context.issues.push({ code: 'custom', message: `"${name}" is a reserved key`, input: name, path: [name] });
      }
    }
    return input;
  }, schema) as unknown as S;
}

/**
 * `schema` with its innermost schema (under `optional`, `default`, `nullable`...) replaced by
 * `change(inner)`, the wrappers (and their defaults) kept. For bounding a field defined elsewhere
 * without restating it: `change` must only add checks, so the types stay what they were.
 */
export function reshapeInner<S extends z.ZodType>(schema: S, change: (inner: z.ZodType) => z.ZodType): S {
  const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.ZodType };
  if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional'].includes(def.type)) {
    return schema.clone({ ...def, innerType: reshapeInner(def.innerType, change) } as typeof def) as S;
  }
  return change(schema) as S;
}

/** The string schema (possibly optional, with a default...) with a maximum length added, its own checks kept. */
export function maxLength<S extends z.ZodType>(schema: S, max: number): S {
  return reshapeInner(schema, (inner) => {
    // A string, or a string format (z.iso.datetime(), z.email()...): each has the string checks.
    if (inner._zod.def.type !== 'string') throw new Error(`maxLength: not a string schema (${inner._zod.def.type})`);
    return (inner as z.ZodString).max(max);
  });
}

/** The array schema (possibly optional, with a default...) with each element reshaped, the array's own checks (min, max) kept. */
export function eachElement<S extends z.ZodType>(schema: S, change: (element: z.ZodType) => z.ZodType): S {
  return reshapeInner(schema, (inner) => {
    if (!(inner instanceof z.ZodArray)) throw new Error(`eachElement: not an array schema (${inner._zod.def.type})`);
    return inner.clone({ ...inner._zod.def, element: change(inner._zod.def.element as z.ZodType) });
  });
}

/** The union schema (a discriminated union too) with each option reshaped, the union's own checks (refinements) kept. */
export function eachOption<S extends z.ZodType>(schema: S, change: (option: z.ZodType) => z.ZodType): S {
  return reshapeInner(schema, (inner) => {
    if (!(inner instanceof z.ZodUnion)) throw new Error(`eachOption: not a union schema (${inner._zod.def.type})`);
    return inner.clone({ ...inner._zod.def, options: (inner._zod.def.options as z.ZodType[]).map(change) });
  });
}

/** The record schema (possibly optional, with a default...) limited to `max` entries, documented as `maxProperties`. */
export function maxEntries<S extends z.ZodType>(schema: S, max: number): S {
  return reshapeInner(schema, (inner) => {
    if (!(inner instanceof z.ZodRecord)) throw new Error(`maxEntries: not a record schema (${inner._zod.def.type})`);
    return inner
      .refine((map) => Object.keys(map as object).length <= max, { message: `At most ${max} entries`, abort: true })
      .meta({ maxProperties: max });
  });
}
