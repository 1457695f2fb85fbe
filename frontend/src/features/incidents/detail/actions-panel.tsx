import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useSession } from '../../../auth/session';
import { maintenanceHold, slaPaused, type IncidentDetail } from '../../../components/incident-parts';
import { errorMessage, Notice } from '../../../components/states';
import {
  useAcknowledgeIncident,
  useAssignIncident,
  usePauseSla,
  useReopenIncident,
  useResolveIncident,
  useResumeSla,
  useRunRunbook,
} from '../hooks';
import { useEndHold, useSilenceIncident } from '../../maintenance/hooks';
import { useTechnicians } from '../../oncall/hooks';
import { formatDateTime } from '../../../lib/format';
import type { Runbook, Technician } from './types';
import { ResolveDialog, PauseDialog, RunbookDialog } from './action-dialogs';
import { SilenceDialog } from './silence-dialog';
import { assignDraftOf, assigneeOf, type AssignDraft, assignFormSchema } from './incident-action-drafts';

export function ActionsPanel({ detail, runbooks }: { detail: IncidentDetail; runbooks: Runbook[] | undefined }) {
  const { can } = useSession();
  const { incident } = detail;
  const tenantId = incident.tenantId;
  const [notice, setNotice] = useState<{ kind: 'success' | 'error' | 'info'; text: string } | undefined>();
  const [dialog, setDialog] = useState<'resolve' | 'pause' | 'runbook' | 'silence' | undefined>();

  const active = incident.status === 'open' || incident.status === 'acknowledged';
  const canAssign = can('incident.assign', tenantId) && active;
  const technicians = useTechnicians(tenantId, canAssign);

  const notify = (text: string, kind: 'success' | 'info' = 'success') => setNotice({ kind, text });
  const fail = (error: unknown) => setNotice({ kind: 'error', text: errorMessage(error) });

  const acknowledge = useAcknowledgeIncident(incident, {
    onSuccess: () => notify('Acknowledged: the response clock has stopped.'),
    onError: fail,
  });
  const assign = useAssignIncident(incident, {
    onSuccess: (next) => notify(next.incident.assignee ? `Assigned to ${next.incident.assignee.name}.` : 'Unassigned.'),
    onError: fail,
  });
  const resolve = useResolveIncident(incident, {
    onSuccess: () => {
      setDialog(undefined);
      notify('Incident resolved.');
    },
  });
  const reopen = useReopenIncident(incident, { onSuccess: () => notify('Incident reopened.'), onError: fail });
  const pause = usePauseSla(incident, {
    onSuccess: () => {
      setDialog(undefined);
      notify('Pausing the SLA clock: the deadlines update in a moment.', 'info');
    },
  });
  const resume = useResumeSla(incident, {
    onSuccess: () => notify('Resuming the SLA clock: the deadlines move by the time paused.', 'info'),
    onError: fail,
  });
  const run = useRunRunbook(incident, {
    onSuccess: (execution) => {
      setDialog(undefined);
      notify(
        execution.state === 'pending_approval'
          ? `${execution.runbookName} is waiting for an approval.`
          : `${execution.runbookName} started${execution.dryRun ? ' (dry run)' : ''}.`,
      );
    },
  });

  const silence = useSilenceIncident(incident, {
    onSuccess: (window, body) => {
      setDialog(undefined);
      notify(
        `Silenced until ${formatDateTime(window.endsAt)}${body.endWhenResolved ? ', or until it resolves' : ''}: nobody is paged about it.`,
      );
    },
  });
  const endHold = useEndHold(incident, {
    onSuccess: () => notify('Silence ended: the incident is routed and notified as usual if it still fires.', 'info'),
    onError: fail,
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
  const hold = maintenanceHold(incident);
  const canAck = can('incident.acknowledge', tenantId);
  const canSilence = can('maintenance.short', tenantId) || can('maintenance.write', tenantId);
  const show = {
    acknowledge: canAck && incident.status === 'open',
    resolve: can('incident.resolve', tenantId) && active,
    reopen: can('incident.reopen', tenantId) && incident.status === 'resolved',
    pause: canAck && active && Boolean(incident.sla) && !paused,
    resume: canAck && active && paused,
    runbook: active && can('execution.run.low', tenantId) && runnable.length > 0,
    silence: canSilence && active && !hold,
    endSilence: canSilence && active && hold?.kind === 'silence',
  };
  const anything = Object.values(show).some(Boolean) || canAssign;
  const busy = acknowledge.isPending || assign.isPending || reopen.isPending || resume.isPending || endHold.isPending;

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
            {show.silence ? (
              <button
                type="button"
                className="button button-ghost"
                onClick={() => {
                  silence.reset();
                  setDialog('silence');
                }}
              >
                Silence
              </button>
            ) : null}
            {show.endSilence ? (
              <button type="button" className="button button-ghost" disabled={busy} onClick={() => endHold.mutate()}>
                End silence
              </button>
            ) : null}
          </div>
          {canAssign ? (
            <AssignForm
              incident={incident}
              technicians={technicians.data?.technicians ?? []}
              loading={technicians.isPending}
              loadError={technicians.isError ? technicians.error : undefined}
              busy={busy}
              onAssign={(userId) => assign.mutate(userId)}
            />
          ) : null}
        </div>
      )}
      <ResolveDialog
        open={dialog === 'resolve'}
        onClose={() => setDialog(undefined)}
        pending={resolve.isPending}
        error={resolve.error}
        onResolve={(body) => resolve.mutate(body)}
      />
      <PauseDialog
        open={dialog === 'pause'}
        onClose={() => setDialog(undefined)}
        pending={pause.isPending}
        error={pause.error}
        onPause={(reason) => pause.mutate(reason)}
      />
      <SilenceDialog
        open={dialog === 'silence'}
        onClose={() => setDialog(undefined)}
        pending={silence.isPending}
        error={silence.error}
        onSilence={(body) => silence.mutate(body)}
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
          onRun={(runbook, params, dryRun) => run.mutate({ runbookId: runbook.id, params, dryRun })}
        />
      ) : null}
    </section>
  );
}

/** Who works the incident: follows the incident's assignee, so a change made elsewhere shows here. */
function AssignForm({
  incident,
  technicians,
  loading,
  loadError,
  busy,
  onAssign,
}: {
  incident: IncidentDetail['incident'];
  technicians: Technician[];
  loading: boolean;
  loadError: unknown;
  busy: boolean;
  onAssign: (userId: string | null) => void;
}) {
  const current = incident.assignee?.userId;
  const { register, handleSubmit, watch } = useForm<AssignDraft>({
    values: assignDraftOf(current),
    // The API's own assign body: the choice is sent as the user id, or null for nobody.
    resolver: zodResolver(assignFormSchema, undefined, { raw: true }),
  });
  const chosen = watch('userId');
  return (
    <form className="inc-assign" onSubmit={handleSubmit((draft) => onAssign(assigneeOf(draft)))}>
      <label className="field">
        Technician
        <select {...register('userId')} disabled={loading}>
          <option value="">Unassigned</option>
          {incident.assignee && !technicians.some((t) => t.userId === current) ? (
            <option value={incident.assignee.userId}>{incident.assignee.name}</option>
          ) : null}
          {technicians.map((tech) => (
            <option key={tech.userId} value={tech.userId} disabled={!tech.active}>
              {tech.name} · {tech.openIncidents}/{tech.maxOpenIncidents} open{tech.onCall ? ' · on call' : ''}
              {tech.active ? '' : ' · off'}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button" disabled={busy || (current ?? '') === chosen || loading}>
        Assign
      </button>
      {loadError ? <p className="form-error">{errorMessage(loadError)}</p> : null}
    </form>
  );
}
