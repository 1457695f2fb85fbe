import type { Route, RouteContext } from './context';
import { brandingRoutes } from './routes/branding';
import { reportRoutes } from './routes/reports';

/**
 * What the `reports` function serves: client reports (JSON, HTML, PDF) and the MSP's branding on them.
 * Its own function, because the PDF library would not fit the operator API's bundles.
 */
export function reportsFunctionRoutes(context: RouteContext): Route[] {
  return [...reportRoutes(context), ...brandingRoutes(context)];
}
