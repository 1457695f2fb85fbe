import type { Route, RouteContext } from './context';
import { assetRoutes } from './routes/assets';
import { auditRoutes } from './routes/audit';
import { integrationRoutes } from './routes/integrations';
import { maintenanceRoutes } from './routes/maintenance';
import { oncallRoutes } from './routes/oncall';
import { runbookRoutes } from './routes/runbooks';
import { slaRoutes } from './routes/sla';
import { tenantRoutes } from './routes/tenants';
import { userRoutes } from './routes/users';

/**
 * What the `adminApi` function serves: tenants, users, assets, integrations, audit, runbooks, on-call, SLA and escalation
 * policies, maintenance windows and silences.
 */
export function adminRoutes(context: RouteContext): Route[] {
  return [
    ...integrationRoutes(context),
    ...userRoutes(context),
    ...auditRoutes(context),
    ...tenantRoutes(context),
    ...assetRoutes(context),
    ...runbookRoutes(context),
    ...oncallRoutes(context),
    ...slaRoutes(context),
    ...maintenanceRoutes(context),
  ];
}
