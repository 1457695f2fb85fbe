import { readFile } from 'node:fs/promises';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import * as z from 'zod';
import { ROLES, type Role } from '../domain/user';
import { traced } from '../observability';

/**
 * Access tokens: HS256 JWTs made with jose, 15 minutes, issuer and audience checked, a key id so keys
 * can rotate (the previous keys keep verifying until their tokens have expired). The key set lives in
 * Secrets Manager in AWS and in a generated file under .local/ on a laptop.
 */
export const TOKEN_ISSUER = 'alert-whisperer';
export const TOKEN_AUDIENCE = 'alert-whisperer-api';
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

const signingKeySchema = z.object({ kid: z.string().min(1), secret: z.string().min(32) });
const keySetSchema = z.union([
  z.object({ current: signingKeySchema, previous: z.array(signingKeySchema).default([]) }),
  signingKeySchema.transform((key) => ({ current: key, previous: [] })),
]);
export type KeySet = z.output<typeof keySetSchema>;

export function parseKeySet(json: string): KeySet {
  return keySetSchema.parse(JSON.parse(json));
}

export interface KeySetSource {
  AUTH_KEYS_SECRET_ARN?: string;
  AUTH_KEYS_FILE?: string;
}

/** Reads the key set once per cold start. */
export async function loadKeySet(source: KeySetSource): Promise<KeySet> {
  if (source.AUTH_KEYS_FILE) return parseKeySet(await readFile(source.AUTH_KEYS_FILE, 'utf8'));
  if (source.AUTH_KEYS_SECRET_ARN) {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { SecretString } = await traced(new SecretsManagerClient({})).send(
      new GetSecretValueCommand({ SecretId: source.AUTH_KEYS_SECRET_ARN }),
    );
    if (!SecretString) throw new Error('The auth key secret is empty');
    return parseKeySet(SecretString);
  }
  throw new Error('No JWT key source: set AUTH_KEYS_SECRET_ARN (AWS) or AUTH_KEYS_FILE (local)');
}

/**
 * The key set, read once per cold start and shared by every request of the function; after a failure
 * (Secrets Manager throttled, say) the next request reads it again rather than failing until a cold start.
 */
export function keySetLoader(source: KeySetSource): () => Promise<KeySet> {
  let keySet: Promise<KeySet> | undefined;
  return () =>
    (keySet ??= loadKeySet(source).catch((error: unknown) => {
      keySet = undefined;
      throw error;
    }));
}

export interface AccessClaims {
  sub: string;
  role: Role;
  tenants: string[];
  email: string;
  /**
   * The user's access version when the token was made. Deleting the user, or changing their role or
   * tenants, moves the version on: tokens made before stop working (lib/auth/access.ts).
   */
  ver: number;
}

const encoder = new TextEncoder();

export async function signAccessToken(claims: AccessClaims, keySet: KeySet, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ role: claims.role, tenants: claims.tenants, email: claims.email, ver: claims.ver })
    .setProtectedHeader({ alg: 'HS256', kid: keySet.current.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ACCESS_TOKEN_TTL_SECONDS)
    .sign(encoder.encode(keySet.current.secret));
}

const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  tenants: z.array(z.string()),
  email: z.string(),
  ver: z.number().int().min(0),
});

export class InvalidTokenError extends Error {}

export async function verifyAccessToken(token: string, keySet: KeySet, now: Date): Promise<AccessClaims> {
  const keys = [keySet.current, ...keySet.previous];
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = keys.find((candidate) => candidate.kid === header.kid);
        if (!key) throw new InvalidTokenError('Unknown key id');
        return encoder.encode(key.secret);
      },
      // A token without an expiry (or an issue time, or a subject) is never accepted, whoever signed it.
      { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'], currentDate: now, requiredClaims: ['exp', 'iat', 'sub'] },
    );
    return accessClaimsSchema.parse(payload);
  } catch (error) {
    if (error instanceof InvalidTokenError || error instanceof joseErrors.JOSEError || error instanceof z.ZodError) {
      throw new InvalidTokenError('Invalid or expired access token');
    }
    throw error;
  }
}
