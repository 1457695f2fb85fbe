import type * as z from 'zod';
import { AccessCheck } from '../auth/access';
import { authorize, can, type Action } from '../auth/permissions';
import type { AccessClaims, KeySet } from '../auth/tokens';
import { badRequest } from '../errors';
import { header, type HttpEvent, type HttpResult } from '../http/http';
import { requirePrincipal } from './principal';
import type { Orchestrator } from '../domain/remediation/step-contract';
import { recordAudit, type AuditEntryInput } from '../store/audit';
import { listTenants } from '../store/tenants';
import type { TableRef } from '../store/table-ref';
import type { RemediationDeps } from '../remediation/service';
import { InventoryCache } from '../store/assets';
import { PolicyCache } from '../store/correlation-policy';

export interface ApiDeps {
  table: TableRef;
  keySet: () => Promise<KeySet>;
  now: () => Date;
  stage: string;
  /** The runbook state machine: starts executions and answers approval task tokens. */
  orchestrator: Orchestrator;
}

/**
 * The orchestrator of a function that starts no runbook (least privilege: it has no state machine): a route
 * that needs one fails loudly, naming where it belongs.
 */
export function noOrchestrator(functionName: string): Orchestrator {
  const unavailable = (): never => {
    throw new Error(
      `The ${functionName} function has no state machine: move the route to the api function (functions/catalog.ts HTTP_ROUTES)`,
    );
  };
  return { start: async () => unavailable(), succeedTask: async () => unavailable(), failTask: async () => unavailable() };
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  handler: (event: HttpEvent) => Promise<HttpResult>;
  /** What the OpenAPI document (lib/api/openapi.ts) says about the route, next to it. */
  doc: RouteDoc;
}

/**
 * How a route decides who may call it, as the route really does it:
 * - `public`: no token (health, sign-in, the OpenAPI document);
 * - `self`: any signed-in user, about their own account;
 * - `tenant`: one tenant named by the request (`?tenant=`, the path, or the body), or the caller's only
 *   tenant: a tenant the caller cannot see is a 404 (its existence is not revealed), an action the
 *   caller's role lacks there a 403;
 * - `msp`: about the MSP itself: anyone but an MSP admin gets 403;
 * - `visible`: a list of what the caller may see: other tenants' items are left out, never refused;
 * - `apiKey`: a tenant's webhook API key instead of a user (the webhook routes of the ingestion function).
 */
export type RouteScope = 'public' | 'self' | 'tenant' | 'msp' | 'visible' | 'apiKey';

export interface RouteDoc {
  summary: string;
  description?: string;
  /** The OpenAPI tag (the route group). */
  tag: string;
  scope: RouteScope;
  /** The permission (lib/auth/permissions.ts) the route checks, if any. */
  action?: Action;
  /** Path parameters, query parameters and body: the schemas the handler parses with (input side). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
  /** The answers of a request that succeeds, by status: the body's schema (output side), or null for none. */
  responses: Partial<Record<200 | 201 | 202 | 204, z.ZodType | null>>;
  /** Error answers beyond those the scope, parameters and body imply (400, 401, 403, 404, 413, 415), with when they happen. */
  errors?: Partial<Record<number, string>>;
  /** The audit entry a successful change appends: its action, and the log it goes to (the tenant's, the MSP's, or both). */
  audit?: { action: string; log: 'tenant' | 'msp' | 'both' };
}

/** What every route group gets: the dependencies and the request helpers built on them. */
export interface RouteContext {
  deps: ApiDeps;
  /**
   * What incident actions, approvals and runbook runs act with (correlation too: it is a CorrelateDeps),
   * one per function so its inventory and policy caches (a minute each) are shared by every route.
   */
  remediation: RemediationDeps;
  /** The signed-in user, or a 401 (also when the token no longer speaks for its user: lib/auth/access.ts). */
  principalOf(event: HttpEvent): Promise<AccessClaims>;
  /** After a user's access changed: this function stops trusting what it read of it (other warm ones within seconds). */
  accessChanged(userId: string): void;
  /** The tenants a list covers: the one asked for (if allowed) or every tenant the action is allowed on. */
  tenantsFor(principal: AccessClaims, action: Action, requested?: string): Promise<string[]>;
  /** The one tenant a request is about (the parameter, or the user's only tenant), authorized for the action. */
  singleTenant(principal: AccessClaims, action: Action, requested: string | undefined): string;
  /** Appends the audit entry of a mutation, with who did it and from where. */
  audit(event: HttpEvent, principal: AccessClaims, entry: Omit<AuditEntryInput, 'actor' | 'requestId' | 'sourceIp' | 'at'>): Promise<void>;
}

export function routeContext(deps: ApiDeps): RouteContext {
  const access = new AccessCheck(deps.table);
  // Plain functions, not methods: route groups destructure the context.
  const singleTenant: RouteContext['singleTenant'] = (principal, action, requested) => {
    const tenantId = requested ?? (principal.role !== 'msp_admin' && principal.tenants.length === 1 ? principal.tenants[0] : undefined);
    if (!tenantId) throw badRequest('Name the tenant with ?tenant=');
    authorize(principal, action, tenantId, 'Tenant');
    return tenantId;
  };
  const remediation: RemediationDeps = {
    table: deps.table,
    now: deps.now,
    inventory: new InventoryCache(deps.table),
    policies: new PolicyCache(deps.table),
    orchestrator: deps.orchestrator,
  };
  return {
    deps,
    remediation,
    principalOf: async (event) => requirePrincipal(event, await deps.keySet(), deps.now(), access),
    accessChanged: (userId) => access.forget(userId),
    async tenantsFor(principal, action, requested) {
      const all = principal.role === 'msp_admin' ? (await listTenants(deps.table)).map((tenant) => tenant.id) : principal.tenants;
      return (requested === undefined ? all : all.filter((tenantId) => tenantId === requested)).filter((tenantId) =>
        can(principal, action, tenantId),
      );
    },
    singleTenant,
    async audit(event, principal, entry) {
      await recordAudit(deps.table, {
        ...entry,
        at: deps.now().toISOString(),
        actor: { type: 'user', id: principal.sub, email: principal.email, role: principal.role },
        requestId: event.requestContext?.requestId,
        sourceIp: event.requestContext?.http?.sourceIp,
        userAgent: header(event, 'user-agent'),
      });
    },
  };
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor is only accepted for the partition it came from: it cannot be turned into another tenant's. */
export function decodeCursor(cursor: string | undefined, partition: string): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (key.pk === partition && typeof key.sk === 'string' && Object.keys(key).length === 2) return key;
  } catch {
    // fall through
  }
  throw badRequest('Invalid cursor');
}

export const noContent = (): HttpResult => ({ statusCode: 204 });
