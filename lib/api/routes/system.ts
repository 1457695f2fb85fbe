import { login, logout, logoutAll, refresh } from '../../auth/login';
import { loginRequestSchema, refreshRequestSchema } from '../../domain/session-requests';
import { json } from '../../http/http';
import { pingTable } from '../../store/table-ref';
import { noContent, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { healthResponse, logoutAllResponse, tokenPairResponse } from '../schemas';

const tag = 'system';

/** Health and authentication. */
export function systemRoutes(context: RouteContext): Route[] {
  const { deps, accessChanged } = context;
  const defineRoute = routeDefiner(context);
  const authDeps = async () => ({ table: deps.table, keySet: await deps.keySet(), now: deps.now });
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/health',
        summary: 'Health: the function runs and the table answers',
        tag,
        scope: 'public',
        responses: { 200: healthResponse },
      },
      async () => {
        const started = performance.now();
        await pingTable(deps.table);
        return json(200, {
          status: 'ok',
          stage: deps.stage,
          time: deps.now().toISOString(),
          checks: { table: { ok: true, latencyMs: Math.round(performance.now() - started) } },
        });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/auth/login',
        summary: 'Sign in with email and password',
        description:
          'Opens a session: a 15-minute access token and a refresh token. Five failures in a row lock the email for a while. With a `proofKey` (the dashboard sends one) the refresh token only works with a proof by that key.',
        tag,
        scope: 'public',
        body: loginRequestSchema,
        responses: { 200: tokenPairResponse },
        errors: { 401: 'Wrong email or password', 429: 'Too many failed sign-ins: locked for a while (see Retry-After)' },
      },
      async ({ body }) => json(200, await login(body, await authDeps())),
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/auth/refresh',
        summary: 'Exchange a refresh token for a new pair',
        description:
          "Each refresh token works once: a token presented twice signs out that whole session, as does one of a key-bound session presented without a valid `proof` (ES256 JWS by the session's key over `{ath: base64url(SHA-256(refreshToken)), act: 'refresh'}`).",
        tag,
        scope: 'public',
        body: refreshRequestSchema,
        responses: { 200: tokenPairResponse },
        errors: { 401: 'Invalid, expired or reused refresh token, or a missing or wrong proof' },
      },
      async ({ body }) => json(200, await refresh(body, await authDeps())),
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/auth/logout',
        summary: 'End the session of a refresh token',
        description:
          "Idempotent: an unknown or already ended session is not an error. A key-bound session needs a `proof` with `act: 'logout'`.",
        tag,
        scope: 'public',
        body: refreshRequestSchema,
        responses: { 204: null },
      },
      async ({ body }) => {
        await logout(body, await authDeps());
        return noContent();
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/auth/logout-all',
        summary: 'End every session of the signed-in user',
        description:
          'Revokes every refresh token of the user; the access tokens already issued (the one used here too) stop working within 5 seconds, and open live-update connections are closed.',
        tag,
        scope: 'self',
        responses: { 200: logoutAllResponse },
      },
      async ({ principal }) => {
        const ended = await logoutAll(principal.sub, await authDeps());
        accessChanged(principal.sub);
        return json(200, ended);
      },
    ),
  ];
}
