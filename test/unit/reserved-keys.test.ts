import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { normalizedAlertSchema } from '../../lib/domain/alert';
import { assetSchema } from '../../lib/domain/asset';
import { parseAlertmanager } from '../../lib/ingest/alertmanager';
import { parseGeneric } from '../../lib/ingest/generic';
import { capLabels, LABEL_LIMITS, safeLabelName } from '../../lib/ingest/normalize';
import { boundedRecord, eachElement, eachOption, maxEntries, maxLength, RESERVED_KEYS } from '../../lib/util/input-limits';

/**
 * Maps built from user input (alert labels, asset tags) with keys named like the prototype machinery.
 * Labels: the reserved keys (`__proto__`, `constructor`, `prototype`) are renamed (`constructor_`), so
 * the alert and its siblings are stored; other Object.prototype names stay ordinary own keys. Tags: a
 * reserved key is refused (400). Either way zod, JSON, spreads and the DynamoDB marshaller keep working.
 */

/** What lib/aws/clients.ts createDocumentClient gives lib-dynamodb's marshaller. */
const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;
const RECEIVED_AT = new Date('2026-03-01T10:00:00Z');
const AWKWARD = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

/** A JSON object with each awkward key as an own key, as JSON.parse makes it from a body. */
const awkwardJson = (value: (key: string) => unknown = (key) => `v-${key}`) =>
  `{${AWKWARD.map((key) => `${JSON.stringify(key)}:${JSON.stringify(value(key))}`).join(',')}}`;

const pristine = () => {
  const probe: Record<string, unknown> = {};
  return probe.polluted === undefined && Object.getPrototypeOf(probe) === Object.prototype && !('v-__proto__' in probe);
};

afterEach(() => expect(pristine()).toBe(true));

/** Stores and reads back as lib-dynamodb would, and checks every other way a map is handled. */
function survives(map: Record<string, string>): void {
  const item = { pk: 'T#acme#ALERTS', sk: '01', labels: map };
  expect(unmarshall(marshall(item, MARSHALL_OPTIONS)).labels).toEqual(map);
  expect(JSON.parse(JSON.stringify(map))).toEqual(map);
  expect({ ...map }).toEqual(map);
  expect(z.record(z.string(), z.string()).parse(map)).toEqual(map);
  for (const key of Object.keys(map)) expect(typeof map[key]).toBe('string');
}

test('why labels are renamed: an own `constructor` key makes the marshaller refuse the whole item, `__proto__` is dropped', () => {
  expect(() => marshall({ labels: JSON.parse('{"constructor":"x","a":"b"}') }, MARSHALL_OPTIONS)).toThrow(/Unsupported type/);
  expect(unmarshall(marshall({ labels: JSON.parse('{"__proto__":"x","a":"b"}') }, MARSHALL_OPTIONS)).labels).toEqual({ a: 'b' });
  expect(z.record(z.string(), z.string()).parse(JSON.parse('{"__proto__":"x","a":"b"}'))).toEqual({ a: 'b' });
});

describe('labels: capLabels renames the reserved keys and keeps every other name', () => {
  test('reserved keys get a `_` (more while taken); other Object.prototype names are kept as sent', () => {
    const labels = capLabels(JSON.parse(awkwardJson()));
    expect(labels).toEqual({
      __proto___: 'v-__proto__',
      constructor_: 'v-constructor',
      prototype_: 'v-prototype',
      toString: 'v-toString',
      hasOwnProperty: 'v-hasOwnProperty',
      valueOf: 'v-valueOf',
      isPrototypeOf: 'v-isPrototypeOf',
      __defineGetter__: 'v-__defineGetter__',
    });
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    for (const key of RESERVED_KEYS) expect(Object.hasOwn(labels, key)).toBe(false);
    survives(labels);
  });

  test('a rename never overwrites a label that was sent under the new name, before or after it', () => {
    expect(capLabels(JSON.parse('{"constructor":"a","constructor_":"b"}'))).toEqual({ constructor__: 'a', constructor_: 'b' });
    expect(capLabels(JSON.parse('{"constructor_":"b","constructor":"a"}'))).toEqual({ constructor_: 'b', constructor__: 'a' });
    expect(safeLabelName('team', () => true)).toBe('team');
  });

  test('values that are objects with awkward keys are flattened to JSON text', () => {
    const labels = capLabels({ nested: JSON.parse(awkwardJson()) });
    expect(JSON.parse(labels.nested!)).toEqual(JSON.parse(awkwardJson()));
    survives(labels);
  });

  test('the cap still applies', () => {
    const input = JSON.parse(`{${Array.from({ length: 100 }, (_, i) => `"k${i}":"v"`).join(',')},"constructor":"x"}`);
    expect(Object.keys(capLabels(input))).toHaveLength(LABEL_LIMITS.maxLabels);
  });
});

describe('labels through the adapters: one awkward alert never costs its siblings', () => {
  test('generic: labels and extra fields named like the prototype machinery are all kept, renamed where reserved', () => {
    const body = JSON.parse(
      `[{"asset_name":"web-01","signature":"CPU","severity":"high","message":"m","tool_source":"t","labels":${awkwardJson()},"constructor":"extra"},` +
        '{"asset_name":"web-02","signature":"CPU","severity":"high","message":"m","tool_source":"t"}]',
    );
    const alerts = parseGeneric(body, RECEIVED_AT);
    expect(alerts.map((alert) => alert.assetRef)).toEqual(['web-01', 'web-02']);
    const { labels } = alerts[0]!;
    expect(labels).toMatchObject({
      __proto___: 'v-__proto__',
      prototype_: 'v-prototype',
      toString: 'v-toString',
      hasOwnProperty: 'v-hasOwnProperty',
    });
    // An extra top-level field wins over a label of the same name (as for any name), and is renamed like it.
    expect(labels).toMatchObject({ constructor_: 'extra' });
    for (const alert of alerts) expect(normalizedAlertSchema.parse(alert)).toEqual(alert);
    survives(labels);
  });

  test('generic: a label value that is not a scalar is still refused, a reserved key or not', () => {
    const body = JSON.parse(
      '{"asset_name":"a","signature":"s","severity":"low","message":"m","tool_source":"t","labels":{"constructor":{"x":1}}}',
    );
    expect(() => parseGeneric(body, RECEIVED_AT)).toThrow(z.ZodError);
  });

  test('alertmanager: a `constructor` label (legal in Prometheus) on one alert of three', () => {
    const alert = (labels: string) =>
      `{"status":"firing","labels":${labels},"annotations":{"summary":"s"},"startsAt":"2026-03-01T09:00:00Z"}`;
    const body = JSON.parse(
      `{"version":"4","status":"firing","alerts":[${alert('{"alertname":"A","instance":"h1"}')},` +
        `${alert(`{"alertname":"B","instance":"h2","constructor":"x","__proto__":"y","toString":"z"}`)},${alert('{"alertname":"C","instance":"h3"}')}]}`,
    );
    const alerts = parseAlertmanager(body, RECEIVED_AT);
    expect(alerts.map((one) => one.signature)).toEqual(['A', 'B', 'C']);
    expect(alerts[1]!.labels).toMatchObject({ constructor_: 'x', __proto___: 'y', toString: 'z', alertname: 'B' });
    for (const one of alerts) survives(one.labels);
  });
});

describe('asset tags: a reserved key is refused, other names are ordinary tags', () => {
  const asset = (tags: string) => JSON.parse(`{"id":"web-01","name":"web-01","type":"server","tags":${tags}}`);

  test.each([...RESERVED_KEYS])('%s is refused with its path', (key) => {
    const result = assetSchema.safeParse(asset(`{${JSON.stringify(key)}:"x","team":"ops"}`));
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([expect.objectContaining({ path: ['tags', key], message: `"${key}" is a reserved key` })]);
  });

  test('toString, hasOwnProperty, valueOf... are stored, read back and compared like any tag', () => {
    const parsed = assetSchema.parse(asset('{"toString":"a","hasOwnProperty":"b","valueOf":"c","isPrototypeOf":"d"}'));
    expect(parsed.tags).toEqual({ toString: 'a', hasOwnProperty: 'b', valueOf: 'c', isPrototypeOf: 'd' });
    expect(unmarshall(marshall({ ...parsed }, MARSHALL_OPTIONS))).toEqual(parsed);
    survives(parsed.tags);
  });

  test('sizes: 50 tags at most, keys 128 and values 256 characters', () => {
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])));
    expect(assetSchema.safeParse(asset(many)).success).toBe(false);
    expect(assetSchema.safeParse(asset(JSON.stringify({ ['k'.repeat(129)]: 'v' }))).success).toBe(false);
    expect(assetSchema.safeParse(asset(JSON.stringify({ k: 'v'.repeat(257) }))).success).toBe(false);
    expect(assetSchema.safeParse(asset(JSON.stringify({ ['k'.repeat(128)]: 'v'.repeat(256) }))).success).toBe(true);
  });
});

describe('lib/util/input-limits: bounds added to schemas defined elsewhere keep their own checks', () => {
  test('maxLength keeps the pattern, the refinement and the default', () => {
    const slug = z
      .string()
      .regex(/^[a-z]+$/, 'a slug')
      .refine((value) => value !== 'reserved', 'reserved')
      .default('abc');
    const bounded = maxLength(slug, 5);
    expect(bounded.parse(undefined)).toBe('abc');
    expect(bounded.safeParse('abcdef').success).toBe(false);
    expect(bounded.safeParse('ab1').success).toBe(false);
    expect(bounded.safeParse('reserved').success).toBe(false);
    expect(z.toJSONSchema(bounded, { io: 'input' })).toMatchObject({ maxLength: 5, pattern: '^[a-z]+$' });
  });

  test('eachElement keeps the list limits; eachOption keeps the union refinement', () => {
    const list = eachElement(z.array(z.string()).min(1).max(2).optional(), (item) => maxLength(item, 3));
    expect(list.safeParse([]).success).toBe(false);
    expect(list.safeParse(['a', 'b', 'c']).success).toBe(false);
    expect(list.safeParse(['abcd']).success).toBe(false);
    expect(list.parse(undefined)).toBeUndefined();
    const union = z
      .discriminatedUnion('kind', [z.object({ kind: z.literal('a'), text: z.string() }), z.object({ kind: z.literal('b') })])
      .refine((value) => value.kind !== 'b', 'no b');
    const bounded = eachOption(union, (option) => {
      const object = option as z.ZodObject<{ kind: z.ZodLiteral; text?: z.ZodString }>;
      return object.shape.text ? object.safeExtend({ text: maxLength(object.shape.text, 2) }) : object;
    });
    expect(bounded.safeParse({ kind: 'a', text: 'ab' }).success).toBe(true);
    expect(bounded.safeParse({ kind: 'a', text: 'abc' }).success).toBe(false);
    expect(bounded.safeParse({ kind: 'b' }).success).toBe(false);
  });

  test('boundedRecord and maxEntries limit the entries and say so as maxProperties', () => {
    const record = boundedRecord(z.string().max(4), z.string().max(4), 2);
    expect(record.safeParse({ a: 'x', b: 'y', c: 'z' }).success).toBe(false);
    expect(record.safeParse({ a: 'x', b: 'y' }).success).toBe(true);
    expect(z.toJSONSchema(record, { io: 'input' })).toMatchObject({ maxProperties: 2 });
    const limited = maxEntries(z.partialRecord(z.enum(['a', 'b', 'c']), z.string()).default({}), 3);
    expect(z.toJSONSchema(limited, { io: 'input' })).toMatchObject({ maxProperties: 3 });
    expect(limited.parse(undefined)).toEqual({});
  });
});
