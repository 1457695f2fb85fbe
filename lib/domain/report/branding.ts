import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';

/**
 * The MSP's branding on client reports: its name and, optionally, its logo (a PNG or JPEG image). One
 * setting of the MSP, the product's name until an MSP admin sets one.
 */

export const DEFAULT_BRAND_NAME = 'Alert Whisperer';
/** The largest logo, in bytes: a report carries it inline (HTML) or embedded (PDF). */
export const MAX_LOGO_BYTES = 100 * 1024;
/** The longest base64 text of a logo of MAX_LOGO_BYTES. */
export const MAX_LOGO_BASE64 = Math.ceil(MAX_LOGO_BYTES / 3) * 4;

export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

export interface Logo {
  contentType: LogoType;
  /** The image, base64. */
  data: string;
}

export interface Branding {
  name: string;
  logo?: Logo;
  updatedAt?: string;
  updatedBy?: string;
}

export const brandingSchema = entitySchema<Branding>({
  name: z.string().min(1).max(128),
  logo: z
    .object({ contentType: z.enum(LOGO_TYPES), data: z.string().max(MAX_LOGO_BASE64) })
    .strict()
    .optional(),
  updatedAt: timestamp.optional(),
  updatedBy: z.string().optional(),
});

export const DEFAULT_BRANDING: Branding = { name: DEFAULT_BRAND_NAME };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  bytes.length > signature.length && signature.every((byte, index) => bytes[index] === byte);

/** What an image is by its first bytes (its name or a declared type prove nothing): PNG, JPEG, or neither. */
export function logoTypeOf(bytes: Uint8Array): LogoType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'image/jpeg';
  return undefined;
}
