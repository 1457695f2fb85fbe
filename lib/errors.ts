/**
 * Domain errors with an HTTP meaning. Everything the API answers with an error uses the one shape
 * `{"error": {"code", "message", "details"}}` (SPEC section 2), built from these.
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

/** True when a DynamoDB write lost its condition (optimistic locking, uniqueness). */
export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
