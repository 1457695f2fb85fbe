import type { Route, RouteContext } from './context';
import { alertRoutes } from './routes/alerts';
import { incidentRoutes } from './routes/incidents';
import { kpiRoutes } from './routes/kpis';
import { maintenanceRoutes } from './routes/maintenance';
import { notificationRoutes } from './routes/notifications';
import { remediationRoutes } from './routes/remediation';
import { systemRoutes } from './routes/system';

/** What the `api` function serves, besides the OpenAPI document: health, sign-in, incidents, alerts, approvals, executions, KPIs, notifications. */
export function operatorRoutes(context: RouteContext): Route[] {
  return [
    ...systemRoutes(context),
    ...incidentRoutes(context),
    ...alertRoutes(context),
    // Approvals, executions, runbook runs, and the tenant's remediation policy and access (/v1/tenants/{id}/remediation/...).
    ...remediationRoutes(context),
    ...kpiRoutes(context),
    // The notification log, one's own preferences, and the tenant's channels (/v1/tenants/{id}/notifications/...).
    ...notificationRoutes(context),
    // Maintenance windows and silences (/v1/maintenance-windows, /v1/incidents/{id}/silence).
    ...maintenanceRoutes(context),
  ];
}
