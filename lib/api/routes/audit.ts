import * as z from 'zod';
import { authorize } from '../../auth/permissions';
import { json } from '../../http/http';
import { listAudit } from '../../store/audit';
import { keys } from '../../store/keys';
import { decodeCursor, encodeCursor, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { auditListResponse, tenantQuery } from '../schemas';

/** Any ISO 8601 instant, normalized to UTC so it compares with the log's sort keys. */
const instant = z.iso
  .datetime({ offset: true })
  .max(40)
  .transform((value) => new Date(value).toISOString());

const auditQuery = tenantQuery
  .extend({
    actor: z.string().min(1).max(128).optional(),
    action: z.string().min(1).max(64).optional(),
    from: instant.optional(),
    to: instant.optional(),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, { message: 'from must not be after to', path: ['from'] });

/**
 * The append-only audit log: read only (there is no route that changes or deletes an entry). A tenant's
 * log with `?tenant=`; without it, the MSP's own log for MSP admins (tenants, users), or the only
 * tenant of a company admin who has one.
 */
export function auditRoutes(context: RouteContext): Route[] {
  const { deps, singleTenant } = context;
  const defineRoute = routeDefiner(context);
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/audit',
        summary: 'The audit log, newest first',
        description:
          "A tenant's log with `?tenant=`; without it, the MSP's own log (tenants, users) for MSP admins, or the only tenant of a company admin who has one.",
        tag: 'audit',
        scope: 'tenant',
        action: 'audit.read',
        query: auditQuery,
        responses: { 200: auditListResponse },
      },
      async ({ principal, query: { tenant, actor, action, from, to, cursor, limit } }) => {
        // The MSP's own log has no tenant: resolved here rather than by the declaration.
        let tenantId: string | undefined;
        if (tenant === undefined && principal.role === 'msp_admin') authorize(principal, 'audit.read');
        else tenantId = singleTenant(principal, 'audit.read', tenant);
        const partition = tenantId ? keys.auditOf(tenantId).pk : keys.mspAudit().pk;
        const page = await listAudit(
          deps.table,
          tenantId,
          { actorId: actor, action, from, to },
          { limit, cursor: decodeCursor(cursor, partition) },
        );
        return json(200, { tenantId: tenantId ?? null, entries: page.entries, nextCursor: page.cursor ? encodeCursor(page.cursor) : null });
      },
    ),
  ];
}
