import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../../functions/catalog';
import type { DomainEvent, PublishEvents } from '../events';
import { eventBridge } from './clients';

const MAX_ENTRIES_PER_CALL = 10;

export function eventBridgePublisher(busName: string): PublishEvents {
  return async (events: DomainEvent[]) => {
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      const batch = events.slice(start, start + MAX_ENTRIES_PER_CALL);
      const result = await eventBridge().send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: busName,
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if (result.FailedEntryCount) throw new Error(`EventBridge rejected ${result.FailedEntryCount} of ${batch.length} events`);
    }
  };
}
