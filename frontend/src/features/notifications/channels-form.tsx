import { zodResolver } from '@hookform/resolvers/zod';
import { useId, type FormEvent } from 'react';
import { useForm, type UseFormRegisterReturn } from 'react-hook-form';
import { useSession } from '../../auth/session';
import { useSaveChannels } from './hooks';
import {
  ChangedBy,
  FieldError,
  FormError,
  ReadOnlyNotice,
  type SavedNotice,
  fieldErrors,
  invalidProps,
} from '../../components/settings-form';
import { Notice } from '../../components/states';
import { formErrors } from '../form-errors';
import { type Channels, type ChannelsDraft, type UrlMode, channelsChangeOf, channelsDraftOf, channelsFormSchema } from './channels-draft';

export function ChannelsForm({ tenantId, data, notice, setNotice }: { tenantId: string; data: Channels } & SavedNotice) {
  const { can } = useSession();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const { register, handleSubmit, watch, setValue, formState } = useForm<ChannelsDraft>({
    defaultValues: channelsDraftOf(data),
    // The API's channel rules (https targets, the secret's length, the sender's form) before a request.
    resolver: zodResolver(channelsFormSchema(data), undefined, { raw: true }),
  });
  const save = useSaveChannels(tenantId, { onSuccess: () => setNotice('Notification channels saved.') });
  const errors = new Map([...fieldErrors(save.error), ...formErrors(formState.errors)]);
  const webhookMode = watch('webhook.mode');
  const saveDraft = handleSubmit((draft) => save.mutate(channelsChangeOf(draft, data)));
  // The last outcome goes at once, also when the form itself refuses the values.
  const submit = (event: FormEvent) => {
    setNotice(undefined);
    void saveDraft(event);
  };

  const urlChannel = (key: 'slack' | 'teams' | 'webhook', label: string, current: string | undefined, placeholder: string) => {
    const path = key === 'webhook' ? 'webhook.url' : (`${key}.webhookUrl` as const);
    return (
      <UrlChannel
        label={label}
        current={current}
        signed={key === 'webhook' && Boolean(data.webhook?.secretSet)}
        editable={editable}
        mode={watch(`${key}.mode`)}
        // Back to "keep" forgets a URL typed meanwhile.
        setMode={(mode) => {
          setValue(`${key}.mode`, mode, { shouldDirty: true });
          if (mode === 'keep') setValue(path, '');
        }}
        input={register(path)}
        id={`${formId}-${key}`}
        path={path}
        errors={errors}
        placeholder={placeholder}
      />
    );
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Company notification channels">
      {!editable ? <ReadOnlyNotice what="the notification channels" /> : null}
      <div className="grid grid-2">
        {urlChannel('slack', 'Slack', data.slack?.webhookUrl, 'https://hooks.slack.com/services/…')}
        {urlChannel('teams', 'Teams', data.teams?.webhookUrl, 'https://…webhook.office.com/…')}
      </div>
      {urlChannel('webhook', 'Outbound webhook', data.webhook?.url, 'https://example.com/alert-hook')}
      {webhookMode === 'replace' ? (
        <label className="field" htmlFor={`${formId}-secret`}>
          Outbound webhook signing secret
          <input
            id={`${formId}-secret`}
            type="password"
            autoComplete="new-password"
            {...register('webhook.secret')}
            {...invalidProps(errors, 'webhook.secret', `${formId}-secret`)}
          />
          <span className="field-hint">16 to 256 characters; each delivery carries an X-Signature made with it.</span>
          <FieldError errors={errors} path="webhook.secret" id={`${formId}-secret`} />
        </label>
      ) : null}
      <label className="field field-narrow" htmlFor={`${formId}-sender`}>
        Email sender
        <input
          id={`${formId}-sender`}
          type="email"
          placeholder="The platform sender"
          disabled={!editable}
          {...register('emailSender')}
          {...invalidProps(errors, 'emailSender', `${formId}-sender`)}
        />
        <span className="field-hint">An SES-verified address for this company; empty: the platform sender.</span>
        <FieldError errors={errors} path="emailSender" id={`${formId}-sender`} />
      </label>
      <ChangedBy updatedAt={data.updatedAt} updatedBy={data.updatedBy} />
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <FormError error={save.error} />
      {editable ? (
        <div className="form-actions form-actions-start">
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </div>
      ) : null}
    </form>
  );
}

/** One webhook channel: what is stored (masked), and keep, replace or remove it. */
function UrlChannel({
  label,
  current,
  signed,
  editable,
  mode,
  setMode,
  input,
  id,
  path,
  errors,
  placeholder,
}: {
  label: string;
  /** The stored URL, masked; undefined: not set. */
  current: string | undefined;
  signed: boolean;
  editable: boolean;
  mode: UrlMode;
  setMode: (mode: UrlMode) => void;
  input: UseFormRegisterReturn;
  id: string;
  path: string;
  errors: Map<string, string>;
  placeholder: string;
}) {
  return (
    <fieldset className="fieldset" disabled={!editable}>
      <legend>{label}</legend>
      <p className="small">
        {current ? (
          <>
            Set: <code>{current}</code>
            {signed ? <span className="muted"> (signed with a secret)</span> : null}
          </>
        ) : (
          <span className="muted">Not set.</span>
        )}
      </p>
      {editable ? (
        <div className="row">
          {mode === 'keep' ? (
            <>
              <button type="button" className="button button-small" onClick={() => setMode('replace')}>
                {current ? `Replace ${label} URL` : `Set ${label} URL`}
              </button>
              {current ? (
                <button type="button" className="button button-small button-danger" onClick={() => setMode('remove')}>
                  Remove {label}
                </button>
              ) : null}
            </>
          ) : (
            <button type="button" className="button button-small button-ghost" onClick={() => setMode('keep')}>
              {mode === 'remove' ? 'Keep it' : 'Cancel'}
            </button>
          )}
        </div>
      ) : null}
      {mode === 'remove' ? <p className="form-error small">{label} will be removed when you save.</p> : null}
      {mode === 'replace' ? (
        <label className="field" htmlFor={id}>
          {label} webhook URL
          <input id={id} type="url" placeholder={placeholder} autoComplete="off" {...input} {...invalidProps(errors, path, id)} />
          <FieldError errors={errors} path={path} id={id} />
        </label>
      ) : null}
    </fieldset>
  );
}
