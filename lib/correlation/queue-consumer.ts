import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { canonicalAlertSchema } from '../domain/alert';
import { logger } from '../observability';
import { correlateAlert, type CorrelateDeps } from './correlate';

/**
 * Correlates each queued alert and reports the ones that failed, so only those are retried.
 * A message that is not a canonical alert can never succeed: it is reported failed and ends in the
 * dead-letter queue after its retries, where an operator can look at it; nothing is dropped silently.
 */
export async function correlateRecords(records: SQSRecord[], deps: CorrelateDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    try {
      const alert = canonicalAlertSchema.parse(JSON.parse(record.body));
      const decision = await correlateAlert(alert, deps);
      logger.debug('Correlated alert', { alertId: alert.id, tenantId: alert.tenantId, decision });
    } catch (error) {
      logger.error('Correlation failed; the message will be retried', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
