// The `datadog` webhook format adapter: our recommended payload template and Datadog's default payload.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { normalizedAlertSchema } from '../../lib/domain/alert';
import { DATADOG_PAYLOAD_TEMPLATE, datadogInstant, parseDatadog, parseDatadogTags, parseDatadogTitle } from '../../lib/ingest/datadog';

const RECEIVED_AT = new Date('2026-11-24T19:30:00.000Z');

function event(name: 'firing' | 'resolved'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(process.cwd(), 'events/webhooks/datadog', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

function parseOne(body: unknown) {
  const alerts = parseDatadog(body, RECEIVED_AT);
  expect(alerts).toHaveLength(1);
  expect(() => normalizedAlertSchema.parse(alerts[0])).not.toThrow();
  return alerts[0]!;
}

/** Datadog's default payload (the Webhooks tile's Payload field left as it comes). */
function defaultPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    body: '%%%\nCPU on app-prod-01 is 97% (threshold 90%)\n%%%',
    last_updated: '1795546872000',
    event_type: 'query_alert_monitor',
    title: '[Triggered on {host:app-prod-01}] High CPU',
    date: '1795546872000',
    org: { id: '1000123456', name: 'Acme MSP' },
    id: '7871563910271234567',
    ...overrides,
  };
}

describe('parseDatadog: the events files (our recommended template)', () => {
  test('maps a triggered monitor onto a firing alert', () => {
    expect(parseOne(event('firing'))).toEqual({
      source: 'datadog',
      status: 'firing',
      severity: 'high',
      assetRef: 'db-prod-01.acme.internal',
      signature: 'Disk usage above 90%',
      message: expect.stringContaining('/var on db-prod-01.acme.internal is 93.2% full (threshold 90%).'),
      labels: {
        monitor_id: '148203915',
        event_id: '7871563910271234567',
        aggreg_key: '9bd4ac313a4d1e8fae2482df7b77628a',
        alert_cycle_key: '7871563910271234567',
        event_type: 'query_alert_monitor',
        alert_transition: 'Triggered',
        alert_type: 'error',
        alert_priority: 'P2',
        alert_status: 'system.disk.in_use over device:/dev/sda1,host:db-prod-01.acme.internal was > 0.9 on average during the last 5m.',
        alert_metric: 'system.disk.in_use',
        alert_query: 'avg(last_5m):avg:system.disk.in_use{env:prod} by {host,device} > 0.9',
        alert_scope: 'device:/dev/sda1,host:db-prod-01.acme.internal',
        link: 'https://app.datadoghq.eu/event/event?id=7871563910271234567',
        org_id: '1000123456',
        org_name: 'Acme MSP',
        device: '/dev/sda1',
        env: 'prod',
        host: 'db-prod-01.acme.internal',
        monitor: '',
        role: 'postgres',
        team: 'dba',
      },
      dedupKey: 'datadog:148203915:db-prod-01.acme.internal',
      occurredAt: '2026-11-24T19:01:12.000Z',
      toolDeliveryId: 'datadog:7871563910271234567',
    });
  });

  test('maps the recovery onto a resolved alert with the same dedup key and its own delivery id', () => {
    const firing = parseOne(event('firing'));
    const resolved = parseOne(event('resolved'));
    expect(resolved).toMatchObject({
      status: 'resolved',
      severity: 'high',
      assetRef: 'db-prod-01.acme.internal',
      signature: 'Disk usage above 90%',
      occurredAt: '2026-11-24T19:19:40.000Z',
      toolDeliveryId: 'datadog:7871568552113456789',
    });
    expect(resolved.labels).toMatchObject({ alert_transition: 'Recovered', alert_type: 'success' });
    expect(resolved.dedupKey).toBe(firing.dedupKey);
    expect(resolved.toolDeliveryId).not.toBe(firing.toolDeliveryId);
  });

  test('a monitor that fires again after recovering keeps its dedup key (same monitor, same host)', () => {
    const again = parseOne({ ...event('firing'), id: '7871570000000000001', alert_transition: 'Re-Triggered' });
    expect(again.dedupKey).toBe(parseOne(event('firing')).dedupKey);
    expect(again.toolDeliveryId).toBe('datadog:7871570000000000001');
  });

  test('another host of the same multi-alert monitor gets another dedup key', () => {
    const other = parseOne({ ...event('firing'), hostname: 'db-prod-02.acme.internal' });
    expect(other.dedupKey).toBe('datadog:148203915:db-prod-02.acme.internal');
  });
});

describe('parseDatadog: status and severity', () => {
  test.each([
    ['Triggered', 'error', 'firing'],
    ['Re-Triggered', 'error', 'firing'],
    ['Warn', 'warning', 'firing'],
    ['No Data', 'error', 'firing'],
    ['Renotify', 'error', 'firing'],
    ['Recovered', 'success', 'resolved'],
    ['Recovered', undefined, 'resolved'],
    [undefined, 'success', 'resolved'],
  ])('transition %p with alert_type %p is %p', (alert_transition, alert_type, status) => {
    expect(parseOne({ ...event('firing'), alert_transition, alert_type }).status).toBe(status);
  });

  test.each([
    ['P1', 'critical'],
    ['P2', 'high'],
    ['P3', 'medium'],
    ['P4', 'low'],
    ['P5', 'info'],
    ['p1', 'critical'],
  ])('priority %p is severity %p, whatever the alert type', (alert_priority, severity) => {
    expect(parseOne({ ...event('firing'), alert_priority, alert_type: 'warning' }).severity).toBe(severity);
  });

  test.each([
    ['error', 'high'],
    ['warning', 'medium'],
    ['info', 'info'],
    ['success', 'info'],
  ])('without a priority, alert_type %p is severity %p', (alert_type, severity) => {
    // Datadog sends "" for $ALERT_PRIORITY when the monitor has none, and the event title then has no [Pn].
    const body = {
      ...event('firing'),
      alert_priority: '',
      alert_type,
      title: '[Triggered on {host:db-prod-01.acme.internal}] Disk usage above 90%',
    };
    expect(parseOne(body).severity).toBe(severity);
  });

  test.each([['constructor'], ['toString'], ['bogus']])(
    'alert_type %p, not a Datadog alert type, falls back to the transition',
    (alert_type) => {
      expect(parseOne({ ...event('firing'), alert_priority: '', title: 'Disk', alert_type }).severity).toBe('high');
    },
  );

  test('a priority only in the event title marker ([P1]) is used', () => {
    const body = { ...event('firing'), alert_priority: '', alert_type: 'warning', title: '[P1] [Warn on {host:x}] Disk usage above 90%' };
    expect(parseOne(body).severity).toBe('critical');
  });

  test("$PRIORITY's event priority (normal/low) is not read as a monitor priority", () => {
    const body = { ...event('firing'), alert_priority: undefined, priority: 'normal', title: 'Disk usage above 90%' };
    expect(parseOne(body).severity).toBe('high');
  });
});

describe("parseDatadog: Datadog's default payload", () => {
  test('reads host, transition and monitor name from the event title markers', () => {
    expect(parseOne(defaultPayload())).toEqual({
      source: 'datadog',
      status: 'firing',
      severity: 'high',
      assetRef: 'app-prod-01',
      signature: 'High CPU',
      message: '%%%\nCPU on app-prod-01 is 97% (threshold 90%)\n%%%',
      labels: {
        event_id: '7871563910271234567',
        event_type: 'query_alert_monitor',
        alert_transition: 'Triggered',
        alert_scope: 'host:app-prod-01',
        org_id: '1000123456',
        org_name: 'Acme MSP',
      },
      dedupKey: 'datadog:High CPU:app-prod-01',
      occurredAt: '2026-11-24T19:01:12.000Z',
      toolDeliveryId: 'datadog:7871563910271234567',
    });
  });

  test('its recovery resolves the same dedup key', () => {
    const resolved = parseOne(defaultPayload({ id: '7871568552113456789', title: '[Recovered on {host:app-prod-01}] High CPU' }));
    expect(resolved.status).toBe('resolved');
    expect(resolved.severity).toBe('info');
    expect(resolved.dedupKey).toBe(parseOne(defaultPayload()).dedupKey);
  });

  test('a warning title is medium', () => {
    expect(parseOne(defaultPayload({ title: '[Warn on {host:app-prod-01}] High CPU' })).severity).toBe('medium');
  });
});

describe('parseDatadog: assetRef, signature and labels', () => {
  test('without $HOSTNAME the host tag names the asset', () => {
    expect(parseOne({ ...event('firing'), hostname: '' }).assetRef).toBe('db-prod-01.acme.internal');
  });

  test('without hostname or host tag, the scope names the asset', () => {
    const body = {
      ...event('firing'),
      hostname: '',
      tags: 'env:prod',
      alert_scope: 'service:checkout,env:prod',
      title: 'Errors high',
      alert_title: 'Errors high',
    };
    expect(parseOne(body)).toMatchObject({ assetRef: 'service:checkout,env:prod', hostless: true });
    expect(parseOne(event('firing')).hostless).toBeUndefined();
  });

  test('with nothing else, the title names the asset', () => {
    const alert = parseOne({ title: '[Triggered] Synthetic check failed', id: '1' });
    expect(alert.assetRef).toBe('Synthetic check failed');
    expect(alert.hostless).toBe(true);
    expect(alert.signature).toBe('Synthetic check failed');
  });

  test('without $ALERT_ID the aggregation key keys the dedup key', () => {
    expect(parseOne({ ...event('firing'), alert_id: '' }).dedupKey).toBe(
      'datadog:9bd4ac313a4d1e8fae2482df7b77628a:db-prod-01.acme.internal',
    );
  });

  test.each([
    ['[Triggered] [Memory Alert]', { name: '[Memory Alert]', transition: 'Triggered' }],
    [
      '[P1] [Re-Triggered on {host:a,device:b}] Disk',
      { name: 'Disk', priority: 'P1', transition: 'Re-Triggered', scope: 'host:a,device:b' },
    ],
    ['[No Data on {host:a}] Agent down', { name: 'Agent down', transition: 'No Data', scope: 'host:a' }],
    ['[Re-Warn] Latency', { name: 'Latency', transition: 'Re-Warn' }],
    ['Plain monitor name', { name: 'Plain monitor name' }],
  ])('title %p', (title, expected) => {
    expect(parseDatadogTitle(title)).toEqual(expected);
  });

  test('tags: k:v pairs, values with colons, bare tags, repeated keys', () => {
    expect(parseDatadogTags('env:prod, url:https://x.test:8443/a ,monitor,team:a,team:b')).toEqual({
      env: 'prod',
      url: 'https://x.test:8443/a',
      monitor: '',
      team: 'a,b',
    });
    expect(parseDatadogTags(['env:prod', 'role:db'])).toEqual({ env: 'prod', role: 'db' });
  });

  test('a tag named like an Object.prototype property is an ordinary label; a reserved one (constructor) is renamed', () => {
    const { labels } = parseOne({ ...event('firing'), tags: 'constructor:x,toString:y' });
    expect(labels).toMatchObject({ constructor_: 'x', toString: 'y' });
    expect(Object.hasOwn(labels, 'constructor')).toBe(false);
  });
});

describe('parseDatadog: timestamps as Datadog sends them', () => {
  test.each([
    ['epoch milliseconds ($DATE, $LAST_UPDATED)', '1795546872000', '2026-11-24T19:01:12.000Z'],
    ['epoch seconds ($DATE_POSIX)', '1795546872', '2026-11-24T19:01:12.000Z'],
    ['a number (variable pasted unquoted)', 1795546872000, '2026-11-24T19:01:12.000Z'],
    ['ISO 8601 with an offset', '2026-11-24T20:01:12+01:00', '2026-11-24T19:01:12.000Z'],
  ])('%s', (_name, last_updated, expected) => {
    expect(parseOne({ ...event('firing'), last_updated, date: undefined }).occurredAt).toBe(expected);
  });

  test('date is used when last_updated is absent', () => {
    expect(parseOne({ ...event('firing'), last_updated: '', date: '1795546800000' }).occurredAt).toBe('2026-11-24T19:00:00.000Z');
  });

  test('$DATE_POSIX under its own field name is read too', () => {
    expect(parseOne({ title: 'x', date_posix: '1795546872' }).occurredAt).toBe('2026-11-24T19:01:12.000Z');
  });

  test('without any date the receipt time is used', () => {
    expect(parseOne({ title: 'x' }).occurredAt).toBe(RECEIVED_AT.toISOString());
  });

  test('datadogInstant rejects what is not a time', () => {
    expect(datadogInstant('yesterday')).toBeUndefined();
    expect(datadogInstant('2026-11-24')).toBeUndefined();
  });
});

describe('parseDatadog: robustness', () => {
  test('unknown fields never reject; they become labels', () => {
    const alert = parseOne({ ...event('firing'), customer: 'acme', runbook: { url: 'https://wiki/x' }, snapshot: null });
    expect(alert.labels).toMatchObject({ customer: 'acme', runbook: '{"url":"https://wiki/x"}' });
    expect(alert.labels).not.toHaveProperty('snapshot');
  });

  test('missing optional fields never reject', () => {
    expect(parseOne({ title: '[Triggered] Heartbeat missing' })).toMatchObject({
      status: 'firing',
      severity: 'high',
      signature: 'Heartbeat missing',
      labels: { alert_transition: 'Triggered' },
    });
  });

  test('a message and title longer than the canonical limits are truncated, not rejected', () => {
    const alert = parseOne({ ...event('firing'), message: 'm'.repeat(10_000), alert_title: 't'.repeat(1000) });
    expect(alert.message).toHaveLength(4096);
    expect(alert.signature).toHaveLength(256);
  });

  test('an array body yields one alert per notification', () => {
    expect(parseDatadog([event('firing'), event('resolved')], RECEIVED_AT).map((alert) => alert.status)).toEqual(['firing', 'resolved']);
  });

  test.each<[string, unknown]>([
    ['a body that is not an object', 'Disk usage above 90%'],
    ['null', null],
    ['no title at all', { id: '1', alert_id: '2', hostname: 'h' }],
    ['only blank titles', { title: '', alert_title: '  ' }],
    ['an unparseable date', { title: 'x', date: 'yesterday' }],
    ['an object as the title', { title: { text: 'x' } }],
    ['tags as an object', { title: 'x', tags: { env: 'prod' } }],
  ])('%s throws a ZodError', (_name, body) => {
    expect(() => parseDatadog(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});

describe('DATADOG_PAYLOAD_TEMPLATE', () => {
  /** Sample values for every variable, as Datadog would substitute them. */
  const SAMPLE: Record<string, string> = {
    $ID: '7871563910271234567',
    $ALERT_ID: '148203915',
    $ALERT_CYCLE_KEY: '7871563910271234567',
    $AGGREG_KEY: '9bd4ac313a4d1e8fae2482df7b77628a',
    $EVENT_TITLE: '[P3] [Triggered on {host:app-prod-01}] High CPU',
    $ALERT_TITLE: '[Triggered on {host:app-prod-01}] High CPU',
    $EVENT_MSG: 'CPU \\"user\\" time is 97%\\nfor 5m',
    $ALERT_TRANSITION: 'Triggered',
    $ALERT_TYPE: 'error',
    $ALERT_PRIORITY: 'P3',
    $ALERT_STATUS: 'system.cpu.user over host:app-prod-01 was > 90 on average during the last 5m.',
    $ALERT_METRIC: 'system.cpu.user',
    $ALERT_QUERY: 'avg(last_5m):avg:system.cpu.user{*} by {host} > 90',
    $ALERT_SCOPE: 'host:app-prod-01',
    $HOSTNAME: 'app-prod-01',
    $TAGS: 'env:prod,host:app-prod-01,role:web',
    $EVENT_TYPE: 'query_alert_monitor',
    $DATE: '1795546872000',
    $LAST_UPDATED: '1795546872000',
    $LINK: 'https://app.datadoghq.eu/event/event?id=7871563910271234567',
    $ORG_ID: '1000123456',
    $ORG_NAME: 'Acme MSP',
  };

  function substitute(template: string, values: Record<string, string>): string {
    // The pattern takes whole names, so $ALERT_ID never matches inside $ALERT_ID_SOMETHING.
    return template.replace(/\$[A-Z_]+/g, (name) => {
      if (!Object.hasOwn(values, name)) throw new Error(`No sample value for ${name}`);
      return values[name]!;
    });
  }

  test('uses the variables the brief requires', () => {
    for (const variable of ['$ID', '$ALERT_ID', '$EVENT_TITLE', '$EVENT_MSG', '$ALERT_TRANSITION', '$ALERT_TYPE', '$ALERT_PRIORITY']) {
      expect(DATADOG_PAYLOAD_TEMPLATE).toContain(`"${variable}"`);
    }
    for (const variable of [
      '$HOSTNAME',
      '$TAGS',
      '$DATE',
      '$LAST_UPDATED',
      '$AGGREG_KEY',
      '$ORG_ID',
      '$ORG_NAME',
      '$LINK',
      '$ALERT_SCOPE',
    ]) {
      expect(DATADOG_PAYLOAD_TEMPLATE).toContain(`"${variable}"`);
    }
  });

  test('is JSON, and once substituted parses with parseDatadog to the intended alert', () => {
    expect(() => JSON.parse(DATADOG_PAYLOAD_TEMPLATE)).not.toThrow();
    const alert = parseOne(JSON.parse(substitute(DATADOG_PAYLOAD_TEMPLATE, SAMPLE)));
    expect(alert).toMatchObject({
      source: 'datadog',
      status: 'firing',
      severity: 'medium',
      assetRef: 'app-prod-01',
      signature: 'High CPU',
      message: 'CPU "user" time is 97%\nfor 5m',
      dedupKey: 'datadog:148203915:app-prod-01',
      occurredAt: '2026-11-24T19:01:12.000Z',
      toolDeliveryId: 'datadog:7871563910271234567',
    });
    expect(alert.labels).toMatchObject({
      monitor_id: '148203915',
      org_name: 'Acme MSP',
      env: 'prod',
      role: 'web',
      alert_metric: 'system.cpu.user',
    });
  });

  test('with every variable empty (a notification that fills few of them) it still parses, given a title', () => {
    const empty = Object.fromEntries(Object.keys(SAMPLE).map((name) => [name, '']));
    const alert = parseOne(JSON.parse(substitute(DATADOG_PAYLOAD_TEMPLATE, { ...empty, $EVENT_TITLE: 'Monitor x' })));
    expect(alert).toMatchObject({ signature: 'Monitor x', assetRef: 'Monitor x', occurredAt: RECEIVED_AT.toISOString() });
    expect(alert.toolDeliveryId).toBeUndefined();
  });
});
