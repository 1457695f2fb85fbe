/**
 * `tsx scripts/write-openapi.ts <file>`: writes the OpenAPI document of every route to <file>. The synth
 * runs it after bundling the `api` function (infra/constructs/functions.ts), which serves the file as
 * `GET /v1/openapi.json` (lib/api/openapi-file.ts).
 */
import { writeFileSync } from 'node:fs';
import { openApiDocumentOfAllRoutes } from '../lib/api/all-routes';

const target = process.argv[2];
if (!target) {
  console.error('usage: tsx scripts/write-openapi.ts <file>');
  process.exit(2);
}
writeFileSync(target, JSON.stringify(openApiDocumentOfAllRoutes()));
