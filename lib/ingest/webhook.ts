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

/** Every way a webhook may present the tenant's API key, as a 401 names them. */
const API_KEY_WAYS = 'X-Api-Key header, Authorization: Bearer <key>, or api_key query parameter';

/** The credentials of `Authorization: Bearer <credentials>`; undefined for any other header (Basic, a bare word...). */
export function bearerCredentials(authorization: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
}

/**
 * The API key a webhook presents: `X-Api-Key`, or `Authorization: Bearer <key>` (what Alertmanager's
 * `http_config.authorization` and Grafana's webhook contact point send, keeping the key out of their
 * status pages and URLs), or the `api_key` query parameter for tools that cannot set headers. Two
 * headers carrying different keys are refused rather than one picked: which one the sender meant is
 * unknowable, and silently preferring one hides a misconfiguration (or a key being smuggled past it).
 */
export function presentedApiKey(event: HttpEvent): string {
  const headerKey = header(event, 'x-api-key') || undefined;
  const bearerKey = bearerCredentials(header(event, 'authorization'));
  if (headerKey !== undefined && bearerKey !== undefined && headerKey !== bearerKey) {
    throw unauthorized('Ambiguous API key: X-Api-Key and Authorization: Bearer carry different keys (send one)');
  }
  const apiKey = headerKey ?? bearerKey ?? event.queryStringParameters?.api_key;
  if (!apiKey) throw unauthorized(`Missing API key (${API_KEY_WAYS})`);
  return apiKey;
}

/**
 * `POST /v1/webhooks/{source}`: authenticate the tenant's API key (`presentedApiKey`), check the body's
 * size and type and its signature (HMAC for tools that sign, covering the delivery id when there is
 * one; SNS's own signature for `cloudwatch`), then ingest.
 * 202 when new alerts were accepted, 200 with the original alert ids when every alert was a repeat.
 */
export async function handleWebhook(event: HttpEvent, deps: WebhookDeps): Promise<HttpResult> {
  const apiKey = presentedApiKey(event);
  const key = await deps.apiKeys.find(apiKey, deps.now());
  if (!key) throw unauthorized('Unknown or revoked API key');

  const source = event.pathParameters?.source ?? '';
  if (!adapterFor(source)) throw new AppError(404, 'unknown_source', `Unknown webhook source '${source}'`);

  const raw = readRawBody(event);
  // The same value is signed (when signed) and keyed on for idempotency.
  let deliveryId = header(event, 'x-delivery-id')?.trim() || undefined;
  const settings = await deps.settings.get(key.tenantId);
  let body: unknown;
  let adapter = adapterFor(source);
  if (source === CLOUDWATCH_SOURCE) {
    // SNS sets no X-Delivery-ID and its signature does not cover one: the signed MessageId is the key,
    // so a captured notification cannot be replayed as new alerts under made-up delivery ids.
    deliveryId = undefined;
    // SNS cannot sign with the tenant's HMAC secret: its own message signature authenticates it.
    const outcome = await snsDelivery(parseJson(raw), settings, deps);
    if (outcome.kind !== 'notification') return json(200, { sns: outcome });
    body = outcome.envelope;
    adapter = cloudWatchViaSnsAdapter;
  } else {
    verifyDeliverySignature(
      { signature: header(event, 'x-signature'), timestamp: header(event, 'x-timestamp'), deliveryId, rawBody: raw },
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
      deliveryId,
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
