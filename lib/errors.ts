/**
 * Domain errors with an HTTP meaning. Everything the API answers with an error uses the one shape
 * `{"error": {"code", "message", "details"}}`, built from these.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details);
export const unauthorized = (message = 'Authentication required') => new AppError(401, 'unauthorized', message);
export const forbidden = (message = 'Not allowed') => new AppError(403, 'forbidden', message);
export const notFound = (what = 'Resource') => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);
export const payloadTooLarge = (limitBytes: number) =>
  new AppError(413, 'payload_too_large', `Body exceeds ${limitBytes} bytes`, { limitBytes });
export const unsupportedMediaType = (message: string) => new AppError(415, 'unsupported_media_type', message);
export const unprocessable = (message: string, details?: unknown) => new AppError(422, 'invalid_payload', message, details);

/**
 * An AWS service was throttled or unavailable (after the SDK's own retries): the request may succeed a
 * moment later, so it is answered 503 with Retry-After, never as a conflict or an internal error.
 */
const RETRYABLE_AWS_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TooManyRequestsException',
  'StoreBusyError',
]);

export function isRetryableServiceError(error: unknown): boolean {
  return error instanceof Error && RETRYABLE_AWS_ERRORS.has(error.name);
}

/** Seconds a client is asked to wait before retrying after a retryable service error. */
export const RETRY_AFTER_SECONDS = 2;
