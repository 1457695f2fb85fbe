import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { login, loginRequestSchema, logout, logoutAll, refresh, refreshRequestSchema } from '../../auth/login';
import { json, parseBody } from '../../http/http';
import { noContent, type Route, type RouteContext } from '../context';

/** Health and authentication. */
export function systemRoutes({ deps, principalOf }: RouteContext): Route[] {
  const authDeps = async () => ({ table: deps.table, keySet: await deps.keySet(), now: deps.now });
  return [
    {
      method: 'GET',
      path: '/health',
      handler: async () => {
        const started = performance.now();
        // Any read proves the table answers; a missing item is fine.
        await deps.table.db.send(
          new GetItemCommand({ TableName: deps.table.tableName, Key: { pk: { S: 'MSP#HEALTH' }, sk: { S: 'HEALTH' } } }),
        );
        return json(200, {
          status: 'ok',
          stage: deps.stage,
          time: deps.now().toISOString(),
          checks: { table: { ok: true, latencyMs: Math.round(performance.now() - started) } },
        });
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/login',
      handler: async (event) => json(200, await login(parseBody(event, loginRequestSchema), await authDeps())),
    },
    {
      method: 'POST',
      path: '/v1/auth/refresh',
      handler: async (event) => json(200, await refresh(parseBody(event, refreshRequestSchema), await authDeps())),
    },
    {
      method: 'POST',
      path: '/v1/auth/logout',
      handler: async (event) => {
        await logout(parseBody(event, refreshRequestSchema), await authDeps());
        return noContent();
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/logout-all',
      handler: async (event) => {
        const principal = await principalOf(event);
        return json(200, await logoutAll(principal.sub, await authDeps()));
      },
    },
  ];
}
