import * as z from 'zod';
import type { AlertStatus, Severity } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import { capLabels, parseTags, toUtcIso } from './normalize';

/**
 * The `datadog` webhook format: what Datadog's Webhooks integration posts when a monitor notifies
 * `@webhook-<name>`. Datadog has no fixed body: the integration's Payload field is a JSON template whose
 * `$VARIABLES` Datadog substitutes (docs.datadoghq.com/integrations/webhooks, "Variables"). We accept
 * two shapes and anything between them:
 *  - our recommended template, DATADOG_PAYLOAD_TEMPLATE below;
 *  - Datadog's default payload, `{body, last_updated, event_type, title, date, org: {id, name}, id}`,
 *    which carries no monitor id, host, transition or priority: those are then read from the event
 *    title's markers, e.g. `[P2] [Triggered on {host:db-01}] Disk space low`.
 * Every field is optional except a title; a variable Datadog leaves empty ("") counts as absent, and
 * unknown fields never reject (they become labels).
 *
 * Variables (Datadog docs): $ID event id, unique per notification; $ALERT_ID monitor id; $ALERT_CYCLE_KEY
 * links the events of one trigger-to-recovery cycle; $AGGREG_KEY aggregates events belonging together;
 * $ALERT_TRANSITION Triggered/Re-Triggered, Recovered, Warn/Re-Warn, No Data/Re-No Data, Renotify;
 * $ALERT_TYPE error, warning, success, info; $ALERT_PRIORITY P1..P5; $DATE and $LAST_UPDATED epoch
 * milliseconds (e.g. 1406662672000; the *_POSIX variants are epoch seconds); $TAGS and $ALERT_SCOPE
 * comma-separated `key:value` lists; $EVENT_TITLE / $ALERT_TITLE e.g. `[Triggered on {host:ip-012345}] Host is Down`.
 */
export const DATADOG_PAYLOAD_TEMPLATE = `{
  "id": "$ID",
  "alert_id": "$ALERT_ID",
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "aggreg_key": "$AGGREG_KEY",
  "title": "$EVENT_TITLE",
  "alert_title": "$ALERT_TITLE",
  "message": "$EVENT_MSG",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_type": "$ALERT_TYPE",
  "alert_priority": "$ALERT_PRIORITY",
  "alert_status": "$ALERT_STATUS",
  "alert_metric": "$ALERT_METRIC",
  "alert_query": "$ALERT_QUERY",
  "alert_scope": "$ALERT_SCOPE",
  "hostname": "$HOSTNAME",
  "tags": "$TAGS",
  "event_type": "$EVENT_TYPE",
  "date": "$DATE",
  "last_updated": "$LAST_UPDATED",
  "link": "$LINK",
  "org": { "id": "$ORG_ID", "name": "$ORG_NAME" }
}`;

const MAX = { assetRef: 512, signature: 256, message: 4096, dedupKey: 1024 } as const;

/** A template value: strings as sent, numbers when a variable was pasted unquoted; blank and null are absent. */
const field = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .optional()
  .transform((value) => {
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' ? undefined : text;
  });

/**
 * An instant as Datadog renders it: epoch milliseconds ($DATE, $LAST_UPDATED), epoch seconds ($DATE_POSIX,
 * $LAST_UPDATED_POSIX) or ISO 8601. Values below 1e11 are seconds (1e11 ms is 1973, 1e11 s is year 5138).
 */
export function datadogInstant(value: string): string | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) {
    const number = Number(value);
    const ms = number < 1e11 ? number * 1000 : number;
    const date = new Date(Math.round(ms));
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return toUtcIso(value);
  return undefined;
}

const instant = field.refine((value) => value === undefined || datadogInstant(value) !== undefined, {
  message: 'expected epoch milliseconds, epoch seconds or an ISO 8601 date-time',
});

const tagList = z.union([z.string(), z.array(z.union([z.string(), z.number()])), z.null()]).optional();

const KNOWN_FIELDS = new Set([
  'id',
  'event_id',
  'alert_id',
  'monitor_id',
  'alert_cycle_key',
  'aggreg_key',
  'title',
  'event_title',
  'alert_title',
  'message',
  'body',
  'text_only_msg',
  'alert_transition',
  'transition',
  'alert_type',
  'alert_priority',
  'priority',
  'alert_status',
  'alert_metric',
  'alert_query',
  'alert_scope',
  'hostname',
  'host_name',
  'host',
  'tags',
  'event_type',
  'date',
  'date_posix',
  'last_updated',
  'last_updated_posix',
  'link',
  'org',
  'org_id',
  'org_name',
]);

export const datadogPayloadSchema = z
  .looseObject({
    id: field,
    event_id: field,
    alert_id: field,
    monitor_id: field,
    alert_cycle_key: field,
    aggreg_key: field,
    title: field,
    event_title: field,
    alert_title: field,
    message: field,
    body: field,
    text_only_msg: field,
    alert_transition: field,
    transition: field,
    alert_type: field,
    alert_priority: field,
    /** In Datadog's own vocabulary $PRIORITY is the event priority (normal/low); only a P1..P5 value is used. */
    priority: field,
    alert_status: field,
    alert_metric: field,
    alert_query: field,
    alert_scope: field,
    hostname: field,
    host_name: field,
    host: field,
    tags: tagList,
    event_type: field,
    date: instant,
    date_posix: instant,
    last_updated: instant,
    last_updated_posix: instant,
    link: field,
    org: z.union([z.looseObject({ id: field, name: field }), z.string(), z.null()]).optional(),
    org_id: field,
    org_name: field,
  })
  .refine((payload) => Boolean(payload.alert_title ?? payload.title ?? payload.event_title), {
    message: 'a Datadog payload needs a title ($EVENT_TITLE or $ALERT_TITLE)',
    path: ['title'],
  });
type DatadogPayload = z.infer<typeof datadogPayloadSchema>;

/** What the leading `[P2] [Triggered on {host:db-01}]` markers of a Datadog event title say. */
interface TitleMarkers {
  name: string;
  priority?: string;
  transition?: string;
  scope?: string;
}

const TITLE_MARKER =
  /^\s*\[(P[1-5]|Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|Renotify|Re-notify)(?: on \{([^}]*)\})?\]\s*/i;

/** Strips the priority and transition markers Datadog puts before the monitor name in event and alert titles. */
export function parseDatadogTitle(title: string): TitleMarkers {
  const markers: TitleMarkers = { name: title.trim() };
  let rest = title;
  for (let match = TITLE_MARKER.exec(rest); match; match = TITLE_MARKER.exec(rest)) {
    const [whole, word = '', scope] = match;
    if (/^P[1-5]$/i.test(word)) markers.priority ??= word.toUpperCase();
    else markers.transition ??= word;
    if (scope !== undefined) markers.scope ??= scope.trim();
    rest = rest.slice(whole.length);
  }
  const name = rest.trim();
  if (name) markers.name = name;
  return markers;
}

/** `k:v,k2:v2,bare` (or an array of such tags) as labels; a bare tag has an empty value, repeated keys join with ','. */
export function parseDatadogTags(tags: string | Array<string | number> | null | undefined): Record<string, string> {
  return parseTags(Array.isArray(tags) ? tags.map(String) : (tags ?? '').split(','));
}

const PRIORITY_SEVERITY: Record<string, Severity> = { P1: 'critical', P2: 'high', P3: 'medium', P4: 'low', P5: 'info' };
const ALERT_TYPE_SEVERITY: Record<string, Severity> = { error: 'high', warning: 'medium', info: 'info', success: 'info' };

function datadogSeverity(priority: string | undefined, alertType: string | undefined, transition: string | undefined): Severity {
  const byPriority = priority?.toUpperCase();
  if (byPriority && Object.hasOwn(PRIORITY_SEVERITY, byPriority)) return PRIORITY_SEVERITY[byPriority] as Severity;
  const byType = alertType?.toLowerCase();
  if (byType && Object.hasOwn(ALERT_TYPE_SEVERITY, byType)) return ALERT_TYPE_SEVERITY[byType] as Severity;
  // Nothing but the transition (Datadog's default payload): a warning is medium, recovery info, an alert high.
  const word = transition?.toLowerCase() ?? '';
  if (word.endsWith('warn')) return 'medium';
  if (word === 'recovered') return 'info';
  return 'high';
}

function datadogStatus(transition: string | undefined, alertType: string | undefined): AlertStatus {
  if (transition?.toLowerCase() === 'recovered' || alertType?.toLowerCase() === 'success') return 'resolved';
  return 'firing';
}

/** The `host` tag's (first) value. */
function firstHost(labels: Record<string, string>): string | undefined {
  return labels.host?.split(',')[0] || undefined;
}

function hostFromScope(scope: string | undefined): string | undefined {
  return scope ? firstHost(parseDatadogTags(scope)) : undefined;
}

function orgOf(payload: DatadogPayload): { id?: string; name?: string } {
  const org = payload.org;
  if (org && typeof org === 'object') return { id: org.id ?? payload.org_id, name: org.name ?? payload.org_name };
  return { id: payload.org_id, name: (typeof org === 'string' ? org.trim() || undefined : undefined) ?? payload.org_name };
}

function mapDatadog(payload: DatadogPayload, receivedAt: Date): AdaptedAlert {
  const rawTitle = (payload.alert_title ?? payload.title ?? payload.event_title) as string;
  const markers = parseDatadogTitle(rawTitle);
  // The event title may carry markers the alert title lacks (the priority), so read both.
  const otherTitle = payload.alert_title && payload.title ? parseDatadogTitle(payload.title) : undefined;

  const transition = payload.alert_transition ?? payload.transition ?? markers.transition ?? otherTitle?.transition;
  const priorityField = [payload.alert_priority, payload.priority].find((value) => value && /^P[1-5]$/i.test(value));
  const priority = priorityField ?? markers.priority ?? otherTitle?.priority;
  const scope = payload.alert_scope ?? markers.scope ?? otherTitle?.scope;
  const tags = parseDatadogTags(payload.tags);

  const signature = markers.name.slice(0, MAX.signature);
  const hostname = payload.hostname ?? payload.host_name ?? payload.host;
  const tagHost = firstHost(tags);
  const host = hostname ?? tagHost ?? hostFromScope(scope);
  // No host (a monitor over a whole service or account): a host-less alert, shown by its scope.
  const assetRef = (host ?? scope ?? signature).slice(0, MAX.assetRef);

  const monitorId = payload.alert_id ?? payload.monitor_id;
  const eventId = payload.id ?? payload.event_id;
  const when = payload.last_updated ?? payload.date ?? payload.last_updated_posix ?? payload.date_posix;
  const org = orgOf(payload);

  const meta: Record<string, string | undefined> = {
    monitor_id: monitorId,
    event_id: eventId,
    aggreg_key: payload.aggreg_key,
    alert_cycle_key: payload.alert_cycle_key,
    event_type: payload.event_type,
    alert_transition: transition,
    alert_type: payload.alert_type,
    alert_priority: priority,
    alert_status: payload.alert_status,
    alert_metric: payload.alert_metric,
    alert_query: payload.alert_query,
    alert_scope: scope,
    link: payload.link,
    org_id: org.id,
    org_name: org.name,
  };
  const extras = Object.fromEntries(Object.entries(payload).filter(([key]) => !KNOWN_FIELDS.has(key)));
  // Our metadata first (so the label cap never drops it), then the monitor's tags, then unknown fields.
  const labels = new Map<string, unknown>();
  for (const source of [meta, tags, extras]) {
    for (const [key, value] of Object.entries(source)) if (!labels.has(key) && value !== undefined) labels.set(key, value);
  }

  const alert: AdaptedAlert = {
    source: 'datadog',
    status: datadogStatus(transition, payload.alert_type),
    severity: datadogSeverity(priority, payload.alert_type, transition),
    assetRef,
    ...(host ? {} : { hostless: true as const }),
    signature,
    message: (payload.message ?? payload.body ?? payload.text_only_msg ?? payload.alert_status ?? rawTitle).slice(0, MAX.message),
    labels: capLabels(Object.fromEntries(labels)),
    // The monitor id names the rule and the host the group of a multi-alert monitor: a recovery carries
    // both, so it matches its trigger, and a re-trigger after recovery keeps the key (flap detection).
    dedupKey: `datadog:${monitorId ?? payload.aggreg_key ?? signature}:${assetRef}`.slice(0, MAX.dedupKey),
    occurredAt: when ? (datadogInstant(when) as string) : receivedAt.toISOString(),
  };
  if (eventId) alert.toolDeliveryId = `datadog:${eventId}`;
  return alert;
}

/** Maps one Datadog webhook notification (an object; an array of them is also accepted) to alerts. */
export const parseDatadog: FormatAdapter = (body, receivedAt) => {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item) => mapDatadog(datadogPayloadSchema.parse(item), receivedAt));
};
