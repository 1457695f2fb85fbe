import type { Role } from '../domain/user';
import type { Incident } from '../domain/incident';
import { correlationIdOfDetail, DETAIL_TYPES, EVENT_CONTRACTS } from '../domain/events';
import { approverRoleFor } from '../remediation/approval-rules';
import { getIncidentDetail } from '../store/incidents';
import { getNotificationPreferences } from '../store/oncall';
import { getApproval, getExecution } from '../store/remediation';
import { getUserPhone } from '../store/phones';
import type { TableRef } from '../store/table-ref';
import { getTenant } from '../store/tenants';
import { getUser, listUsers } from '../store/users';
import { deliver, type DeliverDeps, type Recipient } from './deliver';
import { truncate, type IncidentSummary, type NotificationInput } from '../domain/notify/templates';

export interface NotifierConfig {
  deliver: DeliverDeps;
  /** The dashboard's base URL: notifications link to the incident (the approvals queue, the maintenance windows) there. */
  dashboardUrl: string;
}

/** The incident as every notification shows it, with its link in the dashboard. */
export async function incidentSummary(
  table: TableRef,
  incident: Pick<Incident, 'id' | 'tenantId' | 'title' | 'severity' | 'status' | 'assetRef' | 'openedAt'> & { priority?: number },
  dashboardUrl: string,
): Promise<IncidentSummary> {
  const tenant = await getTenant(table, incident.tenantId);
  return {
    id: incident.id,
    tenantId: incident.tenantId,
    tenantName: tenant?.name ?? incident.tenantId,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    assetRef: incident.assetRef,
    openedAt: incident.openedAt,
    ...(incident.priority !== undefined ? { priority: incident.priority } : {}),
    url: `${dashboardUrl.replace(/\/$/, '')}/incidents/${encodeURIComponent(incident.id)}?tenant=${encodeURIComponent(incident.tenantId)}`,
  };
}

/**
 * Users by id, with their addresses and their notification preferences (channels per kind, time zone,
 * quiet hours: the defaults when they set none); unknown ids are left out.
 */
export async function recipientsOf(table: TableRef, userIds: Iterable<string>): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  for (const userId of new Set(userIds)) {
    const user = await getUser(table, userId);
    if (!user) continue;
    const [{ preferences: stored }, phone] = await Promise.all([getNotificationPreferences(table, userId), getUserPhone(table, userId)]);
    const { userId: _userId, ...preferences } = stored;
    // Only a number its owner proved is ever texted or called.
    const verified = phone?.number && phone.verifiedAt ? { phone: phone.number } : {};
    recipients.push({ userId, email: user.email, preferences, ...verified });
  }
  return recipients;
}

/** The users of a role who may act on the tenant (MSP admins act on every tenant). */
async function usersWithRole(table: TableRef, tenantId: string, role: Role): Promise<string[]> {
  return (await listUsers(table))
    .filter((user) => user.role === role && (role === 'msp_admin' || user.tenantIds.includes(tenantId)))
    .map((user) => user.id);
}

const OUTCOME: Record<string, 'succeeded' | 'failed' | 'rolled-back' | 'timed-out' | 'dry-run'> = {
  succeeded: 'succeeded',
  'dry-run-succeeded': 'dry-run',
};

export const NOTIFIED_EVENTS = [
  DETAIL_TYPES.incidentAssigned,
  DETAIL_TYPES.approvalRequested,
  DETAIL_TYPES.executionFinished,
  DETAIL_TYPES.incidentResolved,
  DETAIL_TYPES.maintenanceStarted,
  DETAIL_TYPES.maintenanceEnded,
  DETAIL_TYPES.callbackRequested,
] as const;

const MAINTENANCE_EDGES: Readonly<Record<string, 'started' | 'ended'>> = {
  [DETAIL_TYPES.maintenanceStarted]: 'started',
  [DETAIL_TYPES.maintenanceEnded]: 'ended',
};

/**
 * A maintenance window (or silence) starting or ending: the tenant's company admins and the MSP admins
 * are told, by email and on the dashboard unless their preferences say otherwise. The event names no
 * real incident (its `incidentId` is `maintenance:<window id>`), so none is read.
 */
async function notifyMaintenance(
  config: NotifierConfig,
  edge: 'started' | 'ended',
  input: Record<string, unknown>,
  eventId: string,
): Promise<{ sent: number } | { skipped: string }> {
  const { table } = config.deliver;
  // Started and ended share one contract.
  const parsed = EVENT_CONTRACTS[DETAIL_TYPES.maintenanceStarted].safeParse(input);
  if (!parsed.success) return { skipped: 'not a maintenance event' };
  const detail = parsed.data;
  const tenant = await getTenant(table, detail.tenantId);
  const notification: NotificationInput = {
    kind: 'maintenance',
    at: new Date().toISOString(),
    edge,
    window: {
      id: detail.windowId,
      name: detail.name,
      kind: detail.kind,
      startsAt: new Date(detail.startsAt).toISOString(),
      endsAt: new Date(detail.endsAt).toISOString(),
      ...(detail.reason ? { reason: truncate(detail.reason, 1000) } : {}),
    },
    tenant: { id: detail.tenantId, ...(tenant ? { name: tenant.name } : {}) },
    ...(edge === 'ended' && detail.released ? { released: detail.released.length } : {}),
    url: `${config.dashboardUrl.replace(/\/$/, '')}/maintenance?tenant=${encodeURIComponent(detail.tenantId)}`,
  };
  const recipients = await recipientsOf(table, [
    ...(await usersWithRole(table, detail.tenantId, 'company_admin')),
    ...(await usersWithRole(table, detail.tenantId, 'msp_admin')),
  ]);
  if (!recipients.length) return { skipped: 'no recipients' };
  const correlationId = correlationIdOfDetail(detail);
  await deliver(config.deliver, { id: eventId, notification, recipients, ...(correlationId ? { correlationId } : {}) });
  return { sent: recipients.length };
}

/**
 * The notifications that follow domain events (the SLA service sends its own):
 * the assignee on an assignment, the possible approvers on an approval request, the assignee on a
 * runbook's result and on resolution, the tenant's admins on a maintenance window starting or ending.
 * `deliver` picks each person's channels (preferences, quiet hours: results and resolutions go to the
 * dashboard only by default). Returns what was sent, or why not.
 */
export async function notifyForEvent(
  config: NotifierConfig,
  detailType: string,
  detail: Record<string, unknown> & { tenantId: string; incidentId?: string },
  eventId: string,
): Promise<{ sent: number } | { skipped: string }> {
  const { table } = config.deliver;
  const edge = MAINTENANCE_EDGES[detailType];
  if (edge) return notifyMaintenance(config, edge, detail, eventId);
  if (!detail.incidentId) return { skipped: 'no incident' };
  const found = await getIncidentDetail(table, detail.tenantId, detail.incidentId);
  if (!found) return { skipped: 'no such incident' };
  const { incident } = found;
  const base = {
    at: new Date().toISOString(),
    incident: await incidentSummary(table, { ...incident, priority: incident.priority.score }, config.dashboardUrl),
  };
  let notification: NotificationInput;
  let userIds: string[];

  switch (detailType) {
    case DETAIL_TYPES.incidentAssigned: {
      const assignee = detail.assignee as { userId: string; name: string } | undefined;
      if (!assignee) return { skipped: 'unassigned' };
      notification = {
        ...base,
        kind: 'assignment',
        assignee: assignee.name,
        reasons: ((detail.reasons as string[] | undefined) ?? []).slice(0, 10),
      };
      userIds = [assignee.userId];
      break;
    }
    case DETAIL_TYPES.approvalRequested: {
      const approval = await getApproval(table, detail.tenantId, String(detail.approvalId));
      if (!approval || approval.state !== 'pending' || approval.risk === 'low') return { skipped: 'nothing to approve' };
      const role = approverRoleFor(approval.risk, approval.requiredRole);
      userIds = [
        ...(await usersWithRole(table, detail.tenantId, 'msp_admin')),
        ...(role === 'company_admin' ? await usersWithRole(table, detail.tenantId, 'company_admin') : []),
      ];
      notification = {
        ...base,
        kind: 'approval-request',
        runbook: { id: approval.runbookId, name: approval.runbookName },
        risk: approval.risk,
        approvers: role === 'msp_admin' ? 'an MSP admin' : 'a company admin or an MSP admin',
        expiresAt: approval.expiresAt,
        approveUrl: `${config.dashboardUrl.replace(/\/$/, '')}/approvals?tenant=${encodeURIComponent(detail.tenantId)}`,
      };
      break;
    }
    case DETAIL_TYPES.executionFinished: {
      const execution = await getExecution(table, detail.tenantId, String(detail.executionId));
      if (!execution?.outcome || !incident.assignee) return { skipped: 'nobody to tell' };
      const outcome = OUTCOME[execution.outcome] ?? (execution.outcome.includes('rolled back') ? 'rolled-back' : 'failed');
      notification = {
        ...base,
        kind: 'remediation-result',
        runbook: { id: execution.runbookId, name: execution.runbookName },
        outcome,
        summary: `${execution.runbookId}: ${execution.outcome}${execution.failedSection ? ` (in ${execution.failedSection})` : ''}`,
        ...(execution.output ? { output: execution.output } : {}),
      };
      userIds = [incident.assignee.userId];
      break;
    }
    case DETAIL_TYPES.incidentResolved: {
      if (!incident.assignee || incident.status !== 'resolved') return { skipped: 'nobody to tell' };
      notification = {
        ...base,
        kind: 'resolved',
        resolvedAt: incident.resolvedAt ?? base.at,
        ...(incident.resolvedBy ? { resolvedBy: incident.resolvedBy } : {}),
        ...(incident.resolutionCode ? { resolutionCode: incident.resolutionCode } : {}),
      };
      userIds = [incident.assignee.userId];
      break;
    }
    case DETAIL_TYPES.callbackRequested: {
      const parsed = EVENT_CONTRACTS[DETAIL_TYPES.callbackRequested].safeParse(detail);
      if (!parsed.success) return { skipped: 'not a callback request' };
      const { requestedBy, phone, message } = parsed.data;
      notification = { ...base, kind: 'callback-request', requestedBy, ...(phone ? { phone } : {}), message };
      // A person must be told: the assignee, else the company's admins, else the MSP admins.
      userIds = incident.assignee
        ? [incident.assignee.userId]
        : await usersWithRole(table, detail.tenantId, 'company_admin').then(async (admins) =>
            admins.length ? admins : usersWithRole(table, detail.tenantId, 'msp_admin'),
          );
      break;
    }
    default:
      return { skipped: `no notification for ${detailType}` };
  }
  const recipients = await recipientsOf(table, userIds);
  if (!recipients.length) return { skipped: 'no recipients' };
  // The event's id: a retried event is the same notification to the receivers (X-Delivery-Id).
  const correlationId = correlationIdOfDetail(detail);
  await deliver(config.deliver, { id: eventId, notification, recipients, ...(correlationId ? { correlationId } : {}) });
  return { sent: recipients.length };
}
