import * as z from 'zod';
import type { AlertStatus, Severity } from '../domain/alert';
import type { AdaptedAlert, FormatAdapter } from './adapter';
import { capLabels, parseTags } from './normalize';
import { isValidTimeZone, offsetMs } from '../util/zoned-time';

/**
 * The `zabbix` webhook format. A Zabbix webhook media type has user-defined parameters whose values are
 * macros; Zabbix resolves them and hands the script one JSON string, `value`, of all of them
 * (zabbix.com/documentation/current/manual/config/notifications/media/webhook). Our script,
 * ZABBIX_WEBHOOK_SCRIPT, posts that object, minus our URL and API key, as the request body. So the body
 * is a flat object of strings named as in ZABBIX_WEBHOOK_PARAMETERS.
 *
 * Facts from the Zabbix macro reference this relies on:
 *  - {EVENT.VALUE} is 1 for a problem and 0 for a recovery; {EVENT.STATUS} is PROBLEM or RESOLVED.
 *  - In a recovery message the {EVENT.*} macros describe the original problem event: {EVENT.ID} is the
 *    problem's id ("Original problem ID"), {EVENT.DATE}/{EVENT.TIME} its start, and the recovery event is
 *    {EVENT.RECOVERY.ID}/{EVENT.RECOVERY.DATE}/{EVENT.RECOVERY.TIME}.
 *  - {EVENT.DATE} is yyyy.mm.dd and {EVENT.TIME} hh:mm:ss, in the Zabbix server's local time, without a
 *    zone. Set the `event_timezone` parameter to that zone (an IANA name such as Europe/Berlin, or an
 *    offset such as +01:00); it defaults to UTC.
 *  - {EVENT.NSEVERITY} is 0 Not classified, 1 Information, 2 Warning, 3 Average, 4 High, 5 Disaster;
 *    {EVENT.SEVERITY} is the name, which an administrator may rename, so the number wins.
 *  - {EVENT.TAGS} is a comma-separated list, `tag:value, tag2:value2, bare`.
 *  - A macro Zabbix cannot resolve in the context (a {EVENT.RECOVERY.*} macro in a problem message) is
 *    sent as its literal text, or as *UNKNOWN*: both count as absent here.
 * Unknown parameters never reject: they become labels.
 */
export const ZABBIX_WEBHOOK_PARAMETERS: ReadonlyArray<{ readonly name: string; readonly value: string }> = [
  { name: 'alert_whisperer_url', value: 'https://<your Alert Whisperer API>/v1/webhooks/zabbix' },
  { name: 'alert_whisperer_api_key', value: '<your tenant API key>' },
  { name: 'event_id', value: '{EVENT.ID}' },
  { name: 'event_value', value: '{EVENT.VALUE}' },
  { name: 'event_status', value: '{EVENT.STATUS}' },
  { name: 'event_severity', value: '{EVENT.SEVERITY}' },
  { name: 'event_nseverity', value: '{EVENT.NSEVERITY}' },
  { name: 'event_name', value: '{EVENT.NAME}' },
  { name: 'event_date', value: '{EVENT.DATE}' },
  { name: 'event_time', value: '{EVENT.TIME}' },
  { name: 'event_recovery_id', value: '{EVENT.RECOVERY.ID}' },
  { name: 'event_recovery_date', value: '{EVENT.RECOVERY.DATE}' },
  { name: 'event_recovery_time', value: '{EVENT.RECOVERY.TIME}' },
  { name: 'event_update_status', value: '{EVENT.UPDATE.STATUS}' },
  { name: 'event_tags', value: '{EVENT.TAGS}' },
  { name: 'event_opdata', value: '{EVENT.OPDATA}' },
  { name: 'event_timezone', value: 'UTC' },
  { name: 'host_name', value: '{HOST.NAME}' },
  { name: 'host_host', value: '{HOST.HOST}' },
  { name: 'host_ip', value: '{HOST.IP}' },
  { name: 'trigger_id', value: '{TRIGGER.ID}' },
  { name: 'trigger_name', value: '{TRIGGER.NAME}' },
  { name: 'alert_subject', value: '{ALERT.SUBJECT}' },
  { name: 'alert_message', value: '{ALERT.MESSAGE}' },
];

/** Parameters the script uses itself and never forwards (the API key must not end up in a body or a label). */
export const ZABBIX_SCRIPT_PARAMETERS = ['alert_whisperer_url', 'alert_whisperer_api_key'] as const;

/**
 * The webhook media type's script (Zabbix's Duktape JavaScript, ES5): posts the parameters as JSON with the
 * tenant's API key in X-Api-Key, and fails the alert (so Zabbix retries it per the media type's
 * "Attempts") on anything but a 2xx. HttpRequest API as in Zabbix 5.4+: addHeader('Name: value'), post,
 * getStatus, setProxy.
 */
export const ZABBIX_WEBHOOK_SCRIPT = `var params = JSON.parse(value);
var url = params.alert_whisperer_url;
var apiKey = params.alert_whisperer_api_key;
if (typeof url !== 'string' || url.trim() === '' || typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw 'Alert Whisperer: the alert_whisperer_url and alert_whisperer_api_key parameters are required';
}
var body = {};
Object.keys(params).forEach(function (key) {
    if (key !== 'alert_whisperer_url' && key !== 'alert_whisperer_api_key' && key !== 'HTTPProxy') {
        body[key] = params[key];
    }
});
var request = new HttpRequest();
if (typeof params.HTTPProxy === 'string' && params.HTTPProxy.trim() !== '') {
    request.setProxy(params.HTTPProxy);
}
request.addHeader('Content-Type: application/json');
request.addHeader('X-Api-Key: ' + apiKey.trim());
var response = request.post(url.trim(), JSON.stringify(body));
var status = request.getStatus();
Zabbix.log(4, '[ Alert Whisperer webhook ] HTTP ' + status + ': ' + response);
if (status < 200 || status >= 300) {
    throw 'Alert Whisperer answered HTTP ' + status + ': ' + response;
}
return 'OK';
`;

const MAX = { assetRef: 512, signature: 256, message: 4096, dedupKey: 1024 } as const;

/** A literal unresolved macro (`{EVENT.RECOVERY.DATE}`, `{$ZABBIX.URL}`) or Zabbix's *UNKNOWN*. */
const UNRESOLVED = /^(\{[^{}\s]+\}|\*UNKNOWN\*)$/;

/** A parameter value: a string (numbers accepted); blank, null or unresolved counts as absent. */
const field = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => {
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' || UNRESOLVED.test(text) ? undefined : text;
  });

const DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;
const date = field.refine((value) => value === undefined || DATE.test(value), { message: 'expected a Zabbix date, yyyy.mm.dd' });
const time = field.refine((value) => value === undefined || TIME.test(value), { message: 'expected a Zabbix time, hh:mm:ss' });

/** {EVENT.VALUE} 1/0, or a status word ({EVENT.STATUS}: PROBLEM/RESOLVED; OK as older actions said). */
function statusOf(value: string): AlertStatus | undefined {
  const word = value.toUpperCase();
  if (word === '1' || word === 'PROBLEM') return 'firing';
  if (word === '0' || word === 'RESOLVED' || word === 'OK') return 'resolved';
  return undefined;
}
const statusField = field.refine((value) => value === undefined || statusOf(value) !== undefined, {
  message: 'expected 1 (problem) or 0 (recovery), or PROBLEM, RESOLVED or OK',
});

/** A fixed offset (Z, UTC, +01:00, -0530, UTC+2) in minutes, or undefined when the value is not one. */
function fixedOffsetMinutes(zone: string): number | undefined {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const match = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (!match) return undefined;
  const [, sign, hours = '0', minutes = '0'] = match;
  if (Number(hours) > 14 || Number(minutes) > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

const timezone = field.refine((value) => value === undefined || fixedOffsetMinutes(value) !== undefined || isValidTimeZone(value), {
  message: 'expected an IANA time zone (Europe/Berlin) or a UTC offset (+01:00)',
});

/** A Zabbix local date and time (yyyy.mm.dd, hh:mm:ss) in the given zone (default UTC) as an ISO instant. */
export function zabbixInstant(day: string, clock: string, zone = 'UTC'): string {
  const [, y, mo, d] = DATE.exec(day) ?? [];
  const [, h, mi, s] = TIME.exec(clock) ?? [];
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wall)) throw new Error(`Not a Zabbix date and time: ${day} ${clock}`);
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== undefined) return new Date(wall - fixed * 60_000).toISOString();
  // Wall time to UTC in a zone with DST: guess with the offset at the wall time, then correct once.
  const guess = wall - offsetMs(wall, zone);
  return new Date(wall - offsetMs(guess, zone)).toISOString();
}

const NSEVERITY: Record<string, Severity> = { '5': 'critical', '4': 'high', '3': 'medium', '2': 'low', '1': 'info', '0': 'info' };
const SEVERITY_NAMES: Record<string, Severity> = {
  disaster: 'critical',
  high: 'high',
  average: 'medium',
  warning: 'low',
  information: 'info',
  'not classified': 'info',
};

const KNOWN_FIELDS = new Set([
  ...ZABBIX_SCRIPT_PARAMETERS,
  'HTTPProxy',
  'event_id',
  'event_value',
  'event_status',
  'status',
  'event_severity',
  'event_nseverity',
  'event_name',
  'event_date',
  'event_time',
  'event_recovery_id',
  'event_recovery_date',
  'event_recovery_time',
  'recovery_date',
  'recovery_time',
  'event_update_status',
  'event_tags',
  'event_opdata',
  'event_timezone',
  'timezone',
  'host_name',
  'host_host',
  'host_ip',
  'trigger_id',
  'trigger_name',
  'alert_subject',
  'alert_message',
]);

/** Parameter names that look like secrets are never copied into labels. */
const SECRET_NAME = /(api[_-]?key|token|secret|password|authorization)/i;

export const zabbixPayloadSchema = z
  .looseObject({
    event_id: field,
    event_value: statusField,
    event_status: statusField,
    status: statusField,
    event_severity: field,
    event_nseverity: field.refine((value) => value === undefined || Object.hasOwn(NSEVERITY, value), {
      message: 'expected {EVENT.NSEVERITY}, 0 to 5',
    }),
    event_name: field,
    event_date: date,
    event_time: time,
    event_recovery_id: field,
    event_recovery_date: date,
    event_recovery_time: time,
    recovery_date: date,
    recovery_time: time,
    event_update_status: field,
    event_tags: field,
    event_opdata: field,
    event_timezone: timezone,
    timezone: timezone,
    host_name: field,
    host_host: field,
    host_ip: field,
    trigger_id: field,
    trigger_name: field,
    alert_subject: field,
    alert_message: field,
  })
  .refine((payload) => Boolean(payload.host_name ?? payload.host_host ?? payload.host_ip), {
    message: 'a Zabbix payload needs host_name ({HOST.NAME}), host_host ({HOST.HOST}) or host_ip ({HOST.IP})',
    path: ['host_name'],
  })
  .refine((payload) => Boolean(payload.trigger_name ?? payload.event_name), {
    message: 'a Zabbix payload needs trigger_name ({TRIGGER.NAME}) or event_name ({EVENT.NAME})',
    path: ['trigger_name'],
  });
type ZabbixPayload = z.infer<typeof zabbixPayloadSchema>;

/** `tag:value, tag2:value2, bare` ({EVENT.TAGS}) as labels; the value is everything after the first ':'. */
export function parseZabbixTags(tags: string | undefined): Record<string, string> {
  return parseTags((tags ?? '').split(','));
}

function zabbixSeverity(payload: ZabbixPayload): Severity {
  if (payload.event_nseverity !== undefined) return NSEVERITY[payload.event_nseverity] as Severity;
  const name = payload.event_severity?.toLowerCase();
  if (name && Object.hasOwn(SEVERITY_NAMES, name)) return SEVERITY_NAMES[name] as Severity;
  return 'medium'; // no severity, or a renamed one without {EVENT.NSEVERITY}: the middle of the scale
}

function mapZabbix(payload: ZabbixPayload, receivedAt: Date): AdaptedAlert {
  const recoveryDate = payload.event_recovery_date ?? payload.recovery_date;
  const recoveryTime = payload.event_recovery_time ?? payload.recovery_time;
  const statusWord = payload.event_value ?? payload.event_status ?? payload.status;
  // Without {EVENT.VALUE} and {EVENT.STATUS}, a resolved recovery date means a recovery message.
  const status: AlertStatus = statusWord ? (statusOf(statusWord) as AlertStatus) : recoveryDate ? 'resolved' : 'firing';

  const zone = payload.event_timezone ?? payload.timezone ?? 'UTC';
  const [day, clock] = status === 'resolved' ? [recoveryDate, recoveryTime] : [payload.event_date, payload.event_time];
  const occurredAt = day && clock ? zabbixInstant(day, clock, zone) : receivedAt.toISOString();

  const assetRef = (payload.host_name ?? payload.host_host ?? payload.host_ip ?? '').slice(0, MAX.assetRef);
  const signature = (payload.trigger_name ?? payload.event_name ?? '').slice(0, MAX.signature);

  const meta: Record<string, string | undefined> = {
    event_id: payload.event_id,
    event_recovery_id: payload.event_recovery_id,
    event_status: payload.event_status,
    event_severity: payload.event_severity,
    event_nseverity: payload.event_nseverity,
    event_name: payload.event_name,
    event_opdata: payload.event_opdata,
    event_update_status: payload.event_update_status,
    trigger_id: payload.trigger_id,
    host_host: payload.host_host,
    host_ip: payload.host_ip,
  };
  const extras = Object.fromEntries(Object.entries(payload).filter(([key]) => !KNOWN_FIELDS.has(key) && !SECRET_NAME.test(key)));
  const labels = new Map<string, unknown>();
  for (const source of [meta, parseZabbixTags(payload.event_tags), extras]) {
    for (const [key, value] of Object.entries(source)) if (!labels.has(key) && value !== undefined) labels.set(key, value);
  }

  const alert: AdaptedAlert = {
    source: 'zabbix',
    status,
    severity: zabbixSeverity(payload),
    assetRef,
    signature,
    message: (payload.alert_message ?? payload.alert_subject ?? payload.event_name ?? signature).slice(0, MAX.message),
    labels: capLabels(Object.fromEntries(labels)),
    // Keyed on the trigger and host rather than on {EVENT.ID}. Both match a recovery to its problem
    // (a recovery message carries the problem's {EVENT.ID} and the same {TRIGGER.ID}), but the event id
    // is new for every problem, so a trigger that fires again after recovering would look like a new
    // alert; the trigger key keeps it the same alert, which the flap-window rule needs, as the
    // Datadog (monitor + host) and generic (tool + asset + signature) keys do. The trigger name stands
    // in when {TRIGGER.ID} is not among the parameters.
    dedupKey: `zabbix:${payload.trigger_id ?? signature}:${assetRef}`.slice(0, MAX.dedupKey),
    occurredAt,
  };
  // One notification per problem and one per recovery: {EVENT.ID} is the problem's in both, so the value
  // tells them apart. A problem update (acknowledgement, {EVENT.UPDATE.STATUS} 1) repeats the problem's id
  // and is taken as a repeat of it, which is what it is for correlation.
  if (payload.event_id) alert.toolDeliveryId = `zabbix:${payload.event_id}:${status === 'firing' ? '1' : '0'}`;
  return alert;
}

/** Maps one Zabbix webhook notification (an object; an array of them is also accepted) to alerts. */
export const parseZabbix: FormatAdapter = (body, receivedAt) => {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item) => mapZabbix(zabbixPayloadSchema.parse(item), receivedAt));
};
