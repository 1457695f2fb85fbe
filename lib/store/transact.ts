import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isRetryableServiceError } from '../errors';
import type { TableRef } from './table-ref';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * DynamoDB cancels a transaction for two unrelated reasons: a condition did not hold (the state is not
 * what the writer expected: a conflict the caller decides about), or the service was busy (throttling,
 * another transaction on the same item: try again). Both arrive as TransactionCanceledException; only
 * the per-item reason codes tell them apart, so they are classified here, once.
 */
const BUSY_CODES: ReadonlySet<string> = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'TransactionConflict',
  'RequestLimitExceeded',
]);

/**
 * A condition of the transaction did not hold; `codes[i]` is the reason of TransactItems[i] ('None' where it was fine),
 * and `items[i]` the item as it was when its condition failed, for the items written with
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` (undefined for the others, and where there was no item).
 */
export class ConditionFailedError extends Error {
  constructor(
    readonly codes: ReadonlyArray<string | undefined>,
    readonly items: ReadonlyArray<Record<string, unknown> | undefined> = [],
  ) {
    super(`a condition did not hold (${codes.map((code) => code ?? 'None').join(', ')})`);
    this.name = 'ConditionFailedError';
  }

  /** Whether item `index` is one whose condition failed. */
  failedAt(index: number): boolean {
    return this.codes[index] === 'ConditionalCheckFailed';
  }
}

/** The store stayed busy (throttled, or conflicting transactions) after the retries: the caller answers 503 / retries later. */
export class StoreBusyError extends Error {
  constructor(cause: unknown) {
    super(`the table is busy: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StoreBusyError';
  }
}

type CancellationReason = { Code?: string; Message?: string; Item?: Record<string, AttributeValue> };

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
}

/** The reason code of each item of a cancelled transaction (undefined for any other error). */
export function cancellationCodes(error: unknown): Array<string | undefined> | undefined {
  return cancellationReasons(error)?.map((reason) => reason.Code);
}

/** Throttling, a conflicting transaction, or a 5xx: the same request may succeed a moment later. */
export function isStoreBusy(error: unknown): boolean {
  if (error instanceof StoreBusyError) return true;
  const codes = cancellationCodes(error);
  if (codes) return codes.some((code) => code !== undefined && BUSY_CODES.has(code));
  return isRetryableServiceError(error);
}

/** A condition of a single write or a transaction did not hold (and nothing else went wrong). */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionFailedError) return true;
  if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return true;
  const codes = cancellationCodes(error);
  return Boolean(codes?.includes('ConditionalCheckFailed')) && !isStoreBusy(error);
}

const ITEM_SIZE_MESSAGE = /item size (to update )?has exceeded/i;

/**
 * A write would make an item larger than DynamoDB's 400 KB: a put, an update that grows it, or an item
 * of a transaction (refused as a whole, or cancelled with a ValidationError reason). Retrying cannot help.
 */
export function isItemTooLarge(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ValidationException') return ITEM_SIZE_MESSAGE.test(error.message);
  return Boolean(
    cancellationReasons(error)?.some((reason) => reason.Code === 'ValidationError' && ITEM_SIZE_MESSAGE.test(reason.Message ?? '')),
  );
}

/** What a failed DynamoDB call means to the code that made it; undefined for anything else (a bug, a missing table). */
export type StoreErrorKind = 'conflict' | 'busy' | 'too-large';

/**
 * The one classifier of DynamoDB failures: a condition that did not hold (the caller decides: usually a
 * 409 or a re-read), throttling or conflicting transactions (try again later: 503), or an item over the
 * size limit (the change cannot be stored as it is: 409).
 */
export function storeErrorKind(error: unknown): StoreErrorKind | undefined {
  if (isStoreBusy(error)) return 'busy';
  if (isConditionFailure(error)) return 'conflict';
  if (isItemTooLarge(error)) return 'too-large';
  return undefined;
}

const ATTEMPTS = 6;

/**
 * Writes the items in one transaction. A cancellation for a failed condition throws
 * ConditionFailedError (with each item's reason); one for throttling or a conflicting transaction is
 * tried again a few times with backoff, then throws StoreBusyError. Other errors pass through (the SDK
 * has already retried what it retries).
 */
export async function transactWrite(table: TableRef, items: TransactItem[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await table.db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (isStoreBusy(error)) {
        if (attempt >= ATTEMPTS) throw new StoreBusyError(error);
        await sleep(Math.random() * 25 * 2 ** attempt);
        continue;
      }
      const reasons = cancellationReasons(error);
      if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        // The client does not unmarshall errors: the items DynamoDB returned are still attribute values.
        throw new ConditionFailedError(
          reasons.map((reason) => reason.Code),
          reasons.map((reason) => (reason.Item ? unmarshall(reason.Item) : undefined)),
        );
      }
      throw error;
    }
  }
}

/**
 * Deletes a versioned item (a schedule, a maintenance window) if it is still at `expectedVersion`; false when
 * it changed meanwhile or is gone.
 */
export async function deleteAtVersion(table: TableRef, key: { pk: string; sk: string }, expectedVersion: number): Promise<boolean> {
  try {
    await table.db.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: key,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
