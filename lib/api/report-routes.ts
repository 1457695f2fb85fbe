import type { ReportDeliveryDeps } from '../reports/delivery';
import type { Route, RouteContext } from './context';
import { brandingRoutes } from './routes/branding';
import { kpiRoutes } from './routes/kpis';
import { reportDeliveryRoutes } from './routes/report-delivery';
import { reportRoutes } from './routes/reports';

export interface ReportsRouteOptions {
  /** How reports are e-mailed: the companies' delivery schedules and the sender. */
  delivery: Omit<ReportDeliveryDeps, 'table' | 'now'>;
}

/**
 * What the `reports` function serves: the KPIs (the dashboard's figures), client reports (JSON, HTML, PDF)
 * computed by the same code, the MSP's branding on them, and their delivery by e-mail (settings, send now,
 * the sends).
 * Its own function, because the PDF writer and the report's sections would not fit the operator API's bundles.
 */
export function reportsFunctionRoutes(context: RouteContext, options: ReportsRouteOptions): Route[] {
  return [...kpiRoutes(context), ...reportRoutes(context), ...brandingRoutes(context), ...reportDeliveryRoutes(context, options.delivery)];
}
