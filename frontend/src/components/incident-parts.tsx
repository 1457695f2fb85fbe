import type { ReactNode } from 'react';
import type { Schemas } from '../api/client';
import type { LiveEvent } from '../realtime/event';
import { humanize } from '../lib/format';
import { Badge, MaintenanceBadge } from './badges';
import { SlaCountdown } from './countdown';
import { problemsOf } from './settings-form';
import { errorMessage } from './states';

/** Shared by the overview, the incident list and the incident detail. */

export type Incident = Schemas['Incident'];
export type IncidentDetail = Schemas['IncidentDetail'];
export type Execution = Schemas['Execution'];
export type Severity = Incident['severity'];

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export const RESOLUTION_CODES = [
  { value: 'fixed', label: 'Fixed' },
  { value: 'self-healed', label: 'Self-healed (cleared on its own)' },
  { value: 'false-positive', label: 'False positive' },
  { value: 'duplicate', label: 'Duplicate' },
  { value: 'wont-fix', label: "Won't fix" },
  { value: 'other', label: 'Other' },
] as const;
export type ResolutionCode = (typeof RESOLUTION_CODES)[number]['value'];

/** `not-needed`: the incident was resolved (by a runbook or on its own) before its response was due, and no person had acted. */
export type ClockState = 'met' | 'missed' | 'paused' | 'running' | 'not-needed';

export interface SlaClockView {
  which: 'response' | 'resolution';
  label: string;
  deadline?: string;
  state: ClockState;
  /** The span the bar runs over: the target, or for business hours the wall time from start to deadline. */
  windowMs: number;
  /** The target as the contract names it: "4 h", or "4 h business hours". */
  target: { ms: number; businessHours: boolean };
  /** When the clock started (for the elapsed bar). */
  startedAt: string;
  /** When it stopped: the first response of a person (response clock) or the resolution. */
  doneAt?: string;
  /** What stopped it, for its label: a person's first response, or the resolution. */
  doneBy?: { what: 'responded' | 'resolved'; who?: string };
}

function lastPause(sla: NonNullable<Incident['sla']>) {
  return sla.clock.pauses.at(-1);
}

/** Whether the SLA clock is paused now (a pause without an end). */
export function slaPaused(incident: Incident): boolean {
  const pause = incident.sla ? lastPause(incident.sla) : undefined;
  return Boolean(pause && !pause.to);
}

/**
 * The response and resolution clocks of an incident as the countdowns show them, as docs/kpis.md counts
 * them: the response clock stops at the first action of a person (`respondedAt`: acknowledge, assign,
 * note, resolve, an approval decision), the resolution clock at the resolution; paused while the client
 * is waited on, else running towards the deadline. An incident resolved without a person before its
 * response was due needed no response.
 */
export function slaClocks(incident: Incident): { response: SlaClockView; resolution: SlaClockView } | undefined {
  const sla = incident.sla;
  if (!sla) return undefined;
  const paused = slaPaused(incident);
  const pausedTimer = (kind: 'response' | 'resolution') => sla.timers[`${kind}-breach`]?.deadline;
  const clock = (which: 'response' | 'resolution'): SlaClockView => {
    const due = (which === 'response' ? sla.responseDueAt : sla.resolutionDueAt) ?? pausedTimer(which) ?? undefined;
    const targetMs = (which === 'response' ? sla.responseMinutes : sla.resolutionMinutes) * 60_000;
    const businessHours = sla.coverage === 'business-hours';
    const responded = which === 'response' ? incident.respondedAt : undefined;
    const doneAt = which === 'response' ? (responded ?? incident.resolvedAt) : incident.resolvedAt;
    const doneBy: SlaClockView['doneBy'] = !doneAt
      ? undefined
      : responded
        ? { what: 'responded', ...(incident.respondedBy ? { who: incident.respondedBy } : {}) }
        : { what: 'resolved', ...(incident.resolvedBy ? { who: incident.resolvedBy } : {}) };
    const breached = which === 'response' ? sla.breachedAt.response : sla.breachedAt.resolution;
    const late = Boolean(breached || (due && doneAt && doneAt > due));
    let state: ClockState;
    if (doneAt && which === 'response' && !responded) state = late ? 'missed' : 'not-needed';
    else if (doneAt) state = late ? 'missed' : 'met';
    else if (incident.status === 'merged') state = 'met';
    else if (paused) state = 'paused';
    else state = breached ? 'missed' : 'running';
    return {
      which,
      label: which === 'response' ? 'Response' : 'Resolution',
      deadline: due,
      state,
      // Business-hours minutes span nights and weekends: the bar then runs over the wall time from start to deadline.
      windowMs: businessHours && due ? Math.max(0, Date.parse(due) - Date.parse(sla.startedAt)) : targetMs,
      target: { ms: targetMs, businessHours },
      startedAt: sla.startedAt,
      ...(doneAt ? { doneAt } : {}),
      ...(doneBy ? { doneBy } : {}),
    };
  };
  return { response: clock('response'), resolution: clock('resolution') };
}

/** The deadline that matters now: the response until a person responded, then the resolution. */
export function nextClock(incident: Incident): SlaClockView | undefined {
  const clocks = slaClocks(incident);
  if (!clocks) return undefined;
  if (incident.status === 'open' && !incident.acknowledgedAt && !incident.respondedAt) return clocks.response;
  return clocks.resolution;
}

/** The SLA cell of the incident list: which clock, and its countdown. */
export function NextSla({ incident }: { incident: Incident }) {
  const clock = nextClock(incident);
  if (!clock) return <span className="muted">No SLA</span>;
  return (
    <span className="inc-sla-cell">
      <SlaCountdown deadline={clock.deadline} state={clock.state} windowMs={clock.windowMs} />
      <span className="cell-sub">{clock.label}</span>
    </span>
  );
}

const REMEDIATION_LABELS: Record<NonNullable<Incident['remediation']>['state'], string> = {
  pending_approval: 'Awaiting approval',
  running: 'Runbook running',
  succeeded: 'Runbook succeeded',
  failed: 'Runbook failed',
  rejected: 'Approval rejected',
  expired: 'Approval expired',
};

const REMEDIATION_TONES: Record<NonNullable<Incident['remediation']>['state'], string> = {
  pending_approval: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  expired: 'expired',
};

export function remediationLabel(state: NonNullable<Incident['remediation']>['state']): string {
  return REMEDIATION_LABELS[state];
}

/** The maintenance window or silence holding the incident now (made and not lifted), if any. */
export function maintenanceHold(incident: Incident): NonNullable<Incident['maintenance']> | undefined {
  return incident.maintenance && !incident.maintenance.liftedAt ? incident.maintenance : undefined;
}

/** Status plus what is going on with it (remediation, paused clock, reopened, in maintenance). */
export function IncidentBadges({ incident, withSeverity = false }: { incident: Incident; withSeverity?: boolean }) {
  const hold = maintenanceHold(incident);
  // A resolved or merged incident keeps its hold as a record (ending a window releases only active ones).
  const active = incident.status === 'open' || incident.status === 'acknowledged';
  return (
    <span className="inc-badges">
      {withSeverity ? <Badge value={incident.severity} /> : null}
      <Badge value={incident.status} />
      {incident.remediation ? (
        <Badge value={REMEDIATION_TONES[incident.remediation.state]} label={REMEDIATION_LABELS[incident.remediation.state]} />
      ) : null}
      {slaPaused(incident) && incident.status !== 'resolved' ? <Badge value="skipped" label="SLA paused" /> : null}
      {incident.reopenCount > 0 ? <Badge value="reopened" label={`Reopened ×${incident.reopenCount}`} /> : null}
      {hold && active ? <MaintenanceBadge name={hold.name} until={hold.until} /> : null}
    </span>
  );
}

/** The root asset of an incident (its reference when it is not in the inventory). */
export function rootAssetOf(incident: Incident): string {
  return incident.rootAssetId ?? incident.assetId ?? incident.assetRef;
}

export function incidentPath(tenantId: string, incidentId: string): string {
  return `/incidents/${encodeURIComponent(tenantId)}/${encodeURIComponent(incidentId)}`;
}

/** Where a live event leads: its incident, or the Maintenance page for a window's events (named `maintenance:<window id>`). */
export function eventPath(event: LiveEvent): string | undefined {
  if (!event.incidentId) return undefined;
  return event.incidentId.startsWith('maintenance:') ? '/maintenance' : incidentPath(event.tenantId, event.incidentId);
}

/** A live event as a sentence an operator reads at a glance. */
export function describeEvent(event: LiveEvent, incident: Incident | undefined): { text: string; tone: string; detail?: string } {
  const on = incident ? ` on ${incident.assetRef}` : '';
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const decision = text(event.decision);
  switch (event.type) {
    case 'IncidentOpened':
      return { text: `Incident opened${on}`, tone: 'high', detail: incident?.title };
    case 'IncidentUpdated':
      if (decision === 'join') return { text: `Alert joined an incident${on}`, tone: 'neutral', detail: text(event.reason) };
      if (decision === 'reopen') return { text: `Incident reopened${on}`, tone: 'high', detail: text(event.reason) };
      if (decision === 'merged') return { text: `Incident merged into another${on}`, tone: 'neutral' };
      if (decision === 'resolve-alert') return { text: `Alert cleared${on}`, tone: 'ok', detail: text(event.reason) };
      if (event.status === 'acknowledged') return { text: `Incident acknowledged${on}`, tone: 'medium' };
      if (decision === 'sla-paused') return { text: `SLA clock paused${on}`, tone: 'neutral' };
      if (decision === 'sla-resumed') return { text: `SLA clock resumed${on}`, tone: 'neutral' };
      if (decision === 'maintenance-started') return { text: `Incident in maintenance${on}`, tone: 'neutral' };
      if (decision === 'maintenance-ended') return { text: `Maintenance over, incident still firing${on}`, tone: 'medium' };
      return { text: `Incident updated${on}`, tone: 'neutral', detail: decision ? humanize(decision) : undefined };
    case 'IncidentResolved':
      return {
        text: `Incident resolved${on}`,
        tone: 'ok',
        detail: text(event.reason) ?? (text(event.actor) ? `by ${text(event.actor)}` : undefined),
      };
    case 'IncidentAssigned': {
      const assignee = event.assignee as { name?: string } | undefined;
      return { text: `Assigned to ${assignee?.name ?? 'a technician'}${on}`, tone: 'accent' };
    }
    case 'RemediationDecided':
      return {
        text: `Remediation decided${on}: ${humanize(text(event.action) ?? 'unknown')}`,
        tone: 'accent',
        detail: text(event.runbookId),
      };
    case 'ApprovalRequested':
      return { text: `Approval requested${on}`, tone: 'medium', detail: text(event.runbookId) };
    case 'ApprovalDecided':
      return { text: `Approval ${text(event.state) ?? 'decided'}${on}`, tone: text(event.state) === 'approved' ? 'ok' : 'neutral' };
    case 'ExecutionStarted':
      return { text: `Runbook started${on}`, tone: 'accent', detail: text(event.runbookId) };
    case 'ExecutionFinished':
      return {
        text: `Runbook ${text(event.state) === 'succeeded' ? 'succeeded' : (text(event.state) ?? 'finished')}${on}`,
        tone: text(event.state) === 'succeeded' ? 'ok' : 'critical',
        detail: text(event.runbookId),
      };
    case 'SlaWarning':
      return { text: `SLA ${text(event.clock) ?? ''} deadline approaching${on}`.replace('  ', ' '), tone: 'medium' };
    case 'SlaBreached':
      return { text: `SLA ${text(event.clock) ?? ''} deadline breached${on}`.replace('  ', ' '), tone: 'critical' };
    case 'IncidentEscalated':
      return { text: `Escalated to level ${String(event.level ?? '?')}${on}`, tone: 'critical', detail: text(event.reason) };
    case 'MaintenanceScheduled':
      return { text: `Maintenance planned: ${text(event.name) ?? 'a window'}`, tone: 'neutral' };
    case 'MaintenanceStarted':
      return { text: `Maintenance started: ${text(event.name) ?? 'a window'}`, tone: 'accent' };
    case 'MaintenanceEnded':
      return { text: `Maintenance ended: ${text(event.name) ?? 'a window'}`, tone: 'neutral', detail: text(event.reason) };
    default:
      return { text: `${humanize(event.type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())}${on}`, tone: 'neutral' };
  }
}

/** A labelled section of the incident detail with an optional count. */
export function Section({
  title,
  count,
  actions,
  children,
  className = '',
  id,
}: {
  title: string;
  count?: number;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  id: string;
}) {
  return (
    <section className={`card inc-section ${className}`} aria-labelledby={id}>
      <div className="card-header">
        <h2 id={id}>
          {title}
          {count !== undefined ? <span className="inc-count">{count}</span> : null}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A failed mutation's message, with the failing fields the API names (error.details), for forms. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const details = problemsOf(error);
  return (
    <div className="form-error" role="alert">
      {errorMessage(error)}
      {details.length ? (
        <ul className="inc-error-details">
          {details.map((item, index) => (
            <li key={index}>
              {item.path ? <code>{item.path}</code> : null} {item.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
