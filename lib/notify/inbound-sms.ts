import * as z from 'zod';
import { ACTION_LINK_TTL_MS, isAcknowledgeReply } from '../domain/notify/action-link';
import { maskPhoneNumber } from '../domain/notify/sms-voice';
import { logger } from '../observability';
import { latestLinkFor } from '../store/action-links';
import { findUserByVerifiedPhone } from '../store/phones';
import { actOnLink, type ActDeps } from './action-links';

/**
 * Two-way SMS: a reply of "1" or "ACK" to an incident's text message acknowledges the incident of the
 * newest link sent by SMS to the user whose verified phone number replied, within the link's 24 hours,
 * through the same path as the link's page (lib/notify/action-links.ts: the link's checks, its one use
 * per action, and lib/incidents/respond.ts as that user). AWS End User Messaging SMS publishes each
 * inbound message to an SNS topic, the message JSON in the record's Message. Anything else is ignored
 * with its reason logged: no reply is sent.
 */

/** The payload AWS publishes for an inbound SMS. */
const inboundSmsSchema = z.object({
  originationNumber: z.string().regex(/^\+[1-9]\d{6,14}$/),
  destinationNumber: z.string().min(1),
  messageKeyword: z.string().optional(),
  messageBody: z.string().max(2000),
  inboundMessageId: z.string().min(1).max(256),
  previousPublishedMessageId: z.string().optional(),
});

export type InboundSmsResult =
  | { acted: true; incidentId: string; result: string; message: string }
  | {
      acted: false;
      reason: 'malformed' | 'not-an-acknowledgement' | 'unknown-number' | 'no-recent-link' | 'link-not-working';
    };

export async function handleInboundSms(deps: ActDeps, snsMessage: { Message: string }): Promise<InboundSmsResult> {
  let json: unknown;
  try {
    json = JSON.parse(snsMessage.Message);
  } catch {
    json = undefined;
  }
  const parsed = inboundSmsSchema.safeParse(json);
  if (!parsed.success) {
    logger.warn('Inbound SMS ignored: not the two-way SMS payload', { issues: parsed.error.issues.map((issue) => issue.path.join('.')) });
    return { acted: false, reason: 'malformed' };
  }
  const sms = parsed.data;
  const from = maskPhoneNumber(sms.originationNumber);
  if (!isAcknowledgeReply(sms.messageBody)) {
    logger.info('Inbound SMS ignored: not an acknowledgement', { from, inboundMessageId: sms.inboundMessageId });
    return { acted: false, reason: 'not-an-acknowledgement' };
  }
  const user = await findUserByVerifiedPhone(deps.table, sms.originationNumber);
  if (!user) {
    logger.info('Inbound SMS ignored: no user has this verified number', { from, inboundMessageId: sms.inboundMessageId });
    return { acted: false, reason: 'unknown-number' };
  }
  const now = deps.now();
  const link = await latestLinkFor(deps.table, user.id, new Date(now.getTime() - ACTION_LINK_TTL_MS));
  if (!link) {
    logger.info('Inbound SMS ignored: no link sent to the user by SMS in the last 24 hours', {
      from,
      userId: user.id,
      inboundMessageId: sms.inboundMessageId,
    });
    return { acted: false, reason: 'no-recent-link' };
  }
  const acted = await actOnLink(deps, link, 'acknowledge', 'sms', { requestId: sms.inboundMessageId });
  if (!acted.ok) {
    logger.info('Inbound SMS ignored: the link does not work', { from, userId: user.id, linkId: link.linkId, problem: acted.problem });
    return { acted: false, reason: 'link-not-working' };
  }
  logger.info('Inbound SMS acted', {
    userId: user.id,
    linkId: link.linkId,
    incidentId: link.incidentId,
    result: acted.outcome.result,
    inboundMessageId: sms.inboundMessageId,
  });
  return { acted: true, incidentId: link.incidentId, result: acted.outcome.result, message: acted.outcome.message };
}
