import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { canonicalAlertSchema, type CanonicalAlert } from '../domain/alert';
import { countMetric, logger } from '../observability';
import { correlateAlerts, type CorrelateDeps } from './correlate';

/**
 * Correlates a batch of queued alerts (alerts of one scope on one read of its state) and reports the
 * ones that failed, so only those are retried. A message that is not a canonical alert can never
 * succeed: it is reported failed and ends in the dead-letter queue after its retries, where an
 * operator can look at it; nothing is dropped silently. A scope whose commit fails has its messages
 * retried; the other scopes' alerts are done (a retry of a committed alert would be a no-op anyway).
 */
export async function correlateRecords(records: SQSRecord[], deps: CorrelateDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const parsed: Array<{ record: SQSRecord; alert: CanonicalAlert }> = [];
  for (const record of records) {
    try {
      parsed.push({ record, alert: canonicalAlertSchema.parse(JSON.parse(record.body)) });
    } catch (error) {
      logger.error('Not a canonical alert; the message will be retried, then dead-lettered', {
        messageId: record.messageId,
        error: error as Error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  if (!parsed.length) return { batchItemFailures };
  const results = await correlateAlerts(
    parsed.map(({ alert }) => alert),
    deps,
  );
  for (const [index, result] of results.entries()) {
    const { record, alert } = parsed[index] as { record: SQSRecord; alert: CanonicalAlert };
    if (result.kind === 'failed') {
      logger.error('Correlation failed; the message will be retried', {
        messageId: record.messageId,
        alertId: alert.id,
        correlationId: alert.correlationId,
        error: result.error as Error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    } else {
      if (result.kind !== 'duplicate') countMetric('AlertsCorrelated');
      if (result.kind === 'open') countMetric('IncidentsOpened');
      logger.debug('Correlated alert', {
        alertId: alert.id,
        tenantId: alert.tenantId,
        correlationId: alert.correlationId,
        decision: result,
      });
    }
  }
  return { batchItemFailures };
}

/**
 * The batch's correlation id when all its alerts share one (a webhook's alerts usually come in one
 * batch): the invocation's log key. Otherwise none; each alert's log lines name their own.
 */
export function batchCorrelationId(records: readonly SQSRecord[]): string | undefined {
  const ids = new Set<unknown>();
  for (const record of records) {
    try {
      ids.add((JSON.parse(record.body) as { correlationId?: unknown } | null)?.correlationId);
    } catch {
      return undefined;
    }
  }
  const [only] = ids;
  return ids.size === 1 && typeof only === 'string' && only ? only : undefined;
}
