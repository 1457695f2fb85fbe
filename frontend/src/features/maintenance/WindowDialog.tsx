import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useMemo } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import type { Tenant } from '../../auth/tenants';
import { Dialog } from '../../components/dialog';
import { FieldError, FormError, fieldErrors, invalidProps, useDialogMounted } from '../../components/settings-form';
import { formErrors } from '../form-errors';
import { useSaveWindow, type MaintenanceWindow, type WindowBody } from './hooks';
import { ScopeFields } from './scope-fields';
import { checkedBody, newWindowValues, RULE_EXAMPLES, windowFormSchema, windowValuesOf, type WindowValues } from './window-draft';
import { WindowPreview } from './window-preview';

/** Plan a maintenance window, or change one: when, what it covers and what it does, with a live preview beside the form. */
export function WindowDialog({
  open,
  window,
  tenants,
  defaultTenant,
  onClose,
  onSaved,
}: {
  open: boolean;
  /** The window to change; undefined: a new one. */
  window: MaintenanceWindow | undefined;
  /** The companies the user may plan windows for. */
  tenants: Tenant[];
  defaultTenant: string;
  onClose: () => void;
  onSaved: (window: MaintenanceWindow, created: boolean) => void;
}) {
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title={window ? `Edit ${window.name}` : 'New maintenance window'} onClose={onClose} wide>
      <WindowForm
        key={window ? `${window.id}:${window.version}` : 'new'}
        window={window}
        tenants={tenants}
        defaultTenant={defaultTenant}
        onCancel={onClose}
        onSaved={onSaved}
      />
    </Dialog>
  );
}

let timeZones: string[] | undefined;

/** The IANA zones the browser knows, for the time zone's suggestions. */
function knownTimeZones(): string[] {
  timeZones ??= typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return timeZones;
}

function WindowForm({
  window,
  tenants,
  defaultTenant,
  onCancel,
  onSaved,
}: {
  window: MaintenanceWindow | undefined;
  tenants: Tenant[];
  defaultTenant: string;
  onCancel: () => void;
  onSaved: (window: MaintenanceWindow, created: boolean) => void;
}) {
  const formId = useId();
  const fid = (name: string) => `${formId}-${name}`;
  const form = useForm<WindowValues, unknown, WindowBody>({
    defaultValues: window ? windowValuesOf(window) : newWindowValues(defaultTenant),
    // The API's own schemas check the body the form would send, so their messages appear before a round trip.
    resolver: zodResolver(windowFormSchema),
  });
  const { register, handleSubmit, setValue, control, formState } = form;
  const save = useSaveWindow(window, { onSuccess: (saved) => onSaved(saved, !window) });
  const errors = new Map([...fieldErrors(save.error), ...formErrors(formState.errors)]);
  const values = useWatch({ control }) as WindowValues;
  // A disabled input gives the form no value: a window's company is its own.
  const tenantId = window?.tenantId ?? values.tenantId;
  // What the preview asks about: the draft as the body it becomes, once it is valid.
  const body = useMemo(() => checkedBody({ ...values, tenantId }), [values, tenantId]);
  const companyName = tenants.find((tenant) => tenant.id === tenantId)?.name ?? tenantId;
  const submit = handleSubmit((checked) => save.mutate({ tenantId, body: checked }));

  return (
    <form className="mw-form" onSubmit={submit} noValidate aria-label={window ? `Edit ${window.name}` : 'New maintenance window'}>
      <div className="stack mw-form-fields">
        <div className="form-grid form-grid-2">
          <label className="field" htmlFor={fid('tenant')}>
            Company
            <select
              id={fid('tenant')}
              disabled={Boolean(window)}
              {...register('tenantId', {
                // The assets named belong to the company: another company starts with none.
                onChange: () => setValue('scope.assetIds', []),
              })}
            >
              {tenants.map((tenant) => (
                <option key={tenant.id} value={tenant.id}>
                  {tenant.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field" htmlFor={fid('name')}>
            Name
            <input
              id={fid('name')}
              maxLength={120}
              placeholder="Patch night"
              {...register('name')}
              {...invalidProps(errors, 'name', fid('name'))}
            />
            <FieldError errors={errors} path="name" id={fid('name')} />
          </label>
          <label className="field field-wide" htmlFor={fid('reason')}>
            Reason <span className="field-hint">(optional)</span>
            <textarea id={fid('reason')} rows={2} {...register('reason')} {...invalidProps(errors, 'reason', fid('reason'))} />
            <FieldError errors={errors} path="reason" id={fid('reason')} />
          </label>
        </div>

        <fieldset className="fieldset">
          <legend>When</legend>
          <div className="row" role="radiogroup" aria-label="Timing">
            <label className="check">
              <input type="radio" value="once" {...register('timing')} />
              Once
            </label>
            <label className="check">
              <input type="radio" value="recurring" {...register('timing')} />
              Recurring
            </label>
          </div>
          {values.timing === 'once' ? (
            <div className="form-grid form-grid-2">
              <label className="field" htmlFor={fid('starts')}>
                Starts
                <input
                  id={fid('starts')}
                  type="datetime-local"
                  {...register('startsAt')}
                  {...invalidProps(errors, 'startsAt', fid('starts'))}
                />
                <FieldError errors={errors} path="startsAt" id={fid('starts')} />
              </label>
              <label className="field" htmlFor={fid('ends')}>
                Ends
                <input id={fid('ends')} type="datetime-local" {...register('endsAt')} {...invalidProps(errors, 'endsAt', fid('ends'))} />
                <FieldError errors={errors} path="endsAt" id={fid('ends')} />
              </label>
            </div>
          ) : (
            <div className="form-grid form-grid-2">
              <label className="field field-wide" htmlFor={fid('rule')}>
                Recurrence rule
                <input
                  id={fid('rule')}
                  list={fid('rules')}
                  spellCheck={false}
                  className="mw-code-input"
                  {...register('recurrence.rrule')}
                  {...invalidProps(errors, 'recurrence.rrule', fid('rule'))}
                />
                <datalist id={fid('rules')}>
                  {RULE_EXAMPLES.map((example) => (
                    <option key={example.rule} value={example.rule} label={example.label} />
                  ))}
                </datalist>
                <span className="field-hint">
                  An iCalendar RRULE, e.g. <code>FREQ=WEEKLY;BYDAY=SU;BYHOUR=2</code> (Sundays at 02:00); minutes not given are 0.
                </span>
                <FieldError errors={errors} path="recurrence.rrule" id={fid('rule')} />
              </label>
              <label className="field" htmlFor={fid('duration')}>
                Duration (minutes)
                <input
                  id={fid('duration')}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  step={1}
                  {...register('recurrence.durationMinutes')}
                  {...invalidProps(errors, 'recurrence.durationMinutes', fid('duration'))}
                />
                <FieldError errors={errors} path="recurrence.durationMinutes" id={fid('duration')} />
              </label>
              <label className="field" htmlFor={fid('zone')}>
                Time zone
                <input
                  id={fid('zone')}
                  list={fid('zones')}
                  spellCheck={false}
                  {...register('recurrence.timeZone')}
                  {...invalidProps(errors, 'recurrence.timeZone', fid('zone'))}
                />
                <datalist id={fid('zones')}>
                  {knownTimeZones().map((zone) => (
                    <option key={zone} value={zone} />
                  ))}
                </datalist>
                <span className="field-hint">The rule&apos;s hours are local time there, across DST changes.</span>
                <FieldError errors={errors} path="recurrence.timeZone" id={fid('zone')} />
              </label>
            </div>
          )}
        </fieldset>

        <ScopeFields form={form} tenantId={tenantId} errors={errors} />

        <fieldset className="fieldset">
          <legend>During the window</legend>
          <label className="check">
            <input type="checkbox" {...register('effects.notify')} />
            Notify people about its incidents <span className="field-hint">(routing, SLA warnings, escalation)</span>
          </label>
          <div className="form-grid form-grid-2">
            <label className="field" htmlFor={fid('sla')}>
              SLA clocks
              <select id={fid('sla')} {...register('effects.slaClocks')}>
                <option value="paused">Paused</option>
                <option value="running">Running</option>
              </select>
            </label>
            <label className="field" htmlFor={fid('runbooks')}>
              Automatic runbooks
              <select id={fid('runbooks')} {...register('effects.autoRemediation')}>
                <option value="off">Off</option>
                <option value="allowed">Allowed</option>
              </select>
            </label>
          </div>
        </fieldset>

        <FormError error={save.error} />
        <div className="form-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : window ? 'Save' : 'Create window'}
          </button>
        </div>
      </div>
      <WindowPreview tenantId={tenantId} body={body} companyName={companyName} />
    </form>
  );
}
