import { hashPassword } from '../../lib/auth/password';
import { createUser } from '../../lib/store/users';
import type { LocalStack } from '../../local/stack';
import { getJson, postJson, startTestStack } from '../helpers/local-stack';

/** Login, refresh-token rotation with reuse detection, logout, logout-all and lockout, over HTTP. */
let stack: LocalStack;
const password = 'Correct-Horse-9';

async function newUser(email: string): Promise<void> {
  await createUser(stack.table, {
    id: `usr_${email.replace(/\W+/g, '_')}`,
    email,
    name: email,
    role: 'technician',
    tenantIds: ['acme'],
    skills: [],
    createdAt: new Date().toISOString(),
    passwordHash: await hashPassword(password),
  });
}

const loginAs = (email: string, pw = password) => postJson(stack, '/v1/auth/login', { email, password: pw });

beforeAll(async () => {
  ({ stack } = await startTestStack('auth-test'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

test('refresh rotates the pair; presenting a spent refresh token signs out that whole login', async () => {
  await newUser('rotate@example.com');
  const first = await loginAs('rotate@example.com');
  expect(first.status).toBe(200);
  expect(first.body.user).toMatchObject({ email: 'rotate@example.com', role: 'technician', tenantIds: ['acme'] });
  expect(first.body.user.passwordHash).toBeUndefined();

  const second = await postJson(stack, '/v1/auth/refresh', { refreshToken: first.body.refreshToken });
  expect(second.status).toBe(200);
  expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  expect((await getJson(stack, '/v1/incidents', second.body.accessToken)).status).toBe(200);

  const reused = await postJson(stack, '/v1/auth/refresh', { refreshToken: first.body.refreshToken });
  expect(reused.status).toBe(401);
  expect(reused.body.error.code).toBe('refresh_token_reused');
  // The thief's reuse also killed the legitimate holder's current token.
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
});

test('logout ends that session only; logout-all ends every session of the user', async () => {
  await newUser('sessions@example.com');
  const [a, b, c] = [await loginAs('sessions@example.com'), await loginAs('sessions@example.com'), await loginAs('sessions@example.com')];
  const logout = await fetch(`${stack.apiUrl}/v1/auth/logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: a.body.refreshToken }),
  });
  expect(logout.status).toBe(204);
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: a.body.refreshToken })).status).toBe(401);
  const stillB = await postJson(stack, '/v1/auth/refresh', { refreshToken: b.body.refreshToken });
  expect(stillB.status).toBe(200);

  const all = await postJson(stack, '/v1/auth/logout-all', {}, { authorization: `Bearer ${c.body.accessToken}` });
  expect(all.status).toBe(200);
  expect(all.body.revoked).toBe(2);
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: stillB.body.refreshToken })).status).toBe(401);
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: c.body.refreshToken })).status).toBe(401);
});

test('five wrong passwords lock the account for a while, even for the right password, with Retry-After', async () => {
  await newUser('locked@example.com');
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) statuses.push((await loginAs('locked@example.com', 'wrong-password-1')).status);
  expect(statuses).toEqual([401, 401, 401, 401, 429]);
  const rightButLocked = await loginAs('locked@example.com');
  expect(rightButLocked.status).toBe(429);
  expect(rightButLocked.body.error.code).toBe('too_many_attempts');
  expect(Number(rightButLocked.headers.get('retry-after'))).toBeGreaterThan(0);
  // Another account is not affected.
  await newUser('unlocked@example.com');
  expect((await loginAs('unlocked@example.com')).status).toBe(200);
});

test('unknown emails and garbage refresh tokens are plain 401s', async () => {
  expect((await loginAs('nobody@example.com')).status).toBe(401);
  expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: 'x'.repeat(40) })).status).toBe(401);
  expect((await postJson(stack, '/v1/auth/refresh', {})).status).toBe(400);
});
