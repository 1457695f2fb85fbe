import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { formatDateTime } from '../lib/format';
import { Dialog } from './dialog';
import { Notice } from './states';

/** Form helpers shared by the settings tabs and the asset and company dialogs. */

export interface FieldProblem {
  path: string;
  message: string;
}

/** The failing fields of an invalid request (`error.details` = [{path, message}]). */
export function problemsOf(error: unknown): FieldProblem[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.flatMap((item: unknown) => {
    const candidate = item as Partial<FieldProblem> | null;
    return typeof candidate?.message === 'string' ? [{ path: String(candidate.path ?? ''), message: candidate.message }] : [];
  });
}

/** path -> message, for the fields the form shows. */
export function fieldErrors(error: unknown): Map<string, string> {
  return new Map(problemsOf(error).map((problem) => [problem.path, problem.message]));
}

/** aria-invalid and aria-describedby for an input whose field may have an error. */
export function invalidProps(errors: Map<string, string>, path: string, id: string) {
  return errors.has(path) ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};
}

/** The message under an input (empty when the field is fine). */
export function FieldError({ errors, path, id }: { errors: Map<string, string>; path: string; id: string }) {
  const message = errors.get(path);
  return message ? (
    <span className="field-error" id={`${id}-error`}>
      {message}
    </span>
  ) : null;
}

function readablePath(path: string): string {
  return path ? path.replace(/\./g, ' › ') : 'request';
}

/** The API's refusal: its message, then each failing field. */
export function FormError({ error, title }: { error: unknown; title?: ReactNode }) {
  if (!error) return null;
  const problems = problemsOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Notice kind="error">
      <strong>{title ?? 'Not saved.'}</strong> {message}
      {problems.length ? (
        <ul className="problem-list">
          {problems.map((problem) => (
            <li key={`${problem.path}:${problem.message}`}>
              <code>{readablePath(problem.path)}</code>: {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
    </Notice>
  );
}

/**
 * Whether to render a dialog: from its opening until just after it closed (so the native dialog closes and
 * gives focus back first). Only the open dialog is in the page, so their shared title id stays unique.
 */
export function useDialogMounted(open: boolean): boolean {
  const [mounted, setMounted] = useState(open);
  if (open && !mounted) setMounted(true);
  useEffect(() => {
    if (open || !mounted) return;
    const timer = setTimeout(() => setMounted(false), 0);
    return () => clearTimeout(timer);
  }, [open, mounted]);
  return open || mounted;
}

/** "Are you sure?" on the native dialog, for resets, revocations and rotations. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <div className="stack">
        <div>{children}</div>
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className={`button ${danger ? 'button-danger' : 'button-primary'}`} onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** Who changed a setting last, or that the defaults apply. */
export function ChangedBy({ updatedAt, updatedBy }: { updatedAt?: string; updatedBy?: string }) {
  return (
    <p className="settings-meta">
      {updatedAt
        ? `Last changed ${formatDateTime(updatedAt)}${updatedBy ? ` by ${updatedBy}` : ''}.`
        : 'The defaults apply: never changed.'}
    </p>
  );
}

/** The role may look but not change. */
export function ReadOnlyNotice({ what }: { what: string }) {
  return <Notice kind="info">Your role can view {what} but not change it: ask a company admin.</Notice>;
}

/** 30 -> "30 min", 240 -> "4 h", 90 -> "1 h 30 min", 1440 -> "1 d", 2160 -> "1 d 12 h". */
export function formatMinutes(total: number): string {
  if (!Number.isFinite(total) || total < 0) return '';
  const minutes = Math.round(total * 100) / 100;
  if (minutes < 60) return `${minutes} min`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = Math.round(minutes % 60);
  return [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : ''].filter(Boolean).join(' ');
}

/** The outcome of the last save, kept above the form (a saved policy remounts its form with the new values). */
export interface SavedNotice {
  notice: string | undefined;
  setNotice: (message: string | undefined) => void;
}

interface PendingMutation {
  isPending: boolean;
  error: unknown;
  mutate: (variables: undefined, options?: { onSuccess?: () => void }) => void;
}

/**
 * The end of a settings form: who changed it last, the outcome, Save and (once changed) a reset to the
 * defaults behind a confirmation. `extra` sits under the save error (e.g. a version-conflict hint).
 */
export function SettingsFormFooter({
  changed,
  editable,
  canReset,
  notice,
  save,
  reset,
  resetLabel,
  resetTitle,
  resetExplained,
  extra,
}: {
  changed: { updatedAt?: string; updatedBy?: string };
  editable: boolean;
  canReset: boolean;
  notice: string | undefined;
  /** Only its state: the form submits it. */
  save: Pick<PendingMutation, 'isPending' | 'error'>;
  reset: PendingMutation;
  resetLabel: string;
  resetTitle: string;
  resetExplained: ReactNode;
  extra?: ReactNode;
}) {
  const [confirmReset, setConfirmReset] = useState(false);
  return (
    <>
      <ChangedBy updatedAt={changed.updatedAt} updatedBy={changed.updatedBy} />
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <FormError error={save.error} />
      {extra}
      {editable ? (
        <div className="form-actions form-actions-start">
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
          {canReset ? (
            <button type="button" className="button" onClick={() => setConfirmReset(true)}>
              {resetLabel}
            </button>
          ) : null}
        </div>
      ) : null}
      <ConfirmDialog
        open={confirmReset}
        title={resetTitle}
        confirmLabel={resetLabel}
        danger
        busy={reset.isPending}
        onConfirm={() => reset.mutate(undefined, { onSuccess: () => setConfirmReset(false) })}
        onClose={() => setConfirmReset(false)}
      >
        {resetExplained}
        {reset.error ? <FormError error={reset.error} title="Not reset." /> : null}
      </ConfirmDialog>
    </>
  );
}
