import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** A record of the table's stream, as Pipes and the Streams API give it (only the fields read here). */
export interface StreamRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue>; SequenceNumber?: string };
}

/** The item a stream record inserted, as the document client would read it; undefined for an update or a removal. */
export function insertedItem(record: StreamRecord): Record<string, unknown> | undefined {
  const image = record.eventName === 'INSERT' ? record.dynamodb?.NewImage : undefined;
  return image ? unmarshall(image) : undefined;
}
