import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiTypesSource } from '../../scripts/api-types';

test('the dashboard’s API types are generated from the current OpenAPI document (npm run gen:api-types)', async () => {
  const committed = readFileSync(join(import.meta.dirname, '..', '..', 'frontend', 'src', 'api', 'schema.d.ts'), 'utf8');
  expect(committed).toBe(await apiTypesSource());
});
