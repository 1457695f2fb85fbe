import type { Route, RouteContext } from './context';
import { alertRoutes } from './routes/alerts';
import { correlationRoutes } from './routes/correlation';
import { incidentRoutes } from './routes/incidents';
import { notificationRoutes } from './routes/notifications';
import { remediationRoutes } from './routes/remediation';
import { systemRoutes } from './routes/system';

/** What the `api` function serves, besides the OpenAPI document: health, sign-in, incidents, alerts, correlation policy, approvals, executions, notifications (the KPIs are the `reports` function's). */
export function operatorRoutes(context: RouteContext): Route[] {
  return [
    ...systemRoutes(context),
    ...incidentRoutes(context),
    ...alertRoutes(context),
    // The correlation policy and its simulator run the engine the incidents' resolve and reopen already carry.
    ...correlationRoutes(context),
    // Approvals, executions, runbook runs, and the tenant's remediation policy and access (/v1/tenants/{id}/remediation/...).
    ...remediationRoutes(context),
    // The notification log, one's own preferences, and the tenant's channels (/v1/tenants/{id}/notifications/...).
    ...notificationRoutes(context),
  ];
}
