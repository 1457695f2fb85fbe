import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { conflict } from '../../errors';
import { json } from '../../http/http';
import { getIngestSettings, putHmacSettings, rotateHmacSecret, type HmacSettings } from '../../store/integrations';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { hmacResponse, hmacRotatedResponse, tenantQuery } from '../schemas';
import { INTEGRATIONS_TAG, overlapBody } from './integration-bodies';

/** A tenant's webhook signing: the HMAC secret (rotated with an overlap) and whether deliveries must be signed. */

const tag = INTEGRATIONS_TAG;
const hmacBody = z.strictObject({ required: z.boolean() });

export /** What may be said about the signing settings: never the secrets. */
function hmacView(hmac: HmacSettings | undefined, now: Date) {
  const previousValid = Boolean(hmac?.previousExpiresAt && Date.parse(hmac.previousExpiresAt) > now.getTime());
  return {
    configured: Boolean(hmac?.secret),
    required: Boolean(hmac?.required),
    previousSecretExpiresAt: previousValid ? (hmac?.previousExpiresAt ?? null) : null,
  };
}

export function signingRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);

  return [
    defineRoute(
      {
        method: 'POST',
        path: '/v1/integrations/hmac/rotate',
        summary: 'Create or rotate the webhook signing secret',
        description: 'The secret is in this answer only; the previous one stays valid for `overlapSeconds` (default a day).',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: overlapBody,
        bodyOptional: true,
        responses: { 201: hmacRotatedResponse },
        audit: { action: 'hmac.rotate', log: 'tenant' },
      },
      async ({ tenantId, body, audit }) => {
        const { overlapSeconds } = body;
        const now = deps.now();
        const before = hmacView((await getIngestSettings(deps.table, tenantId)).hmac, now);
        const secret = randomBytes(32).toString('hex');
        await rotateHmacSecret(deps.table, tenantId, secret, overlapSeconds, now);
        const after = hmacView((await getIngestSettings(deps.table, tenantId)).hmac, now);
        await audit({
          tenantId,
          resource: { type: 'hmacSecret', id: tenantId },
          summary: { before, after },
        });
        return json(201, { secret, ...after });
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        path: '/v1/integrations/hmac',
        summary: 'Require signed webhook deliveries, or stop requiring them',
        description: 'Setting what is already set changes nothing.',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: hmacBody,
        responses: { 200: hmacResponse },
        errors: { 409: 'No signing secret yet: rotate one first' },
        audit: { action: 'hmac.update', log: 'tenant' },
      },
      async ({ tenantId, body, audit }) => {
        const { required } = body;
        const now = deps.now();
        const { hmac } = await getIngestSettings(deps.table, tenantId);
        if (!hmac?.secret) throw conflict('No signing secret yet: rotate one first (POST /v1/integrations/hmac/rotate)');
        const before = hmacView(hmac, now);
        await putHmacSettings(deps.table, tenantId, { ...hmac, required });
        const after = { ...before, required };
        if (before.required !== required)
          await audit({
            tenantId,
            resource: { type: 'hmacSecret', id: tenantId },
            summary: { before, after },
          });
        return json(200, after);
      },
    ),
  ];
}
