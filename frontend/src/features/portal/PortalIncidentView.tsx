import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link } from 'react-router';
import { useSession } from '../../auth/session';
import { useTenants } from '../../auth/tenants';
import { Badge } from '../../components/badges';
import { Dialog } from '../../components/dialog';
import { FormError, IncidentBadges, Section, slaClocks, type IncidentDetail } from '../../components/incident-parts';
import { Facts } from '../../components/layout-parts';
import { FieldError, fieldErrors, invalidProps, useDialogMounted } from '../../components/settings-form';
import { Notice } from '../../components/states';
import { formatDateTime, humanize } from '../../lib/format';
import { formErrors } from '../form-errors';
import { SlaTile, Time } from '../incidents/detail/hero-parts';
import { NoteForm } from '../incidents/detail/timeline-cards';
import { callbackBodyOf, callbackFormSchema, emptyCallbackDraft, type CallbackDraft } from './callback-draft';
import { useRequestCallback } from './hooks';
import '../../pages/incidents.css';
import './portal.css';

type Incident = IncidentDetail['incident'];

/**
 * An incident as a client's viewer sees it: what the API returns for them (it leaves out runbook output and
 * the provider's internal notes), the SLA clocks, the shared notes and the activity. They may add a note or
 * ask to be called back; acknowledging, resolving or running anything is the provider's.
 */
export function PortalIncidentView({ detail }: { detail: IncidentDetail }) {
  const { can } = useSession();
  const { nameOf } = useTenants();
  const { incident } = detail;
  const [asking, setAsking] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const clocks = slaClocks(incident);
  const notes = detail.timeline.filter((entry) => entry.type === 'note').reverse();
  const activity = detail.timeline.filter((entry) => entry.type !== 'note').reverse();

  return (
    <div className="inc-detail">
      <nav aria-label="Breadcrumb" className="inc-crumbs">
        <Link to="/incidents">Incidents</Link>
        <span aria-hidden="true">/</span>
        <span>{nameOf(incident.tenantId)}</span>
      </nav>
      <header className={`inc-hero inc-edge-${incident.severity}`}>
        <div className="inc-hero-main">
          <IncidentBadges incident={incident} withSeverity />
          <h1>{incident.title}</h1>
          <p className="inc-hero-sub">
            <span>{incident.rootAssetId ?? incident.assetId ?? incident.assetRef}</span>
            <span>
              opened <Time iso={incident.openedAt} relative />
            </span>
          </p>
        </div>
      </header>
      {clocks && incident.status !== 'merged' ? (
        <div className="inc-sla-strip" aria-label="SLA clocks" role="group">
          <SlaTile clock={clocks.response} />
          <SlaTile clock={clocks.resolution} />
        </div>
      ) : null}
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <div className="inc-layout">
        <div className="inc-main">
          <Section title="Notes" count={notes.length} id="notes-heading">
            {can('incident.note', incident.tenantId) ? (
              <NoteForm
                incident={incident}
                label="Add a note"
                placeholder="Anything your service provider should know"
                onAdded={() => setNotice('Note added.')}
              />
            ) : null}
            {notes.length === 0 ? (
              <p className="muted inc-small">No notes yet.</p>
            ) : (
              <ul className="inc-notes">
                {notes.map((note) => (
                  <li key={note.id}>
                    <div className="inc-note-meta">
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
          <Section title="Alerts" count={detail.alerts.length} id="alerts-heading">
            <ul className="portal-alerts">
              {detail.alerts.map((alert) => (
                <li key={alert.key}>
                  <Badge value={alert.state} />
                  <span className="portal-alert-name">
                    {alert.signature} on {alert.assetRef}
                  </span>
                  <span className="muted small">
                    first {formatDateTime(alert.firstSeenAt)}
                    {alert.occurrences > 1 ? ` · ${alert.occurrences} times` : ''}
                  </span>
                </li>
              ))}
            </ul>
          </Section>
          <Section title="What happened" count={activity.length} id="activity-heading">
            <ol className="inc-activity">
              {activity.map((entry) => (
                <li key={entry.id} className="tone-neutral">
                  <span className="inc-activity-dot" aria-hidden="true" />
                  <div className="inc-activity-body">
                    <div className="inc-activity-head">
                      <strong>{entry.reason || humanize(entry.type)}</strong>
                      <time dateTime={entry.at} className="muted">
                        {formatDateTime(entry.at)}
                      </time>
                    </div>
                  </div>
                </li>
              ))}
            </ol>
          </Section>
        </div>
        <aside className="inc-side" aria-label="Incident facts and actions">
          <section className="card" aria-labelledby="portal-actions-heading">
            <div className="card-header">
              <h2 id="portal-actions-heading">Need to talk?</h2>
            </div>
            <p className="muted inc-small">Your service provider is working on it. Ask them to call you back about this incident.</p>
            <div className="portal-actions">
              <button type="button" className="button button-primary" onClick={() => setAsking(true)}>
                Ask for a callback
              </button>
            </div>
          </section>
          <section className="card" aria-labelledby="portal-facts-heading">
            <div className="card-header">
              <h2 id="portal-facts-heading">Facts</h2>
            </div>
            <Facts
              items={[
                ['Status', humanize(incident.status)],
                ['Severity', humanize(incident.severity)],
                ['Opened', formatDateTime(incident.openedAt)],
                ['Resolved', incident.resolvedAt ? formatDateTime(incident.resolvedAt) : undefined],
                ['Alerts', String(incident.alertCount)],
              ]}
            />
          </section>
        </aside>
      </div>
      <CallbackDialog
        open={asking}
        incident={incident}
        onClose={() => setAsking(false)}
        onSent={() => {
          setAsking(false);
          setNotice('Callback requested: your service provider will call you back.');
        }}
      />
    </div>
  );
}

function CallbackDialog({
  open,
  incident,
  onClose,
  onSent,
}: {
  open: boolean;
  incident: Incident;
  onClose: () => void;
  onSent: () => void;
}) {
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title="Ask for a callback" onClose={onClose}>
      <CallbackForm incident={incident} onCancel={onClose} onSent={onSent} />
    </Dialog>
  );
}

function CallbackForm({ incident, onCancel, onSent }: { incident: Incident; onCancel: () => void; onSent: () => void }) {
  const formId = useId();
  const request = useRequestCallback(incident, { onSuccess: onSent });
  const { register, handleSubmit, formState } = useForm<CallbackDraft>({
    defaultValues: emptyCallbackDraft,
    resolver: zodResolver(callbackFormSchema, undefined, { raw: true }),
  });
  const errors = new Map([...fieldErrors(request.error), ...formErrors(formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  return (
    <form className="stack" onSubmit={handleSubmit((draft) => request.mutate(callbackBodyOf(draft)))} noValidate>
      <label className="field" htmlFor={fid('phone')}>
        Phone (optional)
        <input
          id={fid('phone')}
          type="tel"
          autoComplete="tel"
          maxLength={32}
          {...register('phone')}
          {...invalidProps(errors, 'phone', fid('phone'))}
        />
        <span className="field-hint">Leave empty to be called on the number your provider has for you.</span>
        <FieldError errors={errors} path="phone" id={fid('phone')} />
      </label>
      <label className="field" htmlFor={fid('message')}>
        Message
        <textarea
          id={fid('message')}
          rows={4}
          maxLength={1000}
          {...register('message')}
          {...invalidProps(errors, 'message', fid('message'))}
        />
        <FieldError errors={errors} path="message" id={fid('message')} />
      </label>
      <FormError error={request.error} />
      <div className="row inc-dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={request.isPending}>
          {request.isPending ? 'Sending…' : 'Send request'}
        </button>
      </div>
    </form>
  );
}
