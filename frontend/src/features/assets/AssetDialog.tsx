import { zodResolver } from '@hookform/resolvers/zod';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { useSaveAsset } from './hooks';
import { Dialog } from '../../components/dialog';
import { FieldError, FormError, fieldErrors, useDialogMounted, invalidProps } from '../../components/settings-form';
import { formErrors } from '../form-errors';
import { type Asset, ASSET_TYPES, assetFormSchema, type Draft, draftOf, inputOf, slug } from './asset-draft';

/** Add or edit an asset: names, type, criticality, what it depends on, and where runbooks reach it (SSM). */
export function AssetDialog({
  open,
  tenantId,
  asset,
  assets,
  onClose,
  onSaved,
}: {
  open: boolean;
  tenantId: string;
  /** The asset to edit; undefined: a new one. */
  asset: Asset | undefined;
  assets: Asset[];
  onClose: () => void;
  onSaved: (asset: Asset, created: boolean) => void;
}) {
  const mounted = useDialogMounted(open);
  if (!mounted) return null;
  return (
    <Dialog open={open} title={asset ? `Edit ${asset.name}` : 'Add asset'} onClose={onClose}>
      <AssetForm key={asset?.id ?? 'new'} tenantId={tenantId} asset={asset} assets={assets} onCancel={onClose} onSaved={onSaved} />
    </Dialog>
  );
}

function AssetForm({
  tenantId,
  asset,
  assets,
  onCancel,
  onSaved,
}: {
  tenantId: string;
  asset: Asset | undefined;
  assets: Asset[];
  onCancel: () => void;
  onSaved: (asset: Asset, created: boolean) => void;
}) {
  const formId = useId();
  const { register, handleSubmit, watch, setValue, getFieldState, formState } = useForm<Draft>({
    defaultValues: draftOf(asset),
    // The API's own asset schema checks the body the form would send, so its messages appear before a round trip.
    resolver: zodResolver(assetFormSchema(asset), undefined, { raw: true }),
  });
  const save = useSaveAsset(tenantId, asset, { onSuccess: (saved) => onSaved(saved, !asset) });
  const errors = new Map([...fieldErrors(save.error), ...formErrors(formState.errors)]);
  const others = assets.filter((candidate) => candidate.id !== asset?.id).sort((a, b) => a.name.localeCompare(b.name));
  const fid = (name: string) => `${formId}-${name}`;
  const dependsOn = watch('dependsOn');
  const automation = watch('automation');
  const submit = handleSubmit((draft) => save.mutate(inputOf(draft, asset)));

  return (
    <form className="stack asset-form" onSubmit={submit} noValidate>
      <div className="form-grid form-grid-2">
        <label className="field" htmlFor={fid('name')}>
          Name
          <input
            id={fid('name')}
            required
            maxLength={256}
            {...register('name', {
              // The id follows the name until someone types one.
              onChange: (event) => {
                if (!asset && !getFieldState('id').isDirty) setValue('id', slug(event.target.value));
              },
            })}
            {...invalidProps(errors, 'name', fid('name'))}
          />
          <FieldError errors={errors} path="name" id={fid('name')} />
        </label>
        <label className="field" htmlFor={fid('id')}>
          Asset id
          <input id={fid('id')} required disabled={Boolean(asset)} {...register('id')} {...invalidProps(errors, 'id', fid('id'))} />
          <span className="field-hint">{asset ? 'The id cannot change.' : 'Letters, digits, "_", ".", ":" or "-".'}</span>
          <FieldError errors={errors} path="id" id={fid('id')} />
        </label>
        <label className="field" htmlFor={fid('type')}>
          Type
          <input id={fid('type')} list={fid('types')} required {...register('type')} {...invalidProps(errors, 'type', fid('type'))} />
          <datalist id={fid('types')}>
            {ASSET_TYPES.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
          <FieldError errors={errors} path="type" id={fid('type')} />
        </label>
        <label className="field" htmlFor={fid('env')}>
          Environment
          <input id={fid('env')} placeholder="prod, staging…" {...register('env')} />
          <span className="field-hint">Kept as the asset&apos;s env tag.</span>
        </label>
      </div>
      <label className="check">
        <input type="checkbox" {...register('critical')} />
        Critical asset <span className="field-hint">(raises the priority of its incidents)</span>
      </label>
      <label className="field" htmlFor={fid('aliases')}>
        Other names
        <textarea
          id={fid('aliases')}
          rows={3}
          placeholder={'db-prod-01.example.internal\n10.0.1.10\ni-0123456789abcdef0'}
          {...register('aliases')}
          {...invalidProps(errors, 'aliases', fid('aliases'))}
        />
        <span className="field-hint">One per line: the FQDN, IP, instance id or ARN the monitoring tools use.</span>
        <FieldError errors={errors} path="aliases" id={fid('aliases')} />
      </label>
      <fieldset className="fieldset" aria-describedby={errors.has('dependsOn') ? `${fid('deps')}-error` : undefined}>
        <legend>Depends on</legend>
        {others.length === 0 ? (
          <p className="muted small">No other assets yet.</p>
        ) : (
          <div className="check-list">
            {others.map((other) => (
              <label key={other.id} className="check">
                <input
                  type="checkbox"
                  checked={dependsOn.includes(other.id)}
                  onChange={(event) =>
                    setValue('dependsOn', event.target.checked ? [...dependsOn, other.id] : dependsOn.filter((id) => id !== other.id), {
                      shouldDirty: true,
                    })
                  }
                />
                {other.name} <span className="muted small">{other.type}</span>
              </label>
            ))}
          </div>
        )}
        <FieldError errors={errors} path="dependsOn" id={fid('deps')} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Automation</legend>
        <label className="check">
          <input type="checkbox" {...register('automation')} />
          Runbooks can reach it through AWS Systems Manager
        </label>
        {automation ? (
          <div className="form-grid form-grid-2">
            <label className="field" htmlFor={fid('instance')}>
              Instance id
              <input
                id={fid('instance')}
                placeholder="i-0123456789abcdef0"
                {...register('ssm.instanceId')}
                {...invalidProps(errors, 'ssm.instanceId', fid('instance'))}
              />
              <FieldError errors={errors} path="ssm.instanceId" id={fid('instance')} />
            </label>
            <label className="field" htmlFor={fid('platform')}>
              Platform
              <select id={fid('platform')} {...register('ssm.platform')}>
                <option value="linux">Linux</option>
                <option value="windows">Windows</option>
              </select>
            </label>
            <label className="field" htmlFor={fid('account')}>
              AWS account id
              <input
                id={fid('account')}
                inputMode="numeric"
                placeholder="111122223333"
                {...register('ssm.accountId')}
                {...invalidProps(errors, 'ssm.accountId', fid('account'))}
              />
              <FieldError errors={errors} path="ssm.accountId" id={fid('account')} />
            </label>
            <label className="field" htmlFor={fid('region')}>
              Region
              <input
                id={fid('region')}
                placeholder="eu-west-1"
                {...register('ssm.region')}
                {...invalidProps(errors, 'ssm.region', fid('region'))}
              />
              <FieldError errors={errors} path="ssm.region" id={fid('region')} />
            </label>
            <label className="field field-wide" htmlFor={fid('role')}>
              Role name <span className="field-hint">(optional)</span>
              <input
                id={fid('role')}
                placeholder="AlertWhispererRemediation"
                {...register('ssm.roleName')}
                {...invalidProps(errors, 'ssm.roleName', fid('role'))}
              />
              <FieldError errors={errors} path="ssm.roleName" id={fid('role')} />
            </label>
          </div>
        ) : (
          <p className="muted small">No automation: runbooks never target this asset; its incidents go to a technician.</p>
        )}
      </fieldset>
      <FormError error={save.error} />
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
