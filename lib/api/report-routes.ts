import type { ReportDeliveryDeps } from '../reports/delivery';
import type { Route, RouteContext } from './context';
import { brandingRoutes } from './routes/branding';
import { reportDeliveryRoutes } from './routes/report-delivery';
import { reportRoutes } from './routes/reports';

export interface ReportsRouteOptions {
  /** How reports are e-mailed: the companies' delivery schedules and the sender. */
  delivery: Omit<ReportDeliveryDeps, 'table' | 'now'>;
}

/**
 * What the `reports` function serves: client reports (JSON, HTML, PDF), the MSP's branding on them, and
 * their delivery by e-mail (settings, send now, the sends).
 * Its own function, because the PDF writer and the report's sections would not fit the operator API's bundles.
 */
export function reportsFunctionRoutes(context: RouteContext, options: ReportsRouteOptions): Route[] {
  return [...reportRoutes(context), ...brandingRoutes(context), ...reportDeliveryRoutes(context, options.delivery)];
}
