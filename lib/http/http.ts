import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import middy, { type MiddlewareObj } from '@middy/core';
import * as z from 'zod';
import { storeErrorKind } from '../store/transact';
import { AppError, badRequest, isRetryableServiceError, payloadTooLarge, RETRY_AFTER_SECONDS, unsupportedMediaType } from '../errors';
import { logger, observed } from '../observability';
import { jsonDepthExceeds, MAX_JSON_DEPTH, MAX_WEBHOOK_JSON_DEPTH, payloadTooDeep } from '../util/json-depth';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export const MAX_BODY_BYTES = 1024 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * A binary body (a PDF): base64 with `isBase64Encoded`, which API Gateway's HTTP API (payload 2.0) and the
 * local gateway decode into the bytes they answer.
 */
export function binary(statusCode: number, bytes: Uint8Array, contentType: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'cache-control': 'no-store', ...headers },
    body: Buffer.from(bytes).toString('base64'),
    isBase64Encoded: true,
  };
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/**
 * Maps every failure to the one error shape. Domain errors keep their status; a ZodError from a
 * request schema is a 400; a throttled or unavailable service a 503 with Retry-After; anything else is
 * logged and answered as a 500 without internals.
 */
function errorResponses(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof AppError) {
        request.response = json(error.status, errorBody(error.code, error.message, error.details), error.headers);
      } else if (error instanceof z.ZodError) {
        request.response = json(400, errorBody('invalid_request', 'The request is not valid', zodDetails(error)));
      } else if (isRouterNotFound(error)) {
        request.response = json(404, errorBody('not_found', 'No such route'));
      } else if (storeErrorKind(error) === 'too-large') {
        // Something kept growing (a list on an item) past DynamoDB's item limit: nothing a retry fixes.
        logger.error('A change would make a stored item larger than DynamoDB allows', { error: error as Error });
        request.response = json(409, errorBody('too_large', 'The change would make the stored record larger than the store allows'));
      } else if (isRetryableServiceError(error)) {
        // Throttled or briefly unavailable (the table, a queue): nothing is wrong with the request.
        logger.warn('A service was busy; answering 503', { error: error as Error });
        request.response = json(
          503,
          errorBody('unavailable', 'The service is busy; retry shortly', { retryAfterSeconds: RETRY_AFTER_SECONDS }),
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        );
      } else {
        logger.error('Unhandled error', { error: error as Error });
        request.response = json(500, errorBody('internal', 'Internal error'));
      }
    },
  };
}

function isRouterNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | null)?.statusCode === 404;
}

export function zodDetails(error: z.ZodError) {
  return error.issues.map(({ path, message }) => ({ path: path.join('.'), message }));
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id that follows a request through the whole path (webhook -> alert -> incident events ->
 * execution -> notification): the caller's `X-Correlation-Id` when it is a sane token, else API
 * Gateway's request id. Logged with every line and answered in the `x-correlation-id` header.
 */
export function correlationIdOf(event: HttpEvent): string | undefined {
  const given = header(event, 'x-correlation-id')?.trim();
  if (isCorrelationId(given)) return given;
  return event.requestContext?.requestId;
}

/** A sane correlation id: 1 to 128 letters, digits and `._:-`. */
export function isCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID.test(value);
}

/**
 * The middy bundle every HTTP function is built from: `observed` first, so it wraps the
 * others (the error answer's log line still has the request's keys; metrics publish last), then the
 * `x-correlation-id` answer header, on error answers too (its onError runs after errorResponses').
 */
export function httpHandler(handler: HttpHandler) {
  const answerCorrelationId: MiddlewareObj<HttpEvent, HttpResult>['after'] = async (request) => {
    const correlationId = correlationIdOf(request.event);
    if (correlationId && request.response) request.response.headers = { ...request.response.headers, 'x-correlation-id': correlationId };
  };
  return middy<HttpEvent, HttpResult>()
    .use(
      observed<HttpEvent, HttpResult>({
        correlationId: correlationIdOf,
        keys: (event) => ({ requestId: event.requestContext?.requestId }),
      }),
    )
    .use({ after: answerCorrelationId, onError: answerCorrelationId })
    .use(errorResponses())
    .handler(handler);
}

// The nesting limits and their check (lib/util/json-depth.ts, free of the HTTP layer for the adapters that parse embedded JSON).
export { jsonDepthExceeds, MAX_JSON_DEPTH, MAX_WEBHOOK_JSON_DEPTH, payloadTooDeep };

/** A body that is not UTF-8 (a JSON text must be): refused rather than stored with replacement characters. */
export const invalidEncoding = () => new AppError(400, 'invalid_encoding', 'The body is not valid UTF-8');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or a 400 `invalid_encoding` when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw invalidEncoding();
  }
}

/**
 * A text body that lost bytes on its way here: API Gateway (and the local gateway) decode a body with a
 * text content type as UTF-8, replacing each invalid sequence with U+FFFD, so the original bytes are
 * gone. A replacement character the client really sent leaves the byte count as it was; one that stands
 * for invalid bytes changes it (almost always: 1 or 2 invalid bytes become 3), which Content-Length shows.
 */
function lostBytes(event: HttpEvent, text: string): boolean {
  if (!text.includes('\uFFFD')) return false;
  const declared = header(event, 'content-length');
  return declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== Buffer.byteLength(text, 'utf8');
}

/**
 * The raw body as text. API Gateway base64-encodes bodies it considers binary: those are decoded and
 * must be UTF-8; a text body must not have lost bytes to replacement characters (400 `invalid_encoding`).
 */
export function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  if (event.isBase64Encoded) return decodeUtf8(Buffer.from(event.body, 'base64'));
  if (lostBytes(event, event.body)) throw invalidEncoding();
  return event.body;
}

/** A browser asking for a page (its Accept names text/html) rather than an API client: pages for the one, the JSON error shape for the other. */
export function acceptsHtml(event: HttpEvent): boolean {
  return /\btext\/html\b/i.test(header(event, 'accept') ?? '');
}

export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/** The raw body, checked for size (413), content type (415) and encoding (400) before anything reads it. */
export function readRawBody(event: HttpEvent): string {
  const bytes = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64') : undefined) : undefined;
  const size = bytes ? bytes.length : Buffer.byteLength(event.body ?? '', 'utf8');
  if (size > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  const contentType = header(event, 'content-type');
  // text/plain: SNS posts its JSON envelopes with that content type.
  if (contentType && !/^application\/([\w.+-]+\+)?json\b|^text\/plain\b/i.test(contentType)) {
    throw unsupportedMediaType(`Expected application/json, got ${contentType}`);
  }
  return bytes ? decodeUtf8(bytes) : rawBody(event);
}

/**
 * Parses a JSON text: 422 when it nests deeper than `maxDepth` (checked first, so nothing deep is ever
 * parsed), 400 when it is not JSON. The default is the webhooks' limit (lib/ingest/webhook.ts parses
 * with it); the operator API's bodies go through readJsonBody with the tighter MAX_JSON_DEPTH.
 */
export function parseJson(raw: string, maxDepth = MAX_WEBHOOK_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(raw, maxDepth)) throw payloadTooDeep(maxDepth);
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('The body is not valid JSON');
  }
}

/** Reads a JSON body of the operator API: 413 over the size limit, 415 when it is not JSON, 400 when it does not parse, 422 too deep. */
export function readJsonBody(event: HttpEvent): { raw: string; body: unknown } {
  const raw = readRawBody(event);
  return { raw, body: parseJson(raw, MAX_JSON_DEPTH) };
}

/** Parses a JSON body against a schema; invalid input is a 400 with the failing fields. */
export function parseBody<S extends z.ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const { body } = readJsonBody(event);
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest('The request body is not valid', zodDetails(result.error));
  return result.data;
}
