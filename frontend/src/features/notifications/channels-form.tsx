import { useId, useState, type FormEvent } from 'react';
import type { Schemas } from '../../api/client';
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

type Channels = Schemas['NotificationChannels'];

type UrlChoice = { mode: 'keep' | 'replace' | 'remove'; url: string };

export function ChannelsForm({ tenantId, data, notice, setNotice }: { tenantId: string; data: Channels } & SavedNotice) {
  const { can } = useSession();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const [slack, setSlack] = useState<UrlChoice>({ mode: 'keep', url: '' });
  const [teams, setTeams] = useState<UrlChoice>({ mode: 'keep', url: '' });
  const [webhook, setWebhook] = useState<UrlChoice & { secret: string }>({ mode: 'keep', url: '', secret: '' });
  const [sender, setSender] = useState(data.emailSender ?? '');

  const save = useSaveChannels(tenantId, { onSuccess: () => setNotice('Notification channels saved.') });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    const body: {
      slack?: { webhookUrl: string } | null;
      teams?: { webhookUrl: string } | null;
      webhook?: { url: string; secret: string } | null;
      emailSender?: string | null;
    } = {};
    if (slack.mode === 'remove') body.slack = null;
    if (slack.mode === 'replace') body.slack = { webhookUrl: slack.url.trim() };
    if (teams.mode === 'remove') body.teams = null;
    if (teams.mode === 'replace') body.teams = { webhookUrl: teams.url.trim() };
    if (webhook.mode === 'remove') body.webhook = null;
    if (webhook.mode === 'replace') body.webhook = { url: webhook.url.trim(), secret: webhook.secret };
    if (sender.trim() !== (data.emailSender ?? '')) body.emailSender = sender.trim() || null;
    save.mutate(body);
  };

  const urlChannel = (
    key: 'slack' | 'teams' | 'webhook',
    label: string,
    current: string | undefined,
    choice: UrlChoice,
    set: (choice: UrlChoice) => void,
    placeholder: string,
  ) => {
    const id = `${formId}-${key}`;
    const path = key === 'webhook' ? 'webhook.url' : `${key}.webhookUrl`;
    return (
      <fieldset className="fieldset" disabled={!editable}>
        <legend>{label}</legend>
        <p className="small">
          {current ? (
            <>
              Set: <code>{current}</code>
              {key === 'webhook' && data.webhook?.secretSet ? <span className="muted"> (signed with a secret)</span> : null}
            </>
          ) : (
            <span className="muted">Not set.</span>
          )}
        </p>
        {editable ? (
          <div className="row">
            {choice.mode === 'keep' ? (
              <>
                <button type="button" className="button button-small" onClick={() => set({ ...choice, mode: 'replace' })}>
                  {current ? `Replace ${label} URL` : `Set ${label} URL`}
                </button>
                {current ? (
                  <button type="button" className="button button-small button-danger" onClick={() => set({ ...choice, mode: 'remove' })}>
                    Remove {label}
                  </button>
                ) : null}
              </>
            ) : (
              <button type="button" className="button button-small button-ghost" onClick={() => set({ mode: 'keep', url: '' })}>
                {choice.mode === 'remove' ? 'Keep it' : 'Cancel'}
              </button>
            )}
          </div>
        ) : null}
        {choice.mode === 'remove' ? <p className="form-error small">{label} will be removed when you save.</p> : null}
        {choice.mode === 'replace' ? (
          <label className="field" htmlFor={id}>
            {label} webhook URL
            <input
              id={id}
              type="url"
              value={choice.url}
              placeholder={placeholder}
              autoComplete="off"
              onChange={(event) => set({ ...choice, url: event.target.value })}
              {...invalidProps(errors, path, id)}
            />
            <FieldError errors={errors} path={path} id={id} />
          </label>
        ) : null}
      </fieldset>
    );
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Company notification channels">
      {!editable ? <ReadOnlyNotice what="the notification channels" /> : null}
      <div className="grid grid-2">
        {urlChannel('slack', 'Slack', data.slack?.webhookUrl, slack, setSlack, 'https://hooks.slack.com/services/…')}
        {urlChannel('teams', 'Teams', data.teams?.webhookUrl, teams, setTeams, 'https://…webhook.office.com/…')}
      </div>
      {urlChannel(
        'webhook',
        'Outbound webhook',
        data.webhook?.url,
        webhook,
        (choice) => setWebhook({ ...webhook, ...choice }),
        'https://example.com/alert-hook',
      )}
      {webhook.mode === 'replace' ? (
        <label className="field" htmlFor={`${formId}-secret`}>
          Outbound webhook signing secret
          <input
            id={`${formId}-secret`}
            type="password"
            autoComplete="new-password"
            value={webhook.secret}
            onChange={(event) => setWebhook({ ...webhook, secret: event.target.value })}
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
          value={sender}
          placeholder="The platform sender"
          disabled={!editable}
          onChange={(event) => setSender(event.target.value)}
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
