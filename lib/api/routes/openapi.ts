import { json } from '../../http/http';
import type { Route } from '../context';
import { routeDefiner } from '../define-route';
import { openApiResponse } from '../schemas';

/**
 * `GET /v1/openapi.json`: the OpenAPI document of every route (this one included), no sign-in needed.
 * `document` gives it once per cold start: built from the routes where they are all at hand
 * (`apiRoutes`), read from the file bundled beside the `api` function otherwise (lib/api/openapi-file.ts).
 */
export function openApiRoutes(document: () => unknown): Route[] {
  let built: Promise<unknown> | undefined;
  // Public: served without the route groups' context (functions/api/handler.ts).
  const defineRoute = routeDefiner();
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/openapi.json',
        summary: 'The OpenAPI 3.1 document of this API',
        tag: 'system',
        scope: 'public',
        responses: { 200: openApiResponse },
      },
      async () =>
        json(
          200,
          await (built ??= Promise.resolve()
            .then(document)
            .catch((error: unknown) => {
              built = undefined;
              throw error;
            })),
          { 'cache-control': 'public, max-age=300' },
        ),
    ),
  ];
}
