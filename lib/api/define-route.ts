import type * as z from 'zod';
import { authorize } from '../auth/permissions';
import type { AccessClaims } from '../auth/tokens';
import { notFound } from '../errors';
import { parseBody, rawBody, type HttpEvent, type HttpResult } from '../http/http';
import type { AuditEntryInput } from '../store/audit';
import { getTenant } from '../store/tenants';
import type { Route, RouteContext, RouteDoc, RouteScope } from './context';
import { tenantPathParams } from './schemas';

/**
 * Routes declared rather than hand-wired: a route states what its documentation already says (scope,
 * permission, the zod schemas of its path, query and body, its audit entry) and gets, before its handler
 * runs, the signed-in user, the parsed inputs and its tenant, from the very schemas the OpenAPI document
 * (lib/api/openapi.ts) shows. The handler is left with what the route itself does.
 *
 * The order of the checks is one for every route: the token (401), the path (400, or 404 where a
 * malformed id names nothing), the query (400), the tenant (404 when the caller cannot see it, 403 when
 * the role lacks the permission there, 404 when it does not exist), the MSP admin check (403), the body
 * (400, 413, 415).
 */

/** Where a tenant-scoped route's tenant comes from; resolved and authorized for the route's action before its handler. */
export interface TenantSource {
  /**
   * `query`: `?tenant=`, or the caller's only tenant (RouteContext.singleTenant); `path`: the `{id}` of
   * `/v1/tenants/{id}/...` (tenantPathParams).
   */
  from: 'query' | 'path';
  /** A tenant that does not exist (or no longer does) is a 404 rather than an empty answer. */
  mustExist?: boolean;
}

/** `?tenant=` (or the caller's only tenant), which must exist: 404 for one that does not or that the caller cannot see. */
export const EXISTING_QUERY_TENANT = { from: 'query', mustExist: true } as const satisfies TenantSource;
/** The `{id}` of `/v1/tenants/{id}/...`, which must exist: 404 for one that does not or that the caller cannot see. */
export const EXISTING_PATH_TENANT = { from: 'path', mustExist: true } as const satisfies TenantSource;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a route declares: its documentation (RouteDoc) with the schemas the wrapper parses with, and how it finds its tenant. */
export interface RouteSpec<
  S extends RouteScope = RouteScope,
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  T extends TenantSource | undefined = TenantSource | undefined,
> extends Omit<RouteDoc, 'scope' | 'params' | 'query' | 'body'> {
  method: Route['method'];
  path: string;
  scope: S;
  params?: P;
  query?: Q;
  /** The body: parsed with this schema (and documented with it, unless `documentedBody` says more). */
  body?: B;
  /**
   * What the OpenAPI document shows for a body whose schema only checks its outline, the handler checking
   * the fields once it merged them with what is stored (a partial policy): the fields a client may send.
   */
  documentedBody?: z.ZodType;
  /** A malformed path parameter names nothing that can exist: a 404 `<this>` rather than a 400. */
  malformedPathIs404?: string;
  tenant?: T;
}

/** An audit entry as a handler gives it: the action and log are the route's declared ones, who and from where the wrapper's. */
export type RouteAuditEntry = Pick<AuditEntryInput, 'tenantId' | 'resource' | 'summary'>;

/** What a handler gets: the request, and what the route's declaration already resolved. */
export interface RouteRequest<
  S extends RouteScope = RouteScope,
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  T extends TenantSource | undefined = TenantSource | undefined,
> {
  event: HttpEvent;
  /** The signed-in user (none for `public` and `apiKey` routes). */
  principal: S extends 'public' | 'apiKey' ? undefined : AccessClaims;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** The route's tenant, authorized for its action (where it declares `tenant`). */
  tenantId: T extends TenantSource ? string : undefined;
  /** Appends an entry under the route's declared audit action, by the signed-in user (a route without `audit` has none to append). */
  audit(entry: RouteAuditEntry): Promise<void>;
}

/** The wide form the wrapper builds; each route's handler sees it narrowed by its declaration. */
interface AnyRequest {
  event: HttpEvent;
  principal: AccessClaims | undefined;
  params: unknown;
  query: unknown;
  body: unknown;
  tenantId: string | undefined;
  audit(entry: RouteAuditEntry): Promise<void>;
}

export type DefineRoute = <
  S extends RouteScope,
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  T extends TenantSource | undefined = undefined,
>(
  spec: RouteSpec<S, P, Q, B, T>,
  handler: (request: RouteRequest<S, P, Q, B, T>) => Promise<HttpResult>,
) => Route;

/**
 * The `defineRoute` of a route group. Without a context only `public` routes can be defined (the OpenAPI
 * document's route, which the `api` function serves without the groups' context).
 */
export function routeDefiner(context?: RouteContext): DefineRoute {
  function defineRoute<
    S extends RouteScope,
    P extends z.ZodObject | undefined,
    Q extends z.ZodObject | undefined,
    B extends z.ZodType | undefined,
    T extends TenantSource | undefined,
  >(spec: RouteSpec<S, P, Q, B, T>, handler: (request: RouteRequest<S, P, Q, B, T>) => Promise<HttpResult>): Route;
  function defineRoute(spec: RouteSpec, handler: (request: AnyRequest) => Promise<HttpResult>): Route {
    return wrap(context, spec, handler);
  }
  return defineRoute;
}

function wrap(context: RouteContext | undefined, spec: RouteSpec, handler: (request: AnyRequest) => Promise<HttpResult>): Route {
  checkSpec(spec, context);
  const { method, path, documentedBody, malformedPathIs404: _malformed, tenant: _tenant, ...doc } = spec;
  return {
    method,
    path,
    doc: { ...doc, ...(documentedBody ? { body: documentedBody } : {}) },
    handler: async (event) => {
      const principal = signedIn(spec.scope) ? await context!.principalOf(event) : undefined;
      const params = spec.params ? parsePath(spec.params, event, spec.malformedPathIs404) : undefined;
      const query = spec.query ? spec.query.parse(event.queryStringParameters ?? {}) : undefined;
      const tenantId = spec.tenant && principal ? await tenantOf(context!, spec, principal, params, query) : undefined;
      if (spec.scope === 'msp' && principal && spec.action) authorize(principal, spec.action);
      const body = spec.body ? readBody(event, spec.body, spec.bodyOptional) : undefined;
      const audit = async (entry: RouteAuditEntry) => {
        if (!spec.audit || !principal) throw new Error(`${method} ${path} declares no audit entry`);
        await context!.audit(event, principal, { ...entry, action: spec.audit.action });
      };
      return handler({ event, principal, params, query, body, tenantId, audit });
    },
  };
}

const signedIn = (scope: RouteScope) => scope !== 'public' && scope !== 'apiKey';

/** A declaration the wrapper cannot serve fails when the routes are built (every test builds them), not on a request. */
function checkSpec(spec: RouteSpec, context: RouteContext | undefined): void {
  const where = `${spec.method} ${spec.path}`;
  if (signedIn(spec.scope) && !context) throw new Error(`${where}: a route for signed-in users needs the route context`);
  if (!spec.tenant) return;
  if (spec.scope !== 'tenant' || !spec.action) throw new Error(`${where}: a tenant is resolved for a tenant-scoped route with an action`);
  if (spec.tenant.from === 'path' && spec.params !== tenantPathParams) throw new Error(`${where}: a path tenant is tenantPathParams' id`);
  if (spec.tenant.from === 'query' && !spec.query?.shape.tenant) throw new Error(`${where}: a query tenant needs ?tenant= in the query`);
}

function parsePath(schema: z.ZodObject, event: HttpEvent, malformedIs404: string | undefined): unknown {
  const parsed = schema.safeParse(event.pathParameters ?? {});
  if (parsed.success) return parsed.data;
  if (malformedIs404) throw notFound(malformedIs404);
  throw parsed.error;
}

/** A body: parseBody's answers (400, 413, 415, 422); one that may be left out is its defaults when it is. */
function readBody(event: HttpEvent, schema: z.ZodType, optional: boolean | undefined): unknown {
  if (optional && rawBody(event).trim() === '') return schema.parse({});
  return parseBody(event, schema);
}

async function tenantOf(context: RouteContext, spec: RouteSpec, principal: AccessClaims, params: unknown, query: unknown): Promise<string> {
  const action = spec.action!;
  let tenantId: string;
  if (spec.tenant!.from === 'path') {
    tenantId = tenantPathParams.parse(params).id;
    authorize(principal, action, tenantId, 'Tenant');
  } else {
    tenantId = context.singleTenant(principal, action, requestedTenant(query));
  }
  if (spec.tenant!.mustExist && !(await getTenant(context.deps.table, tenantId))) throw notFound('Tenant');
  return tenantId;
}

/** The `tenant` of a parsed query (checkSpec made sure the query declares it). */
function requestedTenant(query: unknown): string | undefined {
  const tenant: unknown = query && typeof query === 'object' ? Reflect.get(query, 'tenant') : undefined;
  return typeof tenant === 'string' ? tenant : undefined;
}
