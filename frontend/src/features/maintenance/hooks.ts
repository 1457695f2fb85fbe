import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { LiveEvent } from '../../realtime/event';
import { incidentKeys } from '../incidents/hooks';
import type { Reactions } from '../reactions';

export type MaintenanceWindow = Schemas['MaintenanceWindow'];
type Incident = Schemas['Incident'];
type WindowQuery = NonNullable<paths['/v1/maintenance-windows']['get']['parameters']['query']>;
/** A new window as the API takes it (also what a preview is asked about). */
export type WindowBody = paths['/v1/maintenance-windows']['post']['requestBody']['content']['application/json'];
export type WindowPreview = paths['/v1/maintenance-windows/preview']['post']['responses'][200]['content']['application/json'];
export type SilenceBody = paths['/v1/incidents/{id}/silence']['post']['requestBody']['content']['application/json'];

/**
 * The maintenance windows' query keys: the lists (per the API's own query) and each window under one root,
 * so a window's start or end refreshes all of them. A preview has a root of its own: it depends on the draft
 * being edited, not on what happens to the stored windows.
 */
export const maintenanceKeys = {
  all: ['maintenance'] as const,
  lists: ['maintenance', 'list'] as const,
  list: (query: WindowQuery) => [...maintenanceKeys.lists, query] as const,
  detail: (tenantId: string, windowId: string) => [...maintenanceKeys.all, 'window', tenantId, windowId] as const,
  preview: (tenantId: string, body: WindowBody) => ['maintenance-preview', tenantId, body] as const,
};

const WINDOW_EVENTS = new Set(['MaintenanceStarted', 'MaintenanceEnded', 'MaintenanceScheduled']);

/**
 * An occurrence starting or ending, or a window created or changed (its events name the window as
 * `incidentId: 'maintenance:<id>'` and `windowId`), moves windows between the phases. The incidents it holds
 * or releases come with their own IncidentUpdated events ('maintenance-started', 'maintenance-ended'), which
 * the incidents' keys already follow.
 */
export function maintenanceStaleAfter(event: LiveEvent): QueryKey[] {
  return WINDOW_EVENTS.has(event.type) ? [maintenanceKeys.all] : [];
}

/** The windows of a company, or of every company the user sees (`tenant` undefined); re-read each minute, as phases change with time. */
export function useMaintenanceWindows(query: WindowQuery, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: maintenanceKeys.list(query),
    queryFn: () => call(api.GET('/v1/maintenance-windows', { params: { query } })),
    enabled,
    refetchInterval: 60_000,
  });
}

/**
 * What the draft would cover (assets, firing alerts now) and when it would occur, asked again whenever the
 * (debounced) draft changes; the last answer stays shown while the next one loads. `body` undefined: the
 * draft is not valid yet, nothing is asked.
 */
export function useWindowPreview(tenantId: string, body: WindowBody | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: maintenanceKeys.preview(tenantId, body as WindowBody),
    queryFn: () => call(api.POST('/v1/maintenance-windows/preview', { params: { query: { tenant: tenantId } }, body: body as WindowBody })),
    enabled: Boolean(tenantId && body),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });
}

/** After a change to windows: the lists and windows are read again; so are the incidents, which a start or an end holds or releases. */
function useSettle() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: maintenanceKeys.all });
    void queryClient.invalidateQueries({ queryKey: incidentKeys.lists });
  };
}

/** A window to save: the company it is for and the body (a change is sent naming the version it was read at). */
export interface WindowSave {
  tenantId: string;
  body: WindowBody;
}

function pathOf(window: MaintenanceWindow) {
  return { path: { id: window.id }, query: { tenant: window.tenantId } };
}

/**
 * Plans a window (`existing` undefined) or changes one, naming the version it was read at (a change made
 * meanwhile is refused with a 409); the lists are read again before the component hears of it.
 */
export function useSaveWindow(existing: MaintenanceWindow | undefined, reactions: Reactions<MaintenanceWindow, WindowSave> = {}) {
  const api = useApi();
  const settle = useSettle();
  return useMutation({
    mutationFn: ({ tenantId, body }: WindowSave) =>
      existing
        ? call(api.PATCH('/v1/maintenance-windows/{id}', { params: pathOf(existing), body: { ...body, version: existing.version } }))
        : call(api.POST('/v1/maintenance-windows', { params: { query: { tenant: tenantId } }, body })),
    onSuccess: async (saved, input) => {
      await settle();
      await reactions.onSuccess?.(saved, input);
    },
    onError: reactions.onError,
  });
}

/** Ends the window's occurrence in progress now (a one-off window is over; a recurring one comes back at its next). */
export function useEndWindow(reactions: Reactions<MaintenanceWindow, MaintenanceWindow> = {}) {
  const api = useApi();
  const settle = useSettle();
  return useMutation({
    mutationFn: (window: MaintenanceWindow) => call(api.POST('/v1/maintenance-windows/{id}/end', { params: pathOf(window) })),
    onSuccess: async (ended, window) => {
      await settle();
      await reactions.onSuccess?.(ended, window);
    },
    onError: reactions.onError,
  });
}

/** Deletes a window as it was read (`version`); an occurrence in progress ends first. */
export function useDeleteWindow(reactions: Reactions<void, MaintenanceWindow> = {}) {
  const api = useApi();
  const settle = useSettle();
  return useMutation({
    mutationFn: (window: MaintenanceWindow) =>
      call(
        api.DELETE('/v1/maintenance-windows/{id}', {
          params: { path: { id: window.id }, query: { tenant: window.tenantId, version: window.version } },
        }),
      ),
    onSuccess: async (_nothing, window) => {
      await settle();
      await reactions.onSuccess?.(undefined, window);
    },
    onError: reactions.onError,
  });
}

/**
 * Silences an incident: a window over its alerts, from now; the incident is held at once, so its detail is
 * read again with the hold (the badge) before the component hears of it.
 */
export function useSilenceIncident(incident: Incident, reactions: Reactions<MaintenanceWindow, SilenceBody> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const settle = useSettle();
  return useMutation({
    mutationFn: (body: SilenceBody) =>
      call(api.POST('/v1/incidents/{id}/silence', { params: { path: { id: incident.id }, query: { tenant: incident.tenantId } }, body })),
    onSuccess: async (window, body) => {
      await queryClient.invalidateQueries({ queryKey: incidentKeys.detail(incident.tenantId, incident.id) });
      await settle();
      await reactions.onSuccess?.(window, body);
    },
    onError: reactions.onError,
  });
}

/** Ends the silence (or window) holding an incident, known only by the hold's window id. */
export function useEndHold(incident: Incident, reactions: Reactions<MaintenanceWindow> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const settle = useSettle();
  return useMutation({
    mutationFn: () =>
      call(
        api.POST('/v1/maintenance-windows/{id}/end', {
          params: { path: { id: incident.maintenance?.windowId ?? '' }, query: { tenant: incident.tenantId } },
        }),
      ),
    onSuccess: async (window) => {
      await queryClient.invalidateQueries({ queryKey: incidentKeys.detail(incident.tenantId, incident.id) });
      await settle();
      await reactions.onSuccess?.(window);
    },
    onError: reactions.onError,
  });
}
