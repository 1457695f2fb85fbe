import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors';
import type { HmacSettings } from '../store/integrations';

/** Signed deliveries older or newer than this are refused (replay protection). */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

export function signPayload(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** `X-Timestamp` as Unix seconds (or milliseconds), or an ISO 8601 instant. */
export function parseTimestamp(value: string): number | undefined {
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  if (/^\d{12,14}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const forbidden = (code: string, message: string) => new AppError(403, code, message);

/**
 * Checks `X-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>` with
 * `X-Timestamp`, comparing in constant time, against the current secret and, during a rotation, the
 * previous one. A delivery that carries a signature is always checked; an unsigned one passes only
 * when the tenant does not require signing.
 */
export function verifyDeliverySignature(
  input: { signature?: string; timestamp?: string; rawBody: string },
  hmac: HmacSettings | undefined,
  now: Date,
): void {
  if (!input.signature) {
    if (hmac?.required) throw forbidden('signature_required', 'This tenant requires signed deliveries (X-Timestamp and X-Signature)');
    return;
  }
  if (!hmac) throw forbidden('signature_not_configured', 'The delivery is signed but the tenant has no signing secret');
  if (!input.timestamp) throw forbidden('invalid_signature', 'X-Signature needs X-Timestamp');
  const at = parseTimestamp(input.timestamp);
  if (at === undefined) throw forbidden('invalid_signature', 'X-Timestamp is not a Unix time or ISO 8601 instant');
  if (Math.abs(now.getTime() - at) > SIGNATURE_WINDOW_SECONDS * 1000) {
    throw forbidden('stale_timestamp', `X-Timestamp is more than ${SIGNATURE_WINDOW_SECONDS / 60} minutes from now`);
  }
  const secrets = [hmac.secret];
  if (hmac.previousSecret && hmac.previousExpiresAt && Date.parse(hmac.previousExpiresAt) > now.getTime())
    secrets.push(hmac.previousSecret);
  const presented = Buffer.from(input.signature.trim());
  // Compare against every valid secret (no early exit), each in constant time.
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signPayload(secret, input.timestamp, input.rawBody));
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) valid = true;
  }
  if (!valid) throw forbidden('invalid_signature', 'X-Signature does not match the body');
}
