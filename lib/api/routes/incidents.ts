import * as z from 'zod';
import type { AccessClaims } from '../../auth/tokens';
import { authorize, type Action } from '../../auth/permissions';
import { changeIncidentStatus } from '../../correlation/operator';
import { DETAIL_TYPES, domainEvent } from '../../domain/events';
import { SEVERITIES } from '../../domain/alert';
import { INCIDENT_STATUSES, type Incident } from '../../domain/incident';
import { AppError, badRequest, notFound } from '../../errors';
import { claimCallbackRequest } from '../../store/callback-requests';
import { correlationIdOf, json, type HttpEvent, type HttpResult } from '../../http/http';
import { addIncidentNote, assignIncident, IncidentStateError } from '../../store/incident-actions';
import { respondToIncident } from '../../incidents/respond';
import { alertRowsOf } from '../../domain/incident-view';
import { getIncidentDetail, listIncidents, type IncidentDetail } from '../../store/incidents';
import { writeEvents } from '../../store/outbox';
import { getUser } from '../../store/users';
import { worksFor } from '../../domain/user';
import type { Route, RouteContext } from '../context';
import { routeDefiner, type RouteRequest, type RouteSpec } from '../define-route';
import { incidentDetailResponse, incidentListResponse, incidentPathParams, tenantQuery } from '../schemas';
import { isActiveIncident } from '../../domain/incident-status';
import { assignIncidentBody, incidentNoteBody, reopenIncidentBody, resolveIncidentBody } from '../../domain/incident-actions';
import { callbackRequestBody, clientIncident, clientIncidentDetail, seesClientView } from '../../domain/client-view';
import { maskPhoneNumber } from '../../domain/notify/sms-voice';

const incidentListQuery = tenantQuery.extend({
  /** 'active' is open or acknowledged. */
  status: z.enum([...INCIDENT_STATUSES, 'active']).optional(),
  severity: z.enum(SEVERITIES).optional(),
  assetId: z.string().min(1).max(128).optional(),
  /** A user id, 'me', or 'none' for unassigned. */
  assignee: z.string().min(1).max(128).optional(),
  sort: z.enum(['newest', 'priority']).default('newest'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

/** The incident routes name the incident's tenant: `?tenant=` is required there. */
const incidentTenantQuery = tenantQuery.required();
const slaPauseBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

/** The request's correlation id for the events it writes, if it has one. */
function traceOf(event: HttpEvent): { correlationId?: string } {
  const correlationId = correlationIdOf(event);
  return correlationId ? { correlationId } : {};
}

const ERROR_CODES = { 403: 'forbidden', 404: 'not_found', 409: 'conflict' } as const;

/** Incidents read for a priority-sorted list at most, per tenant (the list is sorted in memory). */
const PRIORITY_WINDOW = 1000;

/**
 * An incident as the API shows it: one row per alert (its notifications as events on the row), the
 * activity with each entry naming its alert and without the write-order stamps it was sorted by. A
 * client's viewer gets it redacted (lib/domain/client-view.ts).
 */
function detailView(detail: IncidentDetail, principal: AccessClaims) {
  const view = {
    incident: detail.incident,
    alerts: alertRowsOf(detail.alerts, detail.incident.status),
    timeline: detail.timeline.map(({ seq: _seq, ...entry }) => entry),
  };
  return seesClientView(principal.role) ? clientIncidentDetail(view, principal) : view;
}

/**
 * Incidents: the list across the tenants the user may see (filters, newest first or by priority,
 * cursor pages), one incident with its alerts and timeline, and the operator's actions: acknowledge,
 * assign, note, resolve with a resolution code, reopen. Each action is audited and checked against
 * the incident's state (409 when it does not apply, e.g. acknowledging a resolved incident).
 */
export function incidentRoutes(context: RouteContext): Route[] {
  const { deps, tenantsFor } = context;
  const defineRoute = routeDefiner(context);
  const correlateDeps = context.remediation;

  /**
   * The incident the path names, in the tenant `?tenant=` names, if the user may act on it. Resolved here
   * rather than by the declaration: a tenant the caller cannot see reads as a missing incident.
   */
  async function target(principal: AccessClaims, action: Action, tenant: string, incidentId: string): Promise<IncidentDetail> {
    authorize(principal, action, tenant, 'Incident');
    const detail = await getIncidentDetail(deps.table, tenant, incidentId);
    if (!detail) throw notFound('Incident');
    return detail;
  }

  const stateConflict = (error: unknown): never => {
    if (error instanceof IncidentStateError) throw new AppError(409, 'conflict', 'The incident is not in a state this action applies to');
    throw error;
  };

  /** Acknowledge and escalate go through the responders' one path (lib/incidents/respond.ts), as links, Slack and SMS do. */
  const respond = async (
    { event, principal }: IncidentRequest<undefined>,
    incident: Incident,
    kind: 'acknowledge' | 'escalate',
  ): Promise<{ status?: number; summary?: Record<string, unknown> }> => {
    const outcome = await respondToIncident(
      { table: deps.table, correlate: correlateDeps, now: deps.now },
      { tenantId: incident.tenantId, incidentId: incident.id, action: kind, responder: principal, via: 'api', ...traceOf(event) },
    );
    if (outcome.result === 'already') return {}; // nothing changes, nothing to audit
    if (outcome.result === 'refused') throw new AppError(outcome.status, ERROR_CODES[outcome.status], outcome.message);
    const status = kind === 'escalate' ? 202 : 200;
    return { status, summary: { after: kind === 'escalate' ? { escalationRequested: true } : { status: 'acknowledged' } } };
  };

  type IncidentRequest<B extends z.ZodType | undefined> = RouteRequest<'tenant', typeof incidentPathParams, typeof incidentTenantQuery, B>;

  /**
   * An operator action on an incident (POST /v1/incidents/{id}/<path>): `run` does it and says what
   * changed (the audit summary), or nothing when nothing changed (not audited); the answer is the
   * incident as it is after.
   */
  const action = <B extends z.ZodType | undefined = undefined>(
    path: string,
    permission: Action,
    doc: Pick<
      RouteSpec<'tenant', typeof incidentPathParams, typeof incidentTenantQuery, B>,
      'summary' | 'description' | 'body' | 'bodyOptional' | 'responses' | 'errors' | 'audit'
    >,
    run: (request: IncidentRequest<B>, incident: Incident) => Promise<{ status?: number; summary?: Record<string, unknown> }>,
  ): Route =>
    defineRoute<'tenant', typeof incidentPathParams, typeof incidentTenantQuery, B, undefined>(
      {
        method: 'POST',
        path: `/v1/incidents/{id}/${path}`,
        tag: 'incidents',
        scope: 'tenant',
        action: permission,
        params: incidentPathParams,
        malformedPathIs404: 'Incident',
        query: incidentTenantQuery,
        audit: { action: permission, log: 'tenant' },
        ...doc,
        errors: { 409: 'The incident is not in a state this action applies to', ...doc.errors },
      },
      async (request): Promise<HttpResult> => {
        const { incident } = await target(request.principal, permission, request.query.tenant, request.params.id);
        const outcome = await run(request, incident).catch(stateConflict);
        if (outcome.summary) {
          await request.audit({
            tenantId: incident.tenantId,
            resource: { type: 'incident', id: incident.id },
            summary: { before: { status: incident.status }, ...outcome.summary },
          });
        }
        const after = await getIncidentDetail(deps.table, incident.tenantId, incident.id);
        return json(outcome.status ?? 200, after && detailView(after, request.principal));
      },
    );

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/incidents',
        summary: 'Incidents across the tenants the caller may see',
        description:
          'Filters; newest first or by priority; cursor pages. `?tenant=` narrows the list to one tenant (a tenant the caller may not see gives an empty list). A client viewer\'s incidents are redacted (docs/security.md, "The client\'s viewer").',
        tag: 'incidents',
        scope: 'visible',
        action: 'incident.read',
        query: incidentListQuery,
        responses: { 200: incidentListResponse },
      },
      async ({ principal, query }) => {
        const tenantIds = await tenantsFor(principal, 'incident.read', query.tenant);
        const shown = (incidents: Incident[]) => (seesClientView(principal.role) ? incidents.map(clientIncident) : incidents);
        const assignee = query.assignee === 'me' ? principal.sub : query.assignee;
        const where = (incident: Incident) =>
          (!query.severity || incident.severity === query.severity) &&
          (!query.assetId || incident.rootAssetId === query.assetId || incident.assetId === query.assetId) &&
          (query.status !== 'active' || isActiveIncident(incident)) &&
          (!assignee || (assignee === 'none' ? !incident.assignee : incident.assignee?.userId === assignee));
        const status = query.status === 'active' ? undefined : query.status;
        const cursor = decodeListCursor(query.cursor, query.sort);

        if (query.sort === 'priority') {
          const perTenant = await Promise.all(
            tenantIds.map((tenantId) =>
              listIncidents(deps.table, tenantId, { status, where, limit: PRIORITY_WINDOW, maxRead: 5 * PRIORITY_WINDOW }),
            ),
          );
          const sorted = perTenant.flat().sort(byPriority);
          const offset = cursor?.offset ?? 0;
          const page = sorted.slice(offset, offset + query.limit);
          const next = offset + query.limit < sorted.length ? encodeListCursor({ offset: offset + query.limit }) : undefined;
          return json(200, { incidents: shown(page), ...(next ? { nextCursor: next } : {}) });
        }
        const perTenant = await Promise.all(
          tenantIds.map((tenantId) =>
            listIncidents(deps.table, tenantId, {
              status,
              where,
              limit: query.limit,
              ...(cursor?.before ? { before: cursor.before } : {}),
            }),
          ),
        );
        const merged = perTenant.flat().sort(byNewest);
        const page = merged.slice(0, query.limit);
        const last = page.at(-1);
        const next = merged.length > query.limit || (last && perTenant.some((list) => list.length === query.limit)) ? last : undefined;
        return json(200, { incidents: shown(page), ...(next ? { nextCursor: encodeListCursor({ before: next.id }) } : {}) });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/incidents/{id}',
        summary: 'One incident with its alerts (one row each) and its activity',
        description:
          "A client viewer's answer is redacted: no priority, decision, execution, escalation or staff addresses; alert rows without `reason` or `message`; only client-visible notes and the incident's course in fixed words (docs/security.md, \"The client's viewer\").",
        tag: 'incidents',
        scope: 'tenant',
        action: 'incident.read',
        params: incidentPathParams,
        malformedPathIs404: 'Incident',
        query: incidentTenantQuery,
        responses: { 200: incidentDetailResponse },
      },
      async ({ principal, params, query }) =>
        json(200, detailView(await target(principal, 'incident.read', query.tenant, params.id), principal)),
    ),
    action(
      'acknowledge',
      'incident.acknowledge',
      {
        summary: 'Acknowledge an incident',
        description:
          'Stops its escalation. Acknowledging an acknowledged incident changes nothing (and is not audited again): the incident shows who was first (`acknowledgedBy`).',
        responses: { 200: incidentDetailResponse },
      },
      async (request, incident) => respond(request, incident, 'acknowledge'),
    ),
    action(
      'escalate',
      'incident.acknowledge',
      {
        summary: 'Pass an incident to the next level of its escalation chain now',
        description:
          'The sla function moves the chain one level and notifies it (asynchronously: 202); an incident that has not breached starts its chain, passing over a first level that names only the caller. At the last level nothing moves.',
        responses: { 202: incidentDetailResponse },
        audit: { action: 'incident.escalate', log: 'tenant' },
      },
      async (request, incident) => respond(request, incident, 'escalate'),
    ),
    action(
      'assign',
      'incident.assign',
      {
        summary: 'Assign an incident to a user, or unassign it (userId null)',
        description: 'Only someone who works on the tenant can be assigned. Assigning the current assignee changes nothing.',
        body: assignIncidentBody,
        responses: { 200: incidentDetailResponse },
        errors: { 400: 'Invalid input, or no such user works on this tenant' },
      },
      async ({ event, principal, body: { userId } }, incident) => {
        let assignee: { userId: string; name: string } | null = null;
        if (userId) {
          const user = await getUser(deps.table, userId);
          // Only the MSP's people who may work on this tenant's incidents can be assigned (not a client's viewer; others' ids are not revealed).
          const mayWork = worksFor(user, incident.tenantId);
          if (!user || !mayWork) throw badRequest('No such user works on this tenant');
          assignee = { userId: user.id, name: user.name };
        }
        if ((incident.assignee?.userId ?? null) === (assignee?.userId ?? null)) return {};
        // The assignee is notified (lib/notify/event-notifier.ts).
        await assignIncident(deps.table, incident.tenantId, incident.id, assignee, principal.email, deps.now(), {
          byPerson: true,
          events: assignee
            ? [
                domainEvent(DETAIL_TYPES.incidentAssigned, {
                  tenantId: incident.tenantId,
                  incidentId: incident.id,
                  assignee,
                  assignedBy: principal.email,
                  reasons: [],
                  ...traceOf(event),
                }),
              ]
            : [],
        });
        return {
          summary: { before: { assignee: incident.assignee?.userId ?? null }, after: { assignee: assignee?.userId ?? null } },
        };
      },
    ),
    action(
      'sla/pause',
      'incident.acknowledge',
      {
        summary: "Pause the incident's SLA clock while it waits on the client",
        description:
          'The time paused does not count towards the response and resolution deadlines; the sla function moves the timers (asynchronously: 202). A paused clock stays paused.',
        body: slaPauseBody,
        responses: { 202: incidentDetailResponse },
        audit: { action: 'incident.sla-pause', log: 'tenant' },
      },
      async ({ event, principal, body: { reason } }, incident) => {
        if (!isActiveIncident(incident)) throw new IncidentStateError('resolved');
        await writeEvents(
          deps.table,
          incident.tenantId,
          [
            domainEvent(DETAIL_TYPES.slaPauseRequested, {
              tenantId: incident.tenantId,
              incidentId: incident.id,
              actor: principal.email,
              ...(reason ? { reason } : {}),
              ...traceOf(event),
            }),
          ],
          deps.now(),
        );
        return { status: 202, summary: { after: { slaPaused: true, reason } } };
      },
    ),
    action(
      'sla/resume',
      'incident.acknowledge',
      {
        summary: "Resume the incident's SLA clock",
        description: 'The deadlines move by the time paused; the sla function recreates the timers (asynchronously: 202).',
        responses: { 202: incidentDetailResponse },
        audit: { action: 'incident.sla-resume', log: 'tenant' },
      },
      async ({ event, principal }, incident) => {
        if (!isActiveIncident(incident)) throw new IncidentStateError('resolved');
        await writeEvents(
          deps.table,
          incident.tenantId,
          [
            domainEvent(DETAIL_TYPES.slaResumeRequested, {
              tenantId: incident.tenantId,
              incidentId: incident.id,
              actor: principal.email,
              ...traceOf(event),
            }),
          ],
          deps.now(),
        );
        return { status: 202, summary: { after: { slaPaused: false } } };
      },
    ),
    action(
      'notes',
      'incident.note',
      {
        summary: "Add a note to an incident's timeline",
        description:
          "Internal (the MSP's people only) unless `visibility` is `client`. A client viewer's notes are always client-visible, and are not the MSP's first response.",
        body: incidentNoteBody,
        responses: { 201: incidentDetailResponse },
      },
      async ({ principal, body: { text, visibility } }, incident) => {
        const byClient = seesClientView(principal.role);
        const noteId = await addIncidentNote(deps.table, incident.tenantId, incident.id, text, principal.email, deps.now(), {
          byClient,
          ...(visibility ? { visibility } : {}),
        });
        const shownTo = byClient ? 'client' : (visibility ?? 'internal');
        return { status: 201, summary: { after: { noteId, length: text.length, visibility: shownTo } } };
      },
    ),
    action(
      'callback',
      'incident.callback',
      {
        summary: 'Ask the MSP to call back about an incident',
        description:
          "For a client viewer. Adds a client-visible note '<name> asked for a callback' with the message (and the number, when given), and notifies the incident's assignee, or the company's admins (else the MSP admins) while nobody is assigned. One request per person and incident in 15 minutes (429 with Retry-After): each one tells someone.",
        body: callbackRequestBody,
        responses: { 201: incidentDetailResponse },
        errors: { 429: 'A callback was asked for less than 15 minutes ago' },
        audit: { action: 'incident.callback', log: 'tenant' },
      },
      async ({ event, principal, body: { phone, message } }, incident) => {
        const claim = await claimCallbackRequest(deps.table, incident.tenantId, incident.id, principal.sub, deps.now());
        if (!claim.claimed) {
          const seconds = Math.ceil(claim.waitMs / 1000);
          throw new AppError(
            429,
            'too_many_requests',
            `A callback was asked for less than 15 minutes ago: try again in ${seconds} s`,
            undefined,
            {
              'retry-after': String(seconds),
            },
          );
        }
        const name = (await getUser(deps.table, principal.sub))?.name ?? principal.email;
        const text = `${name} asked for a callback${phone ? ` on ${phone}` : ''}: ${message}`;
        const requested = domainEvent(DETAIL_TYPES.callbackRequested, {
          tenantId: incident.tenantId,
          incidentId: incident.id,
          requestedBy: name,
          ...(phone ? { phone } : {}),
          message,
          ...traceOf(event),
        });
        const noteId = await addIncidentNote(deps.table, incident.tenantId, incident.id, text, principal.email, deps.now(), {
          byClient: true,
          events: [requested],
        });
        // The audit log keeps no phone number (docs/security.md, "Phone numbers"): its mask tells numbers apart.
        return {
          status: 201,
          summary: { after: { callbackRequested: true, noteId, ...(phone ? { phone: maskPhoneNumber(phone) } : {}) } },
        };
      },
    ),
    action(
      'resolve',
      'incident.resolve',
      {
        summary: 'Resolve an incident with a resolution code',
        description: 'An open or acknowledged incident only.',
        body: resolveIncidentBody,
        responses: { 200: incidentDetailResponse },
      },
      async ({ event, principal, body: { code, note } }, incident) => {
        await changeIncidentStatus(
          correlateDeps,
          incident,
          {
            kind: 'resolve',
            at: deps.now(),
            actor: principal.email,
            code,
            ...(note ? { note } : {}),
          },
          correlationIdOf(event),
        );
        return { summary: { after: { status: 'resolved', resolutionCode: code } } };
      },
    ),
    action(
      'reopen',
      'incident.reopen',
      // Every field is optional: an empty body is a reopen without a reason.
      { summary: 'Reopen a resolved incident', body: reopenIncidentBody, bodyOptional: true, responses: { 200: incidentDetailResponse } },
      async ({ event, principal, body: { reason } }, incident) => {
        await changeIncidentStatus(
          correlateDeps,
          incident,
          { kind: 'reopen', at: deps.now(), actor: principal.email, ...(reason ? { reason } : {}) },
          correlationIdOf(event),
        );
        return { summary: { after: { status: 'open' } } };
      },
    ),
  ];
}

function byNewest(a: Incident, b: Incident): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function byPriority(a: Incident, b: Incident): number {
  return (b.priority?.score ?? 0) - (a.priority?.score ?? 0) || byNewest(a, b);
}

interface ListCursor {
  before?: string;
  offset?: number;
}

function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const cursorSchema = z.union([
  z.object({ before: z.string().regex(/^[0-9A-Z]{26}$/) }).strict(),
  z.object({ offset: z.number().int().min(0).max(100_000) }).strict(),
]);

/** A cursor from the same kind of list (a newest-first cursor names an incident id, a priority one an offset). */
function decodeListCursor(cursor: string | undefined, sort: 'newest' | 'priority'): ListCursor | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if ('offset' in parsed === (sort === 'priority')) return parsed;
  } catch {
    // fall through
  }
  throw badRequest('Invalid cursor');
}
