import type { ProofKey } from '../../../../lib/domain/refresh-proof';
import { call, type Api } from '../../api/client';

/**
 * The session's own requests. They go through a client without the access token and its 401 retry: a
 * refused refresh must end the session, not refresh again.
 */
export const sessionRequests = {
  login: (client: Api, email: string, password: string, proofKey: ProofKey | undefined) =>
    call(client.POST('/v1/auth/login', { body: { email, password, ...(proofKey ? { proofKey } : {}) } })),
  refresh: (client: Api, refreshToken: string, proof: string | undefined) =>
    call(client.POST('/v1/auth/refresh', { body: { refreshToken, ...(proof ? { proof } : {}) } })),
  logout: (client: Api, refreshToken: string, proof: string | undefined) =>
    call(client.POST('/v1/auth/logout', { body: { refreshToken, ...(proof ? { proof } : {}) } })),
};
