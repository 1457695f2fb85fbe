import type { Branding } from '../domain/report/branding';
import { formatChange, formatInstant, formatValue, kpiLines, periodLine, SEVERITY_COLUMNS } from '../domain/report/format';
import type { ClientReport } from '../domain/report/report';
import { PdfDocument, type PdfPage, type Rgb } from './pdf-document';
import type { FontName } from './pdf-fonts';
import { pdfImageOf, type PdfImage } from './pdf-image';

/**
 * A client report as a PDF, built in the function itself (lib/reports/pdf-document.ts: no browser, no
 * font files): A4 pages in Helvetica, the MSP's logo and name at the top of the first, the same sections
 * and values as the HTML page (lib/domain/report/html.ts), tables broken across pages as they run.
 */

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const WIDTH = PAGE.width - 2 * MARGIN;
const TEXT: Rgb = [0.12, 0.16, 0.2];
const MUTED: Rgb = [0.32, 0.38, 0.43];
const RULE: Rgb = [0.85, 0.89, 0.93];
const LOGO_BOX = { width: 140, height: 48 };

/** A column of a table: its heading, its share of the width, and whether it holds numbers (right-aligned). */
interface Column {
  heading: string;
  width: number;
  numeric?: boolean;
}

/** Writes down the page, starting a new one when the next line would not fit. */
class Writer {
  private page!: PdfPage;
  private y = 0;

  constructor(private readonly doc: PdfDocument) {
    this.newPage();
  }

  private newPage(): void {
    this.page = this.doc.addPage(PAGE.width, PAGE.height);
    this.y = PAGE.height - MARGIN;
  }

  private ensure(height: number): void {
    if (this.y - height < MARGIN) this.newPage();
  }

  /** Words that fit `width` at `size`, line by line (a word longer than a line is cut). */
  private wrap(text: string, width: number, size: number, font: FontName): string[] {
    const widthOf = (value: string) => this.doc.widthOf(value, size, font);
    const lines: string[] = [];
    let line = '';
    for (const word of text.replace(/\s+/g, ' ').split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (widthOf(candidate) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      let rest = word;
      while (widthOf(rest) > width && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && widthOf(rest.slice(0, cut)) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
    return lines;
  }

  image(image: PdfImage): void {
    const scale = Math.min(LOGO_BOX.width / image.width, LOGO_BOX.height / image.height, 1);
    const height = image.height * scale;
    this.ensure(height);
    this.page.image(this.doc.addImage(image), MARGIN, this.y - height, image.width * scale, height);
    this.y -= height + 8;
  }

  text(text: string, options: { size?: number; bold?: boolean; muted?: boolean; gapBefore?: number } = {}): void {
    const size = options.size ?? 10;
    const font: FontName = options.bold ? 'bold' : 'regular';
    this.y -= options.gapBefore ?? 0;
    for (const line of this.wrap(text, WIDTH, size, font)) {
      this.ensure(size * 1.4);
      this.y -= size * 1.2;
      this.page.text(line, MARGIN, this.y, size, font, options.muted ? MUTED : TEXT);
      this.y -= size * 0.2;
    }
  }

  heading(text: string): void {
    // Keep a heading with the first rows after it.
    this.ensure(13 * 1.4 + 40);
    this.text(text, { size: 13, bold: true, gapBefore: 12 });
    this.y -= 2;
  }

  rule(): void {
    this.page.line({ x: MARGIN, y: this.y }, { x: MARGIN + WIDTH, y: this.y }, 0.5, RULE);
  }

  table(columns: readonly Column[], rows: readonly string[][]): void {
    if (rows.length === 0) {
      this.text('None in this period.', { muted: true });
      return;
    }
    const total = columns.reduce((sum, column) => sum + column.width, 0);
    const widths = columns.map((column) => (column.width / total) * WIDTH);
    this.row(
      columns.map((column) => column.heading),
      columns,
      widths,
      true,
    );
    for (const row of rows) this.row(row, columns, widths, false);
    this.y -= 4;
  }

  private row(cells: readonly string[], columns: readonly Column[], widths: readonly number[], header: boolean): void {
    const size = 9;
    const font: FontName = header ? 'bold' : 'regular';
    const wrapped = cells.map((value, index) => this.wrap(value, widths[index]! - 6, size, font));
    const height = Math.max(...wrapped.map((lines) => lines.length)) * size * 1.3 + 4;
    this.ensure(height);
    let x = MARGIN;
    wrapped.forEach((lines, index) => {
      const width = widths[index]!;
      lines.forEach((line, lineIndex) => {
        const y = this.y - size * 1.1 - lineIndex * size * 1.3;
        const lineX = columns[index]!.numeric && !header ? x + width - 3 - this.doc.widthOf(line, size, font) : x + 3;
        this.page.text(line, lineX, y, size, font, TEXT);
      });
      x += width;
    });
    this.y -= height;
    this.rule();
  }
}

/** The MSP's logo as a PDF image; a stored logo was checked drawable when it was set (lib/api/routes/branding.ts). */
function logoImage(branding: Branding): PdfImage | undefined {
  if (!branding.logo) return undefined;
  const image = pdfImageOf(Buffer.from(branding.logo.data, 'base64'), branding.logo.contentType);
  return typeof image === 'string' ? undefined : image;
}

export async function renderReportPdf(report: ClientReport, branding: Branding): Promise<Uint8Array> {
  const doc = new PdfDocument();
  const out = new Writer(doc);
  const zone = report.period.timeZone;
  const when = (iso: string) => formatInstant(iso, zone);

  const logo = logoImage(branding);
  if (logo) out.image(logo);
  out.text(branding.name, { size: 18, bold: true });
  out.text(`Service report for ${report.tenant.name}`, { muted: true });
  out.text(periodLine(report), { muted: true });

  out.heading('Summary');
  out.table(
    [
      { heading: 'Figure', width: 3 },
      { heading: report.period.label, width: 2, numeric: true },
      { heading: report.previous.period.label, width: 2, numeric: true },
      { heading: 'Change', width: 1.4, numeric: true },
    ],
    report.changes.map((change) => [change.label, formatValue(change.current), formatValue(change.previous), formatChange(change)]),
  );

  out.heading('Key figures');
  out.table(
    [
      { heading: 'Figure', width: 2 },
      { heading: 'Value', width: 2, numeric: true },
    ],
    kpiLines(report.totals),
  );

  out.heading('By severity');
  out.table(
    [{ heading: 'Severity', width: 1.4 }, ...SEVERITY_COLUMNS.map(([heading]) => ({ heading, width: 1, numeric: true }))],
    report.bySeverity.map((row) => [row.severity, ...SEVERITY_COLUMNS.map(([, value]) => value(row))]),
  );

  out.heading(`SLA breaches (${report.breaches.length})`);
  out.table(
    [
      { heading: 'Incident', width: 3 },
      { heading: 'Severity', width: 1.2 },
      { heading: 'Clock', width: 1.3 },
      { heading: 'Deadline', width: 1.8 },
      { heading: 'Met', width: 1.8 },
      { heading: 'Why', width: 3 },
    ],
    report.breaches.map((breach) => [
      `${breach.title} (${breach.incidentId})`,
      breach.severity,
      breach.clock,
      when(breach.deadline),
      breach.metAt ? when(breach.metAt) : 'still open',
      breach.reason,
    ]),
  );

  out.heading('Self-healing');
  out.text(
    `${report.selfHealing.selfHealed} of ${report.selfHealing.resolved} resolved incidents were resolved by a runbook (${formatValue(report.selfHealing.pct, '%')}).`,
  );
  out.table(
    [
      { heading: 'Runbook', width: 3 },
      { heading: 'Incidents resolved', width: 1, numeric: true },
    ],
    report.selfHealing.runbooks.map((runbook) => [runbook.name, String(runbook.incidents)]),
  );

  out.heading('Noisiest assets');
  out.table(
    [
      { heading: 'Asset', width: 3 },
      { heading: 'Alert episodes', width: 1, numeric: true },
    ],
    report.noisyAssets.map((asset) => [asset.asset, String(asset.firingEpisodes)]),
  );

  out.heading('Noisiest alerts');
  out.table(
    [
      { heading: 'Alert', width: 3 },
      { heading: 'Alert episodes', width: 1, numeric: true },
    ],
    report.noisySignatures.map((signature) => [signature.signature, String(signature.firingEpisodes)]),
  );

  out.heading('Maintenance windows');
  out.table(
    [
      { heading: 'Window', width: 2 },
      { heading: 'Reason', width: 2 },
      { heading: 'From', width: 1.8 },
      { heading: 'To', width: 1.8 },
      { heading: 'Occurrences', width: 1.2, numeric: true },
      { heading: 'Incidents held', width: 1.2, numeric: true },
    ],
    report.maintenanceWindows.map((window) => [
      window.name,
      window.reason,
      when(window.firstStartsAt),
      when(window.lastEndsAt),
      String(window.occurrences),
      String(window.heldIncidents),
    ]),
  );

  out.text(`Prepared by ${branding.name} on ${when(report.generatedAt)} (${zone}). Compared with ${report.previous.period.label}.`, {
    size: 8,
    muted: true,
    gapBefore: 16,
  });
  return doc.save({
    title: `${report.tenant.name}: service report, ${report.period.label}`,
    author: branding.name,
    createdAt: new Date(report.generatedAt),
  });
}
