import * as z from 'zod';
import { AppError, unauthorized } from '../errors';
import { correlationIdOf, header, json, parseJson, readRawBody, zodDetails, type HttpEvent, type HttpResult } from '../http/http';
import type { ApiKeyCache } from '../store/api-keys';
import type { IngestSettings } from '../store/integrations';
import type { TtlCache } from '../util/ttl-cache';
import { CLOUDWATCH_SOURCE, cloudWatchViaSnsAdapter } from './cloudwatch';
import { adapterFor } from './formats';
import { ingestDelivery, type IngestDeps } from './ingest';
import { verifyDeliverySignature } from './signature';
import { handleSnsDelivery, type SnsVerifyDeps } from './sns';

export interface WebhookDeps extends IngestDeps {
  apiKeys: ApiKeyCache;
  settings: TtlCache<IngestSettings>;
  sns: SnsVerifyDeps & {
    /** False only by the explicit AW_SNS_VERIFY=off setting (local mode, replay), never by default. */
    verify: boolean;
    confirmSubscription: (subscribeUrl: string) => Promise<void>;
  };
}

/**
 * `POST /v1/webhooks/{source}`: authenticate the tenant's API key (header `X-Api-Key`, or the
 * `api_key` query parameter for tools that cannot set headers), check the body's size and type and
 * its signature (HMAC for tools that sign, SNS's own signature for `cloudwatch`), then ingest.
 * 202 when new alerts were accepted, 200 with the original alert ids when every alert was a repeat.
 */
export async function handleWebhook(event: HttpEvent, deps: WebhookDeps): Promise<HttpResult> {
  const apiKey = header(event, 'x-api-key') ?? event.queryStringParameters?.api_key;
  if (!apiKey) throw unauthorized('Missing API key (X-Api-Key header or api_key query parameter)');
  const key = await deps.apiKeys.find(apiKey, deps.now());
  if (!key) throw unauthorized('Unknown or revoked API key');

  const source = event.pathParameters?.source ?? '';
  if (!adapterFor(source)) throw new AppError(404, 'unknown_source', `Unknown webhook source '${source}'`);

  const raw = readRawBody(event);
  const settings = await deps.settings.get(key.tenantId);
  let body: unknown;
  let adapter = adapterFor(source);
  if (source === CLOUDWATCH_SOURCE) {
    // SNS cannot sign with the tenant's HMAC secret: its own message signature authenticates it.
    const outcome = await snsDelivery(parseJson(raw), settings, deps);
    if (outcome.kind !== 'notification') return json(200, { sns: outcome });
    body = outcome.envelope;
    adapter = cloudWatchViaSnsAdapter;
  } else {
    verifyDeliverySignature(
      { signature: header(event, 'x-signature'), timestamp: header(event, 'x-timestamp'), rawBody: raw },
      settings.hmac,
      deps.now(),
    );
    body = parseJson(raw);
  }

  const result = await ingestDelivery(
    {
      tenantId: key.tenantId,
      source,
      body,
      rawBody: raw,
      deliveryId: header(event, 'x-delivery-id')?.trim() || undefined,
      correlationId: correlationIdOf(event),
      rateLimit: settings.rateLimit,
      adapter,
    },
    deps,
  );
  return json(result.duplicate ? 200 : 202, { accepted: result.accepted });
}

async function snsDelivery(body: unknown, settings: IngestSettings, deps: WebhookDeps) {
  let outcome;
  try {
    outcome = await handleSnsDelivery(body, { ...deps.sns, registeredTopicArns: settings.snsTopicArns });
  } catch (error) {
    if (error instanceof z.ZodError) throw new AppError(422, 'invalid_payload', 'Not an SNS message', zodDetails(error));
    throw error;
  }
  // Only topics the tenant registered may deliver (the AWS guidance: reject unexpected topics).
  if (outcome.kind === 'notification' && !settings.snsTopicArns.includes(outcome.envelope.TopicArn)) {
    throw new AppError(403, 'topic_not_registered', `SNS topic ${outcome.envelope.TopicArn} is not registered for this tenant`);
  }
  return outcome;
}
