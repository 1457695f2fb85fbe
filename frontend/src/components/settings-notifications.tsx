import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { call, type Schemas } from '../api/client';
import { useApi, useSession } from '../auth/session';
import { humanize } from '../lib/format';
import { Card, DataTable } from './layout-parts';
import { ChangedBy, FieldError, FormError, ReadOnlyNotice, type SavedNotice, fieldErrors, invalidProps } from './settings-form';
import { Notice, QueryState } from './states';

type Channels = Schemas['NotificationChannels'];
type UserChannel = 'email' | 'slack' | 'teams' | 'dashboard';
type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

const USER_CHANNELS: { value: UserChannel; label: string }[] = [
  { value: 'email', label: 'Email' },
  { value: 'slack', label: 'Slack' },
  { value: 'teams', label: 'Teams' },
  { value: 'dashboard', label: 'Dashboard' },
];
const WEEKDAYS: { value: Weekday; label: string }[] = [
  { value: 'mon', label: 'Mon' },
  { value: 'tue', label: 'Tue' },
  { value: 'wed', label: 'Wed' },
  { value: 'thu', label: 'Thu' },
  { value: 'fri', label: 'Fri' },
  { value: 'sat', label: 'Sat' },
  { value: 'sun', label: 'Sun' },
];
const KIND_LABELS: Record<string, string> = {
  assignment: 'Assigned to me',
  'sla-warning': 'SLA warning',
  'sla-breach': 'SLA breach',
  escalation: 'Escalation',
  'approval-request': 'Approval request',
  'remediation-result': 'Runbook result',
  resolved: 'Incident resolved',
};

/** The company's channels (Slack, Teams, outbound webhook, email sender), then the signed-in user's own preferences. */
export function NotificationsTab({ tenantId }: { tenantId: string }) {
  const api = useApi();
  const channels = useQuery({
    queryKey: ['settings', tenantId, 'channels'],
    queryFn: () => call(api.GET('/v1/tenants/{id}/notifications/channels', { params: { path: { id: tenantId } } })),
  });
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <>
      <Card title="Company channels">
        <p className="card-description">
          Where incident notifications for this company go besides each person&apos;s email. Webhook URLs are secrets: only their origin and
          last characters are shown once saved.
        </p>
        <QueryState query={channels} loadingLabel="Loading the channels">
          {(data) => <ChannelsForm key={data.updatedAt ?? 'none'} tenantId={tenantId} data={data} notice={notice} setNotice={setNotice} />}
        </QueryState>
      </Card>
      <MyPreferences />
    </>
  );
}

type UrlChoice = { mode: 'keep' | 'replace' | 'remove'; url: string };

function ChannelsForm({ tenantId, data, notice, setNotice }: { tenantId: string; data: Channels } & SavedNotice) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const [slack, setSlack] = useState<UrlChoice>({ mode: 'keep', url: '' });
  const [teams, setTeams] = useState<UrlChoice>({ mode: 'keep', url: '' });
  const [webhook, setWebhook] = useState<UrlChoice & { secret: string }>({ mode: 'keep', url: '', secret: '' });
  const [sender, setSender] = useState(data.emailSender ?? '');

  const save = useMutation({
    mutationFn: () => {
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
      return call(api.PUT('/v1/tenants/{id}/notifications/channels', { params: { path: { id: tenantId } }, body }));
    },
    onSuccess: (answer) => {
      queryClient.setQueryData(['settings', tenantId, 'channels'], answer);
      setNotice('Notification channels saved.');
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate();
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

function MyPreferences() {
  const api = useApi();
  const query = useQuery({
    queryKey: ['me', 'notification-preferences'],
    queryFn: () => call(api.GET('/v1/me/notification-preferences')),
  });
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="My notifications">
      <p className="card-description">
        How you are told about each kind of event, in every company you work for. During quiet hours, email, Slack and Teams wait (critical
        incidents never wait); the dashboard feed is always on.
      </p>
      <QueryState query={query} loadingLabel="Loading your preferences">
        {(data) => <PreferencesForm key={data.updatedAt ?? 'defaults'} data={data} notice={notice} setNotice={setNotice} />}
      </QueryState>
    </Card>
  );
}

type Preferences = {
  channels: Record<string, UserChannel[]>;
  defaults: Record<string, UserChannel[]>;
  quietHours?: { days?: Weekday[]; from: string; to: string };
  timeZone: string;
  updatedAt?: string;
};

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}

function PreferencesForm({ data, notice, setNotice }: { data: Preferences } & SavedNotice) {
  const api = useApi();
  const queryClient = useQueryClient();
  const formId = useId();
  const kinds = Object.keys(data.defaults);
  const [channels, setChannels] = useState<Record<string, UserChannel[]>>(() =>
    Object.fromEntries(kinds.map((kind) => [kind, data.channels[kind] ?? data.defaults[kind] ?? []])),
  );
  const [timeZone, setTimeZone] = useState(data.timeZone);
  const [quiet, setQuiet] = useState(Boolean(data.quietHours));
  const [from, setFrom] = useState(data.quietHours?.from ?? '22:00');
  const [to, setTo] = useState(data.quietHours?.to ?? '07:00');
  const [days, setDays] = useState<Weekday[]>(data.quietHours?.days ?? WEEKDAYS.map((day) => day.value));
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  }, []);

  const save = useMutation({
    mutationFn: () => {
      const changed = Object.fromEntries(
        kinds.filter((kind) => !sameSet(channels[kind] ?? [], data.defaults[kind] ?? [])).map((kind) => [kind, channels[kind] ?? []]),
      );
      return call(
        api.PUT('/v1/me/notification-preferences', {
          body: {
            channels: changed,
            timeZone: timeZone.trim(),
            ...(quiet ? { quietHours: { from, to, ...(days.length === 7 ? {} : { days }) } } : {}),
          },
        }),
      );
    },
    onSuccess: (answer) => {
      queryClient.setQueryData(['me', 'notification-preferences'], answer);
      setNotice('Your notification preferences are saved.');
    },
  });
  const errors = fieldErrors(save.error);
  const toggle = (kind: string, channel: UserChannel, on: boolean) =>
    setChannels((current) => {
      const list = current[kind] ?? [];
      return { ...current, [kind]: on ? [...list, channel] : list.filter((value) => value !== channel) };
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate();
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="My notification preferences">
      <DataTable caption="Channels per kind of event">
        <thead>
          <tr>
            <th scope="col">Event</th>
            {USER_CHANNELS.map((channel) => (
              <th key={channel.value} scope="col" className="center">
                {channel.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="prefs-table">
          {kinds.map((kind) => (
            <tr key={kind}>
              <th scope="row">{KIND_LABELS[kind] ?? humanize(kind)}</th>
              {USER_CHANNELS.map((channel) => (
                <td key={channel.value}>
                  <input
                    type="checkbox"
                    className="table-check"
                    aria-label={`${KIND_LABELS[kind] ?? humanize(kind)} by ${channel.label}`}
                    checked={(channels[kind] ?? []).includes(channel.value)}
                    onChange={(event) => toggle(kind, channel.value, event.target.checked)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </DataTable>
      <div className="form-grid">
        <label className="field" htmlFor={`${formId}-zone`}>
          Time zone
          <input
            id={`${formId}-zone`}
            list={`${formId}-zones`}
            value={timeZone}
            onChange={(event) => setTimeZone(event.target.value)}
            {...invalidProps(errors, 'timeZone', `${formId}-zone`)}
          />
          <datalist id={`${formId}-zones`}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          <FieldError errors={errors} path="timeZone" id={`${formId}-zone`} />
        </label>
      </div>
      <fieldset className="fieldset">
        <legend>Quiet hours</legend>
        <label className="check">
          <input type="checkbox" checked={quiet} onChange={(event) => setQuiet(event.target.checked)} />
          Hold back email, Slack and Teams during quiet hours
        </label>
        {quiet ? (
          <>
            <div className="form-grid">
              <label className="field" htmlFor={`${formId}-from`}>
                From
                <input
                  id={`${formId}-from`}
                  type="time"
                  value={from}
                  onChange={(event) => setFrom(event.target.value)}
                  {...invalidProps(errors, 'quietHours.from', `${formId}-from`)}
                />
                <FieldError errors={errors} path="quietHours.from" id={`${formId}-from`} />
              </label>
              <label className="field" htmlFor={`${formId}-to`}>
                To
                <input
                  id={`${formId}-to`}
                  type="time"
                  value={to}
                  onChange={(event) => setTo(event.target.value)}
                  {...invalidProps(errors, 'quietHours.to', `${formId}-to`)}
                />
                <FieldError errors={errors} path="quietHours.to" id={`${formId}-to`} />
              </label>
            </div>
            <div className="day-list" role="group" aria-label="Days the quiet hours start on">
              {WEEKDAYS.map((day) => (
                <label key={day.value} className="check">
                  <input
                    type="checkbox"
                    checked={days.includes(day.value)}
                    onChange={(event) =>
                      setDays((current) =>
                        event.target.checked
                          ? WEEKDAYS.map((item) => item.value).filter((value) => value === day.value || current.includes(value))
                          : current.filter((value) => value !== day.value),
                      )
                    }
                  />
                  {day.label}
                </label>
              ))}
            </div>
            <FieldError errors={errors} path="quietHours.days" id={`${formId}-days`} />
          </>
        ) : null}
      </fieldset>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <FormError error={save.error} />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
