import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { useSession } from '../../../auth/session';
import { FormError, Section, type IncidentDetail } from '../../../components/incident-parts';
import { useAddNote } from '../hooks';
import { formatDateTime, humanize } from '../../../lib/format';
import { FieldError, invalidProps } from '../../../components/settings-form';
import { formErrors } from '../../form-errors';
import { emptyNoteDraft, type NoteDraft, noteFormSchema } from './incident-action-drafts';
import type { TimelineEntry } from './types';
import { Time } from './hero-parts';

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
  'maintenance-started': { label: 'In maintenance', tone: 'accent' },
  'maintenance-ended': { label: 'Maintenance ended', tone: 'neutral' },
};

export function NotesCard({ detail }: { detail: IncidentDetail }) {
  const { can } = useSession();
  const { incident } = detail;
  const notes = detail.timeline.filter((entry) => entry.type === 'note').reverse();
  return (
    <Section title="Notes" count={notes.length} id="notes-heading">
      {can('incident.note', incident.tenantId) ? <NoteForm incident={incident} /> : null}
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

/**
 * Adding a note to an incident: the staff's notes card, and the client portal (with its own label and
 * placeholder, and told when a note was added).
 */
export function NoteForm({
  incident,
  label,
  placeholder = 'What did you find, what did you try, who did you call?',
  onAdded,
}: {
  incident: IncidentDetail['incident'];
  /** Shown above the field and names the form; without it the field's label is for screen readers only. */
  label?: string;
  placeholder?: string;
  onAdded?: () => void;
}) {
  const formId = useId();
  const { register, handleSubmit, reset, formState } = useForm<NoteDraft>({
    defaultValues: emptyNoteDraft,
    // The API's own note schema: a note of only spaces is refused on its field, before any request.
    resolver: zodResolver(noteFormSchema, undefined, { raw: true }),
  });
  const add = useAddNote(incident, {
    onSuccess: () => {
      reset();
      onAdded?.();
    },
  });
  const errors = formErrors(formState.errors);
  const id = `${formId}-text`;
  return (
    <form
      className="inc-note-form"
      onSubmit={handleSubmit((draft) => add.mutate(draft.text.trim()))}
      noValidate
      {...(label ? { 'aria-label': label } : {})}
    >
      <label className="field" htmlFor={id}>
        {label ?? <span className="visually-hidden">Note</span>}
        <textarea id={id} placeholder={placeholder} rows={3} maxLength={4000} {...register('text')} {...invalidProps(errors, 'text', id)} />
        <FieldError errors={errors} path="text" id={id} />
      </label>
      <div className="row inc-note-actions">
        <FormError error={add.error} />
        <button type="submit" className="button button-primary" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add note'}
        </button>
      </div>
    </form>
  );
}

/** "HighCPU on db-prod-01", and the tool when it said what the entry records. */
function alertName(alert: NonNullable<TimelineEntry['alert']>, type: TimelineEntry['type']): string {
  const name = `${alert.signature} on ${alert.assetRef}`;
  return type === 'alert-resolved' || type === 'alert-joined' ? `${name} (${alert.source})` : name;
}

/** The activity, newest first: the API lists it in the order things happened (one instant's entries cause first). */
export function ActivityCard({ detail }: { detail: IncidentDetail }) {
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
