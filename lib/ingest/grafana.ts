import * as z from 'zod';
import { ALERT_STATUSES, type AlertStatus } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import {
  ASSET_LABELS,
  firstOf,
  goTimestamp,
  labelFingerprint,
  mergeLabels,
  occurredAtOf,
  optionalText,
  prefixed,
  severityFromLabel,
  stringMap,
  unknownFields,
} from './alertmanager';
import { labelSource } from './normalize';

/**
 * The `grafana` webhook format: what a Grafana Alerting (unified alerting, Grafana 8+) contact point of
 * type Webhook posts. Written from Grafana's documentation, "Configure the webhook notifier for Alerting"
 * (grafana/grafana docs/sources/alerting/configure-notifications/manage-contact-points/integrations/
 * webhook-notifier.md; grafana.com/docs/grafana/latest/alerting/.../integrations/webhook-notifier/, and the
 * v9.x pages of it for `valueString`). Body: `receiver, status, orgId, alerts[], groupLabels, commonLabels,
 * commonAnnotations, externalURL, version ("1"), groupKey, truncatedAlerts, title, state, message` (the
 * last three "will be deprecated"). Alert: `status (firing|resolved), labels, annotations, startsAt,
 * endsAt (0001-01-01T00:00:00Z when not resolved), values (refId -> number; Grafana 10+), valueString
 * (Grafana 8-9), generatorURL, fingerprint ("alarms with the same labels will have the same
 * fingerprint"), silenceURL, dashboardURL, panelURL, imageURL`. It is Alertmanager's webhook payload with
 * Grafana's additions, so the mapping follows the `alertmanager` adapter's.
 *
 * The legacy (pre-unified, Grafana <= 8 "notification channel") webhook is accepted too; its body, from
 * the old-alerting notifications page (grafana/grafana docs/sources/alerting/old-alerting/notifications.md,
 * "Webhook"), is one rule's state change: `{dashboardId, evalMatches: [{value, metric, tags}], imageUrl,
 * message, orgId, panelId, ruleId, ruleName, ruleUrl, state, tags, title}`, state one of ok, paused,
 * alerting, pending, no_data. Notifications are sent for alerting, no_data and ok; paused and pending are
 * rejected. It carries no timestamp (occurredAt is the time of receipt) and no per-series identity: it
 * yields one alert per rule.
 *
 * Unknown fields never reject: they become labels, after the alert's own.
 */

const MAX = { assetRef: 512, signature: 256, message: 4096, dedupKey: 1024 } as const;

const alertStatus = z.enum(ALERT_STATUSES);

const grafanaAlertSchema = z.looseObject({
  status: alertStatus.optional(),
  labels: stringMap,
  annotations: stringMap,
  startsAt: goTimestamp,
  endsAt: goTimestamp,
  values: labelSource.nullish(),
  valueString: optionalText,
  generatorURL: optionalText,
  fingerprint: optionalText,
  silenceURL: optionalText,
  dashboardURL: optionalText,
  panelURL: optionalText,
  imageURL: optionalText,
});
type GrafanaAlert = z.infer<typeof grafanaAlertSchema>;

const grafanaBodyShape = {
  receiver: z.unknown().optional(),
  status: alertStatus.optional(),
  orgId: z.unknown().optional(),
  alerts: z.array(grafanaAlertSchema),
  groupLabels: z.unknown().optional(),
  commonLabels: z.unknown().optional(),
  commonAnnotations: z.unknown().optional(),
  externalURL: z.unknown().optional(),
  version: z.unknown().optional(),
  groupKey: z.unknown().optional(),
  truncatedAlerts: z.unknown().optional(),
  title: optionalText,
  state: z.unknown().optional(),
  message: z.unknown().optional(),
};

/** The group title without its `[FIRING:2]` / `[RESOLVED]` prefix, so firing and resolved agree. */
function titleName(title: string | undefined): string | undefined {
  const name = title?.replace(/^\s*\[(FIRING|RESOLVED)(:\d+)?\]\s*/i, '').trim();
  return name || undefined;
}

function signatureOf(alert: GrafanaAlert, title: string | undefined): string | undefined {
  return firstOf(alert.labels, ['alertname', 'rulename']) ?? titleName(title);
}

export const grafanaPayloadSchema = z.looseObject(grafanaBodyShape).superRefine((payload, ctx) => {
  payload.alerts.forEach((alert, index) => {
    if (!signatureOf(alert, payload.title)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', index, 'labels', 'alertname'],
        message: 'an alert needs labels.alertname (or labels.rulename, or a payload title)',
      });
    }
  });
});
type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;

const KNOWN_BODY_FIELDS = new Set(Object.keys(grafanaBodyShape));
const KNOWN_ALERT_FIELDS = new Set(Object.keys(grafanaAlertSchema.shape));

function mapAlert(alert: GrafanaAlert, payload: GrafanaPayload, receivedAt: Date): AdaptedAlert {
  const { labels, annotations, fingerprint, startsAt } = alert;
  const status: AlertStatus = alert.status ?? payload.status ?? 'firing';
  const signature = signatureOf(alert, payload.title) as string; // guaranteed by the schema's refinement
  const values = Object.fromEntries(Object.entries(alert.values ?? {}).map(([refId, value]) => [`value.${refId}`, value]));
  const host = firstOf(labels, ASSET_LABELS);

  const adapted: AdaptedAlert = {
    source: 'grafana',
    status,
    severity: severityFromLabel(labels.severity),
    // No host label (DatasourceError, DatasourceNoData, a rule over a whole service): a host-less alert,
    // shown by its folder (Grafana adds grafana_folder to every alert's labels).
    assetRef: (host ?? labels.grafana_folder ?? 'unknown').slice(0, MAX.assetRef),
    ...(host ? {} : { hostless: true as const }),
    signature: signature.slice(0, MAX.signature),
    message: (firstOf(annotations, ['summary', 'description', 'message']) ?? alert.valueString ?? signature).slice(0, MAX.message),
    labels: mergeLabels(
      labels,
      prefixed('annotation.', annotations),
      {
        generatorURL: alert.generatorURL,
        silenceURL: alert.silenceURL,
        dashboardURL: alert.dashboardURL,
        panelURL: alert.panelURL,
        imageURL: alert.imageURL,
        valueString: alert.valueString,
      },
      values,
      unknownFields(alert, KNOWN_ALERT_FIELDS),
      unknownFields(payload, KNOWN_BODY_FIELDS),
    ),
    // Grafana's fingerprint also covers its hidden labels (the rule uid...), so the fallback computed from
    // the labels sent cannot equal it; it is only stable between the firing and resolved notifications.
    dedupKey: `grafana:${fingerprint ?? labelFingerprint(labels)}`.slice(0, MAX.dedupKey),
    occurredAt: occurredAtOf(status, startsAt, alert.endsAt, receivedAt),
  };
  if (fingerprint && startsAt) adapted.toolDeliveryId = `grafana:${fingerprint}:${status}:${startsAt}`;
  return adapted;
}

// ---- Legacy (pre-unified) alerting -------------------------------------------------------------------

const LEGACY_STATUS = { alerting: 'firing', no_data: 'firing', ok: 'resolved' } as const satisfies Record<string, AlertStatus>;

const evalMatchSchema = z.looseObject({
  value: z.unknown().optional(),
  metric: z.unknown().optional(),
  tags: stringMap,
});

const legacyBodyShape = {
  dashboardId: z.unknown().optional(),
  evalMatches: z.array(evalMatchSchema).nullish(),
  imageUrl: optionalText,
  message: optionalText,
  orgId: z.union([z.number(), z.string()]).optional(),
  panelId: z.unknown().optional(),
  ruleId: z.union([z.number(), z.string()]).optional(),
  ruleName: z.string().refine((name) => name.trim() !== '', { message: 'ruleName is blank' }),
  ruleUrl: optionalText,
  state: z.enum(['alerting', 'no_data', 'ok']),
  tags: stringMap,
  title: optionalText,
};
export const grafanaLegacyPayloadSchema = z.looseObject(legacyBodyShape);
type GrafanaLegacyPayload = z.infer<typeof grafanaLegacyPayloadSchema>;
const KNOWN_LEGACY_FIELDS = new Set(Object.keys(legacyBodyShape));

/** A legacy body: no `alerts`, but a rule name or evaluation matches. */
function isLegacy(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  return !('alerts' in body) && ('ruleName' in body || 'evalMatches' in body);
}

function mapLegacy(payload: GrafanaLegacyPayload, receivedAt: Date): AdaptedAlert {
  const signature = payload.ruleName.trim();
  const matches = payload.evalMatches ?? [];
  // The rule's tags first, then the first series that names a host (an ok notification has no series).
  const assetRef =
    firstOf(payload.tags, ASSET_LABELS) ??
    matches.map((match) => firstOf(match.tags, ASSET_LABELS)).find((ref) => ref !== undefined) ??
    'unknown';
  const matchLabels = Object.fromEntries(
    matches.slice(0, 10).map((match, index) => [`evalMatch.${index}`, `${String(match.metric ?? '')}=${String(match.value ?? '')}`]),
  );
  const ruleKey = payload.ruleId !== undefined ? `${payload.orgId ?? 1}:${payload.ruleId}` : signature.toLowerCase();
  return {
    source: 'grafana',
    status: LEGACY_STATUS[payload.state],
    severity: severityFromLabel(payload.tags.severity),
    assetRef: assetRef.slice(0, MAX.assetRef),
    signature: signature.slice(0, MAX.signature),
    message: (payload.message ?? payload.title ?? signature).slice(0, MAX.message),
    labels: mergeLabels(
      payload.tags,
      {
        state: payload.state,
        ruleId: payload.ruleId,
        ruleUrl: payload.ruleUrl,
        dashboardId: payload.dashboardId,
        panelId: payload.panelId,
        imageUrl: payload.imageUrl,
      },
      matchLabels,
      unknownFields(payload, KNOWN_LEGACY_FIELDS),
    ),
    // One rule, one alert: the alerting and ok notifications of a rule share its id.
    dedupKey: `grafana:legacy:${ruleKey}`.slice(0, MAX.dedupKey),
    occurredAt: receivedAt.toISOString(),
  };
}

/** Maps one Grafana webhook notification to one alert per entry of its `alerts` (legacy: one alert). */
export const parseGrafana: FormatAdapter = (body, receivedAt) => {
  if (isLegacy(body)) return [mapLegacy(grafanaLegacyPayloadSchema.parse(body), receivedAt)];
  const payload = grafanaPayloadSchema.parse(body);
  return payload.alerts.map((alert) => mapAlert(alert, payload, receivedAt));
};
