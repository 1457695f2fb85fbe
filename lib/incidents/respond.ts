import { can, type Action } from '../auth/permissions';
import type { AccessClaims } from '../auth/tokens';
import { changeIncidentStatus } from '../correlation/operator';
import type { CorrelateDeps } from '../correlation/correlate';
import { DETAIL_TYPES, domainEvent } from '../domain/events';
import type { Incident } from '../domain/incident';
import { isActiveIncident } from '../domain/incident-status';
import { recordAudit } from '../store/audit';
import { acknowledgeIncident, IncidentStateError } from '../store/incident-actions';
import { writeEvents } from '../store/outbox';
import { getIncident } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { getAccessVersion, getUser } from '../store/users';

/**
 * What a responder does to an incident from wherever the notification reached them: the API, a signed
 * link's mobile page, a Slack button or an SMS reply. One path for all of them, so the rules are the
 * same everywhere: the responder's role must allow the action on the incident's company, the incident
 * must be in a state it applies to, and a second acknowledgement says who was first.
 *
 * - acknowledge: open -> acknowledged (the store keeps the first acknowledger; the sla function then
 *   stops the escalation);
 * - resolve: through correlation's operator path with the code `fixed`, as the API's resolve does;
 * - escalate: an EscalationRequested event; the sla function moves the chain one level and tells it.
 *
 * Callers other than the API (which audits in its route wrapper) get the audit entry written here, as the
 * responder, with where it came from.
 */
export const RESPONSE_ACTIONS = ['acknowledge', 'resolve', 'escalate'] as const;
export type ResponseAction = (typeof RESPONSE_ACTIONS)[number];

export const RESPONSE_CHANNELS = ['api', 'link', 'slack', 'sms'] as const;
export type ResponseChannel = (typeof RESPONSE_CHANNELS)[number];

export interface RespondDeps {
  table: TableRef;
  /** Correlation's dependencies: a resolution goes through its operator path. */
  correlate: CorrelateDeps;
  now: () => Date;
}

export interface ResponseRequest {
  tenantId: string;
  incidentId: string;
  action: ResponseAction;
  responder: AccessClaims;
  via: ResponseChannel;
  correlationId?: string;
  origin?: { sourceIp?: string; userAgent?: string; requestId?: string };
}

export type ResponseOutcome =
  | { result: 'done'; incident: Incident; message: string }
  | { result: 'already'; incident: Incident; message: string }
  | { result: 'refused'; incident?: Incident; message: string; status: 403 | 404 | 409 };

/** The permission each action needs (escalating is part of responding, as acknowledging is). */
export const RESPONSE_PERMISSIONS: Readonly<Record<ResponseAction, Action>> = {
  acknowledge: 'incident.acknowledge',
  resolve: 'incident.resolve',
  escalate: 'incident.acknowledge',
};

const AUDIT_ACTIONS: Readonly<Record<ResponseAction, string>> = {
  acknowledge: 'incident.acknowledge',
  resolve: 'incident.resolve',
  escalate: 'incident.escalate',
};

const VIA_LABEL: Readonly<Record<ResponseChannel, string>> = {
  api: 'the API',
  link: 'a notification link',
  slack: 'Slack',
  sms: 'an SMS reply',
};

/** `03:12 UTC` (the page and Slack show it to people in any zone: UTC says which). */
function clockTime(iso: string | undefined): string {
  return iso ? `${iso.slice(11, 16)} UTC` : 'an earlier time';
}

/** The user a link or a chat identity speaks for, as an access token would: null when the user is gone or (with `accessVersion`) their access changed since. */
export async function responderOf(table: TableRef, userId: string, accessVersion?: number): Promise<AccessClaims | null> {
  const user = await getUser(table, userId);
  if (!user) return null;
  const version = (await getAccessVersion(table, userId)) ?? 0;
  if (accessVersion !== undefined && version !== accessVersion) return null;
  return { sub: user.id, role: user.role, tenants: user.tenantIds, email: user.email, ver: version };
}

export async function respondToIncident(deps: RespondDeps, request: ResponseRequest): Promise<ResponseOutcome> {
  const { tenantId, incidentId, action, responder } = request;
  if (!can(responder, RESPONSE_PERMISSIONS[action], tenantId)) {
    return { result: 'refused', status: 403, message: `Your role may not ${action} this company's incidents` };
  }
  const incident = await getIncident(deps.table, tenantId, incidentId);
  if (!incident) return { result: 'refused', status: 404, message: 'No such incident' };
  const outcome = await act(deps, request, incident);
  if (outcome.result === 'done' && request.via !== 'api') await audit(deps, request, incident, outcome.incident);
  return outcome;
}

async function act(deps: RespondDeps, request: ResponseRequest, incident: Incident): Promise<ResponseOutcome> {
  const { tenantId, incidentId, responder } = request;
  const trace = request.correlationId ? { correlationId: request.correlationId } : {};
  const after = async (message: string): Promise<ResponseOutcome> => ({
    result: 'done',
    incident: (await getIncident(deps.table, tenantId, incidentId)) ?? incident,
    message,
  });
  const already = (current: Incident): ResponseOutcome | undefined => {
    if (request.action === 'acknowledge' && current.status === 'acknowledged') {
      const by = current.acknowledgedBy ?? 'someone';
      const first = by === responder.email ? 'You already acknowledged it' : `Already acknowledged by ${by}`;
      return { result: 'already', incident: current, message: `${first} at ${clockTime(current.acknowledgedAt)}` };
    }
    if (request.action === 'resolve' && !isActiveIncident(current)) {
      return {
        result: 'already',
        incident: current,
        message: `Already ${current.status}${current.resolvedBy ? ` by ${current.resolvedBy}` : ''}`,
      };
    }
    if (!isActiveIncident(current)) {
      return {
        result: 'refused',
        status: 409,
        incident: current,
        message: `The incident is ${current.status}: nothing to ${request.action}`,
      };
    }
    return undefined;
  };
  const before = already(incident);
  if (before) return before;
  const now = deps.now();
  try {
    switch (request.action) {
      case 'acknowledge':
        await acknowledgeIncident(deps.table, tenantId, incidentId, responder.email, now, [
          domainEvent(DETAIL_TYPES.incidentUpdated, {
            tenantId,
            incidentId,
            decision: 'acknowledged',
            status: 'acknowledged',
            actor: responder.email,
            ...trace,
          }),
        ]);
        return await after(`Acknowledged by ${responder.email}: escalation stopped`);
      case 'resolve':
        await changeIncidentStatus(
          deps.correlate,
          incident,
          { kind: 'resolve', at: now, actor: responder.email, code: 'fixed', note: `resolved from ${VIA_LABEL[request.via]}` },
          request.correlationId,
        );
        return await after(`Resolved by ${responder.email}`);
      case 'escalate':
        await writeEvents(
          deps.table,
          tenantId,
          [
            domainEvent(DETAIL_TYPES.escalationRequested, {
              tenantId,
              incidentId,
              actor: responder.email,
              requesterId: responder.sub,
              ...trace,
            }),
          ],
          now,
        );
        return await after(
          `Escalation requested by ${responder.email}: the next level of the chain is told (at the last level nothing moves)`,
        );
    }
  } catch (error) {
    if (!(error instanceof IncidentStateError)) throw error;
    // Someone else acted first (or it resolved meanwhile): say what it is now.
    const current = (await getIncident(deps.table, tenantId, incidentId)) ?? incident;
    return already(current) ?? { result: 'refused', status: 409, incident: current, message: `The incident is ${current.status}` };
  }
}

async function audit(deps: RespondDeps, request: ResponseRequest, before: Incident, after: Incident): Promise<void> {
  const { responder, origin } = request;
  await recordAudit(deps.table, {
    at: deps.now().toISOString(),
    tenantId: request.tenantId,
    actor: { type: 'user', id: responder.sub, email: responder.email, role: responder.role },
    action: AUDIT_ACTIONS[request.action],
    resource: { type: 'incident', id: request.incidentId },
    summary: { before: { status: before.status }, after: { status: after.status, via: request.via } },
    ...(origin?.requestId ? { requestId: origin.requestId } : {}),
    ...(origin?.sourceIp ? { sourceIp: origin.sourceIp } : {}),
    ...(origin?.userAgent ? { userAgent: origin.userAgent } : {}),
  });
}
