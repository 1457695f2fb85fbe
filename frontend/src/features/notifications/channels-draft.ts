import * as z from 'zod';
import { channelsChangeSchema } from '../../../../lib/domain/notify/channel-settings';
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

/** The form's values checked as the body they become. */
export function channelsFormSchema(data: Channels) {
  return z
    .custom<ChannelsDraft>()
    .transform((draft) => channelsChangeOf(draft, data))
    .pipe(channelsChangeSchema);
}
