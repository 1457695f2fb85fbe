// The Grafana webhook adapter (webhook `grafana`), against the sample notifications in events/webhooks/grafana,
// which follow the unified-alerting webhook contact point payload of Grafana's documentation; and the legacy
// (pre-unified) notification channel payload.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { normalizedAlertSchema } from '../../lib/domain/alert';
import { parseGrafana } from '../../lib/ingest/grafana';

const RECEIVED_AT = new Date('2026-11-24T19:04:00.000Z');

function sample(name: string): any {
  return JSON.parse(readFileSync(join(process.cwd(), 'events/webhooks/grafana', name), 'utf8'));
}

const firing = sample('firing.json');
const resolved = sample('resolved.json');

const BASE = 'https://grafana.acme.internal';
const RUNBOOK = 'https://wiki.acme.internal/runbooks/high-cpu';
const DESCRIPTION = '5-minute average CPU usage has been above 90% for 5 minutes.';
const GENERATOR = `${BASE}/alerting/grafana/fdxk2qa1b9ptsb/view?orgId=1`;
const DASHBOARD = `${BASE}/d/rYdddlPWk?orgId=1`;
const PANEL = `${BASE}/d/rYdddlPWk?orgId=1&viewPanel=77`;

function commonLabels(instance: string, severity: string) {
  return { alertname: 'HighCPU', grafana_folder: 'Infrastructure', instance, job: 'node', severity, team: 'infra' };
}
function silence(instance: string, severity: string) {
  return `${BASE}/alerting/silence/new?alertmanager=grafana&matcher=__alert_rule_uid__%3Dfdxk2qa1b9ptsb&matcher=instance%3D${instance.replace(':', '%3A')}&matcher=job%3Dnode&matcher=severity%3D${severity}&matcher=team%3Dinfra&orgId=1`;
}
function valueString(instance: string, value: number, condition: number) {
  const labels = `labels={instance=${instance}, job=node}`;
  return `[ var='A' ${labels} value=${value} ], [ var='B' ${labels} value=${value} ], [ var='C' ${labels} value=${condition} ]`;
}

/** The firing sample with its first alert changed (fields replace). */
function withAlert(overrides: Record<string, unknown>, body: any = firing): any {
  const copy = structuredClone(body);
  copy.alerts = [{ ...copy.alerts[0], ...overrides }];
  return copy;
}

function parseOne(body: unknown) {
  const alerts = parseGrafana(body, RECEIVED_AT);
  expect(alerts).toHaveLength(1);
  return alerts[0]!;
}

describe('parseGrafana: the sample notifications', () => {
  test('a firing group of two alerts yields two alerts, mapped field by field', () => {
    expect(parseGrafana(firing, RECEIVED_AT)).toEqual([
      {
        source: 'grafana',
        status: 'firing',
        severity: 'critical',
        assetRef: 'db-prod-01.acme.internal:9100',
        signature: 'HighCPU',
        message: 'CPU usage is 96.2% on db-prod-01.acme.internal:9100',
        labels: {
          ...commonLabels('db-prod-01.acme.internal:9100', 'critical'),
          'annotation.description': DESCRIPTION,
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'CPU usage is 96.2% on db-prod-01.acme.internal:9100',
          generatorURL: GENERATOR,
          silenceURL: silence('db-prod-01.acme.internal:9100', 'critical'),
          dashboardURL: DASHBOARD,
          panelURL: PANEL,
          valueString: valueString('db-prod-01.acme.internal:9100', 96.2, 1),
          'value.A': '96.2',
          'value.B': '96.2',
          'value.C': '1',
        },
        dedupKey: 'grafana:a5d3c8e1f09b4627',
        occurredAt: '2026-11-24T19:02:10.000Z',
        toolDeliveryId: 'grafana:a5d3c8e1f09b4627:firing:2026-11-24T20:02:10+01:00',
      },
      {
        source: 'grafana',
        status: 'firing',
        severity: 'medium',
        assetRef: '10.0.2.11:9100',
        signature: 'HighCPU',
        message: 'CPU usage is 91.5% on 10.0.2.11:9100',
        labels: {
          ...commonLabels('10.0.2.11:9100', 'warning'),
          'annotation.description': DESCRIPTION,
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'CPU usage is 91.5% on 10.0.2.11:9100',
          generatorURL: GENERATOR,
          silenceURL: silence('10.0.2.11:9100', 'warning'),
          dashboardURL: DASHBOARD,
          panelURL: PANEL,
          valueString: valueString('10.0.2.11:9100', 91.5, 1),
          'value.A': '91.5',
          'value.B': '91.5',
          'value.C': '1',
        },
        dedupKey: 'grafana:3e7f1b9c2d84a056',
        occurredAt: '2026-11-24T19:03:40.000Z',
        toolDeliveryId: 'grafana:3e7f1b9c2d84a056:firing:2026-11-24T20:03:40+01:00',
      },
    ]);
  });

  test('the resolved group yields two resolved alerts that occurred at their endsAt', () => {
    expect(parseGrafana(resolved, RECEIVED_AT)).toEqual([
      {
        source: 'grafana',
        status: 'resolved',
        severity: 'critical',
        assetRef: 'db-prod-01.acme.internal:9100',
        signature: 'HighCPU',
        message: 'CPU usage is 41.7% on db-prod-01.acme.internal:9100',
        labels: {
          ...commonLabels('db-prod-01.acme.internal:9100', 'critical'),
          'annotation.description': DESCRIPTION,
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'CPU usage is 41.7% on db-prod-01.acme.internal:9100',
          generatorURL: GENERATOR,
          silenceURL: silence('db-prod-01.acme.internal:9100', 'critical'),
          dashboardURL: DASHBOARD,
          panelURL: PANEL,
          valueString: valueString('db-prod-01.acme.internal:9100', 41.7, 0),
          'value.A': '41.7',
          'value.B': '41.7',
          'value.C': '0',
        },
        dedupKey: 'grafana:a5d3c8e1f09b4627',
        occurredAt: '2026-11-24T19:31:10.000Z',
        toolDeliveryId: 'grafana:a5d3c8e1f09b4627:resolved:2026-11-24T20:02:10+01:00',
      },
      {
        source: 'grafana',
        status: 'resolved',
        severity: 'medium',
        assetRef: '10.0.2.11:9100',
        signature: 'HighCPU',
        message: 'CPU usage is 38.4% on 10.0.2.11:9100',
        labels: {
          ...commonLabels('10.0.2.11:9100', 'warning'),
          'annotation.description': DESCRIPTION,
          'annotation.runbook_url': RUNBOOK,
          'annotation.summary': 'CPU usage is 38.4% on 10.0.2.11:9100',
          generatorURL: GENERATOR,
          silenceURL: silence('10.0.2.11:9100', 'warning'),
          dashboardURL: DASHBOARD,
          panelURL: PANEL,
          valueString: valueString('10.0.2.11:9100', 38.4, 0),
          'value.A': '38.4',
          'value.B': '38.4',
          'value.C': '0',
        },
        dedupKey: 'grafana:3e7f1b9c2d84a056',
        occurredAt: '2026-11-24T19:29:40.000Z',
        toolDeliveryId: 'grafana:3e7f1b9c2d84a056:resolved:2026-11-24T20:03:40+01:00',
      },
    ]);
  });

  test('each resolved alert has the dedup key of its firing alert, and a different delivery id', () => {
    const fired = parseGrafana(firing, RECEIVED_AT);
    const ended = parseGrafana(resolved, RECEIVED_AT);
    expect(ended.map((alert) => alert.dedupKey)).toEqual(fired.map((alert) => alert.dedupKey));
    ended.forEach((alert, index) => expect(alert.toolDeliveryId).not.toBe(fired[index]!.toolDeliveryId));
  });

  test('every mapped alert satisfies the normalized alert contract', () => {
    for (const alert of [...parseGrafana(firing, RECEIVED_AT), ...parseGrafana(resolved, RECEIVED_AT)]) {
      const { toolDeliveryId: _id, ...normalized } = alert;
      expect(normalizedAlertSchema.parse(normalized)).toEqual(normalized);
    }
  });
});

describe('parseGrafana: severity', () => {
  test.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['error', 'high'],
    ['major', 'high'],
    ['Warning', 'medium'],
    ['low', 'low'],
    ['minor', 'low'],
    ['info', 'info'],
    ['none', 'info'],
  ])('labels.severity %p is read as %p', (given, expected) => {
    expect(parseOne(withAlert({ labels: { ...commonLabels('db-01', 'x'), severity: given } })).severity).toBe(expected);
  });

  test('a missing or unknown severity is medium', () => {
    expect(parseOne(withAlert({ labels: { alertname: 'HighCPU', instance: 'db-01' } })).severity).toBe('medium');
    expect(parseOne(withAlert({ labels: { alertname: 'HighCPU', severity: 'P9' } })).severity).toBe('medium');
  });
});

describe('parseGrafana: signature, asset, message and labels', () => {
  test('the signature falls back from alertname to rulename, then to the title without its [FIRING:n] prefix', () => {
    expect(parseOne(withAlert({ labels: { rulename: 'DiskFull', instance: 'db-01' } })).signature).toBe('DiskFull');
    const untitled = withAlert({ labels: { instance: 'db-01' } });
    expect(parseOne(untitled).signature).toBe('HighCPU Infrastructure (node infra)');
    expect(parseOne(withAlert({ labels: { instance: 'db-01' } }, resolved)).signature).toBe('HighCPU Infrastructure (node infra)');
  });

  test.each([
    [{ instance: '10.0.2.11:9100', host: 'h' }, '10.0.2.11:9100'],
    [{ host: 'web-01', grafana_folder: 'Infra' }, 'web-01'],
    [{ hostname: 'web-02.acme.internal' }, 'web-02.acme.internal'],
    [{ node: 'ip-10-0-3-7.ec2.internal' }, 'ip-10-0-3-7.ec2.internal'],
    [{ pod: 'api-5d9f7c6b8-x2x9q' }, 'api-5d9f7c6b8-x2x9q'],
    [{ service: 'payments', grafana_folder: 'Infra' }, 'payments'],
    [{ grafana_folder: 'Infrastructure' }, 'Infrastructure'],
    [{}, 'unknown'],
  ])('labels %p give the asset %p', (labels, expected) => {
    expect(parseOne(withAlert({ labels: { alertname: 'HighCPU', ...labels } })).assetRef).toBe(expected);
  });

  test('DatasourceError and DatasourceNoData name no host: host-less, shown by their folder', () => {
    for (const alertname of ['DatasourceError', 'DatasourceNoData']) {
      const alert = parseOne(withAlert({ labels: { alertname, grafana_folder: 'Acme', rulename: 'CPU' } }));
      expect(alert).toMatchObject({ assetRef: 'Acme', hostless: true });
    }
    expect(parseOne(withAlert({ labels: { alertname: 'HighCPU', instance: 'web-01' } })).hostless).toBeUndefined();
  });

  test('the message falls back from summary to description, then valueString, then the signature', () => {
    expect(parseOne(withAlert({ annotations: { description: 'CPU hot' } })).message).toBe('CPU hot');
    const noAnnotations = parseOne(withAlert({ annotations: {}, valueString: "[ var='A' value=96.2 ]" }));
    expect(noAnnotations.message).toBe("[ var='A' value=96.2 ]");
    expect(parseOne(withAlert({ annotations: {}, valueString: undefined })).message).toBe('HighCPU');
  });

  test("Grafana's empty dashboardURL and panelURL are not kept", () => {
    const alert = parseOne(withAlert({ dashboardURL: '', panelURL: '' }));
    expect(alert.labels).not.toHaveProperty('dashboardURL');
    expect(alert.labels).not.toHaveProperty('panelURL');
  });

  test('unknown fields of the alert and of the body are kept in labels, never overriding the alert labels', () => {
    const body = withAlert({ imageURL: `${BASE}/public/img/attachments/x.png`, isPaused: false, instance: 'must-not-override' });
    body.newField = { nested: true };
    const labels = parseOne(body).labels;
    expect(labels.instance).toBe('db-prod-01.acme.internal:9100');
    expect(labels.imageURL).toBe(`${BASE}/public/img/attachments/x.png`);
    expect(labels.isPaused).toBe('false');
    expect(labels.newField).toBe('{"nested":true}');
  });
});

describe('parseGrafana: times and keys', () => {
  test("a firing alert's zero endsAt is ignored: it occurred at startsAt, in UTC", () => {
    expect(parseOne(withAlert({ endsAt: '0001-01-01T00:00:00Z' })).occurredAt).toBe('2026-11-24T19:02:10.000Z');
  });

  test('a resolved alert whose endsAt is the zero time falls back to startsAt, then to the time of receipt', () => {
    expect(parseOne(withAlert({ status: 'resolved', endsAt: '0001-01-01T00:00:00Z' })).occurredAt).toBe('2026-11-24T19:02:10.000Z');
    const bare = parseOne(withAlert({ status: 'resolved', startsAt: undefined, endsAt: undefined }));
    expect(bare.occurredAt).toBe(RECEIVED_AT.toISOString());
    expect(bare.toolDeliveryId).toBeUndefined();
  });

  test('without a fingerprint the key is derived from the labels, the same for firing and resolved', () => {
    const fired = parseOne(withAlert({ fingerprint: undefined }));
    const ended = parseOne(withAlert({ fingerprint: '' }, resolved));
    expect(fired.dedupKey).toMatch(/^grafana:[0-9a-f]{16}$/);
    expect(ended.dedupKey).toBe(fired.dedupKey);
    expect(fired.toolDeliveryId).toBeUndefined();
  });
});

describe('parseGrafana: payload shape', () => {
  test('an empty alerts array yields no alerts', () => {
    expect(parseGrafana({ ...firing, alerts: [] }, RECEIVED_AT)).toEqual([]);
  });

  test.each([
    ['not an object', 42],
    ['null', null],
    ['no alerts', { ...firing, alerts: undefined }],
    ['alerts not an array', { ...firing, alerts: 'none' }],
    ['an alert with no name anywhere', { ...withAlert({ labels: { instance: 'db-01' } }), title: undefined }],
    ['an unknown alert status', withAlert({ status: 'pending' })],
    ['a startsAt that is not a time', withAlert({ startsAt: 'now' })],
  ])('%s throws a ZodError', (_case, body) => {
    expect(() => parseGrafana(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});

describe('parseGrafana: the legacy (pre-unified) payload', () => {
  // The example body of Grafana's old-alerting notifications page, "Webhook", with a host tag on its series.
  const legacy = {
    dashboardId: 1,
    evalMatches: [{ value: 1, metric: 'Count', tags: { instance: 'db-prod-01.acme.internal:9100' } }],
    imageUrl: 'https://grafana.com/assets/img/blog/mixed_styles.png',
    message: 'Notification Message',
    orgId: 1,
    panelId: 2,
    ruleId: 1,
    ruleName: 'Panel Title alert',
    ruleUrl: 'http://localhost:3000/d/hZ7BuVbWz/test-dashboard?fullscreen&edit&tab=alert&panelId=2&orgId=1',
    state: 'alerting',
    tags: { 'tag name': 'tag value', severity: 'critical' },
    title: '[Alerting] Panel Title alert',
  };

  test('an alerting notification maps to one firing alert', () => {
    expect(parseGrafana(legacy, RECEIVED_AT)).toEqual([
      {
        source: 'grafana',
        status: 'firing',
        severity: 'critical',
        assetRef: 'db-prod-01.acme.internal:9100',
        signature: 'Panel Title alert',
        message: 'Notification Message',
        labels: {
          'tag name': 'tag value',
          severity: 'critical',
          state: 'alerting',
          ruleId: '1',
          ruleUrl: legacy.ruleUrl,
          dashboardId: '1',
          panelId: '2',
          imageUrl: legacy.imageUrl,
          'evalMatch.0': 'Count=1',
        },
        dedupKey: 'grafana:legacy:1:1',
        occurredAt: RECEIVED_AT.toISOString(),
      },
    ]);
  });

  test('an ok notification resolves the same rule; no_data fires', () => {
    const ok = parseOne({ ...legacy, state: 'ok', evalMatches: [], title: '[OK] Panel Title alert' });
    expect(ok.status).toBe('resolved');
    expect(ok.dedupKey).toBe('grafana:legacy:1:1');
    expect(ok.assetRef).toBe('unknown');
    expect(parseOne({ ...legacy, state: 'no_data' }).status).toBe('firing');
  });

  test('paused, pending or a missing state is rejected', () => {
    expect(() => parseGrafana({ ...legacy, state: 'paused' }, RECEIVED_AT)).toThrow(z.ZodError);
    expect(() => parseGrafana({ ...legacy, state: 'pending' }, RECEIVED_AT)).toThrow(z.ZodError);
    expect(() => parseGrafana({ ...legacy, state: undefined }, RECEIVED_AT)).toThrow(z.ZodError);
  });
});
