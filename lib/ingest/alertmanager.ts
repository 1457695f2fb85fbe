import * as z from 'zod';
import { ALERT_STATUSES, type AlertStatus, type Severity } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import { capLabels, labelSource, severityFromWord, toUtcIso } from './normalize';

/**
 * The `alertmanager` webhook format: what Prometheus Alertmanager posts to a `webhook_config` receiver.
 * Written from Alertmanager's own documentation, docs/configuration.md `<webhook_config>` in
 * prometheus/alertmanager (prometheus.io/docs/alerting/latest/configuration/#webhook_config):
 *
 *   { "version": "4", "groupKey": <string>, "truncatedAlerts": <int>, "status": "<resolved|firing>",
 *     "receiver": <string>, "groupLabels": <object>, "commonLabels": <object>, "commonAnnotations": <object>,
 *     "externalURL": <string>,
 *     "alerts": [ { "status": "<resolved|firing>", "labels": <object>, "annotations": <object>,
 *                   "startsAt": "<rfc3339>", "endsAt": "<rfc3339>", "generatorURL": <string>,
 *                   "fingerprint": <string> }, ... ] }
 *
 * Facts this relies on:
 *  - One POST carries one notification group; each entry of `alerts` is one alert with its own status (a
 *    group's top-level status is `firing` while any of its alerts fires), so each entry becomes one alert.
 *  - `fingerprint` is the alert's label-set fingerprint (prometheus/common model: FNV-1a 64 over the
 *    label names sorted, each name and value followed by the byte 0xff, printed as 16 hex digits). It is
 *    the same for the firing and the resolved notification of an alert, so it keys dedup.
 *  - A timestamp Go never set is sent as the zero time `0001-01-01T00:00:00Z` (endsAt of a firing
 *    alert); it counts as absent here. Timestamps are RFC 3339 with up to nanoseconds and any offset.
 *  - Labels and annotations are maps of strings; `alertname` is the alerting rule's name.
 * Unknown fields (of the body or of an alert) never reject: they become labels, after the alert's own.
 */

const MAX = { assetRef: 512, signature: 256, message: 4096, dedupKey: 1024 } as const;

/** The conventional `severity` label read as a severity; missing or unknown is medium, never a rejection. */
export function severityFromLabel(value: string | undefined): Severity {
  return severityFromWord(value) ?? 'medium';
}

/**
 * Alertmanager's fingerprint of a label set (prometheus/common model/signature.go labelSetToFingerprint):
 * FNV-1a 64 over `name 0xff value 0xff` for each label, names sorted bytewise, as 16 hex digits. Used
 * when a payload carries no fingerprint, so the derived key is the one Alertmanager would have sent.
 */
export function labelFingerprint(labels: Record<string, string>): string {
  const encoder = new TextEncoder();
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let hash = 0xcbf29ce484222325n; // offset64
  const add = (byte: number) => {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn; // prime64, mod 2^64
  };
  for (const name of names) {
    for (const byte of encoder.encode(name)) add(byte);
    add(0xff);
    for (const byte of encoder.encode(labels[name] ?? '')) add(byte);
    add(0xff);
  }
  return hash.toString(16).padStart(16, '0');
}

/** An RFC 3339 timestamp as Go marshals it (nanoseconds, any offset); '' counts as absent. */
export const goTimestamp = z.preprocess(
  (value) => (value === '' || value === null ? undefined : value),
  z.iso
    .datetime({ offset: true })
    .refine((value) => !Number.isNaN(Date.parse(value)), { message: 'not a valid instant' })
    .optional(),
);

/** True for an absent timestamp or Go's zero time (`0001-01-01T00:00:00Z`, sent for an unset endsAt). */
export function isUnsetTime(value: string | undefined): value is undefined {
  return value === undefined || new Date(Date.parse(value)).getUTCFullYear() <= 1;
}

/**
 * A label or annotation map: string values as sent, other scalars as text, null dropped. Every key is
 * kept as an own property (built from a Map, never by assignment, so `__proto__` stays a key and
 * capLabels renames it).
 */
export const stringMap = labelSource.nullish().transform((map) => {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(map ?? {})) {
    if (value === undefined || value === null) continue;
    out.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return Object.fromEntries(out) as Record<string, string>;
});

/** An optional string where '' (Grafana's empty dashboardURL, a blank fingerprint) counts as absent. */
export const optionalText = z.preprocess((value) => (value === '' || value === null ? undefined : value), z.string().optional());

const alertStatus = z.enum(ALERT_STATUSES);

/** Label keys, in order, that name the host or resource an alert is about. */
export const ASSET_LABELS = ['instance', 'host', 'hostname', 'node', 'pod', 'service'] as const;

/** The first non-blank value among `keys` in `map`. */
export function firstOf(map: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = map[key]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** occurredAt: startsAt for firing; endsAt for resolved, else startsAt; else the time of receipt. */
export function occurredAtOf(status: AlertStatus, startsAt: string | undefined, endsAt: string | undefined, receivedAt: Date): string {
  const candidates = status === 'resolved' ? [endsAt, startsAt] : [startsAt];
  const set = candidates.find((value) => !isUnsetTime(value));
  return set ? toUtcIso(set) : receivedAt.toISOString();
}

/** Builds a label map from sources in priority order: the first source to name a key wins; blanks are skipped. */
export function mergeLabels(...sources: Array<Record<string, unknown>>): Record<string, string> {
  const merged = new Map<string, unknown>();
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (merged.has(key) || value === undefined || value === null || value === '') continue;
      merged.set(key, value);
    }
  }
  return capLabels(Object.fromEntries(merged));
}

/** The fields of `object` not in `known`. */
export function unknownFields(object: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !known.has(key)));
}

export function prefixed(prefix: string, map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [`${prefix}${key}`, value]));
}

const alertSchema = z.looseObject({
  status: alertStatus.optional(),
  labels: stringMap.refine((labels) => Boolean(labels.alertname?.trim()), {
    path: ['alertname'],
    message: 'an alert needs labels.alertname',
  }),
  annotations: stringMap,
  startsAt: goTimestamp,
  endsAt: goTimestamp,
  generatorURL: optionalText,
  fingerprint: optionalText,
});

export const alertmanagerPayloadSchema = z.looseObject({
  version: z.unknown().optional(),
  groupKey: z.unknown().optional(),
  truncatedAlerts: z.unknown().optional(),
  status: alertStatus.optional(),
  receiver: z.unknown().optional(),
  groupLabels: z.unknown().optional(),
  commonLabels: z.unknown().optional(),
  commonAnnotations: z.unknown().optional(),
  externalURL: z.unknown().optional(),
  alerts: z.array(alertSchema),
});
type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
type AlertmanagerAlert = AlertmanagerPayload['alerts'][number];

const KNOWN_BODY_FIELDS = new Set(Object.keys(alertmanagerPayloadSchema.shape));
const KNOWN_ALERT_FIELDS = new Set(Object.keys(alertSchema.shape));

function mapAlert(alert: AlertmanagerAlert, payload: AlertmanagerPayload, receivedAt: Date): AdaptedAlert {
  const { labels, annotations, fingerprint, startsAt } = alert;
  const status: AlertStatus = alert.status ?? payload.status ?? 'firing';
  const signature = labels.alertname as string; // guaranteed by the schema
  const host = firstOf(labels, ASSET_LABELS);

  const adapted: AdaptedAlert = {
    source: 'alertmanager',
    status,
    severity: severityFromLabel(labels.severity),
    // As the tool names it (an instance keeps its port, e.g. 10.0.1.10:9100): asset resolution strips it.
    // No host label (a Watchdog, a rule over a whole job): a host-less alert, shown by its job.
    assetRef: (host ?? labels.job ?? 'unknown').slice(0, MAX.assetRef),
    ...(host ? {} : { hostless: true as const }),
    signature: signature.slice(0, MAX.signature),
    message: (firstOf(annotations, ['summary', 'description', 'message']) ?? signature).slice(0, MAX.message),
    labels: mergeLabels(
      labels,
      prefixed('annotation.', annotations),
      { generatorURL: alert.generatorURL },
      unknownFields(alert, KNOWN_ALERT_FIELDS),
      unknownFields(payload, KNOWN_BODY_FIELDS),
    ),
    // The fingerprint is the same for an alert's firing and resolved notifications; without one, the
    // same fingerprint is computed from the labels (which is what Alertmanager hashes).
    dedupKey: `alertmanager:${fingerprint ?? labelFingerprint(labels)}`.slice(0, MAX.dedupKey),
    occurredAt: occurredAtOf(status, startsAt, alert.endsAt, receivedAt),
  };
  // One id per alert occurrence and status: Alertmanager's re-notifications of a still-firing alert
  // (repeat_interval) and its retries repeat it, so they are recognised as repeats.
  if (fingerprint && startsAt) adapted.toolDeliveryId = `alertmanager:${fingerprint}:${status}:${startsAt}`;
  return adapted;
}

/** Maps one Alertmanager webhook notification to one alert per entry of its `alerts`. */
export const parseAlertmanager: FormatAdapter = (body, receivedAt) => {
  const payload = alertmanagerPayloadSchema.parse(body);
  return payload.alerts.map((alert) => mapAlert(alert, payload, receivedAt));
};
