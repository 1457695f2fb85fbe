import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayDeliveries, type ReplayDelivery, type ReplayFixture, type ReplayResult } from '../../lib/replay/replay';
import { listAlerts } from '../../lib/store/alerts';
import type { TableRef } from '../../lib/store/table-ref';
import { createTestTable } from '../helpers/dynamo';

const host = (id: string, tenant: string, ip: string, instanceId: string, dependsOn: string[] = []) => ({
  id,
  name: id,
  type: 'server',
  aliases: [`${id}.${tenant}.internal`, ip, instanceId],
  dependsOn,
});

const fixture: ReplayFixture = {
  tenants: [
    {
      id: 'acme',
      name: 'Acme',
      assets: [
        host('db-prod-01', 'acme', '10.0.1.10', 'i-0a00000000000001'),
        host('app-prod-01', 'acme', '10.0.1.21', 'i-0a00000000000002', ['db-prod-01']),
        host('fs-01', 'acme', '10.0.9.10', 'i-0a00000000000003'),
        host('mail-01', 'acme', '10.0.9.13', 'i-0a00000000000004'),
        host('jump-01', 'acme', '10.0.9.12', 'i-0a00000000000005'),
      ],
    },
    { id: 'globex', name: 'Globex', assets: [host('db-prod-01', 'globex', '10.0.1.10', 'i-0b00000000000001')] },
  ],
};

const generic = (asset: string, signature: string, timestamp: string, status: 'firing' | 'resolved' = 'firing') => ({
  asset_name: asset,
  signature,
  severity: 'high',
  message: `${signature} on ${asset}`,
  tool_source: 'nagios-script',
  status,
  timestamp,
});

const amAlert = (instance: string, fingerprint: string) => ({
  status: 'firing',
  labels: { alertname: 'NodeCPUHigh', instance, job: 'node', severity: 'warning' },
  annotations: { summary: 'CPU above 90%' },
  startsAt: '2026-11-24T12:00:00.000Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus-0.acme.internal:9090/graph',
  fingerprint,
});

const cloudWatch = (state: 'ALARM' | 'OK', at: string, messageId: string) => ({
  Type: 'Notification',
  MessageId: messageId,
  TopicArn: 'arn:aws:sns:us-east-1:111122223333:acme-cloudwatch-alarms',
  Subject: `${state}: "acme-jump-01-cpu-high" in US East (N. Virginia)`,
  Message: JSON.stringify({
    AlarmName: 'acme-jump-01-cpu-high',
    AWSAccountId: '111122223333',
    NewStateValue: state,
    NewStateReason: 'Threshold Crossed',
    StateChangeTime: at.replace('Z', '+0000'),
    Region: 'US East (N. Virginia)',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:acme-jump-01-cpu-high',
    OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
    Trigger: { MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Dimensions: [{ name: 'InstanceId', value: 'i-0a00000000000005' }] },
  }),
  Timestamp: at,
  SignatureVersion: '1',
  Signature: 'EXAMPLE',
  SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
});

/** Events hours apart (so no time window of any engine joins them), except where a join is meant. */
const deliveries: ReplayDelivery[] = [
  {
    id: 'a-1',
    tenant: 'acme',
    source: 'generic',
    receivedAt: '2026-11-24T10:00:01Z',
    body: generic('db-prod-01', 'DiskSpaceLow', '2026-11-24T10:00:00Z'),
  },
  {
    id: 'g-1',
    tenant: 'globex',
    source: 'generic',
    receivedAt: '2026-11-24T10:00:02Z',
    body: generic('db-prod-01', 'DiskSpaceLow', '2026-11-24T10:00:00Z'),
  },
  // The same delivery again (an at-least-once retry): same id, same body.
  {
    id: 'a-1',
    tenant: 'acme',
    source: 'generic',
    receivedAt: '2026-11-24T10:00:06Z',
    body: generic('db-prod-01', 'DiskSpaceLow', '2026-11-24T10:00:00Z'),
  },
  // A repeat of the same check one minute later, naming the host by its FQDN.
  {
    id: 'a-2',
    tenant: 'acme',
    source: 'generic',
    receivedAt: '2026-11-24T10:01:01Z',
    body: generic('db-prod-01.acme.internal', 'DiskSpaceLow', '2026-11-24T10:01:00Z'),
  },
  // One Alertmanager group, two unrelated hosts: two incidents.
  {
    id: 'a-3',
    tenant: 'acme',
    source: 'alertmanager',
    receivedAt: '2026-11-24T12:00:30Z',
    body: {
      receiver: 'alert-whisperer',
      status: 'firing',
      alerts: [amAlert('10.0.9.10:9100', '1111111111111111'), amAlert('mail-01.acme.internal:9100', '2222222222222222')],
      groupLabels: { alertname: 'NodeCPUHigh' },
      commonLabels: { alertname: 'NodeCPUHigh' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager-0.acme.internal:9093',
      version: '4',
      groupKey: '{}:{alertname="NodeCPUHigh"}',
      truncatedAlerts: 0,
    },
  },
  {
    id: 'a-4',
    tenant: 'acme',
    source: 'cloudwatch',
    receivedAt: '2026-11-24T14:00:20Z',
    body: cloudWatch('ALARM', '2026-11-24T14:00:00.000Z', 'm-4'),
  },
  {
    id: 'a-5',
    tenant: 'acme',
    source: 'cloudwatch',
    receivedAt: '2026-11-24T14:10:20Z',
    body: cloudWatch('OK', '2026-11-24T14:10:00.000Z', 'm-5'),
  },
  // A resolution whose alert never fired here: it joins no incident.
  {
    id: 'a-6',
    tenant: 'acme',
    source: 'generic',
    receivedAt: '2026-11-24T16:00:01Z',
    body: generic('jump-01', 'BackupFailed', '2026-11-24T16:00:00Z', 'resolved'),
  },
];

function incidentOf(result: ReplayResult, deliveryId: string) {
  return result.incidents.filter((incident) => incident.deliveryIds.includes(deliveryId));
}

describe('replayDeliveries', () => {
  let table: TableRef;
  let result: ReplayResult;

  beforeAll(async () => {
    table = await createTestTable('replay');
    result = await replayDeliveries({ fixture, deliveries }, { table });
  });

  test('forms the expected incidents, with every delivery that joined each (repeats included)', () => {
    const lists = result.incidents.map((incident) => [incident.tenant, incident.deliveryIds]);
    expect(lists).toEqual(
      expect.arrayContaining([
        ['acme', ['a-1', 'a-1', 'a-2']],
        ['globex', ['g-1']],
        ['acme', ['a-3']],
        ['acme', ['a-3']],
        ['acme', ['a-4', 'a-5']],
      ]),
    );
    expect(result.incidents).toHaveLength(5);
    expect(result.unmatched).toEqual(['a-6']);
    expect(result.rejected).toEqual([]);
    const [disk] = incidentOf(result, 'a-2');
    expect(disk).toMatchObject({ tenant: 'acme', rootAssetId: 'db-prod-01', status: 'open' });
    // The Alertmanager group went to one incident per host.
    expect(new Set(incidentOf(result, 'a-3').map((incident) => incident.rootAssetId))).toEqual(new Set(['fs-01', 'mail-01']));
    expect(incidentOf(result, 'a-4')[0]?.rootAssetId).toBe('jump-01');
    expect(result.stats).toMatchObject({ deliveries: 8, alerts: 9, storedAlerts: 8, incidents: 5, unmatched: 1, rejected: 0 });
  });

  test('every delivery line is in exactly one incident, or unmatched, except a multi-alert group listed once per incident', () => {
    const seen = new Map<string, number>();
    for (const incident of result.incidents) for (const id of incident.deliveryIds) seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const id of result.unmatched) seen.set(id, (seen.get(id) ?? 0) + 1);
    expect(Object.fromEntries(seen)).toEqual({ 'a-1': 2, 'a-2': 1, 'a-3': 2, 'a-4': 1, 'a-5': 1, 'a-6': 1, 'g-1': 1 });
  });

  test('a repeated delivery id stores its alert once and maps to the original alert', async () => {
    const { alerts } = await listAlerts(table, 'acme', { deliveryId: 'a-1' }, { limit: 10 });
    expect(alerts).toHaveLength(1);
    const [first, retry] = result.deliveries.filter((delivery) => delivery.id === 'a-1');
    expect(retry?.alerts[0]?.alertId).toBe(first?.alerts[0]?.alertId);
    expect(retry?.alerts[0]?.incidentId).toBe(first?.alerts[0]?.incidentId);
  });

  test('tenants never share incidents, even for the same host name at the same moment', () => {
    const acme = incidentOf(result, 'a-1')[0];
    const globex = incidentOf(result, 'g-1')[0];
    expect(acme?.id).not.toBe(globex?.id);
    for (const incident of result.incidents) {
      const tenants = new Set(incident.deliveryIds.map((id) => deliveries.find((delivery) => delivery.id === id)?.tenant));
      expect([...tenants]).toEqual([incident.tenant]);
    }
  });

  test('one delivery at a time gives the same incidents as concurrent ingestion with batched correlation', async () => {
    const other = await replayDeliveries({ fixture, deliveries }, { table: await createTestTable('replay-serial'), concurrency: 1 });
    const shape = (r: ReplayResult) => r.incidents.map((incident) => `${incident.tenant}:${incident.deliveryIds.join(',')}`).sort();
    expect(shape(other)).toEqual(shape(result));
    expect(other.unmatched).toEqual(result.unmatched);
  });

  test('a payload its adapter refuses is reported as rejected, and the replay goes on', async () => {
    const other = await replayDeliveries(
      {
        fixture,
        deliveries: [
          { id: 'bad', tenant: 'acme', source: 'generic', receivedAt: '2026-11-24T10:00:00Z', body: { nope: true } },
          deliveries[0] as ReplayDelivery,
        ],
      },
      { table: await createTestTable('replay-rejected') },
    );
    expect(other.rejected).toEqual([expect.objectContaining({ id: 'bad', tenant: 'acme', code: 'invalid_payload' })]);
    expect(other.incidents.map((incident) => incident.deliveryIds)).toEqual([['a-1']]);
  });
});

describe('npm run replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-replay-'));
  const fixtureFile = join(dir, 'fixture.json');
  writeFileSync(fixtureFile, JSON.stringify(fixture));
  const cli = (input: string) =>
    spawnSync('npx', ['tsx', 'scripts/replay.ts', '--fixture', fixtureFile, '--input', input, '--out', join(dir, 'out.json')], {
      encoding: 'utf8',
      timeout: 90_000,
    });

  test('replays an NDJSON file on its own DynamoDB Local and writes the incidents', () => {
    const input = join(dir, 'deliveries.ndjson');
    writeFileSync(input, `${deliveries.map((delivery) => JSON.stringify(delivery)).join('\n')}\n`);
    const run = cli(input);
    expect(run.stderr).not.toContain('Error');
    expect(run.status).toBe(0);
    const output = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(output.incidents).toHaveLength(5);
    expect(output.incidents).toContainEqual(
      expect.objectContaining({ tenant: 'acme', deliveryIds: ['a-1', 'a-1', 'a-2'], rootAssetId: 'db-prod-01' }),
    );
    expect(output.unmatched).toEqual(['a-6']);
    expect(run.stdout).toMatch(/deliveries\s+8/);
    expect(run.stdout).toMatch(/deliveries\/s/);
    expect(run.stdout).toMatch(/DynamoDB per alert/);
  }, 120_000);

  test('a bad line fails with its line number (exit 2)', () => {
    const input = join(dir, 'bad.ndjson');
    writeFileSync(
      input,
      [JSON.stringify(deliveries[0]), JSON.stringify({ id: 'x', tenant: 'acme', source: 'generic' }), '{not json'].join('\n'),
    );
    const run = cli(input);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('bad.ndjson:2:');
    expect(run.stderr).toContain('receivedAt');
  }, 60_000);
});
