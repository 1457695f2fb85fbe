import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { login, loginRequestSchema, logout, logoutAll, refresh, refreshRequestSchema } from '../auth/login';
import type { AccessClaims, KeySet } from '../auth/tokens';
import { authorize, can, type Action } from '../auth/permissions';
import { INCIDENT_STATUSES, type Incident } from '../domain/incident';
import { badRequest, notFound } from '../errors';
import { ALERT_STATUSES, SEVERITIES } from '../domain/alert';
import { listAlerts, listUnresolvedAssetRefs } from '../store/alerts';
import { keys } from '../store/keys';
import { json, parseBody, type HttpEvent, type HttpResult } from '../http/http';
import { requirePrincipal } from '../http/principal';
import { getIncidentDetail, listIncidents } from '../store/incidents';
import { listTenants } from '../store/tenants';
import type { TableRef } from '../store/table-ref';

export interface ApiDeps {
  table: TableRef;
  keySet: () => Promise<KeySet>;
  now: () => Date;
  stage: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  handler: (event: HttpEvent) => Promise<HttpResult>;
}

const alertListQuery = z.object({
  tenant: z.string().optional(),
  status: z.enum(ALERT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  source: z.string().max(64).optional(),
  assetId: z.string().max(128).optional(),
  deliveryId: z.string().max(1024).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const incidentListQuery = z.object({
  tenant: z.string().optional(),
  status: z.enum(INCIDENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The operator API's routes; each one a few lines over lib/. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const principalOf = async (event: HttpEvent) => requirePrincipal(event, await deps.keySet(), deps.now());
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
      handler: async (event) =>
        json(200, await login(parseBody(event, loginRequestSchema), { table: deps.table, keySet: await deps.keySet(), now: deps.now })),
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
        return { statusCode: 204 };
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
    {
      method: 'GET',
      path: '/v1/incidents',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = incidentListQuery.parse(event.queryStringParameters ?? {});
        const tenantIds = await tenantsFor(principal, 'incident.read', query.tenant);
        const perTenant = await Promise.all(
          tenantIds.map((tenantId) => listIncidents(deps.table, tenantId, { status: query.status, limit: query.limit })),
        );
        const incidents = perTenant.flat().sort(byNewest).slice(0, query.limit);
        return json(200, { incidents });
      },
    },
    {
      method: 'GET',
      path: '/v1/alerts',
      handler: async (event) => {
        const principal = await principalOf(event);
        const query = alertListQuery.parse(event.queryStringParameters ?? {});
        const tenantId = singleTenant(principal, 'alert.read', query.tenant);
        const cursor = decodeCursor(query.cursor, keys.alertsOf(tenantId).pk);
        const page = await listAlerts(
          deps.table,
          tenantId,
          {
            status: query.status,
            severity: query.severity,
            source: query.source,
            assetId: query.assetId,
            deliveryId: query.deliveryId,
            since: query.since ? new Date(query.since) : undefined,
          },
          { limit: query.limit, cursor },
        );
        return json(200, { alerts: page.alerts, nextCursor: page.cursor ? encodeCursor(page.cursor) : null });
      },
    },
    {
      method: 'GET',
      path: '/v1/assets/unresolved',
      handler: async (event) => {
        const principal = await principalOf(event);
        const { tenant } = z.object({ tenant: z.string().optional() }).parse(event.queryStringParameters ?? {});
        return json(200, { unresolved: await listUnresolvedAssetRefs(deps.table, singleTenant(principal, 'asset.read', tenant)) });
      },
    },
    {
      method: 'GET',
      path: '/v1/incidents/{id}',
      handler: async (event) => {
        const principal = await principalOf(event);
        const { tenant } = z.object({ tenant: z.string().min(1) }).parse(event.queryStringParameters ?? {});
        authorize(principal, 'incident.read', tenant, 'Incident');
        const detail = await getIncidentDetail(deps.table, tenant, event.pathParameters?.id ?? '');
        if (!detail) throw notFound('Incident');
        return json(200, detail);
      },
    },
  ];

  /** The tenants a list covers: the one asked for (if allowed) or every tenant the action is allowed on. */
  async function tenantsFor(principal: AccessClaims, action: Action, requested?: string): Promise<string[]> {
    const all = principal.role === 'msp_admin' ? (await listTenants(deps.table)).map((tenant) => tenant.id) : principal.tenants;
    return (requested === undefined ? all : all.filter((tenantId) => tenantId === requested)).filter((tenantId) =>
      can(principal, action, tenantId),
    );
  }
}

/**
 * The one tenant a tenant-scoped request is about: the `tenant` parameter, or the user's only tenant.
 * A tenant the user may not see is reported as not found, never as forbidden.
 */
function singleTenant(principal: AccessClaims, action: Action, requested: string | undefined): string {
  const tenantId = requested ?? (principal.role !== 'msp_admin' && principal.tenants.length === 1 ? principal.tenants[0] : undefined);
  if (!tenantId) throw badRequest('Name the tenant with ?tenant=');
  authorize(principal, action, tenantId, 'Tenant');
  return tenantId;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor is only accepted for the partition it came from: it cannot be turned into another tenant's. */
function decodeCursor(cursor: string | undefined, partition: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key.pk === partition && typeof key.sk === 'string' && Object.keys(key).length === 2) return key;
  } catch {
    // fall through
  }
  throw badRequest('Invalid cursor');
}

function byNewest(a: Incident, b: Incident): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
