// The `azure` webhook format adapter: Azure Monitor action group webhooks with the common alert schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { normalizedAlertSchema } from '../../lib/domain/alert';
import { parseAzureMonitor } from '../../lib/ingest/azure';

const RECEIVED_AT = new Date('2026-11-24T19:30:00.000Z');
const ALERT_ID =
  '/subscriptions/3f2b8c1e-5a7d-4e9b-8c6f-1a2b3c4d5e6f/providers/Microsoft.AlertsManagement/alerts/9c1e7a52-6b3d-4f8e-a2c9-5d7e1f3b8a40';
const VM_ID =
  '/subscriptions/3f2b8c1e-5a7d-4e9b-8c6f-1a2b3c4d5e6f/resourcegroups/rg-acme-prod/providers/microsoft.compute/virtualmachines/vm-web-prod-01';

type Payload = { schemaId: string; data: { essentials: Record<string, unknown>; alertContext?: unknown; customProperties?: unknown } };

function event(name: 'firing' | 'resolved'): Payload {
  return JSON.parse(readFileSync(join(process.cwd(), 'events/webhooks/azure', `${name}.json`), 'utf8')) as Payload;
}

/** The firing event with its essentials (and optionally its data) changed. */
function withEssentials(
  essentials: Record<string, unknown>,
  data: Record<string, unknown> = {},
  name: 'firing' | 'resolved' = 'firing',
): Payload {
  const payload = event(name);
  return { ...payload, data: { ...payload.data, ...data, essentials: { ...payload.data.essentials, ...essentials } } };
}

function parseOne(body: unknown) {
  const alerts = parseAzureMonitor(body, RECEIVED_AT);
  expect(alerts).toHaveLength(1);
  expect(() => normalizedAlertSchema.parse(alerts[0])).not.toThrow();
  return alerts[0]!;
}

describe('parseAzureMonitor: the events files', () => {
  test('maps a fired metric alert onto a firing alert', () => {
    expect(parseOne(event('firing'))).toEqual({
      source: 'azure',
      status: 'firing',
      severity: 'medium',
      assetRef: 'vm-web-prod-01',
      signature: 'vm-high-cpu',
      message: 'Average CPU above 85% for 5 minutes on a production web VM',
      labels: {
        alertId: ALERT_ID,
        originAlertId: '3f2b8c1e-5a7d-4e9b-8c6f-1a2b3c4d5e6f_rg-acme-prod_microsoft.insights_metricAlerts_vm-high-cpu_-1455233409',
        severity: 'Sev2',
        signalType: 'Metric',
        monitorCondition: 'Fired',
        monitoringService: 'Platform',
        resourceId: VM_ID,
        alertTargetIDs: VM_ID,
        configurationItems: 'vm-web-prod-01',
        firedDateTime: '2026-11-24T19:03:41.6283442Z',
        conditionType: 'SingleResourceMultipleMetricCriteria',
        windowSize: 'PT5M',
        windowStartTime: '2026-11-24T18:57:38.112Z',
        windowEndTime: '2026-11-24T19:02:38.112Z',
        metricName: 'Percentage CPU',
        metricNamespace: 'Microsoft.Compute/virtualMachines',
        operator: 'GreaterThan',
        threshold: '85',
        timeAggregation: 'Average',
        metricValue: '96.4217',
        customer: 'acme',
        runbook: 'https://wiki.acme.internal/runbooks/vm-high-cpu',
      },
      dedupKey: `azure:${ALERT_ID}`,
      // Azure's seven fractional digits, kept to milliseconds.
      occurredAt: '2026-11-24T19:03:41.628Z',
      toolDeliveryId: `azure:${ALERT_ID}:Fired`,
    });
  });

  test('maps the resolution onto a resolved alert at resolvedDateTime, with the same dedup key', () => {
    const firing = parseOne(event('firing'));
    const resolved = parseOne(event('resolved'));
    expect(resolved).toMatchObject({
      status: 'resolved',
      severity: 'medium',
      assetRef: 'vm-web-prod-01',
      signature: 'vm-high-cpu',
      occurredAt: '2026-11-24T19:21:07.112Z',
      toolDeliveryId: `azure:${ALERT_ID}:Resolved`,
    });
    expect(resolved.labels).toMatchObject({
      monitorCondition: 'Resolved',
      resolvedDateTime: '2026-11-24T19:21:07.1123908Z',
      metricValue: '42.1093',
    });
    expect(resolved.dedupKey).toBe(firing.dedupKey);
    expect(resolved.toolDeliveryId).not.toBe(firing.toolDeliveryId);
  });
});

describe('parseAzureMonitor: field mapping', () => {
  test.each([
    ['Sev0', 'critical'],
    ['Sev1', 'high'],
    ['Sev2', 'medium'],
    ['Sev3', 'low'],
    ['Sev4', 'info'],
    ['sev1', 'high'],
  ])('severity %p is %p', (severity, expected) => {
    expect(parseOne(withEssentials({ severity })).severity).toBe(expected);
  });

  test.each([
    ['Fired', 'firing'],
    ['Resolved', 'resolved'],
    ['resolved', 'resolved'],
  ])('monitorCondition %p is %p', (monitorCondition, status) => {
    expect(parseOne(withEssentials({ monitorCondition, resolvedDateTime: '2026-11-24T19:21:07Z' })).status).toBe(status);
  });

  test('without configurationItems the asset is the last segment of the first target id, whose full id stays in labels', () => {
    const alert = parseOne(withEssentials({ configurationItems: [] }));
    expect(alert.assetRef).toBe('vm-web-prod-01');
    expect(alert.labels.resourceId).toBe(VM_ID);
  });

  test('alertTargetIds (the spelling of the docs table) is read too', () => {
    const alert = parseOne(withEssentials({ configurationItems: null, alertTargetIDs: undefined, alertTargetIds: [VM_ID] }));
    expect(alert.assetRef).toBe('vm-web-prod-01');
  });

  test('several targets are all kept in labels', () => {
    const other = VM_ID.replace('vm-web-prod-01', 'vm-web-prod-02');
    expect(parseOne(withEssentials({ alertTargetIDs: [VM_ID, other] })).labels.alertTargetIDs).toBe(`${VM_ID},${other}`);
  });

  test('with neither, the rule names the asset', () => {
    expect(parseOne(withEssentials({ configurationItems: [], alertTargetIDs: [] })).assetRef).toBe('vm-high-cpu');
  });

  test('an empty description (as Azure sends when the rule has none) gives the rule as the message', () => {
    expect(parseOne(withEssentials({ description: '' })).message).toBe('vm-high-cpu');
  });

  test('a resolution without resolvedDateTime (non-metric alerts) is dated at receipt, not at the firing time', () => {
    expect(parseOne(withEssentials({ monitorCondition: 'Resolved', resolvedDateTime: null })).occurredAt).toBe(RECEIVED_AT.toISOString());
  });

  test('a Log Alerts V2 context gives its query, dimensions and custom properties as labels', () => {
    const alert = parseOne(
      withEssentials(
        { signalType: 'Log', monitoringService: 'Log Alerts V2', configurationItems: ['app-prod-01'] },
        {
          alertContext: {
            properties: { team: 'web' },
            conditionType: 'LogQueryCriteria',
            condition: {
              windowSize: 'PT10M',
              allOf: [
                {
                  searchQuery: 'Heartbeat',
                  operator: 'LowerThan',
                  threshold: '1',
                  timeAggregation: 'Count',
                  dimensions: [{ name: 'Computer', value: 'app-prod-01' }],
                  metricValue: 0.0,
                },
              ],
              windowStartTime: '2026-11-24T18:50:00Z',
              windowEndTime: '2026-11-24T19:00:00Z',
            },
          },
          customProperties: null,
        },
      ),
    );
    expect(alert.assetRef).toBe('app-prod-01');
    expect(alert.labels).toMatchObject({
      signalType: 'Log',
      monitoringService: 'Log Alerts V2',
      conditionType: 'LogQueryCriteria',
      searchQuery: 'Heartbeat',
      dimensions: 'Computer=app-prod-01',
      metricValue: '0',
      team: 'web',
    });
  });

  test('an activity log context gives its operation as labels', () => {
    const alert = parseOne(
      withEssentials(
        { signalType: 'Activity Log', monitoringService: 'Activity Log - Administrative' },
        {
          alertContext: {
            operationName: 'Microsoft.Compute/virtualMachines/restart/action',
            eventSource: 'Administrative',
            level: 'Informational',
            status: 'Succeeded',
            eventTimestamp: '2026-11-24T19:02:31.2917159+00:00',
          },
        },
      ),
    );
    expect(alert.labels).toMatchObject({
      operationName: 'Microsoft.Compute/virtualMachines/restart/action',
      eventSource: 'Administrative',
      level: 'Informational',
      activityStatus: 'Succeeded',
    });
  });

  test('unknown fields, anywhere, never reject', () => {
    const payload = withEssentials({ investigationLink: 'https://portal.azure.com/#view/x', intelligentContext: { a: 1 } });
    const body = { ...payload, extra: true, data: { ...payload.data, newSection: { x: 1 }, alertContext: { somethingNew: [1, 2] } } };
    expect(parseOne(body).status).toBe('firing');
  });

  test('an array body yields one alert per notification', () => {
    expect(parseAzureMonitor([event('firing'), event('resolved')], RECEIVED_AT).map((alert) => alert.status)).toEqual([
      'firing',
      'resolved',
    ]);
  });
});

describe('parseAzureMonitor: invalid payloads throw a ZodError', () => {
  const firing = event('firing');
  test.each<[string, unknown]>([
    ['a body that is not an object', 'vm-high-cpu fired'],
    ['another schemaId', { ...firing, schemaId: 'AzureMonitorMetricAlert' }],
    ['no schemaId', { data: firing.data }],
    ['no essentials', { schemaId: 'azureMonitorCommonAlertSchema', data: { alertContext: {} } }],
    [
      'the older metric alert webhook schema',
      {
        schemaId: 'AzureMonitorMetricAlert',
        data: { version: '2.0', status: 'Activated', context: { name: 'vm-high-cpu', severity: '3' } },
      },
    ],
    ['no alertId', withEssentials({ alertId: undefined })],
    ['no alertRule', withEssentials({ alertRule: '' })],
    ['a severity outside Sev0..Sev4', withEssentials({ severity: 'Sev5' })],
    ['a numeric severity', withEssentials({ severity: 2 })],
    ['an unknown monitorCondition', withEssentials({ monitorCondition: 'Acknowledged' })],
    ['no firedDateTime', withEssentials({ firedDateTime: undefined })],
    ['an unparseable firedDateTime', withEssentials({ firedDateTime: '3/22/2019 1:58:24 PM' })],
    ['alertTargetIDs that is not a list', withEssentials({ alertTargetIDs: VM_ID })],
  ])('%s', (_name, body) => {
    expect(() => parseAzureMonitor(body, RECEIVED_AT)).toThrow(z.ZodError);
  });
});
