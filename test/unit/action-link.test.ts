// One-tap action links: the token (short, signed with a secret derived from the JWT keys, every key of the
// set verifying), the SMS replies that acknowledge, the page (escaped, small, a form per action) and the
// body reader of POST /a/{token} (a form or JSON).
import crypto from 'node:crypto';
import { jest } from '@jest/globals';
import { readFormOrJsonBody } from '../../lib/api/routes/action-links';
import {
  ACTION_LINK_TOKEN_LENGTH,
  actionLinkRequestSchema,
  actionLinkSchema,
  deriveLinkSecret,
  isAcknowledgeReply,
  makeToken,
  verifyToken,
} from '../../lib/domain/notify/action-link';
import { AppError } from '../../lib/errors';
import type { HttpEvent } from '../../lib/http/http';
import { ACTION_PAGE_STYLE_SOURCE, renderActionPage } from '../../lib/notify/action-page';

const current = deriveLinkSecret('current-jwt-secret-that-is-at-least-32-chars');
const previous = deriveLinkSecret('previous-jwt-secret-that-is-at-least-32-chars');

afterEach(() => jest.restoreAllMocks());

describe('the token', () => {
  test('is 22 characters: a Crockford base32 link id of 10 and a MAC of 12; it verifies to its link id', () => {
    const seen = new Set<string>();
    for (let round = 0; round < 200; round++) {
      const { linkId, token } = makeToken(current);
      expect(token).toHaveLength(ACTION_LINK_TOKEN_LENGTH);
      expect(ACTION_LINK_TOKEN_LENGTH).toBe(22);
      expect(linkId).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
      expect(token.startsWith(linkId)).toBe(true);
      expect(token.slice(10)).toMatch(/^[A-Za-z0-9_-]{12}$/);
      expect(verifyToken(token, [current])).toBe(linkId);
      seen.add(linkId);
    }
    expect(seen.size).toBe(200);
  });

  test('the link id comes from the random bytes given, 5 bits each', () => {
    expect(makeToken(current, () => new Uint8Array(10).fill(0xff)).linkId).toBe('ZZZZZZZZZZ');
    expect(makeToken(current, () => Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 32 + 9])).linkId).toBe('0123456789');
    expect(() => makeToken(current, () => new Uint8Array(3))).toThrow();
  });

  test('the MAC is the first 12 characters of base64url(HMAC-SHA256(link secret, "action-link:v1:" + linkId))', () => {
    const { linkId, token } = makeToken(current);
    const mac = crypto.createHmac('sha256', current).update(`action-link:v1:${linkId}`).digest('base64url').slice(0, 12);
    expect(token).toBe(linkId + mac);
  });

  test('the link secret is derived from the JWT secret, never the JWT secret itself', () => {
    const jwtSecret = 'current-jwt-secret-that-is-at-least-32-chars';
    expect(deriveLinkSecret(jwtSecret)).not.toBe(jwtSecret);
    expect(deriveLinkSecret(jwtSecret)).toBe(current);
    // A token signed with the raw JWT secret is not a link token.
    const raw = makeToken(jwtSecret).token;
    expect(verifyToken(raw, [current])).toBeNull();
  });

  test('a tampered token is null: each character of the MAC or of the link id changed', () => {
    const { token } = makeToken(current);
    for (let index = 0; index < token.length; index++) {
      const char = token[index]!;
      const other = index < 10 ? (char === 'A' ? 'B' : 'A') : char === 'a' ? 'b' : 'a';
      const tampered = token.slice(0, index) + other + token.slice(index + 1);
      expect([index, verifyToken(tampered, [current])]).toEqual([index, null]);
    }
  });

  test('short, long, garbage and non-string tokens are null without throwing', () => {
    const { token } = makeToken(current);
    const bad: unknown[] = [
      '',
      token.slice(0, 21),
      `${token}x`,
      token.toLowerCase(),
      'I'.repeat(10) + token.slice(10), // I, L, O and U are not Crockford symbols
      `${token.slice(0, 10)}${'+'.repeat(12)}`,
      ' '.repeat(22),
      '\u0000'.repeat(22),
      'é'.repeat(22),
      '😀'.repeat(11),
      'x'.repeat(5000),
      undefined,
      null,
      22,
      { token },
      [token],
    ];
    for (const candidate of bad) expect(verifyToken(candidate, [current, previous])).toBeNull();
    expect(verifyToken(token, [])).toBeNull();
  });

  test('a token made with the previous key still verifies while that key is in the set; not once it left it', () => {
    const { linkId, token } = makeToken(previous);
    expect(verifyToken(token, [current, previous])).toBe(linkId);
    expect(verifyToken(token, [current])).toBeNull();
  });

  test('the MAC is compared with crypto.timingSafeEqual, against every key of the set (a match on the first too)', () => {
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    const { linkId, token } = makeToken(current);
    expect(verifyToken(token, [current, previous])).toBe(linkId);
    expect(compare).toHaveBeenCalledTimes(2);
    const tampered = token.slice(0, 21) + (token[21] === 'a' ? 'b' : 'a');
    expect(verifyToken(tampered, [current, previous])).toBeNull();
    expect(compare).toHaveBeenCalledTimes(4);
    // A malformed token is refused before any comparison.
    expect(verifyToken('short', [current, previous])).toBeNull();
    expect(compare).toHaveBeenCalledTimes(4);
  });
});

test('the stored link: used is a partial record of the actions, each with when', () => {
  const link = {
    linkId: '0123456789',
    tenantId: 'acme',
    incidentId: 'inc',
    userId: 'u1',
    accessVersion: 0,
    channel: 'sms',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
    used: { acknowledge: { at: '2026-01-01T00:01:00.000Z' } },
  };
  expect(actionLinkSchema.parse(link)).toEqual(link);
  expect(actionLinkSchema.safeParse({ ...link, used: { delete: { at: link.createdAt } } }).success).toBe(false);
  expect(actionLinkSchema.safeParse({ ...link, channel: 'pager' }).success).toBe(false);
  expect(actionLinkRequestSchema.safeParse({ action: 'escalate' }).success).toBe(true);
  expect(actionLinkRequestSchema.safeParse({ action: 'delete' }).success).toBe(false);
});

test('SMS replies that acknowledge: 1 and ack, any case, trimmed, trailing punctuation; nothing else', () => {
  for (const reply of ['1', 'ACK', 'ack', 'Ack.', ' ack! ', 'ACK\n', 'aCk?!', '1.'])
    expect([reply, isAcknowledgeReply(reply)]).toEqual([reply, true]);
  for (const reply of ['', '2', '11', 'yes', 'ack ack', 'nack', 'STOP', '.ack', 'a c k', 'ACKNOWLEDGED PLEASE'])
    expect([reply, isAcknowledgeReply(reply)]).toEqual([reply, false]);
});

describe('the page', () => {
  const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>'&"`;
  const page = renderActionPage({
    heading: hostile,
    message: { text: `Acknowledged by ${hostile}`, tone: 'ok' },
    incident: {
      title: hostile,
      severity: 'critical',
      status: 'acknowledged',
      company: `${hostile} Ltd`,
      openedAt: '2026-01-01T03:12:00.000Z',
      acknowledgedBy: `${hostile}@example.com`,
      acknowledgedAt: '2026-01-01T03:15:00.000Z',
    },
    actions: true,
  });

  test('escapes every value: a hostile title, company, actor and message stay text', () => {
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).not.toMatch(/onerror=alert\(1\)>/);
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(page.match(/&#60;script&#62;/g)!.length).toBeGreaterThanOrEqual(5);
    // The only elements are the page's own.
    const tags = new Set([...page.matchAll(/<([a-z0-9!]+)/gi)].map((match) => match[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        '!doctype',
        'body',
        'button',
        'dd',
        'dl',
        'dt',
        'form',
        'h1',
        'head',
        'html',
        'input',
        'main',
        'meta',
        'p',
        'span',
        'style',
        'title',
      ].sort(),
    );
  });

  test('is small, for a phone, with a post form per action and times in UTC', () => {
    expect(Buffer.byteLength(page)).toBeLessThan(8 * 1024);
    expect(page).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
    const forms = [...page.matchAll(/<form method="post"><input type="hidden" name="action" value="(\w+)">/g)].map((match) => match[1]);
    expect(forms).toEqual(['acknowledge', 'resolve', 'escalate']);
    expect(page).not.toMatch(/<script|style="|javascript:/i);
    expect(page).toContain('2026-01-01 03:12 UTC');
    expect(page).toContain('Alert Whisperer');
  });

  test("the style's hash is the CSP source the page's one style element needs", () => {
    const style = /<style>([^<]*)<\/style>/.exec(page)![1]!;
    expect(ACTION_PAGE_STYLE_SOURCE).toBe(`'sha256-${crypto.createHash('sha256').update(style).digest('base64')}'`);
  });

  test('without actions, no form', () => {
    const plain = renderActionPage({ heading: 'Link expired', message: { text: 'This link has expired', tone: 'error' }, actions: false });
    expect(plain).not.toContain('<form');
    expect(plain).toContain('<h1>Link expired</h1>');
  });
});

describe('the body of POST /a/{token}', () => {
  const event = (body: string | undefined, contentType?: string, base64 = false) =>
    ({
      headers: contentType ? { 'content-type': contentType } : {},
      ...(body === undefined ? {} : { body: base64 ? Buffer.from(body).toString('base64') : body }),
      isBase64Encoded: base64,
    }) as unknown as HttpEvent;
  const read = (body: string | undefined, contentType?: string, base64 = false) =>
    readFormOrJsonBody(event(body, contentType, base64), actionLinkRequestSchema);
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error instanceof AppError ? [error.status, error.code] : ['not an AppError', String(error)];
    }
    return ['accepted'];
  };

  test('a form (what the page posts, also base64 as API Gateway may pass it) or JSON', () => {
    expect(read('action=acknowledge', 'application/x-www-form-urlencoded')).toEqual({ action: 'acknowledge' });
    expect(read('action=resolve', 'application/x-www-form-urlencoded; charset=UTF-8', true)).toEqual({ action: 'resolve' });
    expect(read('{"action":"escalate"}', 'application/json')).toEqual({ action: 'escalate' });
    expect(read('{"action":"escalate"}')).toEqual({ action: 'escalate' });
  });

  test('refusals: 415 another type, 413 too big, 400 invalid, repeated or unknown fields, 422 too deep', () => {
    expect(refusal(() => read('action=acknowledge', 'text/html'))).toEqual([415, 'unsupported_media_type']);
    expect(refusal(() => read('action=acknowledge', 'multipart/form-data; boundary=x'))).toEqual([415, 'unsupported_media_type']);
    expect(refusal(() => read(`action=acknowledge&pad=${'x'.repeat(5000)}`, 'application/x-www-form-urlencoded'))).toEqual([
      413,
      'payload_too_large',
    ]);
    expect(refusal(() => read('action=delete', 'application/x-www-form-urlencoded'))).toEqual([400, 'bad_request']);
    expect(refusal(() => read('action=acknowledge&action=resolve', 'application/x-www-form-urlencoded'))).toEqual([400, 'bad_request']);
    expect(refusal(() => read('action=acknowledge&__proto__=x', 'application/x-www-form-urlencoded'))).toEqual([400, 'bad_request']);
    expect(refusal(() => read('', 'application/x-www-form-urlencoded'))).toEqual([400, 'bad_request']);
    expect(refusal(() => read('action=acknowledge', 'application/json'))).toEqual([400, 'bad_request']);
    expect(refusal(() => read(undefined))).toEqual([400, 'bad_request']);
    expect(refusal(() => read(`{"action":${'['.repeat(40)}${']'.repeat(40)}}`, 'application/json'))).toEqual([422, 'payload_too_deep']);
  });
});
