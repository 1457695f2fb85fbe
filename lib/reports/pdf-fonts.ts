/**
 * Helvetica and Helvetica-Bold, two of the PDF standard fonts every reader has (nothing is embedded): their
 * advance widths (thousandths of the font size) for WinAnsi codes 32 to 255, from Adobe's font metrics
 * (the AFM files of the standard 14 fonts), which the layout needs to wrap and right-align text.
 */

export type FontName = 'regular' | 'bold';

/** The font's name in the PDF (its BaseFont). */
export const BASE_FONTS: Readonly<Record<FontName, string>> = { regular: 'Helvetica', bold: 'Helvetica-Bold' };

// prettier-ignore
const WIDTHS: Readonly<Record<FontName, readonly number[]>> = {
  regular: [278,278,355,556,556,889,667,191,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,556,556,278,278,584,584,584,556,1015,667,667,722,722,667,611,778,722,278,500,667,556,833,722,778,667,778,722,667,611,722,667,944,667,667,611,278,278,278,469,556,333,556,556,500,556,556,278,556,556,222,222,500,222,833,556,556,556,556,333,500,278,556,500,722,500,500,500,334,260,334,584,0,556,0,222,556,333,1000,556,556,333,1000,667,333,1000,0,611,0,0,222,222,333,333,350,556,1000,333,1000,500,333,944,0,500,500,278,333,556,556,556,556,260,556,333,737,370,556,584,333,737,333,400,584,333,333,333,556,537,278,333,333,365,556,834,834,834,611,667,667,667,667,667,667,1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,556,556,556,556,556,556,889,500,556,556,556,556,278,278,278,278,556,556,556,556,556,556,556,584,611,556,556,556,556,500,556,500],
  bold: [278,333,474,556,556,889,722,238,333,333,389,584,278,333,278,278,556,556,556,556,556,556,556,556,556,556,333,333,584,584,584,611,975,722,722,722,722,667,611,778,722,278,556,722,611,833,722,778,667,778,722,667,611,722,667,944,667,667,611,333,278,333,584,556,333,556,611,556,611,556,333,611,611,278,278,556,278,889,611,611,611,611,389,556,333,611,556,778,556,556,500,389,280,389,584,0,556,0,278,556,500,1000,556,556,333,1000,667,333,1000,0,611,0,0,278,278,500,500,350,556,1000,333,1000,556,333,944,0,500,556,278,333,556,556,556,556,280,556,333,737,370,556,584,333,737,333,400,584,333,333,333,611,556,278,333,333,365,556,834,834,834,611,722,722,722,722,722,722,1000,722,667,667,667,667,278,278,278,278,722,722,778,778,778,778,778,584,778,722,722,722,722,667,667,611,556,556,556,556,556,556,889,556,556,556,556,556,278,278,278,278,611,611,611,611,611,611,611,584,611,611,611,611,611,556,611,556],
};

/** The Windows-1252 characters of codes 0x80 to 0x9F (the rest of WinAnsi is Latin-1). */
// prettier-ignore
const WIN_ANSI_EXTRA: ReadonlyMap<string, number> = new Map([
  ['€', 0x80], ['‚', 0x82], ['ƒ', 0x83], ['„', 0x84], ['…', 0x85], ['†', 0x86], ['‡', 0x87], ['ˆ', 0x88], ['‰', 0x89],
  ['Š', 0x8a], ['‹', 0x8b], ['Œ', 0x8c], ['Ž', 0x8e], ['‘', 0x91], ['’', 0x92], ['“', 0x93], ['”', 0x94], ['•', 0x95],
  ['–', 0x96], ['—', 0x97], ['˜', 0x98], ['™', 0x99], ['š', 0x9a], ['›', 0x9b], ['œ', 0x9c], ['ž', 0x9e], ['Ÿ', 0x9f],
]);

const QUESTION_MARK = 0x3f;
const SPACE = 0x20;

/**
 * The text in WinAnsi, the standard fonts' encoding: what it cannot encode (other scripts, emoji) becomes
 * '?', a control character a space, so that any name a client's tool sent still makes a report.
 */
export function winAnsi(text: string): number[] {
  const codes: number[] = [];
  for (const char of text.normalize('NFC')) {
    const point = char.codePointAt(0)!;
    if (point < 0x20 || point === 0x7f) codes.push(SPACE);
    else if (point <= 0x7e || (point >= 0xa0 && point <= 0xff)) codes.push(point);
    else codes.push(WIN_ANSI_EXTRA.get(char) ?? QUESTION_MARK);
  }
  return codes;
}

/** The width of WinAnsi codes in points at `size`. */
export function widthOfCodes(codes: readonly number[], size: number, font: FontName): number {
  const widths = WIDTHS[font];
  return (codes.reduce((sum, code) => sum + (widths[code - 32] ?? 0), 0) * size) / 1000;
}
