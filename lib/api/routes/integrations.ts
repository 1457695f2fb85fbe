import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { AccessClaims } from '../../auth/tokens';
import type { Action } from '../../auth/permissions';
import { conflict, notFound } from '../../errors';
import { header, json, parseBody, rawBody, type HttpEvent } from '../../http/http';
import { DATADOG_PAYLOAD_TEMPLATE } from '../../ingest/datadog';
import { ZABBIX_WEBHOOK_PARAMETERS, ZABBIX_WEBHOOK_SCRIPT } from '../../ingest/zabbix';
import { createApiKey, isActive, listApiKeys, revokeApiKey, rotateApiKey, type ApiKeyRecord, type KeyCreator } from '../../store/api-keys';
import {
  getIngestSettings,
  putHmacSettings,
  putRateLimit,
  registerAwsAccount,
  registerSnsTopic,
  rotateHmacSecret,
  type HmacSettings,
} from '../../store/integrations';
import { getTenant } from '../../store/tenants';
import { isConditionFailure } from '../../store/transact';
import { noContent, type Route, type RouteContext } from '../context';
import {
  apiKeyCreatedResponse,
  apiKeyRotatedResponse,
  awsAccountResponse,
  hmacResponse,
  hmacRotatedResponse,
  integrationsResponse,
  rateLimitResponse,
  snsTopicResponse,
  tenantQuery,
} from '../schemas';

/**
 * Integrations of one tenant (`?tenant=`): webhook API keys, the HMAC signing secret, the rate limit,
 * SNS topics and AWS accounts, and the per-tool setup guide with this deployment's URLs.
 *
 * Secrets (API keys, the signing secret) appear exactly once, in the answer of the request that
 * creates them; listings and audit entries never carry them. A warm ingestion function caches API
 * keys and ingestion settings for 30 s (ApiKeyCache, the settings TtlCache in functions/ingest-webhook),
 * so a revocation, a rotation's end or a signing change takes effect within 30 s.
 */

const MAX_OVERLAP_SECONDS = 30 * 24 * 3600;
const KEY_PLACEHOLDER = '<your key>';

/** Creating a key takes no fields (the body may be left out). */
const emptyBody = z.strictObject({});
const overlapBody = z.strictObject({ overlapSeconds: z.number().int().min(0).max(MAX_OVERLAP_SECONDS).default(86_400) });
const hmacBody = z.strictObject({ required: z.boolean() });
const rateLimitBody = z
  .strictObject({ perMinute: z.number().int().min(1).max(100_000), burst: z.number().int().min(1).max(10_000) })
  .refine((limit) => limit.burst <= limit.perMinute * 60, { message: 'burst is larger than an hour of the limit', path: ['burst'] });
/** arn:<partition>:sns:<region>:<12-digit account>:<topic name> (standard or FIFO). */
const SNS_TOPIC_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z])?:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;
const snsTopicBody = z.strictObject({ topicArn: z.string().max(512).regex(SNS_TOPIC_ARN, 'not an SNS topic ARN') });
const awsAccountBody = z.strictObject({
  accountId: z
    .string()
    .max(12)
    .regex(/^\d{12}$/, 'an AWS account id is 12 digits'),
});
const keyIdParam = z
  .string()
  .max(26)
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not a key id');
const keyPathParams = z.object({ keyId: keyIdParam });
const tag = 'integrations';

/** A body whose fields all have defaults may be left out entirely. */
function optionalBody<S extends z.ZodType>(event: HttpEvent, schema: S): z.output<S> {
  return rawBody(event).trim() === '' ? schema.parse({}) : parseBody(event, schema);
}

function keyView(record: ApiKeyRecord, now: Date) {
  const { keyId, prefix, createdAt, expiresAt, revokedAt, createdBy } = record;
  const status = revokedAt ? 'revoked' : !isActive(record, now) ? 'expired' : expiresAt ? 'expiring' : 'active';
  return { keyId, prefix, createdAt, createdBy: createdBy ?? null, expiresAt: expiresAt ?? null, revokedAt: revokedAt ?? null, status };
}

/** The signed-in user as the creator a key records. */
function creatorOf(principal: AccessClaims): KeyCreator {
  return { userId: principal.sub, email: principal.email };
}

/** What may be said about the signing settings: never the secrets. */
function hmacView(hmac: HmacSettings | undefined, now: Date) {
  const previousValid = Boolean(hmac?.previousExpiresAt && Date.parse(hmac.previousExpiresAt) > now.getTime());
  return {
    configured: Boolean(hmac?.secret),
    required: Boolean(hmac?.required),
    previousSecretExpiresAt: previousValid ? (hmac?.previousExpiresAt ?? null) : null,
  };
}

/**
 * The API's base URL as the caller reached it: `x-forwarded-proto` (or https, http for loopback) and
 * the Host header (API Gateway's domain, or the local gateway's host and port).
 */
export function apiBaseUrl(event: HttpEvent): string {
  const hostHeader = header(event, 'host');
  const host =
    hostHeader && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(hostHeader) ? hostHeader : event.requestContext.domainName;
  const forwarded = header(event, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const loopback = /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?$/.test(host);
  const proto = forwarded === 'http' || forwarded === 'https' ? forwarded : loopback ? 'http' : 'https';
  return `${proto}://${host}`;
}

/** The per-tool setup guide (docs/integrations.md), with this deployment's webhook URLs filled in. */
function setupGuide(base: string, settings: { snsTopicArns: string[]; awsAccountIds: string[] }) {
  const url = (source: string, withKey = false) => `${base}/v1/webhooks/${source}${withKey ? `?api_key=${KEY_PLACEHOLDER}` : ''}`;
  const keyHeader = { 'X-Api-Key': KEY_PLACEHOLDER };
  return [
    {
      source: 'generic',
      tool: 'Scripts (generic JSON)',
      webhookUrl: url('generic'),
      headers: keyHeader,
      steps: [
        'POST JSON to the URL with the X-Api-Key header.',
        'Body: {"asset_name","signature","severity","message","tool_source"} (+ status, timestamp, dedup_key, labels); an array posts several alerts.',
      ],
    },
    {
      source: 'alertmanager',
      tool: 'Prometheus Alertmanager',
      webhookUrl: url('alertmanager'),
      headers: keyHeader,
      alternativeUrl: url('alertmanager', true),
      config: [
        'receivers:',
        '  - name: alert-whisperer',
        '    webhook_configs:',
        `      - url: ${url('alertmanager')}`,
        '        send_resolved: true',
        '        max_alerts: 100',
        '        http_config:',
        '          authorization:',
        '            type: Bearer',
        `            credentials: ${KEY_PLACEHOLDER}`,
      ].join('\n'),
      steps: [
        'Add the receiver to alertmanager.yml and route alerts to it (Alertmanager 0.22 or later: http_config.authorization).',
        'The key goes in an Authorization header, so it does not show in status pages; older versions: use the alternative URL.',
      ],
    },
    {
      source: 'grafana',
      tool: 'Grafana',
      webhookUrl: url('grafana'),
      headers: keyHeader,
      steps: [
        'Alerting -> Contact points -> New -> Integration Webhook, method POST.',
        'Optional settings: Authorization header scheme Bearer, credentials your key (Grafana 9.1 or later); or add the X-Api-Key header.',
      ],
    },
    {
      source: 'datadog',
      tool: 'Datadog',
      webhookUrl: url('datadog'),
      headers: keyHeader,
      payloadTemplate: DATADOG_PAYLOAD_TEMPLATE,
      steps: [
        'Integrations -> Webhooks -> New: the URL, Custom Headers {"X-Api-Key": "<your key>"}, "Encode as form" off.',
        'Paste the payload template, then mention @webhook-<name> in the monitors.',
      ],
    },
    {
      source: 'zabbix',
      tool: 'Zabbix',
      webhookUrl: url('zabbix'),
      parameters: ZABBIX_WEBHOOK_PARAMETERS.map(({ name, value }) =>
        name === 'alert_whisperer_url'
          ? { name, value: url('zabbix') }
          : name === 'alert_whisperer_api_key'
            ? { name, value: KEY_PLACEHOLDER }
            : { name, value },
      ),
      script: ZABBIX_WEBHOOK_SCRIPT,
      steps: [
        'Alerts -> Media types -> Create media type, type Webhook, with these parameters and script.',
        "Set event_timezone to the Zabbix server's time zone.",
      ],
    },
    {
      source: 'azure',
      tool: 'Azure Monitor',
      webhookUrl: url('azure', true),
      steps: ['Monitor -> Alerts -> Action groups -> Actions: Webhook with this URI.', 'Enable the common alert schema: Yes.'],
    },
    {
      source: 'cloudwatch',
      tool: 'CloudWatch via SNS',
      webhookUrl: url('cloudwatch', true),
      registeredTopicArns: settings.snsTopicArns,
      steps: [
        'An MSP admin registers the alarm topic (POST /v1/integrations/sns-topics).',
        'Subscribe the topic: protocol HTTPS, this endpoint (the subscription is confirmed automatically).',
        "Add the topic to the alarms' ALARM and OK actions.",
      ],
    },
    {
      source: 'eventbridge',
      tool: 'CloudWatch via EventBridge',
      webhookUrl: null,
      registeredAwsAccountIds: settings.awsAccountIds,
      steps: [
        "An MSP admin registers the client's AWS account id (POST /v1/integrations/aws-accounts) when onboarding the client.",
        "In the client account, forward CloudWatch Alarm State Change events to this account's default event bus.",
      ],
    },
  ];
}

export function integrationRoutes({ deps, principalOf, requestTenant, audit }: RouteContext): Route[] {
  /** The signed-in user and the tenant of the request, authorized for the action; 404 for a tenant that does not exist. */
  async function tenantRequest(event: HttpEvent, action: Action): Promise<{ principal: AccessClaims; tenantId: string }> {
    const principal = await principalOf(event);
    const tenantId = requestTenant(event, principal, action);
    if (!(await getTenant(deps.table, tenantId))) throw notFound('Tenant');
    return { principal, tenantId };
  }

  const keyIdOf = (event: HttpEvent) => {
    const parsed = keyIdParam.safeParse(event.pathParameters?.keyId);
    if (!parsed.success) throw notFound('API key');
    return parsed.data;
  };

  return [
    {
      method: 'GET',
      path: '/v1/integrations',
      handler: async (event) => {
        const { tenantId } = await tenantRequest(event, 'integration.read');
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
      doc: {
        summary: "A tenant's integrations and the per-tool setup guide",
        description:
          "API keys (never their secrets), signing status, rate limit, SNS topics, AWS accounts, and the setup guide with this deployment's webhook URLs.",
        tag,
        scope: 'tenant',
        action: 'integration.read',
        query: tenantQuery,
        responses: { 200: integrationsResponse },
      },
    },
    {
      method: 'POST',
      path: '/v1/integrations/api-keys',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.write');
        optionalBody(event, emptyBody);
        const { apiKey, record } = await createApiKey(deps.table, tenantId, deps.now(), { createdBy: creatorOf(principal) });
        await audit(event, principal, {
          tenantId,
          action: 'apikey.create',
          resource: { type: 'apiKey', id: record.keyId },
          summary: { after: keyView(record, deps.now()) },
        });
        return json(201, { apiKey, keyId: record.keyId, prefix: record.prefix, createdAt: record.createdAt });
      },
      doc: {
        summary: 'Create a webhook API key',
        description: 'The key is in this answer only: it is stored as a hash.',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        body: emptyBody,
        bodyOptional: true,
        responses: { 201: apiKeyCreatedResponse },
        audit: { action: 'apikey.create', log: 'tenant' },
      },
    },
    {
      method: 'POST',
      path: '/v1/integrations/api-keys/{keyId}/rotate',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.write');
        const keyId = keyIdOf(event);
        const { overlapSeconds } = optionalBody(event, overlapBody);
        const now = deps.now();
        const rotated = await rotateApiKey(deps.table, tenantId, keyId, overlapSeconds, now, creatorOf(principal));
        if (!rotated) throw notFound('API key');
        await audit(event, principal, {
          tenantId,
          action: 'apikey.rotate',
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
      doc: {
        summary: 'Rotate a webhook API key',
        description: 'A new key (in this answer only); the old one keeps working for `overlapSeconds` (default a day, at most 30 days).',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        params: keyPathParams,
        query: tenantQuery,
        body: overlapBody,
        bodyOptional: true,
        responses: { 201: apiKeyRotatedResponse },
        errors: { 409: 'The key is revoked or expired' },
        audit: { action: 'apikey.rotate', log: 'tenant' },
      },
    },
    {
      method: 'DELETE',
      path: '/v1/integrations/api-keys/{keyId}',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.write');
        const keyId = keyIdOf(event);
        const now = deps.now();
        const revoked = await revokeApiKey(deps.table, tenantId, keyId, now);
        if (!revoked) throw notFound('API key');
        if (!revoked.before.revokedAt) {
          await audit(event, principal, {
            tenantId,
            action: 'apikey.revoke',
            resource: { type: 'apiKey', id: keyId },
            summary: { before: keyView(revoked.before, now), after: keyView(revoked.after, now) },
          });
        }
        return noContent();
      },
      doc: {
        summary: 'Revoke a webhook API key',
        description: 'Ingestion stops accepting it within 30 s. Revoking a revoked key changes nothing.',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        params: keyPathParams,
        query: tenantQuery,
        responses: { 204: null },
        audit: { action: 'apikey.revoke', log: 'tenant' },
      },
    },
    {
      method: 'POST',
      path: '/v1/integrations/hmac/rotate',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.write');
        const { overlapSeconds } = optionalBody(event, overlapBody);
        const now = deps.now();
        const before = hmacView((await getIngestSettings(deps.table, tenantId)).hmac, now);
        const secret = randomBytes(32).toString('hex');
        await rotateHmacSecret(deps.table, tenantId, secret, overlapSeconds, now);
        const after = hmacView((await getIngestSettings(deps.table, tenantId)).hmac, now);
        await audit(event, principal, {
          tenantId,
          action: 'hmac.rotate',
          resource: { type: 'hmacSecret', id: tenantId },
          summary: { before, after },
        });
        return json(201, { secret, ...after });
      },
      doc: {
        summary: 'Create or rotate the webhook signing secret',
        description: 'The secret is in this answer only; the previous one stays valid for `overlapSeconds` (default a day).',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        body: overlapBody,
        bodyOptional: true,
        responses: { 201: hmacRotatedResponse },
        audit: { action: 'hmac.rotate', log: 'tenant' },
      },
    },
    {
      method: 'PUT',
      path: '/v1/integrations/hmac',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.write');
        const { required } = parseBody(event, hmacBody);
        const now = deps.now();
        const { hmac } = await getIngestSettings(deps.table, tenantId);
        if (!hmac?.secret) throw conflict('No signing secret yet: rotate one first (POST /v1/integrations/hmac/rotate)');
        const before = hmacView(hmac, now);
        await putHmacSettings(deps.table, tenantId, { ...hmac, required });
        const after = { ...before, required };
        if (before.required !== required)
          await audit(event, principal, {
            tenantId,
            action: 'hmac.update',
            resource: { type: 'hmacSecret', id: tenantId },
            summary: { before, after },
          });
        return json(200, after);
      },
      doc: {
        summary: 'Require signed webhook deliveries, or stop requiring them',
        description: 'Setting what is already set changes nothing.',
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        body: hmacBody,
        responses: { 200: hmacResponse },
        errors: { 409: 'No signing secret yet: rotate one first' },
        audit: { action: 'hmac.update', log: 'tenant' },
      },
    },
    {
      method: 'PUT',
      path: '/v1/integrations/rate-limit',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.write');
        const rateLimit = parseBody(event, rateLimitBody);
        const before = (await getIngestSettings(deps.table, tenantId)).rateLimit;
        // The same limit again changes nothing: nothing to write or audit.
        if (JSON.stringify(before) === JSON.stringify(rateLimit)) return json(200, rateLimit);
        await putRateLimit(deps.table, tenantId, rateLimit);
        await audit(event, principal, {
          tenantId,
          action: 'ratelimit.update',
          resource: { type: 'rateLimit', id: tenantId },
          summary: { before, after: rateLimit },
        });
        return json(200, rateLimit);
      },
      doc: {
        summary: "Set the tenant's ingestion rate limit",
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        body: rateLimitBody,
        responses: { 200: rateLimitResponse },
        audit: { action: 'ratelimit.update', log: 'tenant' },
      },
    },
    {
      method: 'POST',
      path: '/v1/integrations/sns-topics',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.source');
        const { topicArn } = parseBody(event, snsTopicBody);
        if ((await getIngestSettings(deps.table, tenantId)).snsTopicArns.includes(topicArn)) return json(200, { topicArn });
        await registerSnsTopic(deps.table, tenantId, topicArn);
        await audit(event, principal, {
          tenantId,
          action: 'snstopic.register',
          resource: { type: 'snsTopic', id: topicArn },
          summary: { after: { topicArn } },
        });
        return json(201, { topicArn });
      },
      doc: {
        summary: 'Register an SNS topic (CloudWatch alarms via SNS)',
        description:
          'Only registered topics may deliver, and only their subscriptions are confirmed. A topic already registered: 200, nothing changes.',
        tag,
        scope: 'tenant',
        action: 'integration.source',
        query: tenantQuery,
        body: snsTopicBody,
        responses: { 200: snsTopicResponse, 201: snsTopicResponse },
        audit: { action: 'snstopic.register', log: 'tenant' },
      },
    },
    {
      method: 'POST',
      path: '/v1/integrations/aws-accounts',
      handler: async (event) => {
        const { principal, tenantId } = await tenantRequest(event, 'integration.source');
        const { accountId } = parseBody(event, awsAccountBody);
        if ((await getIngestSettings(deps.table, tenantId)).awsAccountIds.includes(accountId)) return json(200, { accountId });
        try {
          await registerAwsAccount(deps.table, tenantId, accountId);
        } catch (error) {
          // Another tenant has it; which one is not said (another tenant's data).
          if (isConditionFailure(error)) throw conflict('This AWS account is registered to another tenant');
          throw error;
        }
        await audit(event, principal, {
          tenantId,
          action: 'awsaccount.register',
          resource: { type: 'awsAccount', id: accountId },
          summary: { after: { accountId } },
        });
        return json(201, { accountId });
      },
      doc: {
        summary: 'Register an AWS account (CloudWatch alarms via EventBridge)',
        description:
          "Alarm state changes forwarded from the account are the tenant's. An account already registered: 200, nothing changes.",
        tag,
        scope: 'tenant',
        action: 'integration.source',
        query: tenantQuery,
        body: awsAccountBody,
        responses: { 200: awsAccountResponse, 201: awsAccountResponse },
        errors: { 409: 'The account is registered to another tenant' },
        audit: { action: 'awsaccount.register', log: 'tenant' },
      },
    },
  ];
}
