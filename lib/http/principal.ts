import { InvalidTokenError, verifyAccessToken, type AccessClaims, type KeySet } from '../auth/tokens';
import { unauthorized } from '../errors';
import { header, type HttpEvent } from './http';

/** The signed-in user behind a request (`Authorization: Bearer <access token>`), or a 401. */
export async function requirePrincipal(event: HttpEvent, keySet: KeySet, now: Date): Promise<AccessClaims> {
  const authorization = header(event, 'authorization');
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) throw unauthorized('Missing bearer token');
  try {
    return await verifyAccessToken(token, keySet, now);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(error.message);
    throw error;
  }
}
