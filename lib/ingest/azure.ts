import * as z from 'zod';
import type { AlertStatus, Severity } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import { capLabels, labelSource, toUtcIso } from './normalize';

/**
 * The `azure` webhook format: an Azure Monitor action group's webhook with the common alert schema enabled
 * (learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema):
 * `{schemaId: 'azureMonitorCommonAlertSchema', data: {essentials, alertContext, customProperties}}`.
 * `essentials` is the same for every signal type (Metric, Log, Activity Log); `alertContext` varies with the
 * monitoring service and is only mined for a few labels. A body without that schemaId or without the
 * essentials (the older per-signal webhook schemas) is rejected: the action group must enable the common schema.
 *
 * Not every notification fills the essentials. Cost Management budget notifications (monitoringService
 * `CostAlerts`; "Sample payloads for test actions" in learn.microsoft.com/azure/azure-monitor/alerts/alerts-payload-samples)
 * send alertRule, severity, signalType, alertTargetIDs and originAlertId as null, monitorCondition as null
 * (2023 samples) or Fired (later ones), and the category `budgets` as their configuration item; the budget is
 * only in `alertContext.AlertData`. They get the defaults below (mapAzure), documented in docs/integrations.md.
 * Service Health notifications name only the subscription as their target, with no configuration items, and
 * older samples write firedDateTime without a zone (Azure documents it as UTC).
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
/**
 * Azure writes seven fractional digits (2019-03-22T13:58:24.3713213Z); Date.parse keeps milliseconds. Some
 * Service Health samples have no zone (2021-11-17T05:34:48.0623172): the field is documented as UTC (azureInstant).
 */
const dateTime = z.iso.datetime({ offset: true, local: true });

export const azureEssentialsSchema = z.looseObject({
  alertId: z.string().trim().min(1),
  /** Null in budget notifications: their rule is the budget (alertContext.AlertData.BudgetName); see azurePayloadSchema. */
  alertRule: optionalText,
  severity: z
    .string()
    .trim()
    .refine((value) => Object.hasOwn(SEVERITY, value.toLowerCase()), { message: 'expected Sev0, Sev1, Sev2, Sev3 or Sev4' })
    .nullish(),
  signalType: optionalText,
  monitorCondition: z
    .string()
    .trim()
    .refine((value) => Object.hasOwn(CONDITION, value.toLowerCase()), { message: 'expected Fired or Resolved' })
    .nullish(),
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
type AzureEssentials = z.infer<typeof azureEssentialsSchema>;

/**
 * The budget of a Cost Management notification (monitoringService CostAlerts, or an alertContext whose
 * AlertCategory is `budgets`): its alertContext.AlertData, `{}` if it has none. Undefined for any other alert.
 */
function budgetOf(essentials: Pick<AzureEssentials, 'monitoringService'>, alertContext: unknown): Record<string, unknown> | undefined {
  const context = record(alertContext);
  const cost = essentials.monitoringService?.toLowerCase() === 'costalerts' || scalar(context?.AlertCategory)?.toLowerCase() === 'budgets';
  return cost ? (record(context?.AlertData) ?? {}) : undefined;
}

export const azurePayloadSchema = z
  .looseObject({
    schemaId: z.literal('azureMonitorCommonAlertSchema'),
    data: z.looseObject({
      essentials: azureEssentialsSchema,
      alertContext: labelSource.nullish(),
      customProperties: labelSource.nullish(),
    }),
  })
  .superRefine(({ data: { essentials, alertContext } }, ctx) => {
    // A budget notification may leave the rule, severity and condition null (mapAzure gives its defaults);
    // every other alert must name them, as before.
    const budget = budgetOf(essentials, alertContext);
    const path = (field: string) => ['data', 'essentials', field];
    if (!essentials.alertRule && !scalar(budget?.BudgetName)) {
      ctx.addIssue({
        code: 'custom',
        path: budget ? ['data', 'alertContext', 'AlertData', 'BudgetName'] : path('alertRule'),
        message: budget ? 'a budget notification without alertRule must name its budget' : 'expected the alert rule name',
      });
    }
    if (!budget && !essentials.severity)
      ctx.addIssue({ code: 'custom', path: path('severity'), message: 'expected Sev0, Sev1, Sev2, Sev3 or Sev4' });
    if (!budget && !essentials.monitorCondition)
      ctx.addIssue({ code: 'custom', path: path('monitorCondition'), message: 'expected Fired or Resolved' });
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
 * `condition.allOf`), log search alerts (v2 criteria or the older top-level SearchQuery/Threshold/Operator),
 * activity log events and budget notifications (`AlertData`).
 */
function contextLabels(context: Record<string, unknown> | undefined): Record<string, string | undefined> {
  if (!context) return {};
  const condition = record(context.condition);
  const criterion = Array.isArray(condition?.allOf) ? record(condition.allOf[0]) : undefined;
  const budget = record(context.AlertData);
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
    // Cost Management budget notifications.
    alertCategory: scalar(context.AlertCategory),
    budgetName: scalar(budget?.BudgetName),
    budgetId: scalar(budget?.BudgetId),
    budgetType: scalar(budget?.BudgetType),
    budgetScope: scalar(budget?.Scope),
    thresholdType: scalar(budget?.ThresholdType),
    budgetThreshold: scalar(budget?.BudgetThreshold),
    notificationThresholdAmount: scalar(budget?.NotificationThresholdAmount),
    spentAmount: scalar(budget?.SpentAmount),
    forecastedTotalForPeriod: scalar(budget?.ForecastedTotalForPeriod),
    unit: scalar(budget?.Unit),
    budgetStartDate: scalar(budget?.BudgetStartDate),
  };
}

/** The last segment of an ARM resource id: `.../virtualMachines/vm-web-01` -> `vm-web-01`. */
function resourceName(resourceId: string | undefined): string | undefined {
  return resourceId?.split('/').filter(Boolean).pop();
}

/** An ARM id that names a scope, not a resource: a subscription or a resource group (Service Health targets the subscription). */
const SCOPE_ONLY = /^\/subscriptions\/[^/]+(?:\/resourcegroups\/[^/]+)?\/?$/i;

function scopeId(id: string | undefined): string | undefined {
  return id?.replace(/\/+$/, '') || undefined;
}

/**
 * The asset an alert names. A resource (the first configuration item, else the name of the first target)
 * is a host. An alert that names no resource (no targets, or only its subscription or resource group, as
 * Service Health and budget notifications) is host-less (`hostless`, lib/domain/alert.ts): its assetRef is the
 * ARM id of the scope it is about (the target scope, the budget's scope, else the subscription in its alertId,
 * else the alertId), never the rule's name nor a subscription GUID that would read as a host name. A budget
 * notification's configuration item is the category `budgets`, not a resource, and is ignored.
 */
function assetOf(
  essentials: AzureEssentials,
  targets: string[],
  budget: Record<string, unknown> | undefined,
): { assetRef: string; hostless?: true } {
  const target = targets[0];
  const host =
    (budget ? undefined : essentials.configurationItems[0]) ?? (target && !SCOPE_ONLY.test(target) ? resourceName(target) : undefined);
  if (host) return { assetRef: host.slice(0, MAX.assetRef) };
  const subscription = /^\/subscriptions\/[^/]+/i.exec(essentials.alertId)?.[0];
  const scope = scopeId(target) ?? scopeId(scalar(budget?.Scope)) ?? subscription ?? essentials.alertId;
  return { assetRef: scope.slice(0, MAX.assetRef), hostless: true };
}

/** An essentials date as UTC: Azure documents them as UTC, so one written without a zone is read as UTC. */
function azureInstant(value: string): string {
  return toUtcIso(/(?:z|[+-]\d{2}(?::?\d{2})?)$/i.test(value) ? value : `${value}Z`);
}

/**
 * Defaults for what a budget notification leaves null (docs/integrations.md, Azure Monitor): the budget's name is
 * the rule; it fires and never resolves (Azure sends no resolution for a budget); its severity is medium when the
 * actual spend crossed the threshold (money is being spent now: within the business day) and low when only the
 * forecast did (a warning ahead of the period's end). The description Azure writes ("Your spend for budget ... is
 * now $... exceeding your specified threshold $...") stays the message.
 */
function budgetSeverity(budget: Record<string, unknown>): Severity {
  return scalar(budget.ThresholdType)?.toLowerCase() === 'forecasted' ? 'low' : 'medium';
}

function mapAzure(payload: AzurePayload, receivedAt: Date): AdaptedAlert {
  const { essentials, alertContext, customProperties } = payload.data;
  const budget = budgetOf(essentials, alertContext);
  // azurePayloadSchema has checked these: only a budget notification may leave them null.
  const rule = (essentials.alertRule ?? scalar(budget?.BudgetName)) as string;
  const condition = CONDITION[(essentials.monitorCondition ?? 'Fired').toLowerCase()] as (typeof CONDITION)[string];
  const severity = essentials.severity ? (SEVERITY[essentials.severity.toLowerCase()] as Severity) : budgetSeverity(budget ?? {});
  const targets = essentials.alertTargetIDs.length ? essentials.alertTargetIDs : essentials.alertTargetIds;
  const signature = rule.slice(0, MAX.signature);
  const asset = assetOf(essentials, targets, budget);

  const meta: Record<string, string | undefined> = {
    alertId: essentials.alertId,
    originAlertId: essentials.originAlertId,
    // As Azure sent them: a null severity or monitorCondition (budget notifications) gives no label.
    severity: essentials.severity ?? undefined,
    signalType: essentials.signalType,
    monitorCondition: essentials.monitorCondition ? condition.name : undefined,
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
    severity,
    ...asset,
    signature,
    message: (essentials.description ?? rule).slice(0, MAX.message),
    labels: capLabels(Object.fromEntries(labels)),
    // alertId names one alert instance, and Azure sends the same alertId in its Fired and its Resolved
    // notification, so a recovery always finds its alert. originAlertId is not used: its format is up to
    // each monitoring service, and it is not documented to match between the two notifications.
    dedupKey: `azure:${essentials.alertId}`.slice(0, MAX.dedupKey),
    occurredAt: when ? azureInstant(when) : receivedAt.toISOString(),
    // A budget notification also carries its firedDateTime: Azure's samples give an actual-spend and a forecast
    // notification of one budget the same alertId, and a later threshold must not pass for a repeat of the
    // first; a retry of one notification repeats its firedDateTime.
    toolDeliveryId: budget
      ? `azure:${essentials.alertId}:${condition.name}:${essentials.firedDateTime}`
      : `azure:${essentials.alertId}:${condition.name}`,
  };
}

/** Maps one Azure Monitor common-schema notification (an object; an array of them is also accepted) to alerts. */
export const parseAzureMonitor: FormatAdapter = (body, receivedAt) => {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item) => mapAzure(azurePayloadSchema.parse(item), receivedAt));
};
