import * as z from 'zod';
import { FORMAT_ADAPTERS } from '../ingest/formats';
import { MAX_JSON_DEPTH, MAX_WEBHOOK_JSON_DEPTH } from '../util/json-depth';
import type { Route, RouteDoc } from './context';
import { errorResponse, webhookResponse } from './schemas';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the routes' own documentation (each route's
 * `doc`: the zod schemas its handler parses with and the response schemas of lib/api/schemas.ts) with
 * zod's JSON Schema conversion (draft 2020-12, the dialect of OpenAPI 3.1). Served by
 * `GET /v1/openapi.json` (lib/api/routes/openapi.ts).
 */

export type JsonSchema = Record<string, unknown>;

/** A documented operation: an API route, or a route another function serves (the webhooks). */
export type DocumentedOperation = Pick<Route, 'method' | 'path' | 'doc'>;

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** The webhook parameter `{source}`: one format adapter per monitoring tool. */
const webhookSource = z.enum(Object.keys(FORMAT_ADAPTERS) as [string, ...string[]]).describe('The monitoring tool');

/** `POST /v1/webhooks/{source}`: served by the ingestion function (functions/catalog.ts HTTP_ROUTES, lib/ingest/webhook.ts). */
export const WEBHOOK_OPERATIONS: readonly DocumentedOperation[] = [
  {
    method: 'POST',
    path: '/v1/webhooks/{source}',
    doc: {
      summary: 'Ingest alerts from a monitoring tool',
      description: [
        "Authenticated by the tenant's API key: `X-Api-Key`, `Authorization: Bearer <key>`, or the `api_key` query parameter for tools that cannot set headers.",
        'When the tenant requires signing, `X-Timestamp` (Unix seconds or ms, or ISO 8601 with a zone; within 5 minutes) and `X-Signature`',
        '(`sha256=` + hex HMAC-SHA256 with the tenant\'s signing secret of `timestamp + "." + deliveryId + "." + raw body` when an `X-Delivery-ID` is sent, else `timestamp + "." + raw body`) must be sent;',
        'a signed delivery whose delivery id is not signed is refused.',
        '`cloudwatch` takes SNS messages, authenticated by the SNS signature instead.',
        'A repeated delivery (same `X-Delivery-ID`, or same content, within 24 h) is answered 200 with the original alert ids.',
      ].join(' '),
      tag: 'webhooks',
      scope: 'apiKey',
      params: z.object({ source: webhookSource }),
      body: z.unknown().describe("The tool's own JSON payload (docs/integrations.md); at most 1 MiB"),
      responses: { 200: webhookResponse, 202: webhookResponse },
      errors: {
        401: 'Missing, unknown or revoked API key; a missing or wrong signature where the tenant requires signing',
        403: 'An SNS topic this tenant did not register',
        404: 'Unknown source',
        413: 'Body over 1 MiB, or more alerts than one delivery may carry',
        415: 'Not JSON',
        422: 'Not a valid payload of this tool',
        429: "Over the tenant's rate limit (see Retry-After)",
      },
    },
  },
];

const WEBHOOK_HEADERS = [
  { name: 'X-Timestamp', description: 'Unix seconds of the signature (required with X-Signature)' },
  {
    name: 'X-Signature',
    description:
      '`sha256=<hex HMAC-SHA256(secret, timestamp + "." + deliveryId + "." + raw body)>`, or without the delivery id when none is sent',
  },
  { name: 'X-Delivery-ID', description: 'Idempotency key: a delivery id seen within 24 h is not ingested again' },
];

const SUCCESS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };

/**
 * JSON Schemas of zod schemas for one document: schemas with an `id` (lib/api/schemas.ts) go to
 * `components.schemas` once and are referenced from everywhere else.
 */
class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const converted = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      // The format says it; zod's long validation patterns for it only clutter the document.
      override: ({ jsonSchema }) => {
        if (jsonSchema.format === 'date-time' || jsonSchema.format === 'email') delete jsonSchema.pattern;
      },
    }) as JsonSchema;
    const { $schema: _dialect, $defs, ...root } = converted;
    // Request-side (input) variants of a component are named apart: defaults make their fields optional.
    const nameOf = (id: string) => (io === 'input' ? `${id}Input` : id);
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, entry]) =>
          key === '$ref' && typeof entry === 'string' && entry.startsWith('#/$defs/')
            ? [key, `#/components/schemas/${nameOf(entry.slice('#/$defs/'.length))}`]
            : [key, rewrite(entry)],
        ),
      );
    };
    for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      const name = nameOf(id);
      const json = rewrite(definition) as JsonSchema;
      const existing = this.components[name];
      if (existing && JSON.stringify(existing) !== JSON.stringify(json)) throw new Error(`Two different schemas are named ${name}`);
      this.components[name] = json;
    }
    return rewrite(root) as JsonSchema;
  }

  /** The parameters of an object schema (path or query), each with its property's schema. */
  parameters(schema: z.ZodObject, location: 'path' | 'query'): JsonSchema[] {
    const converted = this.convert(schema, 'input');
    const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((converted.required ?? []) as string[]);
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...propertySchema } = property;
      return {
        name,
        in: location,
        required: location === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: propertySchema,
      };
    });
  }
}

/** getIncidentsByIdAcknowledge: the method and the path's words. */
export function operationId(method: string, path: string): string {
  const words = path
    .replace(/^\/v1\//, '/')
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const parameter = /^\{(\w+)\+?\}$/.exec(segment);
      const word = (parameter ? `by-${parameter[1]}` : segment)
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((part) => part[0]!.toUpperCase() + part.slice(1))
        .join('');
      return word;
    });
  return `${method.toLowerCase()}${words.join('')}`;
}

/** Every JSON body is read by lib/http/http.ts: nesting limited before it is parsed. */
const TOO_DEEP = `the body nests deeper than ${MAX_JSON_DEPTH} levels (${MAX_WEBHOOK_JSON_DEPTH} for webhooks): \`payload_too_deep\``;

/** The error answers a route may give: those its scope, parameters and body imply, and its own. */
function errorStatuses(doc: RouteDoc, hasPathParameters: boolean): Map<number, string> {
  const errors = new Map<number, string>();
  if (doc.params || doc.query || doc.body)
    errors.set(
      400,
      `Invalid input: the failing fields are in error.details${doc.body ? '; or a body that is not JSON, or not UTF-8 (`invalid_encoding`)' : ''}`,
    );
  if (doc.scope === 'apiKey') errors.set(401, 'Missing, unknown or revoked API key');
  else if (doc.scope !== 'public') errors.set(401, 'Missing, invalid or expired access token');
  if (doc.scope === 'tenant' || doc.scope === 'msp') errors.set(403, "The caller's role may not do this");
  if (doc.scope === 'tenant' || hasPathParameters)
    errors.set(404, doc.scope === 'tenant' ? 'Not found, or in a tenant the caller cannot see' : 'Not found');
  if (doc.body) {
    errors.set(413, 'Body over 1 MiB');
    errors.set(415, 'Body not JSON');
    errors.set(422, TOO_DEEP[0]!.toUpperCase() + TOO_DEEP.slice(1));
  }
  for (const [status, text] of Object.entries(doc.errors ?? {})) {
    // A route's own 422 comes on top of the nesting limit, which every body has.
    if (text) errors.set(Number(status), Number(status) === 422 && doc.body ? `${text}; or ${TOO_DEEP}` : text);
  }
  return new Map([...errors].sort(([a], [b]) => a - b));
}

function describe(doc: RouteDoc): string | undefined {
  const access =
    doc.scope === 'public'
      ? 'No authentication.'
      : doc.scope === 'apiKey'
        ? undefined
        : doc.action
          ? `Permission: \`${doc.action}\`${doc.scope === 'msp' ? ' (MSP admins only)' : doc.scope === 'visible' ? ' (lists only what the caller may see)' : ' on the tenant'}.`
          : 'Any signed-in user.';
  const audit = doc.audit
    ? `Audited as \`${doc.audit.action}\` in ${doc.audit.log === 'both' ? "the MSP's log and the tenant's" : doc.audit.log === 'msp' ? "the MSP's log" : "the tenant's log"}.`
    : undefined;
  return [doc.description, access, audit].filter(Boolean).join('\n\n') || undefined;
}

function operation(converter: SchemaConverter, { method, path, doc }: DocumentedOperation): JsonSchema {
  const pathParameters = [...path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1] as string);
  const documented = Object.keys(doc.params?.shape ?? {});
  if (pathParameters.join() !== documented.join())
    throw new Error(`${method} ${path}: path parameters [${pathParameters.join()}] but documented [${documented.join()}]`);
  const webhook = doc.scope === 'apiKey';

  const parameters = [
    ...(doc.params ? converter.parameters(doc.params, 'path') : []),
    ...(doc.query ? converter.parameters(doc.query, 'query') : []),
    ...(webhook ? WEBHOOK_HEADERS.map((header) => ({ ...header, in: 'header', required: false, schema: { type: 'string' } })) : []),
  ];
  const responses: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(doc.responses)) {
    responses[status] = {
      description: SUCCESS_TEXT[Number(status)] ?? 'Success',
      ...(schema ? { content: { 'application/json': { schema: converter.convert(schema, 'output') } } } : {}),
    };
  }
  for (const [status, text] of errorStatuses(doc, pathParameters.length > 0)) {
    responses[String(status)] = { description: text, content: { 'application/json': { schema: ERROR_REF } } };
  }
  const description = describe(doc);
  return {
    operationId: operationId(method, path),
    summary: doc.summary,
    ...(description ? { description } : {}),
    tags: [doc.tag],
    ...(webhook ? { security: [{ webhookApiKey: [] }, { webhookApiKeyQuery: [] }] } : doc.scope === 'public' ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: !doc.bodyOptional,
            content: { 'application/json': { schema: converter.convert(doc.body, 'input') } },
          },
        }
      : {}),
    responses,
    ...(doc.action ? { 'x-permission': doc.action } : {}),
    'x-scope': doc.scope,
    ...(doc.audit ? { 'x-audit': doc.audit } : {}),
  };
}

export const TAGS: Record<string, string> = {
  system: 'Health and sign-in',
  incidents: 'Incidents and the operator actions on them',
  alerts: 'Canonical alerts and the asset names still to map',
  integrations: 'Webhook API keys, signing, rate limits, SNS topics and AWS accounts',
  users: 'Users and technicians',
  audit: 'The append-only audit log',
  tenants: "The MSP's client companies",
  assets: "A tenant's asset inventory",
  correlation: "A tenant's correlation policy and its simulator",
  runbooks: "The runbook library and a tenant's own runbooks",
  remediation: "Approval requests, runbook executions, and a tenant's remediation policy and cross-account access",
  kpis: 'Key figures per tenant and period: noise reduction, MTTA, MTTR, self-healed, SLA compliance',
  reports:
    "Client reports (a company's month, quarter or days as JSON, HTML or PDF), their e-mail delivery, and the MSP's branding on them",
  maintenance: 'Maintenance windows and silences: planned work that pages no one, pauses SLA clocks and holds automation',
  oncall: "On-call schedules, who is on call, and the technicians' routing profiles (workload cap, active)",
  sla: "A tenant's SLA policy (response and resolution targets, warnings) and escalation chain",
  notifications: "A tenant's notification channels and delivery records, and each user's notification preferences",
  'Slack app': "A tenant's Slack app installation and Slack's requests to it (OAuth callback, interactive buttons)",
  webhooks: 'Alert ingestion from monitoring tools',
};

/** The OpenAPI 3.1 document of the routes (and the webhook routes of the ingestion function). */
export function openApiDocument(routes: readonly DocumentedOperation[], extra: readonly DocumentedOperation[] = WEBHOOK_OPERATIONS) {
  const converter = new SchemaConverter();
  converter.convert(errorResponse, 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const ids = new Set<string>();
  for (const route of [...routes, ...extra]) {
    const item = (paths[route.path] ??= {});
    const method = route.method.toLowerCase();
    if (item[method]) throw new Error(`${route.method} ${route.path} is documented twice`);
    const built = operation(converter, route);
    if (ids.has(built.operationId as string)) throw new Error(`Two operations are called ${String(built.operationId)}`);
    ids.add(built.operationId as string);
    item[method] = built;
  }
  const used = new Set([...routes, ...extra].map((route) => route.doc.tag));
  return {
    openapi: '3.1.0' as const,
    info: {
      title: 'Alert Whisperer API',
      version: 'v1',
      description:
        'The operator API of Alert Whisperer (tenants, assets, integrations, users, incidents, correlation, runbooks, remediation, on-call, SLA and escalation, notifications, audit) and its webhook ingestion. ' +
        'Every error has the shape `{"error": {"code", "message", "details"}}`. A tenant the caller cannot see answers 404, never 403.',
    },
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    tags: Object.entries(TAGS)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(converter.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token of POST /v1/auth/login (15 minutes); renew it with POST /v1/auth/refresh.',
        },
        webhookApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description:
            "A tenant's webhook API key (also accepted as `Authorization: Bearer <key>`). Where the tenant requires signing, " +
            'deliveries also carry X-Timestamp and X-Signature: sha256=<hex HMAC-SHA256(signing secret, timestamp + "." + ' +
            'deliveryId + "." + raw body)> (without the delivery id when none is sent), within 5 minutes.',
        },
        webhookApiKeyQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'api_key',
          description: 'The same key as a query parameter, for tools that cannot set headers (Azure Monitor, SNS).',
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
