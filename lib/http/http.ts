import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import middy, { type MiddlewareObj } from '@middy/core';
import * as z from 'zod';
import { AppError, badRequest, isRetryableServiceError, payloadTooLarge, RETRY_AFTER_SECONDS, unsupportedMediaType } from '../errors';
import { logger, observed } from '../observability';

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
 * The middy bundle every HTTP function is built from (STYLE habit 1): `observed` first, so it wraps the
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

/** The raw body as text (API Gateway base64-encodes bodies it considers binary). */
export function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/** The raw body, checked for size (413) and content type (415) before anything reads it. */
export function readRawBody(event: HttpEvent): string {
  const raw = rawBody(event);
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  const contentType = header(event, 'content-type');
  // text/plain: SNS posts its JSON envelopes with that content type.
  if (contentType && !/^application\/([\w.+-]+\+)?json\b|^text\/plain\b/i.test(contentType)) {
    throw unsupportedMediaType(`Expected application/json, got ${contentType}`);
  }
  return raw;
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('The body is not valid JSON');
  }
}

/** Reads a JSON body: 413 over the size limit, 415 when it is not JSON, 400 when it does not parse. */
export function readJsonBody(event: HttpEvent): { raw: string; body: unknown } {
  const raw = readRawBody(event);
  return { raw, body: parseJson(raw) };
}

/** Parses a JSON body against a schema; invalid input is a 400 with the failing fields. */
export function parseBody<S extends z.ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const { body } = readJsonBody(event);
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest('The request body is not valid', zodDetails(result.error));
  return result.data;
}
