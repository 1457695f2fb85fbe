import * as z from 'zod';
import type { Severity } from '../alert';
import { formatDuration, notificationSchema, notificationScope, oneLine, type Notification, type NotificationInput } from './templates';

/**
 * What a notification says by text message (SMS) and by phone (a voice message read by Amazon Polly
 * from SSML), for AWS End User Messaging SMS and Voice (lib/notify/sms-voice.ts sends them). Pure: no I/O.
 *
 * An SMS is billed per segment: 160 GSM-7 characters in one segment, 153 in each of several; a single
 * character outside GSM-7 (an emoji, a curly quote, Cyrillic) turns the whole message into UCS-2, 70
 * characters in one segment and 67 in each of several. Alert text is never trusted to be GSM-7: it is
 * transliterated (accents dropped where GSM-7 lacks the letter, typographic quotes and dashes made
 * plain) and what has no GSM-7 form is left out, so every SMS stays GSM-7. An SMS is kept within two
 * segments by cutting the incident title (then what happened, then the company name), never the link.
 */

/** A phone number in E.164: `+`, a country code that does not start with 0, 7 to 15 digits in all. */
export const e164Schema = z
  .string()
  .max(32)
  .regex(
    /^\+[1-9]\d{6,14}$/,
    'must be a phone number in E.164 format: + and the country code, then the number, digits only (e.g. +447700900123)',
  );

/** `+447700900123` -> `+44…0123`: enough to tell numbers apart, not enough to call one (records, logs, errors). */
export function maskPhoneNumber(number: string): string {
  const digits = number.replace(/[^\d]/g, '');
  if (digits.length < 6) return '+…';
  return `+${digits.slice(0, 2)}…${digits.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------------
// GSM-7 and segments

/** The GSM 03.38 basic character set (one septet each). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The basic set's extension table: an escape septet and the character, two septets each. */
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

/** Septets of one character in GSM-7, or undefined when GSM-7 cannot carry it. */
function gsmSeptets(char: string): 1 | 2 | undefined {
  if (GSM_BASIC.has(char)) return 1;
  if (GSM_EXTENSION.has(char)) return 2;
  return undefined;
}

/** Whether every character of `text` is in GSM-7 (its basic set or its extension table). */
export function isGsm7(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === undefined) return false;
  return true;
}

/** How many septets `text` takes in GSM-7 (extension characters count 2); undefined when it is not GSM-7. */
export function gsm7Length(text: string): number | undefined {
  let septets = 0;
  for (const char of text) {
    const size = gsmSeptets(char);
    if (size === undefined) return undefined;
    septets += size;
  }
  return septets;
}

/** Greedy packing of units into segments of `perSegment`, an item never split across two. */
function pack(sizes: number[], perSegment: number): number {
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > perSegment) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}

/**
 * How many SMS segments `text` is sent as: GSM-7 when every character is GSM-7 (160 septets in one
 * segment, else 153 per segment, an extension character's two septets never split), else UCS-2 (70
 * UTF-16 code units in one segment, else 67 per segment, a surrogate pair never split). 0 for ''.
 */
export function smsSegments(text: string): number {
  if (text === '') return 0;
  const chars = [...text];
  const septets = chars.map(gsmSeptets);
  if (septets.every((size) => size !== undefined)) {
    const sizes = septets as number[];
    const total = sizes.reduce((sum, size) => sum + size, 0);
    return total <= 160 ? 1 : pack(sizes, 153);
  }
  const units = chars.map((char) => char.length);
  const total = units.reduce((sum, size) => sum + size, 0);
  return total <= 70 ? 1 : pack(units, 67);
}

/** Plain forms of common characters GSM-7 lacks (what Unicode decomposition does not give). */
const TRANSLITERATIONS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '`': "'",
  '\u00b4': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2022': '*',
  '\u00b7': '.',
  '\u00d7': 'x',
  '\u00f7': '/',
  '\u00b0': ' deg',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\t': ' ',
  '\u00a9': '(c)',
  '\u00ae': '(R)',
  '\u2122': '(TM)',
  '\u2192': '->',
  '\u2190': '<-',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u0141': 'L',
  '\u0142': 'l',
  '\u0110': 'D',
  '\u0111': 'd',
  '\u0131': 'i',
  '\u0152': 'OE',
  '\u0153': 'oe',
  '\u00de': 'Th',
  '\u00fe': 'th',
  '\u00f0': 'd',
  '\u00e7': 'c',
};

/**
 * `text` in GSM-7 only: GSM-7 characters kept as they are, others transliterated (typographic
 * punctuation made plain, `ç` and `ł` and the like lose their marks) and the rest (emoji, scripts
 * GSM-7 does not have) left out; spaces are collapsed.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const char of text) {
    if (gsmSeptets(char) !== undefined) {
      out += char;
      continue;
    }
    const mapped = TRANSLITERATIONS[char];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    // Decomposed (é -> e + combining acute), its marks dropped; kept only when what is left is GSM-7.
    const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
    if (base && isGsm7(base)) out += base;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** `value` cut to at most `max` septets (ending in `...` when cut). */
function cutSeptets(value: string, max: number): string {
  if ((gsm7Length(value) ?? Infinity) <= max) return value;
  if (max < 3) return '';
  let out = '';
  let used = 0;
  for (const char of value) {
    const size = gsmSeptets(char) ?? 0;
    if (used + size > max - 3) break;
    out += char;
    used += size;
  }
  return `${out.trimEnd()}...`;
}

/** A link in GSM-7 without changing where it leads: characters GSM-7 lacks are percent-encoded. */
function gsmLink(link: string): string {
  let out = '';
  for (const char of link.trim()) {
    out += gsmSeptets(char) !== undefined && !/\s/.test(char) ? char : encodeURIComponent(char);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// What a notification says, in a few words

const SEVERITY_WORD: Record<Severity, string> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFO' };

interface Brief {
  /** CRITICAL, HIGH... or MAINTENANCE. */
  label: string;
  company: string;
  title: string;
  /** What happened, one short sentence without its full stop. */
  what: string;
  /** Whether there is something to acknowledge (not for good news or a maintenance window). */
  acknowledgeable: boolean;
}

function briefOf(notification: Notification): Brief {
  if (notification.kind === 'maintenance') {
    const { window, edge } = notification;
    const word = window.kind === 'silence' ? 'Silence' : 'Maintenance window';
    const released = edge === 'ended' && notification.released ? `, ${notification.released} still firing handed back` : '';
    return {
      label: 'MAINTENANCE',
      company: notification.tenant.name ?? notification.tenant.id,
      title: window.name,
      what: `${word} ${edge}${released}`,
      acknowledgeable: false,
    };
  }
  const { incident } = notification;
  const label = SEVERITY_WORD[notificationScope(notification).severity];
  const common = { label, company: incident.tenantName, title: incident.title };
  switch (notification.kind) {
    case 'assignment':
      return { ...common, what: `Assigned to ${notification.assignee}`, acknowledgeable: true };
    case 'sla-warning':
      return {
        ...common,
        what: `${notification.clock === 'response' ? 'Response' : 'Resolution'} SLA due in ${formatDuration(Date.parse(notification.deadline) - Date.parse(notification.at))}`,
        acknowledgeable: true,
      };
    case 'sla-breach':
      return { ...common, what: `${notification.clock === 'response' ? 'Response' : 'Resolution'} SLA breached`, acknowledgeable: true };
    case 'escalation':
      return { ...common, what: `Escalated to level ${notification.level} of ${notification.levelCount}`, acknowledgeable: true };
    case 'approval-request':
      return { ...common, what: `Approval needed to run ${notification.runbook.name} (${notification.risk} risk)`, acknowledgeable: true };
    case 'remediation-result':
      return {
        ...common,
        what: `Runbook ${notification.runbook.name} ${notification.outcome}`,
        acknowledgeable: notification.outcome !== 'succeeded',
      };
    case 'callback-request':
      return {
        ...common,
        what: `${notification.requestedBy} asks for a callback${notification.phone ? ` on ${notification.phone}` : ''}`,
        acknowledgeable: false,
      };
    case 'resolved':
      return { ...common, what: notification.resolvedBy ? `Resolved by ${notification.resolvedBy}` : 'Resolved', acknowledgeable: false };
  }
}

export interface SmsVoiceOptions {
  /** Where to act on it (the incident, or a short link to it): never cut. */
  link?: string;
  /** Named first, so the recipient knows who texts or calls (default Alert Whisperer). */
  productName?: string;
}

const smsVoiceOptionsSchema = z
  .object({
    link: z.url({ protocol: /^https?$/ }).optional(),
    productName: z.string().max(100).default('Alert Whisperer'),
  })
  .strict();

// ---------------------------------------------------------------------------------------------------
// SMS

/** At most this many segments per SMS (two: 306 GSM-7 septets). */
export const SMS_MAX_SEGMENTS = 2;
const SMS_MAX_SEPTETS = 306;
export const SMS_ACK_PROMPT = 'Reply ACK to acknowledge.';

/**
 * The SMS of a notification: `<product> [<SEVERITY>] <company>: <title>. <what happened>. <link>
 * Reply ACK to acknowledge.` (no prompt for good news or maintenance windows), GSM-7 only, within two
 * segments: the title is cut first, then what happened, then the company; the link never is.
 */
export function renderSms(input: NotificationInput, options: SmsVoiceOptions = {}): string {
  const notification = notificationSchema.parse(input);
  const { link, productName } = smsVoiceOptionsSchema.parse(options);
  const brief = briefOf(notification);
  const clean = (value: string) => toGsm7(oneLine(value, 2000)).replace(/[.\s]+$/, '');
  const parts = {
    product: clean(productName),
    company: clean(brief.company),
    title: clean(brief.title),
    what: clean(brief.what),
  };
  const tail = [link ? gsmLink(link) : '', brief.acknowledgeable ? SMS_ACK_PROMPT : ''].filter(Boolean).join(' ');
  const sentence = (value: string) => (value.endsWith('...') ? value : `${value}.`);
  const compose = (p: typeof parts) =>
    [`${p.product} [${brief.label}] ${p.company}: ${sentence(p.title)}`, p.what ? sentence(p.what) : '', tail]
      .filter(Boolean)
      .join(' ')
      .trim();
  const septets = (p: typeof parts) => gsm7Length(compose(p)) ?? Infinity;
  // Cut one part at a time, each to what the others leave, keeping at least a few characters while others can still give.
  for (const [key, keep] of [
    ['title', 20],
    ['what', 20],
    ['company', 12],
    ['title', 0],
    ['what', 0],
    ['company', 0],
    ['product', 0],
  ] as const) {
    const over = septets(parts) - SMS_MAX_SEPTETS;
    if (over <= 0) break;
    const current = gsm7Length(parts[key]) ?? 0;
    parts[key] = cutSeptets(parts[key], Math.max(keep, current - over));
  }
  return compose(parts);
}

// ---------------------------------------------------------------------------------------------------
// Voice (SSML for Amazon Polly)

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text for SSML element content: XML's five special characters escaped, control characters gone. */
export function escapeSsml(value: string): string {
  return oneLine(value, 2000).replace(/[&<>"']/g, (char) => XML_ESCAPES[char] as string);
}

const SPOKEN_LABEL: Record<string, string> = {
  CRITICAL: 'Critical',
  HIGH: 'High severity',
  MEDIUM: 'Medium severity',
  LOW: 'Low severity',
  INFO: 'Informational',
  MAINTENANCE: 'Maintenance',
};

/**
 * The voice message of a notification, SSML (`MessageBodyTextType: 'SSML'`): who is calling, a short
 * pause, the key sentence (severity, company, title, what happened), a pause, the key sentence once
 * more, and where to act ("open the link in the text message"). Every interpolated text is
 * XML-escaped; the title is cut to 200 characters (a call is not the place for a long one).
 */
export function renderVoice(input: NotificationInput, options: SmsVoiceOptions = {}): string {
  const notification = notificationSchema.parse(input);
  const { productName } = smsVoiceOptionsSchema.parse(options);
  const brief = briefOf(notification);
  const spoken = (value: string, max: number) => escapeSsml(oneLine(value, max).replace(/[.\s]+$/, ''));
  const key = `${SPOKEN_LABEL[brief.label] ?? brief.label} ${brief.label === 'MAINTENANCE' ? 'notice' : 'incident'} for ${spoken(brief.company, 200)}: ${spoken(brief.title, 200)}. ${spoken(brief.what, 300)}.`;
  const action = brief.acknowledgeable
    ? 'Open the link in the text message to acknowledge, or reply ACK to it.'
    : 'The text message has the details.';
  return [
    '<speak>',
    `This is ${escapeSsml(productName)}.`,
    '<break time="700ms"/>',
    `<p>${key}</p>`,
    '<break time="1s"/>',
    `<p>Again: ${key}</p>`,
    '<break time="500ms"/>',
    `<p>${action}</p>`,
    '</speak>',
  ].join('');
}
