// How a webhook delivery authenticates (lib/ingest/signature.ts, lib/ingest/webhook.ts): the exact string the
// HMAC covers (the delivery id included when there is one, so a captured request cannot be replayed under
// fresh delivery ids), the timestamp forms that keep that string unambiguous, rotation, and where the tenant's
// API key may come from (X-Api-Key, Authorization: Bearer, api_key), two different keys being refused.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError } from '../../lib/errors';
import type { HmacSettings } from '../../lib/store/integrations';
import type { HttpEvent } from '../../lib/http/http';
import { parseTimestamp, verifyDeliverySignature } from '../../lib/ingest/signature';
import { signedString, signPayload } from '../../lib/util/signing';
import { bearerCredentials, presentedApiKey } from '../../lib/ingest/webhook';

const SECRET = 'whsec-'.padEnd(64, 'a');
const NOW = new Date('2026-03-02T10:00:30.000Z');
const TS = String(Math.floor(NOW.getTime() / 1000));
const BODY = '{"asset_name":"db-prod-01","signature":"HighCPU","severity":"high","message":"CPU above 95.5%","tool_source":"nagios"}';

/** What verifyDeliverySignature threw (an AppError), or undefined. */
function refusal(run: () => void): { status: number; code: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { status: error.status, code: error.code, message: error.message };
  }
}

const hmac: HmacSettings = { secret: SECRET, required: true };

describe('the signed string', () => {
  test('with a delivery id: timestamp "." delivery id "." raw body; without: timestamp "." raw body', () => {
    expect(signedString(TS, BODY, 'dlv-42')).toBe(`${TS}.dlv-42.${BODY}`);
    expect(signedString(TS, BODY)).toBe(`${TS}.${BODY}`);
    expect(signPayload(SECRET, TS, BODY, 'dlv-42')).toBe(
      `sha256=${createHmac('sha256', SECRET).update(`${TS}.dlv-42.${BODY}`).digest('hex')}`,
    );
  });

  test("the guide's openssl command computes the same signature", () => {
    // The line of docs/integrations.md's generic example that computes SIG, run as it is.
    const line = readFileSync('docs/integrations.md', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith("SIG=\"sha256=$(printf '%s.%s.%s'"));
    expect(line).toBeDefined();
    let signature: string;
    try {
      signature = execFileSync('sh', ['-c', `${line}\nprintf '%s' "$SIG"`], {
        env: { PATH: process.env.PATH, TS, DELIVERY_ID: 'dlv-42', BODY, HMAC_SECRET: SECRET },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return; // no sh or openssl here: the HMAC above is the same computation
    }
    expect(signature).toBe(signPayload(SECRET, TS, BODY, 'dlv-42'));
  });
});

describe('verifying a signed delivery', () => {
  const verify = (input: { signature?: string; timestamp?: string; deliveryId?: string; rawBody?: string }, settings = hmac, now = NOW) =>
    refusal(() => verifyDeliverySignature({ timestamp: TS, rawBody: BODY, ...input }, settings, now));

  test('a delivery that signed its delivery id is accepted', () => {
    expect(verify({ deliveryId: 'dlv-42', signature: signPayload(SECRET, TS, BODY, 'dlv-42') })).toBeUndefined();
  });

  test('a captured signed request replayed under another delivery id is refused', () => {
    const captured = signPayload(SECRET, TS, BODY, 'dlv-42');
    expect(verify({ deliveryId: 'dlv-43', signature: captured })).toEqual({
      status: 403,
      code: 'invalid_signature',
      message: 'X-Signature does not match the body',
    });
    // Nor without the delivery id it signed (idempotency would then fall back to the content hash, not 'dlv-42').
    expect(verify({ signature: captured })).toMatchObject({ status: 403, code: 'invalid_signature' });
  });

  test('a delivery with a delivery id that signed only timestamp and body is refused, saying what to sign', () => {
    const legacy = signPayload(SECRET, TS, BODY);
    expect(verify({ deliveryId: 'fresh-1', signature: legacy })).toEqual({
      status: 403,
      code: 'invalid_signature',
      message: 'X-Signature does not cover X-Delivery-ID: sign timestamp + "." + delivery id + "." + raw body (or send no X-Delivery-ID)',
    });
  });

  test('without a delivery id, timestamp "." raw body still verifies (tools that cannot sign an id)', () => {
    expect(verify({ signature: signPayload(SECRET, TS, BODY) })).toBeUndefined();
  });

  test('the timestamp cannot be moved into the delivery id: ISO instants need their zone', () => {
    const signedAt = '2026-03-02T10:00:00.123Z';
    const signature = signPayload(SECRET, signedAt, BODY, 'a');
    expect(verify({ timestamp: signedAt, deliveryId: 'a', signature })).toBeUndefined();
    // The same bytes split elsewhere: "2026-03-02T10:00:00" + "." + "123Z.a" + "." + body.
    expect(signedString('2026-03-02T10:00:00', BODY, '123Z.a')).toBe(signedString(signedAt, BODY, 'a'));
    expect(verify({ timestamp: '2026-03-02T10:00:00', deliveryId: '123Z.a', signature })).toEqual({
      status: 403,
      code: 'invalid_signature',
      message: 'X-Timestamp is not Unix seconds or an ISO 8601 instant with its zone',
    });
    // Nor out of the delivery id into the timestamp: "1772445630" + "." + "5" would read as "1772445630.5" without an id.
    const unix = signPayload(SECRET, TS, BODY, '5');
    expect(verify({ deliveryId: '5', signature: unix })).toBeUndefined();
    expect(verify({ timestamp: `${TS}.5`, signature: unix })?.code).toBe('invalid_signature');
  });

  test('timestamps: Unix seconds or milliseconds, ISO 8601 with Z or an offset; nothing looser', () => {
    expect(parseTimestamp('1772445600')).toBe(1772445600000);
    expect(parseTimestamp('1772445600000')).toBe(1772445600000);
    expect(parseTimestamp('2026-03-02T10:00:00Z')).toBe(Date.parse('2026-03-02T10:00:00Z'));
    expect(parseTimestamp('2026-03-02T11:00:00.5+01:00')).toBe(Date.parse('2026-03-02T10:00:00.500Z'));
    for (const loose of ['2026-03-02T10:00:00', '2026-03-02', 'Mon, 02 Mar 2026 10:00:00 GMT', '1772445600.5', 'now'])
      expect(parseTimestamp(loose)).toBeUndefined();
  });

  test('during a rotation the previous secret verifies the same string; once expired it does not', () => {
    const rotating = {
      secret: 'new-secret'.padEnd(40, 'n'),
      previousSecret: SECRET,
      previousExpiresAt: '2026-03-02T11:00:00.000Z',
      required: true,
    };
    const signature = signPayload(SECRET, TS, BODY, 'dlv-7');
    expect(verify({ deliveryId: 'dlv-7', signature }, rotating)).toBeUndefined();
    expect(verify({ deliveryId: 'dlv-7', signature: signPayload(rotating.secret, TS, BODY, 'dlv-7') }, rotating)).toBeUndefined();
    expect(verify({ deliveryId: 'dlv-7', signature: signPayload(SECRET, TS, BODY) }, rotating)?.message).toMatch(
      /does not cover X-Delivery-ID/,
    );
    expect(verify({ deliveryId: 'dlv-7', signature }, { ...rotating, previousExpiresAt: '2026-03-02T10:00:00.000Z' })?.message).toBe(
      'X-Signature does not match the body',
    );
  });

  test('stale, missing and unsigned cases keep their codes', () => {
    const stale = String(Number(TS) - 6 * 60);
    expect(verify({ timestamp: stale, deliveryId: 'd', signature: signPayload(SECRET, stale, BODY, 'd') })?.code).toBe('stale_timestamp');
    expect(verify({ timestamp: undefined, deliveryId: 'd', signature: signPayload(SECRET, TS, BODY, 'd') })?.message).toBe(
      'X-Signature needs X-Timestamp',
    );
    expect(verify({ deliveryId: 'd' })?.code).toBe('signature_required');
    expect(verify({ deliveryId: 'd' }, { ...hmac, required: false })).toBeUndefined();
  });
});

describe('where the API key comes from', () => {
  const event = (headers: Record<string, string>, query?: Record<string, string>): HttpEvent =>
    ({ headers, ...(query ? { queryStringParameters: query } : {}) }) as unknown as HttpEvent;
  const refusedWith = (run: () => unknown) => refusal(() => void run());

  test('Authorization: Bearer <key>, in any case of the scheme; anything else is not a key', () => {
    expect(bearerCredentials('Bearer aw_live_123')).toBe('aw_live_123');
    expect(bearerCredentials('bearer   aw_live_123  ')).toBe('aw_live_123');
    for (const other of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwdw==', 'Token aw_live_123', 'aw_live_123', 'Bearer a b'])
      expect(bearerCredentials(other)).toBeUndefined();
  });

  test('X-Api-Key, Bearer or api_key; equal keys in both headers are fine', () => {
    expect(presentedApiKey(event({ 'x-api-key': 'k1' }))).toBe('k1');
    expect(presentedApiKey(event({ authorization: 'Bearer k2' }))).toBe('k2');
    expect(presentedApiKey(event({}, { api_key: 'k3' }))).toBe('k3');
    expect(presentedApiKey(event({ 'x-api-key': 'k1', authorization: 'Bearer k1' }))).toBe('k1');
    // A header wins over the query parameter, as before.
    expect(presentedApiKey(event({ authorization: 'Bearer k2' }, { api_key: 'k3' }))).toBe('k2');
    // An Authorization header that is not Bearer is ignored for this purpose.
    expect(presentedApiKey(event({ 'x-api-key': 'k1', authorization: 'Basic dXNlcjpwdw==' }))).toBe('k1');
  });

  test('two different keys in X-Api-Key and Bearer are refused (401), never one picked', () => {
    expect(refusedWith(() => presentedApiKey(event({ 'x-api-key': 'k1', authorization: 'Bearer k2' })))).toEqual({
      status: 401,
      code: 'unauthorized',
      message: 'Ambiguous API key: X-Api-Key and Authorization: Bearer carry different keys (send one)',
    });
  });

  test('no key at all: the 401 names every way to send one', () => {
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwdw==' }, { authorization: 'Bearer' }] as Array<Record<string, string>>) {
      expect(refusedWith(() => presentedApiKey(event(headers)))).toEqual({
        status: 401,
        code: 'unauthorized',
        message: 'Missing API key (X-Api-Key header, Authorization: Bearer <key>, or api_key query parameter)',
      });
    }
  });
});
