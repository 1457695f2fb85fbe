import { openApiDocument } from '../../lib/api/openapi';
import { apiRoutes, type ApiDeps } from '../../lib/api/all-routes';
import { MAX_JSON_DEPTH } from '../../lib/http/http';

/**
 * Every request input is bounded, as the OpenAPI document (built from the very zod schemas the handlers
 * parse with) says it: each string of a path parameter, query parameter or body has a `maxLength`
 * (an `enum` or `const` is bounded by its values), each array a `maxItems`, and each object that takes
 * keys of the caller's choosing (`additionalProperties` other than false: zod records and loose objects)
 * a `maxProperties`. Response schemas are not inputs and are not walked.
 *
 * How zod 4 writes them (z.toJSONSchema, draft 2020-12): `z.string().max(n)` is `{type: "string",
 * maxLength: n}`, `z.array(...).max(n)` `{type: "array", maxItems: n}`, `z.record(k, v)` `{type:
 * "object", propertyNames: k, additionalProperties: v}` (its size comes from `.meta({maxProperties})`),
 * `z.looseObject` `additionalProperties: {}`, `z.strictObject` `additionalProperties: false`; a schema
 * with a `meta({ id })` is a `$ref` to `components.schemas` (request-side variants named `...Input`).
 */

type Schema = Record<string, unknown>;

const document = JSON.parse(JSON.stringify(openApiDocument(apiRoutes({} as ApiDeps)))) as {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema: Schema }>; requestBody?: any }>>;
  components: { schemas: Record<string, Schema> };
};

/** The inputs of every operation: its path and query parameters and its JSON body, each with where it is. */
function inputs(): Array<{ where: string; schema: Schema; body: boolean }> {
  const found: Array<{ where: string; schema: Schema; body: boolean }> = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const parameter of operation.parameters ?? []) {
        // Webhook headers are read by the ingestion function as opaque text (checked there), not a zod schema.
        if (parameter.in === 'header') continue;
        found.push({ where: `${name} ${parameter.in} ${parameter.name}`, schema: parameter.schema, body: false });
      }
      const body = operation.requestBody?.content?.['application/json']?.schema as Schema | undefined;
      if (body) found.push({ where: `${name} body`, schema: body, body: true });
    }
  }
  return found;
}

function resolve(schema: Schema): { schema: Schema; ref?: string } {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return { schema };
  const name = ref.slice('#/components/schemas/'.length);
  const target = document.components.schemas[name];
  if (!target) throw new Error(`Unknown $ref ${ref}`);
  return { schema: target, ref: name };
}

const types = (schema: Schema): string[] => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type as string] : []);

/** The sub-schemas of a schema, each with the path step that leads to it. */
function children(schema: Schema): Array<[string, Schema]> {
  const out: Array<[string, Schema]> = [];
  for (const [key, value] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) out.push([`.${key}`, value]);
  if (schema.items && typeof schema.items === 'object') out.push(['[]', schema.items as Schema]);
  for (const [index, item] of ((schema.prefixItems ?? []) as Schema[]).entries()) out.push([`[${index}]`, item]);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    out.push(['{*}', schema.additionalProperties as Schema]);
  if (schema.propertyNames && typeof schema.propertyNames === 'object') out.push(['{key}', schema.propertyNames as Schema]);
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const)
    for (const [index, option] of ((schema[combinator] ?? []) as Schema[]).entries()) out.push([`|${index}`, option]);
  if (schema.not && typeof schema.not === 'object') out.push(['!', schema.not as Schema]);
  return out;
}

/** What is unbounded in one input, with the path to it. */
function unbounded(root: Schema, where: string): string[] {
  const problems: string[] = [];
  const visit = (given: Schema, path: string, refs: ReadonlySet<string>) => {
    const { schema, ref } = resolve(given);
    if (ref && refs.has(ref)) return;
    const seen = ref ? new Set([...refs, ref]) : refs;
    const kinds = types(schema);
    const bounded = schema.enum !== undefined || schema.const !== undefined;
    if (kinds.includes('string') && !bounded && typeof schema.maxLength !== 'number')
      problems.push(`${where}${path}: a string without maxLength`);
    if (kinds.includes('array') && typeof schema.maxItems !== 'number') problems.push(`${where}${path}: an array without maxItems`);
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false && typeof schema.maxProperties !== 'number')
      problems.push(`${where}${path}: an object open to any keys without maxProperties`);
    for (const [step, child] of children(schema)) visit(child, `${path}${step}`, seen);
  };
  visit(root, '', new Set());
  return problems;
}

/** How deep a body of the schema can nest (objects and arrays), following $refs; a schema that refers to itself is endless. */
function depth(given: Schema, refs: ReadonlySet<string> = new Set()): number {
  const { schema, ref } = resolve(given);
  if (ref && refs.has(ref)) return Number.POSITIVE_INFINITY;
  const seen = ref ? new Set([...refs, ref]) : refs;
  const own = types(schema).some((kind) => kind === 'object' || kind === 'array') ? 1 : 0;
  const deepest = Math.max(0, ...children(schema).map(([step, child]) => (step === '{key}' || step === '!' ? 0 : depth(child, seen))));
  // A combinator option is the same level as its parent, not one below.
  return own + deepest;
}

test('the walk sees every route: parameters and bodies of every operation', () => {
  const all = inputs();
  expect(all.filter((input) => input.body).length).toBeGreaterThan(30);
  expect(all.filter((input) => !input.body).length).toBeGreaterThan(60);
});

test('every request string has a maxLength, every array a maxItems, every open object a maxProperties', () => {
  const problems = inputs().flatMap(({ where, schema }) => unbounded(schema, where));
  expect(problems).toEqual([]);
});

test('the walk itself finds what is unbounded (a string, an array, a record, a loose object, behind a $ref)', () => {
  document.components.schemas.WalkProbe = { type: 'object', properties: { note: { type: 'string' } }, additionalProperties: {} };
  try {
    const probe: Schema = {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 10 },
        kind: { type: 'string', enum: ['a', 'b'] },
        text: { type: 'string' },
        list: { type: 'array', items: { type: 'string', maxLength: 3 } },
        tags: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string', maxLength: 5 } },
        nested: { anyOf: [{ $ref: '#/components/schemas/WalkProbe' }, { type: 'null' }] },
      },
      additionalProperties: false,
    };
    expect(unbounded(probe, 'probe')).toEqual([
      'probe.text: a string without maxLength',
      'probe.list: an array without maxItems',
      'probe.tags: an object open to any keys without maxProperties',
      'probe.tags{key}: a string without maxLength',
      'probe.nested|0: an object open to any keys without maxProperties',
      'probe.nested|0.note: a string without maxLength',
    ]);
  } finally {
    delete document.components.schemas.WalkProbe;
  }
});

test(`no operator API body needs to nest deeper than the ${MAX_JSON_DEPTH} levels readJsonBody allows`, () => {
  const deepest = inputs()
    .filter((input) => input.body && !input.where.startsWith('POST /v1/webhooks/'))
    .map((input) => ({ where: input.where, depth: depth(input.schema) }))
    .sort((a, b) => b.depth - a.depth);
  expect(deepest[0]!.depth).toBeGreaterThan(2);
  expect(deepest.filter((body) => body.depth > MAX_JSON_DEPTH)).toEqual([]);
});
