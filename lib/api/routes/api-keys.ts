import * as z from 'zod';
import type { AccessClaims } from '../../auth/tokens';
import { notFound } from '../../errors';
import { json } from '../../http/http';
import { createApiKey, isActive, revokeApiKey, rotateApiKey, type ApiKeyRecord, type KeyCreator } from '../../store/api-keys';
import { noContent, type Route, type RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { apiKeyCreatedResponse, apiKeyRotatedResponse, tenantQuery } from '../schemas';
import { INTEGRATIONS_TAG, overlapBody } from './integration-bodies';

/**
 * A tenant's webhook API keys: created, rotated (the old one working on for an overlap) and revoked.
 * A key appears exactly once, in the answer of the request that creates it; it is stored as a hash.
 */

const tag = INTEGRATIONS_TAG;
/** Creating a key takes no fields (the body may be left out). */
const emptyBody = z.strictObject({});
const keyIdParam = z
  .string()
  .max(26)
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not a key id');
const keyPathParams = z.object({ keyId: keyIdParam });

export function keyView(record: ApiKeyRecord, now: Date) {
  const { keyId, prefix, createdAt, expiresAt, revokedAt, createdBy } = record;
  const status = revokedAt ? 'revoked' : !isActive(record, now) ? 'expired' : expiresAt ? 'expiring' : 'active';
  return { keyId, prefix, createdAt, createdBy: createdBy ?? null, expiresAt: expiresAt ?? null, revokedAt: revokedAt ?? null, status };
}

/** The signed-in user as the creator a key records. */
function creatorOf(principal: AccessClaims): KeyCreator {
  return { userId: principal.sub, email: principal.email };
}

export function apiKeyRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);

  return [
    defineRoute(
      {
        method: 'POST',
        path: '/v1/integrations/api-keys',
        summary: 'Create a webhook API key',
        description: 'The key is in this answer only: it is stored as a hash.',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: emptyBody,
        bodyOptional: true,
        responses: { 201: apiKeyCreatedResponse },
        audit: { action: 'apikey.create', log: 'tenant' },
      },
      async ({ principal, tenantId, audit }) => {
        const { apiKey, record } = await createApiKey(deps.table, tenantId, deps.now(), { createdBy: creatorOf(principal) });
        await audit({
          tenantId,
          resource: { type: 'apiKey', id: record.keyId },
          summary: { after: keyView(record, deps.now()) },
        });
        return json(201, { apiKey, keyId: record.keyId, prefix: record.prefix, createdAt: record.createdAt });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/integrations/api-keys/{keyId}/rotate',
        summary: 'Rotate a webhook API key',
        description: 'A new key (in this answer only); the old one keeps working for `overlapSeconds` (default a day, at most 30 days).',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        params: keyPathParams,
        malformedPathIs404: 'API key',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: overlapBody,
        bodyOptional: true,
        responses: { 201: apiKeyRotatedResponse },
        errors: { 409: 'The key is revoked or expired' },
        audit: { action: 'apikey.rotate', log: 'tenant' },
      },
      async ({ principal, tenantId, params, body, audit }) => {
        const { keyId } = params;
        const { overlapSeconds } = body;
        const now = deps.now();
        const rotated = await rotateApiKey(deps.table, tenantId, keyId, overlapSeconds, now, creatorOf(principal));
        if (!rotated) throw notFound('API key');
        await audit({
          tenantId,
          resource: { type: 'apiKey', id: keyId },
          summary: {
            before: keyView(rotated.previous.before, now),
            after: { previous: keyView(rotated.previous.after, now), new: keyView(rotated.record, now), overlapSeconds },
          },
        });
        return json(201, {
          apiKey: rotated.apiKey,
          keyId: rotated.record.keyId,
          prefix: rotated.record.prefix,
          createdAt: rotated.record.createdAt,
          previous: { keyId, expiresAt: rotated.previous.after.expiresAt ?? null },
        });
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/v1/integrations/api-keys/{keyId}',
        summary: 'Revoke a webhook API key',
        description: 'Ingestion stops accepting it within 30 s. Revoking a revoked key changes nothing.',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        params: keyPathParams,
        malformedPathIs404: 'API key',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 204: null },
        audit: { action: 'apikey.revoke', log: 'tenant' },
      },
      async ({ tenantId, params, audit }) => {
        const { keyId } = params;
        const now = deps.now();
        const revoked = await revokeApiKey(deps.table, tenantId, keyId, now);
        if (!revoked) throw notFound('API key');
        if (!revoked.before.revokedAt) {
          await audit({
            tenantId,
            resource: { type: 'apiKey', id: keyId },
            summary: { before: keyView(revoked.before, now), after: keyView(revoked.after, now) },
          });
        }
        return noContent();
      },
    ),
  ];
}
