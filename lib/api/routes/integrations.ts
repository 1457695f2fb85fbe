import { json } from '../../http/http';
import { listApiKeys } from '../../store/api-keys';
import { getIngestSettings } from '../../store/integrations';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { integrationsResponse, tenantQuery } from '../schemas';
import { apiKeyRoutes, keyView } from './api-keys';
import { ingestSourceRoutes } from './ingest-sources';
import { INTEGRATIONS_TAG } from './integration-bodies';
import { apiBaseUrl, setupGuide } from './integration-setup';
import { hmacView, signingRoutes } from './signing';

/**
 * Integrations of one tenant (`?tenant=`): webhook API keys, the HMAC signing secret, the rate limit,
 * SNS topics and AWS accounts, and the per-tool setup guide with this deployment's URLs.
 *
 * Secrets (API keys, the signing secret) appear exactly once, in the answer of the request that
 * creates them; listings and audit entries never carry them. A warm ingestion function caches API
 * keys and ingestion settings for 30 s (ApiKeyCache, the settings TtlCache in functions/ingest-webhook),
 * so a revocation, a rotation's end or a signing change takes effect within 30 s.
 */

const tag = INTEGRATIONS_TAG;

/** The overview of a tenant's integrations, and (one file each) its API keys, signing and ingestion sources. */
export function integrationRoutes(context: RouteContext): Route[] {
  return [overviewRoute(context), ...apiKeyRoutes(context), ...signingRoutes(context), ...ingestSourceRoutes(context)];
}

function overviewRoute(context: RouteContext): Route {
  const { deps } = context;
  return routeDefiner(context)(
    {
      method: 'GET',
      path: '/v1/integrations',
      summary: "A tenant's integrations and the per-tool setup guide",
      description:
        "API keys (never their secrets), signing status, rate limit, SNS topics, AWS accounts, and the setup guide with this deployment's webhook URLs.",
      tag,
      scope: 'tenant',
      action: 'integration.read',
      query: tenantQuery,
      tenant: EXISTING_QUERY_TENANT,
      responses: { 200: integrationsResponse },
    },
    async ({ event, tenantId }) => {
      const now = deps.now();
      const [apiKeys, settings] = await Promise.all([listApiKeys(deps.table, tenantId), getIngestSettings(deps.table, tenantId)]);
      const base = apiBaseUrl(event);
      return json(200, {
        tenantId,
        apiBaseUrl: base,
        apiKeys: apiKeys.map((record) => keyView(record, now)),
        hmac: hmacView(settings.hmac, now),
        rateLimit: settings.rateLimit,
        snsTopicArns: settings.snsTopicArns,
        awsAccountIds: settings.awsAccountIds,
        signing: {
          headers: ['X-Timestamp', 'X-Delivery-ID', 'X-Signature'],
          signature:
            'sha256=<hex HMAC-SHA256(secret, timestamp + "." + deliveryId + "." + raw body)> (timestamp + "." + raw body when no X-Delivery-ID is sent), timestamp within 5 minutes',
        },
        setup: setupGuide(base, settings),
        cacheNote: 'Ingestion caches keys and settings for up to 30 s: revocations and signing changes take effect within 30 s.',
      });
    },
  );
}
