import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, call, type Schemas } from '../api/client';
import { useApi, useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { Badge } from '../components/badges';
import { CopyButton } from '../components/copy-button';
import { SlaCountdown, useNow } from '../components/countdown';
import { Dialog } from '../components/dialog';
import {
  FormError,
  IncidentBadges,
  RESOLUTION_CODES,
  remediationLabel,
  Section,
  slaClocks,
  slaPaused,
  type Execution,
  type Incident,
  type IncidentDetail,
  type ResolutionCode,
  type SlaClockView,
} from '../components/incident-parts';
import { EmptyState, ErrorState, errorMessage, Notice, Spinner } from '../components/states';
import { formatDateTime, formatDuration, formatRelative, formatTime, humanize } from '../lib/format';
import { useFollowIncident } from '../realtime/live';
import './incidents.css';

type Runbook = Schemas['Runbook'];
type Technician = Schemas['Technician'];
type TimelineEntry = IncidentDetail['timeline'][number];
type Decision = NonNullable<Incident['decision']>;

const PRIORITY_PARTS: { key: keyof NonNullable<Incident['priority']>['parts']; label: string; hint: string }[] = [
  { key: 'severity', label: 'Severity', hint: 'how bad its worst alert is' },
  { key: 'criticalAsset', label: 'Critical asset', hint: 'a critical asset is involved' },
  { key: 'blastRadius', label: 'Blast radius', hint: 'assets that depend on the root' },
  { key: 'multiTool', label: 'Several tools', hint: 'more than one monitoring tool reports it' },
  { key: 'repeat', label: 'Repeats', hint: 'its alerts keep firing (resolutions do not count)' },
  { key: 'ageDecay', label: 'Age', hint: 'older incidents move up or down' },
];

const TIMELINE_LABELS: Record<TimelineEntry['type'], { label: string; tone: string }> = {
  'incident-opened': { label: 'Opened', tone: 'high' },
  'alert-joined': { label: 'Alert joined', tone: 'neutral' },
  'alert-resolved': { label: 'Alert cleared', tone: 'ok' },
  'alert-ended': { label: 'Alert ended', tone: 'ok' },
  'incident-acknowledged': { label: 'Acknowledged', tone: 'medium' },
  'incident-assigned': { label: 'Assigned', tone: 'accent' },
  'incident-routed': { label: 'Routed', tone: 'accent' },
  note: { label: 'Note', tone: 'neutral' },
  'resolution-pending': { label: 'Resolution pending', tone: 'ok' },
  'incident-resolved': { label: 'Resolved', tone: 'ok' },
  'incident-reopened': { label: 'Reopened', tone: 'high' },
  'incident-merged': { label: 'Merged', tone: 'neutral' },
  'root-changed': { label: 'Root changed', tone: 'neutral' },
  'remediation-decided': { label: 'Remediation decided', tone: 'accent' },
  'approval-requested': { label: 'Approval requested', tone: 'medium' },
  'approval-decided': { label: 'Approval decided', tone: 'medium' },
  'execution-started': { label: 'Runbook started', tone: 'accent' },
  'execution-finished': { label: 'Runbook finished', tone: 'ok' },
  'sla-warning': { label: 'SLA warning', tone: 'medium' },
  'sla-breached': { label: 'SLA breached', tone: 'critical' },
  'incident-escalated': { label: 'Escalated', tone: 'critical' },
  'sla-paused': { label: 'SLA paused', tone: 'neutral' },
  'sla-resumed': { label: 'SLA resumed', tone: 'neutral' },
};

const EXECUTION_TONES: Record<Execution['state'], string> = {
  pending_approval: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  expired: 'expired',
};

function Time({ iso, relative = false }: { iso: string | undefined; relative?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {relative ? formatRelative(iso) : formatDateTime(iso)}
    </time>
  );
}

// ---------------------------------------------------------------------------------------------
// Header and SLA

/** The priority score as a ring; grey and small once the incident is resolved or merged (it no longer asks for attention). */
function PriorityDial({ score, settled }: { score: number; settled: boolean }) {
  const tone = settled ? 'settled' : score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 40 ? 'medium' : 'low';
  const circumference = 2 * Math.PI * 26;
  return (
    <div
      className={`inc-dial inc-dial-${tone}`}
      role="img"
      aria-label={settled ? `Priority was ${score} of 100 while it was active` : `Priority ${score} of 100`}
    >
      <svg viewBox="0 0 64 64" aria-hidden="true">
        <circle cx="32" cy="32" r="26" className="inc-dial-track" />
        <circle
          cx="32"
          cy="32"
          r="26"
          className="inc-dial-value"
          strokeDasharray={`${(Math.min(100, Math.max(0, score)) / 100) * circumference} ${circumference}`}
          transform="rotate(-90 32 32)"
        />
      </svg>
      <span className="inc-dial-number">{score}</span>
      <span className="inc-dial-label">{settled ? 'was' : 'priority'}</span>
    </div>
  );
}

/** "Responded 5:05 AM by ana@…" / "Resolved … by a runbook, before a response was due" / "Due …", and the target. */
function clockFoot(clock: SlaClockView): string {
  const target = `${formatDuration(clock.windowMs)} target`;
  if (!clock.doneAt || !clock.doneBy) return `Due ${clock.deadline ? formatDateTime(clock.deadline) : '—'} · ${target}`;
  const who = clock.doneBy.who ? ` by ${resolverName(clock.doneBy.who)}` : clock.doneBy.what === 'resolved' ? ' on its own' : '';
  const what = clock.doneBy.what === 'responded' ? 'Responded' : 'Resolved';
  const first = clock.which === 'response' && clock.doneBy.what === 'resolved' ? ', before anyone responded' : '';
  return `${what} ${formatDateTime(clock.doneAt)}${who}${first} · ${target}`;
}

/** Who resolved or responded, as people read it: the automation's actor name is "a runbook". */
function resolverName(actor: string): string {
  return actor === 'automation' ? 'a runbook' : actor;
}

function SlaTile({ clock }: { clock: SlaClockView }) {
  const now = useNow(5_000);
  const start = new Date(clock.startedAt).getTime();
  const end = clock.deadline ? new Date(clock.deadline).getTime() : start + clock.windowMs;
  const at = clock.doneAt ? new Date(clock.doneAt).getTime() : now;
  const used = end > start ? Math.min(1, Math.max(0, (at - start) / (end - start))) : 1;
  const tone =
    clock.state === 'met'
      ? 'ok'
      : clock.state === 'not-needed'
        ? 'neutral'
        : clock.state === 'missed' || used >= 1
          ? 'critical'
          : used >= 0.8
            ? 'warning'
            : 'accent';
  return (
    <div className={`inc-sla-tile inc-sla-${tone}`}>
      <div className="inc-sla-head">
        <span className="inc-sla-label">{clock.label}</span>
        <SlaCountdown deadline={clock.deadline} state={clock.state} windowMs={clock.windowMs} />
      </div>
      <div
        className="inc-sla-bar"
        role="progressbar"
        aria-label={`${clock.label} SLA time used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(used * 100)}
      >
        <span style={{ width: `${Math.round(used * 100)}%` }} />
      </div>
      <span className="inc-sla-foot">{clockFoot(clock)}</span>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Actions

function ResolveDialog({
  open,
  onClose,
  onResolve,
  pending,
  error,
}: {
  open: boolean;
  onClose: () => void;
  onResolve: (code: ResolutionCode, note: string) => void;
  pending: boolean;
  error: unknown;
}) {
  const [code, setCode] = useState<ResolutionCode>('fixed');
  const [note, setNote] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onResolve(code, note.trim());
  };
  return (
    <Dialog open={open} title="Resolve incident" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Resolution code
          <select value={code} onChange={(event) => setCode(event.target.value as ResolutionCode)}>
            {RESOLUTION_CODES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Note <span className="field-hint">What was done, for the next person (optional)</span>
          <textarea value={note} onChange={(event) => setNote(event.target.value)} maxLength={4000} />
        </label>
        <FormError error={error} />
        <div className="row inc-dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Resolving…' : 'Resolve'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PauseDialog({
  open,
  onClose,
  onPause,
  pending,
  error,
}: {
  open: boolean;
  onClose: () => void;
  onPause: (reason: string) => void;
  pending: boolean;
  error: unknown;
}) {
  const [reason, setReason] = useState('Waiting on the client');
  return (
    <Dialog open={open} title="Pause the SLA clock" onClose={onClose}>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          onPause(reason.trim());
        }}
      >
        <p className="muted inc-dialog-text">
          Time paused does not count towards the response and resolution deadlines. Resume the clock when the client answers.
        </p>
        <label className="field">
          Reason
          <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} />
        </label>
        <FormError error={error} />
        <div className="row inc-dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Pausing…' : 'Pause clock'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type ParamValues = Record<string, string>;

function RunbookDialog({
  open,
  onClose,
  runbooks,
  matching,
  preferred,
  decisionParams,
  onRun,
  pending,
  error,
}: {
  open: boolean;
  onClose: () => void;
  runbooks: Runbook[];
  matching: Set<string>;
  preferred: string | undefined;
  decisionParams: Decision['params'];
  onRun: (runbook: Runbook, params: Record<string, string | number>, dryRun: boolean) => void;
  pending: boolean;
  error: unknown;
}) {
  const firstChoice = preferred && runbooks.some((r) => r.id === preferred) ? preferred : runbooks.find((r) => matching.has(r.id))?.id;
  const [runbookId, setRunbookId] = useState(firstChoice ?? runbooks[0]?.id ?? '');
  const [values, setValues] = useState<ParamValues>({});
  const [dryRun, setDryRun] = useState(false);
  const runbook = runbooks.find((r) => r.id === runbookId);
  const suggested = runbooks.filter((r) => matching.has(r.id));
  const others = runbooks.filter((r) => !matching.has(r.id));
  const valueOf = (name: string, fallback: string | number | undefined) =>
    values[`${runbookId}.${name}`] ??
    (runbookId === preferred && decisionParams?.[name] !== undefined
      ? String(decisionParams[name])
      : fallback !== undefined
        ? String(fallback)
        : '');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!runbook) return;
    const params: Record<string, string | number> = {};
    for (const parameter of runbook.parameters) {
      const raw = valueOf(parameter.name, parameter.default).trim();
      if (raw === '') continue;
      params[parameter.name] = parameter.type === 'integer' ? Number(raw) : raw;
    }
    onRun(runbook, params, dryRun);
  };

  return (
    <Dialog open={open} title="Run a runbook" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Runbook
          <select value={runbookId} onChange={(event) => setRunbookId(event.target.value)}>
            {suggested.length ? (
              <optgroup label="Match this incident">
                {suggested.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name} ({r.risk} risk)
                  </option>
                ))}
              </optgroup>
            ) : null}
            <optgroup label={suggested.length ? 'Other runbooks' : 'Runbooks'}>
              {others.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.risk} risk)
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        {runbook ? (
          <>
            <p className="muted inc-dialog-text">
              {runbook.description} Runs on the incident&apos;s root asset ({runbook.platform}).{' '}
              {runbook.readOnly ? 'Read-only: changes nothing.' : null}
            </p>
            {runbook.parameters.length ? (
              <fieldset className="inc-params">
                <legend>Parameters</legend>
                {runbook.parameters.map((parameter) => {
                  const id = `param-${runbook.id}-${parameter.name}`;
                  const value = valueOf(parameter.name, parameter.default);
                  const set = (next: string) => setValues((previous) => ({ ...previous, [`${runbook.id}.${parameter.name}`]: next }));
                  return (
                    <label key={id} className="field" htmlFor={id}>
                      {parameter.name}
                      <span className="field-hint">{parameter.description}</span>
                      {parameter.type === 'enum' ? (
                        <select id={id} value={value} onChange={(event) => set(event.target.value)}>
                          {parameter.values.map((option) => (
                            <option key={option} value={option}>
                              {option}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <input
                          id={id}
                          value={value}
                          inputMode={parameter.type === 'integer' ? 'numeric' : undefined}
                          placeholder={parameter.example !== undefined ? `e.g. ${parameter.example}` : undefined}
                          required={parameter.default === undefined && parameter.fromLabels.length === 0}
                          onChange={(event) => set(event.target.value)}
                        />
                      )}
                    </label>
                  );
                })}
              </fieldset>
            ) : null}
            <label className="inc-check">
              <input type="checkbox" checked={dryRun} onChange={(event) => setDryRun(event.target.checked)} />
              Dry run (pre-checks only, nothing changes)
            </label>
            {runbook.risk !== 'low' ? (
              <Notice kind="info">
                A {runbook.risk}-risk runbook may need an approval first, depending on the company&apos;s remediation policy.
              </Notice>
            ) : null}
          </>
        ) : null}
        <FormError error={error} />
        <div className="row inc-dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={pending || !runbook}>
            {pending ? 'Starting…' : 'Run runbook'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ActionsPanel({ detail, runbooks }: { detail: IncidentDetail; runbooks: Runbook[] | undefined }) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const { incident } = detail;
  const tenantId = incident.tenantId;
  const path = { params: { path: { id: incident.id }, query: { tenant: tenantId } } };
  const [notice, setNotice] = useState<{ kind: 'success' | 'error' | 'info'; text: string } | undefined>();
  const [dialog, setDialog] = useState<'resolve' | 'pause' | 'runbook' | undefined>();
  const [assignee, setAssignee] = useState<string | undefined>(undefined);

  const active = incident.status === 'open' || incident.status === 'acknowledged';
  const canAssign = can('incident.assign', tenantId) && active;
  const technicians = useQuery({
    queryKey: ['technicians', tenantId],
    queryFn: () => call(api.GET('/v1/technicians', { params: { query: { tenant: tenantId } } })),
    enabled: canAssign,
  });

  const settle = (next: IncidentDetail | undefined, text: string, kind: 'success' | 'info' = 'success') => {
    if (next) queryClient.setQueryData(['incident', tenantId, incident.id], next);
    void queryClient.invalidateQueries({ queryKey: ['incident', tenantId, incident.id] });
    void queryClient.invalidateQueries({ queryKey: ['incidents'] });
    void queryClient.invalidateQueries({ queryKey: ['kpis'] });
    setNotice({ kind, text });
  };
  const fail = (error: unknown) => setNotice({ kind: 'error', text: errorMessage(error) });

  const acknowledge = useMutation({
    mutationFn: () => call(api.POST('/v1/incidents/{id}/acknowledge', path)),
    onSuccess: (next) => settle(next, 'Acknowledged: the response clock has stopped.'),
    onError: fail,
  });
  const assign = useMutation({
    mutationFn: (userId: string | null) => call(api.POST('/v1/incidents/{id}/assign', { ...path, body: { userId } })),
    onSuccess: (next) => {
      settle(next, next.incident.assignee ? `Assigned to ${next.incident.assignee.name}.` : 'Unassigned.');
      setAssignee(undefined);
      void queryClient.invalidateQueries({ queryKey: ['technicians'] });
    },
    onError: fail,
  });
  const resolve = useMutation({
    mutationFn: (body: { code: ResolutionCode; note?: string }) => call(api.POST('/v1/incidents/{id}/resolve', { ...path, body })),
    onSuccess: (next) => {
      setDialog(undefined);
      settle(next, 'Incident resolved.');
      void queryClient.invalidateQueries({ queryKey: ['technicians'] });
    },
  });
  const reopen = useMutation({
    mutationFn: () => call(api.POST('/v1/incidents/{id}/reopen', { ...path, body: {} })),
    onSuccess: (next) => settle(next, 'Incident reopened.'),
    onError: fail,
  });
  const pause = useMutation({
    mutationFn: (reason: string) => call(api.POST('/v1/incidents/{id}/sla/pause', { ...path, body: reason ? { reason } : {} })),
    onSuccess: (next) => {
      setDialog(undefined);
      settle(next, 'Pausing the SLA clock: the deadlines update in a moment.', 'info');
    },
  });
  const resume = useMutation({
    mutationFn: () => call(api.POST('/v1/incidents/{id}/sla/resume', path)),
    onSuccess: (next) => settle(next, 'Resuming the SLA clock: the deadlines move by the time paused.', 'info'),
    onError: fail,
  });
  const run = useMutation({
    mutationFn: (input: { runbook: Runbook; params: Record<string, string | number>; dryRun: boolean }) =>
      call(
        api.POST('/v1/incidents/{id}/execute', {
          params: { path: { id: incident.id }, query: { tenant: tenantId } },
          body: { runbookId: input.runbook.id, params: input.params, dryRun: input.dryRun },
        }),
      ),
    onSuccess: (execution) => {
      setDialog(undefined);
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
      settle(
        undefined,
        execution.state === 'pending_approval'
          ? `${execution.runbookName} is waiting for an approval.`
          : `${execution.runbookName} started${execution.dryRun ? ' (dry run)' : ''}.`,
      );
    },
  });

  const runnable = (runbooks ?? []).filter((r) => can(`execution.run.${r.risk}`, tenantId));
  const categories = new Set(detail.alerts.map((alert) => alert.category));
  const matching = new Set(runnable.filter((r) => r.match.categories.some((category) => categories.has(category))).map((r) => r.id));
  const preferred =
    incident.decision?.runbookId ??
    (incident.decision?.advice && 'suggestedRunbookId' in incident.decision.advice
      ? (incident.decision.advice.suggestedRunbookId ?? undefined)
      : undefined);
  const paused = slaPaused(incident);
  const canAck = can('incident.acknowledge', tenantId);
  const show = {
    acknowledge: canAck && incident.status === 'open',
    resolve: can('incident.resolve', tenantId) && active,
    reopen: can('incident.reopen', tenantId) && incident.status === 'resolved',
    pause: canAck && active && Boolean(incident.sla) && !paused,
    resume: canAck && active && paused,
    runbook: active && can('execution.run.low', tenantId) && runnable.length > 0,
  };
  const anything = Object.values(show).some(Boolean) || canAssign;
  const chosen = assignee ?? incident.assignee?.userId ?? '';
  const techList: Technician[] = technicians.data?.technicians ?? [];
  const busy = acknowledge.isPending || assign.isPending || reopen.isPending || resume.isPending;

  return (
    <section className="card inc-actions" aria-labelledby="actions-heading">
      <div className="card-header">
        <h2 id="actions-heading">Actions</h2>
      </div>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      {!anything ? (
        <p className="muted inc-small">
          {active ? 'Your role can follow this incident but not act on it.' : 'Nothing to do: this incident is ' + incident.status + '.'}
        </p>
      ) : (
        <div className="inc-actions-body">
          <div className="inc-action-buttons">
            {show.acknowledge ? (
              <button type="button" className="button button-primary" disabled={busy} onClick={() => acknowledge.mutate()}>
                Acknowledge
              </button>
            ) : null}
            {show.resolve ? (
              <button
                type="button"
                className="button"
                onClick={() => {
                  resolve.reset();
                  setDialog('resolve');
                }}
              >
                Resolve incident
              </button>
            ) : null}
            {show.reopen ? (
              <button type="button" className="button" disabled={busy} onClick={() => reopen.mutate()}>
                Reopen
              </button>
            ) : null}
            {show.runbook ? (
              <button
                type="button"
                className="button"
                onClick={() => {
                  run.reset();
                  setDialog('runbook');
                }}
              >
                Run runbook
              </button>
            ) : null}
            {show.pause ? (
              <button
                type="button"
                className="button button-ghost"
                onClick={() => {
                  pause.reset();
                  setDialog('pause');
                }}
              >
                Pause SLA
              </button>
            ) : null}
            {show.resume ? (
              <button type="button" className="button button-ghost" disabled={busy} onClick={() => resume.mutate()}>
                Resume SLA
              </button>
            ) : null}
          </div>
          {canAssign ? (
            <form
              className="inc-assign"
              onSubmit={(event) => {
                event.preventDefault();
                assign.mutate(chosen || null);
              }}
            >
              <label className="field">
                Technician
                <select value={chosen} onChange={(event) => setAssignee(event.target.value)} disabled={technicians.isPending}>
                  <option value="">Unassigned</option>
                  {incident.assignee && !techList.some((t) => t.userId === incident.assignee?.userId) ? (
                    <option value={incident.assignee.userId}>{incident.assignee.name}</option>
                  ) : null}
                  {techList.map((tech) => (
                    <option key={tech.userId} value={tech.userId} disabled={!tech.active}>
                      {tech.name} · {tech.openIncidents}/{tech.maxOpenIncidents} open{tech.onCall ? ' · on call' : ''}
                      {tech.active ? '' : ' · off'}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="submit"
                className="button"
                disabled={busy || (incident.assignee?.userId ?? '') === chosen || technicians.isPending}
              >
                Assign
              </button>
              {technicians.isError ? <p className="form-error">{errorMessage(technicians.error)}</p> : null}
            </form>
          ) : null}
        </div>
      )}
      <ResolveDialog
        open={dialog === 'resolve'}
        onClose={() => setDialog(undefined)}
        pending={resolve.isPending}
        error={resolve.error}
        onResolve={(code, note) => resolve.mutate(note ? { code, note } : { code })}
      />
      <PauseDialog
        open={dialog === 'pause'}
        onClose={() => setDialog(undefined)}
        pending={pause.isPending}
        error={pause.error}
        onPause={(reason) => pause.mutate(reason)}
      />
      {dialog === 'runbook' ? (
        <RunbookDialog
          open
          onClose={() => setDialog(undefined)}
          runbooks={runnable}
          matching={matching}
          preferred={preferred}
          decisionParams={incident.decision?.params}
          pending={run.isPending}
          error={run.error}
          onRun={(runbook, params, dryRun) => run.mutate({ runbook, params, dryRun })}
        />
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Sidebar: facts, priority, escalation

function FactsCard({ detail, correlationId }: { detail: IncidentDetail; correlationId: string | undefined }) {
  const { nameOf } = useTenants();
  const { can } = useSession();
  const { incident } = detail;
  const root = incident.rootAssetId ?? incident.assetId;
  const clocks = slaClocks(incident);
  const items: [string, ReactNode][] = [
    [
      'Company',
      can('asset.read', incident.tenantId) ? (
        <Link to={`/companies/${incident.tenantId}`}>{nameOf(incident.tenantId)}</Link>
      ) : (
        nameOf(incident.tenantId)
      ),
    ],
    [
      'Root asset',
      <>
        <span className="inc-asset">{root ?? incident.assetRef}</span>
        {!root ? <span className="cell-sub">not in the inventory</span> : null}
      </>,
    ],
    ['Opened', <Time key="o" iso={incident.openedAt} />],
    [
      'Acknowledged',
      incident.acknowledgedAt ? (
        <>
          <Time iso={incident.acknowledgedAt} />
          {incident.acknowledgedBy ? <span className="cell-sub">by {incident.acknowledgedBy}</span> : null}
        </>
      ) : (
        <span className="muted">Not yet</span>
      ),
    ],
    [
      'First response',
      incident.respondedAt ? (
        <>
          <Time iso={incident.respondedAt} />
          {incident.respondedBy ? <span className="cell-sub">by {incident.respondedBy}</span> : null}
        </>
      ) : (
        <span className="muted">{incident.resolvedAt ? 'None: resolved without a person' : 'Not yet'}</span>
      ),
    ],
    [
      'Resolved',
      incident.resolvedAt ? (
        <>
          <Time iso={incident.resolvedAt} />
          <span className="cell-sub">
            {incident.resolutionCode ? `${humanize(incident.resolutionCode)} ` : ''}
            {incident.resolvedBy ? `by ${resolverName(incident.resolvedBy)}` : 'on its own: its alerts cleared'}
          </span>
        </>
      ) : (
        <span className="muted">Not yet</span>
      ),
    ],
    ['Assignee', incident.assignee ? incident.assignee.name : <span className="muted">Unassigned</span>],
    [
      'Response deadline',
      clocks ? (
        <>
          <Time iso={clocks.response.deadline} />
          <span className="cell-sub">
            <SlaCountdown deadline={clocks.response.deadline} state={clocks.response.state} windowMs={clocks.response.windowMs} />
          </span>
        </>
      ) : (
        <span className="muted">No SLA</span>
      ),
    ],
    [
      'Resolution deadline',
      clocks ? (
        <>
          <Time iso={clocks.resolution.deadline} />
          <span className="cell-sub">
            <SlaCountdown deadline={clocks.resolution.deadline} state={clocks.resolution.state} windowMs={clocks.resolution.windowMs} />
          </span>
        </>
      ) : (
        <span className="muted">No SLA</span>
      ),
    ],
    ['Sources', incident.sources.join(', ') || '—'],
    [
      'Correlation id',
      correlationId ? (
        <span className="inc-copy">
          <code>{correlationId}</code>
          <CopyButton text={correlationId} label="Copy" />
        </span>
      ) : (
        <span className="muted">—</span>
      ),
    ],
    [
      'Incident id',
      <span key="id" className="inc-copy">
        <code>{incident.id}</code>
        <CopyButton text={incident.id} label="Copy" />
      </span>,
    ],
  ];
  if (incident.mergedInto)
    items.splice(7, 0, ['Merged into', <Link to={`/incidents/${incident.tenantId}/${incident.mergedInto}`}>{incident.mergedInto}</Link>]);
  return (
    <Section title="Facts" id="facts-heading">
      <dl className="inc-facts">
        {items.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

function PriorityCard({ incident }: { incident: Incident }) {
  const priority = incident.priority;
  return (
    <Section title="Why this priority" id="priority-heading">
      {!priority ? (
        <p className="muted inc-small">No priority computed yet.</p>
      ) : (
        <>
          <ul className="inc-parts">
            {PRIORITY_PARTS.map(({ key, label, hint }) => {
              const value = priority.parts[key] ?? 0;
              return (
                <li key={key} className={value === 0 ? 'is-zero' : value < 0 ? 'is-negative' : ''}>
                  <span className="inc-part-label">
                    {label}
                    <span className="cell-sub">{hint}</span>
                  </span>
                  <span className="inc-part-bar" aria-hidden="true">
                    <span style={{ width: `${Math.min(100, (Math.abs(value) / 50) * 100)}%` }} />
                  </span>
                  <span className="inc-part-value">
                    {value > 0 ? '+' : value < 0 ? '−' : ''}
                    {Math.abs(value)}
                  </span>
                </li>
              );
            })}
          </ul>
          <p className="inc-parts-total">
            <span>Score</span>
            <strong>{priority.score}</strong>
            <span className="muted">of 100</span>
          </p>
        </>
      )}
    </Section>
  );
}

function EscalationCard({ incident }: { incident: Incident }) {
  const escalation = incident.escalation;
  if (!escalation) return null;
  return (
    <Section title="Escalation" id="escalation-heading">
      <p className="row inc-small">
        <Badge
          value={escalation.status === 'exhausted' ? 'failed' : escalation.status === 'active' ? 'running' : 'resolved'}
          label={humanize(escalation.status)}
        />
        <span>Level {escalation.level}</span>
        {escalation.timer ? (
          <span className="muted">
            next step <Time iso={escalation.timer.at} relative />
          </span>
        ) : null}
      </p>
      {escalation.history.length ? (
        <ol className="inc-mini-timeline">
          {escalation.history.map((step) => (
            <li key={`${step.at}-${step.event}`}>
              <time dateTime={step.at}>{formatTime(step.at)}</time>
              <span>
                {humanize(step.event)} (level {step.level})<span className="cell-sub">{step.reason}</span>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
    </Section>
  );
}

// ---------------------------------------------------------------------------------------------
// Main column: alerts, remediation, notes, activity

type AlertRow = IncidentDetail['alerts'][number];
type AlertEvent = AlertRow['events'][number];

const ROW_STATES: Record<AlertRow['state'], { badge: string; label: string }> = {
  firing: { badge: 'firing', label: 'Firing' },
  resolved: { badge: 'resolved', label: 'Resolved' },
  ended: { badge: 'merged', label: 'Ended with the incident' },
};

function eventLabel(event: AlertEvent): string {
  switch (event.kind) {
    case 'fired':
      return 'Fired';
    case 'repeated':
      return 'Repeated';
    case 'resolved':
      return 'Resolved';
    case 'reported-cleared':
      return `${event.source} reports it cleared`;
  }
}

/** "12 May, 5:05 AM" for another day, "5:05 AM" today. */
function shortTime(iso: string): string {
  return new Date(iso).toDateString() === new Date().toDateString() ? formatTime(iso) : formatDateTime(iso);
}

/**
 * One row per alert (per fingerprint): where it stands, when it was first and last heard, the tools that
 * reported it, how often it fired, and why it joined; its repeats and resolutions (and another tool's word
 * that it cleared) are events on the row.
 */
function AlertsCard({ detail, correlationIds }: { detail: IncidentDetail; correlationIds: Map<string, string> }) {
  const rows = detail.alerts;
  const opener = detail.timeline.find((entry) => entry.type === 'incident-opened')?.alertId;
  const { alertCount, occurrences } = detail.incident;
  return (
    <Section title="Alerts and why they were grouped" count={alertCount} id="alerts-heading">
      {occurrences !== undefined && occurrences > alertCount ? (
        <p className="muted inc-small">
          {alertCount} distinct alert{alertCount === 1 ? '' : 's'}, {occurrences} firing notifications in all (repeats included).
        </p>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No alerts recorded" />
      ) : (
        <ol className="inc-alerts">
          {rows.map((row, index) => {
            const opened = row.events.some((event) => event.alertId === opener) || (!opener && index === 0);
            const state = ROW_STATES[row.state];
            const clearedBy = [...new Set(row.events.filter((event) => event.kind === 'reported-cleared').map((event) => event.source))];
            const correlationId = row.events.map((event) => correlationIds.get(event.alertId)).find(Boolean);
            return (
              <li key={row.key} className={`inc-alert inc-edge-${row.severity}`}>
                <div className="inc-alert-time">
                  <time dateTime={row.firstSeenAt} title={formatDateTime(row.firstSeenAt)}>
                    {formatTime(row.firstSeenAt)}
                  </time>
                  <span className="cell-sub">{new Date(row.firstSeenAt).toLocaleDateString()}</span>
                </div>
                <div className="inc-alert-body">
                  <div className="inc-alert-head">
                    <span className="cell-title">{row.signature}</span>
                    <Badge value={row.severity} />
                    <Badge value={state.badge} label={state.label} />
                    {row.sources.map((source) => (
                      <span key={source} className="inc-chip">
                        {source}
                      </span>
                    ))}
                    <span className="inc-chip">{row.category}</span>
                  </div>
                  <p className="inc-alert-message">
                    <span className="inc-asset">{row.assetId ?? row.assetRef}</span> · {row.message}
                  </p>
                  <p className="inc-small muted inc-alert-seen">
                    First seen {shortTime(row.firstSeenAt)} · last {shortTime(row.lastSeenAt)} · fired {row.occurrences}{' '}
                    {row.occurrences === 1 ? 'time' : 'times'}
                  </p>
                  {clearedBy.length ? (
                    <p className="inc-small inc-alert-cleared">
                      {clearedBy.join(', ')} report{clearedBy.length === 1 ? 's' : ''} it cleared
                      {row.state === 'firing'
                        ? `; ${row.sources.filter((source) => !clearedBy.includes(source)).join(', ')} still reports it firing`
                        : ''}
                    </p>
                  ) : null}
                  <p className={`inc-why ${opened ? 'inc-why-open' : ''}`}>
                    <strong>{opened ? 'Opened the incident' : 'Why it joined'}:</strong> {row.reason}
                  </p>
                  {row.events.length > 1 ? (
                    <details className="inc-alert-events">
                      <summary>{row.events.length} notifications</summary>
                      <ol>
                        {row.events.map((event) => (
                          <li key={event.alertId}>
                            <time dateTime={event.at} title={formatDateTime(event.at)}>
                              {shortTime(event.at)}
                            </time>
                            <span>
                              {eventLabel(event)}
                              {event.kind === 'reported-cleared' ? null : <span className="cell-sub">{event.source}</span>}
                            </span>
                          </li>
                        ))}
                      </ol>
                    </details>
                  ) : null}
                  {correlationId ? (
                    <p className="inc-small muted">
                      Correlation id <code>{correlationId}</code>
                    </p>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}

function policyRows(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [[prefix, '—']];
  if (typeof value !== 'object') return [[prefix, String(value)]];
  if (Array.isArray(value))
    return [[prefix, value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : '—']];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => policyRows(inner, prefix ? `${prefix} › ${key}` : key));
}

function DecisionBlock({ decision, runbookName }: { decision: Decision; runbookName: (id: string) => string }) {
  const advice = decision.advice;
  return (
    <div className="inc-decision">
      <div className="inc-decision-head">
        <Badge value={decision.action} />
        {decision.runbookId ? (
          <span className="cell-title">{runbookName(decision.runbookId)}</span>
        ) : (
          <span className="muted">No runbook chosen</span>
        )}
        {decision.risk ? <Badge value={decision.risk} label={`${humanize(decision.risk)} risk`} /> : null}
        {decision.dryRun ? <Badge value="skipped" label="Dry run" /> : null}
      </div>
      <div className="inc-meters">
        <div className="inc-meter">
          <span className="inc-meter-label">Confidence</span>
          <span className="inc-meter-bar" aria-hidden="true">
            <span style={{ width: `${Math.round(decision.confidence * 100)}%` }} />
          </span>
          <strong>{Math.round(decision.confidence * 100)} %</strong>
        </div>
        <span className="muted inc-small">
          Decided <Time iso={decision.decidedAt} relative />
          {decision.approval ? (
            <>
              {' '}
              · approval by a {humanize(decision.approval.requiredRole).toLowerCase()} until {formatDateTime(decision.approval.expiresAt)}
            </>
          ) : null}
        </span>
      </div>
      <h3 className="inc-subtitle">Reasons</h3>
      <ol className="inc-reasons">
        {decision.reasons.map((reason, index) => (
          <li key={index}>{reason}</li>
        ))}
      </ol>
      {decision.params && Object.keys(decision.params).length ? (
        <>
          <h3 className="inc-subtitle">Parameters</h3>
          <p className="row">
            {Object.entries(decision.params).map(([key, value]) => (
              <code key={key}>
                {key}={String(value)}
              </code>
            ))}
          </p>
        </>
      ) : null}
      <h3 className="inc-subtitle">AI advice</h3>
      {!advice ? (
        <p className="muted inc-small">Not asked (AI advice is off in the company&apos;s remediation policy).</p>
      ) : 'unavailable' in advice ? (
        <p className="muted inc-small">Unavailable: {advice.unavailable}</p>
      ) : (
        <div className="inc-advice">
          <p>{advice.summary}</p>
          <p className="inc-small">
            <strong>Likely root cause:</strong> {advice.likelyRootCause}
          </p>
          <p className="inc-small muted">
            Confidence {Math.round(advice.confidence * 100)} %
            {advice.suggestedRunbookId ? ` · suggests ${runbookName(advice.suggestedRunbookId)}` : ''} ·{' '}
            {decision.adviceUsed ? 'taken into account' : 'not used for the decision'}
          </p>
        </div>
      )}
      <details className="inc-policy">
        <summary>Policy applied</summary>
        <dl>
          {policyRows(decision.policyApplied).map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}

function ExecutionBlock({ execution, open }: { execution: Execution; open: boolean }) {
  const { can } = useSession();
  const body = (
    <div className="inc-exec-body">
      <dl className="inc-exec-facts">
        <div>
          <dt>Trigger</dt>
          <dd>
            {humanize(execution.trigger)}
            {execution.requestedBy !== 'system' ? <span className="cell-sub">by {execution.requestedBy}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Targets</dt>
          <dd>
            {execution.targets.map((target) => (
              <span key={target.instanceId} className="cell-sub inc-exec-target">
                {target.assetId} · {target.instanceId}
              </span>
            ))}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Time iso={execution.startedAt ?? execution.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            {execution.durationMs !== undefined ? formatDuration(execution.durationMs) : execution.state === 'running' ? 'running…' : '—'}
          </dd>
        </div>
      </dl>
      {Object.keys(execution.params).length ? (
        <p className="row">
          {Object.entries(execution.params).map(([key, value]) => (
            <code key={key}>
              {key}={String(value)}
            </code>
          ))}
        </p>
      ) : null}
      {execution.state === 'pending_approval' && can('approval.read', execution.tenantId) ? (
        <Notice kind="info">
          Waiting for an approval. <Link to="/approvals">Review it in Approvals</Link>
        </Notice>
      ) : null}
      {execution.error ? (
        <Notice kind="error">
          {execution.failedSection ? <strong>{humanize(execution.failedSection)} failed: </strong> : null}
          {execution.error}
        </Notice>
      ) : null}
      {execution.output ? (
        <div>
          <div className="inc-output-head">
            <span className="inc-subtitle">Output{execution.outcome ? ` · ${humanize(execution.outcome)}` : ''}</span>
            <CopyButton text={execution.output} label="Copy output" />
          </div>
          <pre className="inc-output" tabIndex={0} aria-label="Runbook output">
            {execution.output}
          </pre>
        </div>
      ) : execution.state === 'running' ? (
        <p className="muted inc-small">
          <span className="spinner inc-inline-spinner" aria-hidden="true" /> Running: the output appears when it finishes.
        </p>
      ) : execution.outcome ? (
        <p className="muted inc-small">Outcome: {humanize(execution.outcome)}</p>
      ) : null}
    </div>
  );
  const head = (
    <span className="inc-exec-head">
      <span className="cell-title">{execution.runbookName}</span>
      <Badge value={EXECUTION_TONES[execution.state]} label={humanize(remediationLabel(execution.state).replace('Runbook ', ''))} />
      <Badge value={execution.risk} label={`${humanize(execution.risk)} risk`} />
      {execution.dryRun ? <Badge value="skipped" label="Dry run" /> : null}
      <span className="muted inc-small">
        <Time iso={execution.createdAt} relative />
      </span>
    </span>
  );
  if (open) {
    return (
      <div className="inc-exec">
        {head}
        {body}
      </div>
    );
  }
  return (
    <details className="inc-exec inc-exec-older">
      <summary>{head}</summary>
      {body}
    </details>
  );
}

function RemediationCard({ detail, runbooks }: { detail: IncidentDetail; runbooks: Runbook[] | undefined }) {
  const api = useApi();
  const { incident } = detail;
  const executions = useQuery({
    queryKey: ['executions', incident.tenantId, incident.id],
    queryFn: () =>
      call(api.GET('/v1/executions', { params: { query: { tenant: incident.tenantId, incidentId: incident.id, limit: 20 } } })),
  });
  const names = new Map((runbooks ?? []).map((r) => [r.id, r.name]));
  const runbookName = (id: string) => names.get(id) ?? id;
  const list = [...(executions.data?.executions ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <Section title="Remediation" id="remediation-heading">
      <h3 className="inc-block-title">Decision</h3>
      {incident.decision ? (
        <DecisionBlock decision={incident.decision} runbookName={runbookName} />
      ) : (
        <p className="muted inc-small">No remediation decision yet: it is made right after the incident opens.</p>
      )}
      <h3 className="inc-block-title">Runbook executions</h3>
      {executions.isPending ? (
        <Spinner label="Loading executions" />
      ) : executions.isError ? (
        <ErrorState error={executions.error} onRetry={() => void executions.refetch()} />
      ) : list.length === 0 ? (
        <p className="muted inc-small">No runbook has run for this incident.</p>
      ) : (
        <div className="stack">
          {list.map((execution, index) => (
            <ExecutionBlock key={execution.id} execution={execution} open={index === 0} />
          ))}
        </div>
      )}
    </Section>
  );
}

function NotesCard({ detail }: { detail: IncidentDetail }) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const { incident } = detail;
  const [text, setText] = useState('');
  const notes = detail.timeline.filter((entry) => entry.type === 'note').reverse();
  const add = useMutation({
    mutationFn: (note: string) =>
      call(
        api.POST('/v1/incidents/{id}/notes', {
          params: { path: { id: incident.id }, query: { tenant: incident.tenantId } },
          body: { text: note },
        }),
      ),
    onSuccess: (next) => {
      setText('');
      queryClient.setQueryData(['incident', incident.tenantId, incident.id], next);
      void queryClient.invalidateQueries({ queryKey: ['incident', incident.tenantId, incident.id] });
    },
  });
  return (
    <Section title="Notes" count={notes.length} id="notes-heading">
      {can('incident.note', incident.tenantId) ? (
        <form
          className="inc-note-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (text.trim()) add.mutate(text.trim());
          }}
        >
          <label className="field">
            <span className="visually-hidden">Note</span>
            <textarea
              value={text}
              onChange={(event) => setText(event.target.value)}
              placeholder="What did you find, what did you try, who did you call?"
              maxLength={4000}
              rows={3}
            />
          </label>
          <div className="row inc-note-actions">
            <FormError error={add.error} />
            <button type="submit" className="button button-primary" disabled={add.isPending || !text.trim()}>
              {add.isPending ? 'Adding…' : 'Add note'}
            </button>
          </div>
        </form>
      ) : null}
      {notes.length === 0 ? (
        <p className="muted inc-small">No notes yet.</p>
      ) : (
        <ul className="inc-notes">
          {notes.map((note) => (
            <li key={note.id}>
              <div className="inc-note-meta">
                <span className="inc-avatar" aria-hidden="true">
                  {(note.actor ?? '?').slice(0, 1).toUpperCase()}
                </span>
                <strong>{note.actor ?? 'Someone'}</strong>
                <span className="muted">
                  <Time iso={note.at} />
                </span>
              </div>
              <p className="inc-note-text">{note.reason}</p>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

/** "HighCPU on db-prod-01", and the tool when it said what the entry records. */
function alertName(alert: NonNullable<TimelineEntry['alert']>, type: TimelineEntry['type']): string {
  const name = `${alert.signature} on ${alert.assetRef}`;
  return type === 'alert-resolved' || type === 'alert-joined' ? `${name} (${alert.source})` : name;
}

/** The activity, newest first: the API lists it in the order things happened (one instant's entries cause first). */
function ActivityCard({ detail }: { detail: IncidentDetail }) {
  const entries = [...detail.timeline].reverse();
  return (
    <Section title="Activity" count={entries.length} id="activity-heading">
      <ol className="inc-activity">
        {entries.map((entry) => {
          const meta = TIMELINE_LABELS[entry.type] ?? { label: humanize(entry.type), tone: 'neutral' };
          return (
            <li key={entry.id} className={`tone-${meta.tone}`}>
              <span className="inc-activity-dot" aria-hidden="true" />
              <div className="inc-activity-body">
                <div className="inc-activity-head">
                  <strong>{meta.label}</strong>
                  {entry.alert ? <span className="inc-activity-alert">{alertName(entry.alert, entry.type)}</span> : null}
                  {entry.actor ? <span className="muted">by {entry.actor}</span> : null}
                  <time dateTime={entry.at} title={formatDateTime(entry.at)} className="muted">
                    {formatDateTime(entry.at)}
                  </time>
                </div>
                {entry.reason ? <p className="inc-activity-text">{entry.reason}</p> : null}
              </div>
            </li>
          );
        })}
      </ol>
    </Section>
  );
}

// ---------------------------------------------------------------------------------------------

function IncidentView({ detail }: { detail: IncidentDetail }) {
  const api = useApi();
  const { can } = useSession();
  const { nameOf } = useTenants();
  const { incident } = detail;
  const tenantId = incident.tenantId;
  const runbooks = useQuery({
    queryKey: ['runbooks', tenantId],
    queryFn: () => call(api.GET('/v1/runbooks', { params: { query: { tenant: tenantId } } })),
    enabled: can('runbook.read', tenantId),
    staleTime: 5 * 60_000,
  });
  // Each alert's correlation id (the webhook request that brought it), shown beside the alert.
  const since = new Date(new Date(incident.openedAt).getTime() - 15 * 60_000).toISOString();
  const alerts = useQuery({
    queryKey: ['incident', tenantId, incident.id, 'alerts', since],
    queryFn: () => call(api.GET('/v1/alerts', { params: { query: { tenant: tenantId, since, limit: 200 } } })),
    enabled: can('alert.read', tenantId),
    staleTime: 60_000,
  });
  const correlationIds = new Map<string, string>();
  for (const alert of alerts.data?.alerts ?? []) {
    if (alert.incidentId === incident.id && alert.correlationId) correlationIds.set(alert.id, alert.correlationId);
  }
  const opener = detail.timeline.find((entry) => entry.type === 'incident-opened')?.alertId;
  const correlationId = incident.correlationId ?? (opener ? correlationIds.get(opener) : undefined);
  const clocks = slaClocks(incident);

  return (
    <div className="inc-detail">
      <nav aria-label="Breadcrumb" className="inc-crumbs">
        <Link to="/incidents">Incidents</Link>
        <span aria-hidden="true">/</span>
        <span>{nameOf(tenantId)}</span>
      </nav>
      <header className={`inc-hero inc-edge-${incident.severity}`}>
        <div className="inc-hero-main">
          <IncidentBadges incident={incident} withSeverity />
          <h1>{incident.title}</h1>
          <p className="inc-hero-sub">
            <span>{nameOf(tenantId)}</span>
            <span>
              root <span className="inc-asset">{incident.rootAssetId ?? incident.assetId ?? incident.assetRef}</span>
            </span>
            <span>
              {incident.alertCount} alert{incident.alertCount === 1 ? '' : 's'}
              {incident.occurrences !== undefined && incident.occurrences > incident.alertCount
                ? ` (${incident.occurrences} notifications)`
                : ''}{' '}
              from {incident.sources.join(', ')}
            </span>
            <span>
              opened <Time iso={incident.openedAt} relative />
            </span>
          </p>
        </div>
        {incident.priority ? (
          <PriorityDial score={incident.priority.score} settled={incident.status === 'resolved' || incident.status === 'merged'} />
        ) : null}
      </header>
      {clocks && incident.status !== 'merged' ? (
        <div className="inc-sla-strip" aria-label="SLA clocks" role="group">
          <SlaTile clock={clocks.response} />
          <SlaTile clock={clocks.resolution} />
        </div>
      ) : null}
      <div className="inc-layout">
        <div className="inc-main">
          <AlertsCard detail={detail} correlationIds={correlationIds} />
          <RemediationCard detail={detail} runbooks={runbooks.data?.runbooks} />
          <NotesCard detail={detail} />
          <ActivityCard detail={detail} />
        </div>
        <aside className="inc-side" aria-label="Incident facts and actions">
          <ActionsPanel detail={detail} runbooks={runbooks.data?.runbooks} />
          <FactsCard detail={detail} correlationId={correlationId} />
          <PriorityCard incident={incident} />
          <EscalationCard incident={incident} />
        </aside>
      </div>
    </div>
  );
}

/** One incident: what happened, why it was grouped and prioritised, what the automation did, and the operator's controls. */
export default function IncidentDetailPage() {
  const { tenantId = '', incidentId = '' } = useParams();
  const api = useApi();
  useFollowIncident(tenantId, incidentId);
  const query = useQuery({
    queryKey: ['incident', tenantId, incidentId],
    queryFn: () => call(api.GET('/v1/incidents/{id}', { params: { path: { id: incidentId }, query: { tenant: tenantId } } })),
  });
  if (query.isPending) return <Spinner label="Loading the incident" />;
  if (query.isError) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <div className="stack">
        <nav aria-label="Breadcrumb" className="inc-crumbs">
          <Link to="/incidents">Incidents</Link>
        </nav>
        <h1>Incident</h1>
        <div className="card">
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          {notFound ? (
            <p className="inc-center muted">
              This incident does not exist, or it belongs to a company you cannot see. <Link to="/incidents">Back to incidents</Link>
            </p>
          ) : null}
        </div>
      </div>
    );
  }
  return <IncidentView detail={query.data} />;
}
