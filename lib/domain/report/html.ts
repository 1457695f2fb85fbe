import type { Branding } from './branding';
import { formatChange, formatInstant, formatValue, kpiLines, periodLine, SEVERITY_COLUMNS } from './format';
import type { ClientReport } from './report';

/**
 * A client report as one self-contained HTML page: inline CSS, the logo inline (a data: URL), no script
 * and nothing fetched, laid out to print on A4. Every value from the report is escaped: tenant, incident,
 * runbook, asset and window names come from clients' tools and admins.
 */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Only a base64 text makes a data: URL (the stored logo was checked when it was put; this keeps the page safe regardless). */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const STYLE = `
@page { size: A4; margin: 16mm; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: #1f2933; margin: 0 auto; max-width: 190mm; font-size: 10.5pt; line-height: 1.4; }
header { display: flex; align-items: center; gap: 16px; border-bottom: 2px solid #1f2933; padding-bottom: 8px; margin-bottom: 16px; }
header img { max-height: 48px; max-width: 160px; }
h1 { font-size: 18pt; margin: 0; }
h2 { font-size: 13pt; margin: 20px 0 6px; break-after: avoid; }
p.meta { margin: 2px 0; color: #52606d; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; break-inside: auto; }
tr { break-inside: avoid; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #d9e2ec; vertical-align: top; }
th { background: #f0f4f8; font-weight: bold; }
td.num { text-align: right; white-space: nowrap; }
.better { color: #18794e; }
.worse { color: #c62828; }
p.empty { color: #52606d; font-style: italic; }
footer { margin-top: 24px; border-top: 1px solid #d9e2ec; padding-top: 6px; color: #52606d; font-size: 9pt; }
`;

const cell = (value: string, numeric = false) => `<td${numeric ? ' class="num"' : ''}>${escapeHtml(value)}</td>`;
const headings = (names: readonly string[]) => `<tr>${names.map((name) => `<th>${escapeHtml(name)}</th>`).join('')}</tr>`;
const table = (head: readonly string[], rows: readonly string[]) =>
  rows.length === 0 ? '<p class="empty">None in this period.</p>' : `<table>${headings(head)}${rows.join('')}</table>`;

function logoTag(branding: Branding): string {
  const logo = branding.logo;
  if (!logo || !BASE64.test(logo.data)) return '';
  return `<img src="data:${escapeHtml(logo.contentType)};base64,${logo.data}" alt="${escapeHtml(branding.name)}">`;
}

export function renderReportHtml(report: ClientReport, branding: Branding): string {
  const zone = report.period.timeZone;
  const when = (iso: string) => formatInstant(iso, zone);
  const sections = [
    `<h2>Summary</h2>`,
    table(
      ['Figure', report.period.label, report.previous.period.label, 'Change'],
      report.changes.map(
        (change) =>
          `<tr>${cell(change.label)}${cell(formatValue(change.current), true)}${cell(formatValue(change.previous), true)}` +
          `<td class="num${change.direction === 'better' || change.direction === 'worse' ? ` ${change.direction}` : ''}">${escapeHtml(formatChange(change))}</td></tr>`,
      ),
    ),
    `<h2>Key figures</h2>`,
    table(
      ['Figure', 'Value'],
      kpiLines(report.totals).map(([label, value]) => `<tr>${cell(label)}${cell(value, true)}</tr>`),
    ),
    `<h2>By severity</h2>`,
    table(
      ['Severity', ...SEVERITY_COLUMNS.map(([name]) => name)],
      report.bySeverity.map(
        (row) => `<tr>${cell(row.severity)}${SEVERITY_COLUMNS.map(([, value]) => cell(value(row), true)).join('')}</tr>`,
      ),
    ),
    `<h2>SLA breaches (${report.breaches.length})</h2>`,
    table(
      ['Incident', 'Severity', 'Clock', 'Deadline', 'Met', 'Why'],
      report.breaches.map(
        (breach) =>
          `<tr>${cell(`${breach.title} (${breach.incidentId})`)}${cell(breach.severity)}${cell(breach.clock)}${cell(when(breach.deadline))}` +
          `${cell(breach.metAt ? when(breach.metAt) : 'still open')}${cell(breach.reason)}</tr>`,
      ),
    ),
    `<h2>Self-healing</h2>`,
    `<p>${escapeHtml(
      `${report.selfHealing.selfHealed} of ${report.selfHealing.resolved} resolved incidents were resolved by a runbook (${formatValue(report.selfHealing.pct, '%')}).`,
    )}</p>`,
    table(
      ['Runbook', 'Incidents resolved'],
      report.selfHealing.runbooks.map((runbook) => `<tr>${cell(runbook.name)}${cell(String(runbook.incidents), true)}</tr>`),
    ),
    `<h2>Noisiest assets</h2>`,
    table(
      ['Asset', 'Alert episodes'],
      report.noisyAssets.map((asset) => `<tr>${cell(asset.asset)}${cell(String(asset.firingEpisodes), true)}</tr>`),
    ),
    `<h2>Noisiest alerts</h2>`,
    table(
      ['Alert', 'Alert episodes'],
      report.noisySignatures.map((signature) => `<tr>${cell(signature.signature)}${cell(String(signature.firingEpisodes), true)}</tr>`),
    ),
    `<h2>Maintenance windows</h2>`,
    table(
      ['Window', 'Reason', 'From', 'To', 'Occurrences', 'Incidents held'],
      report.maintenanceWindows.map(
        (window) =>
          `<tr>${cell(window.name)}${cell(window.reason)}${cell(when(window.firstStartsAt))}${cell(when(window.lastEndsAt))}` +
          `${cell(String(window.occurrences), true)}${cell(String(window.heldIncidents), true)}</tr>`,
      ),
    ),
  ];
  const title = `${report.tenant.name}: service report, ${report.period.label}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header>${logoTag(branding)}<div><h1>${escapeHtml(branding.name)}</h1>`,
    `<p class="meta">${escapeHtml(`Service report for ${report.tenant.name}`)}</p>`,
    `<p class="meta">${escapeHtml(periodLine(report))}</p></div></header>`,
    ...sections,
    `<footer>${escapeHtml(`Prepared by ${branding.name} on ${when(report.generatedAt)} (${zone}). Compared with ${report.previous.period.label}.`)}</footer>`,
    '</body></html>',
  ].join('\n');
}
