import { readFile } from 'node:fs/promises';
import type { openApiDocumentOfAllRoutes } from './all-routes';

/**
 * The OpenAPI document of every route, as the `api` function serves it. The routes are split between
 * two functions (lib/api/all-routes.ts), so neither bundle holds them all: the synth writes the document
 * beside the `api` bundle (infra/constructs/functions.ts, an afterBundling hook running
 * scripts/write-openapi.ts) and the function reads it on the first `GET /v1/openapi.json`.
 * Run from source (the local stack, tests), where every route is at hand, it is built from them instead;
 * the module path is computed, so esbuild leaves that import out of the bundle.
 */
export const OPENAPI_FILE = 'openapi.json';

export async function bundledOpenApiDocument(): Promise<unknown> {
  if (import.meta.url.endsWith('.ts')) {
    const routesModule = new URL('./all-routes.ts', import.meta.url).href;
    const routes = (await import(routesModule)) as { openApiDocumentOfAllRoutes: typeof openApiDocumentOfAllRoutes };
    return routes.openApiDocumentOfAllRoutes();
  }
  return JSON.parse(await readFile(new URL(OPENAPI_FILE, import.meta.url), 'utf8')) as unknown;
}
