import type { SlaNotification } from '../sla/service';
import { deliver } from './deliver';
import { incidentSummary, recipientsOf, type NotifierConfig } from './event-notifier';
import type { NotificationInput } from '../domain/notify/templates';

/**
 * Turns the SLA service's notification (who, what, why) into deliveries: the users' addresses, the
 * incident's summary and link, then email, Slack, Teams and the webhook as `deliver` decides. The
 * dedup key is the delivery id, so a retried timer is the same notification to the receivers.
 */
export function slaNotifier(config: NotifierConfig): (request: SlaNotification) => Promise<void> {
  const { table } = config.deliver;
  return async (request) => {
    const { details } = request;
    const base = {
      at: details.at,
      incident: await incidentSummary(table, { id: request.incidentId, tenantId: request.tenantId, ...details }, config.dashboardUrl),
    };
    let notification: NotificationInput;
    if (request.kind === 'escalation') {
      notification = {
        ...base,
        kind: 'escalation',
        level: details.level ?? 1,
        levelCount: details.levelCount ?? 1,
        reason: details.reason,
      };
    } else {
      if (!details.clock || !details.deadline) throw new Error(`${request.kind} without its clock and deadline`);
      notification = { ...base, kind: request.kind, clock: details.clock, deadline: details.deadline };
    }
    await deliver(config.deliver, {
      id: details.dedupKey,
      notification,
      recipients: await recipientsOf(table, request.recipients.userIds),
      ...(details.correlationId ? { correlationId: details.correlationId } : {}),
    });
  };
}
