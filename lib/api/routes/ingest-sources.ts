import * as z from 'zod';
import { conflict } from '../../errors';
import { json } from '../../http/http';
import { getIngestSettings, putRateLimit, registerAwsAccount, registerSnsTopic } from '../../store/integrations';
import { isConditionFailure } from '../../store/transact';
import type { Route, RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { awsAccountResponse, rateLimitResponse, snsTopicResponse, tenantQuery } from '../schemas';
import { INTEGRATIONS_TAG } from './integration-bodies';

/** What a tenant's ingestion accepts: its rate limit, and the SNS topics and AWS accounts whose alarms are its own. */

const tag = INTEGRATIONS_TAG;
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

export function ingestSourceRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);

  return [
    defineRoute(
      {
        method: 'PUT',
        path: '/v1/integrations/rate-limit',
        summary: "Set the tenant's ingestion rate limit",
        tag,
        scope: 'tenant',
        action: 'integration.write',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: rateLimitBody,
        responses: { 200: rateLimitResponse },
        audit: { action: 'ratelimit.update', log: 'tenant' },
      },
      async ({ tenantId, body, audit }) => {
        const rateLimit = body;
        const before = (await getIngestSettings(deps.table, tenantId)).rateLimit;
        // The same limit again changes nothing: nothing to write or audit.
        if (JSON.stringify(before) === JSON.stringify(rateLimit)) return json(200, rateLimit);
        await putRateLimit(deps.table, tenantId, rateLimit);
        await audit({
          tenantId,
          resource: { type: 'rateLimit', id: tenantId },
          summary: { before, after: rateLimit },
        });
        return json(200, rateLimit);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/integrations/sns-topics',
        summary: 'Register an SNS topic (CloudWatch alarms via SNS)',
        description:
          'Only registered topics may deliver, and only their subscriptions are confirmed. A topic already registered: 200, nothing changes.',
        tag,
        scope: 'tenant',
        action: 'integration.source',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: snsTopicBody,
        responses: { 200: snsTopicResponse, 201: snsTopicResponse },
        audit: { action: 'snstopic.register', log: 'tenant' },
      },
      async ({ tenantId, body, audit }) => {
        const { topicArn } = body;
        if ((await getIngestSettings(deps.table, tenantId)).snsTopicArns.includes(topicArn)) return json(200, { topicArn });
        await registerSnsTopic(deps.table, tenantId, topicArn);
        await audit({
          tenantId,
          resource: { type: 'snsTopic', id: topicArn },
          summary: { after: { topicArn } },
        });
        return json(201, { topicArn });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/integrations/aws-accounts',
        summary: 'Register an AWS account (CloudWatch alarms via EventBridge)',
        description:
          "Alarm state changes forwarded from the account are the tenant's. An account already registered: 200, nothing changes.",
        tag,
        scope: 'tenant',
        action: 'integration.source',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: awsAccountBody,
        responses: { 200: awsAccountResponse, 201: awsAccountResponse },
        errors: { 409: 'The account is registered to another tenant' },
        audit: { action: 'awsaccount.register', log: 'tenant' },
      },
      async ({ tenantId, body, audit }) => {
        const { accountId } = body;
        if ((await getIngestSettings(deps.table, tenantId)).awsAccountIds.includes(accountId)) return json(200, { accountId });
        try {
          await registerAwsAccount(deps.table, tenantId, accountId);
        } catch (error) {
          // Another tenant has it; which one is not said (another tenant's data).
          if (isConditionFailure(error)) throw conflict('This AWS account is registered to another tenant');
          throw error;
        }
        await audit({
          tenantId,
          resource: { type: 'awsAccount', id: accountId },
          summary: { after: { accountId } },
        });
        return json(201, { accountId });
      },
    ),
  ];
}
