import { unauthorized } from '../errors';
import { header, json, parseJson, readRawBody, type HttpEvent, type HttpResult } from '../http/http';
import { findActiveApiKey } from '../store/api-keys';
import type { IngestSettings } from '../store/integrations';
import type { TtlCache } from '../util/ttl-cache';
import { adapterFor } from './formats';
import { ingestDelivery, type IngestDeps } from './ingest';
import { verifyDeliverySignature } from './signature';
import { AppError } from '../errors';

export interface WebhookDeps extends IngestDeps {
  settings: TtlCache<IngestSettings>;
}

/**
 * `POST /v1/webhooks/{source}`: authenticate the tenant's API key (header `X-Api-Key`, or the
 * `api_key` query parameter for tools that cannot set headers), check the body's size and type, the
 * HMAC signature when the delivery is signed or the tenant requires it, then ingest. 202 when new
 * alerts were accepted, 200 with the original alert ids when every alert was a repeat.
 */
export async function handleWebhook(event: HttpEvent, deps: WebhookDeps): Promise<HttpResult> {
  const apiKey = header(event, 'x-api-key') ?? event.queryStringParameters?.api_key;
  if (!apiKey) throw unauthorized('Missing API key (X-Api-Key header or api_key query parameter)');
  const key = await findActiveApiKey(deps.table, apiKey, deps.now());
  if (!key) throw unauthorized('Unknown or revoked API key');

  const source = event.pathParameters?.source ?? '';
  if (!adapterFor(source)) throw new AppError(404, 'unknown_source', `Unknown webhook source '${source}'`);

  const raw = readRawBody(event);
  const settings = await deps.settings.get(key.tenantId);
  verifyDeliverySignature(
    { signature: header(event, 'x-signature'), timestamp: header(event, 'x-timestamp'), rawBody: raw },
    settings.hmac,
    deps.now(),
  );

  const result = await ingestDelivery(
    {
      tenantId: key.tenantId,
      source,
      body: parseJson(raw),
      rawBody: raw,
      deliveryId: header(event, 'x-delivery-id')?.trim() || undefined,
      rateLimit: settings.rateLimit,
    },
    deps,
  );
  return json(result.duplicate ? 200 : 202, { accepted: result.accepted });
}
