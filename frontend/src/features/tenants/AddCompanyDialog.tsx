import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import type { Schemas } from '../../api/client';
import { Dialog } from '../../components/dialog';
import { FieldError, FormError, fieldErrors, invalidProps, useDialogMounted } from '../../components/settings-form';
import { formErrors } from '../form-errors';
import { useCreateTenant } from './hooks';
import { emptyTenantDraft, newTenantOf, type TenantDraft, tenantFormSchema, tenantSlug } from './tenant-draft';

type Tenant = Schemas['Tenant'];

/** A new client company: its name, the id its URLs and API calls use, and whether critical assets self-heal. */
export function AddCompanyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (tenant: Tenant) => void;
}) {
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title="Add company" onClose={onClose}>
      <AddCompanyForm onCancel={onClose} onCreated={onCreated} />
    </Dialog>
  );
}

function AddCompanyForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (tenant: Tenant) => void }) {
  const formId = useId();
  const { register, handleSubmit, setValue, getFieldState, formState } = useForm<TenantDraft>({
    defaultValues: emptyTenantDraft,
    // Checked as the body it becomes, so the API's own messages show before a round trip.
    resolver: zodResolver(tenantFormSchema, undefined, { raw: true }),
  });
  const create = useCreateTenant({ onSuccess: onCreated });
  const errors = new Map([...fieldErrors(create.error), ...formErrors(formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  const submit = handleSubmit((draft) => create.mutate(newTenantOf(draft)));
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <label className="field" htmlFor={fid('name')}>
        Company name
        <input
          id={fid('name')}
          required
          {...register('name', {
            // The id follows the name until someone types one.
            onChange: (event) => {
              if (!getFieldState('id').isDirty) setValue('id', tenantSlug(event.target.value));
            },
          })}
          {...invalidProps(errors, 'name', fid('name'))}
        />
        <FieldError errors={errors} path="name" id={fid('name')} />
      </label>
      <label className="field" htmlFor={fid('id')}>
        Company id
        <input id={fid('id')} required {...register('id')} {...invalidProps(errors, 'id', fid('id'))} />
        <span className="field-hint">Used in URLs and API calls; it cannot change later.</span>
        <FieldError errors={errors} path="id" id={fid('id')} />
      </label>
      <label className="check">
        <input type="checkbox" {...register('criticalAutoRemediation')} />
        Allow automatic remediation on critical assets
      </label>
      <FormError error={create.error} title="Not created." />
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create company'}
        </button>
      </div>
    </form>
  );
}
