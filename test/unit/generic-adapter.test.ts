// The `generic` webhook format adapter and the label/time helpers it shares with the other adapters.
import * as z from 'zod';
import { derivedDedupKey, parseGeneric } from '../../lib/ingest/generic';
import { LABEL_LIMITS, capLabels, toUtcIso } from '../../lib/ingest/normalize';

const RECEIVED_AT = new Date('2024-05-01T12:34:56.789Z');

function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    asset_name: 'web-01',
    signature: 'HighCPU',
    severity: 'high',
    message: 'CPU above 95% for 5 minutes',
    tool_source: 'zabbix',
    ...overrides,
  };
}

/** Parses one payload and returns its single alert. */
function parseOne(overrides: Record<string, unknown> = {}) {
  const alerts = parseGeneric(payload(overrides), RECEIVED_AT);
  expect(alerts).toHaveLength(1);
  return alerts[0]!;
}

describe('parseGeneric: a valid payload', () => {
  test('maps the generic fields onto a normalized alert', () => {
    expect(parseOne({ tool_source: 'Zabbix', timestamp: '2024-05-01T10:00:00Z' })).toEqual({
      source: 'zabbix',
      status: 'firing',
      severity: 'high',
      assetRef: 'web-01',
      signature: 'HighCPU',
      message: 'CPU above 95% for 5 minutes',
      labels: {},
      dedupKey: 'zabbix|web-01|highcpu',
      occurredAt: '2024-05-01T10:00:00.000Z',
    });
  });

  test.each([
    ['warning', 'medium'],
    ['CRITICAL', 'critical'],
    ['error', 'high'],
    ['information', 'info'],
    ['  Warn ', 'medium'],
    ['minor', 'low'],
  ])('severity %p is read as %p', (given, expected) => {
    expect(parseOne({ severity: given }).severity).toBe(expected);
  });

  test('status defaults to firing', () => {
    expect(parseOne().status).toBe('firing');
  });

  test('status resolved is kept', () => {
    expect(parseOne({ status: 'resolved' }).status).toBe('resolved');
  });

  test('a timestamp with a +02:00 offset becomes the same instant in UTC', () => {
    expect(parseOne({ timestamp: '2024-03-01T12:00:00+02:00' }).occurredAt).toBe('2024-03-01T10:00:00.000Z');
  });

  test('a missing timestamp falls back to the time the webhook was received', () => {
    expect(parseOne().occurredAt).toBe(RECEIVED_AT.toISOString());
  });

  test('a dedup_key sent by the tool is used as given', () => {
    expect(parseOne({ dedup_key: 'Zabbix-Event-12345' }).dedupKey).toBe('Zabbix-Event-12345');
  });

  test('without dedup_key the key is derived from tool, asset and signature, lower-cased', () => {
    expect(parseOne({ tool_source: 'Zabbix', asset_name: 'WEB-01', signature: 'HighCPU' }).dedupKey).toBe('zabbix|web-01|highcpu');
  });

  test('a resolved alert derives the same dedup key as its firing alert, whatever the case of its fields', () => {
    const firing = parseOne({ tool_source: 'Zabbix', asset_name: 'Web-01', signature: 'HighCPU' });
    const resolved = parseOne({ tool_source: 'zabbix', asset_name: 'web-01', signature: 'HIGHCPU', status: 'resolved', severity: 'info' });
    expect(resolved.dedupKey).toBe(firing.dedupKey);
  });

  test('different signatures on one asset derive different dedup keys', () => {
    expect(parseOne({ signature: 'HighCPU' }).dedupKey).not.toBe(parseOne({ signature: 'DiskFull' }).dedupKey);
  });

  test('unknown extra fields end up in labels, stringified, next to the given labels', () => {
    const alert = parseOne({
      labels: { team: 'ops', port: 9100, paged: true },
      region: 'eu-west-1',
      retries: 3,
      nested: { a: [1, 2] },
      flag: false,
    });
    expect(alert.labels).toEqual({
      team: 'ops',
      port: '9100',
      paged: 'true',
      region: 'eu-west-1',
      retries: '3',
      nested: '{"a":[1,2]}',
      flag: 'false',
    });
  });

  test('known fields are not copied into labels', () => {
    const alert = parseOne({ status: 'resolved', timestamp: '2024-05-01T10:00:00Z', dedup_key: 'k' });
    expect(Object.keys(alert.labels)).toEqual([]);
  });

  test('null extra fields are dropped rather than rejected', () => {
    expect(parseOne({ ticket: null }).labels).toEqual({});
  });

  test('many large extra fields never cause a rejection; labels are capped in count and value length', () => {
    const extras = Object.fromEntries(Array.from({ length: LABEL_LIMITS.maxLabels + 20 }, (_, i) => [`extra_${i}`, 'x'.repeat(5000)]));
    const alert = parseOne(extras);
    const values = Object.values(alert.labels);
    expect(values).toHaveLength(LABEL_LIMITS.maxLabels);
    expect(values.every((value) => value.length === LABEL_LIMITS.maxValueLength)).toBe(true);
  });

  test('an array body yields one alert per element, in order', () => {
    const alerts = parseGeneric(
      [payload({ asset_name: 'web-01' }), payload({ asset_name: 'web-02', status: 'resolved' }), payload({ asset_name: 'db-01' })],
      RECEIVED_AT,
    );
    expect(alerts.map((a) => [a.assetRef, a.status])).toEqual([
      ['web-01', 'firing'],
      ['web-02', 'resolved'],
      ['db-01', 'firing'],
    ]);
  });
});

describe('parseGeneric: invalid payloads throw a ZodError', () => {
  test.each<[string, Record<string, unknown>]>([
    ['missing signature', { signature: undefined }],
    ['blank signature', { signature: '   ' }],
    ['missing asset_name', { asset_name: undefined }],
    ['unknown severity', { severity: 'apocalyptic' }],
    ['numeric severity', { severity: 5 }],
    ['unknown status', { status: 'acknowledged' }],
    ['unparseable timestamp', { timestamp: 'yesterday' }],
    ['timestamp without a time', { timestamp: '2024-05-01' }],
    ['label value that is an object', { labels: { team: { name: 'ops' } } }],
  ])('%s', (_name, overrides) => {
    expect(() => parseGeneric(payload(overrides), RECEIVED_AT)).toThrow(z.ZodError);
  });

  test('one invalid element rejects the whole array', () => {
    expect(() => parseGeneric([payload(), payload({ status: 'bogus' })], RECEIVED_AT)).toThrow(z.ZodError);
  });

  test('a body that is not an object is rejected', () => {
    expect(() => parseGeneric('HighCPU on web-01', RECEIVED_AT)).toThrow(z.ZodError);
  });

  // BUG (lib/ingest/generic.ts, severity schema): `value in severityAliases` also finds properties inherited
  // from Object.prototype, so "constructor" is accepted and becomes the Object function as the severity.
  test.each([['constructor'], ['__proto__']])('severity %p, an Object.prototype property name, is rejected', (severity) => {
    expect(() => parseGeneric(payload({ severity }), RECEIVED_AT)).toThrow(z.ZodError);
  });
});

describe('derivedDedupKey', () => {
  test('joins trimmed, lower-cased tool, asset and signature with "|"', () => {
    expect(derivedDedupKey(' Prometheus ', 'DB-01:9100', ' DiskFull')).toBe('prometheus|db-01:9100|diskfull');
  });
});

describe('capLabels', () => {
  test('truncates over-long keys to maxKeyLength', () => {
    const labels = capLabels({ ['k'.repeat(LABEL_LIMITS.maxKeyLength + 50)]: 'v' });
    expect(Object.keys(labels)).toEqual(['k'.repeat(LABEL_LIMITS.maxKeyLength)]);
  });

  test('skips undefined and null values without counting them towards the limit', () => {
    const input: Record<string, unknown> = { a: undefined, b: null };
    for (let i = 0; i < LABEL_LIMITS.maxLabels; i++) input[`k${i}`] = i;
    const labels = capLabels(input);
    expect(Object.keys(labels)).toHaveLength(LABEL_LIMITS.maxLabels);
    expect(labels).not.toHaveProperty('a');
    expect(labels[`k${LABEL_LIMITS.maxLabels - 1}`]).toBe(String(LABEL_LIMITS.maxLabels - 1));
  });
});

describe('toUtcIso', () => {
  test('converts any offset to UTC with milliseconds', () => {
    expect(toUtcIso('2024-01-01T00:30:00-05:30')).toBe('2024-01-01T06:00:00.000Z');
  });

  test('rejects a string that is not a date', () => {
    expect(() => toUtcIso('not a date')).toThrow(/Not a date/);
  });
});

test('a label named __proto__ is kept as a label, renamed (safeLabelName) and never a prototype', () => {
  const labels = capLabels(JSON.parse('{"__proto__": "x", "a": "b"}'));
  expect(Object.keys(labels)).toEqual(['__proto___', 'a']);
  expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
});
