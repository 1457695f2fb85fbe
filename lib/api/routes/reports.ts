import * as z from 'zod';
import { badRequest } from '../../errors';
import { binary, json, type HttpResult } from '../../http/http';
import { renderReportHtml } from '../../domain/report/html';
import { MAX_REPORT_DAYS, periodDateSchema, periodParamSchema, periodSpecOf } from '../../domain/report/period';
import { renderReportPdf } from '../../reports/pdf';
import { loadReport } from '../../reports/report';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { clientReportResponse } from '../report-schemas';
import { tenantQuery } from '../schemas';

/**
 * A client company's service report for a month, a quarter or custom days (lib/reports/report.ts), as
 * JSON, a printable HTML page or a PDF, with the MSP's name and logo. Needs `report.read`.
 */

const REPORT_FORMATS = ['json', 'html', 'pdf'] as const;

const reportQuery = tenantQuery.extend({
  period: periodParamSchema.optional().describe('A month (2026-11) or a quarter (2026-Q4); or give from and to'),
  from: periodDateSchema.optional().describe('First day of a custom period (YYYY-MM-DD, included)'),
  to: periodDateSchema.optional().describe(`Last day of a custom period (YYYY-MM-DD, included; at most ${MAX_REPORT_DAYS} days)`),
  format: z.enum(REPORT_FORMATS).default('json').describe('json (default), html (a self-contained printable page) or pdf'),
});

/** The page runs nothing and fetches nothing: its style is inline, its logo a data: URL. */
const PAGE_CSP = ["default-src 'none'", "style-src 'unsafe-inline'", 'img-src data:', "base-uri 'none'", "form-action 'none'"].join('; ');

export function reportRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/reports',
        summary: "A company's service report for a month, a quarter or custom days",
        description:
          "The figures of GET /v1/kpis for the period in the company's time zone (its service calendar's, UTC without one), per " +
          'severity too; every SLA breach with why; the self-healed share and the runbooks that did it; the 5 noisiest assets and ' +
          'alerts by firing episodes; the maintenance windows of the period; the period before and the change of each headline ' +
          'figure. `format=html` answers a self-contained printable page (text/html), `format=pdf` a PDF (application/pdf); the ' +
          "JSON below is the default. Both carry the MSP's name and logo (GET /v1/branding). docs/reports.md explains each part.",
        tag: 'reports',
        scope: 'tenant',
        action: 'report.read',
        query: reportQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: clientReportResponse },
        errors: { 400: `No period, both a period and days, or more than ${MAX_REPORT_DAYS} days; or too much to read in time` },
      },
      async ({ tenantId, query }): Promise<HttpResult> => {
        const spec = periodSpecOf(query);
        if (typeof spec === 'string') throw badRequest(spec, [{ path: 'period', message: spec }]);
        const { report, branding } = await loadReport(deps, tenantId, spec);
        const fileName = `report-${tenantId}-${report.period.firstDay}-to-${report.period.lastDay}`;
        if (query.format === 'html') {
          return {
            statusCode: 200,
            headers: {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
              'content-security-policy': PAGE_CSP,
              'x-content-type-options': 'nosniff',
              'referrer-policy': 'no-referrer',
              'content-disposition': `inline; filename="${fileName}.html"`,
            },
            body: renderReportHtml(report, branding),
          };
        }
        if (query.format === 'pdf') {
          return binary(200, await renderReportPdf(report, branding), 'application/pdf', {
            'content-disposition': `attachment; filename="${fileName}.pdf"`,
            'x-content-type-options': 'nosniff',
          });
        }
        return json(200, report);
      },
    ),
  ];
}
