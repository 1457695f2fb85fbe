import { deflateSync, inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { pdfImageOf, type PdfImage } from '../../lib/reports/pdf-image';
import { renderReportPdf } from '../../lib/reports/pdf';
import { periodBounds } from '../../lib/domain/report/period';
import type { ClientReport } from '../../lib/domain/report/report';

/** Logos as PDF images: what a PDF draws as it is, what is unpacked (alpha), and what is refused when the logo is set. */

function chunk(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  // The CRC is not checked by readers of the image data, nor here.
  return Buffer.concat([length, Buffer.from(type, 'latin1'), body, Buffer.alloc(4)]);
}

function png(options: { width: number; height: number; colourType: number; bitDepth?: number; interlace?: number; rows: number[][] }) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(options.width, 0);
  header.writeUInt32BE(options.height, 4);
  header[8] = options.bitDepth ?? 8;
  header[9] = options.colourType;
  header[12] = options.interlace ?? 0;
  const raw = Buffer.from(options.rows.flat());
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(options.colourType === 3 ? [chunk('PLTE', Buffer.from([255, 0, 0, 0, 0, 255]))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function jpeg(components: number): Buffer {
  const frame = Buffer.from([
    0xff,
    0xc0,
    0x00,
    8 + 3 * components,
    8,
    0x00,
    0x20,
    0x00,
    0x40,
    components,
    ...Array(3 * components).fill(1),
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]), frame, Buffer.from([0xff, 0xd9])]);
}

test('a JPEG is drawn as it is, by the size and colours of its frame; CMYK is refused', () => {
  const image = pdfImageOf(jpeg(3), 'image/jpeg') as PdfImage;
  expect(image).toMatchObject({ width: 64, height: 32 });
  expect(image.dict).toContain('/DCTDecode');
  expect(image.dict).toContain('/DeviceRGB');
  expect(image.data.equals(jpeg(3))).toBe(true);
  expect((pdfImageOf(jpeg(1), 'image/jpeg') as PdfImage).dict).toContain('/DeviceGray');
  expect(pdfImageOf(jpeg(4), 'image/jpeg')).toMatch(/CMYK/);
  expect(pdfImageOf(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'image/jpeg')).toMatch(/no frame|damaged/);
});

test('an RGB or palette PNG keeps its compressed rows (PDF reads the PNG filters); one with alpha is split into colours and a mask', () => {
  const rgb = pdfImageOf(png({ width: 2, height: 1, colourType: 2, rows: [[0, 255, 0, 0, 0, 0, 255]] }), 'image/png') as PdfImage;
  expect(rgb.dict).toContain('/Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns 2');
  expect(rgb.smask).toBeUndefined();
  const palette = pdfImageOf(png({ width: 2, height: 1, colourType: 3, rows: [[0, 0, 1]] }), 'image/png') as PdfImage;
  expect(palette.dict).toContain('[/Indexed /DeviceRGB 1 <ff00000000ff>]');

  // Two rows of two RGBA pixels; the second row uses the Up filter (each byte added to the one above).
  const rgba = pdfImageOf(
    png({
      width: 2,
      height: 2,
      colourType: 6,
      rows: [
        [0, 10, 20, 30, 255, 40, 50, 60, 128],
        [2, 1, 1, 1, 0, 1, 1, 1, 0],
      ],
    }),
    'image/png',
  ) as PdfImage;
  expect(rgba.smask).toBeDefined();
  expect([...inflateSync(rgba.data)]).toEqual([10, 20, 30, 40, 50, 60, 11, 21, 31, 41, 51, 61]);
  expect([...inflateSync(rgba.smask!.data)]).toEqual([255, 128, 255, 128]);
});

test('what a PDF cannot draw is said, so the logo is refused when it is set', () => {
  expect(pdfImageOf(png({ width: 1, height: 1, colourType: 2, interlace: 1, rows: [[0, 1, 2, 3]] }), 'image/png')).toMatch(/interlaced/);
  expect(pdfImageOf(png({ width: 1, height: 1, colourType: 2, bitDepth: 16, rows: [[0, 1, 2, 3, 4, 5, 6]] }), 'image/png')).toMatch(
    /8 bits/,
  );
  expect(pdfImageOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'image/png')).toMatch(/damaged/);
  expect(pdfImageOf(png({ width: 5000, height: 1000, colourType: 2, rows: [[0]] }), 'image/png')).toMatch(/million pixels/);
  // A small file that would inflate far beyond the rows its header announces is never unpacked whole.
  const bomb = png({ width: 1, height: 1, colourType: 6, rows: [Array.from({ length: 5_000_000 }, () => 0)] });
  expect(bomb.length).toBeLessThan(100_000);
  expect(pdfImageOf(bomb, 'image/png')).toMatch(/damaged/);
});

test('a report with a JPEG logo is a PDF a PDF library reads', async () => {
  const period = periodBounds({ kind: 'month', year: 2026, month: 11 }, 'UTC');
  const row = {
    alerts: 0,
    firingEpisodes: 0,
    unmatchedResolutions: 0,
    incidents: 0,
    noiseReductionPct: null,
    acknowledged: 0,
    mttaMinutes: null,
    resolved: 0,
    mttrMinutes: null,
    selfHealed: 0,
    clearedOnItsOwn: 0,
    resolvedByPerson: 0,
    selfHealedPct: null,
    slaResponse: { met: 0, missed: 0, resolvedBeforeDue: 0, pct: null },
    slaResolution: { met: 0, missed: 0, pct: null },
    inMaintenance: 0,
  };
  const report: ClientReport = {
    tenant: { id: 'acme', name: 'Acme' },
    msp: { name: 'Contoso', hasLogo: true },
    period,
    generatedAt: '2026-12-01T00:00:00.000Z',
    totals: row,
    bySeverity: [],
    breaches: [],
    selfHealing: { resolved: 0, selfHealed: 0, pct: null, runbooks: [] },
    noisyAssets: [],
    noisySignatures: [],
    maintenanceWindows: [],
    previous: { period, totals: row },
    changes: [],
  };
  const bytes = await renderReportPdf(report, { name: 'Contoso', logo: { contentType: 'image/jpeg', data: jpeg(3).toString('base64') } });
  const doc = await PDFDocument.load(bytes);
  expect(doc.getPageCount()).toBe(1);
  expect(doc.getTitle()).toBe('Acme: service report, November 2026');
  expect(Buffer.from(bytes).toString('latin1')).toContain('/DCTDecode');
});
