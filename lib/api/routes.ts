import { routeContext, type ApiDeps, type Route } from './context';
import { alertRoutes } from './routes/alerts';
import { assetRoutes } from './routes/assets';
import { auditRoutes } from './routes/audit';
import { correlationRoutes } from './routes/correlation';
import { incidentRoutes } from './routes/incidents';
import { integrationRoutes } from './routes/integrations';
import { kpiRoutes } from './routes/kpis';
import { notificationRoutes } from './routes/notifications';
import { oncallRoutes } from './routes/oncall';
import { openApiRoutes } from './routes/openapi';
import { remediationRoutes } from './routes/remediation';
import { runbookRoutes } from './routes/runbooks';
import { systemRoutes } from './routes/system';
import { tenantRoutes } from './routes/tenants';
import { userRoutes } from './routes/users';

export type { ApiDeps, Route } from './context';

/** The operator API: every route group, each route a few lines over lib/ and documented beside its handler. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const context = routeContext(deps);
  const routes: Route[] = [
    ...systemRoutes(context),
    ...openApiRoutes(() => routes),
    ...incidentRoutes(context),
    ...alertRoutes(context),
    ...integrationRoutes(context),
    ...userRoutes(context),
    ...auditRoutes(context),
    ...tenantRoutes(context),
    ...assetRoutes(context),
    ...correlationRoutes(context),
    ...runbookRoutes(context),
    ...remediationRoutes(context),
    ...kpiRoutes(context),
    ...oncallRoutes(context),
    ...notificationRoutes(context),
  ];
  return routes;
}
