import { login, loginRequestSchema, logout, logoutAll, refresh, refreshRequestSchema } from '../../auth/login';
import { json, parseBody } from '../../http/http';
import { pingTable } from '../../store/table-ref';
import { noContent, type Route, type RouteContext } from '../context';
import { healthResponse, logoutAllResponse, tokenPairResponse } from '../schemas';

const tag = 'system';

/** Health and authentication. */
export function systemRoutes({ deps, principalOf, accessChanged }: RouteContext): Route[] {
  const authDeps = async () => ({ table: deps.table, keySet: await deps.keySet(), now: deps.now });
  return [
    {
      method: 'GET',
      path: '/health',
      handler: async () => {
        const started = performance.now();
        await pingTable(deps.table);
        return json(200, {
          status: 'ok',
          stage: deps.stage,
          time: deps.now().toISOString(),
          checks: { table: { ok: true, latencyMs: Math.round(performance.now() - started) } },
        });
      },
      doc: {
        summary: 'Health: the function runs and the table answers',
        tag,
        scope: 'public',
        responses: { 200: healthResponse },
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/login',
      handler: async (event) => json(200, await login(parseBody(event, loginRequestSchema), await authDeps())),
      doc: {
        summary: 'Sign in with email and password',
        description: 'Opens a session: a 15-minute access token and a refresh token. Five failures in a row lock the email for a while.',
        tag,
        scope: 'public',
        body: loginRequestSchema,
        responses: { 200: tokenPairResponse },
        errors: { 401: 'Wrong email or password', 429: 'Too many failed sign-ins: locked for a while (see Retry-After)' },
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/refresh',
      handler: async (event) => json(200, await refresh(parseBody(event, refreshRequestSchema), await authDeps())),
      doc: {
        summary: 'Exchange a refresh token for a new pair',
        description: 'Each refresh token works once: a token presented twice signs out that whole session.',
        tag,
        scope: 'public',
        body: refreshRequestSchema,
        responses: { 200: tokenPairResponse },
        errors: { 401: 'Invalid, expired or reused refresh token' },
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/logout',
      handler: async (event) => {
        await logout(parseBody(event, refreshRequestSchema), await authDeps());
        return noContent();
      },
      doc: {
        summary: 'End the session of a refresh token',
        description: 'Idempotent: an unknown or already ended session is not an error.',
        tag,
        scope: 'public',
        body: refreshRequestSchema,
        responses: { 204: null },
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/logout-all',
      handler: async (event) => {
        const principal = await principalOf(event);
        const ended = await logoutAll(principal.sub, await authDeps());
        accessChanged(principal.sub);
        return json(200, ended);
      },
      doc: {
        summary: 'End every session of the signed-in user',
        description:
          'Revokes every refresh token of the user; the access tokens already issued (the one used here too) stop working within 5 seconds, and open live-update connections are closed.',
        tag,
        scope: 'self',
        responses: { 200: logoutAllResponse },
      },
    },
  ];
}
