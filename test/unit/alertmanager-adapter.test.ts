// The Prometheus Alertmanager webhook adapter (webhook `alertmanager`), against the sample notifications in
// events/webhooks/alertmanager, which follow the webhook_config payload of Alertmanager's documentation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { normalizedAlertSchema } from '../../lib/domain/alert';
import { isUnsetTime, labelFingerprint, parseAlertmanager, severityFromLabel } from '../../lib/ingest/alertmanager';

const RECEIVED_AT = new Date('2026-11-24T19:01:13.000Z');

function sample(name: string): any {
  return JSON.parse(readFileSync(join(process.cwd(), 'events/webhooks/alertmanager', name), 'utf8'));
}

const firing = sample('firing.json');
const resolved = sample('resolved.json');

const DB_LABELS = {
  alertname: 'NodeFilesystemSpaceFillingUp',
  device: '/dev/nvme1n1',
  fstype: 'ext4',
  instance: 'db-prod-01.acme.internal:9100',
  job: 'node',
  mountpoint: '/var/lib/postgresql',
  severity: 'critical',
  team: 'infra',
};
const DATA_LABELS = {
  alertname: 'NodeFilesystemSpaceFillingUp',
  device: '/dev/sdb1',
  fstype: 'ext4',
  instance: '10.0.2.11:9100',
  job: 'node',
  mountpoint: '/data',
  severity: 'warning',
  team: 'infra',
};
const RUNBOOK = 'https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup';
const DB_GENERATOR =
  'http://prometheus-0.acme.internal:9090/graph?g0.expr=%28node_filesystem_avail_bytes%7Bfstype%21%3D%22%22%2Cjob%3D%22node%22%7D+%2F+node_filesystem_size_bytes%7Bfstype%21%3D%22%22%2Cjob%3D%22node%22%7D+%2A+100+%3C+15%29&g0.tab=1';
const DATA_GENERATOR =
  'http://prometheus-0.acme.internal:9090/graph?g0.expr=%28node_filesystem_avail_bytes%7Bfstype%21%3D%22%22%2Cjob%3D%22node%22%7D+%2F+node_filesystem_size_bytes%7Bfstype%21%3D%22%22%2Cjob%3D%22node%22%7D+%2A+100+%3C+40%29&g0.tab=1';

/** The firing sample with its first alert changed (labels and annotations replace, the rest merges). */
function withAlert(overrides: Record<string, unknown>, body: any = firing): any {
  const copy = structuredClone(body);
  copy.alerts = [{ ...copy.alerts[0], ...overrides }];
  return copy;
}

function parseOne(body: unknown) {
  const alerts = parseAlertmanager(body, RECEIVED_AT);
  expect(alerts).toHaveLength(1);
  return alerts[0]!;
}

describe('parseAlertmanager: the sample notifications', () => {
  test('a firing group of two alerts yields two alerts, mapped field by field', () => {
    expect(parseAlertmanager(firing, RECEIVED_AT)).toEqual([
      {
        source: 'alertmanager',
        status: 'firing',
        severity: 'critical',
        assetRef: 'db-prod-01.acme.internal:9100',
        signature: 'NodeFilesystemSpaceFillingUp',
        message: 'Filesystem is predicted to run out of space within the next 4 hours.',
        labels: {
          ...DB_LABELS,
          'annotation.description':
            'Filesystem on /dev/nvme1n1, mounted on /var/lib/postgresql, at db-prod-01.acme.internal:9100 has only 9.84% available space left and is filling up fast.',
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'Filesystem is predicted to run out of space within the next 4 hours.',
          generatorURL: DB_GENERATOR,
        },
        dedupKey: 'alertmanager:0e3905bd04ef5922',
        occurredAt: '2026-11-24T18:52:26.739Z',
        toolDeliveryId: 'alertmanager:0e3905bd04ef5922:firing:2026-11-24T18:52:26.739266876Z',
      },
      {
        source: 'alertmanager',
        status: 'firing',
        severity: 'medium',
        assetRef: '10.0.2.11:9100',
        signature: 'NodeFilesystemSpaceFillingUp',
        message: 'Filesystem is predicted to run out of space within the next 24 hours.',
        labels: {
          ...DATA_LABELS,
          'annotation.description':
            'Filesystem on /dev/sdb1, mounted on /data, at 10.0.2.11:9100 has only 27.31% available space left and is filling up.',
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'Filesystem is predicted to run out of space within the next 24 hours.',
          generatorURL: DATA_GENERATOR,
        },
        dedupKey: 'alertmanager:29889bc01c5c7cbb',
        occurredAt: '2026-11-24T18:57:11.104Z',
        toolDeliveryId: 'alertmanager:29889bc01c5c7cbb:firing:2026-11-24T18:57:11.104520385Z',
      },
    ]);
  });

  test('the resolved group yields two resolved alerts that occurred at their endsAt', () => {
    expect(parseAlertmanager(resolved, RECEIVED_AT)).toEqual([
      {
        source: 'alertmanager',
        status: 'resolved',
        severity: 'critical',
        assetRef: 'db-prod-01.acme.internal:9100',
        signature: 'NodeFilesystemSpaceFillingUp',
        message: 'Filesystem is predicted to run out of space within the next 4 hours.',
        labels: {
          ...DB_LABELS,
          'annotation.description':
            'Filesystem on /dev/nvme1n1, mounted on /var/lib/postgresql, at db-prod-01.acme.internal:9100 has only 9.61% available space left and is filling up fast.',
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'Filesystem is predicted to run out of space within the next 4 hours.',
          generatorURL: DB_GENERATOR,
        },
        dedupKey: 'alertmanager:0e3905bd04ef5922',
        occurredAt: '2026-11-24T19:41:56.739Z',
        toolDeliveryId: 'alertmanager:0e3905bd04ef5922:resolved:2026-11-24T18:52:26.739266876Z',
      },
      {
        source: 'alertmanager',
        status: 'resolved',
        severity: 'medium',
        assetRef: '10.0.2.11:9100',
        signature: 'NodeFilesystemSpaceFillingUp',
        message: 'Filesystem is predicted to run out of space within the next 24 hours.',
        labels: {
          ...DATA_LABELS,
          'annotation.description':
            'Filesystem on /dev/sdb1, mounted on /data, at 10.0.2.11:9100 has only 26.95% available space left and is filling up.',
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'Filesystem is predicted to run out of space within the next 24 hours.',
          generatorURL: DATA_GENERATOR,
        },
        dedupKey: 'alertmanager:29889bc01c5c7cbb',
        occurredAt: '2026-11-24T19:43:11.104Z',
        toolDeliveryId: 'alertmanager:29889bc01c5c7cbb:resolved:2026-11-24T18:57:11.104520385Z',
      },
    ]);
  });

  test('each resolved alert has the dedup key of its firing alert, and a different delivery id', () => {
    const fired = parseAlertmanager(firing, RECEIVED_AT);
    const ended = parseAlertmanager(resolved, RECEIVED_AT);
    expect(ended.map((alert) => alert.dedupKey)).toEqual(fired.map((alert) => alert.dedupKey));
    ended.forEach((alert, index) => expect(alert.toolDeliveryId).not.toBe(fired[index]!.toolDeliveryId));
  });

  test('every mapped alert satisfies the normalized alert contract', () => {
    for (const alert of [...parseAlertmanager(firing, RECEIVED_AT), ...parseAlertmanager(resolved, RECEIVED_AT)]) {
      const { toolDeliveryId: _id, ...normalized } = alert;
      expect(normalizedAlertSchema.parse(normalized)).toEqual(normalized);
    }
  });

  test("the samples' fingerprints are the ones Alertmanager computes from their labels", () => {
    for (const alert of firing.alerts) expect(labelFingerprint(alert.labels)).toBe(alert.fingerprint);
  });
});

describe('parseAlertmanager: severity', () => {
  test.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['Emergency', 'critical'],
    ['error', 'high'],
    ['high', 'high'],
    ['major', 'high'],
    ['warning', 'medium'],
    ['warn', 'medium'],
    ['medium', 'medium'],
    ['low', 'low'],
    ['minor', 'low'],
    ['info', 'info'],
    ['informational', 'info'],
    ['none', 'info'],
    [' WARNING ', 'medium'],
  ])('labels.severity %p is read as %p', (given, expected) => {
    expect(parseOne(withAlert({ labels: { ...DB_LABELS, severity: given } })).severity).toBe(expected);
  });

  test('a missing severity label is medium', () => {
    const { severity: _severity, ...labels } = DB_LABELS;
    expect(parseOne(withAlert({ labels })).severity).toBe('medium');
  });

  test('an unknown severity is medium, not a rejection', () => {
    expect(parseOne(withAlert({ labels: { ...DB_LABELS, severity: 'sev-7-ish' } })).severity).toBe('medium');
    expect(severityFromLabel(undefined)).toBe('medium');
  });
});

describe('parseAlertmanager: asset, message and labels', () => {
  test.each([
    [{ instance: '10.0.1.10:9100', host: 'h', node: 'n' }, '10.0.1.10:9100'],
    [{ host: 'web-01', hostname: 'web-01.acme.internal', job: 'node' }, 'web-01'],
    [{ hostname: 'web-02.acme.internal', job: 'node' }, 'web-02.acme.internal'],
    [{ node: 'ip-10-0-3-7.ec2.internal', pod: 'api-5d9f' }, 'ip-10-0-3-7.ec2.internal'],
    [{ pod: 'api-5d9f7c6b8-x2x9q', service: 'api' }, 'api-5d9f7c6b8-x2x9q'],
    [{ service: 'payments', job: 'blackbox' }, 'payments'],
    [{ job: 'blackbox' }, 'blackbox'],
    [{}, 'unknown'],
  ])('labels %p give the asset %p', (labels, expected) => {
    expect(parseOne(withAlert({ labels: { alertname: 'Probe', ...labels } })).assetRef).toBe(expected);
  });

  test('an alert with no host label (a Watchdog, a rule over a job) is host-less: shown by its job, never an asset', () => {
    const watchdog = parseOne(withAlert({ labels: { alertname: 'Watchdog', severity: 'none' } }));
    expect(watchdog).toMatchObject({ assetRef: 'unknown', hostless: true });
    expect(parseOne(withAlert({ labels: { alertname: 'TargetDown', job: 'node' } }))).toMatchObject({ assetRef: 'node', hostless: true });
    expect(parseOne(withAlert({ labels: { alertname: 'Probe', instance: 'web-01:9100', job: 'node' } })).hostless).toBeUndefined();
  });

  test('the message falls back from summary to description, message, then the alert name', () => {
    const labels = { alertname: 'DiskFull', instance: 'db-prod-01' };
    expect(parseOne(withAlert({ labels, annotations: { description: 'Disk is full', message: 'm' } })).message).toBe('Disk is full');
    expect(parseOne(withAlert({ labels, annotations: { message: 'Disk is 99% full' } })).message).toBe('Disk is 99% full');
    expect(parseOne(withAlert({ labels, annotations: {} })).message).toBe('DiskFull');
    expect(parseOne(withAlert({ labels, annotations: undefined })).message).toBe('DiskFull');
  });

  test('unknown fields of the alert and of the body are kept in labels, after the alert labels', () => {
    const body = withAlert({ labels: { alertname: 'DiskFull', instance: 'db-01' }, annotations: {}, silenced: false, extra: { a: 1 } });
    body.tenantHint = 'acme';
    body.instance = 'must-not-override';
    const alert = parseOne(body);
    expect(alert.labels).toEqual({
      alertname: 'DiskFull',
      instance: 'db-01',
      generatorURL: DB_GENERATOR,
      silenced: 'false',
      extra: '{"a":1}',
      tenantHint: 'acme',
    });
  });

  test('a non-string label value is kept as text rather than rejected', () => {
    expect(parseOne(withAlert({ labels: { alertname: 'X', instance: 'db-01', shard: 3 } })).labels.shard).toBe('3');
  });
});

describe('parseAlertmanager: times and keys', () => {
  test("a firing alert's zero endsAt is ignored: it occurred at startsAt", () => {
    expect(parseOne(withAlert({ endsAt: '0001-01-01T00:00:00Z' })).occurredAt).toBe('2026-11-24T18:52:26.739Z');
  });

  test('a resolved alert whose endsAt is the zero time falls back to startsAt', () => {
    expect(parseOne(withAlert({ status: 'resolved', endsAt: '0001-01-01T00:00:00Z' })).occurredAt).toBe('2026-11-24T18:52:26.739Z');
  });

  test('without startsAt and endsAt the alert occurred when received', () => {
    const alert = parseOne(withAlert({ status: 'resolved', startsAt: undefined, endsAt: '0001-01-01T00:00:00Z' }));
    expect(alert.occurredAt).toBe(RECEIVED_AT.toISOString());
    expect(alert.toolDeliveryId).toBeUndefined();
  });

  test('an offset timestamp becomes UTC', () => {
    expect(parseOne(withAlert({ startsAt: '2026-11-24T20:52:26.5+02:00' })).occurredAt).toBe('2026-11-24T18:52:26.500Z');
  });

  test('isUnsetTime recognises Go zero time and absence only', () => {
    expect(isUnsetTime('0001-01-01T00:00:00Z')).toBe(true);
    expect(isUnsetTime(undefined)).toBe(true);
    expect(isUnsetTime('2026-11-24T19:41:56Z')).toBe(false);
  });

  test('without a fingerprint the dedup key is the fingerprint computed from the labels, same for firing and resolved', () => {
    const fired = parseOne(withAlert({ fingerprint: undefined }));
    const ended = parseOne(withAlert({ fingerprint: undefined, labels: { ...DB_LABELS } }, resolved));
    expect(fired.dedupKey).toBe('alertmanager:0e3905bd04ef5922');
    expect(ended.dedupKey).toBe(fired.dedupKey);
    expect(fired.toolDeliveryId).toBeUndefined();
  });

  test('label order does not change the derived key', () => {
    const reversed = Object.fromEntries(Object.entries(DB_LABELS).reverse());
    expect(labelFingerprint(reversed)).toBe(labelFingerprint(DB_LABELS));
  });

  test("Prometheus's own fingerprint test vectors", () => {
    expect(BigInt(`0x${labelFingerprint({})}`)).toBe(14695981039346656037n);
    expect(BigInt(`0x${labelFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })}`)).toBe(5799056148416392346n);
  });

  test("an alert without its own status takes the group's", () => {
    const body = withAlert({ status: undefined }, resolved);
    expect(parseOne(body).status).toBe('resolved');
  });
});

describe('parseAlertmanager: payload shape', () => {
  test('an empty alerts array yields no alerts', () => {
    expect(parseAlertmanager({ ...firing, alerts: [] }, RECEIVED_AT)).toEqual([]);
  });

  test('a mixed group maps each alert with its own status', () => {
    const body = structuredClone(firing);
    body.alerts[1] = resolved.alerts[1];
    expect(parseAlertmanager(body, RECEIVED_AT).map((alert) => alert.status)).toEqual(['firing', 'resolved']);
  });

  test.each([
    ['not an object', 'hello'],
    ['null', null],
    ['an array', [firing]],
    ['no alerts', { ...firing, alerts: undefined }],
    ['alerts not an array', { ...firing, alerts: { 0: firing.alerts[0] } }],
    ['an alert without labels', withAlert({ labels: undefined })],
    ['an alert without alertname', withAlert({ labels: { instance: 'db-01' } })],
    ['a blank alertname', withAlert({ labels: { alertname: '  ' } })],
    ['an unknown status', withAlert({ status: 'pending' })],
    ['a startsAt that is not a time', withAlert({ startsAt: 'yesterday' })],
  ])('%s throws a ZodError', (_case, body) => {
    expect(() => parseAlertmanager(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});
