import { listApiKeys, revokeApiKey } from '../../store/api-keys';
import * as z from 'zod';
import { can } from '../../auth/permissions';
import type { AccessClaims } from '../../auth/tokens';
import { conflict, notFound } from '../../errors';
import { json } from '../../http/http';
import { TENANT_ID_PATTERN } from '../../domain/tenant';
import {
  createTenant,
  deleteTenant,
  getTenantRecord,
  listTenants,
  updateTenant,
  type TenantRecord,
  type TenantSettings,
} from '../../store/tenants';
import { noContent, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { tenantListResponse, tenantPathParams, tenantResponse } from '../schemas';

/**
 * Tenants (the MSP's client companies). MSP admins create and delete them; whoever may see a tenant
 * reads it; MSP and company admins change its name and settings.
 *
 * Audit: creations and deletions are MSP-level changes and go to the MSP's log; a change of name or
 * settings goes to the tenant's own log, where its company admins can read it.
 *
 * DELETE removes the tenant item and revokes its API keys: the tenant disappears from the directory
 * and from every listing, every route answers 404 for it, and its webhooks stop being accepted. Its
 * assets, alerts, incidents and audit log are kept (nothing else is cascaded).
 */

const settingsSchema = z.strictObject({
  criticalAutoRemediation: z.boolean().optional(),
});

const nameSchema = z.string().trim().min(1).max(128);

const createBody = z.strictObject({
  id: z.string().max(64).regex(TENANT_ID_PATTERN, 'a slug: letters, digits, "_", "." or "-", at most 64, starting with a letter or digit'),
  name: nameSchema,
  settings: settingsSchema.default({}),
});

const patchBody = z
  .strictObject({ name: nameSchema.optional(), settings: settingsSchema.optional() })
  .refine((body) => body.name !== undefined || body.settings !== undefined, 'nothing to change');

const tag = 'tenants';

/** How many times a PATCH re-reads and re-applies itself when the tenant changed meanwhile. */
const UPDATE_ATTEMPTS = 3;

export interface TenantView {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  settings: Required<TenantSettings>;
}

export function tenantView(tenant: TenantRecord): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt ?? tenant.createdAt,
    settings: { criticalAutoRemediation: tenant.settings?.criticalAutoRemediation ?? false },
  };
}

export function tenantRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  async function visibleTenants(principal: AccessClaims): Promise<TenantRecord[]> {
    if (principal.role === 'msp_admin') return listTenants(deps.table);
    const ids = principal.tenants.filter((tenantId) => can(principal, 'tenant.read', tenantId));
    const tenants = await Promise.all(ids.map((tenantId) => getTenantRecord(deps.table, tenantId)));
    return tenants
      .filter((tenant): tenant is TenantRecord => tenant !== undefined)
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id.localeCompare(b.id));
  }

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/tenants',
        summary: 'The tenants the caller may see',
        tag,
        scope: 'visible',
        action: 'tenant.read',
        responses: { 200: tenantListResponse },
      },
      async ({ principal }) => {
        return json(200, { tenants: (await visibleTenants(principal)).map(tenantView) });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/tenants',
        summary: 'Create a tenant',
        tag,
        scope: 'msp',
        action: 'tenant.create',
        body: createBody,
        responses: { 201: tenantResponse },
        errors: { 409: 'A tenant with this id exists' },
        audit: { action: 'tenant.create', log: 'msp' },
      },
      async ({ body, audit }) => {
        const now = deps.now().toISOString();
        const tenant = await createTenant(deps.table, {
          id: body.id,
          name: body.name,
          createdAt: now,
          updatedAt: now,
          settings: body.settings,
        });
        const view = tenantView(tenant);
        await audit({
          resource: { type: 'tenant', id: tenant.id },
          summary: { after: { name: view.name, settings: view.settings } },
        });
        return json(201, view);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/tenants/{id}',
        summary: 'One tenant',
        tag,
        scope: 'tenant',
        action: 'tenant.read',
        params: tenantPathParams,
        tenant: { from: 'path' },
        responses: { 200: tenantResponse },
      },
      async ({ tenantId }) => {
        const tenant = await getTenantRecord(deps.table, tenantId);
        if (!tenant) throw notFound('Tenant');
        return json(200, tenantView(tenant));
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        path: '/v1/tenants/{id}',
        summary: "Change a tenant's name or settings",
        description: 'A change that changes nothing is not written (nor audited).',
        tag,
        scope: 'tenant',
        action: 'tenant.update',
        params: tenantPathParams,
        tenant: { from: 'path' },
        body: patchBody,
        responses: { 200: tenantResponse },
        errors: { 409: 'The tenant kept changing meanwhile: reload and retry' },
        audit: { action: 'tenant.update', log: 'tenant' },
      },
      async ({ tenantId, body: patch, audit }) => {
        for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
          const current = await getTenantRecord(deps.table, tenantId);
          if (!current) throw notFound('Tenant');
          const before = tenantView(current);
          const name = patch.name !== undefined && patch.name !== before.name ? patch.name : undefined;
          const settings = patch.settings ? { ...before.settings, ...stripUndefined(patch.settings) } : undefined;
          const settingsChanged = settings !== undefined && JSON.stringify(settings) !== JSON.stringify(before.settings);
          if (name === undefined && !settingsChanged) return json(200, before); // nothing changes: no write, no audit entry
          const updated = await updateTenant(
            deps.table,
            tenantId,
            { name, settings: settingsChanged ? settings : undefined },
            current.version ?? 0,
            deps.now(),
          );
          if (!updated) continue; // changed or deleted meanwhile: read again
          const after = tenantView(updated);
          await audit({
            tenantId,
            resource: { type: 'tenant', id: tenantId },
            summary: {
              before: { ...(name !== undefined ? { name: before.name } : {}), ...(settingsChanged ? { settings: before.settings } : {}) },
              after: { ...(name !== undefined ? { name: after.name } : {}), ...(settingsChanged ? { settings: after.settings } : {}) },
            },
          });
          return json(200, after);
        }
        throw conflict('The tenant keeps changing: reload and retry');
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/v1/tenants/{id}',
        summary: 'Delete a tenant',
        description:
          'The tenant disappears from every listing and route, and its API keys are revoked; its assets, alerts, incidents and audit log are kept.',
        tag,
        scope: 'tenant',
        action: 'tenant.delete',
        params: tenantPathParams,
        tenant: { from: 'path' },
        responses: { 204: null },
        audit: { action: 'tenant.delete', log: 'msp' },
      },
      async ({ tenantId, audit }) => {
        const deleted = await deleteTenant(deps.table, tenantId);
        if (!deleted) throw notFound('Tenant');
        // A deleted company sends no more alerts: its webhook keys stop working (within the 30 s key cache).
        const revoked: string[] = [];
        for (const key of (await listApiKeys(deps.table, tenantId)).filter((candidate) => !candidate.revokedAt)) {
          if (await revokeApiKey(deps.table, tenantId, key.keyId, deps.now())) revoked.push(key.keyId);
        }
        const view = tenantView(deleted);
        await audit({
          resource: { type: 'tenant', id: tenantId },
          summary: { before: { name: view.name, settings: view.settings }, after: { revokedApiKeys: revoked } },
        });
        return noContent();
      },
    ),
  ];
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
