import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { Dialog } from '../../../components/dialog';
import { FormError } from '../../../components/incident-parts';
import { FieldError, fieldErrors, invalidProps, useDialogMounted } from '../../../components/settings-form';
import { formErrors } from '../../form-errors';
import type { SilenceBody } from '../../maintenance/hooks';
import { emptySilenceDraft, SILENCE_LENGTHS, silenceBodyOf, type SilenceDraft, silenceFormSchema } from './silence-draft';

/** Silence the incident: for a while or until a time, ending when it resolves unless unchecked, with a reason. */
export function SilenceDialog({
  open,
  onClose,
  onSilence,
  pending,
  error,
}: {
  open: boolean;
  onClose: () => void;
  onSilence: (body: SilenceBody) => void;
  pending: boolean;
  error: unknown;
}) {
  // A fresh form each time the dialog opens: the length is chosen for the incident as it is then.
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title="Silence this incident" onClose={onClose}>
      <SilenceForm onCancel={onClose} onSilence={onSilence} pending={pending} error={error} />
    </Dialog>
  );
}

function SilenceForm({
  onCancel,
  onSilence,
  pending,
  error,
}: {
  onCancel: () => void;
  onSilence: (body: SilenceBody) => void;
  pending: boolean;
  error: unknown;
}) {
  const formId = useId();
  const { register, handleSubmit, watch, formState } = useForm<SilenceDraft>({
    defaultValues: emptySilenceDraft,
    // Checked as the body it becomes, so the API's own messages show before a round trip.
    resolver: zodResolver(silenceFormSchema, undefined, { raw: true }),
  });
  const errors = new Map([...fieldErrors(error), ...formErrors(formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  const length = watch('for');
  return (
    <form className="stack" onSubmit={handleSubmit((draft) => onSilence(silenceBodyOf(draft)))} noValidate>
      <p className="muted inc-dialog-text">
        Nobody is paged about this incident, nor about new alerts like its own (same assets and signatures), until the silence ends. Its SLA
        clocks keep running and runbooks may still run.
      </p>
      <fieldset className="inc-params" aria-describedby={errors.has('for') ? `${fid('for')}-error` : undefined}>
        <legend>For how long</legend>
        <div className="row">
          {SILENCE_LENGTHS.map((option) => (
            <label key={option.value} className="inc-check">
              <input type="radio" value={option.value} {...register('for')} />
              {option.label}
            </label>
          ))}
          <label className="inc-check">
            <input type="radio" value="" {...register('for')} />
            Until…
          </label>
        </div>
        <FieldError errors={errors} path="for" id={fid('for')} />
      </fieldset>
      {length === '' ? (
        <label className="field" htmlFor={fid('until')}>
          Until
          <input id={fid('until')} type="datetime-local" {...register('until')} {...invalidProps(errors, 'until', fid('until'))} />
          <FieldError errors={errors} path="until" id={fid('until')} />
        </label>
      ) : null}
      <label className="inc-check">
        <input type="checkbox" {...register('endWhenResolved')} />
        End the silence when the incident resolves
      </label>
      <label className="field" htmlFor={fid('reason')}>
        Reason <span className="field-hint">Why, for the timeline (optional)</span>
        <textarea id={fid('reason')} rows={2} {...register('reason')} {...invalidProps(errors, 'reason', fid('reason'))} />
        <FieldError errors={errors} path="reason" id={fid('reason')} />
      </label>
      <FormError error={error} />
      <div className="row inc-dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Silencing…' : 'Silence'}
        </button>
      </div>
    </form>
  );
}
