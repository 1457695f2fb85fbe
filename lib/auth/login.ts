import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { ProofAction } from '../domain/refresh-proof';
import type { loginRequestSchema, refreshRequestSchema } from '../domain/session-requests';
import { publicUser, type PublicUser } from '../domain/user';
import { AppError, unauthorized } from '../errors';
import {
  clearLoginFailures,
  createSession,
  getLoginFailures,
  getSession,
  recordLoginFailure,
  revokeAllSessions,
  revokeSession,
  rotateSession,
  REFRESH_TOKEN_TTL_SECONDS,
  type SessionFamily,
} from '../store/sessions';
import { findUserByEmail, getUser, revokeAccessTokens, type StoredUser } from '../store/users';
import type { TableRef } from '../store/table-ref';
import { decoyPasswordHash, verifyPassword } from './password';
import { provesRefresh } from './refresh-proof';
import { signAccessToken, type KeySet } from './tokens';

/**
 * Passwords people choose for this product: at least 12 characters, and at least three of lower
 * case, upper case, digits and symbols (NIST-style length first, without silly composition rules).
 */
export const passwordPolicy = z
  .string()
  .min(12, 'at least 12 characters')
  .max(256)
  .refine((password) => [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(password)).length >= 3, {
    message: 'use at least three of: lower case, upper case, digits, symbols',
  });

/** After this many failed logins in a row an email is locked, 1 minute at first, doubling, at most 15. */
export const LOCKOUT_AFTER_FAILURES = 5;
const MAX_LOCK_MS = 15 * 60_000;

export interface TokenPair {
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

function newRefreshToken(familyId: string): string {
  return `${familyId}.${randomBytes(32).toString('base64url')}`;
}

async function issue(user: StoredUser, refreshToken: string, deps: AuthDeps, now: Date): Promise<TokenPair> {
  const accessToken = await signAccessToken(
    { sub: user.id, role: user.role, tenants: user.tenantIds, email: user.email, ver: user.authVersion ?? 0 },
    deps.keySet,
    now,
  );
  return { accessToken, refreshToken, user: publicUser(user) };
}

function tooManyAttempts(lockedUntil: Date, now: Date): AppError {
  const seconds = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  return new AppError(
    429,
    'too_many_attempts',
    'Too many failed logins: try again later',
    { retryAfterSeconds: seconds },
    { 'retry-after': String(seconds) },
  );
}

/**
 * Checks the password (the same work whether or not the email exists) and opens a session: a new
 * refresh-token family. Repeated failures lock the email for a while, correct password or not.
 */
export async function login(request: z.infer<typeof loginRequestSchema>, deps: AuthDeps): Promise<TokenPair> {
  const now = deps.now();
  const email = request.email.toLowerCase();
  const failures = await getLoginFailures(deps.table, email);
  if (failures.lockedUntil && Date.parse(failures.lockedUntil) > now.getTime()) throw tooManyAttempts(new Date(failures.lockedUntil), now);

  const user = await findUserByEmail(deps.table, email);
  const passwordMatches = await verifyPassword(request.password, user?.passwordHash ?? (await decoyPasswordHash()));
  if (!user || !passwordMatches) {
    const count = failures.count + 1;
    const lockedUntil =
      count >= LOCKOUT_AFTER_FAILURES
        ? new Date(now.getTime() + Math.min(MAX_LOCK_MS, 60_000 * 2 ** (count - LOCKOUT_AFTER_FAILURES)))
        : undefined;
    await recordLoginFailure(deps.table, email, lockedUntil, now);
    if (lockedUntil) throw tooManyAttempts(lockedUntil, now);
    throw unauthorized('Wrong email or password');
  }
  if (failures.count) await clearLoginFailures(deps.table, email);

  const familyId = randomBytes(16).toString('base64url');
  const refreshToken = newRefreshToken(familyId);
  await createSession(deps.table, {
    familyId,
    userId: user.id,
    tokenHash: hashRefreshToken(refreshToken),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
    ...(request.proofKey ? { proofKey: request.proofKey } : {}),
  });
  return issue(user, refreshToken, deps, now);
}

/**
 * Exchanges a refresh token for a new pair (rotation). A token that is no longer its family's
 * current one has been used before: someone holds a copy, so the whole family is revoked.
 */
export async function refresh(request: z.infer<typeof refreshRequestSchema>, deps: AuthDeps): Promise<TokenPair> {
  const now = deps.now();
  const familyId = request.refreshToken.split('.')[0] ?? '';
  const family = familyId ? await getSession(deps.table, familyId) : undefined;
  if (!family || family.revokedAt || Date.parse(family.expiresAt) <= now.getTime()) throw unauthorized('Invalid or expired refresh token');
  const presented = hashRefreshToken(request.refreshToken);
  await requireProof(family, request, presented, 'refresh', deps, now);
  const next = newRefreshToken(familyId);
  if (presented !== family.tokenHash || !(await rotateSession(deps.table, familyId, presented, hashRefreshToken(next)))) {
    await revokeSession(deps.table, familyId, 'refresh token reused', now);
    throw new AppError(401, 'refresh_token_reused', 'This refresh token was already used: every session of this login is signed out');
  }
  const user = await getUser(deps.table, family.userId);
  if (!user) {
    await revokeSession(deps.table, familyId, 'user deleted', now);
    throw unauthorized('Invalid or expired refresh token');
  }
  return issue(user, next, deps, now);
}

/** Ends the session the refresh token belongs to (idempotent). */
export async function logout(request: z.infer<typeof refreshRequestSchema>, deps: AuthDeps): Promise<void> {
  const familyId = request.refreshToken.split('.')[0] ?? '';
  const family = familyId ? await getSession(deps.table, familyId) : undefined;
  const presented = hashRefreshToken(request.refreshToken);
  // Only the holder of the current token (and of its key, when it has one) may end the session.
  if (!family || family.tokenHash !== presented) return;
  await requireProof(family, request, presented, 'logout', deps, deps.now());
  await revokeSession(deps.table, familyId, 'logout', deps.now());
}

/**
 * A session opened with a key accepts its refresh token only with a proof by that key. A token presented
 * without one was copied out of the browser that holds the key: the session is ended, as for a reused token.
 */
async function requireProof(
  family: SessionFamily,
  request: z.infer<typeof refreshRequestSchema>,
  presentedHash: string,
  action: ProofAction,
  deps: AuthDeps,
  now: Date,
): Promise<void> {
  if (!family.proofKey || (await provesRefresh(family.proofKey, request.proof, presentedHash, action))) return;
  await revokeSession(deps.table, family.familyId, 'refresh token presented without its key', now);
  throw new AppError(
    401,
    'invalid_proof',
    'This refresh token needs a proof by the key it was issued to: every session of this login is signed out',
  );
}

/**
 * Signs the user out everywhere: every refresh-token family is revoked, and the access version moves on
 * so the access tokens already issued (this one too) stop working within seconds, not at their expiry.
 */
export async function logoutAll(userId: string, deps: AuthDeps): Promise<{ revoked: number }> {
  const revoked = await revokeAllSessions(deps.table, userId, 'logout-all', deps.now());
  await revokeAccessTokens(deps.table, userId);
  return { revoked };
}
