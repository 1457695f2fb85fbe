// The `azure` webhook format adapter: Azure Monitor action group webhooks with the common alert schema.
// events/webhooks/azure/firing.json and resolved.json are our metric alert; the other files there copy Microsoft's
// documented samples (learn.microsoft.com/azure/azure-monitor/alerts/alerts-payload-samples, "Sample payloads for
// test actions"; long values shortened): cost-budget-actual.json is the 2023 "Actual Cost Budget" sample
// (monitorCondition null), cost-budget-forecasted.json the 2025 "Forecasted budget alert" (monitorCondition Fired),
// service-health.json the 2021-2023 Service Health sample (firedDateTime without a zone), resource-health.json and
// activity-log-administrative.json the 2025 ones.
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

type Sample =
  | 'firing'
  | 'resolved'
  | 'cost-budget-actual'
  | 'cost-budget-forecasted'
  | 'service-health'
  | 'resource-health'
  | 'activity-log-administrative';

function event(name: Sample): Payload {
  return JSON.parse(readFileSync(join(process.cwd(), 'events/webhooks/azure', `${name}.json`), 'utf8')) as Payload;
}

/** A sample (the firing event unless named) with its essentials (and optionally its data) changed. */
function withEssentials(essentials: Record<string, unknown>, data: Record<string, unknown> = {}, name: Sample = 'firing'): Payload {
  const payload = event(name);
  return { ...payload, data: { ...payload.data, ...data, essentials: { ...payload.data.essentials, ...essentials } } };
}

/** The paths of the ZodError's issues (the 422's details name them). */
function issuePaths(body: unknown): string[] {
  const error = (() => {
    try {
      parseAzureMonitor(body, RECEIVED_AT);
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(z.ZodError);
  return (error as z.ZodError).issues.map((issue) => issue.path.join('.'));
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

  test('with neither, the alert names no host: it is host-less, its asset the subscription of its alertId (not the rule)', () => {
    const alert = parseOne(withEssentials({ configurationItems: [], alertTargetIDs: [] }));
    expect(alert).toMatchObject({
      assetRef: '/subscriptions/3f2b8c1e-5a7d-4e9b-8c6f-1a2b3c4d5e6f',
      hostless: true,
      signature: 'vm-high-cpu',
    });
  });

  test('a target that is only a resource group names no host either: the asset is that scope', () => {
    const group = '/subscriptions/3f2b8c1e-5a7d-4e9b-8c6f-1a2b3c4d5e6f/resourceGroups/rg-acme-prod';
    const alert = parseOne(withEssentials({ configurationItems: null, alertTargetIDs: [group] }));
    expect(alert).toMatchObject({ assetRef: group, hostless: true });
    expect(alert.labels.resourceId).toBe(group);
  });

  test('an alert that names a resource is not host-less', () => {
    expect(parseOne(event('firing'))).not.toHaveProperty('hostless');
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

const SUB1 = '/subscriptions/11111111-1111-1111-1111-111111111111';
const SUB_A = '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e';

describe("parseAzureMonitor: Microsoft's samples with null or missing essentials", () => {
  test('the actual-cost budget (alertRule, severity, signalType, monitorCondition, alertTargetIDs null) is a firing, medium, host-less alert named by its budget', () => {
    expect(parseOne(event('cost-budget-actual'))).toEqual({
      source: 'azure',
      status: 'firing',
      severity: 'medium',
      assetRef: SUB1,
      hostless: true,
      signature: 'Test_actual_cost_budget',
      message: 'Your spend for budget Test_actual_cost_budget is now $11,111.00 exceeding your specified threshold $25.00.',
      labels: {
        alertId: `${SUB1}/providers/Microsoft.CostManagement/alerts/Test_Alert`,
        monitoringService: 'CostAlerts',
        configurationItems: 'budgets',
        firedDateTime: '2022-12-07T21:13:20.645Z',
        alertCategory: 'budgets',
        budgetName: 'Test_actual_cost_budget',
        budgetId: `${SUB1}/providers/Microsoft.Consumption/budgets/Test_actual_cost_budget`,
        budgetType: 'Cost',
        budgetScope: `${SUB1}/`,
        thresholdType: 'Actual',
        budgetThreshold: '$50.00',
        notificationThresholdAmount: '$25.00',
        spentAmount: '$11,111.00',
        unit: 'USD',
        budgetStartDate: '2022-11-01',
      },
      dedupKey: `azure:${SUB1}/providers/Microsoft.CostManagement/alerts/Test_Alert`,
      occurredAt: '2022-12-07T21:13:20.645Z',
      toolDeliveryId: `azure:${SUB1}/providers/Microsoft.CostManagement/alerts/Test_Alert:Fired:2022-12-07T21:13:20.645Z`,
    });
  });

  test('the forecasted budget (monitorCondition Fired, the rest null) is low: only the forecast crossed the threshold', () => {
    const alert = parseOne(event('cost-budget-forecasted'));
    expect(alert).toMatchObject({
      status: 'firing',
      severity: 'low',
      assetRef: SUB_A,
      hostless: true,
      signature: 'Test_forcasted_budget',
      message: expect.stringMatching(/^The total spend for your budget, Test_forcasted_budget, is forecasted to reach \$1111\.11/),
      occurredAt: '2025-04-15T17:55:39.040Z',
    });
    expect(alert.labels).toMatchObject({ monitorCondition: 'Fired', thresholdType: 'Forecasted', forecastedTotalForPeriod: '$1111.11' });
    expect(alert.labels).not.toHaveProperty('severity');
  });

  test("a budget's later notification under the same alertId is a new delivery of the same alert, not a repeat", () => {
    const first = parseOne(event('cost-budget-actual'));
    const later = parseOne(withEssentials({ firedDateTime: '2022-12-08T06:00:00.000Z' }, {}, 'cost-budget-actual'));
    expect(later.dedupKey).toBe(first.dedupKey);
    expect(later.toolDeliveryId).not.toBe(first.toolDeliveryId);
  });

  test("a budget scoped to a resource group is that scope's alert; the category 'budgets' is never the asset", () => {
    const payload = event('cost-budget-actual');
    const context = payload.data.alertContext as { AlertData: Record<string, unknown> };
    const scope = `${SUB1}/resourceGroups/rg-acme-prod`;
    const body = { ...payload, data: { ...payload.data, alertContext: { ...context, AlertData: { ...context.AlertData, Scope: scope } } } };
    expect(parseOne(body)).toMatchObject({ assetRef: scope, hostless: true });
  });

  test('a budget notification that names its rule, severity and condition keeps them', () => {
    const alert = parseOne(
      withEssentials({ alertRule: 'acme-monthly', severity: 'Sev1', monitorCondition: 'Fired' }, {}, 'cost-budget-actual'),
    );
    expect(alert).toMatchObject({ signature: 'acme-monthly', severity: 'high', hostless: true });
  });

  test('the Service Health sample (target: the subscription only, no configurationItems, firedDateTime without a zone)', () => {
    const alert = parseOne(event('service-health'));
    expect(alert).toMatchObject({
      status: 'firing',
      severity: 'info',
      assetRef: SUB1,
      hostless: true,
      signature: 'test-ServiceHealthAlertRule',
      message: 'Alert rule description',
      // Azure documents firedDateTime as UTC.
      occurredAt: '2021-11-17T05:34:48.062Z',
      toolDeliveryId: expect.stringMatching(/:Fired$/),
    });
    expect(alert.labels).toMatchObject({
      signalType: 'Activity Log',
      monitoringService: 'ServiceHealth',
      resourceId: SUB1,
      operationName: 'Microsoft.ServiceHealth/incident/action',
      eventSource: '2',
      level: '3',
      activityStatus: 'Resolved',
      title: 'Test Action Group - Test Service Health Alert',
      service: 'Azure Service Name',
      trackingId: 'ABC1-DEF',
      stage: 'Resolved',
    });
  });

  test('the 2025 Service Health sample (signalType ActivityLog, impactedServices as a list, a zoned firedDateTime)', () => {
    const payload = withEssentials({ signalType: 'ActivityLog', firedDateTime: '2025-04-15T18:20:36.256Z' }, {}, 'service-health');
    const context = payload.data.alertContext as { properties: Record<string, unknown> };
    const impactedServices = [{ ImpactedRegions: [{ RegionName: 'Global' }], ServiceName: 'AzureServiceName' }];
    const body = {
      ...payload,
      data: { ...payload.data, alertContext: { ...context, properties: { ...context.properties, impactedServices } } },
    };
    const alert = parseOne(body);
    expect(alert).toMatchObject({ assetRef: SUB1, hostless: true, occurredAt: '2025-04-15T18:20:36.256Z' });
    expect(alert.labels).toMatchObject({ signalType: 'ActivityLog', impactedServices: JSON.stringify(impactedServices) });
  });

  test.each<[Sample, string]>([
    ['resource-health', 'Microsoft.Resourcehealth/healthevent/Activated/action'],
    ['activity-log-administrative', 'Microsoft.Compute/virtualMachines/restart/action'],
  ])('the %s sample (complete essentials) names its VM, as before', (name, operationName) => {
    const alert = parseOne(event(name));
    expect(alert).toMatchObject({ status: 'firing', severity: 'info', assetRef: 'test-VM', message: 'Alert rule description' });
    expect(alert).not.toHaveProperty('hostless');
    expect(alert.labels).toMatchObject({ signalType: 'Activity Log', operationName });
  });

  // Microsoft documents only the alertContext of these activity log alerts (no essentials): they are checked on the
  // Administrative sample's essentials, which are complete, so they need no default.
  test.each<[string, Record<string, unknown>, Record<string, string>]>([
    [
      'Activity Log - Policy',
      {
        authorization: { action: 'Microsoft.Resources/checkPolicyCompliance/read', scope: '/subscriptions/<GUID>' },
        channels: 'Operation',
        eventSource: 'Policy',
        eventTimestamp: '2019-08-25T11:11:34.2269098+00:00',
        level: 'Warning',
        operationName: 'Microsoft.Authorization/policies/audit/action',
        properties: { isComplianceCheck: 'True', resourceLocation: 'eastus2', policies: '[{"policyDefinitionEffect":"AuditIfNotExists"}]' },
        status: 'Succeeded',
        subStatus: '',
      },
      {
        eventSource: 'Policy',
        level: 'Warning',
        operationName: 'Microsoft.Authorization/policies/audit/action',
        isComplianceCheck: 'True',
      },
    ],
    [
      'Activity Log - Autoscale',
      {
        channels: 'Admin, Operation',
        caller: 'Microsoft.Insights/autoscaleSettings',
        eventSource: 'Autoscale',
        eventTimestamp: '2019-08-21T16:17:47.1551167+00:00',
        level: 'Informational',
        operationName: 'Microsoft.Insights/AutoscaleSettings/Scaleup/Action',
        properties: { oldInstancesCount: '9', newInstancesCount: '10', lastScaleActionTime: 'Wed, 21 Aug 2019 16:17:47 GMT' },
        status: 'Succeeded',
      },
      { eventSource: 'Autoscale', operationName: 'Microsoft.Insights/AutoscaleSettings/Scaleup/Action', newInstancesCount: '10' },
    ],
    [
      'Activity Log - Security',
      {
        channels: 'Operation',
        eventSource: 'Security',
        eventTimestamp: '2019-08-26T08:34:14+00:00',
        level: 'Informational',
        operationName: 'Microsoft.Security/locations/alerts/activate/action',
        properties: { threatStatus: 'Quarantined', category: 'Virus', severity: 'Low', compromisedEntity: 'testVM' },
        status: 'Active',
      },
      // The essentials' severity label wins over the event's own.
      { eventSource: 'Security', activityStatus: 'Active', threatStatus: 'Quarantined', severity: 'Sev4', compromisedEntity: 'testVM' },
    ],
  ])('the documented %s context is accepted and labelled', (monitoringService, alertContext, labels) => {
    const alert = parseOne(withEssentials({ monitoringService }, { alertContext }, 'activity-log-administrative'));
    expect(alert).toMatchObject({ status: 'firing', severity: 'info', assetRef: 'test-VM', signature: 'test-activityLogAlertRule' });
    expect(alert.labels).toMatchObject({ monitoringService, ...labels });
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
    // Only a budget notification may leave these null.
    ['a null alertRule', withEssentials({ alertRule: null })],
    ['a null severity', withEssentials({ severity: null })],
    ['no severity', withEssentials({ severity: undefined })],
    ['a null monitorCondition', withEssentials({ monitorCondition: null })],
    ['a budget notification with an unknown severity', withEssentials({ severity: 'Sev5' }, {}, 'cost-budget-actual')],
    ['a budget notification with no firedDateTime', withEssentials({ firedDateTime: null }, {}, 'cost-budget-actual')],
    ['a firedDateTime without its time', withEssentials({ firedDateTime: '2021-11-17' }, {}, 'service-health')],
  ])('%s', (_name, body) => {
    expect(() => parseAzureMonitor(body, RECEIVED_AT)).toThrow(z.ZodError);
  });

  test('a budget notification that names neither a rule nor its budget is refused at AlertData.BudgetName', () => {
    const payload = event('cost-budget-actual');
    const context = payload.data.alertContext as { AlertData: Record<string, unknown> };
    const body = {
      ...payload,
      data: { ...payload.data, alertContext: { ...context, AlertData: { ...context.AlertData, BudgetName: null } } },
    };
    expect(issuePaths(body)).toEqual(['data.alertContext.AlertData.BudgetName']);
  });

  test('an alert that is not a budget notification and names no rule is refused at essentials.alertRule', () => {
    const result = issuePaths(withEssentials({ alertRule: null, severity: null }));
    expect(result).toEqual(['data.essentials.alertRule', 'data.essentials.severity']);
  });
});
