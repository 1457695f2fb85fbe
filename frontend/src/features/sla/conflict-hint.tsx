import { isApiError } from '../../auth/session';
import { Notice } from '../../components/states';

/** A 409 means someone saved in between: offer the latest version. */
export function ConflictHint({ error, onReload }: { error: unknown; onReload: () => void }) {
  if (!isApiError(error, 409)) return null;
  return (
    <Notice kind="info">
      Someone changed this policy after you opened it.{' '}
      <button type="button" className="button button-small" onClick={onReload}>
        Load the latest version
      </button>
    </Notice>
  );
}
