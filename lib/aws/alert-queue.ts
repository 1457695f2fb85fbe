import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { CanonicalAlert } from '../domain/alert';
import type { EnqueueAlerts } from '../ingest/ingest';
import { sqs } from './clients';

const MAX_ENTRIES_PER_CALL = 10;

/** The durable hand-off to correlation: one SQS message per canonical alert. */
export function sqsAlertQueue(queueUrl: string): EnqueueAlerts {
  return async (alerts: CanonicalAlert[]) => {
    for (let start = 0; start < alerts.length; start += MAX_ENTRIES_PER_CALL) {
      const batch = alerts.slice(start, start + MAX_ENTRIES_PER_CALL);
      const result = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((alert, index) => ({ Id: String(index), MessageBody: JSON.stringify(alert) })),
        }),
      );
      if (result.Failed?.length) throw new Error(`SQS rejected ${result.Failed.length} of ${batch.length} alerts`);
    }
  };
}
