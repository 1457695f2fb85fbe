import httpRouterHandler from '@middy/http-router';
import type { Context, SNSEvent } from 'aws-lambda';
import { noOrchestrator, routeContext } from '../../lib/api/context';
import { respondRoutes } from '../../lib/api/respond-routes';
import { keySetLoader } from '../../lib/auth/tokens';
import { dynamo } from '../../lib/aws/clients';
import { correlateDepsFromEnv } from '../../lib/correlation/deps';
import { readEnv } from '../../lib/config/env';
import { httpHandler, type HttpEvent } from '../../lib/http/http';
import { isDeliveryStatusEvent, recordDeliveryStatus } from '../../lib/notify/delivery-receipts';
import { handleInboundSms } from '../../lib/notify/inbound-sms';
import { createSmsSender } from '../../lib/notify/sms-voice';
import { logger } from '../../lib/observability';

const env = readEnv('respond');
const keySet = keySetLoader(env);
const table = { db: dynamo(), tableName: env.TABLE_NAME };

const router = httpRouterHandler(
  respondRoutes(
    routeContext({
      table,
      keySet,
      now: () => new Date(),
      stage: env.AW_STAGE,
      orchestrator: noOrchestrator('respond'),
    }),
    {
      phone: {
        sendSms: createSmsSender(),
        origination: {
          ...(env.SMS_ORIGINATION_IDENTITY ? { originationIdentity: env.SMS_ORIGINATION_IDENTITY } : {}),
          ...(env.SMS_CONFIGURATION_SET ? { configurationSetName: env.SMS_CONFIGURATION_SET } : {}),
        },
        productName: 'Alert Whisperer',
      },
    },
  ),
);

const http = httpHandler(async (event, context) => {
  const response = await router(event, context, { signal: new AbortController().signal });
  return response as NonNullable<typeof response>;
});

const correlate = correlateDepsFromEnv(env);

/** SMS replies (two-way SMS publishes each to the InboundSms topic), one at a time; the rest is HTTP. */
async function inbound(event: SNSEvent) {
  for (const record of event.Records) {
    const result = await handleInboundSms({ table, now: () => new Date(), correlate }, { Message: record.Sns.Message });
    logger.info(
      'SMS reply',
      result.acted ? { acted: true, incidentId: result.incidentId, result: result.result } : { acted: false, reason: result.reason },
    );
  }
}

const isSnsEvent = (event: unknown): event is SNSEvent =>
  typeof event === 'object' && event !== null && (event as Partial<SNSEvent>).Records?.[0]?.EventSource === 'aws:sns';

/**
 * Three kinds of invocations: SMS replies (SNS), End User Messaging's delivery statuses (an EventBridge rule
 * on the default bus), and HTTP (the links, Slack, the phone routes).
 */
export async function handler(event: HttpEvent | SNSEvent | Record<string, unknown>, context: Context) {
  if (isSnsEvent(event)) return inbound(event);
  if (isDeliveryStatusEvent(event)) {
    const outcome = await recordDeliveryStatus(table, event);
    logger.debug('Delivery status', { outcome });
    return outcome;
  }
  return http(event as HttpEvent, context);
}
