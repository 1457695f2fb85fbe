import { AccessCheck } from '../../lib/auth/access';
import { createUser, revokeAccessTokens, deleteUser, type StoredUser } from '../../lib/store/users';
import type { TableRef } from '../../lib/store/table-ref';
import { createTestTable } from '../helpers/dynamo';

/**
 * The access check against DynamoDB Local: what a warm function believes about a user's access version,
 * and when it reads again. A long trust period (1 minute) makes the cache visible.
 */
let table: TableRef;
let user: StoredUser;

beforeAll(async () => {
  table = await createTestTable('access-check');
  user = {
    id: 'usr_access_check',
    email: 'access.check@msp.example',
    name: 'Access Check',
    role: 'technician',
    tenantIds: ['acme'],
    skills: [],
    createdAt: new Date().toISOString(),
    passwordHash: 'not-used',
  };
  await createUser(table, user);
});

afterAll(() => table?.db.destroy());

test('a new user is at version 0; a token of another version or of an unknown user is not current', async () => {
  const access = new AccessCheck(table);
  expect(await access.isCurrent({ sub: user.id, ver: 0 })).toBe(true);
  expect(await access.isCurrent({ sub: user.id, ver: 3 })).toBe(false);
  expect(await access.isCurrent({ sub: 'usr_nobody', ver: 0 })).toBe(false);
});

test('a revocation is seen once the trust period ends, or at once where the function was told', async () => {
  const stale = new AccessCheck(table, 60_000);
  const told = new AccessCheck(table, 60_000);
  expect(await stale.isCurrent({ sub: user.id, ver: 0 })).toBe(true);
  expect(await told.isCurrent({ sub: user.id, ver: 0 })).toBe(true);
  await revokeAccessTokens(table, user.id);
  told.forget(user.id);
  expect(await told.isCurrent({ sub: user.id, ver: 0 })).toBe(false);
  // Within its trust period the other function still believes version 0: the documented window.
  expect(await stale.isCurrent({ sub: user.id, ver: 0 })).toBe(true);
  expect(await new AccessCheck(table, 0).isCurrent({ sub: user.id, ver: 0 })).toBe(false);
  // A token newer than what it read (the user signed in again) makes it read again: current at once, and
  // from then on the old token is not.
  expect(await stale.isCurrent({ sub: user.id, ver: 1 })).toBe(true);
  expect(await stale.isCurrent({ sub: user.id, ver: 0 })).toBe(false);
});

test('a deleted user has no current version; revoking a deleted user changes nothing', async () => {
  const access = new AccessCheck(table, 60_000);
  expect(await access.isCurrent({ sub: user.id, ver: 1 })).toBe(true);
  await deleteUser(table, user);
  access.forget(user.id);
  expect(await access.isCurrent({ sub: user.id, ver: 1 })).toBe(false);
  // A token that claims a newer version of a user who is gone is not current either.
  expect(await access.isCurrent({ sub: user.id, ver: 9 })).toBe(false);
  await expect(revokeAccessTokens(table, user.id)).resolves.toBeUndefined();
  expect(await new AccessCheck(table, 0).isCurrent({ sub: user.id, ver: 2 })).toBe(false);
});
