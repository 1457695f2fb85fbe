import * as z from 'zod';
import type { ApiDeps, RouteContext } from '../../lib/api/context';
import { routeDefiner } from '../../lib/api/define-route';
import { tenantPathParams, tenantQuery } from '../../lib/api/schemas';
import type { AccessClaims } from '../../lib/auth/tokens';
import { AppError, unauthorized } from '../../lib/errors';
import { json, type HttpEvent } from '../../lib/http/http';

/**
 * The route wrapper (lib/api/define-route.ts) on fake requests: what it resolves before the handler, the
 * answers it gives instead (the same as the hand-written routes gave), and the audit entries it writes.
 */

const technician: AccessClaims = { sub: 'usr_1', role: 'technician', tenants: ['acme'], email: 'tech@acme.example', ver: 0 };
const admin: AccessClaims = { sub: 'usr_0', role: 'msp_admin', tenants: [], email: 'admin@msp.example', ver: 0 };

function fakeContext(principal: AccessClaims | undefined, tenants: string[] = ['acme', 'globex']) {
  const audited: unknown[] = [];
  const context: RouteContext = {
    // The wrapper reads the table only for `mustExist`, which these routes do not declare.
    deps: {} as ApiDeps,
    remediation: {} as RouteContext['remediation'],
    principalOf: async () => {
      if (!principal) throw unauthorized('Missing bearer token');
      return principal;
    },
    accessChanged: () => undefined,
    tenantsFor: async () => tenants,
    singleTenant: (caller, _action, requested) => {
      const tenantId = requested ?? caller.tenants[0];
      if (!tenantId || (caller.role !== 'msp_admin' && !caller.tenants.includes(tenantId))) throw new AppError(404, 'not_found', 'Tenant');
      return tenantId;
    },
    audit: async (_event, caller, entry) => {
      audited.push({ actor: caller.sub, ...entry });
    },
  };
  return { context, audited };
}

function event(parts: { path?: Record<string, string>; query?: Record<string, string>; body?: string } = {}): HttpEvent {
  return {
    version: '2.0',
    routeKey: 'test',
    rawPath: '/',
    rawQueryString: '',
    headers: parts.body === undefined ? {} : { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'r',
      routeKey: 'test',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    ...(parts.path ? { pathParameters: parts.path } : {}),
    ...(parts.query ? { queryStringParameters: parts.query } : {}),
    ...(parts.body === undefined ? {} : { body: parts.body }),
  };
}

/** The status and code a request is answered with when the wrapper refuses it (a ZodError is the router's 400). */
async function refusal(answer: Promise<unknown>): Promise<{ status: number; code: string; message?: string }> {
  try {
    await answer;
  } catch (error) {
    if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message };
    if (error instanceof z.ZodError) return { status: 400, code: 'invalid_request' };
    throw error;
  }
  throw new Error('Not refused');
}

const itemParams = z.object({
  id: z
    .string()
    .max(8)
    .regex(/^[a-z]+$/),
});
const noteBody = z.strictObject({ text: z.string().min(1) });
const limitQuery = tenantQuery.extend({ limit: z.coerce.number().int().min(1).max(10).default(5) });

describe('defineRoute', () => {
  test('hands the handler the principal, the parsed inputs and the tenant, typed by the schemas', async () => {
    const { context } = fakeContext(technician);
    const route = routeDefiner(context)(
      {
        method: 'POST',
        path: '/v1/items/{id}',
        summary: 'test',
        tag: 'test',
        scope: 'tenant',
        action: 'asset.write',
        params: itemParams,
        query: limitQuery,
        body: noteBody,
        tenant: { from: 'query' },
        responses: { 200: null },
      },
      async ({ principal, params, query, body, tenantId }) =>
        json(200, { who: principal.sub, id: params.id, limit: query.limit * 2, text: body.text, tenantId }),
    );
    const answer = await route.handler(event({ path: { id: 'abc' }, query: { limit: '3' }, body: '{"text":"hi"}' }));
    expect(JSON.parse(answer.body!)).toEqual({ who: 'usr_1', id: 'abc', limit: 6, text: 'hi', tenantId: 'acme' });
    expect(route.doc).toMatchObject({ scope: 'tenant', params: itemParams, query: limitQuery, body: noteBody });
    expect(route.doc).not.toHaveProperty('tenant');
  });

  test('answers as the hand-written routes did: 401, 400 or 404 for the path, 400 for the query and body, 415', async () => {
    const define = (principal: AccessClaims | undefined, malformedPathIs404?: string) =>
      routeDefiner(fakeContext(principal).context)(
        {
          method: 'POST',
          path: '/v1/items/{id}',
          summary: 'test',
          tag: 'test',
          scope: 'tenant',
          action: 'asset.write',
          params: itemParams,
          query: limitQuery,
          body: noteBody,
          tenant: { from: 'query' },
          responses: { 204: null },
          ...(malformedPathIs404 ? { malformedPathIs404 } : {}),
        },
        async () => ({ statusCode: 204 }),
      );
    const good = { path: { id: 'abc' }, body: '{"text":"hi"}' };
    expect(await refusal(define(undefined).handler(event(good)))).toMatchObject({ status: 401 });
    expect(await refusal(define(technician).handler(event({ ...good, path: { id: 'ABC' } })))).toEqual({
      status: 400,
      code: 'invalid_request',
    });
    expect(await refusal(define(technician, 'Item').handler(event({ ...good, path: { id: 'ABC' } })))).toMatchObject({ status: 404 });
    expect(await refusal(define(technician).handler(event({ ...good, query: { limit: '99' } })))).toEqual({
      status: 400,
      code: 'invalid_request',
    });
    expect(await refusal(define(technician).handler(event({ ...good, query: { tenant: 'globex' } })))).toMatchObject({ status: 404 });
    expect(await refusal(define(technician).handler(event({ ...good, body: '{"text":""}' })))).toMatchObject({
      status: 400,
      code: 'bad_request',
    });
    expect(await refusal(define(technician).handler({ ...event(good), headers: { 'content-type': 'text/html' } }))).toMatchObject({
      status: 415,
    });
  });

  test('a path tenant is authorized for the action; an MSP route refuses everyone but MSP admins', async () => {
    const { context } = fakeContext(technician);
    const pathRoute = routeDefiner(context)(
      {
        method: 'GET',
        path: '/v1/tenants/{id}/things',
        summary: 'test',
        tag: 'test',
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        tenant: { from: 'path' },
        responses: { 200: null },
      },
      async ({ tenantId }) => json(200, { tenantId }),
    );
    expect(JSON.parse((await pathRoute.handler(event({ path: { id: 'acme' } }))).body!)).toEqual({ tenantId: 'acme' });
    expect(await refusal(pathRoute.handler(event({ path: { id: 'globex' } })))).toMatchObject({ status: 404 });
    expect(await refusal(pathRoute.handler(event({ path: { id: 'ac#me' } })))).toEqual({ status: 400, code: 'invalid_request' });

    const mspRoute = (principal: AccessClaims) =>
      routeDefiner(fakeContext(principal).context)(
        {
          method: 'POST',
          path: '/v1/things',
          summary: 'test',
          tag: 'test',
          scope: 'msp',
          action: 'tenant.create',
          responses: { 204: null },
        },
        async () => ({ statusCode: 204 }),
      );
    expect(await refusal(mspRoute(technician).handler(event()))).toMatchObject({ status: 403 });
    expect((await mspRoute(admin).handler(event())).statusCode).toBe(204);
  });

  test('a body that may be left out is its defaults when it is', async () => {
    const { context } = fakeContext(technician);
    const route = routeDefiner(context)(
      {
        method: 'POST',
        path: '/v1/things',
        summary: 'test',
        tag: 'test',
        scope: 'self',
        body: z.strictObject({ seconds: z.number().default(60) }),
        bodyOptional: true,
        responses: { 200: null },
      },
      async ({ body }) => json(200, body),
    );
    expect(JSON.parse((await route.handler(event())).body!)).toEqual({ seconds: 60 });
    expect(JSON.parse((await route.handler(event({ body: '{"seconds":5}' }))).body!)).toEqual({ seconds: 5 });
  });

  test("audits under the route's declared action, by the signed-in user", async () => {
    const { context, audited } = fakeContext(technician);
    const route = routeDefiner(context)(
      {
        method: 'DELETE',
        path: '/v1/things',
        summary: 'test',
        tag: 'test',
        scope: 'self',
        responses: { 204: null },
        audit: { action: 'thing.delete', log: 'msp' },
      },
      async ({ audit }) => {
        await audit({ resource: { type: 'thing', id: 't1' }, summary: { before: { n: 1 } } });
        return { statusCode: 204 };
      },
    );
    await route.handler(event());
    expect(audited).toEqual([
      { actor: 'usr_1', action: 'thing.delete', resource: { type: 'thing', id: 't1' }, summary: { before: { n: 1 } } },
    ]);
  });

  test('a declaration the wrapper cannot serve fails when the route is built', () => {
    const define = routeDefiner(fakeContext(technician).context);
    const base = { method: 'GET', path: '/v1/things', summary: 'test', tag: 'test', responses: { 200: null } } as const;
    expect(() => define({ ...base, scope: 'tenant', action: 'asset.read', tenant: { from: 'query' } }, async () => json(200, {}))).toThrow(
      /needs \?tenant=/,
    );
    expect(() => routeDefiner()({ ...base, scope: 'self' }, async () => json(200, {}))).toThrow(/needs the route context/);
  });
});
