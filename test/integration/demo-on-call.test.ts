import { seedDemoOnCall } from '../../local/seed';
import type { LocalStack } from '../../local/stack';
import { getJson, login, startTestStack } from '../helpers/local-stack';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  const started = await startTestStack(`demo-oncall-${Date.now()}`);
  stack = started.stack;
  token = await login(stack, started.demo, started.demo.admin.email);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('npm start’s demo schedules put a technician of each company on call, and seeding twice changes nothing', async () => {
  // Monday 2026-11-23 10:00 London is in Niko's week (weekly from Monday 2026-01-05: 46 weeks, an even number).
  const at = '2026-11-23T10:00:00Z';
  await seedDemoOnCall(stack.table, new Date('2026-11-20T00:00:00Z'));
  await seedDemoOnCall(stack.table, new Date('2026-11-21T00:00:00Z'));

  const acme = await getJson(stack, `/v1/oncall/now?tenant=acme&at=${encodeURIComponent(at)}`, token);
  expect(acme.status).toBe(200);
  expect(acme.body.onCall.map((entry: any) => entry.email)).toEqual(['tech.niko@msp.example']);
  const globex = await getJson(stack, `/v1/oncall/now?tenant=globex&at=${encodeURIComponent(at)}`, token);
  // 05:00 in New York, before the 08:00 hand-off: still the shift of Nov 22, day 321 of the daily rotation (odd: Dana).
  expect(globex.body.onCall.map((entry: any) => entry.email)).toEqual(['tech.dana@msp.example']);

  const schedules = await getJson(stack, '/v1/oncall/schedules?tenant=acme', token);
  expect(schedules.body.schedules).toHaveLength(1);
  expect(schedules.body.schedules[0]).toMatchObject({ version: 1, updatedBy: 'seed' });
});
