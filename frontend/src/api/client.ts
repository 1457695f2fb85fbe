import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Api = ReturnType<typeof createApi>;

/** An error answer of the API (`{ error: { code, message, details } }`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface TokenStore {
  accessToken(): string | undefined;
  /**
   * Renews the access token `refused` (the one a 401 answered) unless that was done meanwhile; false when
   * the session is over. Requests refused together thus spend the refresh token once.
   */
  refresh(refused: string): Promise<boolean>;
  /** The session ended (refresh refused): the app signs out. */
  expired(): void;
}

/**
 * The typed API client (types generated from the API's OpenAPI document). Every request carries the
 * access token; a 401 triggers one refresh (shared by concurrent requests) and one retry, then sign-out.
 */
export function createApi(baseUrl: string, tokens: TokenStore) {
  const authorizedFetch = async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const send = (req: Request) => {
      const token = tokens.accessToken();
      if (token) req.headers.set('authorization', `Bearer ${token}`);
      return fetch(req);
    };
    const used = tokens.accessToken();
    const response = await send(request);
    if (response.status !== 401 || !used || new URL(request.url).pathname.startsWith('/v1/auth/')) return response;
    if (await tokens.refresh(used)) return send(retry);
    tokens.expired();
    return response;
  };
  return createClient<paths>({ baseUrl, fetch: authorizedFetch });
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiError with the API's message: for react-query's queryFn and mutationFn. */
export async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await request;
  } catch (error) {
    throw new ApiError(0, 'network', `The API cannot be reached (${(error as Error).message})`);
  }
  if (result.response.ok) return result.data as T;
  const body = result.error as { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  throw new ApiError(
    result.response.status,
    body?.error?.code ?? 'http_error',
    body?.error?.message ?? `The API answered ${result.response.status} ${result.response.statusText}`,
    body?.error?.details,
  );
}
