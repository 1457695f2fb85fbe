import * as z from 'zod';
import { SEVERITIES, type Severity } from '../alert';
import { INCIDENT_STATUSES } from '../incident-status';
import { signPayload } from '../../util/signing';
import { timeZoneSchema } from '../../util/zoned-time';

/**
 * What each notification says, per channel: an email (subject, HTML, text) for SES, a Slack
 * incoming-webhook message in Block Kit, a Microsoft Teams incoming-webhook message carrying an Adaptive
 * Card, and a generic outbound webhook signed like our own inbound ones (`X-Signature:
 * sha256=HMAC(secret, timestamp + "." + delivery id + "." + body)` with `X-Timestamp` and `X-Delivery-Id`). Everything here is
 * rendering: no I/O. Incident text comes from monitoring tools and is never trusted: HTML is escaped,
 * Slack's control characters are escaped (no `<!channel>` from an alert title), subjects lose
 * line breaks. Every kind is about an incident but `maintenance` (a maintenance window or silence
 * starting or ending), which names its window and tenant instead; a window's name and reason are
 * treated like alert text.
 */

export const NOTIFICATION_KINDS = [
  'assignment',
  'sla-warning',
  'sla-breach',
  'escalation',
  'approval-request',
  'remediation-result',
  'resolved',
  'maintenance',
  'callback-request',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

const httpUrl = z.url({ protocol: /^https?$/ });
const limited = (max: number) => z.string().max(max);

export const incidentSummarySchema = z
  .object({
    id: z.string().min(1),
    tenantId: z.string().min(1),
    tenantName: limited(200),
    title: limited(500),
    severity: z.enum(SEVERITIES),
    status: z.enum(INCIDENT_STATUSES),
    assetRef: limited(512),
    openedAt: z.iso.datetime(),
    priority: z.number().min(0).max(100).optional(),
    /** The incident in the dashboard. */
    url: httpUrl,
  })
  .strict();
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

const base = {
  /** When the event happened (relative times are computed from it, so rendering is deterministic). */
  at: z.iso.datetime(),
  incident: incidentSummarySchema,
};
const slaClock = z.enum(['response', 'resolution']);
const runbookRef = z.object({ id: z.string().min(1), name: limited(200) }).strict();

/** The maintenance window (or silence) a `maintenance` notification is about. */
const maintenanceWindowSummarySchema = z
  .object({
    id: z.string().min(1),
    name: limited(200),
    kind: z.enum(['window', 'silence']),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    reason: limited(1000).optional(),
  })
  .strict();

export const notificationSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('assignment'), assignee: limited(128), reasons: z.array(limited(500)).max(10).default([]) }).strict(),
  z.object({ ...base, kind: z.literal('sla-warning'), clock: slaClock, deadline: z.iso.datetime() }).strict(),
  z.object({ ...base, kind: z.literal('sla-breach'), clock: slaClock, deadline: z.iso.datetime() }).strict(),
  z
    .object({
      ...base,
      kind: z.literal('escalation'),
      /** 1-based level now notified, of `levelCount`. */
      level: z.number().int().min(1),
      levelCount: z.number().int().min(1),
      reason: limited(500),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('approval-request'),
      runbook: runbookRef,
      risk: z.enum(['medium', 'high']),
      /** Who may approve ("a company admin or an MSP admin"). */
      approvers: limited(200),
      expiresAt: z.iso.datetime(),
      approveUrl: httpUrl,
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('remediation-result'),
      runbook: runbookRef,
      outcome: z.enum(['succeeded', 'failed', 'rolled-back', 'timed-out', 'dry-run']),
      summary: limited(1000),
      /** Command output (the end of it is kept). */
      output: z.string().max(100_000).optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('resolved'),
      resolvedAt: z.iso.datetime(),
      resolvedBy: limited(200).optional(),
      resolutionCode: limited(64).optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('callback-request'),
      /** The client's viewer who asked, by display name. */
      requestedBy: limited(200),
      /** Where to call (E.164), when they gave a number. */
      phone: limited(32).optional(),
      message: limited(1000),
    })
    .strict(),
  z
    .object({
      at: z.iso.datetime(),
      kind: z.literal('maintenance'),
      edge: z.enum(['started', 'ended']),
      window: maintenanceWindowSummarySchema,
      tenant: z.object({ id: z.string().min(1), name: limited(200).optional() }).strict(),
      /** When it ended: how many incidents still firing were handed back to the normal treatment. */
      released: z.number().int().min(0).optional(),
      /** The tenant's maintenance windows in the dashboard. */
      url: httpUrl,
    })
    .strict(),
]);
export type Notification = z.infer<typeof notificationSchema>;
export type NotificationInput = z.input<typeof notificationSchema>;
type IncidentNotification = Exclude<Notification, { kind: 'maintenance' }>;
type MaintenanceNotification = Extract<Notification, { kind: 'maintenance' }>;

/**
 * What a notification is about, for its delivery records and the quiet hours: the tenant, the incident
 * (a maintenance window's `maintenance:<window id>`, as its events name it), and the severity (a
 * maintenance notification is `info`: quiet hours hold it back like any non-critical one).
 */
export function notificationScope(notification: Notification): { tenantId: string; incidentId: string; severity: Severity } {
  if (notification.kind === 'maintenance') {
    return { tenantId: notification.tenant.id, incidentId: `maintenance:${notification.window.id}`, severity: 'info' };
  }
  const { incident } = notification;
  return { tenantId: incident.tenantId, incidentId: incident.id, severity: incident.severity };
}

export const renderOptionsSchema = z
  .object({
    /** The recipient's time zone for the times shown. */
    timeZone: timeZoneSchema.default('UTC'),
    productName: limited(100).default('Alert Whisperer'),
    /**
     * Signed one-tap links to act on the incident (acknowledge, resolve, escalate), each bound to one
     * recipient: an email carries its recipient's, a shared Teams or Slack post one per recipient it names.
     */
    respondLinks: z
      .array(z.object({ label: limited(60), url: z.url({ protocol: /^https?$/ }) }).strict())
      .max(5)
      .default([]),
  })
  .strict();
export type RenderOptions = z.input<typeof renderOptionsSchema>;

// ---------------------------------------------------------------------------------------------------
// Escaping and formatting

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);
}

/** Text for Slack `mrkdwn` and the top-level `text`: Slack wants exactly &, < and > escaped. */
export function escapeSlack(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line, no control characters (email subjects: no header injection). */
export function oneLine(value: string, max = 200): string {
  const flat = value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(flat, max);
}

export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, Math.max(0, max - 1))}…`;
}

/** The end of a long output (where errors are). */
function tail(value: string, max: number): string {
  return value.length <= max ? value : `…${value.slice(value.length - max + 1)}`;
}

/** "2026-03-02 14:05 CET" in a time zone (the zone's abbreviation where one is in use, else "GMT+3"). */
export function formatInstant(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  for (const part of format.formatToParts(date)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zoneName(date, timeZone)}`;
}

/** English locales know different abbreviations (en-US: EST, PST; en-GB: CET, BST): take the first that is one. */
function zoneName(date: Date, timeZone: string): string {
  const names = ['en-US', 'en-GB'].map(
    (locale) =>
      new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')
        ?.value ?? timeZone,
  );
  return names.find((name) => !/^GMT[+-]/.test(name)) ?? (names[0] as string);
}

/** "1 h 05 min", "12 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const totalMinutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${minutes} min`;
}

const SEVERITY_LABEL: Record<Severity, string> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFO' };
const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: '#b91c1c',
  high: '#c2410c',
  medium: '#a16207',
  low: '#1d4ed8',
  info: '#4b5563',
};

const SLACK_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

const TEAMS_COLOUR: Record<Severity, 'attention' | 'warning' | 'accent' | 'default'> = {
  critical: 'attention',
  high: 'attention',
  medium: 'warning',
  low: 'accent',
  info: 'default',
};

// ---------------------------------------------------------------------------------------------------
// The content of each kind, channel-neutral

interface Content {
  /** Short: the subject without the severity tag, the Slack header, the card title. */
  headline: string;
  /** One or two sentences. */
  summary: string;
  facts: Array<[string, string]>;
  /** A preformatted block (command output). */
  preformatted?: string;
  action: { label: string; url: string };
  /** Good news (resolved, remediation succeeded): shown in green. */
  good: boolean;
}

/** How a notification presents itself around its content, the same on every channel. */
interface Frame {
  /** The line above the headline, before the company: the severity, or MAINTENANCE. */
  label: string;
  company: string;
  /** The email subject (made one line when used). */
  subject: string;
  /** Slack's fallback text. */
  fallback: string;
  /** The footer's "incident inc-01". */
  reference: string;
  colour: string;
  emoji: string;
  teamsColour: 'attention' | 'warning' | 'accent' | 'default' | 'good';
}

const clockWord = (clock: 'response' | 'resolution') => (clock === 'response' ? 'Response' : 'Resolution');

/** A notification's content and frame in a time zone. */
function present(notification: Notification, timeZone: string): { content: Content; frame: Frame } {
  if (notification.kind === 'maintenance') return presentMaintenance(notification, timeZone);
  const content = contentOf(notification, timeZone);
  const { incident } = notification;
  const label = SEVERITY_LABEL[incident.severity];
  return {
    content,
    frame: {
      label,
      company: incident.tenantName,
      subject: `[${label}] ${content.headline} (${incident.tenantName})`,
      fallback: `[${label}] ${content.headline}`,
      reference: `incident ${incident.id}`,
      colour: content.good ? '#15803d' : SEVERITY_COLOUR[incident.severity],
      emoji: content.good ? ':large_green_circle:' : SLACK_EMOJI[incident.severity],
      teamsColour: content.good ? 'good' : TEAMS_COLOUR[incident.severity],
    },
  };
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/**
 * A maintenance window (or silence) started or ended: no incident, no severity. Started is news in
 * blue; ended is good news in green, or a warning when incidents still firing were handed back.
 */
function presentMaintenance(notification: MaintenanceNotification, timeZone: string): { content: Content; frame: Frame } {
  const { window, edge, released } = notification;
  const when = (iso: string) => formatInstant(iso, timeZone);
  const silence = window.kind === 'silence';
  const word = silence ? 'Silence' : 'Maintenance';
  const company = notification.tenant.name ?? notification.tenant.id;
  const handedBack = edge === 'ended' && released ? `${plural(released, 'incident', 'incidents')} still firing handed back` : '';
  const what = `The ${silence ? 'silence' : 'maintenance window'} ${window.name}`;
  let summary: string;
  if (edge === 'started') {
    summary = `${what} started for ${company} and lasts until ${when(window.endsAt)}. Alerts it covers are still recorded; the incidents they open follow its rules until it ends.`;
  } else if (released) {
    summary = `${what} ended for ${company}. ${plural(released, 'incident', 'incidents')} still firing ${released === 1 ? 'was' : 'were'} handed back to the normal treatment (notifications, SLA clocks, runbooks).`;
  } else {
    summary = `${what} ended for ${company}.${released === 0 ? ' No incident it covered was still firing.' : ''}`;
  }
  const facts: Array<[string, string]> = [
    ['Company', company],
    ['From', when(window.startsAt)],
    ['Until', when(window.endsAt)],
  ];
  if (window.reason) facts.push(['Reason', window.reason]);
  if (handedBack) facts.push(['Still firing', `${plural(released ?? 0, 'incident', 'incidents')} handed back`]);
  const good = edge === 'ended' && !released;
  const warning = handedBack !== '';
  const subject = `[${word} ${edge}] ${window.name} — ${company}${handedBack ? `: ${handedBack}` : ''}`;
  return {
    content: {
      headline: `${word} ${edge}: ${window.name}`,
      summary,
      facts,
      action: { label: 'Open maintenance', url: notification.url },
      good,
    },
    frame: {
      label: word.toUpperCase(),
      company,
      subject,
      fallback: subject,
      reference: `${silence ? 'silence' : 'maintenance window'} ${window.id}`,
      colour: good ? '#15803d' : warning ? '#a16207' : '#1d4ed8',
      emoji: good ? ':large_green_circle:' : warning ? ':warning:' : ':wrench:',
      teamsColour: good ? 'good' : warning ? 'warning' : 'accent',
    },
  };
}

function contentOf(notification: IncidentNotification, timeZone: string): Content {
  const { incident } = notification;
  const when = (iso: string) => formatInstant(iso, timeZone);
  const facts: Array<[string, string]> = [
    ['Company', incident.tenantName],
    ['Severity', SEVERITY_LABEL[incident.severity]],
    ['Asset', incident.assetRef],
    ['Opened', when(incident.openedAt)],
  ];
  if (incident.priority !== undefined) facts.push(['Priority', `${incident.priority}/100`]);
  const open = { label: 'Open incident', url: incident.url };
  switch (notification.kind) {
    case 'assignment':
      return {
        headline: `Assigned to ${notification.assignee}: ${incident.title}`,
        summary: `${notification.assignee} is now responsible for this ${incident.severity} incident.`,
        facts: notification.reasons.length > 0 ? [...facts, ['Why', notification.reasons.slice(0, 3).join('; ')]] : facts,
        action: open,
        good: false,
      };
    case 'sla-warning': {
      const left = Date.parse(notification.deadline) - Date.parse(notification.at);
      return {
        headline: `SLA warning: ${notification.clock} due in ${formatDuration(left)} — ${incident.title}`,
        summary: `${clockWord(notification.clock)} SLA deadline ${when(notification.deadline)} (in ${formatDuration(left)}).`,
        facts: [...facts, [`${clockWord(notification.clock)} due`, when(notification.deadline)]],
        action: open,
        good: false,
      };
    }
    case 'sla-breach': {
      const over = Date.parse(notification.at) - Date.parse(notification.deadline);
      return {
        headline: `SLA breached: ${notification.clock} — ${incident.title}`,
        summary: `The ${notification.clock} SLA deadline ${when(notification.deadline)} has passed${over >= 60_000 ? ` (${formatDuration(over)} ago)` : ''}.`,
        facts: [...facts, [`${clockWord(notification.clock)} was due`, when(notification.deadline)]],
        action: open,
        good: false,
      };
    }
    case 'escalation':
      return {
        headline: `Escalated to level ${notification.level}: ${incident.title}`,
        summary: `Escalation level ${notification.level} of ${notification.levelCount}: ${notification.reason}.`,
        facts: [...facts, ['Status', incident.status]],
        action: open,
        good: false,
      };
    case 'approval-request':
      return {
        headline: `Approval needed: ${notification.runbook.name} — ${incident.title}`,
        summary: `The ${notification.risk}-risk runbook ${notification.runbook.name} waits for approval by ${notification.approvers}. The request expires ${when(notification.expiresAt)}.`,
        facts: [...facts, ['Runbook', notification.runbook.name], ['Risk', notification.risk], ['Expires', when(notification.expiresAt)]],
        action: { label: 'Review and approve', url: notification.approveUrl },
        good: false,
      };
    case 'remediation-result': {
      const OUTCOME: Record<typeof notification.outcome, string> = {
        succeeded: 'succeeded',
        failed: 'failed',
        'rolled-back': 'failed and was rolled back',
        'timed-out': 'timed out',
        'dry-run': 'ran as a dry run (nothing changed)',
      };
      return {
        headline: `Remediation ${notification.outcome}: ${notification.runbook.name} — ${incident.title}`,
        summary: `${notification.runbook.name} ${OUTCOME[notification.outcome]}. ${notification.summary}`,
        facts: [...facts, ['Runbook', notification.runbook.name], ['Outcome', notification.outcome]],
        ...(notification.output ? { preformatted: tail(notification.output, 1500) } : {}),
        action: open,
        good: notification.outcome === 'succeeded',
      };
    }
    case 'callback-request':
      return {
        headline: `Callback requested by ${notification.requestedBy}: ${incident.title}`,
        summary: `${notification.requestedBy} (${incident.tenantName}) asked to be called back${notification.phone ? ` on ${notification.phone}` : ''}: ${notification.message}`,
        facts: [
          ...facts,
          ['Requested by', notification.requestedBy],
          ...(notification.phone ? [['Call', notification.phone] as [string, string]] : []),
        ],
        action: open,
        good: false,
      };
    case 'resolved': {
      const took = Date.parse(notification.resolvedAt) - Date.parse(incident.openedAt);
      const by = notification.resolvedBy ? ` by ${notification.resolvedBy}` : ' automatically (all its alerts cleared)';
      return {
        headline: `Resolved: ${incident.title}`,
        summary: `Resolved${by} after ${formatDuration(took)}${notification.resolutionCode ? ` (${notification.resolutionCode})` : ''}.`,
        facts: [...facts, ['Resolved', when(notification.resolvedAt)]],
        action: open,
        good: true,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Email

export interface EmailMessage {
  subject: string;
  html: string;
  text: string;
}

export function renderEmail(input: NotificationInput, options: RenderOptions = {}): EmailMessage {
  const notification = notificationSchema.parse(input);
  const { timeZone, productName, respondLinks } = renderOptionsSchema.parse(options);
  const { content, frame } = present(notification, timeZone);
  const subject = oneLine(frame.subject);
  const { colour } = frame;

  const rows = content.facts
    .map(
      ([name, value]) =>
        `<tr><td style="padding:4px 12px 4px 0;color:#6b7280;vertical-align:top">${escapeHtml(name)}</td><td style="padding:4px 0">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  const pre = content.preformatted
    ? `<pre style="background:#f3f4f6;padding:12px;border-radius:4px;white-space:pre-wrap;font-size:12px">${escapeHtml(content.preformatted)}</pre>`
    : '';
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f9fafb;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#111827">',
    '<table role="presentation" width="100%" style="max-width:640px;margin:0 auto;background:#ffffff;border-radius:8px;border-top:4px solid ' +
      colour +
      '">',
    '<tr><td style="padding:24px">',
    `<p style="margin:0 0 8px;color:${colour};font-weight:600;font-size:12px;letter-spacing:.05em">${escapeHtml(frame.label)} · ${escapeHtml(frame.company)}</p>`,
    `<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(content.headline)}</h1>`,
    `<p style="margin:0 0 16px">${escapeHtml(content.summary)}</p>`,
    `<table role="presentation" style="font-size:14px;margin:0 0 16px">${rows}</table>`,
    pre,
    `<p style="margin:16px 0"><a href="${escapeHtml(content.action.url)}" style="background:${colour};color:#ffffff;padding:10px 16px;border-radius:4px;text-decoration:none">${escapeHtml(content.action.label)}</a>${respondLinks
      .map(
        (link) =>
          ` <a href="${escapeHtml(link.url)}" style="border:1px solid ${colour};color:${colour};padding:9px 16px;border-radius:4px;text-decoration:none">${escapeHtml(link.label)}</a>`,
      )
      .join('')}</p>`,
    `<p style="margin:24px 0 0;color:#9ca3af;font-size:12px">${escapeHtml(productName)} · ${escapeHtml(frame.reference)}</p>`,
    '</td></tr></table></body></html>',
  ].join('\n');

  const width = Math.max(...content.facts.map(([name]) => name.length));
  const text = [
    content.headline,
    '',
    content.summary,
    '',
    ...content.facts.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${value}`),
    ...(content.preformatted ? ['', 'Output:', content.preformatted] : []),
    '',
    `${content.action.label}: ${content.action.url}`,
    ...respondLinks.map((link) => `${link.label}: ${link.url}`),
    '',
    `-- ${productName} · ${frame.reference}`,
  ].join('\n');
  return { subject, html, text };
}

// ---------------------------------------------------------------------------------------------------
// Slack (incoming webhook, Block Kit)

export type SlackText = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' }
  | {
      type: 'actions';
      elements: Array<{
        type: 'button';
        text: { type: 'plain_text'; text: string };
        url: string;
        action_id: string;
        style?: 'primary' | 'danger';
      }>;
    };

export interface SlackMessage {
  /** The fallback shown in notifications and by screen readers. */
  text: string;
  blocks: SlackBlock[];
}

/** Block Kit limits: header 150 characters, section text 3000, a field 2000 and at most 10 fields. */
export function renderSlack(input: NotificationInput, options: RenderOptions = {}): SlackMessage {
  const notification = notificationSchema.parse(input);
  const { timeZone, productName, respondLinks } = renderOptionsSchema.parse(options);
  const { content, frame } = present(notification, timeZone);
  const { emoji } = frame;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(oneLine(content.headline, 1000), 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${emoji} ${escapeSlack(content.summary)}`, 3000) } },
    {
      type: 'section',
      fields: content.facts
        .slice(0, 10)
        .map(([name, value]) => ({ type: 'mrkdwn' as const, text: truncate(`*${escapeSlack(name)}*\n${escapeSlack(value)}`, 2000) })),
    },
  ];
  if (content.preformatted) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`\`\`\`${escapeSlack(content.preformatted)}\`\`\``, 3000) } });
  }
  blocks.push(
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: truncate(content.action.label, 75) },
          url: content.action.url,
          action_id: `open-${notification.kind}`,
          ...(notification.kind === 'approval-request' ? { style: 'primary' as const } : {}),
        },
        ...respondLinks.map((link, index) => ({
          type: 'button' as const,
          text: { type: 'plain_text' as const, text: truncate(link.label, 75) },
          url: link.url,
          action_id: `respond-${index}`,
        })),
      ],
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: escapeSlack(`${productName} · ${frame.company} · ${frame.reference}`) }],
    },
  );
  return { text: escapeSlack(oneLine(frame.fallback, 1000)), blocks };
}

// ---------------------------------------------------------------------------------------------------
// Microsoft Teams (incoming webhook, Adaptive Card)

export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      type: 'AdaptiveCard';
      version: '1.4';
      body: Array<Record<string, unknown>>;
      actions: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
      msteams: { width: 'Full' };
    };
  }>;
}

/**
 * Adaptive Card TextBlocks support a Markdown subset (bold, italic, lists, links): `[text](url)` in an
 * alert title would become a link and `App_Pool_01` would lose its underscores to italics, so the
 * characters of emphasis and links are backslash-escaped (only those: Teams clients disagree on
 * other escapes). Cards never carry HTML.
 */
export function escapeTeams(value: string): string {
  return value.replace(/([\\*_[\]])/g, '\\$1');
}

export function renderTeams(input: NotificationInput, options: RenderOptions = {}): TeamsMessage {
  const notification = notificationSchema.parse(input);
  const { timeZone, productName, respondLinks } = renderOptionsSchema.parse(options);
  const { content, frame } = present(notification, timeZone);
  const body: Array<Record<string, unknown>> = [
    {
      type: 'TextBlock',
      text: escapeTeams(`${frame.label} · ${frame.company}`),
      size: 'Small',
      weight: 'Bolder',
      color: frame.teamsColour,
    },
    { type: 'TextBlock', text: escapeTeams(content.headline), size: 'Large', weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: escapeTeams(content.summary), wrap: true },
    {
      type: 'FactSet',
      facts: content.facts.map(([title, value]) => ({ title: escapeTeams(title), value: escapeTeams(value) })),
    },
  ];
  if (content.preformatted) {
    // A TextBlock breaks lines only on a blank line (Markdown paragraphs).
    const lines = content.preformatted.split(/\r?\n/).filter((line) => line.trim());
    body.push({ type: 'TextBlock', text: escapeTeams(lines.join('\n\n')), fontType: 'Monospace', wrap: true, size: 'Small' });
  }
  body.push({
    type: 'TextBlock',
    text: escapeTeams(`${productName} · ${frame.reference}`),
    size: 'Small',
    isSubtle: true,
    wrap: true,
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          // Incoming webhooks and Workflows cannot carry Action.Submit: responding opens the recipient's signed link.
          actions: [
            { type: 'Action.OpenUrl', title: content.action.label, url: content.action.url },
            ...respondLinks.map((link) => ({ type: 'Action.OpenUrl' as const, title: link.label, url: link.url })),
          ],
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Generic outbound webhook (signed)

export interface WebhookRequest {
  /** The exact bytes that were signed: send them as they are. */
  body: string;
  headers: Record<string, string>;
}

/** The webhook's event type and body (before the delivery id): an incident's, or a maintenance window's. */
function webhookEvent(notification: Notification): { type: string; fields: Record<string, unknown> } {
  if (notification.kind === 'maintenance') {
    const { kind: _kind, at, edge, window, tenant, ...data } = notification;
    const type = `maintenance.${edge}`;
    return { type, fields: { type, occurredAt: at, tenantId: tenant.id, window, data: { tenant, ...data } } };
  }
  const { kind, at, incident, ...data } = notification;
  const type = `incident.${kind}`;
  return { type, fields: { type, occurredAt: at, tenantId: incident.tenantId, incident, data } };
}

/**
 * A JSON body `{ id, type, occurredAt, tenantId, incident, data }` with `type` `incident.<kind>` (a
 * maintenance window's has `window` instead of `incident`, and `type` `maintenance.started` or
 * `maintenance.ended`) and its headers: `X-Timestamp`
 * (Unix seconds), `X-Delivery-Id` for the receiver's idempotency (the same delivery id on every retry),
 * and `X-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + delivery id + "." + body)>` (the
 * scheme of lib/ingest/signature.ts, so a receiver can verify it with `verifyDeliverySignature`). The
 * signature covers the delivery id, so a captured request cannot be replayed under another id.
 */
export function renderWebhook(input: NotificationInput, signing: { secret: string; deliveryId: string; now: Date }): WebhookRequest {
  const notification = notificationSchema.parse(input);
  const { type, fields } = webhookEvent(notification);
  const body = JSON.stringify({ id: signing.deliveryId, ...fields });
  const timestamp = String(Math.floor(signing.now.getTime() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'AlertWhisperer-Webhook/1',
      'x-delivery-id': signing.deliveryId,
      'x-event-type': type,
      'x-timestamp': timestamp,
      'x-signature': signPayload(signing.secret, timestamp, body, signing.deliveryId),
    },
  };
}
