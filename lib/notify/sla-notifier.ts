import type { SlaNotification } from '../sla/service';
import { getTenant } from '../store/tenants';
import { getUser } from '../store/users';
import { deliver, type DeliverDeps, type Recipient } from './deliver';
import type { NotificationInput } from './templates';

export interface SlaNotifierConfig {
  deliver: DeliverDeps;
  /** The dashboard's base URL: notifications link to the incident there. */
  dashboardUrl: string;
}

/**
 * Turns the SLA service's notification (who, what, why) into deliveries: the users' addresses, the
 * tenant's name, the incident's link, then email, Slack, Teams and the webhook as `deliver` decides.
 * The dedup key is the delivery id, so a retried timer does not notify twice through the receivers
 * that honour X-Delivery-Id.
 */
export function slaNotifier(config: SlaNotifierConfig): (request: SlaNotification) => Promise<void> {
  const { table } = config.deliver;
  return async (request) => {
    const { details } = request;
    const tenant = await getTenant(table, request.tenantId);
    const recipients: Recipient[] = [];
    for (const userId of new Set(request.recipients.userIds)) {
      const user = await getUser(table, userId);
      if (user) recipients.push({ userId, email: user.email });
    }
    const base = {
      at: details.at,
      incident: {
        id: request.incidentId,
        tenantId: request.tenantId,
        tenantName: tenant?.name ?? request.tenantId,
        title: details.title,
        severity: details.severity,
        status: details.status,
        assetRef: details.assetRef,
        openedAt: details.openedAt,
        priority: details.priority,
        url: `${config.dashboardUrl.replace(/\/$/, '')}/incidents/${encodeURIComponent(request.incidentId)}?tenant=${encodeURIComponent(request.tenantId)}`,
      },
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
    await deliver(config.deliver, { id: details.dedupKey, notification, recipients });
  };
}
