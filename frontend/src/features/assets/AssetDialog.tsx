import { useId, useState, type FormEvent } from 'react';
import { useSaveAsset } from './hooks';
import { Dialog } from '../../components/dialog';
import { FieldError, FormError, fieldErrors, useDialogMounted, invalidProps } from '../../components/settings-form';
import { type Asset, type Ssm, ASSET_TYPES, type Draft, draftOf, inputOf, slug } from './asset-draft';

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
  const [draft, setDraft] = useState<Draft>(() => draftOf(asset));
  const [idTouched, setIdTouched] = useState(Boolean(asset));
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const setSsm = <K extends keyof Ssm>(key: K, value: Ssm[K]) =>
    setDraft((current) => ({ ...current, ssm: { ...current.ssm, [key]: value } }));

  const save = useSaveAsset(tenantId, asset, { onSuccess: (saved) => onSaved(saved, !asset) });
  const errors = fieldErrors(save.error);
  const others = assets.filter((candidate) => candidate.id !== asset?.id).sort((a, b) => a.name.localeCompare(b.name));
  const fid = (name: string) => `${formId}-${name}`;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(inputOf(draft, asset));
  };

  return (
    <form className="stack asset-form" onSubmit={submit} noValidate>
      <div className="form-grid form-grid-2">
        <label className="field" htmlFor={fid('name')}>
          Name
          <input
            id={fid('name')}
            value={draft.name}
            required
            maxLength={256}
            onChange={(event) => {
              set('name', event.target.value);
              if (!idTouched) set('id', slug(event.target.value));
            }}
            {...invalidProps(errors, 'name', fid('name'))}
          />
          <FieldError errors={errors} path="name" id={fid('name')} />
        </label>
        <label className="field" htmlFor={fid('id')}>
          Asset id
          <input
            id={fid('id')}
            value={draft.id}
            required
            disabled={Boolean(asset)}
            onChange={(event) => {
              setIdTouched(true);
              set('id', event.target.value);
            }}
            {...invalidProps(errors, 'id', fid('id'))}
          />
          <span className="field-hint">{asset ? 'The id cannot change.' : 'Letters, digits, "_", ".", ":" or "-".'}</span>
          <FieldError errors={errors} path="id" id={fid('id')} />
        </label>
        <label className="field" htmlFor={fid('type')}>
          Type
          <input
            id={fid('type')}
            list={fid('types')}
            value={draft.type}
            required
            onChange={(event) => set('type', event.target.value)}
            {...invalidProps(errors, 'type', fid('type'))}
          />
          <datalist id={fid('types')}>
            {ASSET_TYPES.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
          <FieldError errors={errors} path="type" id={fid('type')} />
        </label>
        <label className="field" htmlFor={fid('env')}>
          Environment
          <input id={fid('env')} value={draft.env} placeholder="prod, staging…" onChange={(event) => set('env', event.target.value)} />
          <span className="field-hint">Kept as the asset&apos;s env tag.</span>
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={draft.critical} onChange={(event) => set('critical', event.target.checked)} />
        Critical asset <span className="field-hint">(raises the priority of its incidents)</span>
      </label>
      <label className="field" htmlFor={fid('aliases')}>
        Other names
        <textarea
          id={fid('aliases')}
          value={draft.aliases}
          rows={3}
          placeholder={'db-prod-01.example.internal\n10.0.1.10\ni-0123456789abcdef0'}
          onChange={(event) => set('aliases', event.target.value)}
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
                  checked={draft.dependsOn.includes(other.id)}
                  onChange={(event) =>
                    set(
                      'dependsOn',
                      event.target.checked ? [...draft.dependsOn, other.id] : draft.dependsOn.filter((id) => id !== other.id),
                    )
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
          <input type="checkbox" checked={draft.automation} onChange={(event) => set('automation', event.target.checked)} />
          Runbooks can reach it through AWS Systems Manager
        </label>
        {draft.automation ? (
          <div className="form-grid form-grid-2">
            <label className="field" htmlFor={fid('instance')}>
              Instance id
              <input
                id={fid('instance')}
                value={draft.ssm.instanceId}
                placeholder="i-0123456789abcdef0"
                onChange={(event) => setSsm('instanceId', event.target.value)}
                {...invalidProps(errors, 'ssm.instanceId', fid('instance'))}
              />
              <FieldError errors={errors} path="ssm.instanceId" id={fid('instance')} />
            </label>
            <label className="field" htmlFor={fid('platform')}>
              Platform
              <select
                id={fid('platform')}
                value={draft.ssm.platform}
                onChange={(event) => setSsm('platform', event.target.value as Ssm['platform'])}
              >
                <option value="linux">Linux</option>
                <option value="windows">Windows</option>
              </select>
            </label>
            <label className="field" htmlFor={fid('account')}>
              AWS account id
              <input
                id={fid('account')}
                value={draft.ssm.accountId}
                inputMode="numeric"
                placeholder="111122223333"
                onChange={(event) => setSsm('accountId', event.target.value)}
                {...invalidProps(errors, 'ssm.accountId', fid('account'))}
              />
              <FieldError errors={errors} path="ssm.accountId" id={fid('account')} />
            </label>
            <label className="field" htmlFor={fid('region')}>
              Region
              <input
                id={fid('region')}
                value={draft.ssm.region}
                placeholder="eu-west-1"
                onChange={(event) => setSsm('region', event.target.value)}
                {...invalidProps(errors, 'ssm.region', fid('region'))}
              />
              <FieldError errors={errors} path="ssm.region" id={fid('region')} />
            </label>
            <label className="field field-wide" htmlFor={fid('role')}>
              Role name <span className="field-hint">(optional)</span>
              <input
                id={fid('role')}
                value={draft.ssm.roleName ?? ''}
                placeholder="AlertWhispererRemediation"
                onChange={(event) => setSsm('roleName', event.target.value)}
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
