// Function environments (validated at cold start) and the single-table key grammar.
import { readEnv } from '../../lib/config/env';
import { keyDigest, keys } from '../../lib/store/keys';

const ingestEnv = { TABLE_NAME: 'alert-whisperer-dev' };
const relayEnv = { TABLE_NAME: 'table', EVENT_BUS_NAME: 'bus', ALERT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/alerts' };

describe('readEnv', () => {
  test('parses a complete environment and defaults AW_STAGE to dev', () => {
    expect(readEnv('ingest', { ...ingestEnv })).toEqual({ ...ingestEnv, AW_STAGE: 'dev', AW_SNS_VERIFY: 'on' });
  });

  test('keeps an AW_STAGE that is given', () => {
    expect(readEnv('ingest', { ...ingestEnv, AW_STAGE: 'prod' }).AW_STAGE).toBe('prod');
  });

  test('drops variables the function kind does not declare', () => {
    const env = readEnv('correlate', { TABLE_NAME: 't', EVENT_BUS_NAME: 'b', PATH: '/usr/bin', ALERT_QUEUE_URL: 'https://x' });
    expect(env).toEqual({ TABLE_NAME: 't', AW_STAGE: 'dev' });
  });

  test('a missing TABLE_NAME throws an error naming the variable and the function kind', () => {
    const { TABLE_NAME: _omitted, ...withoutTable } = ingestEnv;
    expect(() => readEnv('ingest', withoutTable)).toThrow(/'ingest'.*TABLE_NAME/);
  });

  test('an empty TABLE_NAME is as bad as a missing one', () => {
    expect(() => readEnv('correlate', { TABLE_NAME: '', EVENT_BUS_NAME: 'b' })).toThrow(/'correlate'.*TABLE_NAME/);
  });

  test('every missing variable is listed in one error', () => {
    expect(() => readEnv('realtime', {})).toThrow(/TABLE_NAME.*WS_MANAGEMENT_ENDPOINT|WS_MANAGEMENT_ENDPOINT.*TABLE_NAME/);
  });

  test.each([['not-a-url'], ['sqs/alerts'], ['']])('an ALERT_QUEUE_URL of %p is rejected', (url) => {
    expect(() => readEnv('relay', { ...relayEnv, ALERT_QUEUE_URL: url })).toThrow(/'relay'.*ALERT_QUEUE_URL/);
  });

  test('a local queue URL on loopback is accepted', () => {
    const url = 'http://127.0.0.1:9324/000000000000/alerts';
    expect(readEnv('relay', { ...relayEnv, ALERT_QUEUE_URL: url }).ALERT_QUEUE_URL).toBe(url);
  });

  test('only the stream relay names the event bus and the queue: the other functions write to the table', () => {
    for (const name of ['api', 'ingest', 'correlate', 'settle', 'remediation', 'automation', 'sla', 'repair', 'respond'] as const) {
      const env = readEnv(name, {
        STATE_MACHINE_ARN: 'x',
        SLA_SCHEDULE_GROUP: 'g',
        SLA_SCHEDULER_ROLE_ARN: 'r',
        DASHBOARD_URL: 'https://d.example',
        ACTION_LINK_BASE_URL: 'https://api.example',
        ...relayEnv,
      });
      expect(env).not.toHaveProperty('EVENT_BUS_NAME');
      expect(env).not.toHaveProperty('ALERT_QUEUE_URL');
    }
  });

  test('the api kind accepts either auth key source, both being optional', () => {
    const base = { TABLE_NAME: 't', EVENT_BUS_NAME: 'b', STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:x' };
    expect(readEnv('api', base)).not.toHaveProperty('AUTH_KEYS_FILE');
    expect(readEnv('api', { ...base, AUTH_KEYS_FILE: '.local/keys.json' }).AUTH_KEYS_FILE).toBe('.local/keys.json');
  });
});

/** Every builder that takes a tenant, called with that tenant (other arguments are fillers). */
function tenantKeys(t: string): Array<[string, Record<string, string>]> {
  return [
    ['tenant', keys.tenant(t)],
    ['asset', keys.asset(t, 'db-01')],
    ['assetsOf', keys.assetsOf(t)],
    ['apiKeyMeta', keys.apiKeyMeta(t, 'key-1')],
    ['apiKeysOf', keys.apiKeysOf(t)],
    ['hmacSecret', keys.hmacSecret(t)],
    ['delivery', keys.delivery(t, 'delivery-1')],
    ['alert', keys.alert(t, '01HXALERT')],
    ['alertsOf', keys.alertsOf(t)],
    ['unresolvedAssetRef', keys.unresolvedAssetRef(t, 'digest')],
    ['unresolvedAssetRefsOf', keys.unresolvedAssetRefsOf(t)],
    ['rateBucket', keys.rateBucket(t, 'INGEST')],
    ['rateLimitSettings', keys.rateLimitSettings(t)],
    ['integrationSettingsOf', keys.integrationSettingsOf(t)],
    ['snsTopic', keys.snsTopic(t, 'arn:aws:sns:us-east-1:111122223333:alarms')],
    ['awsAccount', keys.awsAccount(t, '111122223333')],
    ['incident', keys.incident(t, '01HXINC')],
    ['incidentPartition', keys.incidentPartition(t, '01HXINC')],
    ['incidentAlert', keys.incidentAlert(t, '01HXINC', '01HXALERT')],
    ['timelineEntry', keys.timelineEntry(t, '01HXINC', '01HXTL')],
    ['incidentsOf', keys.incidentsOf(t)],
    ['incidentsByStatus', keys.incidentsByStatus(t, 'open')],
    ['correlationScope', keys.correlationScope(t, 'asset:db-01')],
    ['wsTenantSubscription', keys.wsTenantSubscription(t, 'conn-1')],
    ['wsTenantSubscribers', keys.wsTenantSubscribers(t)],
  ];
}

describe('store keys', () => {
  test.each(tenantKeys('acme'))('%s: its partition key starts with T#acme', (_name, key) => {
    const partition = key.pk ?? key.gsi1pk ?? key.gsi2pk;
    expect(partition).toBeDefined();
    expect(partition === 'T#acme' || partition!.startsWith('T#acme#')).toBe(true);
  });

  test.each([['acme#other'], [''], ['#'], ['-leading-dash'], ['has space'], ['x'.repeat(65)]])(
    'every tenant key builder rejects the tenant id %p',
    (tenantId) => {
      expect(() => keys.tenant(tenantId)).toThrow(/Invalid tenant id/);
      expect(() => keys.delivery(tenantId, 'k')).toThrow(/Invalid tenant id/);
      expect(() => keys.incident(tenantId, 'i')).toThrow(/Invalid tenant id/);
      expect(() => keys.correlationScope(tenantId, 's')).toThrow(/Invalid tenant id/);
      expect(() => keys.wsTenantSubscribers(tenantId)).toThrow(/Invalid tenant id/);
    },
  );

  test('a tenant id with "#" cannot reach into another tenant’s partition', () => {
    expect(() => keys.alertsOf('acme#INC#01HX')).toThrow();
  });

  test('a delivery record stores a digest of the delivery id, never the raw id', () => {
    const deliveryId = 'Zabbix|DB-01|Disk # full';
    const { pk } = keys.delivery('acme', deliveryId);
    expect(pk).not.toContain(deliveryId);
    expect(pk).not.toContain('Disk');
    expect(pk).toBe(`T#acme#DELIVERY#${keyDigest(deliveryId)}`);
  });

  test('the digest is stable, key-safe and distinguishes different keys', () => {
    const digest = keyDigest('zabbix|db-01|diskfull');
    expect(keyDigest('zabbix|db-01|diskfull')).toBe(digest);
    expect(keyDigest('zabbix|db-01|diskful')).not.toBe(digest);
    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('a delivery key also digests the delivery id', () => {
    expect(keys.delivery('acme', 'raw#delivery id').pk).not.toContain('raw#delivery');
  });

  test('the same key built for two tenants never collides', () => {
    const acme = tenantKeys('acme').map(([, key]) => JSON.stringify(key));
    const globex = new Set(tenantKeys('globex').map(([, key]) => JSON.stringify(key)));
    expect(acme.filter((key) => globex.has(key))).toEqual([]);
  });
});
