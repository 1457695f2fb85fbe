import * as z from 'zod';
import { logger } from '../observability';
import { recordDeliveryReceipt } from '../store/notifications';
import type { TableRef } from '../store/table-ref';

/**
 * The carriers' delivery statuses of SMS and voice pages: End User Messaging puts an event on the account's
 * default EventBridge bus for every status change of a message (`Text Message Delivery Status Updated`,
 * `Voice Message Delivery Status Updated`, up to 72 hours after the send). Each page was sent with the
 * tenant and id of its delivery record in its context (lib/notify/deliver.ts), so the status lands on that
 * record as its `receipt`. Messages sent by anything else (no such context) are ignored.
 */
export const DELIVERY_STATUS_SOURCE = 'aws.sms-voice';
export const DELIVERY_STATUS_DETAIL_TYPES = ['Text Message Delivery Status Updated', 'Voice Message Delivery Status Updated'] as const;

const statusEventSchema = z.object({
  source: z.literal(DELIVERY_STATUS_SOURCE),
  'detail-type': z.enum(DELIVERY_STATUS_DETAIL_TYPES),
  detail: z.object({
    eventType: z.string().regex(/^[A-Z_]{1,40}$/),
    eventTimestamp: z.number().int().nonnegative(),
    isFinal: z.boolean().default(false),
    messageId: z.string().min(1).max(256),
    messageStatusDescription: z.string().optional(),
    context: z
      .object({ tenantId: z.string().min(1).max(128), deliveryId: z.string().regex(/^[0-9A-Z]{26}$/) })
      .partial()
      .optional(),
  }),
});

/** The status names a delivery record not stored yet: worth another try (EventBridge retries for up to a day). */
export class DeliveryNotStoredYetError extends Error {}

export type ReceiptOutcome = { recorded: true; deliveryId: string; event: string } | { recorded: false; reason: string };

/** Whether an EventBridge event is a delivery status of End User Messaging (the respond function's third kind of invocation). */
export function isDeliveryStatusEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { source?: unknown }).source === DELIVERY_STATUS_SOURCE;
}

export async function recordDeliveryStatus(table: TableRef, event: unknown): Promise<ReceiptOutcome> {
  const parsed = statusEventSchema.safeParse(event);
  if (!parsed.success) return { recorded: false, reason: 'not a delivery status event' };
  const { detail } = parsed.data;
  const tenantId = detail.context?.tenantId;
  const deliveryId = detail.context?.deliveryId;
  if (!tenantId || !deliveryId) return { recorded: false, reason: 'not a page of this product (no delivery in its context)' };
  const receipt = {
    event: detail.eventType,
    final: detail.isFinal,
    at: new Date(detail.eventTimestamp).toISOString(),
    ...(detail.messageStatusDescription ? { description: detail.messageStatusDescription.slice(0, 300) } : {}),
  };
  const outcome = await recordDeliveryReceipt(table, tenantId, deliveryId, detail.messageId, receipt);
  // A status can come before the notification stored its records: failing makes EventBridge deliver it again.
  if (outcome === 'missing') throw new DeliveryNotStoredYetError(`Delivery ${deliveryId} of ${tenantId} is not stored yet`);
  if (outcome === 'refused') {
    logger.info('Delivery status not recorded: another message, or a newer status', { tenantId, deliveryId });
    return { recorded: false, reason: 'another message, or a newer status' };
  }
  return { recorded: true, deliveryId, event: detail.eventType };
}
