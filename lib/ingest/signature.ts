import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors';
import type { HmacSettings } from '../store/integrations';
import { signPayload } from '../util/signing';

/** Signed deliveries older or newer than this are refused (replay protection). */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

/**
 * An ISO 8601 instant: date, time and a zone designator. Strict on purpose: the signed string joins
 * timestamp and delivery id with ".", so a lenient parser would let a replayer move the boundary
 * (`X-Timestamp: 2026-03-02T10:00:00` with `X-Delivery-ID: 123Z.a` signs the same bytes as
 * `2026-03-02T10:00:00.123Z` with `a`) and present the same signature under another delivery id. With
 * the zone required, no valid timestamp is a prefix of another followed by ".", so the split is unique.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** `X-Timestamp` as Unix seconds (or milliseconds), or an ISO 8601 instant with its zone. */
export function parseTimestamp(value: string): number | undefined {
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  if (/^\d{12,14}$/.test(value)) return Number(value);
  if (!ISO_INSTANT.test(value)) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const forbidden = (code: string, message: string) => new AppError(403, code, message);

/** The secrets a signature may be made with now: the current one and, during a rotation, the previous one. */
function validSecrets(hmac: HmacSettings, now: Date): string[] {
  const secrets = [hmac.secret];
  if (hmac.previousSecret && hmac.previousExpiresAt && Date.parse(hmac.previousExpiresAt) > now.getTime())
    secrets.push(hmac.previousSecret);
  return secrets;
}

/** Constant-time equality of a presented signature with an expected one (a length mismatch is simply false). */
function sameSignature(expected: string, presented: Buffer): boolean {
  const bytes = Buffer.from(expected);
  return bytes.length === presented.length && timingSafeEqual(bytes, presented);
}

/**
 * Checks `X-Signature: sha256=<hex HMAC-SHA256(secret, signedString(timestamp, raw body, delivery id))>`
 * with `X-Timestamp`, comparing in constant time, against the current secret and, during a rotation,
 * the previous one. A delivery that carries a signature is always checked; an unsigned one passes only
 * when the tenant does not require signing. A signed delivery with an `X-Delivery-ID` must have signed
 * it: a signature over `timestamp + "." + raw body` alone is refused (and the error says why), because
 * accepting it would let that very request be replayed under any delivery id.
 */
export function verifyDeliverySignature(
  input: { signature?: string; timestamp?: string; deliveryId?: string; rawBody: string },
  hmac: HmacSettings | undefined,
  now: Date,
): void {
  if (!input.signature) {
    if (hmac?.required) throw forbidden('signature_required', 'This tenant requires signed deliveries (X-Timestamp and X-Signature)');
    return;
  }
  if (!hmac) throw forbidden('signature_not_configured', 'The delivery is signed but the tenant has no signing secret');
  const { timestamp, rawBody, deliveryId } = input;
  if (!timestamp) throw forbidden('invalid_signature', 'X-Signature needs X-Timestamp');
  const at = parseTimestamp(timestamp);
  if (at === undefined) throw forbidden('invalid_signature', 'X-Timestamp is not Unix seconds or an ISO 8601 instant with its zone');
  if (Math.abs(now.getTime() - at) > SIGNATURE_WINDOW_SECONDS * 1000) {
    throw forbidden('stale_timestamp', `X-Timestamp is more than ${SIGNATURE_WINDOW_SECONDS / 60} minutes from now`);
  }
  const presented = Buffer.from(input.signature.trim());
  // Compare against every valid secret (no early exit), each in constant time. With a delivery id, the
  // form without it is computed too, only to say what is wrong: it never makes a delivery valid.
  let valid = false;
  let idLeftOut = false;
  for (const secret of validSecrets(hmac, now)) {
    if (sameSignature(signPayload(secret, timestamp, rawBody, deliveryId), presented)) valid = true;
    if (deliveryId !== undefined && sameSignature(signPayload(secret, timestamp, rawBody), presented)) idLeftOut = true;
  }
  if (valid) return;
  if (idLeftOut) {
    throw forbidden(
      'invalid_signature',
      'X-Signature does not cover X-Delivery-ID: sign timestamp + "." + delivery id + "." + raw body (or send no X-Delivery-ID)',
    );
  }
  throw forbidden('invalid_signature', 'X-Signature does not match the body');
}
