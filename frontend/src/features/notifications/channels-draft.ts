import * as z from 'zod';
import type { Schemas } from '../../api/client';
import type { ChannelsChange } from './hooks';

export type Channels = Schemas['NotificationChannels'];

/** What happens to a stored webhook URL on save: kept (it cannot be read back), replaced or removed. */
export type UrlMode = 'keep' | 'replace' | 'remove';

export interface ChannelsDraft {
  slack: { mode: UrlMode; webhookUrl: string };
  teams: { mode: UrlMode; webhookUrl: string };
  webhook: { mode: UrlMode; url: string; secret: string };
  emailSender: string;
}

export function channelsDraftOf(data: Channels): ChannelsDraft {
  return {
    slack: { mode: 'keep', webhookUrl: '' },
    teams: { mode: 'keep', webhookUrl: '' },
    webhook: { mode: 'keep', url: '', secret: '' },
    emailSender: data.emailSender ?? '',
  };
}

/** The body: a channel replaced or removed (null), one kept left out; the sender only when it changed. */
export function channelsChangeOf(draft: ChannelsDraft, data: Channels): ChannelsChange {
  const body: ChannelsChange = {};
  for (const key of ['slack', 'teams'] as const) {
    const { mode, webhookUrl } = draft[key];
    if (mode === 'remove') body[key] = null;
    if (mode === 'replace') body[key] = { webhookUrl: webhookUrl.trim() };
  }
  if (draft.webhook.mode === 'remove') body.webhook = null;
  if (draft.webhook.mode === 'replace') body.webhook = { url: draft.webhook.url.trim(), secret: draft.webhook.secret };
  const sender = draft.emailSender.trim();
  if (sender !== (data.emailSender ?? '')) body.emailSender = sender || null;
  return body;
}

/*
 * A copy of the API's channel rules (channelSettingsSchema in lib/store/notifications.ts): that module reads
 * DynamoDB and its URL parsing lives beside the SSRF checks on node:net, so neither can come to the browser.
 * Whether a host is public is still judged by the API alone (422 unsafe_target), after DNS.
 */

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost']);

/** https only, except plain http to a receiver on the same machine; the messages are the API's. */
function channelUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The target URL is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'The target URL must not carry credentials before the host';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname)) return undefined;
  return 'Refusing a non-https target URL: only https, or http://127.0.0.1 and http://localhost for local receivers';
}

const channelUrl = z
  .string()
  .max(2048)
  .superRefine((url, context) => {
    const problem = channelUrlProblem(url);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** `alerts@msp.example` or `Alert Whisperer <alerts@msp.example>` (SES's FromEmailAddress). */
const SENDER_PATTERN = /^(?:[^<>\r\n"]{1,100} <[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/;

const channelsRequestSchema = z.object({
  slack: z.object({ webhookUrl: channelUrl }).nullable().optional(),
  teams: z.object({ webhookUrl: channelUrl }).nullable().optional(),
  webhook: z
    .object({ url: channelUrl, secret: z.string().min(16).max(256) })
    .nullable()
    .optional(),
  emailSender: z.string().max(320).regex(SENDER_PATTERN, 'Expected an email address, optionally as "Name <address>"').nullable().optional(),
});

/** The form's values checked as the body they become. */
export function channelsFormSchema(data: Channels) {
  return z
    .custom<ChannelsDraft>()
    .transform((draft) => channelsChangeOf(draft, data))
    .pipe(channelsRequestSchema);
}
