import * as z from 'zod';
import type { AlertStatus, Severity } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './formats';
import { capLabels, labelSource, toUtcIso } from './normalize';

/**
 * The `azure` webhook format: an Azure Monitor action group's webhook with the common alert schema enabled
 * (learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema):
 * `{schemaId: 'azureMonitorCommonAlertSchema', data: {essentials, alertContext, customProperties}}`.
 * `essentials` is the same for every signal type (Metric, Log, Activity Log); `alertContext` varies with the
 * monitoring service and is only mined for a few labels. A body without that schemaId or without the
 * essentials (the older per-signal webhook schemas) is rejected: the action group must enable the common schema.
 */

const MAX = { assetRef: 512, signature: 256, message: 4096, dedupKey: 1024 } as const;

const SEVERITY: Record<string, Severity> = { sev0: 'critical', sev1: 'high', sev2: 'medium', sev3: 'low', sev4: 'info' };
const CONDITION: Record<string, { status: AlertStatus; name: 'Fired' | 'Resolved' }> = {
  fired: { status: 'firing', name: 'Fired' },
  resolved: { status: 'resolved', name: 'Resolved' },
};

const optionalText = z
  .string()
  .nullish()
  .transform((value) => value?.trim() || undefined);
const stringList = z
  .array(z.string().nullable())
  .nullish()
  .transform((list) => (list ?? []).map((item) => item?.trim() ?? '').filter(Boolean));
/** Azure writes seven fractional digits (2019-03-22T13:58:24.3713213Z); Date.parse keeps milliseconds. */
const dateTime = z.iso.datetime({ offset: true });

export const azureEssentialsSchema = z.looseObject({
  alertId: z.string().trim().min(1),
  alertRule: z.string().trim().min(1),
  severity: z
    .string()
    .trim()
    .refine((value) => Object.hasOwn(SEVERITY, value.toLowerCase()), { message: 'expected Sev0, Sev1, Sev2, Sev3 or Sev4' }),
  signalType: optionalText,
  monitorCondition: z
    .string()
    .trim()
    .refine((value) => Object.hasOwn(CONDITION, value.toLowerCase()), { message: 'expected Fired or Resolved' }),
  monitoringService: optionalText,
  alertTargetIDs: stringList,
  /** The field table in Azure's docs spells it alertTargetIds; the payloads say alertTargetIDs. Both are read. */
  alertTargetIds: stringList,
  configurationItems: stringList,
  originAlertId: optionalText,
  firedDateTime: dateTime,
  resolvedDateTime: dateTime.nullish(),
  description: optionalText,
  essentialsVersion: optionalText,
  alertContextVersion: optionalText,
});

export const azurePayloadSchema = z.looseObject({
  schemaId: z.literal('azureMonitorCommonAlertSchema'),
  data: z.looseObject({
    essentials: azureEssentialsSchema,
    alertContext: labelSource.nullish(),
    customProperties: labelSource.nullish(),
  }),
});
type AzurePayload = z.infer<typeof azurePayloadSchema>;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `[{name, value}]` dimensions as `name=value,name2=value2`. */
function dimensions(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const pairs = value
    .map(record)
    .filter((item): item is Record<string, unknown> => item !== undefined)
    .map((item) => `${scalar(item.name) ?? ''}=${scalar(item.value) ?? ''}`);
  return pairs.length ? pairs.join(',') : undefined;
}

/**
 * A few alertContext fields worth a label, whichever the signal: metric conditions (the first criterion of
 * `condition.allOf`), log search alerts (v2 criteria or the older top-level SearchQuery/Threshold/Operator)
 * and activity log events.
 */
function contextLabels(context: Record<string, unknown> | undefined): Record<string, string | undefined> {
  if (!context) return {};
  const condition = record(context.condition);
  const criterion = Array.isArray(condition?.allOf) ? record(condition.allOf[0]) : undefined;
  return {
    conditionType: scalar(context.conditionType),
    windowSize: scalar(condition?.windowSize),
    windowStartTime: scalar(condition?.windowStartTime),
    windowEndTime: scalar(condition?.windowEndTime),
    metricName: scalar(criterion?.metricName),
    metricNamespace: scalar(criterion?.metricNamespace),
    operator: scalar(criterion?.operator) ?? scalar(context.Operator),
    threshold: scalar(criterion?.threshold) ?? scalar(context.Threshold),
    timeAggregation: scalar(criterion?.timeAggregation),
    metricValue: scalar(criterion?.metricValue),
    dimensions: dimensions(criterion?.dimensions) ?? dimensions(context.Dimensions),
    webTestName: scalar(criterion?.webTestName),
    searchQuery: scalar(criterion?.searchQuery) ?? scalar(context.SearchQuery),
    operationName: scalar(context.operationName),
    eventSource: scalar(context.eventSource),
    level: scalar(context.level),
    activityStatus: scalar(context.status),
  };
}

/** The last segment of an ARM resource id: `.../virtualMachines/vm-web-01` -> `vm-web-01`. */
function resourceName(resourceId: string | undefined): string | undefined {
  return resourceId?.split('/').filter(Boolean).pop();
}

function mapAzure(payload: AzurePayload, receivedAt: Date): AdaptedAlert {
  const { essentials, alertContext, customProperties } = payload.data;
  const condition = CONDITION[essentials.monitorCondition.toLowerCase()] as (typeof CONDITION)[string];
  const targets = essentials.alertTargetIDs.length ? essentials.alertTargetIDs : essentials.alertTargetIds;
  const signature = essentials.alertRule.slice(0, MAX.signature);
  const assetRef = (essentials.configurationItems[0] ?? resourceName(targets[0]) ?? signature).slice(0, MAX.assetRef);

  const meta: Record<string, string | undefined> = {
    alertId: essentials.alertId,
    originAlertId: essentials.originAlertId,
    severity: essentials.severity,
    signalType: essentials.signalType,
    monitorCondition: condition.name,
    monitoringService: essentials.monitoringService,
    resourceId: targets[0],
    alertTargetIDs: targets.length ? targets.join(',') : undefined,
    configurationItems: essentials.configurationItems.length ? essentials.configurationItems.join(',') : undefined,
    firedDateTime: essentials.firedDateTime,
    resolvedDateTime: essentials.resolvedDateTime ?? undefined,
  };
  const labels = new Map<string, unknown>();
  // Essentials first (the label cap never drops them), then the context's fields, then the rule's custom properties.
  const custom = { ...record(alertContext?.properties), ...customProperties };
  for (const source of [meta, contextLabels(alertContext ?? undefined), custom]) {
    for (const [key, value] of Object.entries(source)) if (!labels.has(key) && value !== undefined) labels.set(key, value);
  }

  // Resolved: when the condition cleared (Azure only documents resolvedDateTime for metric alerts; without
  // it the receipt time is closer than the firing time).
  const when = condition.status === 'firing' ? essentials.firedDateTime : essentials.resolvedDateTime;
  return {
    source: 'azure',
    status: condition.status,
    severity: SEVERITY[essentials.severity.toLowerCase()] as Severity,
    assetRef,
    signature,
    message: (essentials.description ?? essentials.alertRule).slice(0, MAX.message),
    labels: capLabels(Object.fromEntries(labels)),
    // alertId names one alert instance, and Azure sends the same alertId in its Fired and its Resolved
    // notification, so a recovery always finds its alert. originAlertId is not used: its format is up to
    // each monitoring service, and it is not documented to match between the two notifications.
    dedupKey: `azure:${essentials.alertId}`.slice(0, MAX.dedupKey),
    occurredAt: when ? toUtcIso(when) : receivedAt.toISOString(),
    toolDeliveryId: `azure:${essentials.alertId}:${condition.name}`,
  };
}

/** Maps one Azure Monitor common-schema notification (an object; an array of them is also accepted) to alerts. */
export const parseAzureMonitor: FormatAdapter = (body, receivedAt) => {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item) => mapAzure(azurePayloadSchema.parse(item), receivedAt));
};
