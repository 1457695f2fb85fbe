import * as z from 'zod';
import { AppError } from '../../lib/errors';
import {
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  MAX_WEBHOOK_JSON_DEPTH,
  parseBody,
  parseJson,
  rawBody,
  readJsonBody,
  readRawBody,
  type HttpEvent,
} from '../../lib/http/http';

/**
 * Where request bodies are read (lib/http/http.ts): nesting is limited before anything parses
 * (422 payload_too_deep), and a body that is not UTF-8 is refused (400 invalid_encoding) rather than
 * stored with replacement characters.
 */

const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

function event(body: string | Buffer, headers: Record<string, string> = {}, base64 = false): HttpEvent {
  const text = Buffer.isBuffer(body) ? (base64 ? body.toString('base64') : body.toString('utf8')) : body;
  return {
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
    isBase64Encoded: base64,
    requestContext: { requestId: 'test' },
  } as unknown as HttpEvent;
}

/** The AppError a call throws, as status and code. */
function refusal(call: () => unknown): { status: number; code: string } | undefined {
  try {
    call();
  } catch (error) {
    if (error instanceof AppError) return { status: error.status, code: error.code };
    throw error;
  }
  return undefined;
}

describe('jsonDepthExceeds: one pass, brackets outside strings', () => {
  test.each([
    ['a scalar', '1', 0],
    ['{}', '{}', 1],
    ['an object in an array', '[{"a":1}]', 2],
    ['brackets inside strings do not count', '{"a":"[[[[{{{{"}', 1],
    ['an escaped quote does not end the string', '{"a":"\\"[[[["}', 1],
    ['an escaped backslash before the closing quote', '{"a":"\\\\","b":[[1]]}', 3],
    ['siblings do not add up', '[[1],[2],[3]]', 2],
  ])('%s', (_name, text, depth) => {
    expect(jsonDepthExceeds(text, depth)).toBe(false);
    if (depth > 0) expect(jsonDepthExceeds(text, depth - 1)).toBe(true);
  });

  test('10,000 levels are refused without recursion, quickly, and a megabyte of flat JSON passes', () => {
    const started = performance.now();
    expect(jsonDepthExceeds(nested(10_000), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify(Array.from({ length: 50_000 }, (_, i) => ({ i, s: `[{${i}` }))), MAX_JSON_DEPTH)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('parseJson and readJsonBody', () => {
  test('the limits: the operator API nests 32 levels at most, webhooks 64', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(MAX_WEBHOOK_JSON_DEPTH).toBe(64);
    expect(parseJson(nested(64))).toEqual(JSON.parse(nested(64)));
    expect(refusal(() => parseJson(nested(65)))).toEqual({ status: 422, code: 'payload_too_deep' });
    expect(readJsonBody(event(nested(32))).body).toEqual(JSON.parse(nested(32)));
    expect(refusal(() => readJsonBody(event(nested(33))))).toEqual({ status: 422, code: 'payload_too_deep' });
  });

  test('a body nested 10,000 deep is a 422 before any parsing (parseBody included), never a RangeError', () => {
    const deep = `{"labels":${nested(10_000, '{}')}}`;
    expect(refusal(() => parseBody(event(deep), z.object({ labels: z.unknown() })))).toEqual({ status: 422, code: 'payload_too_deep' });
    expect(refusal(() => parseJson(deep))).toEqual({ status: 422, code: 'payload_too_deep' });
  });

  test('not JSON is still a 400; 1e309 parses to Infinity, which the schemas refuse', () => {
    expect(refusal(() => parseJson('{"a":'))).toEqual({ status: 400, code: 'bad_request' });
    expect(refusal(() => parseBody(event('{"n":1e309}'), z.object({ n: z.number() })))).toEqual({ status: 400, code: 'bad_request' });
  });
});

describe('encoding: a body must be UTF-8', () => {
  const invalid = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"<FF FE>"}

  test('a base64 body (what API Gateway sends for binary content) with invalid bytes is a 400 invalid_encoding', () => {
    expect(refusal(() => readRawBody(event(invalid, {}, true)))).toEqual({ status: 400, code: 'invalid_encoding' });
    expect(refusal(() => rawBody(event(invalid, {}, true)))).toEqual({ status: 400, code: 'invalid_encoding' });
    expect(readRawBody(event(Buffer.from('{"a":"é"}'), {}, true))).toBe('{"a":"é"}');
  });

  test('a text body whose bytes were replaced on the way (U+FFFD, and Content-Length says more bytes came) is a 400', () => {
    const replaced = invalid.toString('utf8');
    expect(replaced).toContain('\uFFFD');
    expect(refusal(() => readRawBody(event(replaced, { 'content-length': String(invalid.length) })))).toEqual({
      status: 400,
      code: 'invalid_encoding',
    });
  });

  test('a U+FFFD the client really sent is kept', () => {
    const text = '{"a":"\uFFFD"}';
    expect(readRawBody(event(text, { 'content-length': String(Buffer.byteLength(text)) }))).toBe(text);
    expect(readRawBody(event(text))).toBe(text);
  });

  test('size (413) and content type (415) are still checked first', () => {
    expect(refusal(() => readRawBody(event(Buffer.alloc(1024 * 1024 + 1, 0xff), {}, true)))).toEqual({
      status: 413,
      code: 'payload_too_large',
    });
    expect(refusal(() => readRawBody(event(invalid, { 'content-type': 'image/png' }, true)))).toEqual({
      status: 415,
      code: 'unsupported_media_type',
    });
  });
});
