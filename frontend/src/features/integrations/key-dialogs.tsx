import type { Schemas } from '../../api/client';
import { CopyButton } from '../../components/copy-button';
import { Dialog } from '../../components/dialog';
import { useDialogMounted } from '../../components/settings-form';
import { Notice } from '../../components/states';

export type ApiKey = Schemas['ApiKey'];

const OVERLAPS = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day (default)' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
];

export interface Revealed {
  title: string;
  what: string;
  secret: string;
  note?: string;
}

/** A secret the API returns once: shown here with a copy button and a warning, never again. */
export function SecretDialog({ revealed, onClose }: { revealed: Revealed | undefined; onClose: () => void }) {
  const mounted = useDialogMounted(revealed !== undefined);
  if (!mounted) return null;
  return (
    <Dialog open={revealed !== undefined} title={revealed?.title ?? 'New secret'} onClose={onClose}>
      {revealed ? (
        <div className="secret-box">
          <Notice kind="error">
            <strong>Copy it now:</strong> this {revealed.what} will not be shown again. Only a hash is kept.
          </Notice>
          <code className="secret-value" aria-label={revealed.what} data-testid="revealed-secret">
            {revealed.secret}
          </code>
          {revealed.note ? <p className="muted small">{revealed.note}</p> : null}
          <div className="form-actions">
            <CopyButton text={revealed.secret} label={`Copy ${revealed.what}`} />
            <button type="button" className="button button-primary" onClick={onClose}>
              I have copied it
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

export function OverlapSelect({ value, onChange, id }: { value: number; onChange: (seconds: number) => void; id: string }) {
  return (
    <label className="field" htmlFor={id}>
      The old one keeps working for
      <select id={id} value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {OVERLAPS.map((overlap) => (
          <option key={overlap.seconds} value={overlap.seconds}>
            {overlap.label}
          </option>
        ))}
      </select>
    </label>
  );
}
