import { deflateSync, inflateSync } from 'node:zlib';
import type { LogoType } from '../domain/report/branding';

/**
 * A PNG or JPEG logo as a PDF image (an XObject): a JPEG as it is (DCTDecode), a PNG's compressed data as
 * it is where PDF's own PNG predictors read it, and an 8-bit PNG with an alpha channel split into its
 * colours and a soft mask. What a PDF cannot show this way (interlaced or 16-bit PNGs, CMYK JPEGs) is
 * refused when the logo is set (PUT /v1/branding), so every stored logo can be drawn.
 */

/** The most pixels a logo may have: a logo is drawn at most 140 × 48 points; 4 million pixels unpacked is 16 MB. */
const MAX_PIXELS = 4_000_000;

export interface PdfImage {
  width: number;
  height: number;
  /** The image dictionary's entries, without /Length (and without /SMask, which the document links). */
  dict: string;
  data: Buffer;
  /** The alpha channel, a DeviceGray image of the same size. */
  smask?: { dict: string; data: Buffer };
}

const PNG_COLOURS: Readonly<Record<number, { channels: number; colourSpace: string }>> = {
  0: { channels: 1, colourSpace: '/DeviceGray' },
  2: { channels: 3, colourSpace: '/DeviceRGB' },
  3: { channels: 1, colourSpace: '' },
  4: { channels: 2, colourSpace: '/DeviceGray' },
  6: { channels: 4, colourSpace: '/DeviceRGB' },
};

/** The image as a PDF draws it, or what about it a PDF cannot show. */
export function pdfImageOf(bytes: Uint8Array, type: LogoType): PdfImage | string {
  const buffer = Buffer.from(bytes);
  try {
    return type === 'image/png' ? pngImage(buffer) : jpegImage(buffer);
  } catch {
    return `The ${type === 'image/png' ? 'PNG' : 'JPEG'} image is damaged`;
  }
}

function jpegImage(bytes: Buffer): PdfImage | string {
  let offset = 2;
  while (offset + 4 < bytes.length) {
    if (bytes[offset] !== 0xff) return 'The JPEG image is damaged';
    const marker = bytes[offset + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      offset++;
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    // The start of a frame (SOF0 to SOF15, but DHT, JPG and DAC, which share the range) says the size and components.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      const components = bytes[offset + 9]!;
      if (components !== 1 && components !== 3) return 'A JPEG logo must be RGB or grayscale (not CMYK)';
      if (!width || !height) return 'The JPEG image is damaged';
      const colourSpace = components === 1 ? '/DeviceGray' : '/DeviceRGB';
      return {
        width,
        height,
        dict: `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace ${colourSpace} /BitsPerComponent 8 /Filter /DCTDecode`,
        data: bytes,
      };
    }
    offset += 2 + length;
  }
  return 'The JPEG image has no frame';
}

interface PngChunks {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace: number;
  palette?: Buffer;
  data: Buffer;
}

function pngChunks(bytes: Buffer): PngChunks {
  let offset = 8;
  const header = { width: 0, height: 0, bitDepth: 0, colourType: 0, interlace: 0 };
  let palette: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header.width = body.readUInt32BE(0);
      header.height = body.readUInt32BE(4);
      header.bitDepth = body[8]!;
      header.colourType = body[9]!;
      header.interlace = body[12]!;
    } else if (type === 'PLTE') palette = Buffer.from(body);
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  return { ...header, ...(palette ? { palette } : {}), data: Buffer.concat(data) };
}

function pngImage(bytes: Buffer): PdfImage | string {
  const png = pngChunks(bytes);
  const colours = PNG_COLOURS[png.colourType];
  if (!colours || !png.width || !png.height || png.data.length === 0) return 'The PNG image is damaged';
  if (png.interlace !== 0) return 'A PNG logo must not be interlaced';
  if (png.bitDepth > 8) return 'A PNG logo must have at most 8 bits per channel';
  if (png.width * png.height > MAX_PIXELS) return `A logo has at most ${MAX_PIXELS / 1_000_000} million pixels`;
  const size = `/Type /XObject /Subtype /Image /Width ${png.width} /Height ${png.height}`;
  if (png.colourType === 4 || png.colourType === 6) return pngWithAlpha(png, colours.channels, size);
  let colourSpace = colours.colourSpace;
  if (png.colourType === 3) {
    if (!png.palette) return 'The PNG image has no palette';
    colourSpace = `[/Indexed /DeviceRGB ${png.palette.length / 3 - 1} <${png.palette.toString('hex')}>]`;
  }
  // PDF reads PNG's filtered scanlines itself (Predictor 15: a filter type per row).
  const decode = `/DecodeParms << /Predictor 15 /Colors ${colours.channels} /BitsPerComponent ${png.bitDepth} /Columns ${png.width} >>`;
  return {
    width: png.width,
    height: png.height,
    dict: `${size} /ColorSpace ${colourSpace} /BitsPerComponent ${png.bitDepth} /Filter /FlateDecode ${decode}`,
    data: png.data,
  };
}

/** An 8-bit PNG with alpha: its rows unfiltered, then split into the colour samples and the alpha samples. */
function pngWithAlpha(png: PngChunks, channels: number, size: string): PdfImage | string {
  if (png.bitDepth !== 8) return 'The PNG image is damaged';
  const stride = png.width * channels;
  // Never more than the rows the header announces: a small file must not inflate into gigabytes.
  const raw = inflateSync(png.data, { maxOutputLength: (stride + 1) * png.height });
  if (raw.length < (stride + 1) * png.height) return 'The PNG image is damaged';
  const pixels = Buffer.alloc(stride * png.height);
  for (let row = 0; row < png.height; row++) {
    const filter = raw[row * (stride + 1)]!;
    const line = raw.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1));
    const out = row * stride;
    for (let index = 0; index < stride; index++) {
      const left = index >= channels ? pixels[out + index - channels]! : 0;
      const up = row > 0 ? pixels[out - stride + index]! : 0;
      const upLeft = row > 0 && index >= channels ? pixels[out - stride + index - channels]! : 0;
      pixels[out + index] = (line[index]! + predictor(filter, left, up, upLeft)) & 0xff;
    }
  }
  const colourChannels = channels - 1;
  const colour = Buffer.alloc(png.width * png.height * colourChannels);
  const alpha = Buffer.alloc(png.width * png.height);
  for (let pixel = 0; pixel < png.width * png.height; pixel++) {
    pixels.copy(colour, pixel * colourChannels, pixel * channels, pixel * channels + colourChannels);
    alpha[pixel] = pixels[pixel * channels + colourChannels]!;
  }
  const colourSpace = colourChannels === 1 ? '/DeviceGray' : '/DeviceRGB';
  return {
    width: png.width,
    height: png.height,
    dict: `${size} /ColorSpace ${colourSpace} /BitsPerComponent 8 /Filter /FlateDecode`,
    data: deflateSync(colour),
    smask: { dict: `${size} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode`, data: deflateSync(alpha) },
  };
}

/** PNG's row filters (none, sub, up, average, Paeth): what is added back to each byte. */
function predictor(filter: number, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return Math.floor((left + up) / 2);
    case 4: {
      const estimate = left + up - upLeft;
      const [toLeft, toUp, toUpLeft] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)];
      if (toLeft <= toUp && toLeft <= toUpLeft) return left;
      return toUp <= toUpLeft ? up : upLeft;
    }
    default:
      return 0;
  }
}
