import { createHmac } from 'node:crypto';

/**
 * The exact string a delivery's HMAC covers: `timestamp + "." + deliveryId + "." + raw body` when the
 * delivery carries an `X-Delivery-ID`, else `timestamp + "." + raw body`. The delivery id is signed
 * because ingestion's idempotency is keyed on it: were it left out, a captured signed request replayed
 * within the window under fresh delivery ids would make new alerts each time. Without an id the
 * replay window is the limit, and the content-hash idempotency already makes an exact replay a repeat.
 * The id is the header's value without surrounding whitespace (what ingestion keys on).
 */
export function signedString(timestamp: string, rawBody: string, deliveryId?: string): string {
  return deliveryId === undefined ? `${timestamp}.${rawBody}` : `${timestamp}.${deliveryId}.${rawBody}`;
}

/** `sha256=<hex HMAC-SHA256(secret, signedString(...))>`: the `X-Signature` value. */
export function signPayload(secret: string, timestamp: string, rawBody: string, deliveryId?: string): string {
  return `sha256=${createHmac('sha256', secret)
    .update(signedString(timestamp, rawBody, deliveryId))
    .digest('hex')}`;
}
