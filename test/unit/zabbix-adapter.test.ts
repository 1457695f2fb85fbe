// The `zabbix` webhook format adapter, its documented media type parameters and its webhook script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { normalizedAlertSchema } from '../../lib/domain/alert';
import {
  ZABBIX_SCRIPT_PARAMETERS,
  ZABBIX_WEBHOOK_PARAMETERS,
  ZABBIX_WEBHOOK_SCRIPT,
  parseZabbix,
  parseZabbixTags,
  zabbixInstant,
} from '../../lib/ingest/zabbix';

const RECEIVED_AT = new Date('2026-11-24T19:30:00.000Z');

function event(name: 'firing' | 'resolved'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(process.cwd(), 'events/webhooks/zabbix', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

function parseOne(body: unknown) {
  const alerts = parseZabbix(body, RECEIVED_AT);
  expect(alerts).toHaveLength(1);
  expect(() => normalizedAlertSchema.parse(alerts[0])).not.toThrow();
  return alerts[0]!;
}

describe('parseZabbix: the events files', () => {
  test('maps a problem notification onto a firing alert', () => {
    expect(parseOne(event('firing'))).toEqual({
      source: 'zabbix',
      status: 'firing',
      severity: 'high',
      assetRef: 'app-prod-01',
      signature: 'Linux: High CPU utilization',
      message:
        'Problem started at 20:01:12 on 2026.11.24\nProblem name: Linux: High CPU utilization (over 90% for 5m)\nHost: app-prod-01\nSeverity: High\nOperational data: Current utilization: 97.3 %\nOriginal problem ID: 4127755',
      labels: {
        event_id: '4127755',
        event_status: 'PROBLEM',
        event_severity: 'High',
        event_nseverity: '4',
        event_name: 'Linux: High CPU utilization (over 90% for 5m)',
        event_opdata: 'Current utilization: 97.3 %',
        event_update_status: '0',
        trigger_id: '23987',
        host_host: 'app-prod-01',
        host_ip: '10.20.1.15',
        class: 'os',
        component: 'cpu',
        scope: 'performance',
        target: 'linux',
      },
      dedupKey: 'zabbix:23987:app-prod-01',
      // 20:01:12 server time in Europe/Berlin, UTC+1 in November.
      occurredAt: '2026-11-24T19:01:12.000Z',
      toolDeliveryId: 'zabbix:4127755:1',
    });
  });

  test('maps the recovery onto a resolved alert at the recovery time, with the same dedup key', () => {
    const firing = parseOne(event('firing'));
    const resolved = parseOne(event('resolved'));
    expect(resolved).toMatchObject({
      status: 'resolved',
      severity: 'high',
      assetRef: 'app-prod-01',
      signature: 'Linux: High CPU utilization',
      occurredAt: '2026-11-24T19:19:40.000Z',
      toolDeliveryId: 'zabbix:4127755:0',
    });
    expect(resolved.labels).toMatchObject({ event_id: '4127755', event_recovery_id: '4127802', event_status: 'RESOLVED' });
    expect(resolved.dedupKey).toBe(firing.dedupKey);
    expect(resolved.toolDeliveryId).not.toBe(firing.toolDeliveryId);
  });

  test('unresolved macros ({EVENT.RECOVERY.DATE} in a problem message) count as absent', () => {
    expect(parseOne(event('firing')).labels).not.toHaveProperty('event_recovery_id');
    expect(parseOne({ ...event('firing'), host_ip: '*UNKNOWN*' }).labels).not.toHaveProperty('host_ip');
  });

  test('the same trigger firing again (a new problem event) keeps the dedup key', () => {
    const again = parseOne({ ...event('firing'), event_id: '4128991', event_time: '21:40:03' });
    expect(again.dedupKey).toBe(parseOne(event('firing')).dedupKey);
    expect(again.toolDeliveryId).toBe('zabbix:4128991:1');
  });

  test('without {TRIGGER.ID} the trigger name keys the dedup key', () => {
    expect(parseOne({ ...event('firing'), trigger_id: undefined }).dedupKey).toBe('zabbix:Linux: High CPU utilization:app-prod-01');
  });

  test('a problem update (acknowledgement) repeats the problem delivery id', () => {
    expect(parseOne({ ...event('firing'), event_update_status: '1' }).toolDeliveryId).toBe('zabbix:4127755:1');
  });
});

describe('parseZabbix: status and severity', () => {
  test.each<[Record<string, unknown>, string]>([
    [{ event_value: '1' }, 'firing'],
    [{ event_value: '0' }, 'resolved'],
    [{ event_value: 1 }, 'firing'],
    [{ event_value: undefined, event_status: 'PROBLEM' }, 'firing'],
    [{ event_value: undefined, event_status: 'RESOLVED' }, 'resolved'],
    [{ event_value: undefined, event_status: 'OK' }, 'resolved'],
    [{ event_value: 'RESOLVED', event_status: undefined }, 'resolved'],
    [{ event_value: undefined, event_status: undefined, status: 'problem' }, 'firing'],
  ])('%p is %p', (overrides, status) => {
    expect(parseOne({ ...event('firing'), ...overrides }).status).toBe(status);
  });

  test('without value or status, a resolved recovery date means a recovery', () => {
    expect(parseOne({ ...event('resolved'), event_value: undefined, event_status: undefined }).status).toBe('resolved');
    expect(parseOne({ ...event('firing'), event_value: undefined, event_status: undefined }).status).toBe('firing');
  });

  test.each([
    ['5', 'critical'],
    ['4', 'high'],
    ['3', 'medium'],
    ['2', 'low'],
    ['1', 'info'],
    ['0', 'info'],
  ])('{EVENT.NSEVERITY} %p is %p', (event_nseverity, severity) => {
    expect(parseOne({ ...event('firing'), event_nseverity, event_severity: 'Renamed' }).severity).toBe(severity);
  });

  test.each([
    ['Disaster', 'critical'],
    ['High', 'high'],
    ['Average', 'medium'],
    ['Warning', 'low'],
    ['Information', 'info'],
    ['Not classified', 'info'],
    ['DISASTER', 'critical'],
  ])('without {EVENT.NSEVERITY}, severity name %p is %p', (event_severity, severity) => {
    expect(parseOne({ ...event('firing'), event_nseverity: '{EVENT.NSEVERITY}', event_severity }).severity).toBe(severity);
  });

  test('a renamed severity without {EVENT.NSEVERITY} is medium rather than a rejection', () => {
    expect(parseOne({ ...event('firing'), event_nseverity: undefined, event_severity: 'Sev-A' }).severity).toBe('medium');
  });
});

describe('parseZabbix: timestamps as Zabbix sends them (local date and time, no zone)', () => {
  test('default zone is UTC', () => {
    expect(parseOne({ ...event('firing'), event_timezone: undefined }).occurredAt).toBe('2026-11-24T20:01:12.000Z');
  });

  test.each([
    ['+02:00', '2026-11-24T18:01:12.000Z'],
    ['-0530', '2026-11-25T01:31:12.000Z'],
    ['UTC+1', '2026-11-24T19:01:12.000Z'],
    ['Z', '2026-11-24T20:01:12.000Z'],
    ['America/New_York', '2026-11-25T01:01:12.000Z'],
  ])('event_timezone %p', (event_timezone, expected) => {
    expect(parseOne({ ...event('firing'), event_timezone }).occurredAt).toBe(expected);
  });

  test('an IANA zone follows daylight saving time (Berlin is UTC+2 in July)', () => {
    expect(zabbixInstant('2026.07.01', '12:00:00', 'Europe/Berlin')).toBe('2026-07-01T10:00:00.000Z');
    expect(zabbixInstant('2026.01.01', '12:00:00', 'Europe/Berlin')).toBe('2026-01-01T11:00:00.000Z');
  });

  test('the timezone parameter may also be called timezone', () => {
    expect(parseOne({ ...event('firing'), event_timezone: undefined, timezone: '+01:00' }).occurredAt).toBe('2026-11-24T19:01:12.000Z');
  });

  test('recovery date and time may come as recovery_date and recovery_time', () => {
    const body = {
      ...event('resolved'),
      event_recovery_date: undefined,
      event_recovery_time: undefined,
      recovery_date: '2026.11.24',
      recovery_time: '20:19:40',
    };
    expect(parseOne(body).occurredAt).toBe('2026-11-24T19:19:40.000Z');
  });

  test('a recovery without a recovery time falls back to the receipt time, not to the problem start', () => {
    const body = { ...event('resolved'), event_recovery_date: '{EVENT.RECOVERY.DATE}', event_recovery_time: '{EVENT.RECOVERY.TIME}' };
    expect(parseOne(body).occurredAt).toBe(RECEIVED_AT.toISOString());
  });
});

describe('parseZabbix: assetRef, signature, labels', () => {
  test('assetRef falls back from visible name to technical name to IP', () => {
    expect(parseOne({ ...event('firing'), host_name: '' }).assetRef).toBe('app-prod-01');
    expect(parseOne({ ...event('firing'), host_name: '{HOST.NAME}', host_host: '{HOST.HOST}' }).assetRef).toBe('10.20.1.15');
  });

  test('signature falls back to the event name', () => {
    expect(parseOne({ ...event('firing'), trigger_name: undefined }).signature).toBe('Linux: High CPU utilization (over 90% for 5m)');
  });

  test('tags: "k:v, k2:v2", a value with colons, a bare tag', () => {
    expect(parseZabbixTags('Service:MySQL, url:http://db:3306, MySQL, team:a, team:b')).toEqual({
      Service: 'MySQL',
      url: 'http://db:3306',
      MySQL: '',
      team: 'a,b',
    });
  });

  test('unknown parameters never reject and become labels; secrets and our own parameters never do', () => {
    const alert = parseOne({
      ...event('firing'),
      customer: 'acme',
      zabbix_url: 'https://zabbix.acme.internal',
      alert_whisperer_url: 'https://aw.test/v1/webhooks/zabbix',
      alert_whisperer_api_key: 'k-123',
      servicenow_token: 's3cret',
    });
    expect(alert.labels).toMatchObject({ customer: 'acme', zabbix_url: 'https://zabbix.acme.internal' });
    expect(JSON.stringify(alert.labels)).not.toMatch(/k-123|s3cret|aw\.test/);
  });
});

describe('parseZabbix: invalid payloads throw a ZodError', () => {
  test.each<[string, unknown]>([
    ['a body that is not an object', 'PROBLEM: High CPU on app-prod-01'],
    ['no host at all', { ...event('firing'), host_name: undefined, host_host: undefined, host_ip: undefined }],
    ['only unresolved host macros', { ...event('firing'), host_name: '{HOST.NAME}', host_host: '{HOST.HOST}', host_ip: '{HOST.IP}' }],
    ['no trigger or event name', { ...event('firing'), trigger_name: undefined, event_name: undefined }],
    ['an event value that is neither 0 nor 1', { ...event('firing'), event_value: '7' }],
    ['an unknown status word', { ...event('firing'), event_value: undefined, event_status: 'ACKNOWLEDGED' }],
    ['a numeric severity out of range', { ...event('firing'), event_nseverity: '9' }],
    ['a date not in yyyy.mm.dd', { ...event('firing'), event_date: '24/11/2026' }],
    ['a time not in hh:mm:ss', { ...event('firing'), event_time: '8pm' }],
    ['an unknown time zone', { ...event('firing'), event_timezone: 'Mars/Olympus_Mons' }],
    ['an object as a parameter', { ...event('firing'), host_name: { name: 'x' } }],
  ])('%s', (_name, body) => {
    expect(() => parseZabbix(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});

/** Sample values for the macros, as Zabbix would resolve them for a problem. */
const MACRO_SAMPLES: Record<string, string> = {
  '{EVENT.ID}': '4127755',
  '{EVENT.VALUE}': '1',
  '{EVENT.STATUS}': 'PROBLEM',
  '{EVENT.SEVERITY}': 'Disaster',
  '{EVENT.NSEVERITY}': '5',
  '{EVENT.NAME}': 'MySQL: Service is down',
  '{EVENT.DATE}': '2026.11.24',
  '{EVENT.TIME}': '20:01:12',
  '{EVENT.RECOVERY.ID}': '{EVENT.RECOVERY.ID}',
  '{EVENT.RECOVERY.DATE}': '{EVENT.RECOVERY.DATE}',
  '{EVENT.RECOVERY.TIME}': '{EVENT.RECOVERY.TIME}',
  '{EVENT.UPDATE.STATUS}': '0',
  '{EVENT.TAGS}': 'component:database, service:mysql',
  '{EVENT.OPDATA}': '',
  '{HOST.NAME}': 'db-prod-01.acme.internal',
  '{HOST.HOST}': 'db-prod-01',
  '{HOST.IP}': '10.20.2.11',
  '{TRIGGER.ID}': '24011',
  '{TRIGGER.NAME}': 'MySQL: Service is down',
  '{ALERT.SUBJECT}': 'Problem: MySQL: Service is down',
  '{ALERT.MESSAGE}': 'Problem started at 20:01:12 on 2026.11.24',
};

/** The media type's parameters as Zabbix hands them to the script: every macro resolved. */
function resolvedParameters(): Record<string, string> {
  return Object.fromEntries(
    ZABBIX_WEBHOOK_PARAMETERS.map(({ name, value }) => {
      if (!/^\{[A-Z.]+\}$/.test(value)) return [name, value]; // a constant: URL, API key, time zone
      if (!Object.hasOwn(MACRO_SAMPLES, value)) throw new Error(`No sample value for ${value}`);
      return [name, MACRO_SAMPLES[value]!];
    }),
  );
}

describe('ZABBIX_WEBHOOK_PARAMETERS', () => {
  test('documents the macros the adapter reads', () => {
    const macros = Object.fromEntries(ZABBIX_WEBHOOK_PARAMETERS.map(({ name, value }) => [name, value]));
    expect(macros).toMatchObject({
      event_id: '{EVENT.ID}',
      event_value: '{EVENT.VALUE}',
      event_nseverity: '{EVENT.NSEVERITY}',
      event_date: '{EVENT.DATE}',
      event_time: '{EVENT.TIME}',
      event_recovery_date: '{EVENT.RECOVERY.DATE}',
      event_recovery_time: '{EVENT.RECOVERY.TIME}',
      event_tags: '{EVENT.TAGS}',
      host_name: '{HOST.NAME}',
      trigger_id: '{TRIGGER.ID}',
      trigger_name: '{TRIGGER.NAME}',
      event_timezone: 'UTC',
    });
  });

  test('a parameters object built from it with sample macro values parses with parseZabbix', () => {
    const alert = parseOne(resolvedParameters());
    expect(alert).toMatchObject({
      source: 'zabbix',
      status: 'firing',
      severity: 'critical',
      assetRef: 'db-prod-01.acme.internal',
      signature: 'MySQL: Service is down',
      dedupKey: 'zabbix:24011:db-prod-01.acme.internal',
      occurredAt: '2026-11-24T20:01:12.000Z',
      toolDeliveryId: 'zabbix:4127755:1',
    });
    expect(alert.labels).toMatchObject({ component: 'database', service: 'mysql', host_host: 'db-prod-01' });
  });
});

describe('ZABBIX_WEBHOOK_SCRIPT', () => {
  /** Runs the script as Zabbix would (a function body with `value` in scope), with a recording HttpRequest. */
  function runScript(params: Record<string, string>, status = 202) {
    const calls: { headers: string[]; url?: string; body?: string; proxy?: string } = { headers: [] };
    class HttpRequest {
      addHeader(header: string) {
        calls.headers.push(header);
      }
      setProxy(proxy: string) {
        calls.proxy = proxy;
      }
      post(url: string, body: string) {
        calls.url = url;
        calls.body = body;
        return '{"accepted":1}';
      }
      getStatus() {
        return status;
      }
    }
    const Zabbix = { log: () => undefined };
    const script = new Function('value', 'HttpRequest', 'Zabbix', ZABBIX_WEBHOOK_SCRIPT) as (...args: unknown[]) => unknown;
    const result = script(JSON.stringify(params), HttpRequest, Zabbix);
    return { result, calls };
  }

  test('posts the parameters as JSON with the API key header, without the URL and key in the body', () => {
    const params = { ...resolvedParameters(), alert_whisperer_url: 'https://aw.test/v1/webhooks/zabbix', alert_whisperer_api_key: 'k-123' };
    const { result, calls } = runScript(params);
    expect(result).toBe('OK');
    expect(calls.url).toBe('https://aw.test/v1/webhooks/zabbix');
    expect(calls.headers).toEqual(['Content-Type: application/json', 'X-Api-Key: k-123']);
    const body = JSON.parse(calls.body!) as Record<string, unknown>;
    for (const name of ZABBIX_SCRIPT_PARAMETERS) expect(body).not.toHaveProperty(name);
    expect(parseOne(body).dedupKey).toBe('zabbix:24011:db-prod-01.acme.internal');
  });

  test('fails the alert (so Zabbix retries) on a non-2xx answer', () => {
    const params = { ...resolvedParameters(), alert_whisperer_url: 'https://aw.test/v1/webhooks/zabbix', alert_whisperer_api_key: 'k' };
    expect(() => runScript(params, 503)).toThrow(/HTTP 503/);
  });

  test('refuses to run without the URL or the API key', () => {
    expect(() => runScript({ ...resolvedParameters(), alert_whisperer_api_key: '' })).toThrow(/required/);
  });
});
