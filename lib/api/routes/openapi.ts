import { json } from '../../http/http';
import type { Route } from '../context';
import { openApiDocument } from '../openapi';
import { openApiResponse } from '../schemas';

/** `GET /v1/openapi.json`: the OpenAPI document of every route (this one included), built once, no sign-in needed. */
export function openApiRoutes(routes: () => readonly Route[]): Route[] {
  let document: ReturnType<typeof openApiDocument> | undefined;
  return [
    {
      method: 'GET',
      path: '/v1/openapi.json',
      handler: async () => json(200, (document ??= openApiDocument(routes())), { 'cache-control': 'public, max-age=300' }),
      doc: {
        summary: 'The OpenAPI 3.1 document of this API',
        tag: 'system',
        scope: 'public',
        responses: { 200: openApiResponse },
      },
    },
  ];
}
