import * as z from 'zod';
import { proofKeySchema } from './refresh-proof-schemas';

// The bodies of sign-in, refresh and logout (lib/auth/login.ts): pure, so the dashboard's sign-in form checks with them too.

export const loginRequestSchema = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
  /** The dashboard's key: the session's refresh token is then bound to it (lib/domain/refresh-proof.ts). */
  proofKey: proofKeySchema.optional(),
});

export const refreshRequestSchema = z.object({
  refreshToken: z.string().min(20).max(512),
  proof: z
    .string()
    .max(2048)
    .optional()
    .describe(
      "A compact JWS (ES256) by the session's key over the token's SHA-256 and the action: required when the session was opened with a proofKey",
    ),
});
