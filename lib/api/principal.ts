import type { AccessCheck } from '../auth/access';
import { InvalidTokenError, verifyAccessToken, type AccessClaims, type KeySet } from '../auth/tokens';
import { unauthorized } from '../errors';
import { header, type HttpEvent } from '../http/http';

/**
 * The signed-in user behind a request (`Authorization: Bearer <access token>`), or a 401: a token that
 * is not valid, or no longer speaks for its user (deleted, or their role or tenants changed since).
 */
export async function requirePrincipal(event: HttpEvent, keySet: KeySet, now: Date, access: AccessCheck): Promise<AccessClaims> {
  const authorization = header(event, 'authorization');
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) throw unauthorized('Missing bearer token');
  let claims: AccessClaims;
  try {
    claims = await verifyAccessToken(token, keySet, now);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(error.message);
    throw error;
  }
  if (!(await access.isCurrent(claims))) throw unauthorized('Your access has changed or was revoked: sign in again');
  return claims;
}
