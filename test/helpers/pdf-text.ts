import { inflateSync } from 'node:zlib';

/**
 * The text a PDF made by lib/reports/pdf.ts draws, page content stream by page content stream: its writer
 * writes each string as hex (`<48656C6C6F> Tj`) in WinAnsi, in Flate-compressed streams. Enough to find
 * the figures in it; not a general PDF text extractor.
 */
export function pdfText(bytes: Uint8Array): string {
  const raw = Buffer.from(bytes).toString('latin1');
  const texts: string[] = [];
  const streams = /stream\r?\n/g;
  let match: RegExpExecArray | null;
  while ((match = streams.exec(raw))) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    const data = Buffer.from(raw.slice(start, end), 'latin1');
    let content: string;
    try {
      content = inflateSync(data).toString('latin1');
    } catch {
      content = data.toString('latin1');
    }
    for (const shown of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) texts.push(Buffer.from(shown[1]!, 'hex').toString('latin1'));
    streams.lastIndex = end + 'endstream'.length;
  }
  return texts.join('\n');
}
