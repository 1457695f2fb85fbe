import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useState, type FormEvent } from 'react';
import { useForm } from 'react-hook-form';
import { Dialog } from '../../../components/dialog';
import { FormError, RESOLUTION_CODES } from '../../../components/incident-parts';
import { FieldError, fieldErrors, invalidProps, useDialogMounted } from '../../../components/settings-form';
import { formErrors } from '../../form-errors';
import { emptyResolveDraft, resolveBodyOf, type ResolveBody, type ResolveDraft, resolveFormSchema } from './incident-action-drafts';
import { Notice } from '../../../components/states';
import type { Runbook, Decision } from './types';

export function ResolveDialog({
  open,
  onClose,
  onResolve,
  pending,
  error,
}: {
  open: boolean;
  onClose: () => void;
  onResolve: (body: ResolveBody) => void;
  pending: boolean;
  error: unknown;
}) {
  // A fresh form each time the dialog opens, as a resolution is chosen for the incident as it is then.
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title="Resolve incident" onClose={onClose}>
      <ResolveForm onCancel={onClose} onResolve={onResolve} pending={pending} error={error} />
    </Dialog>
  );
}

function ResolveForm({
  onCancel,
  onResolve,
  pending,
  error,
}: {
  onCancel: () => void;
  onResolve: (body: ResolveBody) => void;
  pending: boolean;
  error: unknown;
}) {
  const formId = useId();
  const { register, handleSubmit, formState } = useForm<ResolveDraft>({
    defaultValues: emptyResolveDraft,
    // Checked as the body it becomes, so the API's own messages show before a round trip.
    resolver: zodResolver(resolveFormSchema, undefined, { raw: true }),
  });
  const errors = new Map([...fieldErrors(error), ...formErrors(formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  return (
    <form className="stack" onSubmit={handleSubmit((draft) => onResolve(resolveBodyOf(draft)))} noValidate>
      <label className="field" htmlFor={fid('code')}>
        Resolution code
        <select id={fid('code')} {...register('code')} {...invalidProps(errors, 'code', fid('code'))}>
          {RESOLUTION_CODES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
        <FieldError errors={errors} path="code" id={fid('code')} />
      </label>
      <label className="field" htmlFor={fid('note')}>
        Note <span className="field-hint">What was done, for the next person (optional)</span>
        <textarea id={fid('note')} {...register('note')} {...invalidProps(errors, 'note', fid('note'))} />
        <FieldError errors={errors} path="note" id={fid('note')} />
      </label>
      <FormError error={error} />
      <div className="row inc-dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Resolving…' : 'Resolve'}
        </button>
      </div>
    </form>
  );
}

export function PauseDialog({
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
  // Only the open dialog is in the page: the dialogs share their title's id.
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title="Pause the SLA clock" onClose={onClose}>
      <PauseForm onCancel={onClose} onPause={onPause} pending={pending} error={error} />
    </Dialog>
  );
}

function PauseForm({
  onCancel,
  onPause,
  pending,
  error,
}: {
  onCancel: () => void;
  onPause: (reason: string) => void;
  pending: boolean;
  error: unknown;
}) {
  const [reason, setReason] = useState('Waiting on the client');
  return (
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
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? 'Pausing…' : 'Pause clock'}
        </button>
      </div>
    </form>
  );
}

type ParamValues = Record<string, string>;

export function RunbookDialog({
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
