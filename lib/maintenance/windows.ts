import { ulid } from 'ulid';
import * as z from 'zod';
import type { TimerRequest } from '../aws/scheduler';
import { DETAIL_TYPES, domainEvent, type NewDomainEvent } from '../domain/events';
import { AUTOMATION_ACTOR, type Incident } from '../domain/incident';
import { isActiveIncident } from '../domain/incident-status';
import type { MaintenanceHold, WindowEffects } from '../domain/maintenance/hold';
import { plannedOccurrences } from '../domain/maintenance/recurrence';
import {
  nextOccurrence,
  occurrenceAt,
  timingProblem,
  type MaintenanceWindow,
  type Occurrence,
  type Recurrence,
  type WindowScope,
} from '../domain/maintenance/window';
import { getIncidentDetail } from '../store/incidents';
import { deleteWindow, getWindow, listWindows, MAX_WINDOWS, putWindow, writeIncidentHold } from '../store/maintenance';
import { ACTIVE_STATUSES, effectsText, releaseIncidents, updatedEvent, type MaintenanceDeps } from './holds';

/**
 * Maintenance windows and silences (the rules are in lib/domain/maintenance/window.ts; what they do to
 * incidents in holds.ts): created, changed, ended early and deleted through the API; each occurrence's
 * start and end are one-time timers (EventBridge Scheduler, the local emulator on the local stack),
 * created by the sla function when a window is written (MaintenanceScheduled) and when an occurrence
 * ended (MaintenanceEnded). The start announces it; the end releases its incidents still firing. A
 * recurring window's occurrences are expanded from its rule on every write (recurrence.ts) and stored
 * with it, so readers never expand rules.
 */

/** A recurring window with its occurrences expanded afresh (a day back to two months ahead of now): every write stores them. */
function planned(window: MaintenanceWindow, now: Date): MaintenanceWindow {
  if (!window.recurrence) return window;
  return { ...window, occurrences: plannedOccurrences(window.recurrence, Date.parse(window.createdAt), now.getTime()) };
}

// ---------------------------------------------------------------------------------------------------
// Timers

export const maintenanceTimerSchema = z
  .object({
    type: z.literal('maintenance'),
    tenantId: z.string().min(1),
    windowId: z.string().min(1),
    edge: z.enum(['start', 'end']),
    /** The occurrence the timer is for (ISO): a timer whose occurrence no longer exists does nothing. */
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
  })
  .strict();
export type MaintenanceTimer = z.infer<typeof maintenanceTimerSchema>;

function timerName(window: MaintenanceWindow, occurrence: Occurrence, edge: 'start' | 'end'): string {
  return `mw.${window.id.slice(0, 40)}.${Math.floor(occurrence.start / 60_000)}.${edge === 'start' ? 's' : 'e'}`;
}

function timerRequest(window: MaintenanceWindow, occurrence: Occurrence, edge: 'start' | 'end'): TimerRequest {
  const payload: MaintenanceTimer = {
    type: 'maintenance',
    tenantId: window.tenantId,
    windowId: window.id,
    edge,
    startsAt: new Date(occurrence.start).toISOString(),
    endsAt: new Date(occurrence.end).toISOString(),
  };
  return { name: timerName(window, occurrence, edge), at: new Date(edge === 'start' ? occurrence.start : occurrence.end), payload };
}

/**
 * The timers of the window's occurrence current or next after `after` (a start already past is not
 * scheduled). Called by the sla function when a window is created or changed (MaintenanceScheduled) and
 * when an occurrence ended (MaintenanceEnded); timers are named by occurrence, so a repeat creates nothing.
 */
export async function scheduleWindow(deps: MaintenanceDeps, tenantId: string, windowId: string, after: number): Promise<string[]> {
  const window = await getWindow(deps.table, tenantId, windowId);
  if (!window || !deps.timers) return [];
  const occurrence = nextOccurrence(window, after);
  if (!occurrence) return [];
  const requests = [
    ...(occurrence.start > deps.now().getTime() ? [timerRequest(window, occurrence, 'start')] : []),
    timerRequest(window, occurrence, 'end'),
  ];
  await Promise.all(requests.map((request) => deps.timers!.create(request)));
  return requests.map((request) => request.name);
}

function windowEvent(
  type: typeof DETAIL_TYPES.maintenanceStarted | typeof DETAIL_TYPES.maintenanceEnded | typeof DETAIL_TYPES.maintenanceScheduled,
  window: MaintenanceWindow,
  occurrence: Occurrence,
  extra: { reason?: string; released?: string[] } = {},
): NewDomainEvent {
  return domainEvent(type, {
    tenantId: window.tenantId,
    incidentId: `maintenance:${window.id}`,
    windowId: window.id,
    name: window.name,
    kind: window.kind,
    startsAt: new Date(occurrence.start).toISOString(),
    endsAt: new Date(occurrence.end).toISOString(),
    ...(extra.reason ? { reason: extra.reason.slice(0, 4000) } : {}),
    ...(extra.released?.length ? { released: extra.released.slice(0, 1000) } : {}),
  });
}

/** The window's next occurrence announced, for the sla function to schedule (none: nothing to announce). */
function scheduledEvents(window: MaintenanceWindow, now: Date): NewDomainEvent[] {
  const next = nextOccurrence(window, now.getTime());
  return next ? [windowEvent(DETAIL_TYPES.maintenanceScheduled, window, next)] : [];
}

/** A new version of the window (changed by `actor` now). */
function revised(window: MaintenanceWindow, actor: string, now: Date, change: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return planned({ ...window, ...change, updatedAt: now.toISOString(), updatedBy: actor, version: window.version + 1 }, now);
}

export type MaintenanceTimerOutcome =
  | { action: 'started'; windowId: string }
  | { action: 'ended'; windowId: string; released: string[] }
  | { action: 'nothing'; reason: string };

/** A window's timer fired: announce the start, or end the occurrence (release what still fires). Each is done once per occurrence. */
export async function handleMaintenanceTimer(deps: MaintenanceDeps, event: unknown): Promise<MaintenanceTimerOutcome> {
  const timer = maintenanceTimerSchema.parse(event);
  for (let attempt = 1; attempt <= 4; attempt++) {
    const window = await getWindow(deps.table, timer.tenantId, timer.windowId);
    if (!window) return { action: 'nothing', reason: 'the window was deleted' };
    const start = Date.parse(timer.startsAt);
    const occurrence = occurrenceAt(window, start);
    if (!occurrence || occurrence.start !== start) return { action: 'nothing', reason: 'the window changed: this occurrence is gone' };
    const now = deps.now();
    if (timer.edge === 'start') {
      if (occurrence.end <= now.getTime()) return { action: 'nothing', reason: 'the occurrence is over already' };
      if (window.startedOccurrence === timer.startsAt) return { action: 'nothing', reason: 'announced already' };
      const announced = revised(window, AUTOMATION_ACTOR, now, { startedOccurrence: timer.startsAt });
      if (!(await putWindow(deps.table, announced, [windowEvent(DETAIL_TYPES.maintenanceStarted, window, occurrence)], now))) continue;
      return { action: 'started', windowId: window.id };
    }
    if (occurrence.end > now.getTime() + 60_000)
      return { action: 'nothing', reason: `the occurrence now ends at ${new Date(occurrence.end).toISOString()}` };
    const finished = await finishOccurrence(deps, window, occurrence, AUTOMATION_ACTOR, 'its time came');
    if (finished) return { action: 'ended', windowId: window.id, released: finished };
    if (window.endedOccurrence === timer.startsAt) return { action: 'nothing', reason: 'ended already' };
  }
  return { action: 'nothing', reason: 'the window kept changing' };
}

/**
 * Ends an occurrence once: its incidents still firing are released, and the window records it with the
 * MaintenanceEnded event (in one write, so the admins hear of it once). Null when it was finished already
 * or the window changed meanwhile (the caller reads it again).
 */
async function finishOccurrence(
  deps: MaintenanceDeps,
  window: MaintenanceWindow,
  occurrence: Occurrence,
  actor: string,
  reason: string,
  change: Partial<MaintenanceWindow> = {},
): Promise<string[] | null> {
  const startsAt = new Date(occurrence.start).toISOString();
  if (window.endedOccurrence === startsAt && !change.endedAt) return null;
  const released = await releaseIncidents(deps, window, `"${window.name}" ended: ${reason}`);
  const now = deps.now();
  const finished = revised(window, actor, now, { ...change, endedOccurrence: startsAt });
  const events =
    window.endedOccurrence === startsAt ? [] : [windowEvent(DETAIL_TYPES.maintenanceEnded, window, occurrence, { reason, released })];
  return (await putWindow(deps.table, finished, events, now)) ? released : null;
}

// ---------------------------------------------------------------------------------------------------
// Windows: create, change, end, delete

export interface WindowInput {
  name: string;
  reason?: string;
  scope?: WindowScope;
  startsAt?: string;
  endsAt?: string;
  recurrence?: Recurrence;
  effects?: Partial<WindowEffects>;
}

export class WindowRefused extends Error {
  constructor(
    readonly code: 'invalid' | 'conflict' | 'not_found' | 'too_many',
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_EFFECTS: WindowEffects = { notify: false, slaClocks: 'paused', autoRemediation: 'off' };

function normalizedTiming(input: Pick<WindowInput, 'startsAt' | 'endsAt' | 'recurrence'>) {
  const timing = {
    ...(input.startsAt ? { startsAt: new Date(input.startsAt).toISOString() } : {}),
    ...(input.endsAt ? { endsAt: new Date(input.endsAt).toISOString() } : {}),
    ...(input.recurrence ? { recurrence: input.recurrence } : {}),
  };
  const problem = timingProblem(timing);
  if (problem) throw new WindowRefused('invalid', problem);
  return timing;
}

export async function createWindow(
  deps: MaintenanceDeps,
  tenantId: string,
  input: WindowInput & { kind?: MaintenanceWindow['kind']; incidentId?: string; endWhenResolved?: boolean },
  actor: string,
): Promise<MaintenanceWindow> {
  const existing = await listWindows(deps.table, tenantId);
  if (existing.length >= MAX_WINDOWS)
    throw new WindowRefused('too_many', `A company keeps at most ${MAX_WINDOWS} windows: delete old ones first`);
  const now = deps.now();
  const at = now.toISOString();
  const window: MaintenanceWindow = planned(
    {
      id: ulid(now.getTime()),
      tenantId,
      kind: input.kind ?? 'window',
      name: input.name,
      reason: input.reason ?? '',
      scope: input.scope ?? {},
      ...normalizedTiming(input),
      effects: { ...DEFAULT_EFFECTS, ...input.effects },
      ...(input.incidentId ? { incidentId: input.incidentId } : {}),
      ...(input.endWhenResolved !== undefined ? { endWhenResolved: input.endWhenResolved } : {}),
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      version: 1,
    },
    now,
  );
  const events = scheduledEvents(window, now);
  if (events.length === 0) throw new WindowRefused('invalid', 'The window has no occurrence from now on');
  if (!(await putWindow(deps.table, window, events, now))) throw new WindowRefused('conflict', 'A window with that id exists');
  return window;
}

async function currentWindow(
  deps: MaintenanceDeps,
  tenantId: string,
  windowId: string,
  expectedVersion?: number,
): Promise<MaintenanceWindow> {
  const current = await getWindow(deps.table, tenantId, windowId);
  if (!current) throw new WindowRefused('not_found', 'No such maintenance window');
  if (expectedVersion !== undefined && current.version !== expectedVersion)
    throw new WindowRefused('conflict', `The window changed meanwhile (version ${current.version}, not ${expectedVersion}): read it again`);
  return current;
}

/**
 * Changes a window (only if still at `expectedVersion`): its next occurrence is scheduled again, and when
 * the change ends the occurrence in progress, its incidents are released now.
 */
export async function changeWindow(
  deps: MaintenanceDeps,
  tenantId: string,
  windowId: string,
  change: Partial<WindowInput>,
  expectedVersion: number | undefined,
  actor: string,
): Promise<MaintenanceWindow> {
  const current = await currentWindow(deps, tenantId, windowId, expectedVersion);
  const now = deps.now();
  const timing = normalizedTiming(
    change.recurrence
      ? { recurrence: change.recurrence }
      : change.startsAt !== undefined || change.endsAt !== undefined
        ? { startsAt: change.startsAt ?? current.startsAt, endsAt: change.endsAt ?? current.endsAt }
        : current,
  );
  const { startsAt: _startsAt, endsAt: _endsAt, recurrence: _recurrence, ...rest } = current;
  const next = revised({ ...rest, ...timing }, actor, now, {
    ...(change.name !== undefined ? { name: change.name } : {}),
    ...(change.reason !== undefined ? { reason: change.reason } : {}),
    ...(change.scope !== undefined ? { scope: change.scope } : {}),
    effects: { ...current.effects, ...change.effects },
  });
  if (!(await putWindow(deps.table, next, scheduledEvents(next, now), now)))
    throw new WindowRefused('conflict', 'The window changed meanwhile: read it again');
  const running = occurrenceAt(current, now.getTime());
  if (running && !occurrenceAt(next, now.getTime())) {
    const finished = await finishOccurrence(deps, next, { start: running.start, end: now.getTime() }, actor, `changed by ${actor}`);
    if (finished) return (await getWindow(deps.table, tenantId, windowId)) ?? next;
  }
  return next;
}

/** Ends the window's current occurrence now (a one-off window is over; a recurring one comes back at its next occurrence). */
export async function endWindow(
  deps: MaintenanceDeps,
  tenantId: string,
  windowId: string,
  actor: string,
  reason?: string,
): Promise<MaintenanceWindow> {
  for (let attempt = 1; attempt <= 4; attempt++) {
    const current = await currentWindow(deps, tenantId, windowId);
    const now = deps.now();
    const occurrence = occurrenceAt(current, now.getTime());
    if (!occurrence) throw new WindowRefused('conflict', 'The window is not active now');
    const ended = await finishOccurrence(
      deps,
      current,
      { start: occurrence.start, end: now.getTime() },
      actor,
      reason ?? `ended early by ${actor}`,
      {
        endedAt: now.toISOString(),
        endedBy: actor,
      },
    );
    if (ended) return (await getWindow(deps.table, tenantId, windowId)) ?? current;
  }
  throw new WindowRefused('conflict', 'The window kept changing: try again');
}

/** Deletes a window; an occurrence in progress ends first (its incidents get the normal treatment). */
export async function removeWindow(
  deps: MaintenanceDeps,
  tenantId: string,
  windowId: string,
  expectedVersion: number | undefined,
  actor: string,
): Promise<void> {
  let current = await currentWindow(deps, tenantId, windowId, expectedVersion);
  const now = deps.now();
  const running = occurrenceAt(current, now.getTime());
  if (running) {
    if (!(await finishOccurrence(deps, current, { start: running.start, end: now.getTime() }, actor, `deleted by ${actor}`)))
      throw new WindowRefused('conflict', 'The window changed meanwhile: read it again');
    current = await currentWindow(deps, tenantId, windowId);
  }
  if (!(await deleteWindow(deps.table, tenantId, windowId, current.version)))
    throw new WindowRefused('conflict', 'The window changed meanwhile: read it again');
}

// ---------------------------------------------------------------------------------------------------
// Silences

export interface SilenceRequest {
  /** How long (ISO 8601 duration, e.g. PT2H), or until when. */
  for?: string;
  until?: string;
  endWhenResolved?: boolean;
  reason?: string;
  effects?: Partial<WindowEffects>;
}

/** Hours, minutes and days of an ISO 8601 duration (PT2H, PT90M, P1DT2H), in ms; null when not one. */
export function durationMs(value: string): number | null {
  const match = /^P(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return null;
  const [, days, hours, minutes] = match;
  return ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes ?? 0)) * 60_000 || null;
}

/**
 * A silence made from an incident: a window over its alerts' assets and signatures, from now for the
 * time asked, that holds the incident itself at once (it stops paging now) and, when asked, ends when
 * the incident resolves.
 */
export async function silenceIncident(
  deps: MaintenanceDeps,
  incident: Incident,
  request: SilenceRequest,
  actor: string,
): Promise<MaintenanceWindow> {
  if (!isActiveIncident(incident)) throw new WindowRefused('conflict', `The incident is ${incident.status}: nothing to silence`);
  const now = deps.now();
  const until = request.until ? Date.parse(request.until) : now.getTime() + (durationMs(request.for ?? '') ?? 0);
  if (!(until > now.getTime())) throw new WindowRefused('invalid', 'The silence must end in the future');
  const detail = await getIncidentDetail(deps.table, incident.tenantId, incident.id);
  const assets = [...new Set((detail?.alerts ?? []).flatMap((alert) => (alert.assetId ? [alert.assetId] : [])))];
  const signatures = [...new Set(incident.signatures)].slice(0, 20);
  const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const signaturePattern = signatures.map(escape).join('|');
  const window = await createWindow(
    deps,
    incident.tenantId,
    {
      kind: 'silence',
      name: `Silence: ${incident.title}`.slice(0, 120),
      reason: request.reason ?? '',
      scope: {
        ...(assets.length ? { assetIds: assets.slice(0, 200) } : {}),
        ...(signaturePattern.length <= 200 && signatures.length
          ? { matchers: [{ field: 'signature', op: '=~', value: signaturePattern }] }
          : {}),
      },
      startsAt: now.toISOString(),
      endsAt: new Date(until).toISOString(),
      effects: { notify: false, slaClocks: 'running', autoRemediation: 'allowed', ...request.effects },
      incidentId: incident.id,
      endWhenResolved: request.endWhenResolved ?? true,
    },
    actor,
  );
  const hold: MaintenanceHold = {
    windowId: window.id,
    name: window.name,
    kind: 'silence',
    until: window.endsAt as string,
    effects: window.effects,
    since: now.toISOString(),
  };
  await writeIncidentHold(deps.table, incident.tenantId, incident.id, {
    hold,
    expected: 'replace',
    statuses: ACTIVE_STATUSES,
    entry: {
      at: now.toISOString(),
      type: 'maintenance-started',
      actor,
      reason: `Silenced by ${actor} until ${hold.until}${window.endWhenResolved ? ' (or until it resolves)' : ''}: ${effectsText(hold.effects)}`,
    },
    events: [updatedEvent(incident, 'maintenance-started', actor)],
    now,
  });
  return window;
}

/** The incident resolved: its silences that end on resolution end now. */
export async function endSilencesOf(deps: MaintenanceDeps, tenantId: string, incidentId: string): Promise<string[]> {
  const now = deps.now().getTime();
  const silences = (await listWindows(deps.table, tenantId)).filter(
    (window) => window.kind === 'silence' && window.incidentId === incidentId && window.endWhenResolved && occurrenceAt(window, now),
  );
  for (const silence of silences) await endWindow(deps, tenantId, silence.id, AUTOMATION_ACTOR, 'the silenced incident resolved');
  return silences.map((silence) => silence.id);
}
