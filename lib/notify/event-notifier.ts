import type { Role } from '../domain/user';
import type { Incident } from '../domain/incident';
import { correlationIdOfDetail, DETAIL_TYPES } from '../domain/events';
import { approverRoleFor } from '../remediation/approval-rules';
import { getIncidentDetail } from '../store/incidents';
import { getApproval, getExecution } from '../store/remediation';
import type { TableRef } from '../store/table-ref';
import { getTenant } from '../store/tenants';
import { getUser, listUsers } from '../store/users';
import { deliver, type DeliverDeps, type Recipient } from './deliver';
import type { IncidentSummary, NotificationInput } from '../domain/notify/templates';

export interface NotifierConfig {
  deliver: DeliverDeps;
  /** The dashboard's base URL: notifications link to the incident (and the approvals queue) there. */
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

/** Users by id, with their addresses (unknown ids are left out). */
export async function recipientsOf(table: TableRef, userIds: Iterable<string>): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  for (const userId of new Set(userIds)) {
    const user = await getUser(table, userId);
    if (user) recipients.push({ userId, email: user.email });
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
] as const;

/**
 * The notifications that follow domain events (the SLA service sends its own):
 * the assignee on an assignment, the possible approvers on an approval request, the assignee on a
 * runbook's result and on resolution. `deliver` picks each person's channels (preferences, quiet
 * hours: results and resolutions go to the dashboard only by default). Returns what was sent, or why not.
 */
export async function notifyForEvent(
  config: NotifierConfig,
  detailType: string,
  detail: Record<string, unknown> & { tenantId: string; incidentId?: string },
  eventId: string,
): Promise<{ sent: number } | { skipped: string }> {
  const { table } = config.deliver;
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
