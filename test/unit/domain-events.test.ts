import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DETAIL_TYPES, EVENT_CONTRACTS, domainEvent, parseBusEvent, parseDomainEvent, type DomainEvent } from '../../lib/domain/events';
import { relayStreamRecords, workOf } from '../../lib/relay/stream-relay';
import type { StreamRecord } from '../../lib/store/stream';
import { outboxPut, stampEvents } from '../../lib/store/outbox';
import { EVENT_RULES, STREAM_RELAY } from '../../functions/catalog';
import { matchesPattern } from '../../local/aws/eventbridge-emulator';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const samples = (dir: string) =>
  readdirSync(join(ROOT, 'events', dir)).map((file) => ({ file, json: JSON.parse(readFileSync(join(ROOT, 'events', dir, file), 'utf8')) }));
const table = { db: undefined as never, tableName: 'events-test' };

describe('domain event contracts', () => {
  test('every detail-type has a contract and a sample in events/domain that fits it', () => {
    const sampleTypes = samples('domain').map(({ json }) => json['detail-type']);
    expect(new Set(sampleTypes)).toEqual(new Set(Object.values(DETAIL_TYPES)));
    expect(new Set(Object.keys(EVENT_CONTRACTS))).toEqual(new Set(Object.values(DETAIL_TYPES)));
    for (const { file, json } of samples('domain')) {
      expect(() => parseBusEvent(json)).not.toThrow();
      expect(json.source).toBe('alert-whisperer');
      expect(file).toBe(`${json['detail-type'].replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase()}.json`);
    }
  });

  test('an event that does not fit its contract is refused with the field named, and an unknown type too', () => {
    const sample = samples('domain').find(({ json }) => json['detail-type'] === 'IncidentAssigned')!.json;
    expect(() => parseDomainEvent('IncidentAssigned', { ...sample.detail, assignee: { userId: 'u' } })).toThrow(/assignee/);
    expect(() => parseDomainEvent('IncidentAssigned', { ...sample.detail, surprise: true })).toThrow(/surprise/);
    expect(() => parseDomainEvent('IncidentAssigned', { ...sample.detail, tenantId: undefined })).toThrow(/tenantId/);
    expect(() => parseDomainEvent('NoSuchThing', sample.detail)).toThrow(/Unknown detail-type/);
  });

  test('writing an event that breaks its contract fails at once (a bug in the writer, never a silent bad event)', () => {
    const bad = { detailType: DETAIL_TYPES.slaBreached, detail: { tenantId: 't', incidentId: 'i', clock: 'lunch' } } as never;
    expect(() => outboxPut(table, 't', [bad], new Date())).toThrow(/clock/);
    expect(() =>
      outboxPut(table, 'other', [domainEvent(DETAIL_TYPES.slaResumeRequested, { tenantId: 't', incidentId: 'i', actor: 'a' })], new Date()),
    ).toThrow(/cannot be written with other/);
  });

  test('each written event gets its own id, in the order written, all in one outbox item', () => {
    const now = new Date('2026-11-24T10:00:00Z');
    const events = [
      domainEvent(DETAIL_TYPES.slaPauseRequested, { tenantId: 't', incidentId: 'i', actor: 'a' }),
      domainEvent(DETAIL_TYPES.slaResumeRequested, { tenantId: 't', incidentId: 'i', actor: 'a' }),
    ];
    const stamped = stampEvents('t', events, now);
    expect(stamped[0]!.detail.eventId < stamped[1]!.detail.eventId).toBe(true);
    const put = outboxPut(table, 't', events, now) as { Put: { Item: Record<string, unknown>; ConditionExpression: string } };
    expect(put.Put.Item).toMatchObject({ entity: 'outbox', tenantId: 't', events: [expect.anything(), expect.anything()] });
    expect(put.Put.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  test('the remediation rules ask for a decision on a new incident, a moved root, an absorbed incident and a repair, and on nothing else', () => {
    const remediate = EVENT_RULES.filter((rule) => rule.function === 'remediate');
    const asBus = (detailType: string, detail: Record<string, unknown>) => ({
      source: 'alert-whisperer',
      'detail-type': detailType,
      detail,
    });
    const matches = (event: unknown) => remediate.some((rule) => matchesPattern(rule.pattern, event));
    expect(matches(asBus('IncidentOpened', { decision: 'open' }))).toBe(true);
    expect(matches(asBus('IncidentUpdated', { decision: 'root-changed' }))).toBe(true);
    expect(matches(asBus('IncidentUpdated', { decision: 'absorbed' }))).toBe(true);
    expect(matches(asBus('IncidentUpdated', { decision: 'join' }))).toBe(false);
    expect(matches(asBus('IncidentRepairRequested', { missing: ['sla'] }))).toBe(false);
    expect(matches(asBus('IncidentRepairRequested', { missing: ['sla', 'decision'] }))).toBe(true);
  });
});

describe('the stream relay', () => {
  const records = JSON.parse(readFileSync(join(ROOT, 'events', 'stream', 'outbox-and-alert.json'), 'utf8')) as StreamRecord[];

  test("the sample batch passes the Pipe's filter and carries one event and one new alert", () => {
    for (const record of records) expect(matchesPattern(STREAM_RELAY.filter, record)).toBe(true);
    const work = workOf(records);
    expect(work.events.map((event) => event.detailType)).toEqual(['IncidentOpened']);
    expect(work.alerts.map((alert) => alert.id)).toEqual(['01KWSAMPLE0000000000000001']);
  });

  test('removals, modifications and other items carry nothing; an alert correlation rewrote is not new work', () => {
    const [outbox, alert] = records as [StreamRecord, StreamRecord];
    const rewritten = structuredClone(alert);
    rewritten.dynamodb!.NewImage!.incidentId = { S: 'inc-1' };
    const other = structuredClone(alert);
    other.dynamodb!.NewImage!.entity = { S: 'incident' };
    expect(matchesPattern(STREAM_RELAY.filter, { ...outbox, eventName: 'REMOVE' })).toBe(false);
    expect(matchesPattern(STREAM_RELAY.filter, other)).toBe(false);
    expect(workOf([{ ...outbox, eventName: 'MODIFY' }, rewritten, other])).toEqual({ events: [], alerts: [], ignored: 3 });
  });

  test('an outbox item whose event breaks its contract fails the batch, loudly, instead of dropping it', () => {
    const [outbox] = records as [StreamRecord];
    const broken = structuredClone(outbox);
    const events = broken.dynamodb!.NewImage!.events as { L: Array<{ M: Record<string, { S?: string }> }> };
    events.L[0]!.M.detailType = { S: 'IncidentDeleted' };
    expect(() => workOf([broken])).toThrow(/Unknown detail-type/);
  });

  test('the batch is handed to the bus and the queue, and a failure of either throws (the Pipe retries it)', async () => {
    const published: DomainEvent[] = [];
    const queued: string[] = [];
    const result = await relayStreamRecords(records, {
      publish: async (events) => void published.push(...events),
      enqueue: async (alerts) => void queued.push(...alerts.map((alert) => alert.id)),
    });
    expect(result).toEqual({ events: 1, alerts: 1, ignored: 0 });
    expect(published[0]!.detail.eventId).toBe('01KWSAMPLEEVENT00000000000');
    expect(queued).toEqual(['01KWSAMPLE0000000000000001']);
    await expect(
      relayStreamRecords(records, {
        publish: async () => {
          throw new Error('EventBridge rejected 1 of 1 events');
        },
        enqueue: async () => undefined,
      }),
    ).rejects.toThrow(/rejected/);
  });
});
