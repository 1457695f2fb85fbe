import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { loadKeySet } from '../../lib/auth/tokens';
import { issueActionLink } from '../../lib/notify/action-links';
import { getAlert } from '../../lib/store/alerts';
import { listIncidents } from '../../lib/store/incidents';
import { getAccessVersion } from '../../lib/store/users';
import type { DemoInfo } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { createTenant, getJson, postJson, startTestStack } from '../helpers/local-stack';

/**
 * The fuzz walk, beside the route walk (api-walk.test.ts): every operation of the OpenAPI document the
 * API serves (GET /v1/openapi.json), called as an MSP admin, acme's company admin, acme's technician, acme's
 * client viewer and without a token, with malformed path parameters, query parameters and bodies derived from the
 * document, and the webhook route of every source with its own malformed deliveries. Nothing random:
 * the same requests every run (only their interleaving, 8 at a time, varies).
 *
 * It is honest about what it checks: a malformed-looking input a route accepts (2xx) is fine. It fails
 * on any 5xx, and on any other refusal without the one error shape `{"error": {"code", "message",
 * "details"?}}` (details: the failing fields, or the refusal's context). The local gateway's own
 * refusals, before any handler (no route: 404; malformed percent-encoding: 400; as API Gateway's
 * `{"message"}`), are recognised by the missing `x-correlation-id` every handler answer carries, and may
 * only be those.
 */

let stack: LocalStack;
let demo: DemoInfo;

const CALLERS = ['msp admin', 'company admin', 'technician', 'client viewer', 'anonymous'] as const;
type Caller = (typeof CALLERS)[number];
const EMAILS: Record<Exclude<Caller, 'anonymous'>, string> = {
  'msp admin': 'admin@msp.example',
  'company admin': 'admin@acme.example',
  technician: 'tech.niko@msp.example',
  // Not in the demo: made in beforeAll, as an MSP admin invites a client's person.
  'client viewer': 'client.fuzz@acme.example',
};
const CLIENT_VIEWER_PASSWORD = 'Fuzz-Client-Passw0rd';
const tokens = {} as Record<Exclude<Caller, 'anonymous'>, string>;

/** The tenant the webhook deliveries go to: its own, with a high rate limit, so that 429s do not hide the adapters. */
const FUZZ_TENANT = 'fuzz-co';
let fuzzKey = '';
const SOURCES = ['generic', 'alertmanager', 'grafana', 'datadog', 'zabbix', 'azure', 'cloudwatch'] as const;
const SNS_TOPIC = 'arn:aws:sns:us-east-1:111122223333:acme-cloudwatch-alarms';

/** Ids of resources the well-formed parts of a request name, so that a malformed part is met deep in the handler. */
const ids = {
  incident: '',
  fuzzUser: '',
  doomedUser: '',
  asset: 'app-prod-01',
  doomedAsset: '',
  runbook: '',
  schedule: '',
  key: '',
  /** A one-tap action link's token (for the fuzz user, on the fuzz incident). */
  link: '',
};
const FAKE_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

// --- The document ---------------------------------------------------------------------------------

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: Schema }>;
  body?: Schema;
}
let components: Record<string, Schema> = {};

const resolve = (schema: Schema | boolean | undefined): Schema => {
  let current: Schema = schema !== null && typeof schema === 'object' ? schema : {};
  for (let hops = 0; typeof current.$ref === 'string' && hops < 10; hops++) current = components[current.$ref.split('/').pop()!] ?? {};
  return current;
};
const typeOf = (schema: Schema): string | undefined => {
  const resolved = resolve(schema);
  const type = Array.isArray(resolved.type) ? resolved.type.find((kind: string) => kind !== 'null') : resolved.type;
  if (type) return type;
  const option = (resolved.anyOf ?? resolved.oneOf)?.map(resolve).find((candidate: Schema) => candidate.type !== 'null');
  return option ? typeOf(option) : resolved.properties ? 'object' : undefined;
};

/** Strings that match the patterns the API uses (ids, times, dates, ARNs); the first that fits is the example. */
const PATTERN_SAMPLES = [
  'acme',
  'app-prod-01',
  'linux-disk-cleanup',
  FAKE_ULID,
  '09:00',
  '2024-01-01',
  '123456789012',
  'i-0a1b2c3d4e5f60001',
  'us-east-1',
  'AlertWhispererRemediation',
  SNS_TOPIC,
  'fuzz',
  'sample1',
];

/** A plausible value for a schema: what a well-formed request would carry there (mutations start from it). */
function example(given: Schema, depth = 0): unknown {
  const schema = resolve(given);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema && schema.default !== undefined) return schema.default;
  const options: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (options) return example(options.map(resolve).find((option) => option.type !== 'null') ?? {}, depth);
  switch (typeOf(schema)) {
    case 'string': {
      if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
      if (schema.format === 'email') return 'fuzz@example.com';
      if (schema.format === 'date') return '2024-01-01';
      if (schema.pattern) return PATTERN_SAMPLES.find((sample) => new RegExp(schema.pattern, 'u').test(sample)) ?? 'fuzz';
      return 'fuzz'.padEnd(schema.minLength ?? 0, 'z');
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : Math.min(1, schema.maximum ?? 1));
    case 'boolean':
      return true;
    case 'array':
      return depth > 6 || !schema.minItems ? [] : Array.from({ length: schema.minItems }, () => example(schema.items ?? {}, depth + 1));
    case 'object': {
      const required = new Set<string>(schema.required ?? []);
      return Object.fromEntries(
        Object.entries((schema.properties ?? {}) as Record<string, Schema>)
          .filter(([name]) => required.has(name))
          .map(([name, property]) => [name, example(property, depth + 1)]),
      );
    }
    default:
      return 'fuzz';
  }
}

/** A value of another JSON type than the schema's. */
function wrongType(schema: Schema): unknown {
  switch (typeOf(schema)) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { 0: 'not-a-list' };
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return { unexpected: [true] };
  }
}

// --- Requests -------------------------------------------------------------------------------------

interface Probe {
  caller: Caller | 'api key';
  /** What kind of malformed input it is (`path:too-long`, `body:wrong-type`...). */
  kind: string;
  method: string;
  /** The path with its query. */
  url: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

interface Outcome {
  probe: Probe;
  status: number;
  text: string;
  handled: boolean;
}

const errorShape = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string().min(1), details: z.unknown().optional() }),
});
/** What the local gateway answers itself, before any handler: API Gateway's `{"message"}` for these only. */
const GATEWAY_REFUSALS = new Set([400, 404, 413]);

/** The well-formed value of a path parameter of an operation (resources made for the walk). */
function pathValue(operation: Operation, name: string): string {
  const { method, path } = operation;
  if (path.startsWith('/v1/webhooks/')) return 'generic';
  if (path === '/a/{token}') return ids.link;
  if (path.startsWith('/v1/tenants/')) return method === 'DELETE' && path === '/v1/tenants/{id}' ? 'fuzz-doomed' : 'acme';
  if (path.startsWith('/v1/incidents/')) return ids.incident;
  if (path.startsWith('/v1/assets/')) return method === 'DELETE' ? ids.doomedAsset : ids.asset;
  if (path.startsWith('/v1/users/')) return method === 'DELETE' ? ids.doomedUser : ids.fuzzUser;
  if (path.startsWith('/v1/technicians/')) return ids.fuzzUser;
  if (path.startsWith('/v1/runbooks/')) return ids.runbook;
  if (path.startsWith('/v1/oncall/schedules/')) return ids.schedule;
  if (path.startsWith('/v1/integrations/api-keys/')) return ids.key;
  if (name === 'id') return FAKE_ULID;
  return 'fuzz';
}

const fillPath = (operation: Operation, override?: { name: string; raw: string }) =>
  operation.path.replace(/\{(\w+)\+?\}/g, (_, name: string) =>
    override?.name === name ? override.raw : encodeURIComponent(pathValue(operation, name)),
  );

/** The well-formed query: the tenant where one is declared, required parameters with an example. */
function baseQuery(operation: Operation): Array<[string, string]> {
  return operation.parameters
    .filter((parameter) => parameter.in === 'query' && (parameter.name === 'tenant' || parameter.required))
    .map((parameter) => [parameter.name, parameter.name === 'tenant' ? 'acme' : String(example(parameter.schema))]);
}

const queryString = (pairs: Array<[string, string]>, raw: string[] = []) => {
  const parts = [...pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`), ...raw];
  return parts.length ? `?${parts.join('&')}` : '';
};

const PATH_VALUES: Array<[string, string]> = [
  ['blank', '%20'],
  ['too-long', 'x'.repeat(300)],
  ['very-long', 'y'.repeat(3000)],
  ['very-long-unicode', encodeURIComponent('é'.repeat(1200))],
  ['hash', 'ac%23me'],
  ['nul', 'a%00b'],
  ['traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['unicode', encodeURIComponent('ünï\u202ecødé😀')],
  ['star', '*'],
  ['empty', ''],
];

/** Raw (already encoded) bad values of a query parameter, by kind. */
function queryValues(name: string): Array<[string, string[]]> {
  const one = (value: string) => [`${encodeURIComponent(name)}=${value}`];
  return [
    ['wrong-type', one('not-a-valid-value!')],
    ['too-long', one('x'.repeat(300))],
    ['very-long', one('y'.repeat(4000))],
    ['repeated', [...one('acme'), ...one('globex')]],
    ['nul', one('%00')],
    ['nul-inside', one('ac%00me')],
    ['sql-injection', one(encodeURIComponent("' OR '1'='1' --"))],
    ['script-injection', one(encodeURIComponent('<script>alert(1)</script>'))],
    ['template-injection', one(encodeURIComponent('${jndi:ldap://x/a}{{7*7}}'))],
    ['nosql-injection', one(encodeURIComponent('{"$gt":""}'))],
    ['traversal', one('..%2F..%2Fetc%2Fpasswd')],
    ['huge-number', one('1e309')],
    ['huge-integer', one('99999999999999999999999')],
    ['negative', one('-1')],
    ['array-brackets', [`${encodeURIComponent(`${name}[]`)}=a`, `${encodeURIComponent(`${name}[]`)}=b`]],
    ['comma-list', one('a,b')],
    ['empty', one('')],
    ['unicode', one(encodeURIComponent('ünï\u202ecødé😀'))],
    ['hash', one('ac%23me')],
    ['star', one('*')],
  ];
}

const FUZZ_ID = 'fuzz-id-placeholder';

/** Well-formed bodies where the schema alone does not give one the handler accepts (its own checks, existing users...). */
const runbookBody = () => ({
  name: 'Fuzz uptime',
  description: 'Reads the uptime.',
  platform: 'linux',
  risk: 'low',
  readOnly: true,
  match: { keywords: ['uptime'] },
  preChecks: ['true'],
  commands: ['uptime'],
  verification: ['true'],
  rollback: [],
  rollbackNote: 'None.',
  timeoutSeconds: 60,
  maxTargets: 1,
});
const scheduleBody = () => ({
  name: 'Fuzz rotation',
  layers: [{ name: 'L', members: [ids.fuzzUser], rotation: 'weekly', handoffTime: '09:00', timeZone: 'UTC', startDate: '2024-01-01' }],
});
const WELL_FORMED: Record<string, () => unknown> = {
  'POST /v1/incidents/{id}/assign': () => ({ userId: null }),
  'POST /v1/users': () => ({
    email: `${FUZZ_ID}@acme.example`,
    name: 'Fuzz',
    role: 'technician',
    tenantIds: ['acme'],
    password: 'Fuzz-Passw0rd-long',
  }),
  'PATCH /v1/users/{id}': () => ({ name: 'Fuzz user' }),
  'PATCH /v1/tenants/{id}': () => ({ name: 'Acme Manufacturing' }),
  'POST /v1/runbooks': () => ({ id: FUZZ_ID, ...runbookBody() }),
  'PUT /v1/runbooks/{id}': runbookBody,
  'POST /v1/incidents/{id}/execute': () => ({ runbookId: 'linux-disk-cleanup', targets: ['app-prod-02'], dryRun: true }),
  'POST /v1/oncall/schedules': scheduleBody,
  'PUT /v1/me/phone': () => ({ number: '+447700900555' }),
  'POST /v1/me/phone/verify': () => ({ code: '123456' }),
  'PUT /v1/oncall/schedules/{id}': scheduleBody,
};
let fuzzIds = 0;
/** The body with a new id in place of FUZZ_ID (bytes kept as they are). */
const numbered = (body: string | Uint8Array): string | Uint8Array => {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  if (!text.includes(FUZZ_ID)) return body;
  const replaced = text.replaceAll(FUZZ_ID, `fz${++fuzzIds}`);
  return typeof body === 'string' ? replaced : Buffer.from(replaced, 'latin1');
};

/** Fields below the top level a body may have (following the example, and optional fields too), at most this many per body. */
const MAX_DEEP_FIELDS = 25;

function deepFields(
  given: Schema,
  value: unknown,
  path: Array<string | number> = [],
  depth = 0,
): Array<{ path: Array<string | number>; schema: Schema }> {
  const schema = resolve(given);
  const options: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (options) return deepFields(options.map(resolve).find((option) => option.type !== 'null') ?? {}, value, path, depth);
  const found: Array<{ path: Array<string | number>; schema: Schema }> = path.length > 1 ? [{ path, schema }] : [];
  if (depth > 5) return found;
  if (typeOf(schema) === 'object') {
    const own = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
      found.push(...deepFields(property, own[name] ?? example(property), [...path, name], depth + 1));
  } else if (typeOf(schema) === 'array') {
    const items = schema.items ?? {};
    found.push(...deepFields(items, Array.isArray(value) && value.length ? value[0] : example(items), [...path, 0], depth + 1));
  }
  return found;
}

/** A copy of `base` with `value` at `path` (parents made as needed). */
function setAt(base: unknown, path: Array<string | number>, value: unknown): unknown {
  const root = structuredClone(base ?? {}) as Record<string | number, unknown>;
  let node = root;
  for (const [index, step] of path.entries()) {
    if (index === path.length - 1) node[step] = value;
    else {
      const next = node[step];
      node[step] = next !== null && typeof next === 'object' ? next : typeof path[index + 1] === 'number' ? [] : {};
      node = node[step] as Record<string | number, unknown>;
    }
  }
  return root;
}

/** A JSON text nested `depth` levels deep. */
const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
const PROTO_KEYS =
  '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":"p","toString":"t","hasOwnProperty":"h"';
/** A JSON object text with the prototype-named keys first, then the object's own fields. */
const withProtoKeys = (value: unknown) => {
  const text = JSON.stringify(value ?? {});
  return text === '{}' ? `{${PROTO_KEYS}}` : `{${PROTO_KEYS},${text.slice(1)}`;
};

/** The body mutations of an operation, from its well-formed body. */
function bodyProbes(
  bodySchema: Schema,
  base: unknown,
): Array<{ kind: string; body: string | Uint8Array; headers?: Record<string, string> }> {
  const schema = resolve(bodySchema);
  const object = base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  const firstString = properties.find(([, property]) => typeOf(property) === 'string')?.[0] ?? 'text';
  const firstObject = properties.find(([, property]) => typeOf(property) === 'object')?.[0];
  const numbers = properties.filter(([, property]) => ['number', 'integer'].includes(typeOf(property) ?? '')).map(([name]) => name);
  const json = (value: unknown) => JSON.stringify(value);
  const replaced = (name: string, rawValue: string) =>
    `{${[
      `${json(name)}:${rawValue}`,
      ...Object.entries(object)
        .filter(([key]) => key !== name)
        .map(([key, value]) => `${json(key)}:${json(value)}`),
    ].join(',')}}`;
  const probes: Array<{ kind: string; body: string | Uint8Array; headers?: Record<string, string> }> = [
    { kind: 'body:well-formed', body: json(base) },
    { kind: 'body:not-json', body: '{"this is": not json' },
    { kind: 'body:empty', body: '' },
    { kind: 'body:null', body: 'null' },
    { kind: 'body:wrong-root-type', body: '[1,2,3]' },
    { kind: 'body:wrong-root-type', body: '"a string"' },
    { kind: 'body:missing-required', body: '{}' },
    { kind: 'body:extra-field', body: json({ ...object, unexpectedField: 'x' }) },
    { kind: 'body:nested-10000', body: replaced(firstString, nested(10_000)) },
    { kind: 'body:nested-33', body: replaced(firstString, nested(32)) },
    { kind: 'body:string-900kb', body: replaced(firstString, json('a'.repeat(900 * 1024))) },
    { kind: 'body:proto-keys', body: withProtoKeys(object) },
    {
      kind: 'body:invalid-utf8',
      body: Buffer.concat([Buffer.from(replaced(firstString, '"').slice(0, -1)), Buffer.from([0xff, 0xfe, 0xc3, 0x22, 0x7d])]),
    },
    { kind: 'body:number-1e309', body: replaced(numbers[0] ?? 'n', '1e309') },
    { kind: 'body:number-huge', body: replaced(numbers[0] ?? 'n', '123456789012345678901234567890') },
    { kind: 'body:number-negative', body: replaced(numbers[0] ?? 'n', '-1e308') },
    { kind: 'body:wrong-content-type', body: json(base), headers: { 'content-type': 'text/html' } },
  ];
  if (firstObject) probes.push({ kind: 'body:proto-keys-nested', body: replaced(firstObject, withProtoKeys(object[firstObject])) });
  // Maps of strings (tags, labels, parameters) with keys named like the prototype machinery.
  for (const [name] of properties.filter(([, property]) => typeOf(property) === 'object')) {
    const own = JSON.stringify(object[name] ?? {}).slice(1, -1);
    const keys = '"constructor":"c","__proto__":"p","prototype":"pr","toString":"t","hasOwnProperty":"h"';
    probes.push({ kind: 'body:proto-keys-strings', body: replaced(name, `{${[keys, own].filter(Boolean).join(',')}}`) });
  }
  for (const name of numbers.slice(1)) probes.push({ kind: 'body:number-1e309', body: replaced(name, '1e309') });
  for (const [name, property] of properties) {
    probes.push({ kind: 'body:wrong-type', body: replaced(name, json(wrongType(property))) });
    probes.push({ kind: 'body:null-field', body: replaced(name, 'null') });
    if (typeOf(property) === 'string') probes.push({ kind: 'body:string-too-long', body: replaced(name, json('s'.repeat(5000))) });
    if (typeOf(property) === 'array')
      probes.push({
        kind: 'body:array-too-long',
        body: replaced(name, json(Array.from({ length: 600 }, () => example(resolve(property).items ?? {})))),
      });
    if (typeOf(property) === 'object') {
      // One level down: each field of the nested object with a wrong type.
      const nestedSchema = resolve(property);
      for (const [inner, innerSchema] of Object.entries((nestedSchema.properties ?? {}) as Record<string, Schema>)) {
        const value = { ...((object[name] as Record<string, unknown>) ?? {}), [inner]: wrongType(innerSchema) };
        probes.push({ kind: 'body:nested-wrong-type', body: replaced(name, json(value)) });
      }
    }
  }
  for (const name of schema.required ?? []) {
    const { [name]: _left, ...rest } = object;
    probes.push({ kind: 'body:missing-required', body: json(rest) });
  }
  // Deeper fields (below the top level): each with a wrong type, numbers also out of range.
  for (const { path, schema: leaf } of deepFields(bodySchema, base).slice(0, MAX_DEEP_FIELDS)) {
    const values: unknown[] = [wrongType(leaf)];
    if (['number', 'integer'].includes(typeOf(leaf) ?? '')) values.push(1e300, -1e300, 0.5);
    if (typeOf(leaf) === 'string') values.push('\u0000'.repeat(3), 'z'.repeat(3000));
    for (const value of values) probes.push({ kind: 'body:deep-field', body: json(setAt(base, path, value)) });
  }
  return probes;
}

function operationProbes(operation: Operation, caller: Caller): Probe[] {
  const probes: Probe[] = [];
  const query = baseQuery(operation);
  const base = operation.body ? (WELL_FORMED[`${operation.method} ${operation.path}`]?.() ?? example(operation.body)) : undefined;
  // A create names a new id in each request (FUZZ_ID, numbered in the order the requests are made), so that more than the first reaches the store.
  if (operation.method === 'POST' && base !== null && typeof base === 'object' && typeof (base as { id?: unknown }).id === 'string')
    (base as { id: string }).id = FUZZ_ID;
  const wellFormed = { url: fillPath(operation) + queryString(query), ...(operation.body ? { body: JSON.stringify(base) } : {}) };
  const add = (kind: string, url: string, body?: string | Uint8Array, headers?: Record<string, string>) =>
    probes.push({
      caller,
      kind,
      method: operation.method,
      url,
      ...(body === undefined ? {} : { body: numbered(body) }),
      ...(headers ? { headers } : {}),
    });
  add('well-formed', wellFormed.url, wellFormed.body);
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'path')) {
    for (const [kind, raw] of PATH_VALUES)
      add(`path:${kind}`, fillPath(operation, { name: parameter.name, raw }) + queryString(query), wellFormed.body);
  }
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'query')) {
    const others = query.filter(([name]) => name !== parameter.name);
    for (const [kind, raw] of queryValues(parameter.name))
      add(`query:${kind}`, fillPath(operation) + queryString(others, raw), wellFormed.body);
  }
  if (operation.body) for (const probe of bodyProbes(operation.body, base)) add(probe.kind, wellFormed.url, probe.body, probe.headers);
  return probes;
}

// --- Webhooks -------------------------------------------------------------------------------------

const sample = (source: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'events', 'webhooks', source, 'firing.json'), 'utf8'));
const LABEL_NAMES = { constructor: 'c', ['__proto__']: 'p', prototype: 'pr', toString: 't', hasOwnProperty: 'h', valueOf: 'v' };
/** The label map text with every awkward name as an own key (a JSON text: `__proto__` stays a key). */
const awkwardLabels = (extra: Record<string, string> = {}) =>
  `{${Object.entries({ ...extra })
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .concat(Object.entries(LABEL_NAMES).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`))
    .join(',')}}`;

/** The source's sample with awkward label names where that tool carries labels. */
function awkwardDelivery(source: string, payload: any): string {
  const text = JSON.stringify(payload);
  switch (source) {
    case 'generic':
      return text.replace(/^\{/, `{"labels":${awkwardLabels()},`);
    case 'alertmanager':
    case 'grafana': {
      const labels = payload.alerts[0].labels as Record<string, string>;
      const alerts = payload.alerts.map((alert: unknown, index: number) => (index === 0 ? '__AWKWARD__' : JSON.stringify(alert)));
      const first = JSON.stringify({ ...payload.alerts[0], labels: undefined }).replace(/^\{/, `{"labels":${awkwardLabels(labels)},`);
      return JSON.stringify({ ...payload, alerts: ['__ALERTS__'] }).replace(
        '["__ALERTS__"]',
        `[${alerts.join(',').replace('__AWKWARD__', first)}]`,
      );
    }
    case 'datadog':
      return JSON.stringify({ ...payload, tags: 'constructor:x,__proto__:y,prototype:z,toString:t,env:prod' });
    case 'azure':
      return JSON.stringify({ ...payload, data: { ...payload.data, customProperties: '__CUSTOM__' } }).replace(
        '"__CUSTOM__"',
        awkwardLabels(),
      );
    case 'cloudwatch': {
      const message = JSON.parse(payload.Message);
      const dimensions = Object.keys(LABEL_NAMES).map((name) => ({ name, value: 'x' }));
      return JSON.stringify({
        ...payload,
        Message: JSON.stringify({ ...message, Trigger: { ...message.Trigger, Dimensions: dimensions } }),
      });
    }
    default:
      return text.replace(/^\{/, `{${PROTO_KEYS},`);
  }
}

/** The source's sample carrying 501 alerts (one more than a delivery may), where the tool batches. */
function manyAlerts(source: string, payload: any): string | undefined {
  if (source === 'generic') return JSON.stringify(Array.from({ length: 501 }, (_, index) => ({ ...payload, signature: `Fuzz${index}` })));
  if (source === 'alertmanager' || source === 'grafana')
    return JSON.stringify({
      ...payload,
      alerts: Array.from({ length: 501 }, (_, index) => ({ ...payload.alerts[0], fingerprint: `f${index}` })),
    });
  return undefined;
}

function webhookProbes(): Probe[] {
  const probes: Probe[] = [];
  for (const source of SOURCES) {
    const payload = sample(source);
    const url = `/v1/webhooks/${source}`;
    const add = (
      kind: string,
      body: string | Uint8Array,
      options: { query?: string; headers?: Record<string, string>; caller?: Probe['caller'] } = {},
    ) =>
      probes.push({
        caller: options.caller ?? 'api key',
        kind: `webhook:${kind}`,
        method: 'POST',
        url: `${url}${options.query ?? ''}`,
        // SNS deliveries are keyed on their MessageId (X-Delivery-ID is not theirs): each probe gets its own.
        body:
          source === 'cloudwatch' && typeof body === 'string'
            ? body.replaceAll(payload.MessageId, `${payload.MessageId}-${probes.length}`)
            : body,
        // A delivery id of its own: a repeat would be answered from the idempotency record without storing anything.
        headers: {
          ...(options.caller === 'anonymous' ? {} : { 'x-api-key': fuzzKey }),
          'x-delivery-id': `fuzz-${source}-${kind}-${probes.length}`,
          ...options.headers,
        },
      });
    add('well-formed', JSON.stringify(payload));
    add('awkward-labels', awkwardDelivery(source, payload));
    add('proto-keys', withProtoKeys(payload));
    const many = manyAlerts(source, payload);
    if (many) add('501-alerts', many);
    add('nested-10000', JSON.stringify(payload).replace(/^\{/, `{"deep":${nested(10_000)},`));
    add('nested-65', JSON.stringify(payload).replace(/^\{/, `{"deep":${nested(64)},`));
    add('nested-in-labels', awkwardDelivery(source, payload).replace(/^\{/, `{"labels_deep":{"a":${nested(60)}},`));
    add('string-900kb', JSON.stringify({ ...payload, huge: 'a'.repeat(900 * 1024) }));
    add('over-1mib', JSON.stringify({ ...payload, huge: 'a'.repeat(1100 * 1024) }));
    add('not-json', '{"alerts": [');
    add('empty', '');
    add('null', 'null');
    add('array-of-nothing', '[]');
    add('string', '"firing"');
    add('number-1e309', JSON.stringify(payload).replace(/^\{/, '{"value":1e309,"threshold":-1e309,'));
    add(
      'invalid-utf8',
      Buffer.concat([Buffer.from(JSON.stringify(payload).replace(/\}$/, ',"bad":"')), Buffer.from([0xff, 0xfe, 0xc3, 0x22, 0x7d])]),
    );
    add('wrong-content-type', JSON.stringify(payload), { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    add('no-key', JSON.stringify(payload), { caller: 'anonymous' });
    add('key-in-query-bad', JSON.stringify(payload), { caller: 'anonymous', query: `?api_key=${'x'.repeat(300)}` });
    add('key-in-query-nul', JSON.stringify(payload), { caller: 'anonymous', query: '?api_key=%00' });
    add('bad-signature', JSON.stringify(payload), { headers: { 'x-signature': 'sha256=zz', 'x-timestamp': 'nope' } });
    add('long-delivery-id', JSON.stringify(payload), { headers: { 'x-delivery-id': 'd'.repeat(5000) } });
    add('long-correlation-id', JSON.stringify(payload), { headers: { 'x-correlation-id': `c%00${'c'.repeat(3000)}` } });
    // Each top-level field of the sample with another type, and left out.
    for (const [name, value] of Object.entries(payload as Record<string, unknown>)) {
      add(
        'wrong-type',
        JSON.stringify({ ...payload, [name]: Array.isArray(value) ? 'not-a-list' : typeof value === 'string' ? 12345 : ['x'] }),
      );
      const { [name]: _left, ...rest } = payload;
      add('missing-field', JSON.stringify(rest));
    }
  }
  for (const [kind, raw] of PATH_VALUES) {
    probes.push({
      caller: 'api key',
      kind: `webhook:path:${kind}`,
      method: 'POST',
      url: `/v1/webhooks/${raw}`,
      body: '{}',
      headers: { 'x-api-key': fuzzKey },
    });
  }
  return probes;
}

// --- Running --------------------------------------------------------------------------------------

async function send(probe: Probe): Promise<Outcome> {
  const signedIn = probe.caller !== 'anonymous' && probe.caller !== 'api key';
  const response = await fetch(`${stack.apiUrl}${probe.url}`, {
    method: probe.method,
    headers: {
      ...(signedIn ? { authorization: `Bearer ${tokens[probe.caller as keyof typeof tokens]}` } : {}),
      ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...probe.headers,
    },
    ...(probe.body === undefined ? {} : { body: typeof probe.body === 'string' ? probe.body : Buffer.from(probe.body) }),
    signal: AbortSignal.timeout(60_000),
  });
  return { probe, status: response.status, text: await response.text(), handled: response.headers.has('x-correlation-id') };
}

function problemOf({ probe, status, text, handled }: Outcome): string | undefined {
  const where = `${probe.caller} ${probe.kind}: ${probe.method} ${probe.url.slice(0, 120)}${probe.url.length > 120 ? '...' : ''}`;
  if (status >= 500) return `${where} answered ${status}: ${text.slice(0, 300)}`;
  if (status < 300) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${where} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (!handled) {
    const gateway = z.strictObject({ message: z.string() }).safeParse(body).success;
    return gateway && GATEWAY_REFUSALS.has(status) ? undefined : `${where}: the gateway answered ${status} ${text.slice(0, 200)}`;
  }
  if (!errorShape.safeParse(body).success) return `${where} answered ${status} without the error shape: ${text.slice(0, 300)}`;
  return undefined;
}

async function runAll(probes: Probe[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < probes.length) {
        const probe = probes[next++]!;
        try {
          outcomes.push(await send(probe));
        } catch (error) {
          outcomes.push({ probe, status: 599, text: `request failed: ${(error as Error).message}`, handled: false });
        }
      }
    }),
  );
  return outcomes;
}

beforeAll(async () => {
  ({ stack, demo } = await startTestStack('api-fuzz', { snsVerify: 'off' }));
  const signIn = async (caller: keyof typeof EMAILS, password: string) => {
    const { status, body } = await postJson(stack, '/v1/auth/login', { email: EMAILS[caller], password });
    if (status !== 200) throw new Error(`Login failed for ${EMAILS[caller]}: ${status}`);
    tokens[caller] = body.accessToken;
  };
  for (const caller of Object.keys(EMAILS) as Array<keyof typeof EMAILS>) {
    if (caller !== 'client viewer') await signIn(caller, demo.users.find((candidate) => candidate.email === EMAILS[caller])!.password);
  }
  const admin = { authorization: `Bearer ${tokens['msp admin']}` };
  const setup = async (path: string, body: unknown = {}) => {
    const answer = await postJson(stack, path, body, admin);
    if (answer.status >= 300) throw new Error(`Setup ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  await setup('/v1/users', {
    email: EMAILS['client viewer'],
    name: 'Fuzz Client',
    role: 'client_viewer',
    tenantIds: ['acme'],
    password: CLIENT_VIEWER_PASSWORD,
  });
  await signIn('client viewer', CLIENT_VIEWER_PASSWORD);
  fuzzKey = await createTenant(stack, FUZZ_TENANT);
  await createTenant(stack, 'fuzz-doomed');
  const rateLimit = await fetch(`${stack.apiUrl}/v1/integrations/rate-limit?tenant=${FUZZ_TENANT}`, {
    method: 'PUT',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ perMinute: 100_000, burst: 10_000 }),
  });
  if (rateLimit.status !== 200) throw new Error(`Rate limit: ${rateLimit.status}`);
  await setup(`/v1/integrations/sns-topics?tenant=${FUZZ_TENANT}`, { topicArn: SNS_TOPIC });
  const user = (name: string) =>
    setup('/v1/users', { email: `${name}@acme.example`, name, role: 'technician', tenantIds: ['acme'], password: 'Fuzz-Passw0rd-long' });
  ids.fuzzUser = (await user('fuzz-user')).id;
  ids.doomedUser = (await user('fuzz-doomed-user')).id;
  ids.doomedAsset = (await setup('/v1/assets?tenant=acme', { id: 'fuzz-doomed-asset', name: 'fuzz-doomed-asset', type: 'server' })).id;
  ids.key = (await setup('/v1/integrations/api-keys?tenant=acme')).keyId;
  ids.schedule = (
    await setup('/v1/oncall/schedules?tenant=acme', {
      name: 'Fuzz rotation',
      layers: [{ name: 'L', members: [ids.fuzzUser], rotation: 'weekly', handoffTime: '09:00', timeZone: 'UTC', startDate: '2024-01-01' }],
    })
  ).id;
  ids.runbook = (await setup('/v1/runbooks?tenant=acme', { id: 'fuzz-uptime', ...runbookBody() })).id;
  const acmeKey = demo.tenants.find((tenant) => tenant.id === 'acme')!.apiKey;
  const delivered = await postJson(
    stack,
    '/v1/webhooks/generic',
    { asset_name: 'fuzz-host', signature: 'FuzzCheck', severity: 'high', message: 'fuzz', tool_source: 'fuzz' },
    { 'x-api-key': acmeKey },
  );
  if (delivered.status !== 202) throw new Error(`Webhook refused: ${delivered.status}`);
  await stack.idle();
  const incident = (await listIncidents(stack.table, 'acme', { limit: 1000 })).find((one) => one.signatures.includes('FuzzCheck'));
  ids.incident = incident!.id;
  ids.link = (
    await issueActionLink(
      { table: stack.table, keySet: await loadKeySet(stack.environment), now: () => new Date(), baseUrl: stack.apiUrl },
      {
        tenantId: 'acme',
        incidentId: ids.incident,
        userId: ids.fuzzUser,
        accessVersion: (await getAccessVersion(stack.table, ids.fuzzUser)) ?? 0,
        channel: 'sms',
      },
    )
  ).token;
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

/** The review's findings, each as it was reported (they answered 500, lost alerts or stored replacement characters). */
describe("the security review's findings", () => {
  const as = (caller: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[caller]}` });
  const request = async (
    method: string,
    path: string,
    caller: keyof typeof tokens | null,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { ...(caller ? as(caller) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  test('a malformed ?tenant= for an MSP admin is a 400 naming the parameter, on incidents, alerts and unresolved assets', async () => {
    const bad = ['ac%23me', 'acme&tenant=globex', 'x'.repeat(300), '%00', '%20', '*'];
    for (const route of [`/v1/incidents/${ids.incident}`, '/v1/incidents', '/v1/alerts', '/v1/assets/unresolved']) {
      for (const tenant of bad) {
        const answer = await request('GET', `${route}?tenant=${tenant}`, 'msp admin');
        expect([route, tenant, answer.status, answer.body.error.code]).toEqual([route, tenant, 400, 'invalid_request']);
        expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'tenant' })]));
      }
    }
  });

  test('a malformed tenant in the path is a 400 as well', async () => {
    const answer = await request('GET', '/v1/tenants/ac%23me/sla/policy', 'msp admin');
    expect([answer.status, answer.body.error.code]).toEqual([400, 'invalid_request']);
  });

  test('labels named constructor, __proto__, prototype... are stored (renamed where reserved) with their siblings', async () => {
    const alerts = [
      { asset_name: 'proto-01', signature: 'ProtoA', severity: 'low', message: 'm', tool_source: 'fuzz' },
      '{"asset_name":"proto-02","signature":"ProtoB","severity":"low","message":"m","tool_source":"fuzz","labels":{"constructor":"c","__proto__":"p","prototype":"pr","toString":"t","hasOwnProperty":"h"}}',
      { asset_name: 'proto-03', signature: 'ProtoC', severity: 'low', message: 'm', tool_source: 'fuzz' },
    ];
    const body = `[${alerts.map((alert) => (typeof alert === 'string' ? alert : JSON.stringify(alert))).join(',')}]`;
    const answer = await request('POST', '/v1/webhooks/generic', null, body, { 'x-api-key': fuzzKey, 'x-delivery-id': 'review-labels' });
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toHaveLength(3);
    const stored = await getAlert(stack.table, FUZZ_TENANT, answer.body.accepted[1].alertId);
    expect(stored!.labels).toEqual({ constructor_: 'c', __proto___: 'p', prototype_: 'pr', toString: 't', hasOwnProperty: 'h' });
    for (const { alertId } of answer.body.accepted) expect(await getAlert(stack.table, FUZZ_TENANT, alertId)).toBeDefined();
  });

  test('an Alertmanager alert with a constructor label does not cost the other alerts of the delivery', async () => {
    const payload = sample('alertmanager');
    const second = JSON.stringify({ ...payload.alerts[0], fingerprint: 'review-2', labels: undefined }).replace(
      /^\{/,
      `{"labels":{"alertname":"ReviewConstructor","instance":"h2","constructor":"x"},`,
    );
    const body = JSON.stringify({ ...payload, alerts: ['__A__'] }).replace('["__A__"]', `[${JSON.stringify(payload.alerts[0])},${second}]`);
    const answer = await request('POST', '/v1/webhooks/alertmanager', null, body, { 'x-api-key': fuzzKey, 'x-delivery-id': 'review-am' });
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toHaveLength(2);
    expect((await getAlert(stack.table, FUZZ_TENANT, answer.body.accepted[1].alertId))!.labels).toMatchObject({ constructor_: 'x' });
  });

  test('a webhook field nested 10,000 deep, and an API body nested 33 deep, are a 422 payload_too_deep', async () => {
    const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const webhook = await request('POST', '/v1/webhooks/generic', null, `{"asset_name":"a","labels":{"x":${deep(10_000)}}}`, {
      'x-api-key': fuzzKey,
    });
    expect([webhook.status, webhook.body.error.code, webhook.body.error.details]).toEqual([422, 'payload_too_deep', { maxDepth: 64 }]);
    const api = await request('POST', `/v1/incidents/${ids.incident}/notes?tenant=acme`, 'msp admin', `{"text":${deep(33)}}`);
    expect([api.status, api.body.error.code, api.body.error.details]).toEqual([422, 'payload_too_deep', { maxDepth: 32 }]);
  });

  test('a 1 MB escalation policy id is a 400 naming the field; nothing is stored', async () => {
    const before = await request('GET', '/v1/tenants/acme/escalation/policy', 'msp admin');
    const answer = await request('PUT', '/v1/tenants/acme/escalation/policy', 'msp admin', JSON.stringify({ id: 'x'.repeat(1_000_000) }));
    expect([answer.status, answer.body.error.details]).toEqual([400, [expect.objectContaining({ path: 'id' })]]);
    expect(await request('GET', '/v1/tenants/acme/escalation/policy', 'msp admin')).toEqual(before);
  });

  test('a body that is not UTF-8 is a 400 invalid_encoding, never stored with replacement characters', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"asset_name":"utf-01","signature":"Utf","severity":"low","tool_source":"t","message":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const webhook = await request('POST', '/v1/webhooks/generic', null, bytes, { 'x-api-key': fuzzKey });
    expect([webhook.status, webhook.body.error.code]).toEqual([400, 'invalid_encoding']);
    const note = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const api = await request('POST', `/v1/incidents/${ids.incident}/notes?tenant=acme`, 'msp admin', note);
    expect([api.status, api.body.error.code]).toEqual([400, 'invalid_encoding']);
    // A replacement character that was really sent is text like any other.
    const real = await request(
      'POST',
      '/v1/webhooks/generic',
      null,
      Buffer.from('{"asset_name":"utf-02","signature":"Utf\uFFFD","severity":"low","tool_source":"t","message":"\uFFFD"}'),
      { 'x-api-key': fuzzKey },
    );
    expect(real.status).toBe(202);
  });

  test('a runbook parameter named like the prototype machinery is refused when the runbook is written (it could never run)', async () => {
    for (const name of ['constructor', 'toString', 'prototype']) {
      const runbook = {
        ...runbookBody(),
        id: `proto-${name.toLowerCase()}`,
        parameters: [{ name, description: 'p', type: 'string', pattern: '[a-z]+', default: 'abc' }],
      };
      const answer = await request('POST', '/v1/runbooks?tenant=acme', 'msp admin', JSON.stringify(runbook));
      expect([name, answer.status, answer.body.error.details]).toEqual([
        name,
        400,
        [{ path: 'parameters.0.name', message: 'A reserved name: choose another' }],
      ]);
    }
  });

  test('asset tags: toString and hasOwnProperty are ordinary tags, read back as stored; a reserved key is a 400', async () => {
    const asset = { id: 'proto-tags', name: 'proto-tags', type: 'server', tags: { toString: 'a', hasOwnProperty: 'b', valueOf: 'c' } };
    expect((await request('POST', '/v1/assets?tenant=acme', 'msp admin', JSON.stringify(asset))).status).toBe(201);
    expect((await request('GET', '/v1/assets/proto-tags?tenant=acme', 'msp admin')).body.tags).toEqual(asset.tags);
    for (const key of ['constructor', '__proto__', 'prototype']) {
      const answer = await request(
        'PUT',
        '/v1/assets/proto-tags?tenant=acme',
        'msp admin',
        `{"name":"proto-tags","type":"server","tags":{"${key}":"x"}}`,
      );
      expect([key, answer.status, answer.body.error.details]).toEqual([
        key,
        400,
        [{ path: `tags.${key}`, message: `"${key}" is a reserved key` }],
      ]);
    }
  });
});

test('no malformed request gets a 5xx, and every refusal has the error shape', async () => {
  const started = Date.now();
  const { status, body: document } = await getJson(stack, '/v1/openapi.json');
  expect(status).toBe(200);
  components = document.components.schemas;
  const operations: Operation[] = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content?.['application/json']?.schema,
    })),
  );
  const apiOperations = operations.filter((operation) => !operation.path.startsWith('/v1/webhooks/'));
  expect(apiOperations.length).toBeGreaterThan(80);
  expect(operations.some((operation) => operation.path === '/v1/webhooks/{source}')).toBe(true);

  // Signing out (one session or all of the caller's) last, so that the other requests keep their tokens.
  const last = (operation: Operation) => operation.path.startsWith('/v1/auth/');
  const probesOf = (list: Operation[]) => list.flatMap((operation) => CALLERS.flatMap((caller) => operationProbes(operation, caller)));
  const rounds = [
    [...probesOf(apiOperations.filter((operation) => !last(operation))), ...webhookProbes()],
    probesOf(apiOperations.filter(last)),
  ];
  const outcomes: Outcome[] = [];
  for (const round of rounds) outcomes.push(...(await runAll(round, 8)));

  const problems = outcomes.map(problemOf).filter((problem): problem is string => problem !== undefined);
  const kinds = new Map<string, number>();
  for (const { probe } of outcomes) kinds.set(probe.kind, (kinds.get(probe.kind) ?? 0) + 1);
  const statuses = new Map<number, number>();
  for (const { status: answered } of outcomes) statuses.set(answered, (statuses.get(answered) ?? 0) + 1);
  console.log(
    `Fuzz walk: ${outcomes.length} requests, ${kinds.size} classes, ${operations.length} operations x ${CALLERS.length} callers ` +
      `(+ ${SOURCES.length} webhook sources), ${Math.round((Date.now() - started) / 1000)} s.\n` +
      `Answers: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([code, count]) => `${code}: ${count}`)
        .join(', ')}.\n` +
      `Classes: ${[...kinds]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ')}.`,
  );
  // AW_FUZZ_VERBOSE=1: the answers per class and caller, and the well-formed requests the MSP admin had refused
  // (a refused baseline stops its mutations early: keep WELL_FORMED up to date).
  if (process.env.AW_FUZZ_VERBOSE) {
    const byKind = new Map<string, Map<string, number>>();
    for (const { probe, status: answered } of outcomes) {
      const key = `${probe.kind} ${probe.caller}`;
      const counts = byKind.get(key) ?? new Map<string, number>();
      counts.set(String(answered), (counts.get(String(answered)) ?? 0) + 1);
      byKind.set(key, counts);
    }
    for (const { probe, status: answered, text } of outcomes)
      if (probe.caller === 'msp admin' && probe.kind.endsWith('well-formed') && answered >= 300)
        console.log(`refused well-formed: ${probe.method} ${probe.url} ${answered} ${text.slice(0, 300)}`);
    console.log(
      [...byKind]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, counts]) => `${key}: ${[...counts].map(([code, count]) => `${code}x${count}`).join(' ')}`)
        .join('\n'),
    );
  }
  expect(problems.slice(0, 60)).toEqual([]);
  expect(problems).toHaveLength(0);
}, 150_000);

test('nothing reached a prototype: the handlers run in this process, and Object.prototype is as it was', () => {
  const probe: Record<string, unknown> = {};
  expect([probe.polluted, Object.getPrototypeOf(probe) === Object.prototype, Object.keys(Object.prototype)]).toEqual([undefined, true, []]);
});
