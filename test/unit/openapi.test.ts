import { Validator } from '@seriousme/openapi-schema-validator';
import { HTTP_ROUTES } from '../../functions/catalog';
import { adminRoutes } from '../../lib/api/admin-routes';
import { routeContext } from '../../lib/api/context';
import { openApiDocument, TAGS, WEBHOOK_OPERATIONS } from '../../lib/api/openapi';
import { apiRoutes, REPORTS_OPTIONS, RESPOND_OPTIONS, type ApiDeps } from '../../lib/api/all-routes';
import { respondRoutes } from '../../lib/api/respond-routes';
import { reportsFunctionRoutes } from '../../lib/api/report-routes';
import { matchHttpRoute } from '../../local/gateway';

/**
 * The OpenAPI document: generated from every route's documentation, valid OpenAPI 3.1, and complete:
 * every API route and every HTTP route of the function catalog is in it with its method.
 */

// The routes are only read for their documentation here: no handler runs, so no dependency is needed.
const routes = apiRoutes({} as ApiDeps);
const document = openApiDocument(routes);
const json = JSON.parse(JSON.stringify(document)) as {
  paths: Record<string, Record<string, { operationId: string; tags: string[]; security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

/** A concrete path for a template: every `{parameter}` filled in. */
const concrete = (path: string) => path.replace(/\{(\w+)\+?\}/g, (_, name: string) => `sample-${name}`);

test('the document validates as OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(json);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
});

test('every route of the API is in the document with its method, and nothing else is', () => {
  expect(routes.length).toBeGreaterThan(40);
  for (const route of routes)
    expect([route.method, route.path, json.paths[route.path]?.[route.method.toLowerCase()]?.operationId]).toEqual([
      route.method,
      route.path,
      expect.any(String),
    ]);
  const documented = Object.entries(json.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const expected = [...routes, ...WEBHOOK_OPERATIONS].map((route) => `${route.method} ${route.path}`);
  expect(documented.sort()).toEqual(expected.sort());
});

test('every HTTP route of the function catalog is in the document with its method', () => {
  for (const route of HTTP_ROUTES) {
    if (route.method === 'ANY') {
      // The API function's catch-all: every documented path under it is an API route.
      const under = Object.entries(json.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .map((method) => method.toUpperCase())
          .filter((method) => matchHttpRoute(method, concrete(path))?.routeKey === `ANY ${route.path}`)
          .map((method) => `${method} ${path}`),
      );
      expect(under.length).toBeGreaterThan(0);
      for (const operation of under) expect(routes.map((candidate) => `${candidate.method} ${candidate.path}`)).toContain(operation);
    } else {
      expect(json.paths[route.path]?.[route.method.toLowerCase()]).toBeDefined();
    }
  }
});

test('each documented operation is served by the function the catalog routes it to', () => {
  // The operator API is two functions (lib/api/all-routes.ts): the admin routes go to adminApi, the rest to api;
  // responding from a notification and the caller's phone (lib/api/respond-routes.ts) go to respond; client
  // reports and branding (lib/api/report-routes.ts) to reports.
  const admin = new Set(adminRoutes(routeContext({} as ApiDeps)).map((route) => `${route.method.toLowerCase()} ${route.path}`));
  const respond = new Set(
    respondRoutes(routeContext({} as ApiDeps), RESPOND_OPTIONS).map((route) => `${route.method.toLowerCase()} ${route.path}`),
  );
  const reports = new Set(
    reportsFunctionRoutes(routeContext({} as ApiDeps), REPORTS_OPTIONS).map((route) => `${route.method.toLowerCase()} ${route.path}`),
  );
  for (const [path, item] of Object.entries(json.paths)) {
    for (const method of Object.keys(item)) {
      const served = matchHttpRoute(method.toUpperCase(), concrete(path))?.function;
      const webhook = WEBHOOK_OPERATIONS.some((operation) => operation.path === path);
      const key = `${method} ${path}`;
      const expected = webhook
        ? 'ingestWebhook'
        : admin.has(key)
          ? 'adminApi'
          : respond.has(key)
            ? 'respond'
            : reports.has(key)
              ? 'reports'
              : 'api';
      expect(`${method} ${path} -> ${served}`).toBe(`${method} ${path} -> ${expected}`);
    }
  }
});

test('operation ids are unique; every $ref points at a component; errors share the one error shape', () => {
  const ids = Object.values(json.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId));
  expect(new Set(ids).size).toBe(ids.length);
  const refs = [...JSON.stringify(json).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1] as string);
  for (const ref of refs) {
    expect(ref).toMatch(/^#\/components\/schemas\//);
    expect(json.components.schemas[ref.slice('#/components/schemas/'.length)]).toBeDefined();
  }
  for (const item of Object.values(json.paths)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) {
          expect(response).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
        }
      }
    }
  }
});

test('security: bearer JWT by default, none for public routes, the API key (and HMAC signing) for webhooks', () => {
  expect(document.security).toEqual([{ bearerAuth: [] }]);
  expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  expect(json.paths['/health']?.get?.security).toEqual([]);
  expect(json.paths['/v1/auth/login']?.post?.security).toEqual([]);
  expect(json.paths['/v1/openapi.json']?.get?.security).toEqual([]);
  // Responding from a notification: the signed link's token, or Slack's signature and state, is the credential.
  for (const [method, path] of [
    ['get', '/a/{token}'],
    ['post', '/a/{token}'],
    ['get', '/slack/oauth/callback'],
    ['post', '/slack/interactions'],
  ] as const)
    expect([method, path, json.paths[path]?.[method]?.security]).toEqual([method, path, []]);
  expect(json.paths['/v1/me/phone']?.put?.security).toBeUndefined();
  expect(json.paths['/v1/integrations/slack-app']?.get?.security).toBeUndefined();
  expect(json.paths['/v1/incidents']?.get?.security).toBeUndefined();
  expect(json.paths['/v1/webhooks/{source}']?.post?.security).toEqual([{ webhookApiKey: [] }, { webhookApiKeyQuery: [] }]);
  expect(JSON.stringify(json.paths['/v1/webhooks/{source}'])).toContain('X-Signature');
});

test('each route documents what it needs: a permission where a tenant is involved, an audit entry for changes it records', () => {
  for (const { method, path, doc } of routes) {
    if (doc.scope === 'tenant' || doc.scope === 'msp') expect(`${method} ${path}: ${doc.action}`).not.toMatch(/undefined$/);
    if (method === 'GET') expect(doc.audit).toBeUndefined();
    expect(Object.keys(doc.responses).length).toBeGreaterThan(0);
  }
});

test('GET /v1/openapi.json serves the document without a token', async () => {
  const route = routes.find((candidate) => candidate.path === '/v1/openapi.json');
  const answer = await route!.handler({ headers: {}, requestContext: { requestId: 'test' } } as never);
  expect(answer.statusCode).toBe(200);
  expect(JSON.parse(answer.body as string)).toEqual(json);
});

test('every tag a route uses is described in the document', () => {
  const used = new Set([...routes.map((route) => route.doc.tag), ...WEBHOOK_OPERATIONS.map((operation) => operation.doc.tag)]);
  expect([...used].filter((tag) => !TAGS[tag])).toEqual([]);
});
