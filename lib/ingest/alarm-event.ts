import * as z from 'zod';
import { isCorrelationId } from '../http/http';
import { logger } from '../observability';
import { tenantOfAwsAccount } from '../store/integrations';
import { alarmEventAccount, parseCloudWatchAlarmEvent } from './cloudwatch';
import { ingestDelivery, type IngestDeps, type IngestResult } from './ingest';

/**
 * A CloudWatch "Alarm State Change" event from EventBridge: the tenant is the one that registered the
 * event's AWS account. An event from an account nobody registered is logged and dropped (retrying
 * cannot help); a malformed event is too. Storage and queue failures throw, so EventBridge retries.
 */
export async function ingestAlarmEvent(event: unknown, deps: IngestDeps): Promise<IngestResult | { ignored: string }> {
  let account: string;
  try {
    account = alarmEventAccount(event);
  } catch (error) {
    if (error instanceof z.ZodError) {
      logger.warn('Dropped a malformed CloudWatch alarm event', { issues: error.issues });
      return { ignored: 'malformed event' };
    }
    throw error;
  }
  const tenantId = await tenantOfAwsAccount(deps.table, account);
  if (!tenantId) {
    logger.warn('Dropped a CloudWatch alarm event from an unregistered AWS account', { account });
    return { ignored: `AWS account ${account} is not registered to a tenant` };
  }
  const correlationId = alarmEventCorrelationId(event);
  return ingestDelivery(
    {
      tenantId,
      source: 'cloudwatch',
      body: event,
      rawBody: JSON.stringify(event),
      adapter: parseCloudWatchAlarmEvent,
      ...(correlationId ? { correlationId } : {}),
    },
    deps,
  );
}

/** An alarm event's correlation id: its EventBridge event id (a webhook's is its request's). */
export function alarmEventCorrelationId(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return isCorrelationId(id) ? id : undefined;
}
