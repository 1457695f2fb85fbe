/**
 * Refresh tokens bound to a key (the idea of OAuth's DPoP, RFC 9449, for this API's own sessions). At
 * sign-in the dashboard creates a P-256 key pair whose private key the browser will not export
 * (WebCrypto, `extractable: false`) and sends the public key; the session keeps it. From then on, a
 * refresh or a logout must carry a proof: a compact JWS (ES256) by that key over the hash of the very
 * refresh token presented and the action. A refresh token copied out of the browser (a script that got
 * in, a backup of the profile, a shared machine's disk) is useless anywhere else, which is what an
 * httpOnly cookie would give, without a cookie on the API's own domain, which the dashboard (on
 * another site) could not send. Each refresh token works once, so each proof does too: no clock or
 * nonce is needed.
 */

/** The public key a session's proofs are checked with: an EC P-256 JWK (its x and y only). */
export interface ProofKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export const PROOF_ACTIONS = ['refresh', 'logout'] as const;
export type ProofAction = (typeof PROOF_ACTIONS)[number];

/** What a proof signs: the SHA-256 (base64url) of the refresh token presented, and what it is presented for. */
export interface ProofPayload {
  ath: string;
  act: ProofAction;
}

/** The JWS algorithm of a proof: ECDSA with P-256 and SHA-256, the one WebCrypto signs with natively. */
export const PROOF_ALGORITHM = 'ES256';

// The dashboard imports this module into its first chunk: no zod here (the schemas are in refresh-proof-schemas.ts).
