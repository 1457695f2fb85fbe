// What a dashboard may send on the WebSocket `$default` route, and which domain events are incident-level.
// Pure functions only: no table, no socket.
import { DETAIL_TYPES } from '../../lib/domain/events';
import { parseClientMessage } from '../../lib/realtime/client-messages';
import { INCIDENT_DETAIL_EVENTS } from '../../lib/realtime/push';
import { keys } from '../../lib/store/keys';

const INCIDENT = '01J9ZQ4V8W3N6X2M5K7P0R1S2T';

describe('parseClientMessage', () => {
  test.each([
    ['ping with an id', { type: 'ping', id: 'p1' }, { type: 'ping', id: 'p1' }],
    ['ping without an id', { type: 'ping' }, { type: 'ping' }],
    ['ping named by action (API Gateway route selection)', { action: 'ping' }, { type: 'ping' }],
    [
      'subscribe',
      { type: 'subscribe', tenantId: 'acme', incidentId: INCIDENT, id: 's1' },
      { type: 'subscribe', tenantId: 'acme', incidentId: INCIDENT, id: 's1' },
    ],
    [
      'unsubscribe named by action, unknown fields dropped',
      { action: 'unsubscribe', tenantId: 'globex', incidentId: INCIDENT, extra: true },
      { type: 'unsubscribe', tenantId: 'globex', incidentId: INCIDENT },
    ],
  ])('accepts %s', (_name, frame, expected) => {
    expect(parseClientMessage(JSON.stringify(frame))).toEqual({ ok: true, message: expected });
  });

  test.each([
    ['no body', undefined],
    ['not JSON', 'ping'],
    ['a JSON array', '[{"type":"ping"}]'],
    ['a JSON string', '"ping"'],
    ['null', 'null'],
  ])('answers bad_request to %s', (_name, body) => {
    expect(parseClientMessage(body)).toEqual({
      ok: false,
      error: { type: 'error', code: 'bad_request', message: 'Expected a JSON object' },
    });
  });

  test.each([
    ['an unknown type', { type: 'subscribeAll', id: 'x1' }, /Unknown message type 'subscribeAll'/],
    ['no type at all', { id: 'x1' }, /Unknown message type ''/],
    ['a non-string type', { type: 7, id: 'x1' }, /Unknown message type/],
    ['subscribe without an incident', { type: 'subscribe', tenantId: 'acme', id: 'x1' }, /incidentId/],
    ['subscribe without a tenant', { type: 'subscribe', incidentId: INCIDENT, id: 'x1' }, /tenantId/],
    ['a tenant id with the key separator', { type: 'subscribe', tenantId: 'acme#INC', incidentId: INCIDENT, id: 'x1' }, /tenantId/],
    ['an incident id with the key separator', { type: 'subscribe', tenantId: 'acme', incidentId: 'a#b', id: 'x1' }, /incidentId/],
    ['an empty incident id', { type: 'unsubscribe', tenantId: 'acme', incidentId: '', id: 'x1' }, /incidentId/],
    ['an overlong incident id', { type: 'unsubscribe', tenantId: 'acme', incidentId: 'A'.repeat(65), id: 'x1' }, /incidentId/],
    ['a numeric incident id', { type: 'subscribe', tenantId: 'acme', incidentId: 42, id: 'x1' }, /incidentId/],
    ['an overlong request id on ping', { type: 'ping', id: 'x'.repeat(129) }, /id/],
  ])('answers bad_request to %s, echoing a usable id', (_name, frame, reason) => {
    const parsed = parseClientMessage(JSON.stringify(frame));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatchObject({ type: 'error', code: 'bad_request', message: expect.stringMatching(reason) });
    const id = (frame as { id?: unknown }).id;
    if (typeof id === 'string' && id.length <= 128) expect(parsed.error.id).toBe(id);
    else expect(parsed.error).not.toHaveProperty('id');
  });

  test('a non-string request id is not echoed', () => {
    const parsed = parseClientMessage(JSON.stringify({ type: 'nope', id: { x: 1 } }));
    expect(parsed).toEqual({ ok: false, error: { type: 'error', code: 'bad_request', message: "Unknown message type 'nope'" } });
  });
});

describe('INCIDENT_DETAIL_EVENTS', () => {
  test("holds the events about one incident's progress", () => {
    expect([...INCIDENT_DETAIL_EVENTS].sort()).toEqual(
      [DETAIL_TYPES.incidentUpdated, DETAIL_TYPES.executionStarted, DETAIL_TYPES.executionFinished].sort(),
    );
  });

  test("leaves the tenant-level events (the dashboard's list and live feed) to every connection of the tenant", () => {
    for (const type of [
      DETAIL_TYPES.incidentOpened,
      DETAIL_TYPES.incidentResolved,
      DETAIL_TYPES.approvalRequested,
      DETAIL_TYPES.approvalDecided,
      DETAIL_TYPES.remediationDecided,
      'SlaWarning',
      'SlaBreached',
      'IncidentEscalated',
    ]) {
      expect(INCIDENT_DETAIL_EVENTS.has(type)).toBe(false);
    }
  });
});

describe('incident subscription keys', () => {
  test("live under the incident's tenant, apart from the tenant's own subscribers and the incident's items", () => {
    expect(keys.wsIncidentSubscription('acme', INCIDENT, 'conn-1')).toEqual({ pk: `T#acme#WSINC#${INCIDENT}`, sk: 'conn-1' });
    expect(keys.wsIncidentSubscribers('acme', INCIDENT)).toEqual({ pk: `T#acme#WSINC#${INCIDENT}` });
    expect(keys.wsIncidentSubscribers('acme', INCIDENT).pk).not.toBe(keys.wsTenantSubscribers('acme').pk);
    expect(keys.wsIncidentSubscribers('acme', INCIDENT).pk).not.toBe(keys.incident('acme', INCIDENT).pk);
    expect(() => keys.wsIncidentSubscription('acme#x', INCIDENT, 'conn-1')).toThrow('Invalid tenant id');
  });
});
