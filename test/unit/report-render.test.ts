import { PDFDocument } from 'pdf-lib';
import type { KpiRow } from '../../lib/domain/kpi';
import type { Branding } from '../../lib/domain/report/branding';
import { renderReportHtml } from '../../lib/domain/report/html';
import { periodBounds } from '../../lib/domain/report/period';
import { describeBreach, figureChanges, formatDuration, type ClientReport } from '../../lib/domain/report/report';
import { renderReportPdf } from '../../lib/reports/pdf';
import { pdfText } from '../helpers/pdf-text';

/** The pure parts of a client report: breach reasons, figure changes, and both renderings (HTML escaped, PDF text). */

const MINUTE = 60_000;
const due = Date.parse('2026-11-03T10:00:00Z');

test('durations read as a client reads them', () => {
  expect([20 * 1000, 47 * MINUTE, 120 * MINUTE, 125 * MINUTE, 24 * 60 * MINUTE, 28 * 60 * MINUTE].map(formatDuration)).toEqual([
    '1 min',
    '47 min',
    '2 h',
    '2 h 5 min',
    '1 d',
    '1 d 4 h',
  ]);
});

test('why a clock was missed, and by how much', () => {
  const now = due + 10 * 60 * MINUTE;
  expect(describeBreach({ clock: 'response', due, metAt: due + 47 * MINUTE, metByAcknowledgement: true, now })).toEqual({
    reason: 'acknowledged 47 min after the deadline',
    lateMinutes: 47,
    stillOpen: false,
  });
  expect(describeBreach({ clock: 'response', due, metAt: due + 5 * MINUTE, now }).reason).toBe('first acted on 5 min after the deadline');
  expect(describeBreach({ clock: 'response', due, now })).toEqual({ reason: 'not acknowledged', lateMinutes: 600, stillOpen: true });
  expect(describeBreach({ clock: 'response', due, resolvedAt: due + 90 * MINUTE, now }).reason).toBe(
    'not acknowledged; resolved without a person 1 h 30 min after the deadline',
  );
  expect(describeBreach({ clock: 'resolution', due, metAt: due + 120 * MINUTE, now })).toEqual({
    reason: 'resolved 2 h late',
    lateMinutes: 120,
    stillOpen: false,
  });
  expect(describeBreach({ clock: 'resolution', due, now })).toEqual({
    reason: 'not resolved, 10 h past the deadline',
    lateMinutes: 600,
    stillOpen: true,
  });
});

function row(overrides: Partial<KpiRow> = {}): KpiRow {
  return {
    alerts: 120,
    firingEpisodes: 40,
    unmatchedResolutions: 2,
    incidents: 12,
    noiseReductionPct: 70,
    acknowledged: 10,
    mttaMinutes: 14.5,
    resolved: 11,
    mttrMinutes: 95.2,
    selfHealed: 4,
    clearedOnItsOwn: 3,
    resolvedByPerson: 4,
    selfHealedPct: 36.4,
    slaResponse: { met: 9, missed: 1, resolvedBeforeDue: 2, pct: 90 },
    slaResolution: { met: 10, missed: 1, pct: 90.9 },
    inMaintenance: 1,
    ...overrides,
  };
}

const HOSTILE = '<script>alert("x")</script> & \'q\'';

function report(): ClientReport {
  const totals = row();
  const previousTotals = row({ incidents: 15, mttaMinutes: null, slaResponse: { met: 8, missed: 2, resolvedBeforeDue: 0, pct: 80 } });
  return {
    tenant: { id: 'acme', name: `Acme ${HOSTILE}` },
    msp: { name: 'Contoso IT', hasLogo: false },
    period: periodBounds({ kind: 'month', year: 2026, month: 11 }, 'Europe/Berlin'),
    generatedAt: '2026-12-01T08:00:00.000Z',
    totals,
    bySeverity: [{ severity: 'critical', ...row({ incidents: 2, mttaMinutes: 3.5 }) }],
    breaches: [
      {
        incidentId: '01JINCIDENT',
        title: `Disk full ${HOSTILE}`,
        severity: 'high',
        clock: 'response',
        deadline: '2026-11-03T10:00:00.000Z',
        metAt: '2026-11-03T10:47:00.000Z',
        stillOpen: false,
        lateMinutes: 47,
        reason: 'acknowledged 47 min after the deadline',
      },
    ],
    selfHealing: {
      resolved: 11,
      selfHealed: 4,
      pct: 36.4,
      runbooks: [{ runbookId: 'linux-disk-cleanup', name: 'linux-disk-cleanup', incidents: 4 }],
    },
    noisyAssets: [{ asset: `web-01 ${HOSTILE}`, assetId: 'web-01', firingEpisodes: 17 }],
    noisySignatures: [{ signature: 'DiskFull', firingEpisodes: 11 }],
    maintenanceWindows: [
      {
        id: 'mw1',
        name: 'Patch night',
        kind: 'window',
        reason: 'Monthly patches',
        occurrences: 4,
        firstStartsAt: '2026-11-01T01:00:00.000Z',
        lastEndsAt: '2026-11-22T03:00:00.000Z',
        heldIncidents: 1,
      },
    ],
    previous: { period: periodBounds({ kind: 'month', year: 2026, month: 10 }, 'Europe/Berlin'), totals: previousTotals },
    changes: figureChanges(totals, previousTotals),
  };
}

test('changes from the period before: fewer incidents and more SLA met are better; nothing to compare is null', () => {
  const changes = Object.fromEntries(report().changes.map((change) => [change.figure, change]));
  expect(changes.incidents).toMatchObject({ current: 12, previous: 15, change: -3, direction: 'better' });
  expect(changes.slaResponsePct).toMatchObject({ current: 90, previous: 80, change: 10, direction: 'better' });
  expect(changes.mttaMinutes).toMatchObject({ current: 14.5, previous: null, change: null, direction: null });
  expect(changes.mttrMinutes).toMatchObject({ change: 0, direction: 'same' });
});

const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const branding: Branding = { name: `Contoso IT ${HOSTILE}`, logo: { contentType: 'image/png', data: PIXEL_PNG.toString('base64') } };

test('the HTML page escapes every value, carries its logo inline and runs no script', () => {
  const html = renderReportHtml(report(), branding);
  expect(html).not.toContain('<script>');
  expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  expect(html).toContain(`src="data:image/png;base64,${PIXEL_PNG.toString('base64')}"`);
  expect(html).not.toMatch(/<link|src="http|@import/);
  expect(html).toContain('November 2026 (2026-11-01 to 2026-11-30, Europe/Berlin)');
  expect(html).toContain('acknowledged 47 min after the deadline');
  // Instants in the period's time zone: 10:00Z is 11:00 in Berlin in November.
  expect(html).toContain('3 Nov 2026, 11:00');
  expect(html).toContain('@page');
  // A logo that is not base64 is left out rather than written into the attribute.
  const bad = renderReportHtml(report(), { name: 'X', logo: { contentType: 'image/png', data: '" onerror="alert(1)' } });
  expect(bad).not.toContain('onerror');
});

test('the PDF: a PDF with pages, the logo, and the same figures and words as the report', async () => {
  const bytes = await renderReportPdf(report(), branding);
  expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  const doc = await PDFDocument.load(bytes);
  expect(doc.getPageCount()).toBeGreaterThan(0);
  // Cells wrap over lines: each line is drawn in turn, so a cell's words follow each other.
  const text = pdfText(bytes).replace(/\n/g, ' ');
  for (const expected of [
    'Contoso IT',
    'Service report for Acme',
    'November 2026 (2026-11-01 to 2026-11-30, Europe/Berlin)',
    '14.5 min',
    '95.2 min',
    '90% (9 met, 1 missed)',
    'acknowledged 47 min after the deadline',
    'linux-disk-cleanup',
    'DiskFull',
    'Patch night',
  ]) {
    expect([expected, text.includes(expected)]).toEqual([expected, true]);
  }
});

test('the PDF draws what its fonts cannot encode as ?, and breaks long tables across pages', async () => {
  const many = report();
  many.tenant.name = 'Ünïcode 株式会社 🚀';
  many.breaches = Array.from({ length: 120 }, (_, index) => ({ ...many.breaches[0]!, incidentId: `01J${index}` }));
  const bytes = await renderReportPdf(many, { name: 'Contoso IT' });
  expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThan(2);
  expect(pdfText(bytes)).toContain('Service report for Ünïcode ????');
});
