import type { IngestDeps, IngestResult } from './ingest';
import { ingestDelivery } from './ingest';
import { findActiveApiKey } from '../store/api-keys';
import { unauthorized } from '../errors';
import { header, json, readJsonBody, type HttpEvent, type HttpResult } from '../http/http';

/**
 * `POST /v1/webhooks/{source}`: authenticate the tenant's API key (header `X-Api-Key`, or the
 * `api_key` query parameter for tools that cannot set headers), then ingest. 202 for new alerts,
 * 200 with the original alert ids for a repeat of a delivery already accepted.
 */
export async function handleWebhook(event: HttpEvent, deps: IngestDeps): Promise<HttpResult> {
  const apiKey = header(event, 'x-api-key') ?? event.queryStringParameters?.api_key;
  if (!apiKey) throw unauthorized('Missing API key (X-Api-Key header or api_key query parameter)');
  const key = await findActiveApiKey(deps.table, apiKey, deps.now());
  if (!key) throw unauthorized('Unknown or revoked API key');

  const { raw, body } = readJsonBody(event);
  const result: IngestResult = await ingestDelivery(
    {
      tenantId: key.tenantId,
      source: event.pathParameters?.source ?? '',
      body,
      rawBody: raw,
      deliveryId: header(event, 'x-delivery-id')?.trim() || undefined,
    },
    deps,
  );
  return json(result.duplicate ? 200 : 202, { accepted: result.accepted });
}
