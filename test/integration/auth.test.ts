import { createHash } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
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

describe('a refresh token bound to a key (the dashboard sends a proofKey at sign-in)', () => {
  type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
  const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

  async function keyPair(): Promise<KeyPair & { jwk: { kty: string; crv: string; x: string; y: string } }> {
    const pair = await generateKeyPair('ES256');
    const { kty, crv, x, y } = await exportJWK(pair.publicKey);
    return { ...pair, jwk: { kty: kty!, crv: crv!, x: x!, y: y! } };
  }

  const proof = (pair: KeyPair, refreshToken: string, act: 'refresh' | 'logout') =>
    new CompactSign(new TextEncoder().encode(JSON.stringify({ ath: sha256(refreshToken), act })))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(pair.privateKey);

  const bound = async (email: string, pair: { jwk: object }) => {
    const signedIn = await postJson(stack, '/v1/auth/login', { email, password, proofKey: pair.jwk });
    expect(signedIn.status).toBe(200);
    return signedIn.body.refreshToken as string;
  };

  test('refreshes with a proof by its key, over that very token, for that action', async () => {
    await newUser('bound@example.com');
    const pair = await keyPair();
    const token = await bound('bound@example.com', pair);
    const refreshed = await postJson(stack, '/v1/auth/refresh', { refreshToken: token, proof: await proof(pair, token, 'refresh') });
    expect(refreshed.status).toBe(200);
    const next = refreshed.body.refreshToken as string;
    // The same key keeps working across rotations.
    expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: next, proof: await proof(pair, next, 'refresh') })).status).toBe(200);
  });

  test.each([
    ['no proof', async (_pair: KeyPair, _token: string) => undefined],
    ['a proof by another key', async (_pair: KeyPair, token: string) => proof(await keyPair(), token, 'refresh')],
    ['a proof over another token', async (pair: KeyPair) => proof(pair, 'another-token-of-forty-characters-at-least', 'refresh')],
    ['a proof for logging out', async (pair: KeyPair, token: string) => proof(pair, token, 'logout')],
    ['a malformed proof', async () => 'not.a.jws'],
  ])('the token presented with %s is refused and the session ends, as for a stolen token', async (_case, proofFor) => {
    const email = `stolen-${Math.random().toString(36).slice(2)}@example.com`;
    await newUser(email);
    const pair = await keyPair();
    const token = await bound(email, pair);
    const stolen = await postJson(stack, '/v1/auth/refresh', { refreshToken: token, proof: await proofFor(pair, token) });
    expect(stolen.status).toBe(401);
    expect(stolen.body.error.code).toBe('invalid_proof');
    // The legitimate holder's next refresh, with a good proof, finds the session ended.
    expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: token, proof: await proof(pair, token, 'refresh') })).status).toBe(
      401,
    );
  });

  test('logout needs the proof too; with it, the session ends', async () => {
    await newUser('bound-logout@example.com');
    const pair = await keyPair();
    const logout = (refreshToken: string, body: object) =>
      fetch(`${stack.apiUrl}/v1/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken, ...body }),
      });
    const unproved = await bound('bound-logout@example.com', pair);
    const refused = await logout(unproved, {});
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_proof');

    const token = await bound('bound-logout@example.com', pair);
    expect((await logout(token, { proof: await proof(pair, token, 'logout') })).status).toBe(204);
    expect((await postJson(stack, '/v1/auth/refresh', { refreshToken: token, proof: await proof(pair, token, 'refresh') })).status).toBe(
      401,
    );
  });

  test('a proof key that is not an EC P-256 public key is a 400', async () => {
    await newUser('badkey@example.com');
    const rsa = await postJson(stack, '/v1/auth/login', {
      email: 'badkey@example.com',
      password,
      proofKey: { kty: 'RSA', n: 'x', e: 'AQAB' },
    });
    expect(rsa.status).toBe(400);
    const { jwk } = await keyPair();
    const withPrivatePart = await postJson(stack, '/v1/auth/login', {
      email: 'badkey@example.com',
      password,
      proofKey: { ...jwk, d: 'secret' },
    });
    expect(withPrivatePart.status).toBe(400);
  });
});
