/**
 * Writes frontend/src/api/schema.d.ts: the dashboard's request and response types, generated from the
 * OpenAPI document the API serves (itself built from the routes' zod schemas), so the dashboard and the
 * API cannot drift apart. `npm run gen:api-types` after changing a route; a unit test fails when the
 * committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiTypesSource } from './api-types';

const target = join(import.meta.dirname, '..', 'frontend', 'src', 'api', 'schema.d.ts');
writeFileSync(target, await apiTypesSource());
console.log(`wrote ${target}`);
