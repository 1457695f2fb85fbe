import { HTTP_ROUTES } from '../../functions/catalog';
import { adminRoutes } from '../../lib/api/admin-routes';
import { routeContext, type ApiDeps } from '../../lib/api/context';
import { operatorRoutes } from '../../lib/api/operator-routes';
import { apiRoutes, REPORTS_OPTIONS, RESPOND_OPTIONS } from '../../lib/api/all-routes';
import { respondRoutes } from '../../lib/api/respond-routes';
import { reportsFunctionRoutes } from '../../lib/api/report-routes';
import { matchHttpRoute } from '../../local/gateway';

/**
 * The operator API is three functions (lib/api/all-routes.ts, with the responders' lib/api/respond-routes.ts): every documented route must reach, through the
 * catalog's HTTP routes (API Gateway's rule: the most specific route wins, as local/gateway.ts applies
 * it), the function whose router serves it; and the three parts are exactly the whole.
 */
const context = routeContext({} as ApiDeps);
const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
const served = {
  api: new Set([...operatorRoutes(context).map(key), 'GET /v1/openapi.json']),
  adminApi: new Set(adminRoutes(context).map(key)),
  respond: new Set(respondRoutes(context, RESPOND_OPTIONS).map(key)),
  reports: new Set(reportsFunctionRoutes(context, REPORTS_OPTIONS).map(key)),
};

/** A concrete request path for a route's template. */
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_all, name: string) => `sample-${name}`);

test('the three parts are every documented route, once', () => {
  const all = apiRoutes({} as ApiDeps).map(key);
  expect([...served.api, ...served.adminApi, ...served.respond, ...served.reports].sort()).toEqual([...all].sort());
  for (const route of served.api) expect(served.adminApi.has(route) || served.respond.has(route) || served.reports.has(route)).toBe(false);
  for (const route of served.adminApi) expect(served.respond.has(route) || served.reports.has(route)).toBe(false);
  for (const route of served.respond) expect(served.reports.has(route)).toBe(false);
});

test.each(apiRoutes({} as ApiDeps).map((route) => [key(route), route] as const))(
  '%s reaches the function that serves it',
  (name, route) => {
    const matched = matchHttpRoute(route.method, concrete(route.path));
    expect(matched?.function).toBeDefined();
    expect(served[matched!.function as keyof typeof served]?.has(name)).toBe(true);
  },
);

test('every admin route of the catalog is one API Gateway accepts: a greedy variable only as the last segment', () => {
  for (const route of HTTP_ROUTES) {
    const segments = route.path.split('/');
    segments.slice(0, -1).forEach((segment) => expect(segment).not.toMatch(/\+\}$/));
  }
});
