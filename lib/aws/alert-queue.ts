import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { CanonicalAlert } from '../domain/alert';
import { sqs } from './clients';

const MAX_ENTRIES_PER_CALL = 10;
const ATTEMPTS = 4;

/**
 * The hand-off to correlation: one SQS message per canonical alert. A batch can fail some entries
 * while others are accepted: those are sent again, and if any still fails the call throws (the stream
 * relay retries its batch; correlation skips an alert it has already correlated).
 */
export function sqsAlertQueue(queueUrl: string): (alerts: CanonicalAlert[]) => Promise<void> {
  return async (alerts: CanonicalAlert[]) => {
    for (let start = 0; start < alerts.length; start += MAX_ENTRIES_PER_CALL) {
      let entries: SendMessageBatchRequestEntry[] = alerts
        .slice(start, start + MAX_ENTRIES_PER_CALL)
        .map((alert, index) => ({ Id: String(index), MessageBody: JSON.stringify(alert) }));
      for (let attempt = 1; entries.length; attempt++) {
        const result = await sqs().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        if (!result.Failed?.length) break;
        const failedIds = new Set(result.Failed.map((entry) => entry.Id));
        if (attempt >= ATTEMPTS) throw new Error(`SQS rejected ${failedIds.size} of ${entries.length} alerts: ${result.Failed[0]?.Code}`);
        entries = entries.filter((entry) => failedIds.has(entry.Id));
        await sleep(50 * attempt);
      }
    }
  };
}
