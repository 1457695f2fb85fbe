import { compactVerify, importJWK } from 'jose';
import { PROOF_ALGORITHM, type ProofAction, type ProofKey } from '../domain/refresh-proof';
import { proofPayloadSchema } from '../domain/refresh-proof-schemas';

/**
 * Whether `proof` is a JWS by the session's key over this refresh token's hash and this action
 * (lib/domain/refresh-proof.ts). Anything else (no proof, another key, another token or action, a
 * malformed JWS) is false, never an exception.
 */
export async function provesRefresh(
  key: ProofKey,
  proof: string | undefined,
  refreshTokenHash: string,
  action: ProofAction,
): Promise<boolean> {
  if (!proof) return false;
  try {
    const { payload } = await compactVerify(proof, await importJWK(key, PROOF_ALGORITHM), { algorithms: [PROOF_ALGORITHM] });
    const claims = proofPayloadSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    return claims.success && claims.data.ath === refreshTokenHash && claims.data.act === action;
  } catch {
    return false;
  }
}
