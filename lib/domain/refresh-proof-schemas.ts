import * as z from 'zod';
import { entitySchema } from './entity-schema';
import { PROOF_ACTIONS, type ProofKey, type ProofPayload } from './refresh-proof';

const BASE64URL_P256_COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/** A proof key as the API accepts it: exactly an EC P-256 public JWK (a private part is refused). */
export const proofKeySchema = z
  .strictObject({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().length(43).regex(BASE64URL_P256_COORDINATE),
    y: z.string().length(43).regex(BASE64URL_P256_COORDINATE),
  })
  .describe(
    'An EC P-256 public key (JWK): the session then needs a proof by its private key to refresh or end it',
  ) satisfies z.ZodType<ProofKey>;

export const proofPayloadSchema = entitySchema<ProofPayload>({ ath: z.string().min(1), act: z.enum(PROOF_ACTIONS) });
