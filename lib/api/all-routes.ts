import { routeContext, type ApiDeps, type Route } from './context';
import { openApiDocument } from './openapi';
import { alertRoutes } from './routes/alerts';
import { assetRoutes } from './routes/assets';
import { auditRoutes } from './routes/audit';
import { correlationRoutes } from './routes/correlation';
import { incidentRoutes } from './routes/incidents';
import { integrationRoutes } from './routes/integrations';
import { maintenanceRoutes } from './routes/maintenance';
import { respondRoutes } from './respond-routes';
import { reportsFunctionRoutes } from './report-routes';
import { notificationRoutes } from './routes/notifications';
import { oncallRoutes } from './routes/oncall';
import { openApiRoutes } from './routes/openapi';
import { remediationRoutes } from './routes/remediation';
import { runbookRoutes } from './routes/runbooks';
import { slaRoutes } from './routes/sla';
import { systemRoutes } from './routes/system';
import { tenantRoutes } from './routes/tenants';
import { userRoutes } from './routes/users';

export type { ApiDeps, Route } from './context';

/**
 * The operator API: every route group, each route a few lines over lib/ and documented beside its handler.
 * Two functions serve it (functions/catalog.ts HTTP_ROUTES sends each path to one of them):
 * `api` the day-to-day work (`operatorRoutes` and the OpenAPI document), `adminApi` the set-up
 * (`adminRoutes`), each in a module of its own that imports only its groups; two bundles, so that each stays under the size budget (npm run bench:bundles).
 * `apiRoutes` is all of them in one list: the OpenAPI document, the tests and the scripts read it.
 */
export function apiRoutes(deps: ApiDeps): Route[] {
  const context = routeContext(deps);
  const routes: Route[] = [
    ...systemRoutes(context),
    ...openApiRoutes(() => openApiDocument(routes)),
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
    ...oncallRoutes(context),
    ...slaRoutes(context),
    ...notificationRoutes(context),
    ...maintenanceRoutes(context),
    ...respondRoutes(context, RESPOND_OPTIONS),
    ...reportsFunctionRoutes(context, REPORTS_OPTIONS),
  ];
  return routes;
}

/** The respond function's senders as the document and the route tests see them: no SMS is sent from here. */
export const RESPOND_OPTIONS = {
  phone: {
    sendSms: async () => ({ ok: false, retryable: false, error: 'No SMS sender in this context' }),
    origination: {},
    productName: 'Alert Whisperer',
  },
};

/** The reports function's schedules as the document and the route tests see them: no schedule is set from here. */
export const REPORTS_OPTIONS = {
  delivery: {
    timers: {
      put: async () => {
        throw new Error('No report schedules in this context: the reports function sets them');
      },
      delete: async () => {
        throw new Error('No report schedules in this context: the reports function deletes them');
      },
    },
  },
};

/** The OpenAPI document of every route (built with no dependencies: only the routes' documentation is read). */
export function openApiDocumentOfAllRoutes() {
  return openApiDocument(apiRoutes({} as ApiDeps));
}
