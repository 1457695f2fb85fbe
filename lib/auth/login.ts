import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { publicUser, type PublicUser } from '../domain/user';
import { unauthorized } from '../errors';
import { createSession, REFRESH_TOKEN_TTL_SECONDS } from '../store/sessions';
import { findUserByEmail } from '../store/users';
import type { TableRef } from '../store/table-ref';
import { decoyPasswordHash, verifyPassword } from './password';
import { signAccessToken, type KeySet } from './tokens';

export const loginRequestSchema = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
});

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: PublicUser;
}

export interface AuthDeps {
  table: TableRef;
  keySet: KeySet;
  now: () => Date;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Checks the password (the same work whether or not the email exists) and opens a session. */
export async function login(request: z.infer<typeof loginRequestSchema>, deps: AuthDeps): Promise<LoginResult> {
  const user = await findUserByEmail(deps.table, request.email);
  const passwordMatches = await verifyPassword(request.password, user?.passwordHash ?? (await decoyPasswordHash()));
  if (!user || !passwordMatches) throw unauthorized('Wrong email or password');

  const now = deps.now();
  const familyId = randomBytes(16).toString('base64url');
  const refreshToken = `${familyId}.${randomBytes(32).toString('base64url')}`;
  await createSession(deps.table, {
    familyId,
    userId: user.id,
    tokenHash: hashRefreshToken(refreshToken),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
  });
  const accessToken = await signAccessToken(
    { sub: user.id, role: user.role, tenants: user.tenantIds, email: user.email },
    deps.keySet,
    now,
  );
  return { accessToken, refreshToken, user: publicUser(user) };
}
