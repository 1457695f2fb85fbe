import * as z from 'zod';
import { clientWindow, seesClientView } from '../../domain/client-view';
import { can } from '../../auth/permissions';
import { isActiveIncident } from '../../domain/incident-status';
import { windowEffectsSchema } from '../../domain/maintenance/hold';
import { plannedOccurrences, recurrenceRequestSchema } from '../../domain/maintenance/recurrence';
import {
  matcherSchema,
  nextOccurrence,
  occurrencesBetween,
  recurrenceSchema,
  scopeAssets,
  scopeCovers,
  windowPhase,
  windowScopeSchema,
  type MaintenanceWindow,
  type WindowPhase,
} from '../../domain/maintenance/window';
import { AppError, badRequest, forbidden, notFound } from '../../errors';
import { json } from '../../http/http';
import {
  changeWindow,
  createWindow,
  durationMs,
  endWindow,
  removeWindow,
  silenceIncident,
  WindowRefused,
  type WindowInput,
} from '../../maintenance/windows';
import { listAlerts } from '../../store/alerts';
import { listAssets } from '../../store/assets';
import { getIncidentDetail } from '../../store/incidents';
import { getWindow, listWindows } from '../../store/maintenance';
import { eachElement, maxLength } from '../../util/input-limits';
import { noContent, type Route, type RouteContext } from '../context';
import { EXISTING_QUERY_TENANT, routeDefiner } from '../define-route';
import { STALE_VERSION_DOC } from '../policy-changes';
import { incidentPathParams, tenantParam, tenantQuery } from '../schemas';

/**
 * Maintenance windows and silences (lib/maintenance/windows.ts): company admins plan windows for their
 * companies; a technician may open a short one on the assets of an incident they work on, or silence it.
 */

const tag = 'maintenance';
/** A technician's window: one-off, at most this long, on the assets of one open incident. */
const SHORT_WINDOW_MS = 4 * 3_600_000;
const INSTANT_MAX = 40;
const instantField = z.iso.datetime({ offset: true }).max(INSTANT_MAX);

const matcherRequest = matcherSchema;
const scopeRequest = windowScopeSchema.safeExtend({
  assetIds: eachElement(windowScopeSchema.shape.assetIds, (id) => maxLength(id, 128)),
  matchers: eachElement(windowScopeSchema.shape.matchers, () => matcherRequest),
});
const recurrenceRequest = recurrenceRequestSchema.safeExtend({
  timeZone: maxLength(recurrenceRequestSchema.shape.timeZone, 64),
});
const effectsRequest = windowEffectsSchema.partial();

const windowBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    reason: z.string().max(1000).optional(),
    scope: scopeRequest
      .optional()
      .describe("What it covers: the named assets (and their dependents), matched alerts; all the company's alerts when empty"),
    startsAt: instantField.optional().describe('A one-off window: its start (with endsAt)'),
    endsAt: instantField.optional(),
    recurrence: recurrenceRequest
      .optional()
      .describe(
        'A recurring window instead: an RRULE in `timeZone` (e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2) and how long each occurrence lasts',
      ),
    effects: effectsRequest.optional().describe('Default: nobody is notified, SLA clocks paused, no runbook runs by itself'),
    incidentId: z.string().min(1).max(128).optional().describe('The incident a technician works on: their window covers its assets only'),
  })
  .strict();
const changeBody = windowBody
  .omit({ incidentId: true })
  .partial()
  .extend({ version: z.number().int().min(1).optional().describe(STALE_VERSION_DOC) })
  .strict();

const PHASES = ['active', 'upcoming', 'past'] as const;
const listQuery = z.object({
  tenant: tenantParam,
  phase: z.enum(PHASES).optional().describe('Only windows active now, still to come, or over'),
});
const windowPathParams = z.object({
  id: z
    .string()
    .max(26)
    .regex(/^[0-9A-Z]{26}$/)
    .describe('Window id (a ULID)'),
});
const versionQuery = tenantQuery.extend({ version: z.coerce.number().int().min(1).optional().describe(STALE_VERSION_DOC) });

const silenceBody = z
  .object({
    for: z.string().max(20).optional().describe('How long, as an ISO 8601 duration (PT2H, PT30M, P1D)'),
    until: instantField.optional().describe('Or until when'),
    endWhenResolved: z.boolean().optional().describe('End it when the incident resolves (default true)'),
    reason: z.string().max(1000).optional(),
    effects: effectsRequest.optional().describe('Default: nobody is notified, SLA clocks running, runbooks allowed'),
  })
  .strict()
  .superRefine((body, context) => {
    if (Boolean(body.for) === Boolean(body.until)) context.addIssue({ code: 'custom', path: ['for'], message: 'Give either for or until' });
    if (body.for && durationMs(body.for) === null) context.addIssue({ code: 'custom', path: ['for'], message: 'Not an ISO 8601 duration' });
  });

const occurrenceView = z.object({ startsAt: z.iso.datetime(), endsAt: z.iso.datetime() });
const windowResponse = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    kind: z.enum(['window', 'silence']),
    name: z.string(),
    reason: z.string(),
    scope: windowScopeSchema,
    startsAt: z.iso.datetime().optional(),
    endsAt: z.iso.datetime().optional(),
    recurrence: recurrenceSchema.optional(),
    effects: windowEffectsSchema,
    incidentId: z.string().optional(),
    endWhenResolved: z.boolean().optional(),
    endedAt: z.iso.datetime().optional(),
    endedBy: z.string().optional(),
    phase: z.enum(PHASES),
    current: occurrenceView.optional().describe('The occurrence in progress, or the next one'),
    upcoming: z.array(occurrenceView).describe('The next occurrences (up to 5, within 60 days)'),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    updatedAt: z.iso.datetime(),
    updatedBy: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'MaintenanceWindow' });
const previewResponse = z.object({
  assets: z
    .array(z.object({ id: z.string(), name: z.string() }))
    .describe('The assets it would cover (all when the scope names none: empty list)'),
  allAssets: z.boolean().describe('The scope names no assets: every asset of the company'),
  currentAlerts: z.number().int().describe('Firing alerts of the last 24 hours it would cover now'),
  occurrences: z.array(occurrenceView),
});

const iso = (ms: number) => new Date(ms).toISOString();

function windowView(window: MaintenanceWindow, now: Date) {
  const next = nextOccurrence(window, now.getTime());
  const upcoming = occurrencesBetween(window, now.getTime(), now.getTime() + 60 * 86_400_000).slice(0, 5);
  const { startedOccurrence: _started, endedOccurrence: _ended, occurrences: _occurrences, ...rest } = window;
  return {
    ...rest,
    phase: windowPhase(window, now.getTime()) as WindowPhase,
    ...(next ? { current: { startsAt: iso(next.start), endsAt: iso(next.end) } } : {}),
    upcoming: upcoming.map((occurrence) => ({ startsAt: iso(occurrence.start), endsAt: iso(occurrence.end) })),
  };
}

function refusal(error: unknown): never {
  if (error instanceof WindowRefused) {
    if (error.code === 'not_found') throw notFound('Maintenance window');
    if (error.code === 'invalid') throw badRequest(error.message);
    throw new AppError(409, 'conflict', error.message);
  }
  throw error;
}

export function maintenanceRoutes(context: RouteContext): Route[] {
  const { deps, tenantsFor } = context;
  const defineRoute = routeDefiner(context);
  const maintenanceDeps = { table: deps.table, now: deps.now };
  const path = '/v1/maintenance-windows';
  const conflictError = { 409: 'The window changed meanwhile (a stale `version`), or is not active' };

  /** The windows a caller without maintenance.write may make: short, one-off, on the assets of an open incident. */
  async function checkShortWindow(tenantId: string, body: z.output<typeof windowBody>): Promise<void> {
    if (body.recurrence || !body.startsAt || !body.endsAt) throw forbidden('Your role may make one-off windows only');
    if (Date.parse(body.endsAt) - Date.parse(body.startsAt) > SHORT_WINDOW_MS)
      throw forbidden('Your role may make windows of at most 4 hours');
    if (!body.incidentId)
      throw badRequest('Name the incident you work on (incidentId): the window covers its assets', [
        { path: 'incidentId', message: 'Required for your role' },
      ]);
    const detail = await getIncidentDetail(deps.table, tenantId, body.incidentId);
    if (!detail) throw badRequest('No such incident', [{ path: 'incidentId', message: 'Not an incident of the company' }]);
    if (!isActiveIncident(detail.incident)) throw badRequest('The incident is not open', [{ path: 'incidentId', message: 'Not open' }]);
    const assets = new Set(detail.alerts.flatMap((alert) => (alert.assetId ? [alert.assetId] : [])));
    const named = body.scope?.assetIds ?? [];
    if (named.length === 0 || named.some((id) => !assets.has(id)) || body.scope?.includeDependents)
      throw forbidden("Your role may cover only the incident's own assets (name them in scope.assetIds)");
  }

  return [
    defineRoute(
      {
        method: 'GET',
        path,
        summary: 'Maintenance windows and silences, newest first',
        description: "Without `tenant`, an MSP admin sees every company's windows (others, those of their companies).",
        tag,
        scope: 'visible',
        action: 'maintenance.read',
        query: listQuery,
        responses: { 200: z.object({ windows: z.array(windowResponse) }) },
      },
      async ({ principal, query }) => {
        const tenantIds = await tenantsFor(principal, 'maintenance.read', query.tenant);
        const now = deps.now();
        const windows = (await Promise.all(tenantIds.map((tenantId) => listWindows(deps.table, tenantId))))
          .flat()
          .map((window) => windowView(window, now))
          .map((view) => (seesClientView(principal.role) ? clientWindow(view) : view))
          .filter((view) => !query.phase || view.phase === query.phase)
          .sort((a, b) => b.id.localeCompare(a.id));
        return json(200, { windows });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path,
        summary: 'Plan a maintenance window',
        description:
          "Alerts inside it are still stored and correlated; the incidents they open page no one (unless `effects.notify`), pause their SLA clocks (unless `slaClocks: 'running'`) and run no runbook by themselves (unless `autoRemediation: 'allowed'`). When it ends, what still fires is routed and notified at once. Technicians may make a one-off window of at most 4 hours on the assets of an open incident (`incidentId`).",
        tag,
        scope: 'tenant',
        action: 'maintenance.short',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: windowBody,
        responses: { 201: windowResponse },
        errors: { 403: 'Your role may make short windows on an incident only' },
        audit: { action: 'maintenance.create', log: 'tenant' },
      },
      async ({ principal, tenantId, body, audit }) => {
        if (!can(principal, 'maintenance.write', tenantId)) await checkShortWindow(tenantId, body);
        const { incidentId: _incident, ...input } = body;
        const window = await createWindow(maintenanceDeps, tenantId, input as WindowInput, principal.email).catch(refusal);
        await audit({ tenantId, resource: { type: 'maintenance-window', id: window.id }, summary: { after: { name: window.name } } });
        return json(201, windowView(window, deps.now()));
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: `${path}/preview`,
        summary: 'What a window would cover: its assets, the firing alerts it would hold now, its next occurrences',
        tag,
        scope: 'tenant',
        action: 'maintenance.read',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: windowBody,
        responses: { 200: previewResponse },
      },
      async ({ tenantId, body }) => {
        const now = deps.now();
        const scope = body.scope ?? {};
        const inventory = await listAssets(deps.table, tenantId);
        const assets = scopeAssets(scope, new Map(inventory.map((asset) => [asset.id, asset.dependsOn])));
        const { alerts } = await listAlerts(
          deps.table,
          tenantId,
          { status: 'firing', since: new Date(now.getTime() - 86_400_000) },
          { limit: 1000 },
        );
        const draft = {
          ...(body.startsAt ? { startsAt: body.startsAt } : {}),
          ...(body.endsAt ? { endsAt: body.endsAt } : {}),
          ...(body.recurrence
            ? { recurrence: body.recurrence, occurrences: plannedOccurrences(body.recurrence, now.getTime(), now.getTime()) }
            : {}),
        };
        return json(200, {
          assets: assets ? inventory.filter((asset) => assets.has(asset.id)).map((asset) => ({ id: asset.id, name: asset.name })) : [],
          allAssets: !assets,
          currentAlerts: alerts.filter((alert) => scopeCovers(scope, assets, { ...alert, assetId: alert.assetId ?? null })).length,
          occurrences: occurrencesBetween(draft, now.getTime(), now.getTime() + 60 * 86_400_000)
            .slice(0, 5)
            .map((occurrence) => ({ startsAt: iso(occurrence.start), endsAt: iso(occurrence.end) })),
        });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: `${path}/{id}`,
        summary: 'One maintenance window',
        tag,
        scope: 'tenant',
        action: 'maintenance.read',
        params: windowPathParams,
        malformedPathIs404: 'Maintenance window',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: windowResponse },
      },
      async ({ principal, tenantId, params }) => {
        const window = await getWindow(deps.table, tenantId, params.id);
        if (!window) throw notFound('Maintenance window');
        const view = windowView(window, deps.now());
        return json(200, seesClientView(principal.role) ? clientWindow(view) : view);
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        path: `${path}/{id}`,
        summary: 'Change a maintenance window',
        description: 'A change that ends the occurrence in progress releases its incidents still firing at once.',
        tag,
        scope: 'tenant',
        action: 'maintenance.write',
        params: windowPathParams,
        malformedPathIs404: 'Maintenance window',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: changeBody,
        responses: { 200: windowResponse },
        errors: conflictError,
        audit: { action: 'maintenance.update', log: 'tenant' },
      },
      async ({ principal, tenantId, params, body, audit }) => {
        const { version, ...change } = body;
        const window = await changeWindow(
          maintenanceDeps,
          tenantId,
          params.id,
          change as Partial<WindowInput>,
          version,
          principal.email,
        ).catch(refusal);
        await audit({ tenantId, resource: { type: 'maintenance-window', id: window.id }, summary: { after: { ...change } } });
        return json(200, windowView(window, deps.now()));
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: `${path}/{id}/end`,
        summary: 'End a window now',
        description:
          'A one-off window is over; a recurring one ends its occurrence in progress and comes back at the next. Its incidents still firing are routed and notified at once. Technicians may end the windows they made.',
        tag,
        scope: 'tenant',
        action: 'maintenance.short',
        params: windowPathParams,
        malformedPathIs404: 'Maintenance window',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 200: windowResponse },
        errors: conflictError,
        audit: { action: 'maintenance.end', log: 'tenant' },
      },
      async ({ principal, tenantId, params, audit }) => {
        const current = await getWindow(deps.table, tenantId, params.id);
        if (!current) throw notFound('Maintenance window');
        if (!can(principal, 'maintenance.write', tenantId) && current.createdBy !== principal.email)
          throw forbidden('Your role may end only the windows you made');
        const window = await endWindow(maintenanceDeps, tenantId, params.id, principal.email).catch(refusal);
        await audit({ tenantId, resource: { type: 'maintenance-window', id: window.id }, summary: { after: { endedAt: window.endedAt } } });
        return json(200, windowView(window, deps.now()));
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: `${path}/{id}`,
        summary: 'Delete a maintenance window',
        description: 'An occurrence in progress ends first: its incidents still firing are routed and notified at once.',
        tag,
        scope: 'tenant',
        action: 'maintenance.write',
        params: windowPathParams,
        malformedPathIs404: 'Maintenance window',
        query: versionQuery,
        tenant: EXISTING_QUERY_TENANT,
        responses: { 204: null },
        errors: conflictError,
        audit: { action: 'maintenance.delete', log: 'tenant' },
      },
      async ({ principal, tenantId, params, query, audit }) => {
        await removeWindow(maintenanceDeps, tenantId, params.id, query.version, principal.email).catch(refusal);
        await audit({ tenantId, resource: { type: 'maintenance-window', id: params.id }, summary: { after: { deleted: true } } });
        return noContent();
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/incidents/{id}/silence',
        summary: 'Silence an incident: nobody is paged about it for a while',
        description:
          "A silence is a window over the incident's assets and signatures, from now: the incident and alerts like its own page no one until it ends, by default when the incident resolves. SLA clocks keep running unless `effects.slaClocks` is 'paused'.",
        tag: 'incidents',
        scope: 'tenant',
        action: 'maintenance.short',
        params: incidentPathParams,
        malformedPathIs404: 'Incident',
        query: tenantQuery,
        tenant: EXISTING_QUERY_TENANT,
        body: silenceBody,
        responses: { 201: windowResponse },
        errors: { 409: 'The incident is not open' },
        audit: { action: 'incident.silence', log: 'tenant' },
      },
      async ({ principal, tenantId, params, body, audit }) => {
        const detail = await getIncidentDetail(deps.table, tenantId, params.id);
        if (!detail) throw notFound('Incident');
        const window = await silenceIncident(maintenanceDeps, detail.incident, body, principal.email).catch(refusal);
        await audit({
          tenantId,
          resource: { type: 'incident', id: params.id },
          summary: { after: { silencedUntil: window.endsAt, windowId: window.id, endWhenResolved: window.endWhenResolved } },
        });
        return json(201, windowView(window, deps.now()));
      },
    ),
  ];
}
