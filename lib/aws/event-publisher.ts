import { setTimeout as sleep } from 'node:timers/promises';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type DomainEvent } from '../domain/events';
import { eventBridge } from './clients';

const MAX_ENTRIES_PER_CALL = 10;
const ATTEMPTS = 4;

/**
 * Puts events on the bus (the stream relay's only output to it). PutEvents can accept a call and still
 * fail some of its entries: those are sent again, a few times, and if any still fails the whole batch
 * throws so the stream relay retries it (consumers skip the events they already handled).
 */
export function eventBridgePublisher(busName: string): (events: DomainEvent[]) => Promise<void> {
  return async (events: DomainEvent[]) => {
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      let entries: PutEventsRequestEntry[] = events.slice(start, start + MAX_ENTRIES_PER_CALL).map((event) => ({
        EventBusName: busName,
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      }));
      for (let attempt = 1; entries.length; attempt++) {
        const result = await eventBridge().send(new PutEventsCommand({ Entries: entries }));
        if (!result.FailedEntryCount) break;
        const failed = entries.filter((_, index) => result.Entries?.[index]?.ErrorCode);
        if (attempt >= ATTEMPTS)
          throw new Error(
            `EventBridge rejected ${failed.length} of ${entries.length} events: ${result.Entries?.find((entry) => entry.ErrorCode)?.ErrorCode}`,
          );
        entries = failed;
        await sleep(50 * attempt);
      }
    }
  };
}
