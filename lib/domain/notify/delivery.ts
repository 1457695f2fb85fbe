import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';
import { NOTIFICATION_KINDS, type NotificationKind } from './templates';

/** The channels a notification is delivered on, and what became of each delivery (stored by lib/store/notifications.ts). */
export const NOTIFICATION_CHANNELS = ['email', 'slack', 'teams', 'sms', 'voice', 'webhook'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const DELIVERY_STATUSES = ['delivered', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One delivery record: a recipient × channel of a notification. */
export interface NotificationDelivery {
  /** ULID (the sort key: listings are newest first). */
  id: string;
  tenantId: string;
  /** The notification this delivery belongs to: one `deliver` call, and the webhook's X-Delivery-Id. */
  notificationId: string;
  incidentId: string;
  kind: NotificationKind;
  /** A user id, or `tenant` for the generic webhook. */
  recipient: string;
  channel: NotificationChannel;
  status: DeliveryStatus;
  /** Sends tried (0 when skipped). */
  attempts: number;
  /** Why it was skipped (quiet hours, channel off, no address), or why it was not retried. */
  reason?: string;
  /** Quiet hours: when the held-back channel may be used again. */
  deferUntil?: string;
  /** The last failure, truncated, never with a URL in it. */
  lastError?: string;
  /** The HTTP status of the last answer (SES's too), when there was one. */
  lastStatus?: number;
  /** SES's MessageId, the Teams workflow run id. */
  providerId?: string;
  /** The email address (email), the masked phone number (`+44…0123`: SMS and voice). */
  to?: string;
  createdAt: string;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  completedAt: string;
  /** The request that led to the notification (the alert's, through the events that followed it), when known. */
  correlationId?: string;
  /**
   * SMS and voice: the latest delivery status the carrier reported after the send (End User Messaging's
   * status events, up to 72 hours later), e.g. `TEXT_DELIVERED`, `TEXT_UNREACHABLE`, `VOICE_COMPLETED`,
   * `VOICE_NO_ANSWER`; `final` once no other will come.
   */
  receipt?: DeliveryReceipt;
}

export interface DeliveryReceipt {
  event: string;
  final: boolean;
  at: string;
  description?: string;
}

export const deliveryReceiptSchema = z
  .object({
    event: z.string().regex(/^[A-Z_]{1,40}$/),
    final: z.boolean(),
    at: timestamp,
    description: z.string().max(300).optional(),
  })
  .strict();

export const notificationDeliverySchema = entitySchema<NotificationDelivery>({
  id: z.string().min(1),
  tenantId: z.string().min(1),
  notificationId: z.string(),
  incidentId: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  recipient: z.string(),
  channel: z.enum(NOTIFICATION_CHANNELS),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  reason: z.string().optional(),
  deferUntil: timestamp.optional(),
  lastError: z.string().optional(),
  lastStatus: z.number().int().optional(),
  providerId: z.string().optional(),
  to: z.string().optional(),
  createdAt: timestamp,
  firstAttemptAt: timestamp.optional(),
  lastAttemptAt: timestamp.optional(),
  completedAt: timestamp,
  correlationId: z.string().optional(),
  receipt: deliveryReceiptSchema.optional(),
});
