import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { busySlackMs, emissionIntervalMs, type ChargeVariant, type RateLimit } from '../domain/rate-limit';
import * as z from 'zod';
import { entityOf } from './entity';
import { keys } from './keys';
import type { TableRef } from './table-ref';

/** Each tenant's ingestion bucket (lib/domain/rate-limit.ts): one small item, `tat` its theoretical arrival time. */
/**
 * The Update of the tenant's bucket that charges `cost` alerts at `at`, in its `variant`. Its condition
 * fails when the bucket is not in that variant's state or the charge would exceed the burst; DynamoDB
 * then returns the bucket as it was (ALL_OLD), to decide on without reading it.
 */
export function chargeUpdate(tableName: string, tenantId: string, cost: number, limit: RateLimit, at: number, variant: ChargeVariant) {
  const interval = emissionIntervalMs(limit);
  const charge = Math.min(cost, limit.burst) * interval;
  const slack = busySlackMs(limit);
  const common = {
    TableName: tableName,
    Key: keys.rateBucket(tenantId, 'INGEST'),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  if (variant === 'advance') {
    return {
      ...common,
      UpdateExpression: 'SET tat = tat + :charge',
      ConditionExpression: 'tat >= :floor AND tat <= :latest',
      ExpressionAttributeValues: { ':charge': charge, ':floor': at - slack, ':latest': at + limit.burst * interval - charge },
    };
  }
  return {
    ...common,
    UpdateExpression: 'SET tat = :tat, entity = :entity',
    ConditionExpression: 'attribute_not_exists(tat) OR tat < :floor',
    ExpressionAttributeValues: { ':tat': at + charge, ':floor': at - slack, ':entity': 'rateBucket' },
  };
}

/** A bucket's theoretical arrival time (epoch ms) of the next request: GCRA's single number of state. */
const rateBucketSchema = z.object({ tat: z.number() });

/** The TAT of a bucket item (as a refused charge returns it). */
export function bucketTat(item: Record<string, unknown>): number {
  return entityOf(rateBucketSchema, item).tat;
}

/** The bucket's TAT, read strongly consistent (undefined: no bucket yet). */
export async function readRateBucketTat(table: TableRef, tenantId: string): Promise<number | undefined> {
  const { Item } = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: keys.rateBucket(tenantId, 'INGEST'), ConsistentRead: true }),
  );
  return Item && bucketTat(Item);
}
