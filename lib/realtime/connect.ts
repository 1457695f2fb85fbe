import type { AccessCheck } from '../auth/access';
import type { KeySet } from '../auth/tokens';
import { InvalidTokenError, verifyAccessToken } from '../auth/tokens';
import { seesClientView } from '../domain/client-view';
import { saveConnection } from '../store/connections';
import type { TableRef } from '../store/table-ref';

/**
 * `$connect`: browsers cannot set headers on a WebSocket, so the access token comes in the query
 * string (`?token=`). A missing or invalid token refuses the connection (401), and so does one that no
 * longer speaks for its user (deleted, or their access changed since it was made).
 */
export async function acceptConnection(
  input: { connectionId: string; token: string | undefined },
  deps: { table: TableRef; keySet: KeySet; now: Date; access: AccessCheck },
): Promise<{ statusCode: number }> {
  if (!input.token) return { statusCode: 401 };
  try {
    const claims = await verifyAccessToken(input.token, deps.keySet, deps.now);
    if (!(await deps.access.isCurrent(claims))) return { statusCode: 401 };
    await saveConnection(
      deps.table,
      {
        connectionId: input.connectionId,
        userId: claims.sub,
        authVersion: claims.ver,
        role: claims.role,
        // A client's viewer is subscribed to nothing: the live events carry incidents, alerts and executions
        // unredacted (lib/domain/client-view.ts is the API's), so their portal reads the API instead. The
        // connection is still accepted, and closed like any other when their access changes.
        tenantIds: seesClientView(claims.role) ? [] : claims.tenants,
        allTenants: claims.role === 'msp_admin',
        connectedAt: deps.now.toISOString(),
      },
      deps.now,
    );
    return { statusCode: 200 };
  } catch (error) {
    if (error instanceof InvalidTokenError) return { statusCode: 401 };
    throw error;
  }
}
