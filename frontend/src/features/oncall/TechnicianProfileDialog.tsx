import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { Dialog } from '../../components/dialog';
import type { Technician } from '../../components/oncall-parts';
import { FieldError, fieldErrors, invalidProps } from '../../components/settings-form';
import { errorMessage } from '../../components/states';
import { formErrors } from '../form-errors';
import { useSaveTechnicianProfile } from './hooks';
import { type ProfileDraft, profileChangeOf, profileDraftOf, profileFormSchema } from './profile-draft';

function ProfileForm({ technician, onCancel, onSaved }: { technician: Technician; onCancel: () => void; onSaved: (name: string) => void }) {
  const formId = useId();
  const { register, handleSubmit, formState } = useForm<ProfileDraft>({
    defaultValues: profileDraftOf(technician),
    // The routing's own technician schema: its messages appear before a request is made.
    resolver: zodResolver(profileFormSchema, undefined, { raw: true }),
  });
  const mutation = useSaveTechnicianProfile(technician, { onSuccess: () => onSaved(technician.name) });
  const errors = new Map([...fieldErrors(mutation.error), ...formErrors(formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  const submit = handleSubmit((draft) => mutation.mutate(profileChangeOf(draft)));

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p className="muted oncall-profile-who">
        {technician.name} · {technician.email}
      </p>
      <label className="field" htmlFor={fid('skills')}>
        Skills
        <input
          id={fid('skills')}
          placeholder="linux, database, windows"
          {...register('skills')}
          {...invalidProps(errors, 'skills', fid('skills'))}
        />
        <span className="field-hint">Comma-separated. The routing prefers technicians whose skills match the incident.</span>
        <FieldError errors={errors} path="skills" id={fid('skills')} />
      </label>
      <label className="field" htmlFor={fid('cap')}>
        Open incidents at most
        <input
          id={fid('cap')}
          type="number"
          min={1}
          max={1000}
          step={1}
          inputMode="numeric"
          {...register('maxOpenIncidents')}
          {...invalidProps(errors, 'maxOpenIncidents', fid('cap'))}
        />
        <span className="field-hint">Open or acknowledged incidents assigned at once; the routing skips them at the cap.</span>
        <FieldError errors={errors} path="maxOpenIncidents" id={fid('cap')} />
      </label>
      <label className="toggle">
        <input type="checkbox" {...register('active')} />
        <span>Active: the routing may pick them (turn off for holidays)</span>
      </label>
      {mutation.isError ? (
        <p className="form-error" role="alert">
          {errorMessage(mutation.error)}
        </p>
      ) : null}
      <div className="row approval-dialog-buttons">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={mutation.isPending}>
          {mutation.isPending ? 'Saving…' : 'Save profile'}
        </button>
      </div>
    </form>
  );
}

/** Skills, workload cap and availability of one technician. */
export function TechnicianProfileDialog({
  technician,
  onClose,
  onSaved,
}: {
  technician: Technician | undefined;
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  return (
    <Dialog open={Boolean(technician)} title="Edit profile" onClose={onClose}>
      {technician ? <ProfileForm key={technician.userId} technician={technician} onCancel={onClose} onSaved={onSaved} /> : null}
    </Dialog>
  );
}
