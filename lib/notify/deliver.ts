/**
 * Sends one notification to its recipients over the channels their preferences pick,
 * retries each channel per the retry policy, and records every delivery: one record per recipient ×
 * channel (email, Slack, Teams), plus one for the tenant's generic webhook when it has one.
 *
 * - email goes to each recipient's own address, rendered in the recipient's time zone;
 * - Slack and Teams are the tenant's channels (its incoming webhooks): however many recipients want
 *   one, the notification is posted there once (UTC times) and each of those recipients' records
 *   carries that one post's outcome;
 * - the generic webhook is the tenant's integration, sent for every notification whatever the
 *   users' preferences, signed afresh on every try (the receiver checks X-Timestamp) with the same
 *   X-Delivery-Id (the notification id) so the receiver can drop repeats;
 * - `dashboard` is the live feed (realtime fan-out of domain events): nothing to send or record here.
 *
 * Skipped records say why: quiet hours (with `deferUntil`), the channel is off for this kind, no
 * address (no email address, no Slack/Teams webhook configured). Channels run concurrently and a
 * failure (or a bug) in one never stops the others. Nothing here logs a URL, a secret or a body.
 */
import { ulid } from 'ulid';
import type * as z from 'zod';
import type { Severity } from '../domain/alert';
import { countMetric, logger } from '../observability';
import { type NotificationChannel, type NotificationDelivery } from '../domain/notify/delivery';
import type { ChannelSettings } from '../domain/notify/channel-settings';
import { getChannelSettings, putNotificationDeliveries, TENANT_RECIPIENT } from '../store/notifications';
import type { TableRef } from '../store/table-ref';
import { createSenders, withoutUrls, type ChannelSenders, type DeliveryAttempt, type Sender } from './channels';
import { createSmsSender, createVoiceSender, type PhoneTarget, type SmsMessage, type VoiceMessage } from './sms-voice';
import { maskPhoneNumber, renderSms, renderVoice } from '../domain/notify/sms-voice';

import { chargePhoneMessage } from '../store/phone-usage';
import { getSlackInstallation, putSlackMessageRef } from '../store/slack-app';
import { renderSlackAppMessage, type SlackAppMessage } from '../domain/notify/slack-app';
import { createSlackAppSender, type SlackAppTarget } from './slack-app';
import {
  channelsFor,
  DEFAULT_RETRY_POLICY,
  notificationPreferencesSchema,
  retryDelayMs,
  retryPolicySchema,
  type ChannelDecision,
  type RetryPolicy,
  type UserChannel,
} from '../domain/notify/preferences';
import {
  notificationSchema,
  notificationScope,
  renderEmail,
  renderSlack,
  renderTeams,
  renderWebhook,
  type Notification,
  type NotificationInput,
  type NotificationKind,
} from '../domain/notify/templates';

/** Every channel's sender: lib/notify/channels.ts's and SMS and voice (lib/notify/sms-voice.ts). */
export interface DeliverySenders extends ChannelSenders {
  sms: Sender<SmsMessage, PhoneTarget>;
  voice: Sender<VoiceMessage, PhoneTarget>;
  slackApp: Sender<SlackAppMessage, SlackAppTarget>;
}

/** Where SMS and voice go from, and how many a tenant may get per calendar month. */
export interface PhoneSettings {
  originationIdentity?: string;
  configurationSetName?: string;
  /** SMS and voice messages per tenant per calendar month (UTC). */
  monthlyCap: number;
  /** Told once when a tenant's month reaches 80% of the cap (MSP admins are emailed). */
  onBudgetWarning?: (tenantId: string, used: number, cap: number) => Promise<void>;
}

/** The channels a signed action link can go out on (lib/domain/notify/action-link.ts). */
export type LinkChannel = 'sms' | 'voice' | 'email' | 'slack' | 'teams';

export interface DeliverDeps {
  /** Where the delivery records go (and the tenant's channel settings come from). */
  table: TableRef;
  /** Replaces some or all senders (tests); the others are lib/notify/channels.ts's and sms-voice.ts's. */
  senders?: Partial<DeliverySenders>;
  /** SMS and voice; without it they are skipped ("SMS and voice are not set up"). */
  phone?: PhoneSettings;
  /**
   * A signed one-tap link for one recipient of one incident (acknowledge, resolve, escalate), or
   * undefined when the recipient cannot have one; without it notifications carry none.
   */
  links?: (request: { tenantId: string; incidentId: string; userId: string; channel: LinkChannel }) => Promise<string | undefined>;
  /** Waits between retries (tests inject one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** The jitter of the retry delays. */
  random?: () => number;
  retryPolicy?: Partial<RetryPolicy>;
  /** The platform's sender address (an SES-verified identity); a tenant's `emailSender` overrides it. */
  emailSender?: string;
  /** SES configuration set (event publishing: bounces, complaints). */
  configurationSetName?: string;
  productName?: string;
  /** The tenant's channel settings when the caller has them; read from the table otherwise. */
  channelSettings?: ChannelSettings;
}

export interface Recipient {
  userId: string;
  /** Where email goes; absent: the email channel is skipped ("no address"). */
  email?: string;
  /** The user's verified phone number (E.164); absent: SMS and voice are skipped ("no verified phone number"). */
  phone?: string;
  /** The user's preferences (defaults: DEFAULT_CHANNELS, UTC, no quiet hours). */
  preferences?: Omit<z.input<typeof notificationPreferencesSchema>, 'userId'>;
}

export interface DeliveryRequest {
  /** The notification's id: idempotency key of the receivers (X-Delivery-Id). Default: a new ULID. */
  id?: string;
  notification: NotificationInput;
  recipients: Recipient[];
  /** The request that led to it (the alert's, through the events that followed it): on every record and log line. */
  correlationId?: string;
}

const CHANNEL_LABEL: Record<NotificationChannel, string> = {
  email: 'Email',
  slack: 'Slack',
  teams: 'Teams',
  sms: 'SMS',
  voice: 'Voice',
  webhook: 'Webhook',
};

/** The kinds someone acts on from the notification: they carry signed links to acknowledge, resolve or escalate. */
const RESPOND_KINDS: ReadonlySet<NotificationKind> = new Set(['assignment', 'sla-warning', 'sla-breach', 'escalation']);
/** Shared posts (Slack, Teams) carry one link per recipient, for this many recipients at most. */
const SHARED_POST_LINKS = 5;
const LAST_ERROR_MAX = 500;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Cuts an error to size and removes every secret in it (URLs first of all). */
export function scrubError(text: string, secrets: readonly string[] = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret) clean = clean.split(secret).join('<redacted>');
  }
  clean = withoutUrls(clean);
  return clean.length <= LAST_ERROR_MAX ? clean : `${clean.slice(0, LAST_ERROR_MAX - 1)}…`;
}

interface Outcome {
  ok: boolean;
  attempts: number;
  firstAttemptAt: string;
  lastAttemptAt: string;
  completedAt: string;
  last: DeliveryAttempt;
}

/** Tries `attempt` until it works, fails for good, or the policy has no attempt left. */
async function withRetries(
  attempt: () => Promise<DeliveryAttempt>,
  context: { now: () => Date; sleep: (ms: number) => Promise<void>; random: () => number; policy: RetryPolicy },
): Promise<Outcome> {
  const firstAttemptAt = context.now().toISOString();
  let lastAttemptAt = firstAttemptAt;
  let attempts = 0;
  let last: DeliveryAttempt;
  for (;;) {
    attempts++;
    if (attempts > 1) lastAttemptAt = context.now().toISOString();
    try {
      last = await attempt();
    } catch (error) {
      // A sender never throws; a rendering or programming error will not go away by trying again.
      last = { ok: false, retryable: false, error: `Unexpected error: ${(error as Error)?.message ?? String(error)}` };
    }
    if (last.ok || !last.retryable) break;
    const delay = retryDelayMs(attempts, {
      policy: context.policy,
      random: context.random,
      ...(last.retryAfterSeconds !== undefined ? { retryAfterSeconds: last.retryAfterSeconds } : {}),
    });
    if (delay === null) break;
    await context.sleep(delay);
  }
  return { ok: last.ok, attempts, firstAttemptAt, lastAttemptAt, completedAt: context.now().toISOString(), last };
}

interface PlannedRecipient {
  userId: string;
  email?: string;
  phone?: string;
  /** The user chose SMS or voice themselves (not only the defaults): without a number that is worth a record. */
  phoneChosen: boolean;
  timeZone: string;
  decision: ChannelDecision;
}

/** Sends `request.notification` and returns its delivery records (stored in `deps.table`). */
export async function deliver(deps: DeliverDeps, request: DeliveryRequest): Promise<NotificationDelivery[]> {
  const notification: Notification = notificationSchema.parse(request.notification);
  const scope = notificationScope(notification);
  const tenantId = scope.tenantId;
  const notificationId = request.id ?? ulid();
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const context = {
    now,
    sleep: deps.sleep ?? defaultSleep,
    random: deps.random ?? Math.random,
    policy: deps.retryPolicy ? retryPolicySchema.parse({ ...DEFAULT_RETRY_POLICY, ...deps.retryPolicy }) : DEFAULT_RETRY_POLICY,
  };
  const retrying = context;
  const senders: DeliverySenders = {
    ...createSenders(),
    sms: createSmsSender(),
    voice: createVoiceSender(),
    slackApp: createSlackAppSender(),
    ...deps.senders,
  };
  const settings = deps.channelSettings ?? (await getChannelSettings(deps.table, tenantId));
  const renderOptions = deps.productName ? { productName: deps.productName } : {};
  const event: { kind: NotificationKind; severity: Severity } = { kind: notification.kind, severity: scope.severity };
  /** The recipient's signed link on a channel, when this kind is acted on and links are set up; a failure leaves it out. */
  const linkFor = async (userId: string, channel: LinkChannel): Promise<string | undefined> => {
    if (!deps.links || !RESPOND_KINDS.has(notification.kind)) return undefined;
    try {
      return await deps.links({ tenantId, incidentId: scope.incidentId, userId, channel });
    } catch (error) {
      logger.warn('Could not make an action link', { tenantId, notificationId, channel, error: scrubError(String(error)) });
      return undefined;
    }
  };

  const seen = new Set<string>();
  const recipients: PlannedRecipient[] = [];
  for (const recipient of request.recipients) {
    if (seen.has(recipient.userId)) continue;
    seen.add(recipient.userId);
    const preferences = notificationPreferencesSchema.parse({ ...recipient.preferences, userId: recipient.userId });
    recipients.push({
      userId: recipient.userId,
      ...(recipient.email ? { email: recipient.email } : {}),
      ...(recipient.phone ? { phone: recipient.phone } : {}),
      phoneChosen:
        preferences.paging[scope.severity] !== undefined ||
        (preferences.channels[notification.kind] ?? []).some((channel) => channel === 'sms' || channel === 'voice'),
      timeZone: preferences.timeZone,
      decision: channelsFor(preferences, event, startedAt),
    });
  }

  const traced = request.correlationId ? { correlationId: request.correlationId } : {};
  const base = {
    tenantId,
    notificationId,
    incidentId: scope.incidentId,
    kind: notification.kind,
    ...traced,
  };
  const record = (recipient: string, channel: NotificationChannel, fields: Partial<NotificationDelivery>): NotificationDelivery => {
    const at = now().toISOString();
    return {
      id: ulid(),
      ...base,
      recipient,
      channel,
      status: 'skipped',
      attempts: 0,
      createdAt: startedAt.toISOString(),
      completedAt: at,
      ...fields,
    };
  };
  const fromOutcome = (recipient: string, channel: NotificationChannel, outcome: Outcome, secrets: string[], extra = {}) =>
    record(recipient, channel, {
      status: outcome.ok ? 'delivered' : 'failed',
      attempts: outcome.attempts,
      firstAttemptAt: outcome.firstAttemptAt,
      lastAttemptAt: outcome.lastAttemptAt,
      completedAt: outcome.completedAt,
      ...(outcome.last.status !== undefined ? { lastStatus: outcome.last.status } : {}),
      ...(outcome.last.providerId ? { providerId: outcome.last.providerId } : {}),
      ...(!outcome.ok && outcome.last.error ? { lastError: scrubError(outcome.last.error, secrets) } : {}),
      ...(!outcome.ok && !outcome.last.retryable ? { reason: 'not retryable' } : {}),
      ...(!outcome.ok && outcome.last.retryable ? { reason: `gave up after ${outcome.attempts} attempts` } : {}),
      ...extra,
    });
  /** The skipped record of a channel the recipient does not get now (quiet hours, off). */
  const notNow = (recipient: PlannedRecipient, channel: UserChannel & NotificationChannel): NotificationDelivery => {
    const { decision } = recipient;
    if (decision.deferred.includes(channel)) {
      return record(recipient.userId, channel, {
        reason: decision.reason,
        ...(decision.deferUntil ? { deferUntil: decision.deferUntil } : {}),
      });
    }
    const reason =
      decision.channels.length === 0 ? decision.reason : `${CHANNEL_LABEL[channel]} is off for ${notification.kind} notifications`;
    return record(recipient.userId, channel, { reason });
  };

  /** Runs one channel's work; a bug in it becomes failed records instead of stopping the others. */
  const guarded = async (
    channel: NotificationChannel,
    who: string[],
    work: () => Promise<NotificationDelivery[]>,
  ): Promise<NotificationDelivery[]> => {
    try {
      return await work();
    } catch (error) {
      logger.error('Notification channel failed unexpectedly', {
        tenantId,
        notificationId,
        channel,
        ...traced,
        error: scrubError(String(error)),
      });
      return who.map((recipient) =>
        record(recipient, channel, { status: 'failed', reason: 'unexpected error', lastError: scrubError(String(error)) }),
      );
    }
  };

  const tasks: Array<Promise<NotificationDelivery[]>> = [];

  // Email: one per recipient, in the recipient's time zone.
  const sender = settings.emailSender ?? deps.emailSender;
  for (const recipient of recipients) {
    if (!recipient.decision.channels.includes('email')) {
      tasks.push(Promise.resolve([notNow(recipient, 'email')]));
      continue;
    }
    if (!recipient.email) {
      tasks.push(Promise.resolve([record(recipient.userId, 'email', { reason: 'no email address' })]));
      continue;
    }
    const to = recipient.email;
    if (!sender) {
      tasks.push(
        Promise.resolve([
          record(recipient.userId, 'email', { status: 'failed', to, reason: 'not retryable', lastError: 'No email sender is configured' }),
        ]),
      );
      continue;
    }
    tasks.push(
      guarded('email', [recipient.userId], async () => {
        const link = await linkFor(recipient.userId, 'email');
        const respondLinks = link ? [{ label: 'Acknowledge, resolve or escalate', url: link }] : [];
        const message = renderEmail(notification, { ...renderOptions, timeZone: recipient.timeZone, respondLinks });
        const target = { to, from: sender, ...(deps.configurationSetName ? { configurationSetName: deps.configurationSetName } : {}) };
        const outcome = await withRetries(() => senders.email(message, target), context);
        return [fromOutcome(recipient.userId, 'email', outcome, [], { to })];
      }),
    );
  }

  /** A shared post's links: one per recipient it is for (named by their address), the first few. */
  const sharedPostLinks = async (wanting: PlannedRecipient[], channel: 'slack' | 'teams') => {
    const links = await Promise.all(
      wanting.slice(0, SHARED_POST_LINKS).map(async (recipient) => {
        const url = await linkFor(recipient.userId, channel);
        return url ? [{ label: `Respond as ${(recipient.email ?? recipient.userId).split('@')[0]}`, url }] : [];
      }),
    );
    return links.flat();
  };

  // SMS and voice: to each recipient's verified number, a call before the text (the text carries the link).
  for (const recipient of recipients) {
    // Without a verified number the defaults ring no phone and say nothing of it; a user's own choice is recorded as skipped.
    if (!recipient.phone && !recipient.phoneChosen) continue;
    const phoneChannels = (['voice', 'sms'] as const).filter((channel) => recipient.decision.channels.includes(channel));
    for (const channel of (['voice', 'sms'] as const).filter((channel) => !phoneChannels.includes(channel))) {
      // Kinds that never page leave no record of phones they did not ring.
      if (recipient.decision.deferred.includes(channel)) tasks.push(Promise.resolve([notNow(recipient, channel)]));
    }
    if (phoneChannels.length === 0) continue;
    if (!recipient.phone) {
      tasks.push(
        Promise.resolve(phoneChannels.map((channel) => record(recipient.userId, channel, { reason: 'no verified phone number' }))),
      );
      continue;
    }
    const phone = deps.phone;
    if (!phone) {
      tasks.push(
        Promise.resolve(phoneChannels.map((channel) => record(recipient.userId, channel, { reason: 'SMS and voice are not set up' }))),
      );
      continue;
    }
    const to = recipient.phone;
    tasks.push(
      guarded(phoneChannels[0]!, [recipient.userId], async () => {
        const done: NotificationDelivery[] = [];
        const target: PhoneTarget = {
          to,
          ...(phone.originationIdentity ? { originationIdentity: phone.originationIdentity } : {}),
          ...(phone.configurationSetName ? { configurationSetName: phone.configurationSetName } : {}),
        };
        for (const channel of phoneChannels) {
          const charge = await chargePhoneMessage(deps.table, tenantId, now(), phone.monthlyCap);
          if (!charge.allowed) {
            done.push(
              record(recipient.userId, channel, {
                to: maskPhoneNumber(to),
                reason: `the company's monthly SMS and voice cap (${phone.monthlyCap}) is reached`,
              }),
            );
            continue;
          }
          if (charge.used === Math.ceil(phone.monthlyCap * 0.8) && phone.onBudgetWarning) {
            await phone
              .onBudgetWarning(tenantId, charge.used, phone.monthlyCap)
              .catch((error: unknown) =>
                logger.warn('Could not tell the MSP admins about the SMS budget', { tenantId, error: scrubError(String(error)) }),
              );
          }
          // The record's id goes with the message: its delivery status events name it (lib/notify/delivery-receipts.ts).
          const deliveryId = ulid();
          const context = { tenantId, deliveryId, incidentId: scope.incidentId, notificationId };
          let send: () => Promise<DeliveryAttempt>;
          if (channel === 'voice') {
            const ssml = renderVoice(notification, renderOptions);
            send = () => senders.voice({ ssml, context }, target);
          } else {
            const link = await linkFor(recipient.userId, 'sms');
            const body = renderSms(notification, { ...renderOptions, ...(link ? { link } : {}) });
            send = () => senders.sms({ body, context }, target);
          }
          const outcome = await withRetries(send, retrying);
          done.push(fromOutcome(recipient.userId, channel, outcome, [to], { id: deliveryId, to: maskPhoneNumber(to) }));
        }
        return done;
      }),
    );
  }

  // Slack and Teams: the tenant's channel, posted once for everyone who wants it now.
  for (const channel of ['slack', 'teams'] as const) {
    const wanting = recipients.filter((recipient) => recipient.decision.channels.includes(channel));
    const others = recipients.filter((recipient) => !recipient.decision.channels.includes(channel));
    tasks.push(Promise.resolve(others.map((recipient) => notNow(recipient, channel))));
    if (wanting.length === 0) continue;
    const who = wanting.map((recipient) => recipient.userId);
    // A company with the Slack app gets its messages from the app, with buttons that act in place.
    const app = channel === 'slack' && notification.kind !== 'maintenance' ? await getSlackInstallation(deps.table, tenantId) : undefined;
    if (app) {
      tasks.push(
        guarded(channel, who, async () => {
          const message = renderSlackAppMessage(notification, renderOptions);
          const target = { botToken: app.botToken, channelId: app.channelId };
          const outcome = await withRetries(() => senders.slackApp(message, target), context);
          const [postedIn, ts] = outcome.last.providerId?.split(':') ?? [];
          // The message's reference, so the incident's later changes can update it.
          if (outcome.ok && postedIn && ts) {
            const shownStatus = notification.kind === 'maintenance' ? undefined : notification.incident.status;
            await putSlackMessageRef(deps.table, tenantId, scope.incidentId, {
              channel: postedIn,
              ts,
              message,
              ...(shownStatus ? { shownStatus } : {}),
            });
          }
          return who.map((userId) => fromOutcome(userId, channel, outcome, [app.botToken]));
        }),
      );
      continue;
    }
    const url = settings[channel]?.webhookUrl;
    if (!url) {
      const reason = `no ${CHANNEL_LABEL[channel]} webhook is configured for this company`;
      tasks.push(Promise.resolve(wanting.map((recipient) => record(recipient.userId, channel, { reason }))));
      continue;
    }
    tasks.push(
      guarded(channel, who, async () => {
        const respondLinks = await sharedPostLinks(wanting, channel);
        let send: () => Promise<DeliveryAttempt>;
        if (channel === 'slack') {
          const message = renderSlack(notification, { ...renderOptions, respondLinks });
          send = () => senders.slack(message, { url });
        } else {
          const message = renderTeams(notification, { ...renderOptions, respondLinks });
          send = () => senders.teams(message, { url });
        }
        const outcome = await withRetries(send, context);
        return who.map((userId) => fromOutcome(userId, channel, outcome, [url]));
      }),
    );
  }

  // The generic webhook: the tenant's integration, every notification.
  const webhook = settings.webhook;
  if (webhook) {
    tasks.push(
      guarded('webhook', [TENANT_RECIPIENT], async () => {
        const outcome = await withRetries(() => {
          const signed = renderWebhook(notification, { secret: webhook.secret, deliveryId: notificationId, now: now() });
          return senders.webhook(signed, { url: webhook.url });
        }, context);
        return [fromOutcome(TENANT_RECIPIENT, 'webhook', outcome, [webhook.url, webhook.secret])];
      }),
    );
  }

  const records = (await Promise.all(tasks)).flat();
  for (const delivery of records) {
    const fields = {
      tenantId,
      notificationId,
      incidentId: delivery.incidentId,
      kind: delivery.kind,
      recipient: delivery.recipient,
      channel: delivery.channel,
      status: delivery.status,
      attempts: delivery.attempts,
      ...(delivery.lastStatus !== undefined ? { lastStatus: delivery.lastStatus } : {}),
      ...(delivery.reason ? { reason: delivery.reason } : {}),
      ...traced,
    };
    if (delivery.status === 'failed') logger.warn('Notification delivery failed', { ...fields, lastError: delivery.lastError });
    else logger.debug('Notification delivery', fields);
  }
  // One count per send: an email per recipient, one Slack or Teams post however many recipients share it, one webhook call.
  const sends = new Map<string, NotificationDelivery>();
  for (const delivery of records) {
    if (delivery.status !== 'skipped')
      sends.set(delivery.channel === 'slack' || delivery.channel === 'teams' ? delivery.channel : delivery.id, delivery);
  }
  for (const { status, channel } of sends.values())
    countMetric(status === 'delivered' ? 'NotificationsSent' : 'NotificationsFailed', 1, { channel });
  try {
    await putNotificationDeliveries(deps.table, records);
  } catch (error) {
    // The sends happened: failing here would make a retried event send them again.
    logger.error('Could not store notification delivery records', {
      tenantId,
      notificationId,
      ...traced,
      records: records.length,
      error: scrubError(String(error)),
    });
  }
  return records;
}
