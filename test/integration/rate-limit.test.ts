import { takeTokens } from '../../lib/ingest/rate-limit';
import { createTestTable } from '../helpers/dynamo';

test('concurrent ingestion never spends the same tokens twice: 40 racing requests against a burst of 10', async () => {
  const table = await createTestTable('rate');
  const limit = { perMinute: 6, burst: 10 }; // one token every 10 s: no refill during the test
  const decisions = await Promise.all(Array.from({ length: 40 }, () => takeTokens(table, 'racer', 1, limit, () => Date.now())));
  expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
  const refused = decisions.filter((decision) => !decision.allowed);
  expect(refused).toHaveLength(30);
  expect(Math.min(...refused.map((decision) => decision.retryAfterSeconds))).toBeGreaterThanOrEqual(1);
  // Another tenant's bucket is untouched by this one's storm.
  expect((await takeTokens(table, 'bystander', 1, limit, () => Date.now())).allowed).toBe(true);
});
