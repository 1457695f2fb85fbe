import { marshall } from '@aws-sdk/util-dynamodb';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { relayStreamRecords } from '../../lib/relay/stream-relay';
import type { StreamRecord } from '../../lib/store/stream';
import { noteUnresolvedAssetRefs, storedAlertItem } from '../../lib/store/alerts';
import { keyDigest, keys } from '../../lib/store/keys';
import type { TableRef } from '../../lib/store/table-ref';

/**
 * The unresolved-asset count moved off ingestion's path: the stream relay counts the new alerts it hands
 * to correlation, once the hand-off went through, one UpdateItem per tenant and name a batch, best effort.
 */
let sequence = 0;
function alert(overrides: Partial<CanonicalAlert> = {}): CanonicalAlert {
  sequence++;
  return {
    id: `01KWUNRESOLVED${String(sequence).padStart(12, '0')}`,
    tenantId: 'acme',
    source: 'uptime',
    status: 'firing',
    severity: 'high',
    assetRef: 'ghost-1',
    assetId: null,
    signature: 'Down',
    message: 'down',
    labels: {},
    dedupKey: `uptime|ghost-1|down|${sequence}`,
    occurredAt: '2026-11-24T10:00:00.000Z',
    receivedAt: `2026-11-24T10:00:${String(sequence % 60).padStart(2, '0')}.000Z`,
    deliveryId: `d-${sequence}`,
    ...overrides,
  };
}

const recordOf = (item: CanonicalAlert): StreamRecord => ({
  eventName: 'INSERT',
  dynamodb: { NewImage: marshall(storedAlertItem(item), { removeUndefinedValues: true }) as never },
});

function fakeTable(fail?: (input: Record<string, any>) => boolean): { table: TableRef; updates: Array<Record<string, any>> } {
  const updates: Array<Record<string, any>> = [];
  const table = {
    tableName: 't',
    db: {
      send: async (command: { input: Record<string, any> }) => {
        if (fail?.(command.input)) throw new Error('ProvisionedThroughputExceededException');
        updates.push(command.input);
        return {};
      },
    },
  } as unknown as TableRef;
  return { table, updates };
}

describe('noteUnresolvedAssetRefs', () => {
  test('one UpdateItem per tenant and name (case and spaces aside), adding the count, whatever the number of alerts', async () => {
    const { table, updates } = fakeTable();
    const first = alert({ assetRef: 'Ghost-1', receivedAt: '2026-11-24T10:00:01.000Z' });
    const last = alert({ assetRef: 'ghost-1', source: 'nagios', receivedAt: '2026-11-24T10:00:09.000Z' });
    await noteUnresolvedAssetRefs(table, [
      first,
      last,
      alert({ assetRef: ' GHOST-1 ', receivedAt: '2026-11-24T10:00:05.000Z' }),
      alert({ assetRef: 'ghost-2' }),
      alert({ assetRef: 'ghost-1', tenantId: 'globex' }),
      // Resolved to an asset, or naming none: not to map.
      alert({ assetRef: 'db-1', assetId: 'db-1' }),
      alert({ assetRef: 'node-exporter', hostless: true }),
    ]);
    expect(updates).toHaveLength(3);
    const ghost1 = updates.find(
      (update) => update.Key.sk === keys.unresolvedAssetRef('acme', keyDigest('ghost-1')).sk && update.Key.pk === 'T#acme',
    );
    expect(ghost1?.ExpressionAttributeValues).toEqual({
      ':entity': 'unresolvedAssetRef',
      ':ref': 'ghost-1',
      ':last': last.receivedAt,
      ':first': first.receivedAt,
      ':source': 'nagios',
      ':count': 3,
    });
    expect(ghost1?.UpdateExpression).toMatch(/ADD alertCount :count/);
    expect(ghost1?.UpdateExpression).toMatch(/firstSeenAt = if_not_exists\(firstSeenAt, :first\)/);
    expect(updates.map((update) => update.Key.pk).sort()).toEqual(['T#acme', 'T#acme', 'T#globex']);
  });

  test('a failed update does not stop the others; the failure is thrown once all were tried', async () => {
    const { table, updates } = fakeTable((input) => input.ExpressionAttributeValues[':ref'] === 'ghost-1');
    await expect(noteUnresolvedAssetRefs(table, [alert({ assetRef: 'ghost-1' }), alert({ assetRef: 'ghost-2' })])).rejects.toThrow(
      /ProvisionedThroughput/,
    );
    expect(updates.map((update) => update.ExpressionAttributeValues[':ref'])).toEqual(['ghost-2']);
  });
});

describe('the stream relay counts unresolved names', () => {
  const unknownHost = alert({ assetRef: 'ghost-9' });
  const known = alert({ assetRef: 'db-1', assetId: 'db-1' });
  const hostless = alert({ assetRef: 'node-exporter', hostless: true });
  const records = [recordOf(unknownHost), recordOf(known), recordOf(hostless)];

  test('after the hand-off, with the new alerts that have no asset and name one', async () => {
    const steps: string[] = [];
    await relayStreamRecords(records, {
      publish: async () => undefined,
      enqueue: async (alerts) => void steps.push(`enqueue ${alerts.length}`),
      noteUnresolved: async (alerts) => void steps.push(`count ${alerts.map((entry) => entry.assetRef).join(',')}`),
    });
    expect(steps).toEqual(['enqueue 3', 'count ghost-9']);
  });

  test('a failed hand-off counts nothing (the retried batch counts once); a failed count never fails the batch', async () => {
    const counted: string[] = [];
    await expect(
      relayStreamRecords(records, {
        publish: async () => undefined,
        enqueue: async () => {
          throw new Error('SQS refused');
        },
        noteUnresolved: async (alerts) => void counted.push(...alerts.map((entry) => entry.id)),
      }),
    ).rejects.toThrow(/SQS refused/);
    expect(counted).toEqual([]);

    await expect(
      relayStreamRecords(records, {
        publish: async () => undefined,
        enqueue: async () => undefined,
        noteUnresolved: async () => {
          throw new Error('throttled');
        },
      }),
    ).resolves.toEqual({ events: 0, alerts: 3, ignored: 0 });
  });
});
