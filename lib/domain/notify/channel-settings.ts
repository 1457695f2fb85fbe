import * as z from 'zod';
import { parseTargetUrl } from '../../util/target-url';

/**
 * A tenant's notification channels: its Slack and Teams incoming webhooks, its signed generic webhook and
 * its email sender. Pure, so the dashboard checks a form with the very rules the API applies; the API
 * then also refuses a host that is not public (lib/util/safe-url.ts, after DNS), which a browser cannot judge.
 */

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost']);

/**
 * Why a Slack, Teams or webhook URL must not be used, or undefined when it may: https only, except
 * plain http on this machine (`http://127.0.0.1`, `http://localhost`) for local receivers. The message
 * never repeats the URL (it is a secret).
 */
export function channelUrlProblem(url: string): string | undefined {
  const parsed = parseTargetUrl(url);
  if (typeof parsed === 'string') return parsed;
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

export const channelSettingsSchema = z
  .object({
    slack: z.object({ webhookUrl: channelUrl }).strict().optional(),
    teams: z.object({ webhookUrl: channelUrl }).strict().optional(),
    webhook: z
      .object({
        url: channelUrl,
        /** The HMAC-SHA256 key of `X-Signature`. */
        secret: z.string().min(16).max(256),
      })
      .strict()
      .optional(),
    /** Overrides the platform's sender for this tenant's email (an SES-verified identity). */
    emailSender: z.string().max(320).regex(SENDER_PATTERN, 'Expected an email address, optionally as "Name <address>"').optional(),
  })
  .strict();
export type ChannelSettings = z.infer<typeof channelSettingsSchema>;

const { shape } = channelSettingsSchema;

/** A change of the channels: a new value replaces a channel, `null` removes it, leaving it out keeps it (it cannot be read back). */
export const channelsChangeSchema = z.strictObject({
  slack: shape.slack.unwrap().nullable().optional().describe('`{webhookUrl}`: a Slack incoming webhook (https); null removes it'),
  teams: shape.teams.unwrap().nullable().optional().describe('`{webhookUrl}`: a Teams workflow webhook (https); null removes it'),
  webhook: shape.webhook
    .unwrap()
    .nullable()
    .optional()
    .describe('`{url, secret}`: a generic webhook signed with the secret (X-Signature); null removes it'),
  emailSender: shape.emailSender
    .unwrap()
    .nullable()
    .optional()
    .describe('An SES-verified sender for this tenant; null: the platform sender'),
});
