import { deflateSync } from 'node:zlib';
import { BASE_FONTS, widthOfCodes, winAnsi, type FontName } from './pdf-fonts';
import type { PdfImage } from './pdf-image';

/**
 * A small PDF 1.7 writer, enough for a report: pages of text in the standard Helvetica fonts (nothing
 * embedded, every reader has them), lines, and images. Content streams are Flate-compressed with Node's
 * zlib; text is written as WinAnsi hex strings. No dependency: a PDF library (with every standard font's
 * metrics) would not fit the function's bundle budget.
 */

export type Rgb = readonly [number, number, number];

const FONT_RESOURCE: Readonly<Record<FontName, string>> = { regular: 'F1', bold: 'F2' };

const num = (value: number) => String(Math.round(value * 100) / 100);
const colour = ([r, g, b]: Rgb) => `${num(r)} ${num(g)} ${num(b)}`;
const hex = (codes: readonly number[]) => `<${Buffer.from(codes).toString('hex').toUpperCase()}>`;

/** A text string of the document information: UTF-16BE with its byte order mark, as hex. */
function infoString(text: string): string {
  const units = Buffer.from(text, 'utf16le').swap16();
  return `<FEFF${units.toString('hex').toUpperCase()}>`;
}

/** D:YYYYMMDDHHmmSSZ */
const pdfDate = (date: Date) => `D:${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

export class PdfPage {
  private readonly operators: string[] = [];
  readonly images = new Map<string, number>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  text(text: string, x: number, y: number, size: number, font: FontName, fill: Rgb): void {
    this.operators.push(`BT /${FONT_RESOURCE[font]} ${num(size)} Tf ${colour(fill)} rg ${num(x)} ${num(y)} Td ${hex(winAnsi(text))} Tj ET`);
  }

  line(from: { x: number; y: number }, to: { x: number; y: number }, thickness: number, stroke: Rgb): void {
    this.operators.push(`${colour(stroke)} RG ${num(thickness)} w ${num(from.x)} ${num(from.y)} m ${num(to.x)} ${num(to.y)} l S`);
  }

  image(objectNumber: number, x: number, y: number, width: number, height: number): void {
    const name = `Im${objectNumber}`;
    this.images.set(name, objectNumber);
    this.operators.push(`q ${num(width)} 0 0 ${num(height)} ${num(x)} ${num(y)} cm /${name} Do Q`);
  }

  content(): Buffer {
    return Buffer.from(this.operators.join('\n'), 'latin1');
  }
}

export class PdfDocument {
  /** Object bodies by number - 1; reserved ones are filled before saving. */
  private readonly objects: Array<Buffer | undefined> = [];
  private readonly pages: PdfPage[] = [];

  private reserve(): number {
    this.objects.push(undefined);
    return this.objects.length;
  }

  private set(objectNumber: number, body: string | Buffer): void {
    this.objects[objectNumber - 1] = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  }

  private add(body: string | Buffer): number {
    const objectNumber = this.reserve();
    this.set(objectNumber, body);
    return objectNumber;
  }

  private stream(dict: string, data: Buffer): Buffer {
    return Buffer.concat([
      Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]);
  }

  /** The text's width in points, as the page will draw it. */
  widthOf(text: string, size: number, font: FontName): number {
    return widthOfCodes(winAnsi(text), size, font);
  }

  addPage(width: number, height: number): PdfPage {
    const page = new PdfPage(width, height);
    this.pages.push(page);
    return page;
  }

  /** The image as an object the pages draw by number. */
  addImage(image: PdfImage): number {
    const smask = image.smask ? this.add(this.stream(image.smask.dict, image.smask.data)) : undefined;
    return this.add(this.stream(`${image.dict}${smask ? ` /SMask ${smask} 0 R` : ''}`, image.data));
  }

  save(info: { title: string; author: string; createdAt: Date }): Uint8Array {
    const catalog = this.reserve();
    const pageTree = this.reserve();
    const fonts = Object.fromEntries(
      (Object.keys(BASE_FONTS) as FontName[]).map((font) => [
        FONT_RESOURCE[font],
        this.add(`<< /Type /Font /Subtype /Type1 /BaseFont /${BASE_FONTS[font]} /Encoding /WinAnsiEncoding >>`),
      ]),
    );
    const fontResources = Object.entries(fonts)
      .map(([name, objectNumber]) => `/${name} ${objectNumber} 0 R`)
      .join(' ');
    const kids = this.pages.map((page) => {
      const contents = this.add(this.stream('/Filter /FlateDecode', deflateSync(page.content())));
      const images = [...page.images].map(([name, objectNumber]) => `/${name} ${objectNumber} 0 R`).join(' ');
      return this.add(
        `<< /Type /Page /Parent ${pageTree} 0 R /MediaBox [0 0 ${num(page.width)} ${num(page.height)}] ` +
          `/Resources << /Font << ${fontResources} >>${images ? ` /XObject << ${images} >>` : ''} >> /Contents ${contents} 0 R >>`,
      );
    });
    this.set(pageTree, `<< /Type /Pages /Kids [${kids.map((kid) => `${kid} 0 R`).join(' ')}] /Count ${kids.length} >>`);
    this.set(catalog, `<< /Type /Catalog /Pages ${pageTree} 0 R >>`);
    const infoObject = this.add(
      `<< /Title ${infoString(info.title)} /Author ${infoString(info.author)} /Creator ${infoString(info.author)} ` +
        `/CreationDate (${pdfDate(info.createdAt)}) >>`,
    );

    // A binary comment on the second line tells transfer tools the file is binary.
    const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
    let offset = parts[0]!.length;
    const offsets: number[] = [];
    this.objects.forEach((body, index) => {
      if (!body) throw new Error(`PDF object ${index + 1} was reserved but never written`);
      offsets.push(offset);
      const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
      parts.push(object);
      offset += object.length;
    });
    const xref = [
      'xref',
      `0 ${this.objects.length + 1}`,
      '0000000000 65535 f ',
      ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n `),
      'trailer',
      `<< /Size ${this.objects.length + 1} /Root ${catalog} 0 R /Info ${infoObject} 0 R >>`,
      'startxref',
      String(offset),
      '%%EOF',
      '',
    ].join('\n');
    parts.push(Buffer.from(xref, 'latin1'));
    return new Uint8Array(Buffer.concat(parts));
  }
}
