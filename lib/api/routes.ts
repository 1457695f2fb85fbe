import { routeContext, type ApiDeps, type Route } from './context';
import { alertRoutes } from './routes/alerts';
import { incidentRoutes } from './routes/incidents';
import { systemRoutes } from './routes/system';

export type { ApiDeps, Route } from './context';

/** The operator API: every route group, each route a few lines over lib/. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const context = routeContext(deps);
  return [...systemRoutes(context), ...incidentRoutes(context), ...alertRoutes(context)];
}
