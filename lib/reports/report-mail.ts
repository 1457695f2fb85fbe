import type { ClientReport } from '../domain/report/report';
import { periodSpecOf } from '../domain/report/period';
import { escapeHtml } from '../domain/notify/templates';
import { badRequest } from '../errors';
import { renderReportPdf } from './pdf';
import { loadReport, type ReportDeps } from './report';

/**
 * The e-mail a client company's contacts get: the report as a PDF attachment, and a short message with
 * the headline figures beside the period before's (the PDF has the rest). From the same report as
 * `GET /v1/reports` for the period, so what the e-mail says is what the preview shows.
 */

export type ReportMailDeps = ReportDeps;

export interface ReportMail {
  subject: string;
  html: string;
  text: string;
  pdf: Uint8Array;
  /** The attachment's name: `<tenant>-<period>-service-report.pdf`. */
  fileName: string;
  /** The period's instants (ISO): from its first local midnight to the one after its last day. */
  period: { from: string; to: string };
}

/** A figure as a person reads it: "—" when there is nothing to show (no incidents, no SLA clocks). */
const shown = (value: number | null) => (value === null ? '—' : String(value));

/** The message's subject, HTML and text for a report (the PDF is attached apart). */
export function reportMessage(report: ClientReport): Pick<ReportMail, 'subject' | 'html' | 'text'> {
  const subject = `${report.msp.name}: ${report.tenant.name} service report, ${report.period.label}`;
  const intro = `Your service report for ${report.period.label} from ${report.msp.name} is attached (PDF).`;
  const rows = report.changes.map(
    (change) =>
      `<tr><td style="padding:4px 12px 4px 0">${escapeHtml(change.label)}</td>` +
      `<td style="padding:4px 12px;text-align:right"><strong>${shown(change.current)}</strong></td>` +
      `<td style="padding:4px 0 4px 12px;text-align:right;color:#666">${shown(change.previous)}</td></tr>`,
  );
  const html = [
    '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#222">',
    `<p>${escapeHtml(intro)}</p>`,
    '<table style="border-collapse:collapse">',
    `<tr><th style="text-align:left;padding:4px 12px 4px 0">${escapeHtml(report.period.label)}</th><th></th>`,
    `<th style="text-align:right;padding:4px 0 4px 12px;color:#666">${escapeHtml(report.previous.period.label)}</th></tr>`,
    ...rows,
    '</table>',
    `<p>SLA breaches: ${report.breaches.length}.</p>`,
    `<p style="color:#666">${escapeHtml(report.msp.name)}</p>`,
    '</body></html>',
  ].join('');
  const text = [
    intro,
    '',
    `${report.period.label} (${report.previous.period.label})`,
    ...report.changes.map((change) => `${change.label}: ${shown(change.current)} (${shown(change.previous)})`),
    `SLA breaches: ${report.breaches.length}`,
    '',
    report.msp.name,
  ].join('\n');
  return { subject, html, text };
}

/** The e-mail of a tenant's report for a period (`2026-11`, `2026-Q4`). */
export async function composeReportMail(deps: ReportMailDeps, tenantId: string, period: string): Promise<ReportMail> {
  const spec = periodSpecOf({ period });
  if (typeof spec === 'string') throw badRequest(spec);
  const { report, branding } = await loadReport(deps, tenantId, spec);
  const pdf = await renderReportPdf(report, branding);
  return {
    ...reportMessage(report),
    pdf,
    fileName: `${tenantId}-${period}-service-report.pdf`,
    period: { from: report.period.from, to: report.period.to },
  };
}
