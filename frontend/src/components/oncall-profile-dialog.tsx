import { useState, type FormEvent } from 'react';
import { Dialog } from './dialog';
import type { Technician } from './oncall-parts';
import { errorMessage } from './states';
import { useSaveTechnicianProfile } from '../features/oncall/hooks';

function parseSkills(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((skill) => skill.trim())
        .filter(Boolean),
    ),
  ];
}

function ProfileForm({ technician, onCancel, onSaved }: { technician: Technician; onCancel: () => void; onSaved: (name: string) => void }) {
  const [skills, setSkills] = useState(technician.skills.join(', '));
  const [cap, setCap] = useState(String(technician.maxOpenIncidents));
  const [active, setActive] = useState(technician.active);
  const [invalid, setInvalid] = useState<string | undefined>();

  const mutation = useSaveTechnicianProfile(technician, { onSuccess: () => onSaved(technician.name) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const maxOpenIncidents = Number(cap);
    if (!Number.isInteger(maxOpenIncidents) || maxOpenIncidents < 1 || maxOpenIncidents > 1000) {
      setInvalid('The cap is a whole number from 1 to 1000.');
      return;
    }
    const list = parseSkills(skills);
    if (list.some((skill) => skill.length > 64) || list.length > 50) {
      setInvalid('At most 50 skills of up to 64 characters each.');
      return;
    }
    setInvalid(undefined);
    mutation.mutate({ skills: list, maxOpenIncidents, active });
  };

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p className="muted oncall-profile-who">
        {technician.name} · {technician.email}
      </p>
      <label className="field">
        Skills
        <input value={skills} onChange={(event) => setSkills(event.target.value)} placeholder="linux, database, windows" />
        <span className="field-hint">Comma-separated. The routing prefers technicians whose skills match the incident.</span>
      </label>
      <label className="field">
        Open incidents at most
        <input type="number" min={1} max={1000} step={1} value={cap} onChange={(event) => setCap(event.target.value)} inputMode="numeric" />
        <span className="field-hint">Open or acknowledged incidents assigned at once; the routing skips them at the cap.</span>
      </label>
      <label className="toggle">
        <input type="checkbox" checked={active} onChange={(event) => setActive(event.target.checked)} />
        <span>Active: the routing may pick them (turn off for holidays)</span>
      </label>
      {invalid ? <p className="form-error">{invalid}</p> : null}
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
